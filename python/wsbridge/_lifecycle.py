"""Reset hooks: each part of wsbridge registers how to drop its state, so test runs never leak into each other."""
from __future__ import annotations

from collections.abc import Callable

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
    import js  # type: ignore[import-not-found]

    js.console.error(text)
    for listener in list(_error_listeners):
        listener(text)
