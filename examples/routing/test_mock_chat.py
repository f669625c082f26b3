"""Mocking a chat server inside the page with `route_web_socket` (Playwright's WebSocketRoute, in Python).

Run with:  npx wsbridge test examples

The chat server does not exist: every socket to `ws://chat.example/...` is answered by the route handler,
in the page, without network. Handlers are plain or `async def`; messages reach them as `str | bytes`.
Code written for Playwright's Python API ports by replacing `page` with `wsbridge.page`.
"""
import asyncio
import json

from wsbridge import ConnectionClosed, WebSocketRoute, connect, page

CHAT = "ws://chat.example/room"


class MockChat:
    """A tiny chat server: `join` gives a welcome, `say` is broadcast to every member, `kick` closes with 4001."""

    def __init__(self):
        self.members: dict[WebSocketRoute, str] = {}

    def __call__(self, ws: WebSocketRoute):
        ws.on_message(lambda raw: self.on_message(ws, raw))
        ws.on_close(lambda code, reason: self.leave(ws, code, reason))

    def leave(self, ws: WebSocketRoute, code, reason):
        # With an on_close handler the page stays CLOSING until the route closes it (Playwright semantics).
        self.members.pop(ws, None)
        ws.close(code=code, reason=reason)

    def on_message(self, ws: WebSocketRoute, raw):
        msg = json.loads(raw)
        if msg["type"] == "join":
            self.members[ws] = msg["name"]
            ws.send(json.dumps({"type": "welcome", "members": sorted(self.members.values())}))
        elif msg["type"] == "say":
            line = json.dumps({"type": "said", "from": self.members[ws], "text": msg["text"]})
            for member in self.members:
                member.send(line)
        elif msg["type"] == "kick":
            ws.close(code=4001, reason="kicked")


async def join(name):
    ws = await connect(CHAT).__aenter__()
    await ws.send(json.dumps({"type": "join", "name": name}))
    return ws, json.loads(await ws.recv(timeout=5))


async def test_join_and_broadcast():
    with page.route_web_socket("**/room", MockChat()):
        alice, welcome = await join("alice")
        assert welcome == {"type": "welcome", "members": ["alice"]}
        bob, welcome = await join("bob")
        assert welcome["members"] == ["alice", "bob"]
        await alice.send(json.dumps({"type": "say", "text": "hi bob"}))
        expected = {"type": "said", "from": "alice", "text": "hi bob"}
        assert json.loads(await bob.recv(timeout=5)) == expected
        assert json.loads(await alice.recv(timeout=5)) == expected
        await alice.close()
        await bob.close()


async def test_the_route_closes_with_a_code():
    with page.route_web_socket("**/room", MockChat()):
        ws, _ = await join("mallory")
        await ws.send(json.dumps({"type": "kick"}))
        try:
            await ws.recv(timeout=5)
        except ConnectionClosed as closed:
            assert (closed.code, closed.reason) == (4001, "kicked")
        else:
            raise AssertionError("expected the mock to close the socket")


async def test_async_handler_greets_first():
    # Playwright semantics: the socket opens when the (async) handler completes, or at its first send().
    async def handler(ws: WebSocketRoute):
        await asyncio.sleep(0.05)
        ws.send("hello from the mock")
        ws.on_message(lambda m: ws.send(f"echo {m!r}"))

    async with page.route_web_socket(CHAT, handler):
        async with connect(CHAT) as ws:
            assert await ws.recv(timeout=5) == "hello from the mock"
            await ws.send(b"\x01\x02")
            assert await ws.recv(timeout=5) == "echo b'\\x01\\x02'"  # binary reaches the handler as bytes


async def test_page_js_is_routed_too_and_the_handler_sees_url_and_protocols():
    seen = asyncio.get_running_loop().create_future()
    # Plain calls, as in Playwright's sync API; page JS that never heard of wsbridge is routed too.
    with page.route_web_socket("ws://chat.example", lambda ws: seen.set_result((ws.url, ws.protocols))):
        from js import WebSocket

        socket = WebSocket.new("ws://chat.example", ["v2.chat", "v1.chat"])
        assert await asyncio.wait_for(seen, 5) == ("ws://chat.example/", ["v2.chat", "v1.chat"])
        socket.close()
