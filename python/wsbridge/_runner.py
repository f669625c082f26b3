"""The one runner of user handlers for routes and inspection: calls in order, async ones as tasks, errors reported."""
from __future__ import annotations

import asyncio
import collections
import inspect
import traceback
from collections.abc import Callable
from typing import Any

from . import _lifecycle


def report(error: BaseException, what: str) -> None:
    """Reports a handler's exception (console and `_lifecycle` listeners); the caller carries on."""
    _lifecycle.report_error(f"wsbridge: exception in {what}:\n" + "".join(traceback.format_exception(error)))


class Runner:
    """Runs handler calls in arrival order. `serial`: an async handler finishes before the next call starts;
    otherwise it starts eagerly (its code up to the first real suspension runs now) and goes on as a task."""

    __slots__ = ("serial", "what", "_queue", "_busy")

    def __init__(self, what: str, serial: bool) -> None:
        self.what = what
        self.serial = serial
        self._queue: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]] = collections.deque()
        self._busy = False

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Runs `fn(*args)` now when nothing is pending, else after everything queued before it."""
        if self._busy:
            self._queue.append((fn, args))
            return
        pending = self._run(fn, args)
        if pending is not None:
            self._busy = True
            asyncio.ensure_future(self._drain(pending))

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Calls `fn`; returns what is left to await in serial mode (None otherwise)."""
        try:
            result = fn(*args)
        except Exception as error:  # noqa: BLE001 - a handler's bug must not stop the socket or the others
            report(error, self.what)
            return None
        if not inspect.isawaitable(result):
            return None
        if self.serial:
            return result
        try:
            task = asyncio.Task(_coroutine(result), loop=asyncio.get_event_loop(), eager_start=True)  # type: ignore[call-arg]
        except TypeError:  # Python < 3.12: no eager start
            task = asyncio.ensure_future(result)
        task.add_done_callback(self._finished)
        return None

    def _finished(self, task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and isinstance(task.exception(), Exception):
            report(task.exception(), self.what)  # type: ignore[arg-type]

    async def _drain(self, pending: Any) -> None:
        try:
            while pending is not None or self._queue:
                if pending is not None:
                    try:
                        await pending
                    except Exception as error:  # noqa: BLE001
                        report(error, self.what)
                pending = self._run(*self._queue.popleft()) if self._queue else None
        finally:
            self._busy = False


async def _coroutine(awaitable: Any) -> Any:
    """A coroutine around any awaitable, so it can start as an eager task."""
    return await awaitable
