"""Where a test was awaiting when its time limit cancelled it: the frames of its coroutine chain, read from the
cancellation's traceback (it was thrown in at the innermost `await` and unwound every coroutine of the chain)."""
from __future__ import annotations

import asyncio
import linecache
import os
from types import TracebackType

#: Folders whose frames are plumbing, not the test's: asyncio's own and this package's runner.
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_PLUGIN_FILE = os.path.join(os.path.dirname(__file__), "pytest_plugin.py")


def _cancellation(error: BaseException) -> BaseException | None:
    """The CancelledError behind a TimeoutError of `asyncio.timeout` (its context), or `error` itself when cancelled."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, asyncio.CancelledError):
            return seen
        seen = seen.__context__
    return None


def _frames(tb: TracebackType | None) -> list[tuple[str, int, str]]:
    """(file, line, function) of each traceback entry, outermost first, without asyncio's and the runner's own."""
    frames: list[tuple[str, int, str]] = []
    while tb is not None:
        code = tb.tb_frame.f_code
        file = code.co_filename
        if not file.startswith(_ASYNCIO_DIR) and file != _PLUGIN_FILE:
            frames.append((file, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    return frames


def _shown(file: str, root: str) -> str:
    """`file` relative to `root` when it is under it, as pytest shows paths."""
    prefix = root.rstrip("/") + "/"
    return file[len(prefix):] if file.startswith(prefix) else file


def awaiting_stack(error: BaseException, root: str) -> str:
    """The awaiting chain as text (most recent call last), "" when `error` carries no cancellation traceback."""
    cancelled = _cancellation(error)
    frames = _frames(cancelled.__traceback__) if cancelled is not None else []
    if not frames:
        return ""
    lines = ["Awaiting (most recent call last):"]
    for file, line, name in frames:
        lines.append(f"  {_shown(file, root)}:{line} in {name}")
        source = linecache.getline(file, line).strip()
        if source:
            lines.append(f"    {source}")
    return "\n".join(lines)
