"""The in-page half of `npx wsbridge test`: one controller page and N-1 worker pages, each running real pytest.

The controller runs the user's pytest session (collection, terminal output, JUnit, cache, exit code) and is a worker
too: its `pytest_runtestloop` hands the plan (files and test ids) to the runner in Node, then runs the jobs Node gives
it in this session, and replays every report the other workers send through its own hooks, the way pytest-xdist's
controller does. A worker page runs pytest on one file (or some of its ids) and sends each test's events back.

Every test's events (start, reports, finish) also go to Node, which keeps them: a test that blocks a page is caught in
Node, which kills the page; when that page was the controller, a new controller replays the kept events with its output
muted (the terminal already shows them) and the run goes on.

Messages to Node go through `__wsbridgeRunner.send(kind, json)` (batched into `__wsbridgeEmit` calls); messages from Node are read with `__wsbridgeNext()`.
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import time
import warnings
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from . import _coverage, _page_stdin, _pytest_debug, pytest_plugin
from ._js import create_proxy, js, run_sync

if TYPE_CHECKING:  # types only: building its TypedDicts at import cost each page start ~10 ms
    from ._runner_protocol import ControllerStart, PageKind, PlannedFile, ResumeEntry, WorkerStart

_send: Any = None


def _emit(kind: PageKind, data: Any) -> None:
    """Sends one message to the runner in Node (in order with every other message and stdout; batched in the page)."""
    global _send
    if _send is None:
        _send = js.__wsbridgeRunner.send  # looked up once: a test sends five messages
    _send(kind, json.dumps(data))


def _next_message() -> dict[str, Any]:
    """The runner's next message to the controller: one that came while pdb waited, else the next to arrive."""
    return _stashed.pop(0) if _stashed else _read_message()


def _read_message() -> dict[str, Any]:
    """Waits (JSPI) for the runner's next message to the controller."""
    return json.loads(run_sync(js.__wsbridgeNext()))


_stashed: list[dict[str, Any]] = []  # messages that arrived while pdb waited for the terminal (_pytest_debug)


def _mute(on: bool) -> None:
    """Drops (True) or sends again (False) this page's output: a resumed controller replays what was printed."""
    _flush()
    js.__wsbridgeRunner.mute(on)


def _send_now() -> None:
    """Sends the page's queued messages: a phase that may block the page starts only once the runner knows the last."""
    _flush()
    js.__wsbridgeRunner.flush()


def _live_output(on: bool) -> None:
    """Output is sent as it is written (True) or with the next batch of messages (False)."""
    js.__wsbridgeRunner.liveOutput(on)


def _on_interrupt(handler: Any) -> None:
    """Ctrl-C reaches `handler` as the runner's message arrives, even while a test awaits (a proxy for the page's life)."""
    js.__wsbridgeRunner.onInterrupt(create_proxy(handler))


def _flush() -> None:
    """Pushes buffered stdout/stderr to the runner before a message that depends on it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


# ------------------------------------------------------------------------------------------------ controller


def _file_of(item: pytest.Item) -> str:
    """The absolute path of the file that defines `item`."""
    return str(item.path)


def _run_id(item: pytest.Item) -> str:
    """An argument that selects exactly `item` from any working folder: absolute file path + the id's rest."""
    _, _, rest = item.nodeid.partition("::")
    return f"{item.path}::{rest}" if rest else str(item.path)


def _shard_files(files: list[str], index: int, total: int) -> set[str]:
    """The files of shard `index` (1-based) of `total`: every total-th file of the sorted list, from index-1."""
    return set(sorted(files)[index - 1 :: total])


def _worker_options(args: list[str], positional: list[str]) -> list[str]:
    """`args` without the positional arguments pytest found in it (matched from the end, where paths usually are)."""
    options = list(args)
    index = len(options)
    for value in reversed(positional):
        while index > 0:
            index -= 1
            if options[index] == value:
                del options[index]
                break
    return options


