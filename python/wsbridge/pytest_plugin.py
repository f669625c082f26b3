"""wsbridge's pytest plugin, loaded automatically by `npx wsbridge test` in every page.

- `async def` tests and async fixtures (plain and `yield`) run on the page's event loop through JSPI
  (`pyodide.ffi.run_sync`): pytest-asyncio's own runner cannot start a loop inside the page's running one.
- A per-test timeout (`--timeout SECONDS` on the command line, `@pytest.mark.timeout(S)` per test) cancels a hung
  await; a test that blocks the page outright is caught by the runner in Node.
- Isolation: after every test wsbridge is reset (routes removed, sockets closed, listeners dropped), and the tasks
  the test left running and the callbacks it left scheduled (`loop.call_soon`, `call_later`, `call_at`) are
  cancelled, so a timer set in one test never fires in the next.
- Errors that would otherwise hide fail the test: an exception raised in a socket or route handler, or by a task the
  test left behind, is reported at that test (opt out with `@pytest.mark.allow_handler_errors`).
- Fixtures: `ws_server` (the runner's real `ws` server), `page` and `context` (wsbridge's routing and inspection faces).
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import os
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator
from typing import Any, TypeVar

import pytest

from . import _lifecycle
from .testing import TestServer

T = TypeVar("T")

#: Seconds a test may run when neither `--timeout` nor a marker says otherwise.
DEFAULT_TIMEOUT = 30.0
#: Seconds the tasks a test left running get to end after the reset, before they are cancelled.
SETTLE_SECONDS = 0.2
#: Environment variable the runner sets to the `--timeout` given on its command line.
TIMEOUT_ENV = "WSBRIDGE_TIMEOUT"

_errors: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Registers wsbridge's markers so `--strict-markers` accepts them."""
    config.addinivalue_line("markers", "timeout(seconds): fail the test when it runs longer than `seconds` (wsbridge)")
    config.addinivalue_line(
        "markers", "allow_handler_errors: exceptions in socket/route handlers and leftover tasks do not fail the test"
    )


def test_timeout(item: pytest.Item) -> float:
    """The time limit of `item` in seconds: its `timeout` marker, else `--timeout`, else 30."""
    marker = item.get_closest_marker("timeout")
    if marker is not None:
        value = marker.args[0] if marker.args else marker.kwargs.get("seconds")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.timeout needs a number of seconds above 0, got {value!r}")
        return float(value)
    return run_timeout()


def run_timeout() -> float:
    """The run's time limit in seconds: `--timeout` (which the runner passes as WSBRIDGE_TIMEOUT), else 30."""
    return float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)


_awaiting: asyncio.Future[tuple[bool, Any]] | None = None  # what a test or fixture awaits now (JSPI)
_interrupted = False


def interrupt() -> None:
    """Ctrl-C in the runner: what the test awaits is cancelled and raises KeyboardInterrupt, as pytest's own
    SIGINT handling does on the host (a test that runs Python without awaiting is stopped by the page's watchdog)."""
    global _interrupted
    _interrupted = True
    if _awaiting is not None:
        _awaiting.cancel()


def interrupted() -> bool:
    """True after `interrupt()`: the runner stops before the next test."""
    return _interrupted


def _run(awaitable: Coroutine[Any, Any, T], timeout: float | None, what: str) -> T:
    """Runs `awaitable` to completion on the page's loop from synchronous pytest code (JSPI stack switching)."""
    from ._js import run_sync

    async def limited() -> tuple[bool, Any]:
        # The outcome comes back as a value: an exception raised through run_sync is also printed to the page's
        # stderr, which would repeat every failing async test's traceback in its captured output.
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                return True, await awaitable
        except TimeoutError as error:
            # Only the time limit is reported as one; a TimeoutError the test itself raised is its own failure.
            return (False, None) if deadline.expired() else (False, error)
        except BaseException as error:  # re-raised below, in the synchronous caller
            return False, error

    global _awaiting
    task = asyncio.ensure_future(limited())
    _awaiting = task
    try:
        ok, value = run_sync(task)
    finally:
        _awaiting = None
    if _interrupted and not ok:
        raise KeyboardInterrupt
    if ok:
        return value
    if value is None:
        # The message alone: a traceback here would only show wsbridge's plumbing (the awaiting frame was cancelled).
        pytest.fail(f"Timeout: {what} did not finish within {timeout:g} s (still awaiting; it was cancelled)", pytrace=False)
    raise value


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Runs `async def` tests on the page's loop, within the test's time limit."""
    func = pyfuncitem.obj
    if not inspect.iscoroutinefunction(func):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    _run(func(**kwargs), test_timeout(pyfuncitem), pyfuncitem.name)
    return True


def _sync_fixture(func: Callable[..., Any], limit: float) -> Callable[..., Any]:
    """A synchronous stand-in for an async fixture function (coroutine or async generator) with the same signature."""
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Generator[Any, None, None]:
            agen: AsyncGenerator[Any, None] = func(*args, **kwargs)
            value = _run(agen.__anext__(), limit, f"fixture {func.__name__} (setup)")
            yield value
            try:
                _run(agen.__anext__(), limit, f"fixture {func.__name__} (teardown)")
            except StopAsyncIteration:
                return
            raise RuntimeError(f"async fixture {func.__name__} yielded more than once")

        return generator

    @functools.wraps(func)
    def plain(*args: Any, **kwargs: Any) -> Any:
        return _run(func(*args, **kwargs), limit, f"fixture {func.__name__}")

    return plain


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> None:
    """Swaps an async fixture function for a synchronous one that runs it on the page's loop (once per fixturedef)."""
    func = fixturedef.func
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        limit = test_timeout(request.node) if isinstance(request.node, pytest.Item) else run_timeout()
        fixturedef.func = _sync_fixture(func, limit)  # type: ignore[misc]


