"""What a Python route's send() takes: any bytes-like object, as its raw bytes (the same rule as WebSocket.send)."""
import array

import pytest

from wsbridge import connect, page


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(b"abc", b"abc", id="bytes"),
        pytest.param(memoryview(b"abcdef")[::2], b"ace", id="strided view"),
        pytest.param(array.array("H", [1, 2]), array.array("H", [1, 2]).tobytes(), id="another item format"),
        pytest.param(memoryview(array.array("H", [1, 2, 3, 4]))[::2], array.array("H", [1, 3]).tobytes(), id="strided view of another format"),
    ],
)
async def test_route_send_takes_any_bytes_like(payload, expected):
    page.route_web_socket("**/send-data", lambda route: route.on_message(lambda m: route.send(payload)))
    async with connect("ws://send-data.test/send-data") as ws:
        await ws.send("go")
        assert await ws.recv() == expected


async def test_route_send_refuses_what_has_no_bytes_and_the_route_goes_on():
    def on_message(route, _message):
        try:
            route.send(42)
        except TypeError as error:
            route.send(str(error))

    page.route_web_socket("**/send-data", lambda route: route.on_message(lambda m: on_message(route, m)))
    async with connect("ws://send-data.test/send-data") as ws:
        await ws.send("go")
        assert await ws.recv() == "WebSocketRoute.send() takes str or bytes-like data, not int"
