"""Scripting a whole conversation with an awaitable route: `receive_json` / `send_json`, step by step.

Run with:  npx wsbridge test examples

The code under test is `fetch_orders`, a small client that logs in, asks for a page of orders, follows the
`next` cursor and says goodbye. The route plays the server as a script: each `await route.receive_json()`
waits for the client's next message (with a timeout in ms, so a client that stops talking fails the test
instead of hanging it), and each `send_json` answers. No server exists; nothing leaves the page.
"""
import asyncio
import json

from wsbridge import WebSocketClosed, WebSocketRoute, connect, page

API = "ws://shop.example/api"


async def fetch_orders(url: str, token: str) -> list[str]:
    """The app: login, then page through orders until there is no `next` cursor."""
    orders: list[str] = []
    async with connect(url) as ws:
        await ws.send(json.dumps({"op": "login", "token": token}))
        welcome = json.loads(await ws.recv(timeout=5))
        if not welcome.get("ok"):
            raise PermissionError(welcome.get("error", "login refused"))
        cursor = None
        while True:
            await ws.send(json.dumps({"op": "orders", "cursor": cursor}))
            page_ = json.loads(await ws.recv(timeout=5))
            orders += page_["items"]
            cursor = page_.get("next")
            if cursor is None:
                break
        await ws.send('{"op":"bye"}')
    return orders


async def test_login_then_two_pages_of_orders():
    finished = asyncio.get_running_loop().create_future()

    async def server(route: WebSocketRoute):
        assert await route.receive_json(timeout=2000) == {"op": "login", "token": "t0k"}
        route.send_json({"ok": True, "user": "ann"})
        assert await route.receive_json(timeout=2000) == {"op": "orders", "cursor": None}
        route.send_json({"items": ["o1", "o2"], "next": "c2"})
        assert await route.receive_json(timeout=2000) == {"op": "orders", "cursor": "c2"}
        route.send_json({"items": ["o3"]})
        assert await route.receive_json(timeout=2000) == {"op": "bye"}
        # The client closes after "bye": the next receive raises WebSocketClosed with the page's code.
        try:
            await route.receive(timeout=2000)
        except WebSocketClosed as closed:
            finished.set_result(closed.code)

    async with page.route_web_socket(API, server):
        assert await fetch_orders(API, "t0k") == ["o1", "o2", "o3"]
        # The script ran to its end: the client's close (1000) reached it.
        assert await asyncio.wait_for(finished, 2) == 1000


async def test_refused_login_raises():
    async def server(route: WebSocketRoute):
        await route.receive_json(timeout=2000)
        route.send_json({"ok": False, "error": "bad token"})

    async with page.route_web_socket(API, server):
        try:
            await fetch_orders(API, "nope")
        except PermissionError as error:
            assert str(error) == "bad token"
        else:
            raise AssertionError("fetch_orders should have raised PermissionError")


async def test_the_script_fails_loudly_when_the_client_goes_quiet():
    outcome: list[str] = []

    async def server(route: WebSocketRoute):
        route.send_json({"hello": True})
        try:
            await route.receive_json(timeout=100)  # the client below never answers
        except TimeoutError as error:
            outcome.append(str(error))

    async with page.route_web_socket(API, server):
        async with connect(API) as ws:
            assert await ws.recv(timeout=5) == '{"hello":true}'
            await asyncio.sleep(0.3)
    assert outcome == ["Timeout 100ms exceeded while waiting for a message from the page"]