class Controller:
    """pytest plugin of the controller page: collects, runs the jobs Node gives it, replays other workers' reports."""

    def __init__(self, shard: tuple[int, int] | None, elapsed: float | None, resume: list[ResumeEntry]) -> None:
        self.shard = shard
        # The command's start on this page's monotonic clock: Node's elapsed seconds when it started the session.
        self.started = None if elapsed is None else time.perf_counter() - elapsed
        self.resume = resume
        self.config: pytest.Config | None = None
        self.session: pytest.Session | None = None
        self.deselected_files: set[str] = set()
        self.by_id: dict[str, pytest.Item] = {}
        self.stopped = False
        self.finished = False

    def _hook(self) -> Any:
        assert self.session is not None, "replays happen inside the session"
        return self.session.config.hook

    def pytest_configure(self, config: pytest.Config) -> None:
        """Keeps the session's config (after the run, the files it wrote go back to the host) and tells the runner the
        workers' options as pytest parsed them: a conftest option's separate value (`--env prod`) is no path."""
        self.config = config
        args = _worker_options(list(config.invocation_params.args), list(config.option.file_or_dir or []))
        _emit("options", {"args": args + _coverage.worker_args(config),
                          "cache": config.pluginmanager.has_plugin("cacheprovider")})

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionstart(self, session: pytest.Session) -> Generator[None, None, None]:
        """pytest's summary says how long the command took, page start-up included, as the JUnit file does."""
        yield
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        start = getattr(reporter, "_session_start", None)
        if self.started is None or start is None:
            return
        before = max(0.0, time.perf_counter() - self.started)
        object.__setattr__(start, "time", start.time - before)
        object.__setattr__(start, "perf_count", start.perf_count - before)

    def pytest_collectstart(self, collector: pytest.Collector) -> None:
        """Tells the runner which file is being imported, so a module that blocks the page can be named."""
        if isinstance(collector, pytest.File):
            _emit("collecting", str(collector.path))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """A file with a deselected test is handed to workers as ids; others as the file alone."""
        self.deselected_files.update(_file_of(item) for item in items)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Keeps only this shard's files (deterministic: sorted paths, every n-th)."""
        if self.shard is None:
            return
        index, total = self.shard
        keep = _shard_files(list(dict.fromkeys(_file_of(item) for item in items)), index, total)
        selected = [item for item in items if _file_of(item) in keep]
        deselected = [item for item in items if _file_of(item) not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        """Runs the session's tests here and on the worker pages, as Node hands out the files."""
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} error{'s' if session.testsfailed != 1 else ''} during collection")
        if session.config.option.collectonly:
            return True
        self.session = session
        plan: dict[str, list[str]] = {}
        for item in session.items:
            run_id = _run_id(item)
            self.by_id[run_id] = item
            plan.setdefault(_file_of(item), []).append(run_id)
        named = {arg.split("::")[0] for arg in session.config.args if "::" in arg}
        _flush()
        planned: list[PlannedFile] = [
            {"file": file, "ids": ids, "whole": file not in self.deselected_files and not _named_in(file, named)}
            for file, ids in plan.items()
        ]
        _emit("plan", planned)
        if self.resume:
            self._resume(self.resume)
        _on_interrupt(pytest_plugin.interrupt)
        self.stopped = bool(session.shouldfail or session.shouldstop)
        while not self.finished:
            message = _next_message()
            getattr(self, f"on_{message['t']}")(message)
            if not self.stopped and (session.shouldfail or session.shouldstop):
                self.stopped = True
                _flush()
                _emit("stop", None)
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)
        return True

    # One method per message from Node (_runner_protocol.CONTROLLER_MESSAGES).

    def on_run(self, message: dict[str, Any]) -> None:
        """Runs these tests in this session (their events go to Node as a worker page's do), then says "ran"."""
        if not self.stopped:
            session = self.session
            assert session is not None
            items = [self.by_id[run_id] for run_id in message["ids"] if run_id in self.by_id]
            for index, item in enumerate(items):
                nextitem = items[index + 1] if index + 1 < len(items) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                if pytest_plugin.interrupted():
                    raise KeyboardInterrupt
                if session.shouldfail or session.shouldstop:
                    break
        _flush()
        _emit("ran", None)

    def on_test(self, message: dict[str, Any]) -> None:
        """Replays a test a worker page ran (or one the runner reports for a killed page)."""
        if not self.stopped:
            for event in message["events"]:
                self._replay(event)

    def on_done(self, message: dict[str, Any]) -> None:
        self.finished = True

    def on_coverage(self, message: dict[str, Any]) -> None:
        """A worker page's coverage data, combined into this session's by pytest-cov (./_coverage.py)."""
        assert self.config is not None
        _coverage.receive(self.config, message["files"])

    def on_interrupt(self, message: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    def on_exit(self, message: dict[str, Any]) -> None:
        """A worker page's test called pytest.exit(): the whole session ends, as it would on the host."""
        pytest.exit(message["msg"], message["returncode"])

    def _resume(self, entries: list[ResumeEntry]) -> None:
        """Replays a killed controller's tests; the page started muted, and each entry's first `shown` events are on
        the terminal already."""
        muted = True
        for entry in entries:
            for index, event in enumerate(entry["events"]):
                if (index < entry["shown"]) != muted:
                    muted = not muted
                    _mute(muted)
                self._replay(event)
        _mute(False)

    def _replay(self, event: dict[str, Any]) -> None:
        """Feeds one test event (a worker page's, or one the runner made for a killed page) to this session's hooks."""
        getattr(self, f"replay_{event['t']}")(event)

    # One method per test event (src/cli/protocol.ts TestEvent).

    def replay_start(self, event: dict[str, Any]) -> None:
        self._hook().pytest_runtest_logstart(nodeid=event["nodeid"], location=tuple(event["location"]))

    def replay_finish(self, event: dict[str, Any]) -> None:
        self._hook().pytest_runtest_logfinish(nodeid=event["nodeid"], location=tuple(event["location"]))

    def replay_report(self, event: dict[str, Any]) -> None:
        hook, session = self._hook(), self.session
        assert session is not None
        data = event["data"]
        # JSON turned the report's tuples into lists; pytest needs a skip's longrepr (path, line, reason) and the
        # location as tuples (the -rs/-rA summary asserts it), as they arrive through pytest-xdist's execnet.
        for key in ("longrepr", "location"):
            if isinstance(data.get(key), list):
                data[key] = tuple(data[key])
        report = hook.pytest_report_from_serializable(config=session.config, data=data)
        _keep_subtest_values(report, data)
        hook.pytest_runtest_logreport(report=report)

    def replay_lost(self, event: dict[str, Any]) -> None:
        # The page died (blocked or crashed) during this test: one failed call report says so.
        report = pytest.TestReport(
            nodeid=event["nodeid"],
            location=tuple(event["location"]),
            keywords={},
            outcome="failed",
            longrepr=event["message"],
            when="teardown" if event.get("afterCall") else "call",  # a page that died in teardown
            duration=float(event.get("duration", 0.0)),
            sections=[("Captured page output", event["output"])] if event.get("output") else [],
        )
        self._hook().pytest_runtest_logreport(report=report)

    def replay_warning(self, event: dict[str, Any]) -> None:
        # A warning a worker's test raised: recorded here too, so the summary lists and counts it.
        category = _warning_category(event["category"])
        message = warnings.WarningMessage(category(event["message"]), category, event["filename"], event["lineno"])
        self._hook().pytest_warning_recorded.call_historic(
            kwargs={"warning_message": message, "when": "runtest", "nodeid": event["nodeid"], "location": None}
        )


def _keep_subtest_values(report: Any, data: dict[str, Any]) -> None:
    """A subtest's values as the worker page showed them: pytest keeps them as reprs (`i=2`), and reading a report back
    takes the repr of the repr (`i='2'`); the serialised reprs are put back."""
    context = data.get("_subtest.context")
    if isinstance(context, dict) and isinstance(context.get("kwargs"), dict) and hasattr(report, "context"):
        object.__setattr__(report.context, "kwargs", dict(context["kwargs"]))


def _named_in(file: str, named: set[str]) -> bool:
    """True when a command-line argument named ids inside `file` (`file.py::test_x`): workers then need the ids."""
    return any(os.path.abspath(arg) == file for arg in named)


def _warning_category(name: str) -> type[Warning]:
    """The warning class named `module:qualname` (a test module's own is imported already), else a look-alike."""
    module, _, qualname = name.partition(":")
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if isinstance(found, type) and issubclass(found, Warning):
        return found
    return type(qualname.rsplit(".", 1)[-1] or "Warning", (UserWarning,), {})


def _cache_files(config: pytest.Config) -> dict[str, str]:
    """The files of the session's `.pytest_cache`, to be written back on the host."""
    cache = getattr(config, "cache", None)
    folder = getattr(cache, "_cachedir", None)
    files: dict[str, str] = {}
    if folder is None or not os.path.isdir(folder):
        return files
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    files[path] = fh.read()
            except (OSError, UnicodeDecodeError):
                continue
    return files


def _pytest_main(args: list[str], plugins: list[Any]) -> int:
    """`pytest.main`, but usage errors say `wsbridge test` (the command the user typed) instead of `pytest.main()`."""
    from _pytest import config as pytest_config

    main = getattr(pytest_config, "_main", None)
    try:
        takes_prog = main is not None and "prog" in inspect.signature(main).parameters
    except (TypeError, ValueError):
        takes_prog = False
    if takes_prog:
        return main(args=args, plugins=plugins, prog="wsbridge test")  # type: ignore[misc]
    return pytest.main(args, plugins=plugins)  # type: ignore[arg-type]


def run_controller(payload: str) -> dict[str, Any]:
    """Runs the user's pytest session as the controller; returns {"exit", "files", "binary"} (files to write on the
    host: text, and base64 for pytest-cov's data file and reports)."""
    data: ControllerStart = json.loads(payload)
    shard = (data["shard"][0], data["shard"][1]) if data["shard"] else None
    controller = Controller(shard, data["elapsed"], list(data["resume"]))
    _pytest_debug.install_terminal(_emit, _read_message, _stashed.append)  # pdb reads the runner's terminal
    _flush()
    code = _pytest_main(list(data["args"]), plugins=[pytest_plugin, _pytest_debug, controller, Worker(terminal=True)])
    _flush()
    _emit("end", None)  # after every byte of output: the runner waits for it before it prints anything more
    files: dict[str, str] = {}
    config = controller.config
    if config is not None:
        files.update(_cache_files(config))
        xml = getattr(config.option, "xmlpath", None)
        if xml:
            path = os.path.abspath(os.path.expanduser(os.path.expandvars(xml)))
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    files[path] = fh.read()
    return {"exit": int(code), "files": files, "binary": _coverage.written(config)}


# ------------------------------------------------------------------------------------------------ worker


class Worker:
    """pytest plugin of every page that runs tests: sends each test's start, reports and finish to the runner (which
    replays a worker page's in the controller, and keeps the controller's own for a resume)."""

    def __init__(self, terminal: bool = False) -> None:
        self.timeouts: dict[str, float] = {}
        self.config: pytest.Config | None = None
        self.terminal = terminal  # the controller's session prints; a worker page's does not

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Keeps the config (reports are serialised with its hooks) and, in a worker page, silences the session's
        terminal: the controller prints; prints with `-s` still reach the runner."""
        self.config = config
        # Without capture a test's own prints go out as written, even if the test then blocks the page.
        _live_output(config.getoption("capture", "fd") in ("no", "tee-sys"))
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and not self.terminal:
            config.pluginmanager.unregister(reporter)

    def pytest_collectstart(self, collector: pytest.Collector) -> None:
        """A worker page's collection of a big file is not a blocked page: the runner allows it --load-timeout."""
        if not self.terminal and isinstance(collector, pytest.File):
            _emit("collecting", str(collector.path))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Collection is over: from here the runner's limit between tests applies again."""
        _emit("collected", len(session.items))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        """Notes the test's time limit, which the runner needs to tell a blocked page from a slow test."""
        self.timeouts[item.nodeid] = pytest_plugin.test_timeout(item)

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        _flush()
        _emit("start", {"nodeid": nodeid, "location": list(location), "timeout": self.timeouts.get(nodeid, 0)})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Captured output is bounded before any plugin (terminal, JUnit) sees the report."""
        report = yield
        report.sections = [(name, _bounded(text)) for name, text in report.sections]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        config = self.config
        assert config is not None, "pytest_configure runs before any report"
        data = config.hook.pytest_report_to_serializable(config=config, report=report)
        _emit("report", {"nodeid": report.nodeid, "data": data})

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        """The call's report reaches the runner before the teardown: a teardown that blocks is a teardown error."""
        _send_now()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """The last test's finish reaches the runner before the session's end: a block there is outside any test."""
        _send_now()

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        _flush()
        _emit("finish", {"nodeid": nodeid, "location": list(location)})

    def pytest_warning_recorded(self, warning_message: warnings.WarningMessage, when: str, nodeid: str) -> None:
        """A test's warning goes to the controller's summary (configure and collection warnings it records itself)."""
        if when != "runtest":
            return
        category = warning_message.category
        _emit("warning", {
            "nodeid": nodeid,
            "category": f"{category.__module__}:{category.__qualname__}",
            "message": str(warning_message.message),
            "filename": str(warning_message.filename),
            "lineno": int(warning_message.lineno),
        })

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """pytest.exit() or KeyboardInterrupt in a worker page (a test, a fixture, a hook): the runner ends the whole
        session with its code, or interrupts it."""
        error = excinfo.value
        if not self.terminal and not isinstance(error, pytest.exit.Exception):
            # A test raised KeyboardInterrupt: the controller's session is interrupted, as pytest's is on the host.
            _flush()
            _emit("interrupt", None)
        if not self.terminal and isinstance(error, pytest.exit.Exception):
            _flush()
            _emit("exit", {"msg": error.msg, "returncode": error.returncode if error.returncode is not None else 2})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A file that collected in the controller but fails here (it changed, or depends on state): say so."""
        if report.failed and not self.terminal:
            _emit("collecterror", {"nodeid": report.nodeid, "text": str(report.longrepr)})


#: Characters of one captured-output section kept in a report (and so in the terminal and the JUnit file).
MAX_SECTION_CHARS = 64 * 1024


def _bounded(text: str) -> str:
    """`text`, or its head and tail around a note saying how much was cut (a test may print megabytes)."""
    if len(text) <= MAX_SECTION_CHARS:
        return text
    half = MAX_SECTION_CHARS // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[... wsbridge cut {cut} characters of captured output ...]\n{text[-half:]}"


def _forget_modules(roots: list[str], keep: set[str]) -> None:
    """Drops the modules the run imported from the project's folders, so the next file starts afresh."""
    prefixes = tuple(root.rstrip("/") + "/" for root in roots)
    for name, module in list(sys.modules.items()):
        if name in keep:
            continue
        path = getattr(module, "__file__", None) or ""
        if path.startswith(prefixes) or name == "conftest" or name.startswith("conftest."):
            del sys.modules[name]
    importlib.invalidate_caches()


def run_worker(payload: str) -> int:
    """Runs pytest on the given test ids (one file) in this worker page; the reports go to the runner."""
    data: WorkerStart = json.loads(payload)
    before = set(sys.modules)
    try:
        _flush()
        _page_stdin.mark_worker()  # pdb opens in the controller page only
        worker = Worker()
        code = pytest.main([*data["args"], *data["ids"]], plugins=[pytest_plugin, _pytest_debug, worker])  # type: ignore[arg-type]
        _flush()
        coverage = _coverage.data_files(worker.config) if worker.config is not None else {}
        if coverage:
            _emit("coverage", {"files": coverage})
        return int(code)
    finally:
        _forget_modules(list(data["roots"]), before)


def prepare(payload: str) -> None:
    """Sets the working folder and the environment (the project's files came as one bundle, written by the page)."""
    data = json.loads(payload)
    os.environ.update(data["env"])
    os.makedirs(data["cwd"], exist_ok=True)
    os.chdir(data["cwd"])
    sys.dont_write_bytecode = True
    importlib.invalidate_caches()
