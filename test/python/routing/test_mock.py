"""Mock mode (no connect_to_server) with Python route handlers: the page logs must equal Playwright's.

Each test registers the scenario's handler in Python and runs the scenario's page script (see _conformance.py);
the expected log is the one the JS conformance suite observed under Playwright's page.routeWebSocket."""
import asyncio

from wsbridge import WebSocketRoute, route_web_socket

from _conformance import expect_log, tag, text


def echo(ws: WebSocketRoute):
    ws.on_message(lambda m: ws.send(m))


async def test_echo_text_page_closes():
    route_web_socket("**/mock", echo)
    await expect_log("mock: echo text, page closes")


async def test_binary_each_way_both_binary_types():
    def handler(ws: WebSocketRoute):
        def on_message(m):
            ws.send("got:" + tag(m))
            ws.send(m)
        ws.on_message(on_message)
    route_web_socket("**/mock", handler)
    await expect_log("mock: binary each way, both binaryTypes")


async def test_reply_on_connect_opens_the_socket_first():
    def handler(ws: WebSocketRoute):
        ws.send("welcome")
        ws.send(bytes([1]))
    route_web_socket("**/mock", handler)
    await expect_log("mock: reply on connect opens the socket first")


async def test_async_handler_opens_after_it_completes():
    async def handler(ws: WebSocketRoute):
        await asyncio.sleep(0.1)
        ws.on_message(lambda m: ws.send("late:" + tag(m)))
    route_web_socket("**/mock", handler)
    await expect_log("mock: async handler opens after it completes")


async def test_empty_handler_blocks_page_messages_and_loops_close_back():
    route_web_socket("**/mock", lambda ws: None)
    await expect_log("mock: empty handler opens, drops page messages, loops close back")


async def test_modify_messages():
    route_web_socket("**/mock", lambda ws: ws.on_message(lambda m: ws.send(text(m).upper() + "!")))
    await expect_log("mock: modify messages both ways")


async def test_route_close_with_code_and_reason():
    route_web_socket("**/mock", lambda ws: ws.on_message(lambda m: ws.close(code=4002, reason="by route")))
    await expect_log("mock: route.close with code and reason")


async def test_route_close_without_code_gives_code_0():
    route_web_socket("**/mock", lambda ws: ws.on_message(lambda m: ws.close()))
    await expect_log("mock: route.close without code gives code 0")


async def test_page_side_on_close_keeps_the_page_closing_until_the_route_closes_it():
    def handler(ws: WebSocketRoute):
        async def on_close(code, reason):
            await asyncio.sleep(0.2)
            ws.close(code=code + 1, reason=reason + "!")
        ws.on_close(on_close)
    route_web_socket("**/mock", handler)
    await expect_log("mock: page-side onClose keeps the page CLOSING until the route closes it")


async def test_protocols_list_first_one_reported():
    import json
    route_web_socket("**/mock", lambda ws: ws.send(json.dumps({"url": ws.url, "protocols": ws.protocols}, separators=(",", ":"))))
    await expect_log("mock: protocols list, first one reported")


async def test_page_sent_blob_keeps_its_place():
    # Playwright reorders page-sent Blobs; the expected log is wsbridge's (a documented divergence).
    route_web_socket("**/mock", lambda ws: ws.on_message(lambda m: ws.send("got " + tag(m))))
    await expect_log("divergence: a page-sent Blob keeps its place (Playwright reorders it)")
