"""The one ordered runner of user handlers under MicroPython (socket and route handlers).

Calls start in order. A plain handler runs to completion before the next call. An `async def` handler runs as a
task; in the default (concurrent) mode the calls queued behind it start once it first suspends — MicroPython's
asyncio has no eager tasks, so a second task, created before the handler's first step and run right after it,
releases the queue — and in serial mode once it has finished. Exceptions are reported, never raised.
"""
import asyncio

from ._ffi import awaitable, report

try:
    from typing import TYPE_CHECKING
except ImportError:
    TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable


class Flow:
    """Handler calls in order (`call(fn, *args)`); `what` names them in reports."""

    # Invariant: `queue` is empty whenever `busy` is False, so a call arriving while not busy runs at once.

    def __init__(self, serial: bool, what: str = "a handler") -> None:
        self.queue: "list[tuple[Callable[..., Any], tuple[Any, ...]]]" = []
        self.busy = False
        self.serial = serial
        self.what = what
        self.tasks: "list[Any]" = []  # async handler calls still running (cancelled by `abort`)

    def call(self, fn: "Callable[..., Any]", *args: "Any") -> None:
        """Calls `fn(*args)` now when nothing is pending, else after everything before it."""
        if self.busy:
            self.queue.append((fn, args))
            return
        self.busy = True
        self._follow(self._run(fn, args))

    def _run(self, fn: "Callable[..., Any]", args: "tuple[Any, ...]") -> "Any":
        """Makes one call; returns the awaitable it gave, else None. Its exception is reported."""
        try:
            result = fn(*args)
        except Exception as error:  # noqa: BLE001 - a handler's bug must not stop the others
            report(error, self.what)
            return None
        return result if awaitable(result) else None

    def _follow(self, pending: "Any") -> None:
        """While busy: starts `pending`, else makes the queued calls in order until one gives an awaitable."""
        while pending is None:
            if not self.queue:
                self.busy = False
                return
            fn, args = self.queue.pop(0)
            pending = self._run(fn, args)
        # Stays busy: the awaitable's task releases the queue (after its first step, or when done in serial mode).
        self.tasks.append(asyncio.create_task(self._drive(pending)))

    async def _drive(self, pending: "Any") -> None:
        if not self.serial:
            asyncio.create_task(self._release())  # queued now, so it runs right after this handler first suspends
        try:
            await pending
        except Exception as error:  # noqa: BLE001 - as in _run
            report(error, self.what)
        finally:
            self._forget()
        if self.serial:
            self._follow(None)

    async def _release(self) -> None:
        self._follow(None)

    def _forget(self) -> None:
        """Drops finished tasks from `tasks`."""
        self.tasks = [task for task in self.tasks if not task.done()]

    def abort(self) -> None:
        """Drops queued calls and cancels running async handlers."""
        self.queue.clear()
        for task in self.tasks:
            if not task.done():
                task.cancel()
        self.tasks = []
