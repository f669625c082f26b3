"""pdb under `npx wsbridge test` (a pytest plugin of every page): where the runner's terminal can answer, pdb reads it
through the page's stdin (`_page_stdin`); where it cannot, `breakpoint()` fails its test with the reason, and `--pdb`
and `--trace` are turned off with a warning, instead of pdb reading end-of-file and quitting the whole session."""
from __future__ import annotations

import os
import pdb
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import pytest

from . import _page_stdin, pytest_plugin


def _refused(*args: Any, **kwargs: Any) -> NoReturn:
    """`pdb.set_trace` (so `breakpoint()`) where no terminal answers: the test fails, saying why and where."""
    caller = sys._getframe(1)
    where = f" (at {os.path.relpath(caller.f_code.co_filename)}:{caller.f_lineno})"
    pytest.fail(_page_stdin.breakpoint_refused(_page_stdin.refusal()) + where, pytrace=False)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """After pytest's debugging plugin (which set `pdb.set_trace` to its own): without a terminal, pdb never opens."""
    reason = _page_stdin.refusal()
    if not reason:
        return
    saved = pdb.set_trace
    pdb.set_trace = _refused

    def restore() -> None:
        pdb.set_trace = saved

    config.add_cleanup(restore)
    for name, option in (("pdbinvoke", "--pdb"), ("pdbtrace", "--trace")):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)
            config.issue_config_time_warning(pytest.PytestConfigWarning(f"{option} is off: pdb cannot open ({reason})"), stacklevel=2)


def ask_terminal(emit: Callable[[str, Any], None], receive: Callable[[], dict[str, Any]], stash: Callable[[dict[str, Any]], None]) -> str | None:
    """The terminal's next line from the runner (None at its end, or when Ctrl-C interrupts the wait); other messages
    that arrive meanwhile are stashed for the session's loop."""
    emit("stdin", None)
    while True:
        message = receive()
        if message["t"] == "input":
            line = message.get("line")
            return line if isinstance(line, str) else None
        stash(message)
        if message["t"] == "interrupt":
            return None


def install_terminal(emit: Callable[[str, Any], None], receive: Callable[[], dict[str, Any]], stash: Callable[[dict[str, Any]], None]) -> None:
    """The controller page's stdin is the runner's terminal (unless it refuses): set before pytest saves stdin."""
    if _page_stdin.refusal():
        return
    _page_stdin.install(lambda: ask_terminal(emit, receive, stash), pytest_plugin.timeout_paused)
