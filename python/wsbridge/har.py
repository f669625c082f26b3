"""Replay and recording: `route_web_socket_from_har` answers sockets from a HAR's WebSocket entries (Chrome's
`_webSocketMessages`); `record_web_socket` records the page's sockets into a HAR. The engine is JS
(src/route/har.ts, src/inspect/recorder.ts: it checks the HAR and the options); this is its face."""
from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Generator
from typing import Any

from . import _lifecycle
from ._js import call, engine, js, settle, to_js
from .route import Handle, UrlMatch, _matcher


class HarRouteHandle(Handle):
    """What `route_web_socket_from_har` returns (see `route.Handle`); awaiting it waits for a URL's HAR to load."""

    def __init__(self) -> None:
        self._token: int | None = None
        self._removed = False
        self._ready: asyncio.Future[None] | None = None

    @property
    def active(self) -> bool:
        return self._token is not None and bool(engine.harAlive(self._token))

    def _register(self, har: Any, url: UrlMatch | None, match: str, timing: str, strict: bool) -> None:
        if not self._removed:
            self._token = int(call(engine.harRoute, har, None if url is None else _matcher(url), match, timing, bool(strict)))

    def unroute(self) -> None:
        """Removes the replay route for sockets created from now on (idempotent)."""
        self._removed = True
        if self._token is not None:
            engine.harRemove(self._token)
        if self in _handles:
            _handles.remove(self)

    def __await__(self) -> Generator[Any, None, None]:
        if self._ready is not None:
            yield from self._ready.__await__()
        return None


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
    handle = HarRouteHandle()
    if isinstance(har, str) and os.path.isfile(har):
        with open(har, encoding="utf-8") as f:
            har = json.load(f)
    if isinstance(har, dict):
        handle._register(to_js(har, dict_converter=js.Object.fromEntries), url, match, timing, strict)
    elif isinstance(har, str):

        async def load(source: str = har) -> None:
            handle._register(await settle(engine.harLoad(source)), url, match, timing, strict)

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
        self._final: str | None = None  # the HAR's JSON once stopped

    def har(self) -> dict[str, Any]:
        """The HAR 1.2 dict recorded so far: one entry per socket with `_webSocketMessages`."""
        result: dict[str, Any] = json.loads(self._final or js.JSON.stringify(self._js.har()))
        return result

    def stop(self) -> dict[str, Any]:
        """Stops recording; writes the HAR as JSON to `path` when given; returns it."""
        if self._final is None:
            self._final = str(js.JSON.stringify(self._js.stop()))
            if self in _recorders:
                _recorders.remove(self)
            if self._path:
                os.makedirs(os.path.dirname(self._path) or ".", exist_ok=True)
                with open(self._path, "w", encoding="utf-8") as f:
                    f.write(self._final)
        return self.har()

    def __enter__(self) -> WebSocketRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_recorders: list[WebSocketRecorder] = []


def record_web_socket(url: UrlMatch, path: str | None = None) -> WebSocketRecorder:
    """Records the sockets (native, passed through, routed) whose URL matches `url`, opened from now on."""
    recorder = WebSocketRecorder(call(engine.harRecord, None if url is None else _matcher(url)), path)
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
