"""A Python route handler that raises: the page's socket fails its handshake as a browser's does (error, then close
1006 at CLOSED, never open), and the console gets the handler's Python traceback.

The JS face of the same rule, close() before open, and pages that go away stay in
test/browser/route-lifecycle.test.ts (they need page JS routes, iframes, workers and Playwright's own routing)."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import js  # type: ignore[import-not-found]
import pytest
from pyodide.code import run_js  # type: ignore[import-not-found]

from wsbridge import WebSocketRoute, route_web_socket

from support import wait_for

# Page JS: opens a socket and logs each event with the readyState it saw; resolves at close (JSON) or after 8 s.
_OPEN_LOG_JS = """(url) => new Promise((resolve) => {
  const log = [];
  const ws = new WebSocket(url);
  const finish = () => resolve(JSON.stringify(log));
  const timer = setTimeout(() => { log.push("timeout:" + ws.readyState); finish(); }, 8000);
  ws.onopen = () => log.push("open");
  ws.onerror = () => log.push("error:" + ws.readyState);
  ws.onclose = (e) => {
    log.push("close:" + e.code + ":" + JSON.stringify(e.reason) + ":" + e.wasClean + ":" + ws.readyState);
    clearTimeout(timer);
    finish();
  };
})"""

# Page JS: wraps console.error to keep each call's text (an Error argument as its message) until restore().
_CONSOLE_ERRORS_JS = """(() => {
  const original = console.error;
  const lines = [];
  console.error = (...args) => {
    lines.push(args.map((a) => a instanceof Error ? a.message : String(a)).join(" "));
    original.apply(console, args);
  };
  return { lines, restore: () => { console.error = original; } };
})()"""


@pytest.fixture
def console_errors() -> Iterator[Any]:
    """The texts the page passes to console.error during the test (a live JS array)."""
    capture = run_js(_CONSOLE_ERRORS_JS)
    yield capture.lines
    capture.restore()


async def open_log(url: str) -> list[str]:
    return json.loads(await run_js(_OPEN_LOG_JS)(url))


def raises_at_once(route: WebSocketRoute) -> None:
    raise ZeroDivisionError("sync mock is broken")


async def raises_later(route: WebSocketRoute) -> None:
    await asyncio.sleep(0)
    raise KeyError("async mock is broken")


@pytest.mark.parametrize(
    ("handler", "last_traceback_line"),
    [(raises_at_once, "ZeroDivisionError: sync mock is broken"), (raises_later, "KeyError: 'async mock is broken'")],
    ids=["sync", "async"],
)
async def test_a_handler_that_raises_fails_the_handshake_and_the_console_gets_its_traceback(
    ws_server, console_errors, handler, last_traceback_line
):
    url = ws_server.url("/py-throws")
    route_web_socket(url, handler)
    assert await open_log(url) == ["error:3", 'close:1006:"":false:3']
    assert await wait_for(lambda: len(console_errors) >= 1)
    [text] = list(console_errors)
    # The engine's sentence, then the Error it got: Python's formatted traceback.
    sentence, traceback = text.split(" Traceback (most recent call last):\n", 1)
    assert sentence.startswith(f"wsbridge: the route handler for {url} failed")
    assert traceback.splitlines()[-1] == last_traceback_line
