"""Runs a conformance scenario's page script with Python route handlers and compares the page log.

The JS conformance suite (test/conformance/) runs every scenario under Playwright's page.routeWebSocket; the page
log its runs agreed on is a committed golden file, observed/<slug>.json, together with the page script (written
by `npm run golden`, checked by every conformance run). A Python
test registers its own route handlers (the scenario's JS handlers, written in Python), then `expect_log`
runs the same page script with the same JS probe (observed/_page_helpers.js: a page socket created as page JS
creates it, recording events, data, codes, reasons, wasClean, readyState) and asserts the same log.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Callable

import js  # type: ignore[import-not-found]
from pyodide.code import run_js  # type: ignore[import-not-found]

from wsbridge.testing import server_url

HERE = os.path.dirname(os.path.abspath(__file__))
OBSERVED = os.path.join(HERE, "observed")


def slug(name: str) -> str:
    """The file name of a scenario (test/conformance/observed.ts: slug)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]


def observed(name: str) -> dict[str, Any]:
    """The scenario's record written by the JS conformance suite; a missing file fails the test."""
    path = os.path.join(OBSERVED, slug(name) + ".json")
    if not os.path.exists(path):
        raise AssertionError(f"no observed log for {name!r} ({path}): run `npm run golden` to write the golden files")
    with open(path, encoding="utf-8") as f:
        record = json.load(f)
    assert record["name"] == name, (record["name"], name)
    return record


def portless(value: Any) -> Any:
    """The value with the test server's port replaced, as the JS suite does before comparing."""
    return json.loads(re.sub(r"127\.0\.0\.1:\d+", "HOST", json.dumps(value)))


# Page JS: a function that removes the <head> children added since it was made.
_KEEP_HEAD = """(() => {
  const keep = new Set(document.head.childNodes);
  return () => { for (const node of [...document.head.childNodes]) if (!keep.has(node)) node.remove(); };
})()"""


#: Closes the sockets the scenario scripts opened (PAGE_HELPERS' `track` lists them) and waits for their close.
_CLOSE_OPENED = """
(async () => {
  const opened = (globalThis.__confOpened ?? []).splice(0).filter((ws) => ws.readyState < 2);
  await Promise.all(opened.map((ws) => new Promise((done) => {
    const timer = setTimeout(done, 3000);
    ws.addEventListener("close", () => { clearTimeout(timer); done(); }, { once: true });
    ws.close();
  })));
})()
"""


async def run_page(page_script: str) -> list[Any]:
    """Runs a scenario page script in this page with the conformance probe; returns its (portless) log."""
    if not hasattr(js, "__confRun"):
        with open(os.path.join(OBSERVED, "_page_helpers.js"), encoding="utf-8") as f:
            run_js(f.read())
    base = server_url("").rstrip("/")
    # The scenario pages were fresh under Playwright; here the page lives on, so what a script adds to <head>
    # (a <base> element changes how every later relative URL resolves) is removed after it.
    restore_head = run_js(_KEEP_HEAD)
    try:
        log = await js.__confRun(base, page_script)
        result = portless(json.loads(js.JSON.stringify(log)))
    finally:
        restore_head()
        # The same for the sockets a script left open: a later test would see them (inspection still watching).
        await run_js(_CLOSE_OPENED)
    return result


async def expect_log(name: str, adapt: Callable[[list[Any]], list[Any]] | None = None) -> list[Any]:
    """Runs scenario `name`'s page script and asserts the page log equals the observed one.

    `adapt` rewrites the expected log where the Python face deliberately differs (said at the call site)."""
    record = observed(name)
    log = await run_page(record["page"])
    expected = record["log"] if adapt is None else adapt(record["log"])
    assert [e for e in log if isinstance(e, dict) and e.get("ev") == "script-error"] == [], log
    assert log == expected, f"page log differs from the observed ({record['source']}):\nours:     {log}\nexpected: {expected}"
    return log


# --- the `h` helpers of the JS handlers, for Python handlers ---

def tag(m: str | bytes) -> str:
    """"text:..." or "binary:<hex>" (h.tag)."""
    return "text:" + m if isinstance(m, str) else "binary:" + bytes(m).hex()


def text(m: str | bytes) -> str:
    """The message as text (h.text)."""
    return m if isinstance(m, str) else bytes(m).decode("utf-8")
