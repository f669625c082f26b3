"""asgi(app) with a real Starlette app (installed in the page from examples/requirements-page.txt): what the page
and the app see must match a browser talking to the same app under uvicorn (issue 10 items 7-11, issue 12 item 14)."""
import asyncio
import base64
import contextlib
import inspect
import json
import sys
import types
from collections.abc import Iterator

import anyio.from_thread
import anyio.to_thread
import js
import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

import wsbridge
from wsbridge import _lifecycle, asgi, route_web_socket
from wsbridge.errors import Disconnected, WebSocketClosed

from support import wait_for

FAILED = [["error"], ["close", 1006, "", False]]


@pytest.fixture
def greeter() -> tuple[Starlette, list[str]]:
    """A Starlette app whose lifespan records startup/shutdown and greets from its state; and its record."""
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield {"greeting": "hello from lifespan"}
        events.append("shutdown")

    async def greet(websocket):
        await websocket.accept()
        await websocket.send_text(websocket.state.greeting)
        await websocket.close()

    return Starlette(routes=[WebSocketRoute("/greet", greet)], lifespan=lifespan), events


async def test_lifespan_starts_once_shares_its_state_and_shuts_down_on_reset(probe, greeter):
    app, events = greeter
    route_web_socket("**/greet", asgi(app))
    assert await probe("/greet", [], 1) == [["open", ""], "hello from lifespan"]
    assert await probe("/greet", [], 1) == [["open", ""], "hello from lifespan"]
    assert events == ["startup"]
    _lifecycle.reset()
    assert await wait_for(lambda: "shutdown" in events)
    assert events == ["startup", "shutdown"]


async def test_lifespan_unrouting_the_route_shuts_the_app_down(probe, greeter):
    app, events = greeter
    handle = route_web_socket("**/greet", asgi(app))
    assert await probe("/greet", [], 1) == [["open", ""], "hello from lifespan"]
    assert events == ["startup"]
    handle.unroute()
    assert await wait_for(lambda: "shutdown" in events)
    assert events == ["startup", "shutdown"]


async def endpoint(websocket):
    await websocket.accept()


@pytest.mark.allow_handler_errors
async def test_lifespan_failed_startup_fails_every_handshake(probe, reported_errors):
    @contextlib.asynccontextmanager
    async def broken(app):
        raise RuntimeError("no database")
        yield

    route_web_socket("**/x", asgi(Starlette(routes=[WebSocketRoute("/x", endpoint)], lifespan=broken)))
    assert await probe("/x") == FAILED
    assert await probe("/x") == FAILED
    assert any("RuntimeError: no database" in text for text in reported_errors)


async def test_asgi_shutdown_shuts_a_started_app_down():
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def tracked(app):
        yield
        events.append("shutdown")

    handler = asgi(Starlette(routes=[WebSocketRoute("/y", endpoint)], lifespan=tracked))
    route_web_socket("**/y", handler).unroute()
    await handler.startup()
    await handler.shutdown()
    assert events == ["shutdown"]


async def test_after_the_app_closes_or_denies_before_accepting_receive_gives_disconnect_1006(probe, reported_errors):
    events: list[object] = []

    async def close_first(scope, receive, send):
        await receive()
        await send({"type": "websocket.close", "code": 1008})
        events.append(["raw", await receive()])

    async def starlette_close(websocket):
        await websocket.receive()  # websocket.connect
        await websocket.close(1008)
        events.append(["close", await websocket.receive()])

    async def starlette_deny(websocket):
        await websocket.receive()
        await websocket.send_denial_response(PlainTextResponse("no", status_code=403))
        events.append(["deny", await websocket.receive()])

    route_web_socket("**/raw", asgi(close_first))
    app = Starlette(routes=[WebSocketRoute("/sclose", starlette_close), WebSocketRoute("/sdeny", starlette_deny)])
    route_web_socket(lambda url: "/sclose" in url or "/sdeny" in url, asgi(app))
    assert [await probe("/raw"), await probe("/sclose"), await probe("/sdeny")] == [FAILED, FAILED, FAILED]
    assert await wait_for(lambda: len(events) == 3)
    gone = {"type": "websocket.disconnect", "code": 1006, "reason": ""}
    assert events == [["raw", gone], ["close", gone], ["deny", gone]]
    assert [text for text in reported_errors if "RuntimeError" in text] == []


async def test_a_push_only_endpoint_ends_with_websocket_disconnect_1006_once_the_page_closed(probe):
    events: list[object] = []

    async def ticker(websocket):
        await websocket.accept()
        n = 0
        try:
            while n < 1000:  # bounded only so that a regression fails instead of hanging
                await websocket.send_text(f"tick {n}")
                n += 1
                await asyncio.sleep(0.005)
            events.append("never disconnected")
        except WebSocketDisconnect as e:
            events.append(["disconnect", e.code])

    route_web_socket("**/ticks", asgi(Starlette(routes=[WebSocketRoute("/ticks", ticker)])))
    assert await probe("/ticks", [], 2, (1000, "enough")) == [["open", ""], "tick 0", "tick 1", ["close", 1000, "enough", True]]
    assert await wait_for(lambda: events)
    assert events == [["disconnect", 1006]]


