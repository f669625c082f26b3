"""Finding a handler again goes through the engine by the handler's key (`_js.handler_key`): inspection's
`remove_listener` and `unroute_web_socket(url, handler)` work with a bound method passed again (a new, equal object
at each access), remove one registration at a time, and leave other handlers alone; every proxy is released."""
from __future__ import annotations

import _wsbridge_js  # type: ignore[import-not-found]

from wsbridge import page, route_web_socket, unroute_web_socket

from support import ROUTES_RELEASED, Rec, settle, settle_routes, wait_for


def inspection_proxies() -> int:
    return int(_wsbridge_js.proxyStats().inspect)


class Watcher:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.frames: list[object] = []

    def on_websocket(self, ws) -> None:
        self.urls.append(ws.url)

    def on_frame(self, payload) -> None:
        self.frames.append(payload)


async def open_and_close(url: str) -> None:
    r = Rec(url)
    ws = await r.open()
    ws.close()
    await r.wait_closed()


async def test_remove_listener_takes_a_bound_method_again_and_removes_one_registration_at_a_time(ws_server):
    watcher, control = Watcher(), Watcher()
    page.on("websocket", control.on_websocket)
    page.on("websocket", watcher.on_websocket)
    page.on("websocket", watcher.on_websocket)  # twice: two calls per socket
    url = ws_server.url("/echo")
    await open_and_close(url)
    assert await wait_for(lambda: len(control.urls) == 1)
    assert watcher.urls == [url, url]
    page.remove_listener("websocket", watcher.on_websocket)  # an equal bound method, not the same object
    await open_and_close(url)
    assert await wait_for(lambda: len(control.urls) == 2)
    assert watcher.urls == [url, url, url]
    page.off("websocket", watcher.on_websocket)
    page.remove_listener("websocket", watcher.on_websocket)  # nothing left: a no-op
    page.remove_listener("websocket", control.on_websocket)
    await open_and_close(url)
    assert len(watcher.urls) == 3
    assert len(control.urls) == 2
    await settle()
    assert await wait_for(lambda: inspection_proxies() == 0)


async def test_a_socket_listener_removed_by_an_equal_bound_method_gets_no_more_frames(ws_server):
    watcher = Watcher()
    sockets: list[object] = []
    page.once("websocket", sockets.append)
    r = Rec(ws_server.url("/echo"))
    ws = await r.open()
    assert await wait_for(lambda: len(sockets) == 1)
    inspected = sockets[0]
    inspected.on("framereceived", watcher.on_frame)  # type: ignore[attr-defined]
    got: list[object] = []
    inspected.on("framereceived", got.append)  # type: ignore[attr-defined]
    ws.send("one")
    assert await wait_for(lambda: got == ["one"])
    inspected.remove_listener("framereceived", watcher.on_frame)  # type: ignore[attr-defined]
    ws.send("two")
    assert await wait_for(lambda: got == ["one", "two"])
    assert watcher.frames == ["one"]
    ws.close()
    await r.wait_closed()
    assert await wait_for(lambda: inspection_proxies() == 0)  # a closed socket releases its listeners


class Mock:
    def handle(self, route) -> None:
        route.send("mocked")


async def test_unroute_web_socket_takes_a_bound_method_again():
    first, second = Mock(), Mock()
    a = route_web_socket("**/echo", first.handle)
    b = route_web_socket("**/echo", second.handle)
    unroute_web_socket("**/echo", first.handle)
    assert [a.active, b.active] == [False, True]
    unroute_web_socket("**/echo", second.handle)
    assert await settle_routes() == ROUTES_RELEASED


async def test_remove_listener_takes_a_builtin_bound_method_again(ws_server):
    seen: list[object] = []
    control = Watcher()
    page.on("websocket", control.on_websocket)
    page.on("websocket", seen.append)
    page.remove_listener("websocket", seen.append)  # `seen.append` is a new object, equal to the one added
    await open_and_close(ws_server.url("/echo"))
    assert await wait_for(lambda: len(control.urls) == 1)
    assert seen == []
    page.remove_listener("websocket", control.on_websocket)
    await settle()
    assert await wait_for(lambda: inspection_proxies() == 0)


async def test_unroute_web_socket_takes_a_url_callable_passed_again_as_a_bound_method():
    class Matcher:
        def matches(self, url: str) -> bool:
            return url.endswith("/echo")

    matcher = Matcher()
    handle = route_web_socket(matcher.matches, Mock().handle)
    unroute_web_socket(matcher.matches)
    assert not handle.active
    assert await settle_routes() == ROUTES_RELEASED
