"""anyio's worker threads, run inline: Pyodide cannot start threads, so while an ASGI app runs in the page
(`wsbridge.asgi` installs this once anyio is loaded) `anyio.to_thread.run_sync` (behind Starlette's
`run_in_threadpool` and FastAPI's sync dependencies) calls the function right away, in the page, blocking the page
while it runs.

Inside such a call, code written for a worker thread calls back into the loop with `anyio.from_thread`: `run(func,
*args)` waits for the coroutine on the page's loop (Pyodide's `run_sync`: the rest of the page keeps running
meanwhile, as the loop thread does while a worker waits), `run_sync(func, *args)` calls the function at once (this is
the loop's thread), and `check_cancelled()` finds nothing to report (the calling task's cancellation reaches it when
the call returns). Outside an inline call, the three are anyio's own (its `NoEventLoopError` and all).

The module functions are replaced, as anyio's own names are looked up at each call (`anyio.from_thread.run(...)`,
Starlette's `anyio.to_thread.run_sync(...)`).
"""
from __future__ import annotations

import contextvars
import importlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from ._js import block_on, can_run_sync

__all__ = ["install"]

#: True in the context of an inline `to_thread.run_sync` call: the function's own code, and nothing else (a task
#: copies the context it starts in, so other tasks never see it set).
_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("wsbridge_inline_thread", default=False)

_MARK = "_wsbridge_inline"


def _marked(fn: Callable[..., Any]) -> Callable[..., Any]:
    setattr(fn, _MARK, True)  # noqa: B010 - how install() knows a module function is already ours
    return fn


def install() -> None:
    """Replaces anyio's `to_thread.run_sync` and `from_thread.run`/`run_sync`/`check_cancelled` (once), when anyio
    is loaded; an app that never imported anyio does not pay for importing it."""
    to_thread = sys.modules.get("anyio.to_thread")
    if to_thread is None or getattr(to_thread.run_sync, _MARK, False):
        return
    from_thread = importlib.import_module("anyio.from_thread")
    anyio_run, anyio_run_sync, anyio_check_cancelled = from_thread.run, from_thread.run_sync, from_thread.check_cancelled

    async def run_sync(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
        # anyio's signature; abandon_on_cancel, cancellable and limiter mean nothing without threads.
        reset = _inline.set(True)
        try:
            return func(*args)
        finally:
            _inline.reset(reset)

    def run(func: Callable[..., Awaitable[Any]], *args: Any, token: object = None) -> Any:
        if not _inline.get() or not can_run_sync():
            return anyio_run(func, *args) if token is None else anyio_run(func, *args, token=token)
        return block_on(func(*args))

    def run_sync_from_thread(func: Callable[..., Any], *args: Any, token: object = None) -> Any:
        if not _inline.get():
            return anyio_run_sync(func, *args) if token is None else anyio_run_sync(func, *args, token=token)
        return func(*args)

    def check_cancelled() -> None:
        if not _inline.get():
            anyio_check_cancelled()

    setattr(to_thread, "run_sync", _marked(run_sync))  # noqa: B010 - module functions mypy knows by other types
    setattr(from_thread, "run", _marked(run))  # noqa: B010
    setattr(from_thread, "run_sync", _marked(run_sync_from_thread))  # noqa: B010
    setattr(from_thread, "check_cancelled", _marked(check_cancelled))  # noqa: B010
