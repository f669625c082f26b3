"""route_web_socket(url, asgi(app)): ASGI WebSocket apps written here (no Starlette) serve page sockets; the page's
end is a plain browser WebSocket (the `probe` fixture)."""
import json
from urllib.parse import urlsplit

import js
import pytest

from wsbridge import WebSocketDisconnect, asgi, route_web_socket

from support import wait_for

FAILED = [["error"], ["close", 1006, "", False]]


async def test_echo_both_ways_and_the_page_close_reaches_the_app_as_disconnect(probe):
    events: list[dict[str, object]] = []

    async def echo(scope, receive, send):
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            events.append(message)
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": "echo:" + message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"][::-1]})

    route_web_socket("**/echo", asgi(echo))
    log = await probe("/echo", ["hi", [1, 2, 3]], 2, (4000, "bye"))
    assert await wait_for(lambda: len(events) == 3)  # the app gets the disconnect once the page closed
    assert log == [["open", ""], "echo:hi", "bin:3,2,1", ["close", 4000, "bye", True]]
    assert events == [
        {"type": "websocket.receive", "text": "hi"},
        {"type": "websocket.receive", "bytes": b"\x01\x02\x03"},
        {"type": "websocket.disconnect", "code": 4000, "reason": "bye"},
    ]


async def close_first(scope, receive, send):
    await receive()
    await send({"type": "websocket.close", "code": 1008})


async def deny(scope, receive, send):
    await receive()
    await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
    await send({"type": "websocket.http.response.body", "body": b"forbidden"})


async def silent(scope, receive, send):
    await receive()


async def broken(scope, receive, send):
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    "app",
    [
        close_first,
        deny,
        silent,
        pytest.param(broken, marks=pytest.mark.allow_handler_errors),
    ],
)
async def test_an_app_that_does_not_accept_fails_the_handshake(probe, app):
    """websocket.close before accept, a denial response, returning without accept, an exception before accept."""
    route_web_socket("**/" + app.__name__, asgi(app))
    assert await probe("/" + app.__name__) == FAILED


async def test_subprotocols_the_app_picks_one_offered_and_an_unoffered_one_fails(probe):
    events: list[object] = []

    async def pick(scope, receive, send):
        await receive()
        events.append(scope["subprotocols"])
        await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][-1]})
        await send({"type": "websocket.send", "text": "chosen"})
        await receive()

    async def wrong(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept", "subprotocol": "nope"})
        try:
            await send({"type": "websocket.send", "text": "x"})
        except Exception as e:
            events.append(type(e).__name__)

    route_web_socket("**/pick", asgi(pick))
    route_web_socket("**/wrong", asgi(wrong))
    assert await probe("/pick", [], 1, (1000, ""), ["chat.v1", "chat.v2"]) == [["open", "chat.v2"], "chosen", ["close", 1000, "", True]]
    assert await probe("/wrong", [], 0, None, ["chat.v1"]) == FAILED
    assert await wait_for(lambda: len(events) == 2)
    assert events == [["chat.v1", "chat.v2"], "Disconnected"]


async def test_the_scope(probe, ws_server):
    """type, path, raw_path, query_string, scheme, headers, server, client."""

    async def show(scope, receive, send):
        await receive()
        # The page offers subprotocols, so accepting without one would fail the handshake, as in a browser.
        await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][0]})
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        await send({"type": "websocket.send", "text": json.dumps({
            "type": scope["type"], "asgi": scope["asgi"]["version"], "path": scope["path"], "raw_path": scope["raw_path"].decode(),
            "query_string": scope["query_string"].decode(), "scheme": scope["scheme"], "server": list(scope["server"]),
            "client": list(scope["client"]), "host": headers["host"], "origin": headers.get("origin"),
            "version": headers["sec-websocket-version"], "protocol": headers.get("sec-websocket-protocol"),
        })})
        await receive()

    route_web_socket(lambda url: "/room" in url, asgi(show))
    log = await probe("/room%20one/x?user=ann&n=2", [], 1, (1000, ""), ["a", "b"])
    server = urlsplit(ws_server.base)
    assert json.loads(log[1]) == {
        "type": "websocket", "asgi": "3.0", "path": "/room one/x", "raw_path": "/room%20one/x", "query_string": "user=ann&n=2",
        "scheme": "ws", "server": ["127.0.0.1", server.port], "client": ["127.0.0.1", 0], "host": server.netloc,
        "origin": js.location.origin, "version": "13", "protocol": "a, b",
    }


async def closer(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    await send({"type": "websocket.close", "code": 4001, "reason": "no " + message["text"]})


async def crash(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    await receive()
    raise ValueError("bad")


@pytest.mark.parametrize(
    ("app", "close"),
    [
        pytest.param(closer, ["close", 4001, "no way", True], id="websocket.close"),
        pytest.param(crash, ["close", 1011, "", True], id="exception", marks=pytest.mark.allow_handler_errors),
    ],
)
async def test_after_accept_close_gives_its_code_and_an_exception_gives_1011(probe, app, close):
    route_web_socket("**/" + app.__name__, asgi(app))
    assert await probe("/" + app.__name__, ["way"], 5) == [["open", ""], close]


async def test_a_starlette_style_endpoint_over_the_routes_own_aliases(probe):
    """accept, receive_json, send_json, iter_text, close; WebSocketDisconnect carries the page's close code."""

    async def endpoint(websocket):
        await websocket.accept()
        hello = await websocket.receive_json()
        await websocket.send_json({"hi": hello["name"]})
        async for text in websocket.iter_text():
            if text == "quit":
                await websocket.close(4100, "quit")
                return
            await websocket.send_text(text.upper())

    route_web_socket("**/star", endpoint)
    assert await probe("/star", ['{"name":"ann"}', "a", "quit"], 9) == [["open", ""], '{"hi":"ann"}', "A", ["close", 4100, "quit", True]]

    caught: list[int] = []

    async def reader(websocket):
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as e:
            caught.append(e.code)

    route_web_socket("**/gone", reader)
    await probe("/gone", [], 0, (4002, ""))
    assert await wait_for(lambda: caught)
    assert caught == [4002]