@pytest.fixture
def cookies() -> Iterator[None]:
    """The page's cookies session=abc123 and theme=dark, removed after the test."""
    js.document.cookie = "session=abc123; path=/"
    js.document.cookie = "theme=dark; path=/"
    yield
    js.document.cookie = "session=; max-age=0; path=/"
    js.document.cookie = "theme=; max-age=0; path=/"


async def test_the_scope_headers_carry_what_a_browser_sends(probe, cookies):
    """key, version, origin, user-agent, protocols, the page's cookies."""

    async def show(websocket):
        await websocket.accept(subprotocol="b")
        h = websocket.headers
        await websocket.send_json({
            "key": h.get("sec-websocket-key"), "version": h.get("sec-websocket-version"), "origin": h.get("origin"),
            "ua": h.get("user-agent"), "protocols": h.get("sec-websocket-protocol"), "cookies": dict(websocket.cookies),
            "upgrade": h.get("upgrade"),
        })
        await websocket.receive()

    route_web_socket("**/show", asgi(Starlette(routes=[WebSocketRoute("/show", show)])))
    a = json.loads((await probe("/show", [], 1, (1000, ""), ["a", "b"]))[1])
    b = json.loads((await probe("/show", [], 1, (1000, ""), ["a", "b"]))[1])
    key = a.pop("key")
    assert a == {
        "version": "13", "origin": js.location.origin, "ua": js.navigator.userAgent, "protocols": "a, b",
        "cookies": {"session": "abc123", "theme": "dark"}, "upgrade": "websocket",
    }
    assert len(base64.b64decode(key, validate=True)) == 16
    assert key != b["key"]


async def test_run_in_threadpool_and_anyio_to_thread_run_inline(probe):
    """No threads in Pyodide: both run the function in the page."""

    def blocking(x, y=1):
        return x * 10 + y

    async def compute(websocket):
        await websocket.accept()
        a = await run_in_threadpool(blocking, 4, y=2)
        b = await anyio.to_thread.run_sync(blocking, 5)
        await websocket.send_text(f"{a} {b}")
        await websocket.close()

    route_web_socket("**/compute", asgi(Starlette(routes=[WebSocketRoute("/compute", compute)])))
    assert await probe("/compute", [], 1) == [["open", ""], "42 51"]


async def test_a_sync_exception_handler_closes_through_anyio_from_thread_with_its_code(probe):
    """Starlette runs a sync exception handler in its threadpool (inline here): its `anyio.from_thread.run(
    websocket.close, 1013)` closes the socket with 1013, as under TestClient and uvicorn (it was 1011: the call failed)."""

    class Overloaded(Exception):
        pass

    def overloaded(websocket, exc):
        anyio.from_thread.run(websocket.close, 1013, "try again later")

    async def busy(websocket):
        await websocket.accept()
        await websocket.receive_text()
        raise Overloaded("no capacity")

    app = Starlette(routes=[WebSocketRoute("/busy", busy)], exception_handlers={Overloaded: overloaded})
    route_web_socket("**/busy", asgi(app))
    assert await probe("/busy", ["work"], 5) == [["open", ""], ["close", 1013, "try again later", True]]


async def test_from_thread_run_and_run_sync_work_inside_an_inline_to_thread_call_and_only_there(probe):
    """`from_thread.run` waits for its coroutine while the page's loop runs (here: a timer); outside a to_thread
    call, anyio's own rule stands."""

    async def double_later(x):
        await asyncio.sleep(0.02)
        return x * 2

    def in_thread(x):
        return anyio.from_thread.run(double_later, x) + anyio.from_thread.run_sync(lambda: 1)

    async def compute(websocket):
        await websocket.accept()
        await websocket.send_text(str(await run_in_threadpool(in_thread, 20)))
        await websocket.close()

    route_web_socket("**/twice", asgi(Starlette(routes=[WebSocketRoute("/twice", compute)])))
    assert await probe("/twice", [], 1) == [["open", ""], "41"]
    with pytest.raises(anyio.NoEventLoopError):
        anyio.from_thread.run(double_later, 1)
    with pytest.raises(anyio.NoEventLoopError):
        anyio.from_thread.run_sync(lambda: 1)


def test_websocket_disconnect_has_starlettes_defaults_code_1000_and_an_empty_reason():
    from starlette.websockets import WebSocketDisconnect as StarlettesDisconnect

    ours, theirs = wsbridge.WebSocketDisconnect(), StarlettesDisconnect()
    assert (ours.code, ours.reason) == (theirs.code, theirs.reason) == (1000, "")
    assert wsbridge.WebSocketDisconnect(4001, None).reason == StarlettesDisconnect(4001, None).reason == ""
    assert wsbridge.WebSocketDisconnect is WebSocketClosed


def test_wsbridge_asgi_is_the_function_whatever_imports_its_module():
    """One public shape: `from wsbridge import asgi` is the function `asgi(app)`, no module made callable; importing
    the module that defines it changes nothing. Its errors live in wsbridge.errors."""
    import wsbridge._asgi as module

    assert inspect.isfunction(asgi)
    assert wsbridge.asgi is asgi is module.asgi
    assert type(sys.modules["wsbridge._asgi"]) is types.ModuleType
    assert isinstance(asgi(lambda s, r, x: None), wsbridge.ASGIHandler)
    assert issubclass(Disconnected, OSError)
