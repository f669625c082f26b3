"""The runner's per-test WebSocket trace, record and replay (`wsbridge test --ws-trace`, `--record-har`, `--replay-har`).

Each test's sockets are recorded by the engine (src/inspect/trace.ts: frames kept as they came, nothing converted).
A failing test's report gets a section (terminal) and a `wsbridge_ws_trace` property (JUnit) with every socket: URL,
routed or native, the last frames each way with type and size, the close code. Its HAR goes to Node through the
`__wsbridgeTrace` binding (src/cli/ws-trace.ts writes it). `--replay-har` answers each test's sockets from its HAR by
request; a mismatch fails the test naming both frames.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import Generator
from typing import Any

import pytest

from ._js import engine, js, to_js

#: Environment the runner sets: the mode (on, off, retain-on-failure), the folder shown, record, replay.
MODE_ENV = "WSBRIDGE_WS_TRACE"
DIR_ENV = "WSBRIDGE_WS_TRACE_DIR"
RECORD_ENV = "WSBRIDGE_RECORD_HAR"
REPLAY_ENV = "WSBRIDGE_REPLAY_HAR"
#: Frames shown each way per socket in a failure's text.
FRAMES_SHOWN = 10
#: The report section's title and the JUnit property's name.
SECTION = "wsbridge: WebSocket frames"
PROPERTY = "wsbridge_ws_trace"
#: Where the page fetches a test's recording (`--replay-har`), served from Node's memory.
REPLAY_URL = "/__blob/wsbridge-har/"


def har_name(nodeid: str) -> str:
    """The HAR file name of a test: its node id made safe for a file name, and a short hash of it (unique)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", nodeid).strip("_")[:100]
    return f"{safe}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}.har"


class TracePlugin:
    """Starts the trace before each test's setup, reports it with a failure, sends HARs to Node, replays HARs."""

    def __init__(self, mode: str, folder: str, record: bool, replay: bool) -> None:
        self.mode = mode
        self.folder = folder
        self.record = record
        self.replay = replay
        self.failed = False
        self.tracing = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Starts recording (unless off or marked `no_ws_trace`); under --replay-har, routes the test's recording."""
        self.failed = False
        engine.harFailures()  # drops what earlier tests' replays left
        self.tracing = (self.mode != "off" or self.record) and item.get_closest_marker("no_ws_trace") is None
        if self.tracing:
            engine.traceStart()
        if self.replay:
            self._route_recording(item)

    def _route_recording(self, item: pytest.Item) -> None:
        """Answers every socket of the test from its recording, by request; no recording fails the test."""
        from .har import route_web_socket_from_har
        from .pytest_plugin import _run

        har = _run(_fetch_har(REPLAY_URL + har_name(item.nodeid)), None, "loading the test's HAR")
        if har is not None:
            route_web_socket_from_har(_moved_test_server(har), url="**", match="request", strict=True)
            return
        pytest.fail(f"--replay-har: no recording of {item.nodeid} ({har_name(item.nodeid)}): record it with --record-har", pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A failing phase gets the trace's text; the test's last report sends its HAR and ends the trace."""
        report = yield
        if self.replay and call.when in ("call", "teardown"):
            self._fail_on_mismatch(report, call.when)
        if report.failed and self.tracing and not self.failed:
            self.failed = True
            self._attach_text(item, report, call.when)
        if call.when == "teardown" and self.tracing:
            if self.record or self.mode == "on" or self.failed:
                _send_har(har_name(item.nodeid), self.record)
            engine.traceStop()
            self.tracing = False
        return report

    def _fail_on_mismatch(self, report: pytest.TestReport, when: str) -> None:
        """Fails the phase when the replay saw a message the recording lacks, or lacked one it recorded."""
        if when == "teardown":
            from .pytest_plugin import _run

            _run(asyncio.sleep(0), None, "replay settling")  # a socket the reset closed reports its missing requests
        failures = json.loads(engine.harFailures())
        if not failures:
            return
        text = "--replay-har: the test's traffic differs from its recording:\n" + "\n".join(failures)
        if report.passed:
            report.outcome = "failed"
            report.longrepr = text
        else:
            report.sections.append(("wsbridge: replay mismatches", text))

    def _attach_text(self, item: pytest.Item, report: pytest.TestReport, when: str) -> None:
        """Adds the trace's text to the failing report (terminal section) and as a JUnit property."""
        text = engine.traceText(FRAMES_SHOWN)
        if not text:
            return
        if self.record or self.mode != "off":
            text += f"\nHAR: {os.path.join(self.folder, har_name(item.nodeid))}"
        report.sections.append((SECTION, text))
        report.user_properties.append((PROPERTY, text))  # the summary counts it; JUnit reads the teardown report's
        if when != "teardown":
            item.user_properties.append((PROPERTY, text))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Names the folder of the HAR files written for this session's failing tests (or every test)."""
        if self.record:
            terminalreporter.write_line(f"wsbridge: each test's WebSocket traffic recorded as HAR in {self.folder}")
            return
        failed = [r for r in terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])
                  if any(name == PROPERTY for name, _ in getattr(r, "user_properties", []))]
        if self.mode == "on":
            terminalreporter.write_line(f"wsbridge: WebSocket traces (HAR) of every test in {self.folder}")
        elif failed:
            terminalreporter.write_line(f"wsbridge: WebSocket traces (HAR) of {len(failed)} failing test(s) in {self.folder}")


async def _fetch_har(url: str) -> dict[str, Any] | None:
    """The HAR at `url` (served by the runner), or None when there is none."""
    response = await js.fetch(url)
    if not response.ok:
        return None
    return json.loads(await response.text())  # type: ignore[no-any-return]


def _moved_test_server(har: dict[str, Any]) -> dict[str, Any]:
    """The HAR with the recording run's test server URL (`ws_server`, a new port each run) replaced by this run's."""
    recorded = har.get("log", {}).get("_wsbridge", {}).get("testServer")
    current = os.environ.get("WSBRIDGE_TEST_SERVER")
    if recorded and current and recorded != current:
        for entry in har["log"].get("entries", []):
            url = entry.get("request", {}).get("url", "")
            if url.startswith(recorded):
                entry["request"]["url"] = current + url[len(recorded):]
    return har


def _send_har(name: str, record: bool) -> None:
    """Sends the test's HAR to Node (written under the trace or record folder); notes the test server it used."""
    har = json.loads(engine.traceHar())
    if not har["log"]["entries"] and not record:
        return
    har["log"]["_wsbridge"] = {"testServer": os.environ.get("WSBRIDGE_TEST_SERVER", "")}
    js.__wsbridgeTrace(to_js([name, json.dumps(har)]))


def plugin_from_environment() -> TracePlugin | None:
    """The plugin for this page's run as the runner configured it (None outside the runner)."""
    mode = os.environ.get(MODE_ENV)
    if mode is None:
        return None
    return TracePlugin(mode, os.environ.get(DIR_ENV, ""), os.environ.get(RECORD_ENV) == "1", os.environ.get(REPLAY_ENV) == "1")
