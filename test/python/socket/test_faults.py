"""Reliability faults, from a Python socket: the server killed mid-stream, handshakes refused, the server closing right
behind a burst, 16 MiB frames. (A worker terminated mid-stream stays in test/reliability/faults.test.ts: it starts a
second Pyodide in a worker and reads the soak server's acks from Node.)"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from wsbridge import WebSocket, WebSocketEvent

#: Frames in the mid-stream faults: enough that the fault lands in a stream, not after a handful of frames.
STREAM = 10_000


@dataclass
class Seen:
    """What a socket saw: every non-message event in order (close with its code), and its messages."""

    events: list[list[Any]] = field(default_factory=list)
    messages: list[str | bytes] = field(default_factory=list)
    close_reason: str | None = None


async def events_of(url: str, binary_type: str = "arraybuffer", send: str | bytes | None = None) -> Seen:
    """Opens `url` with `binary_type` and records it until its close; with `send`, sends it once open and closes with
    1000 after the first message."""
    seen = Seen()
    done = asyncio.get_running_loop().create_future()
    ws = WebSocket(url)
    ws.binaryType = binary_type

    def on(e: WebSocketEvent) -> None:
        if e.type == "message":
            data: Any = e.data
            seen.messages.append(data if isinstance(data, str) else bytes(data))
            if send is not None:
                ws.close(1000)
            return
        seen.events.append([e.type, e.code] if e.type == "close" else [e.type])
        if e.type == "open" and send is not None:
            ws.send(send)
        if e.type == "close":
            seen.close_reason = e.reason
            done.set_result(None)

    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = on
    await done
    return seen


@pytest.mark.timeout(60)
async def test_a_server_killed_mid_stream_delivers_every_frame_then_error_then_close_1006(ws_server):
    seen = await events_of(ws_server.url(f"/die?after={STREAM}"))
    assert seen.messages == [str(i) for i in range(STREAM)]
    assert seen.events == [["open"], ["error"], ["close", 1006]]


@pytest.mark.parametrize("status", [400, 403, 503])
async def test_a_refused_handshake_gives_error_then_close_1006_and_no_message(ws_server, status):
    seen = await events_of(ws_server.url(f"/reject?status={status}"))
    assert seen.events == [["error"], ["close", 1006]]
    assert seen.messages == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize("binary_type", ["arraybuffer", "blob"])
@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
async def test_a_close_right_behind_a_burst_comes_after_every_frame(ws_server, binary_type, binary):
    seen = await events_of(ws_server.url(f"/burst?n={STREAM}&binary={int(binary)}&close=4001&reason=bye"), binary_type)
    expected = [i.to_bytes(4, "big") if binary else str(i) for i in range(STREAM)]
    # The count first: a missing frame reads as a short message, not a 10,000-item diff.
    assert len(seen.messages) == STREAM
    assert seen.messages == expected
    assert seen.events == [["open"], ["close", 4001]]
    assert seen.close_reason == "bye"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("binary_type", ["arraybuffer", "blob"])
async def test_a_16_mib_binary_frame_round_trips_intact(ws_server, binary_type):
    payload = bytes(range(256)) * (16 * 4096)
    assert len(payload) == 16 * 2**20
    seen = await events_of(ws_server.url("/echo"), binary_type, send=payload)
    assert len(seen.messages) == 1
    echoed = seen.messages[0]
    assert isinstance(echoed, bytes) and len(echoed) == len(payload)
    # Digests, not the payload: a failing compare of 16 MiB would print all of it.
    assert hashlib.sha256(echoed).hexdigest() == hashlib.sha256(payload).hexdigest()
    assert seen.events == [["open"], ["close", 1000]]
