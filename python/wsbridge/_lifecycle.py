"""Reset hooks: each part of wsbridge registers how to drop its state, so test runs never leak into each other;
and `TimerRecord`, which finds the callbacks a test left scheduled on the loop so they can be cancelled."""
from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable, Collection, Iterator
from typing import Any

_resets: list[Callable[[], None]] = []


def on_reset(fn: Callable[[], None]) -> Callable[[], None]:
    """Registers `fn` to run on `reset()` (routes removed, sockets closed, listeners dropped); usable as a decorator."""
    _resets.append(fn)
    return fn


def reset() -> None:
    """Drops all routes, sockets and listeners that wsbridge holds; errors in one hook do not stop the others."""
    errors: list[BaseException] = []
    for fn in list(_resets):
        try:
            fn()
        except BaseException as error:  # noqa: BLE001 - every hook must run
            errors.append(error)
    if errors:
        raise errors[0]


_error_listeners: list[Callable[[str], None]] = []


def on_error(fn: Callable[[str], None]) -> Callable[[str], None]:
    """Registers `fn` to receive every error text `report_error` reports (the pytest plugin fails the test with it)."""
    _error_listeners.append(fn)
    return fn


def report_error(text: str) -> None:
    """Reports an exception raised outside the caller's code (a handler, a task) to the console and the listeners."""
    from ._js import js  # at the call: _js imports errors, which must not wait for this module

    js.console.error(text)
    for listener in list(_error_listeners):
        listener(text)


#: The loop methods that schedule a callback; on Pyodide's WebLoop call_soon and call_at both go through call_later.
_SCHEDULERS = ("call_soon", "call_later", "call_at")


def _schedulers(loop: asyncio.AbstractEventLoop) -> tuple[str, ...]:
    """The methods of `loop` to watch so that every scheduled callback is seen once (Pyodide's WebLoop: one)."""
    return ("call_later",) if type(loop).__module__ == "pyodide.webloop" else _SCHEDULERS


def _machinery(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """True for asyncio's and the loop's own callbacks: a task's step or wakeup, a future's done callbacks (they
    run because the future completed), the loop's bookkeeping. They end with the tasks they serve."""
    owner = getattr(callback, "__self__", None)
    if owner is loop:
        return True
    if isinstance(owner, asyncio.Task) and getattr(callback, "__name__", None) in (None, "__step", "__wakeup", "task_wakeup"):
        return True
    return len(args) == 1 and isinstance(args[0], asyncio.Future) and args[0].done()


class TimerRecord:
    """Records the callbacks scheduled on `loop` (call_soon, call_later, call_at) from creation until `stop()`, so
    that those left pending can be cancelled: a reconnect timer one test set must not open a socket in the next.

    asyncio's own machinery is left out (`_machinery`: it ends with its tasks), and so is whatever a task in
    `kept` schedules (tasks that outlive the test keep their timers)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, kept: Collection[asyncio.Task[Any]]) -> None:
        self._loop = loop
        self._kept = kept
        self._handles: weakref.WeakSet[asyncio.Handle] = weakref.WeakSet()  # a handle that has run is dropped
        self._paused = False
        self._wrappers: dict[str, Callable[..., asyncio.Handle]] = {}
        for name in _schedulers(loop):
            self._wrappers[name] = self._wrap(name)
            setattr(loop, name, self._wrappers[name])  # on the instance: asyncio's C code looks the method up there too

    def _wrap(self, name: str) -> Callable[..., asyncio.Handle]:
        """The loop's method `name`, recording the handles it returns."""
        schedule: Callable[..., asyncio.Handle] = getattr(self._loop, name)
        if name == "call_soon":

            def soon(callback: Callable[..., Any], *args: Any, context: Any = None) -> asyncio.Handle:
                return self._note(schedule(callback, *args, context=context), callback, args)

            return soon

        def later(when: float, callback: Callable[..., Any], *args: Any, context: Any = None) -> asyncio.Handle:
            return self._note(schedule(when, callback, *args, context=context), callback, args)

        return later

    def _note(self, handle: asyncio.Handle, callback: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Handle:
        """Records `handle` unless paused, asyncio's own or scheduled by a kept task; returns it."""
        if not (self._paused or _machinery(self._loop, callback, args) or asyncio.current_task(self._loop) in self._kept):
            self._handles.add(handle)
        return handle

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Records nothing inside the block (what wsbridge's reset schedules must run)."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def cancel_pending(self) -> None:
        """Cancels every recorded callback that has not run yet (cancelling one that ran does nothing)."""
        for handle in list(self._handles):
            handle.cancel()
        self._handles.clear()

    def stop(self) -> None:
        """Stops recording: the loop's own methods are back (unless something replaced the wrappers since)."""
        for name, wrapper in self._wrappers.items():
            if self._loop.__dict__.get(name) is wrapper:
                delattr(self._loop, name)
        self._wrappers.clear()
