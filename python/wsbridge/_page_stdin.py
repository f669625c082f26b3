"""The page's stdin under `npx wsbridge test`: pdb (`breakpoint()`, `pdb.set_trace()`, `--pdb`, `--trace`) reads its
commands from the terminal that ran the command.

A line is asked of the runner in Node with a "stdin" message and comes back as an "input" message, which the page
waits for in `run_sync` (JSPI) while the test's time limit and Node's blocked-page watchdog are paused. Where no
terminal can answer (stdin is not one, CI, `--watch`, a worker page), `refusal()` says why: `breakpoint()` then fails
the test with that reason instead of reading end-of-file, which would quit the whole session.
"""
from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

#: Set by the runner: empty when the terminal answers pdb, else the reason it cannot.
REFUSAL_ENV = "WSBRIDGE_STDIN_REFUSAL"

#: Why a worker page never reads the terminal (its prompts would interleave with other pages' output).
WORKER_REFUSAL = "this test ran in a worker page (--workers N): only the controller page reads the terminal; run it with --workers 1"

_worker = False


def refusal() -> str:
    """Why pdb cannot read the terminal in this page, or "" when it can."""
    if _worker:
        return WORKER_REFUSAL
    return os.environ.get(REFUSAL_ENV, "")


def breakpoint_refused(reason: str) -> str:
    """The failure text of a test that called `breakpoint()` where no terminal answers."""
    return (
        f"breakpoint() (or pdb.set_trace()) cannot open pdb: {reason}. wsbridge test opens pdb in the terminal that ran "
        "it; remove the call, or run the test from a terminal."
    )


class PageStdin(io.TextIOBase):
    """`sys.stdin` of the controller page: each `readline()` is a line typed in the runner's terminal ("" at its end)."""

    def __init__(self, ask: Callable[[], str | None], paused: Callable[[], AbstractContextManager[None]] = nullcontext) -> None:
        super().__init__()
        self._ask = ask
        self._paused = paused

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        """Asks the runner for the terminal's next line (what pdb printed goes out first); "" at end-of-file."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        with self._paused():
            line = self._ask()
        return "" if line is None else line + "\n"

    def read(self, size: int | None = -1) -> str:
        """One line at a time: a terminal has no end until the user closes it."""
        return self.readline()


def install(ask: Callable[[], str | None], paused: Callable[[], AbstractContextManager[None]]) -> None:
    """Makes the terminal this page's stdin (the controller page, before pytest saves stdin for its capture)."""
    global _worker
    _worker = False
    sys.stdin = PageStdin(ask, paused)


def mark_worker() -> None:
    """This page is a worker page: pdb refuses to open here."""
    global _worker
    _worker = True
