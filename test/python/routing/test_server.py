"""Server mode (connect_to_server) with Python route handlers: the page logs must equal Playwright's.

The page scripts and expected logs come from the JS conformance suite (see _conformance.py)."""
from collections.abc import Callable

from wsbridge import WebSocketRoute, route_web_socket

from _conformance import expect_log, text


def connect(ws: WebSocketRoute):
    ws.connect_to_server()


async def test_default_forwarding_both_ways_text_and_binary():
    route_web_socket("**/echo", connect)
    await expect_log("server: default forwarding both ways, text and binary")


async def test_per_side_handlers_rewrite_both_directions():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        ws.on_message(lambda m: None if text(m) == "block" else server.send("to-server:" + text(m)))
        server.on_message(lambda m: ws.send("from-server:" + text(m)))
    route_web_socket("**/echo", handler)
    await expect_log("server: per-side handlers rewrite both directions")


async def test_handlers_set_later_take_over_forwarding():
    take_over: list[Callable[[], None]] = []

    def echo(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def later() -> None:
            ws.on_message(lambda m: server.send("late:" + text(m)))
            server.on_message(lambda m: ws.send("srv:" + text(m)))
        take_over.append(later)

    def switch(ws: WebSocketRoute) -> None:  # the page's signal (test/conformance/scenarios.ts)
        take_over.pop()()
        ws.close(code=4001)
    route_web_socket("**/echo", echo)
    route_web_socket("**/switch", switch)
    await expect_log("server: handlers set later take over forwarding from then on")


async def test_buffering_before_the_server_opens():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        server.send("early1")
        server.send("early2")
    route_web_socket("**/echo", handler)
    await expect_log("server: text-only buffering before the server opens")


async def test_route_opens_the_page_before_connecting():
    def handler(ws: WebSocketRoute):
        ws.send("hi")
        ws.connect_to_server()
    route_web_socket("**/echo", handler)
    await expect_log("server: the route opens the page before connecting; page frames are buffered for the server")


async def test_page_closes_with_code_and_reason():
    route_web_socket("**/echo", connect)
    await expect_log("server: page closes with code and reason")


async def test_page_closes_without_code():
    route_web_socket("**/echo", connect)
    await expect_log("server: page closes without code")


async def test_server_closes_with_1008_oops():
    route_web_socket("**/close*", connect)
    await expect_log("server: server closes with 1008 oops")


async def test_server_side_on_close_gets_code_and_reason_page_stays_open():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        server.on_close(lambda code, reason: ws.send(f"server closed {code} {reason}"))
    route_web_socket("**/close*", handler)
    await expect_log("server: server-side onClose gets code and reason; the page stays open")


async def test_page_side_on_close_gets_code_and_reason_route_closes_the_server():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        ws.on_close(lambda code, reason: server.close(code=code + 1, reason="via route " + reason))
    route_web_socket("**/echo", handler)
    await expect_log("server: page-side onClose gets code and reason; route closes the server itself")


async def test_page_side_on_close_runs_again_for_the_final_close():
    closes = []

    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()

        def on_close(code, reason):
            closes.append(f"{code} {reason}")
            server.close(code=4001, reason="via route")
        ws.on_close(on_close)
    import json
    route_web_socket("**/echo", handler)
    route_web_socket("**/count", lambda ws: ws.send(json.dumps(closes, separators=(",", ":"))))
    await expect_log("server: page-side onClose that closes the server runs again for the page's final close (as in Playwright)")
    assert closes == ["4000 r", "4001 via route"]


async def test_server_side_on_close_that_closes_the_page_runs_once():
    closes = []

    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()

        def on_close(code, reason):
            closes.append(f"{code} {reason}")
            ws.close(code=4002, reason="route closes page")
        server.on_close(on_close)
    import json
    route_web_socket("**/close*", handler)
    route_web_socket("**/count", lambda ws: ws.send(json.dumps(closes, separators=(",", ":"))))
    await expect_log("server: server-side onClose that closes the page runs once")
    assert closes == ["4003 srv"]


async def test_route_closes_the_page_server_gets_the_same_close():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        server.on_message(lambda m: ws.close(code=4100, reason="enough"))
    route_web_socket("**/echo", handler)
    await expect_log("server: route closes the page; the server gets the same close")


async def test_handshake_failure():
    route_web_socket("**/reject", connect)
    await expect_log("server: handshake failure")


async def test_handshake_failure_reaches_the_server_side_on_close():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        server.on_close(lambda code, reason: ws.close(code=4010 if code >= 1000 else 4011, reason="handshake"))
    route_web_socket("**/reject", handler)
    await expect_log("server: handshake failure reaches the server-side onClose")


async def test_connection_reset_after_open():
    route_web_socket("**/die*", connect)
    await expect_log("server: connection reset after open")


async def test_negotiated_protocol_is_copied():
    route_web_socket("**/echo", connect)
    await expect_log("server: negotiated protocol is copied")


async def test_connect_twice_and_on_the_server_side():
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        try:
            ws.connect_to_server()
        except Exception as e:  # noqa: BLE001
            ws.send("twice: " + str(e))
        try:
            server.connect_to_server()
        except Exception as e:  # noqa: BLE001
            ws.send("server side: " + str(e))
    route_web_socket("**/echo", handler)

    def python_names(log):
        # The Python face names its own method in this error: connect_to_server, not connectToServer.
        return [dict(e, data=e["data"].replace("connectToServer must", "connect_to_server must")) if "data" in e else e for e in log]
    await expect_log("server: connectToServer twice, and on the server side", python_names)


async def test_burst_of_frames_keeps_order():
    route_web_socket("**/burst*", connect)
    await expect_log("server: burst of frames keeps order")
