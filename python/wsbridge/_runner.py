"""The one runner of user handlers (socket, route and inspection handlers): calls in order, an async handler
either finished before the next call (serial) or started eagerly as a task, exceptions reported, never raised."""
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


class Flow:
    """Handler calls run in order (`call(fn, *args)`; routes: serial, inspection listeners: concurrent); `what` names
    them in reports. A socket's flow (websocket._Flow) overrides `run` and `report` for its events."""

    # Invariant: `queue` is empty whenever `busy` is False, so a call arriving while not busy runs at once, with no
    # queueing (the fast path). `busy` is set while a call runs (a call arriving re-entrantly then waits its turn)
    # and, in serial mode, while an awaitable is being finished; otherwise an awaitable goes on as an eager task.

    __slots__ = ("queue", "busy", "serial", "task", "tasks", "what")

    def __init__(self, serial: bool, what: str = "a handler") -> None:
        self.queue: collections.deque[tuple[Any, Any]] = collections.deque()
        self.busy = False
        self.serial = serial
        self.task: asyncio.Future[None] | None = None  # serial mode: finishes the current awaitable, then the queue
        self.tasks: set[asyncio.Task[Any]] = set()  # concurrent mode: async handler calls still running
        self.what = what

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Calls `fn(*args)` now when nothing is pending, else after everything before it."""
        if self.busy:
            self.queue.append((fn, args))
        else:
            self.deliver(fn, args)

    def run(self, fn: Any, args: Any) -> tuple[Any, str] | None:
        """Makes one call; returns (awaitable, name) when it gave one. Its exception is reported, never raised."""
        try:
            result = fn(*args)
        except Exception as error:  # noqa: BLE001 - a handler's bug must not stop the others
            self.report(error, self.what)
            return None
        return (result, self.what) if inspect.isawaitable(result) else None

    def report(self, error: BaseException, name: str) -> None:
        report(error, name)

    def deliver(self, a: Any, b: Any) -> None:
        """Runs this call now, then any that arrived meanwhile, in order (only called while not busy)."""
        self.busy = True
        try:
            pending = self.run(a, b)
        except BaseException:
            self.busy = False
            raise
        self.follow(pending)

    def follow(self, pending: tuple[Any, str] | None) -> None:
        """While busy: starts `pending` (an awaitable and its handler's name), then the queued calls, in order."""
        try:
            queue = self.queue
            while True:
                if pending is not None:
                    if self.serial:
                        # Stays busy: later calls queue until the task has finished this one and drained them.
                        self.task = asyncio.ensure_future(self.drain_async(*pending))
                        return
                    self.start(*pending)
                if not queue:
                    break
                pending = self.run(*queue.popleft())
        except BaseException:
            # Only non-Exception errors get here (SystemExit...); later calls must still be made.
            self.busy = False
            raise
        self.busy = False

    def start(self, awaitable: Any, name: str) -> None:
        """Runs `awaitable` as an eager task: its code up to the first real suspension runs now, in call order."""
        coroutine = awaitable if inspect.iscoroutine(awaitable) else _await(awaitable)
        # Calls that arrive during the eager step are queued (`busy` is set) and made after it, in order.
        task = asyncio.Task(coroutine, loop=asyncio.get_event_loop(), eager_start=True)
        if task.done():
            self.finished(task, name)
            return
        self.tasks.add(task)
        task.add_done_callback(lambda done: self.finished(done, name))

    def finished(self, task: asyncio.Task[Any], name: str) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, Exception):
            self.report(error, name)

    async def drain_async(self, awaitable: Any, name: str) -> None:
        try:
            while True:
                try:
                    await awaitable
                except Exception as error:  # noqa: BLE001 - as in run
                    self.report(error, name)
                awaitable = None
                while self.queue and awaitable is None:
                    pending = self.run(*self.queue.popleft())
                    if pending is not None:
                        awaitable, name = pending
                if awaitable is None:
                    return
        finally:
            self.task = None
            self.busy = False

    def abort(self) -> None:
        self.queue.clear()
        task = self.task
        if task is not None and not task.done():
            task.cancel()
        for running in list(self.tasks):
            running.cancel()


async def _await(awaitable: Any) -> Any:
    """A coroutine around any awaitable (a Future, an object with __await__), so it can start eagerly."""
    return await awaitable
