"""A real Starlette app as the in-page mock server: `route_web_socket(url, asgi(app))`.

Run with:  npx wsbridge test examples

Starlette comes from `requirements-page.txt` (named in pyproject.toml under [tool.wsbridge]): the runner
resolves it with pip once, caches the wheels and installs them in every page, so the import below is the
same Starlette a uvicorn server would run. The socket never leaves the page.
"""
import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from wsbridge import ConnectionClosed, asgi, connect

API = "ws://api.example/**"


async def counter(websocket: WebSocket) -> None:
    """Counts the numbers it is sent; `stop` closes with 4000 and the total as the reason."""
    await websocket.accept()
    total = 0
    try:
        while True:
            text = await websocket.receive_text()
            if text == "stop":
                await websocket.close(code=4000, reason=f"total {total}")
                return
            total += int(text)
            await websocket.send_json({"total": total})
    except WebSocketDisconnect:
        pass


app = Starlette(routes=[WebSocketRoute("/count", counter)])


@pytest.fixture
def api(page):
    """Routes ws://api.example/** to the Starlette app for one test (routes are reset after every test anyway)."""
    with page.route_web_socket(API, asgi(app)) as handle:
        yield handle


@pytest.mark.parametrize("numbers, total", [([1, 2, 3], 6), ([10, -4], 6), ([], 0)])
async def test_the_app_counts(api, numbers, total):
    async with connect("ws://api.example/count") as ws:
        for n in numbers:
            await ws.send(str(n))
            await ws.recv(timeout=5)
        await ws.send("stop")
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv(timeout=5)
    assert (closed.value.code, closed.value.reason) == (4000, f"total {total}")


async def test_the_app_answers_json(api):
    async with connect("ws://api.example/count") as ws:
        await ws.send("5")
        assert await ws.recv(timeout=5) == '{"total":5}'
