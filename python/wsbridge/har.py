"""Replay and recording: `route_web_socket_from_har` answers sockets from a HAR's WebSocket entries (Chrome's
`_webSocketMessages`); `record_web_socket` records the page's sockets into a HAR. The engine is JS
(src/route/har.ts, src/inspect/recorder.ts); this is its face."""
from __future__ import annotations

import asyncio
import json
import os
from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

if TYPE_CHECKING:
    from . import _wsbridge_js  # the contract: _wsbridge_js.pyi (the JS module is top-level in Pyodide)
else:
    import _wsbridge_js

from . import _lifecycle
from .route import UrlMatch, _matcher



def _to_js(har: dict[str, Any]) -> Any:
    return to_js(har, dict_converter=js.Object.fromEntries)


def _message(error: BaseException) -> str:
    return getattr(error, "message", None) or str(error)


class HarRouteHandle:
    """What `route_web_socket_from_har` returns: `.unroute()`, a `with`/`async with` block, and awaitable (gives
    None once the route is registered: at once for a dict or a file, after the fetch for a URL)."""

    def __init__(self) -> None:
        self._token: int | None = None
        self._removed = False
        self._ready: asyncio.Future[None] | None = None

    @property
    def active(self) -> bool:
        return self._token is not None and bool(_wsbridge_js.harAlive(self._token))

    def _register(self, har: Any, url: UrlMatch | None, match: str, timing: str, strict: bool) -> None:
        if self._removed:
            return
        try:
            self._token = int(_wsbridge_js.harRoute(har, None if url is None else _matcher(url), match, timing, bool(strict)))
        except Exception as error:
            raise ValueError(_message(error)) from None

    def unroute(self) -> None:
        """Removes the replay route for sockets created from now on (idempotent)."""
        self._removed = True
        if self._token is not None:
            _wsbridge_js.harRemove(self._token)
        if self in _handles:
            _handles.remove(self)

    def __await__(self):  # type: ignore[no-untyped-def]
        if self._ready is not None:
            yield from self._ready.__await__()
        return None

    def __enter__(self) -> HarRouteHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unroute()

    async def __aenter__(self) -> HarRouteHandle:
        await self
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.unroute()


_handles: list[HarRouteHandle] = []


def route_web_socket_from_har(
    har: dict[str, Any] | str,
    url: UrlMatch | None = None,
    match: str = "sequence",
    timing: str = "fast",
    strict: bool = True,
) -> HarRouteHandle:
    """Answers sockets matching `url` (default: any WebSocket URL in the HAR) from the HAR's recorded frames.

    `har` is a parsed HAR dict, a path in Pyodide's file system, or a URL to fetch (then await the handle before
    opening sockets). `match="sequence"` plays the received frames in order, each after the page sent the frames
    recorded before it (compared when `strict`: a mismatch closes the page socket with 1008). `timing="recorded"`
    keeps the recorded gaps. No entry for a socket's URL: the handshake fails when `strict`, else the socket goes
    to the real server.
    """
    if match != "sequence":
        raise ValueError(f'match must be "sequence", got {match!r}')
    if timing not in ("fast", "recorded"):
        raise ValueError(f'timing must be "fast" or "recorded", got {timing!r}')
    handle = HarRouteHandle()
    if isinstance(har, str) and os.path.isfile(har):
        with open(har, encoding="utf-8") as f:
            har = json.load(f)
    if isinstance(har, dict):
        handle._register(_to_js(har), url, match, timing, strict)
    elif isinstance(har, str):
        source = har

        async def load() -> None:
            loaded = await _wsbridge_js.harLoad(source)
            handle._register(loaded, url, match, timing, strict)

        handle._ready = asyncio.ensure_future(load())
    else:
        raise TypeError(f"har must be a HAR dict, a file path or a URL, not {type(har).__name__}")
    _handles.append(handle)
    return handle


class WebSocketRecorder:
    """What `record_web_socket` returns: `har()` is the HAR so far; `stop()` ends recording (and writes `path`)."""

    def __init__(self, js_recorder: Any, path: str | None) -> None:
        self._js = js_recorder
        self._path = path
        self._final: dict[str, Any] | None = None

    def har(self) -> dict[str, Any]:
        """The HAR 1.2 dict recorded so far: one entry per socket with `_webSocketMessages`."""
        if self._final is not None:
            return json.loads(json.dumps(self._final))
        return _to_py(self._js.har())

    def stop(self) -> dict[str, Any]:
        """Stops recording; writes the HAR as JSON to `path` when given; returns it."""
        if self._final is None:
            self._final = _to_py(self._js.stop())
            if self in _recorders:
                _recorders.remove(self)
            if self._path:
                directory = os.path.dirname(self._path)
                if directory:
                    os.makedirs(directory, exist_ok=True)
                with open(self._path, "w", encoding="utf-8") as f:
                    json.dump(self._final, f)
        return self.har()

    def __enter__(self) -> WebSocketRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _to_py(value: Any) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(js.JSON.stringify(value))
    return result


_recorders: list[WebSocketRecorder] = []


def record_web_socket(url: UrlMatch, path: str | None = None) -> WebSocketRecorder:
    """Records the sockets (native, passed through, routed) whose URL matches `url`, opened from now on."""
    try:
        recorder = WebSocketRecorder(_wsbridge_js.harRecord(None if url is None else _matcher(url)), path)
    except TypeError:
        raise
    except Exception as error:
        raise ValueError(_message(error)) from None
    _recorders.append(recorder)
    return recorder


@_lifecycle.on_reset
def _reset() -> None:
    """Removes replay routes and stops recorders (without writing their files)."""
    for handle in list(_handles):
        handle.unroute()
    for recorder in list(_recorders):
        recorder._path = None
        recorder.stop()
