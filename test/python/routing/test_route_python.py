"""The Python routing face (route_web_socket, WebSocketRoute) in the scenarios that matter most, with the page's
socket opened by plain page JS (the `probe` fixture), and wsbridge's routing bookkeeping released afterwards."""
from __future__ import annotations

import asyncio
import re

import pyodide_js  # type: ignore[import-not-found]
import pytest

from wsbridge import WebSocketRoute, _lifecycle, route_web_socket, unroute_web_socket

from support import ROUTES_RELEASED as RELEASED
from support import TIMEOUT, Probe, ServerLog, route_stats, settle_routes, wait_for


async def test_mock_handler_gets_str_and_bytes_and_sends_both(probe: Probe):
    def handler(ws: WebSocketRoute):
        # Text upper-cased; binary reversed, plus a 1 when it arrived as bytes.
        ws.on_message(lambda m: ws.send(m.upper() if isinstance(m, str) else bytes(reversed(m)) + bytes([type(m) is bytes])))

    with route_web_socket("**/mock", handler):
        log = await probe("/mock", ["abc", [1, 2]], 2, (4000, "done"))
    assert log == [["open", ""], "ABC", "bin:2,1,1", ["close", 4000, "done", True]]
    assert await settle_routes() == RELEASED


async def test_a_handle_as_the_last_expression_of_run_python_async_settles():
    # JS awaiting a result that is itself awaitable awaits it again: a handle whose await gave the handle back hung
    # the page. Playwright's shape: awaiting the handle gives None.
    code = 'from wsbridge import route_web_socket\nroute_web_socket("**/never-opened", lambda ws: None)'
    assert await asyncio.wait_for(pyodide_js.runPythonAsync(code), TIMEOUT) is None
    assert route_stats()["routes"] == 1
    unroute_web_socket("**/never-opened")
    assert await settle_routes() == RELEASED


async def test_async_handler_opens_the_socket_when_done_and_async_on_message_runs_in_order(probe: Probe):
    async def handler(ws: WebSocketRoute):
        await asyncio.sleep(0.05)

        async def on_message(m):
            # The first message's handler is the slower: its reply must still come first.
            await asyncio.sleep(0.1 if m == "slow" else 0)
            ws.send("got " + m)
        ws.on_message(on_message)
        ws.on_close(lambda code, reason: ws.close(code=code, reason="seen " + reason))

    handle = route_web_socket("**/mock", handler)
    assert await handle is None  # Playwright's shape; the handle itself stays usable
    log = await probe("/mock", ["slow", "fast"], 2, (4001, "bye"))
    handle.unroute()
    assert log == [["open", ""], "got slow", "got fast", ["close", 4001, "seen bye", True]]
    assert await settle_routes() == RELEASED


async def test_server_mode_forwards_rewrites_buffers_before_the_server_opens_and_closes_with_codes(
    probe: Probe, server_log: ServerLog
):
    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        server.send("early")  # before the server connection opened: buffered
        ws.on_message(lambda m: server.send("to-server:" + m) if m != "block" else None)
        server.on_message(lambda m: ws.send("from-server:" + (m if isinstance(m, str) else m.hex())))

    route_web_socket("**/echo*", handler)
    log = await probe(server_log.url("/echo"), ["a", "block", "b"], 3, (4002, "page"))
    unroute_web_socket("**/echo*")
    assert log == [
        ["open", ""], "from-server:early", "from-server:to-server:a", "from-server:to-server:b",
        ["close", 4002, "page", True],
    ]
    assert await settle_routes() == RELEASED
    [logged] = await server_log.closed()
    assert logged.frames == ["early", "to-server:a", "to-server:b"]
    assert logged.closed == (4002, "page")


async def test_server_close_and_handshake_failure_reach_the_server_side_on_close_and_connecting_twice_raises(
    probe: Probe, page
):
    seen: list[object] = []

    def handler(ws: WebSocketRoute):
        server = ws.connect_to_server()
        with pytest.raises(RuntimeError, match="^Already connected to the server$"):
            ws.connect_to_server()
        with pytest.raises(RuntimeError, match="^connect_to_server must be called on the page-side WebSocketRoute$"):
            server.connect_to_server()
        seen.append("raised twice")

        async def on_close(code, reason):
            seen.append((code, reason))
            await ws.close(code=4100 if code == 1008 else 4200, reason="server said " + str(reason))
        server.on_close(on_close)

    with page.route_web_socket(re.compile(r"/(close|reject)"), handler):
        closed_by_server = await probe("/close?code=1008&reason=oops", ["x"], 1)
        handshake_failed = await probe("/reject")
    assert closed_by_server == [["open", ""], ["close", 4100, "server said oops", True]]
    assert handshake_failed == [["error"], ["close", 4200, "server said ", True]]
    assert seen == ["raised twice", (1008, "oops"), "raised twice", (1006, "")]
    assert await settle_routes() == RELEASED


async def test_matching_callable_and_pattern_page_before_context_last_registered_wins_and_times(
    probe: Probe, page, context
):
    urls: list[str] = []

    def tagger(name: str):
        def handler(ws: WebSocketRoute):
            ws.send(name + " " + ws.url.rsplit("/", 1)[-1] + " " + ",".join(ws.protocols))
        return handler

    def predicate(url: str) -> bool:
        urls.append(url)
        return url.endswith("/pred")

    with context.route_web_socket("**/m/*", tagger("context")), \
            page.route_web_socket(predicate, tagger("predicate")), \
            page.route_web_socket(re.compile(r"/M/(?i:py)$"), tagger("pattern")), \
            page.route_web_socket("**/m/twice", tagger("first")), \
            page.route_web_socket("**/m/twice", tagger("second")), \
            page.route_web_socket("**/m/once", tagger("once"), times=1):
        first_messages = [
            (await probe(path, (), 1, (1000, "bye"), protocols))[1]
            for path, protocols in [
                ("/m/pred", None), ("/M/PY", ["a", "b"]), ("/m/twice", None), ("/m/other", None),
                ("/m/once", None), ("/m/once", None),
            ]
        ]
    assert first_messages == [
        "predicate pred ", "pattern PY a,b", "second twice ", "context other ", "once once ", "context once ",
    ]
    assert any(u.endswith("/m/pred") for u in urls)
    assert await settle_routes() == RELEASED


async def test_an_invalid_glob_raises_at_the_call():
    with pytest.raises(ValueError, match=re.escape("Invalid glob pattern \"**/{a\": unmatched '{'")):
        route_web_socket("**/{a", lambda ws: None)
    assert route_stats() == RELEASED


async def test_send_of_a_wrong_type_raises_and_reset_removes_every_route_and_closes_routed_sockets(
    probe: Probe, context
):
    errors: list[str] = []
    received: list[str] = []

    def handler(ws: WebSocketRoute):
        with pytest.raises(TypeError) as caught:
            ws.send(42)
        errors.append(str(caught.value))
        ws.on_message(received.append)

    route_web_socket("**/mock", handler)
    context.route_web_socket("**/mock2", handler)
    page_log = asyncio.ensure_future(probe("/mock", ["hi"], 5))
    # The route heard the page's frame: the page socket is open.
    assert await wait_for(lambda: received == ["hi"])
    # A proxy per route handler, and one for the live socket's dispatch.
    assert route_stats() == {"proxies": 3, "routes": 2, "sockets": 1}
    _lifecycle.reset()
    assert await page_log == [["open", ""], ["close", 1001, "wsbridge reset", True]]
    assert errors == ["WebSocketRoute.send() takes str or bytes-like data, not int"]
    assert await settle_routes() == RELEASED
