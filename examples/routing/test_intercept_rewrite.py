"""Intercepting a real WebSocket server and rewriting its traffic, from Python, inside the page.

Run with:  npx wsbridge test examples

`connect_to_server()` opens the real socket; messages flow both ways unchanged until a side's `on_message`
is set, which takes them over. Closes travel with their codes and reasons; `on_close` takes a side's close.
"""
import re

from wsbridge import ConnectionClosed, WebSocketRoute, connect, page
from wsbridge.testing import server_url


def rewrite(ws: WebSocketRoute):
    server = ws.connect_to_server()
    # Page → server: upper-case text, drop "secret"; server → page: tag what the server said.
    ws.on_message(lambda m: None if m == "secret" else server.send(m.upper() if isinstance(m, str) else m))
    server.on_message(lambda m: ws.send(f"server said: {m}" if isinstance(m, str) else m[::-1]))


async def test_rewrite_both_ways():
    async with page.route_web_socket("**/echo", rewrite):
        async with connect(server_url("/echo")) as ws:
            await ws.send("hello")
            assert await ws.recv(timeout=5) == "server said: HELLO"
            await ws.send("secret")  # blocked by the route: the echo server never sees it
            await ws.send(b"\x01\x02\x03")
            assert await ws.recv(timeout=5) == b"\x03\x02\x01"


async def test_pass_through_until_a_side_takes_over():
    async with page.route_web_socket(re.compile(r"/echo$"), lambda ws: ws.connect_to_server()):
        async with connect(server_url("/echo")) as ws:
            await ws.send("untouched")
            assert await ws.recv(timeout=5) == "untouched"


async def test_server_close_reaches_the_page_with_its_code():
    async with page.route_web_socket("**/close*", lambda ws: ws.connect_to_server()):
        async with connect(server_url("/close?code=1008&reason=oops")) as ws:
            await ws.send("x")
            try:
                await ws.recv(timeout=5)
            except ConnectionClosed as closed:
                assert (closed.code, closed.reason) == (1008, "oops")
            else:
                raise AssertionError("expected the server's close")


async def test_on_close_rewrites_the_server_close():
    async def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()

        async def on_server_close(code, reason):
            await ws.close(code=4000, reason=f"server closed with {code} {reason}")

        server.on_close(on_server_close)

    async with page.route_web_socket(lambda url: "/close" in url, handler):
        async with connect(server_url("/close?code=1011&reason=crash")) as ws:
            await ws.send("x")
            try:
                await ws.recv(timeout=5)
            except ConnectionClosed as closed:
                assert (closed.code, closed.reason) == (4000, "server closed with 1011 crash")
            else:
                raise AssertionError("expected the route's close")


async def test_routes_are_matched_last_registered_first():
    with page.route_web_socket("**/echo", lambda ws: ws.send("first")), page.route_web_socket("**/echo", lambda ws: ws.send("second")):
        async with connect(server_url("/echo")) as ws:
            assert await ws.recv(timeout=5) == "second"