_lifecycle.on_error(_errors.append)


def _loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's exception handler while a test runs: a failed task nobody awaited fails the test."""
    import traceback

    message = str(context.get("message", "unhandled exception in the event loop"))
    exc = context.get("exception")
    if isinstance(exc, BaseException):
        message += "\n" + "".join(traceback.format_exception(exc))
    _errors.append(message)


def _leftover_tasks(before: set[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    """Tasks started during the test that are still running."""
    try:
        tasks = asyncio.all_tasks()
    except RuntimeError:
        return []
    return [task for task in tasks if task not in before and not task.done()]


def _hidden_errors(item: pytest.Item) -> str | None:
    """The errors recorded since the last call, as one text, unless the test allows them; clears the record."""
    errors, _errors[:] = list(_errors), []
    if not errors or item.get_closest_marker("allow_handler_errors") is not None:
        return None
    return (
        f"{len(errors)} exception(s) raised outside the test body (in a socket/route handler or a task the test "
        "left behind); mark the test @pytest.mark.allow_handler_errors if that is expected:\n" + "\n".join(errors)
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fails the test (call phase) with the tracebacks of exceptions its handlers or tasks raised."""
    report = yield
    if call.when == "call":
        text = _hidden_errors(item)
        if text is not None:
            if report.passed:
                report.outcome = "failed"
                report.longrepr = text
            else:
                report.sections.append(("wsbridge: exceptions outside the test body", text))
    return report


@pytest.fixture(autouse=True)
def _wsbridge_isolation(request: pytest.FixtureRequest) -> Generator[None, None, None]:
    """Per test: records hidden errors, then resets wsbridge and cancels the tasks and timers the test left."""
    loop = asyncio.get_event_loop()
    previous_handler = loop.get_exception_handler()
    try:
        before = set(asyncio.all_tasks())
    except RuntimeError:
        before = set()
    _errors.clear()
    loop.set_exception_handler(_loop_exception)
    timers = _lifecycle.TimerRecord(loop, before)
    yield
    try:
        # The test's own timers go first: one due during the settling below would fire after the reset (a reconnect).
        timers.cancel_pending()
        with timers.paused():  # what the reset schedules (closing handshakes, a lifespan's shutdown) must run
            _lifecycle.reset()
        # What reset started (an ASGI app's lifespan shutdown, closing handshakes) finishes on the loop; tasks the
        # test left behind get a moment to end by themselves, then are cancelled.
        leftovers = _leftover_tasks(before)
        if leftovers:
            _run(asyncio.wait(leftovers, timeout=SETTLE_SECONDS), None, "settling")
        timers.stop()
        for task in _leftover_tasks(before):
            task.cancel()
        timers.cancel_pending()  # those the leftover tasks set while settling
    finally:
        timers.stop()
        loop.set_exception_handler(previous_handler)
    text = _hidden_errors(request.node)
    if text is not None:
        pytest.fail(text, pytrace=False)


@pytest.fixture(scope="session")
def ws_server() -> TestServer:
    """The runner's real `ws` server: `ws_server.url("/echo")` → `ws://127.0.0.1:PORT/echo`."""
    return TestServer.from_environment()


@pytest.fixture
def page() -> Any:
    """wsbridge's page-scoped routing and inspection face (`page.route_web_socket`, `page.expect_websocket`...)."""
    from .route import page as page_face

    return page_face


@pytest.fixture
def context() -> Any:
    """wsbridge's context-scoped routing face (`context.route_web_socket`...)."""
    from .route import context as context_face

    return context_face
