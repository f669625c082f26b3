"""Replay and recording: `route_web_socket_from_har` answers sockets from a HAR's WebSocket entries (Chrome's
`_webSocketMessages`); `record_web_socket` records the page's sockets into a HAR. The engine is JS
(src/har/har.ts, src/inspect/recorder.ts, src/pyodide/har-bridge.ts: it reads, fetches, checks and writes the
HAR and drops it all on reset); this is its face."""
from __future__ import annotations

import json
import os
from collections.abc import Generator
from typing import Any

from . import _lifecycle
from ._js import call, engine, js, settle, to_js
from .route import Handle, UrlMatch, _matcher


class HarRouteHandle(Handle):
    """What `route_web_socket_from_har` returns (see `route.Handle`); awaiting it waits for a URL's HAR to load."""

    _alive = staticmethod(engine.harAlive)
    _remove = staticmethod(engine.harRemove)

    def __init__(self, token: int) -> None:
        self._token = token

    def __await__(self) -> Generator[Any, None, None]:
        yield from settle(engine.harReady(self._token)).__await__()


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
    if not isinstance(har, (dict, str)):
        raise TypeError(f"har must be a HAR dict, a file path or a URL, not {type(har).__name__}")
    source = to_js(har, dict_converter=js.Object.fromEntries) if isinstance(har, dict) else har
    return HarRouteHandle(int(call(engine.harRoute, source, None if url is None else _matcher(url), match, timing, bool(strict))))


class WebSocketRecorder:
    """What `record_web_socket` returns: `har()` is the HAR so far; `stop()` ends recording (and writes `path`)."""

    def __init__(self, js_recorder: engine.RecorderHandle) -> None:
        self._js = js_recorder

    def har(self) -> dict[str, Any]:
        """The HAR 1.2 dict recorded so far: one entry per socket with `_webSocketMessages`."""
        return json.loads(self._js.har())  # type: ignore[no-any-return]

    def stop(self) -> dict[str, Any]:
        """Stops recording; writes the HAR as JSON to `path` when given; returns it."""
        return json.loads(self._js.stop())  # type: ignore[no-any-return]

    def __enter__(self) -> WebSocketRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def record_web_socket(url: UrlMatch, path: str | os.PathLike[str] | None = None) -> WebSocketRecorder:
    """Records the sockets (native, passed through, routed) whose URL matches `url`, opened from now on."""
    return WebSocketRecorder(call(engine.harRecord, None if url is None else _matcher(url), None if path is None else os.fspath(path)))


_lifecycle.on_reset(lambda: engine.harReset())  # removes replay routes, stops recorders without writing their files
