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
- Navigations of the page that runs the tests (`location.href = ...`, `reload()`, a form or link) are cancelled
  and fail the test that made them: the page holds Python and pytest, so letting one through would end the run
  at some later, random point (after the test had already passed). Iframes navigate freely.
- Fixtures: `ws_server` (the runner's real `ws` server), `page` and `context` (wsbridge's routing and inspection faces),
  `python_worker` (Pyodide with wsbridge and the project's files in a Web Worker of the page).
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
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


class _NavigationGuard:
    """Cancels cross-document navigations of this page (Navigation API `navigate`) and keeps their URLs: a
    navigation would unload the interpreter that runs the session, and it lands after the statement that asked for
    it, so the test that made it had often already reported an outcome when its page died."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._listener: Any = None
        self._navigation: Any = None

    def install(self) -> None:
        """Listens on `navigation` (once); does nothing where the page has no Navigation API."""
        from ._js import create_proxy, js

        navigation = getattr(js, "navigation", None)
        if navigation is None or self._listener is not None:
            return
        self._listener = create_proxy(self._on_navigate)
        self._navigation = navigation
        navigation.addEventListener("navigate", self._listener)

    def remove(self) -> None:
        """Stops listening and frees the listener's proxy."""
        if self._listener is None:
            return
        self._navigation.removeEventListener("navigate", self._listener)
        self._listener.destroy()
        self._listener = self._navigation = None

    def take(self) -> list[str]:
        """The URLs of the navigations cancelled since the last call."""
        attempts, self.attempts = self.attempts, []
        return attempts

    def _on_navigate(self, event: Any) -> None:
        """Cancels a navigation that would replace this document (same-document ones and downloads go through)."""
        if event.destination.sameDocument or not event.cancelable or isinstance(event.downloadRequest, str):  # a string, or JS null (not None)
            return
        event.preventDefault()
        self.attempts.append(str(event.destination.url))


_navigations = _NavigationGuard()


def _navigation_failure(urls: list[str]) -> str:
    """The failure text of a test that tried to navigate its page to `urls`."""
    return (
        f"the test navigated the page it runs in (to {', '.join(urls)}): wsbridge test runs Python and pytest in that "
        "page, so the navigation was cancelled (it would have ended the run). Navigate an iframe instead "
        "(for example `document.body.appendChild(document.createElement('iframe')).src = url`)."
    )


#: The locked wheels pytest itself needs in the page (python/page-wheels.lock.json): pytest's header names them already.
_RUNNER_PACKAGES = frozenset({"pytest", "pluggy", "iniconfig", "packaging", "pygments"})


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The page's packages with their versions (--requirements, --wheels, a Pyodide index), as pytest's header names its
    plugins: which Starlette a run had is in its output."""
    from importlib.metadata import distributions

    found = {(dist.metadata["Name"] or "", dist.version) for dist in distributions()}
    names = sorted(f"{name}-{version}" for name, version in found if name and name.lower() not in _RUNNER_PACKAGES)
    return [f"page packages: {', '.join(names)}"] if names else []


def pytest_configure(config: pytest.Config) -> None:
    """Registers wsbridge's markers so `--strict-markers` accepts them; starts cancelling navigations of the page."""
    _navigations.install()
    _register_ws_trace(config)
    config.addinivalue_line("markers", "timeout(seconds): fail the test when it runs longer than `seconds` (wsbridge)")
    config.addinivalue_line(
        "markers", "allow_handler_errors: exceptions in socket/route handlers and leftover tasks do not fail the test"
    )


def _register_ws_trace(config: pytest.Config) -> None:
    """--ws-trace, --record-har, --replay-har (`_ws_trace`): its plugin and its marker."""
    from ._ws_trace import plugin_from_environment

    config.addinivalue_line("markers", "no_ws_trace: the runner does not record this test's WebSockets (--ws-trace)")
    trace = plugin_from_environment()
    if trace is not None and not config.pluginmanager.has_plugin("wsbridge-ws-trace"):
        config.pluginmanager.register(trace, "wsbridge-ws-trace")


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session is over: navigations of the page are left alone again."""
    _navigations.remove()


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
_deadline: asyncio.Timeout | None = None  # its time limit
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
        global _deadline
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                _deadline = deadline
                return True, await awaitable
        except TimeoutError as error:
            # Only the time limit is reported as one; a TimeoutError the test itself raised is its own failure.
            return (False, _TimedOut(error)) if deadline.expired() else (False, error)
        except BaseException as error:  # re-raised below, in the synchronous caller
            return False, error
        finally:
            _deadline = None

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
    if isinstance(value, _TimedOut):
        # Where it awaited (the coroutine chain's frames), not wsbridge's plumbing that reported it.
        from ._await_stack import awaiting_stack

        stack = awaiting_stack(value.error, os.getcwd())
        pytest.fail(f"Timeout: {what} did not finish within {timeout:g} s (still awaiting; it was cancelled)"
                    + (f"\n{stack}" if stack else ""), pytrace=False)
    raise value


class _TimedOut:
    """The outcome of an await that its time limit cancelled (the TimeoutError holds the cancelled chain's frames)."""

    def __init__(self, error: TimeoutError) -> None:
        self.error = error


@contextlib.contextmanager
def timeout_paused() -> Generator[None, None, None]:
    """The awaiting test's time limit stands still inside (pdb waiting for the terminal), and runs on after."""
    deadline = _deadline
    when = deadline.when() if deadline is not None else None
    if deadline is None or when is None or deadline.expired():
        yield
        return
    loop = asyncio.get_event_loop()
    left = when - loop.time()
    deadline.reschedule(None)
    try:
        yield
    finally:
        if not deadline.expired():
            deadline.reschedule(loop.time() + left)


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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Navigations cancelled between tests (a JS timer an earlier test left) belong to no test: only logged."""
    urls = _navigations.take()
    if urls:
        from ._js import js

        js.console.warn("wsbridge: cancelled a navigation of the test page made outside any test: " + ", ".join(urls))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fails the phase in which the test navigated its page; fails the call phase with the tracebacks of exceptions
    its handlers or tasks raised."""
    report = yield
    urls = _navigations.take()
    if urls:
        if report.passed:
            report.outcome = "failed"
            report.longrepr = _navigation_failure(urls)
        else:
            report.sections.append(("wsbridge: the test navigated its page", _navigation_failure(urls)))
    if call.when == "call":
        text = _hidden_errors(item)
        if text is not None:
            if report.passed:
                report.outcome = "failed"
                report.longrepr = text
            else:
                report.sections.append(("wsbridge: exceptions outside the test body", text))
    return report


def _drop_reported(record: logging.LogRecord) -> bool:
    """False for the log record of an exception the test's failure reports already (websocket.py marks it)."""
    return not getattr(record, "wsbridge_reported", False)


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
    # A handler's exception fails the test with its traceback: its log record would print it a second time.
    reported_once = request.node.get_closest_marker("allow_handler_errors") is None
    if reported_once:
        logging.getLogger("wsbridge").addFilter(_drop_reported)
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
        logging.getLogger("wsbridge").removeFilter(_drop_reported)
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


class PythonWorker:
    """The `python_worker` fixture: Pyodide with wsbridge in a module Web Worker of the test's page
    (`createPythonWorker` from wsbridge/worker), holding the project's files at the paths the page has them.

    `await run(code)` / `await run_async(code)` give the last expression (dict, list, str, int, float, bool, None,
    bytes); `await set_global(name, value)` sets data in the worker's `__main__`; what the worker prints goes to the
    test's captured output. Routes registered on the page (`page.route_web_socket`) also route the worker's sockets.
    A Python exception in the worker raises `pyodide.ffi.JsException` here, its message holding the traceback.
    """

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    async def run(self, code: str) -> Any:
        """Runs `code` in the worker (`runPython`) and returns its last expression."""
        return _from_worker(await self._handle.runPython(code))

    async def run_async(self, code: str) -> Any:
        """Runs `code` with top-level `await` in the worker (`runPythonAsync`) and returns its last expression."""
        return _from_worker(await self._handle.runPythonAsync(code))

    async def set_global(self, name: str, value: Any) -> None:
        """Sets `name` in the worker's `__main__` to a copy of `value` (data: dict, list, str, numbers, bytes)."""
        await self._handle.setGlobal(name, _to_worker(value))

    def terminate(self) -> None:
        """Stops the worker (the fixture does this after the test)."""
        self._handle.terminate()


def _to_worker(value: Any) -> Any:
    """A Python value as JS data a worker call can clone (dicts as plain objects, bytes as Uint8Array)."""
    from ._js import js, to_js

    return to_js(value, dict_converter=js.Object.fromEntries)


def _from_worker(value: Any) -> Any:
    """A worker call's result as Python data: JS objects and arrays converted, typed arrays as `bytes`."""
    from ._js import JsProxy, jsnull

    if isinstance(value, JsProxy):
        value = value.to_py()
    if value is jsnull:
        return None
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, dict):
        return {key: _from_worker(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_worker(item) for item in value]
    return value


def _project_files(root: str) -> dict[str, bytes]:
    """Every file under the rootdir as the page has it (the runner mirrored the project there), by absolute path."""
    files: dict[str, bytes] = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in ("__pycache__", ".pytest_cache")]
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                files[path] = file.read()
    return files


_WORKER_SETUP = """
import os, sys
for _path, _data in _wsbridge_files.items():
    os.makedirs(os.path.dirname(_path), exist_ok=True)
    with open(_path, "wb") as _file:
        _file.write(_data)
os.environ.update(_wsbridge_setup["env"])
os.makedirs(_wsbridge_setup["cwd"], exist_ok=True)
os.chdir(_wsbridge_setup["cwd"])
for _path in reversed(_wsbridge_setup["path"]):
    if _path not in sys.path:
        sys.path.insert(0, _path)
del _wsbridge_files, _wsbridge_setup, _path, _data, _file
"""


@pytest.fixture
async def python_worker(request: pytest.FixtureRequest) -> AsyncGenerator[PythonWorker, None]:
    """A `PythonWorker`: Pyodide with wsbridge in a Web Worker of this page, with the project's files, its working
    folder, its `sys.path` entries under the rootdir (so `import mypackage` works as in the test) and the
    `WSBRIDGE_*` environment; terminated after the test."""
    import sys

    from ._js import create_proxy, js, run_js, to_js

    # Printed when the line arrives, to the sys.stdout/sys.stderr of that moment: pytest captures it for the test.
    stdout = create_proxy(lambda line: print(line))
    stderr = create_proxy(lambda line: print(line, file=sys.stderr))
    handle = None
    try:
        module = await run_js("import('/wsbridge/worker.mjs')")
        options = js.Object.fromEntries(to_js([["indexURL", "/pyodide/"], ["stdout", stdout], ["stderr", stderr]]))
        handle = await module.createPythonWorker(options)
        root = str(request.config.rootpath)
        worker = PythonWorker(handle)
        await worker.set_global("_wsbridge_files", _project_files(root))
        prefix = root.rstrip("/") + "/"
        await worker.set_global("_wsbridge_setup", {
            "cwd": os.getcwd(),
            "path": [path for path in sys.path if path == root or path.startswith(prefix)],
            "env": {key: value for key, value in os.environ.items() if key.startswith("WSBRIDGE_")},
        })
        await worker.run(_WORKER_SETUP)
        yield worker
    finally:
        if handle is not None:
            handle.terminate()
        stdout.destroy()
        stderr.destroy()
