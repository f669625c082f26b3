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
