"""A mock written as an ASGI application: `route_web_socket(url, asgi(app))`.

Run with:  npx wsbridge test examples

Python developers write WebSocket servers against ASGI (Starlette, FastAPI). Here the mock IS such an app,
written as plain ASGI so no framework is needed: it reads the room from the path and the user from the query
string, chooses the subprotocol, echoes messages with the user's name, and closes with 4001 when told to leave.
A Starlette or FastAPI app could be passed to `asgi()` the same way.
"""
import asyncio
import json

from wsbridge import ConnectionClosed, WebSocket, asgi, connect, page

ROOMS = "ws://chat.example/rooms/*"


async def chat_app(scope, receive, send):
    assert scope["type"] == "websocket"
    room = scope["path"].rsplit("/", 1)[-1]
    query = dict(part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part)
    user = query.get("user")
    await receive()  # websocket.connect
    if not user:
        await send({"type": "websocket.close", "code": 1008})  # before accept: the handshake fails
        return
    protocol = "chat.v2" if "chat.v2" in scope["subprotocols"] else None
    await send({"type": "websocket.accept", "subprotocol": protocol})
    await send({"type": "websocket.send", "text": json.dumps({"joined": room, "user": user})})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text") or ""
        if text == "/leave":
            await send({"type": "websocket.close", "code": 4001, "reason": f"{user} left"})
            return
        await send({"type": "websocket.send", "text": f"{user}: {text}"})


async def test_join_talk_and_leave():
    async with page.route_web_socket(ROOMS, asgi(chat_app)):
        async with connect("ws://chat.example/rooms/lobby?user=ann", ["chat.v1", "chat.v2"]) as ws:
            assert json.loads(await ws.recv(timeout=5)) == {"joined": "lobby", "user": "ann"}
            await ws.send("hello")
            assert await ws.recv(timeout=5) == "ann: hello"
            await ws.send("/leave")
            try:
                await ws.recv(timeout=5)
            except ConnectionClosed as closed:
                assert (closed.code, closed.reason) == (4001, "ann left")
            else:
                raise AssertionError("expected the app to close with 4001")


async def test_no_user_means_the_handshake_fails():
    events: list[object] = []
    done = asyncio.get_running_loop().create_future()
    async with page.route_web_socket(ROOMS, asgi(chat_app)):
        WebSocket(
            "ws://chat.example/rooms/lobby",
            onopen=lambda e: events.append("open"),
            onerror=lambda e: events.append("error"),
            onclose=lambda e: done.set_result((e.code, e.wasClean)),
        )
        assert await asyncio.wait_for(done, 5) == (1006, False)
    assert events == ["error"]  # never opened


async def test_the_negotiated_subprotocol_reaches_the_page():
    opened = asyncio.get_running_loop().create_future()
    async with page.route_web_socket(ROOMS, asgi(chat_app)):
        ws = WebSocket("ws://chat.example/rooms/x?user=bo", ["chat.v1", "chat.v2"], onopen=lambda e: opened.set_result(ws.protocol))
        assert await asyncio.wait_for(opened, 5) == "chat.v2"
        ws.close()
