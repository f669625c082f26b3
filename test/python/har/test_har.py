"""Recording (record_web_socket) and replay (route_web_socket_from_har) from Python: a conversation recorded against
the runner's real echo server is replayed where no server listens, with the page's socket opened by page JS."""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyodide.code import run_js  # type: ignore[import-not-found]

from wsbridge import record_web_socket, route_web_socket, route_web_socket_from_har

from support import ServerLog

#: A URL where nothing listens (the discard port): only a route can answer it.
NOWHERE = "ws://127.0.0.1:9"

# Page JS: opens `url`, sends `sends` once open (str as text, a list of ints as binary), waits for `n` messages, then
# closes with `close` ([code, reason]) or stops there. Resolves with the page's log and each message's arrival time.
_CONVERSATION_JS = """(url, sendsJson, n, closeJson) => new Promise((resolve) => {
  const log = []; const times = []; const sends = JSON.parse(sendsJson); const close = JSON.parse(closeJson);
  const ws = new WebSocket(url); ws.binaryType = "arraybuffer"; let got = 0;
  const finish = () => resolve(JSON.stringify({ log, times }));
  const timer = setTimeout(() => { log.push(["timeout", ws.readyState]); finish(); }, 8000);
  ws.onopen = () => { log.push(["open"]); for (const s of sends) ws.send(typeof s === "string" ? s : new Uint8Array(s)); };
  ws.onmessage = (e) => {
    times.push(performance.now());
    log.push(typeof e.data === "string" ? e.data : "bin:" + Array.from(new Uint8Array(e.data)).join(","));
    if (++got === n) { if (close) ws.close(close[0], close[1]); else { clearTimeout(timer); finish(); } }
  };
  ws.onerror = () => log.push(["error", ws.readyState]);
  ws.onclose = (e) => { log.push(["close", e.code, e.reason, e.wasClean]); clearTimeout(timer); finish(); };
})"""


@dataclass
class Conversation:
    log: list[Any]
    times: list[float]  # ms, performance.now() at each message


async def converse(
    url: str, sends: Sequence[str | list[int]] = (), n: int = 0, close: tuple[int, str] | None = None
) -> Conversation:
    text = await run_js(_CONVERSATION_JS)(url, json.dumps(list(sends)), n, json.dumps(close))
    result = json.loads(text)
    return Conversation(result["log"], result["times"])


def entry(url: str, messages: list[dict[str, Any]], started: str = "") -> dict[str, Any]:
    return {
        "startedDateTime": started, "request": {"url": url}, "response": {"status": 101},
        "_resourceType": "websocket", "_webSocketMessages": messages,
    }


def har_of(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "entries": list(entries)}}


def msg(kind: str, data: str, t: float = 0.0, opcode: int = 1) -> dict[str, Any]:
    return {"type": kind, "time": t, "opcode": opcode, "data": data}


async def test_a_recorded_echo_conversation_replays_with_no_server_behind_the_url(server_log: ServerLog, tmp_path: Path):
    recording_path = tmp_path / "rec.har"
    url = server_log.url("/echo?rec=1")
    talk = (["hello", [1, 2, 3], "bye"], 3, (1000, "done"))
    recorder = record_web_socket("**/echo*", path=str(recording_path))
    recorded = await converse(url, *talk)
    har = recorder.stop()
    assert recorded.log == [["open"], "hello", "bin:1,2,3", "bye", ["close", 1000, "done", True]]

    assert har["log"]["version"] == "1.2"
    [e] = har["log"]["entries"]
    assert e["request"]["url"] == url
    assert e["response"]["status"] == 101
    assert e["_resourceType"] == "websocket"
    messages = e["_webSocketMessages"]
    frames = [[1, "hello"], [2, "AQID"], [1, "bye"]]  # binary as base64
    assert [[m["opcode"], m["data"]] for m in messages if m["type"] == "send"] == frames
    assert [[m["opcode"], m["data"]] for m in messages if m["type"] == "receive"] == frames
    assert abs(messages[0]["time"] - time.time()) < 60  # seconds since the epoch
    assert json.loads(recording_path.read_text())["log"]["entries"][0]["_webSocketMessages"] == messages

    # Replay where no server listens, from a file in Pyodide's file system: the frames come from the HAR alone.
    e["request"]["url"] = url.replace(server_log.server.base, NOWHERE)
    replay_path = tmp_path / "replay.har"
    replay_path.write_text(json.dumps(har))
    with route_web_socket_from_har(str(replay_path)):
        replayed = await converse(url.replace(server_log.server.base, NOWHERE), *talk)
    assert replayed.log == recorded.log
    assert [c.path for c in await server_log.received()] == ["/echo?rec=1&log=" + server_log.key]


async def test_recording_sees_native_and_routed_sockets(ws_server):
    recorder = record_web_socket(lambda u: "/seen" in u)

    def upper(ws):
        ws.on_message(lambda m: ws.send(m.upper()))

    with route_web_socket("**/seen-mock", upper):
        await converse(ws_server.url("/seen-mock"), ["abc"], 1, (1000, ""))
    await converse(ws_server.url("/seen-native"), ["def"], 1, (1000, ""))
    har = recorder.stop()
    assert [
        [e["request"]["url"].replace(ws_server.base, ""), [m["data"] for m in e["_webSocketMessages"]]]
        for e in har["log"]["entries"]
    ] == [["/seen-mock", ["abc", "ABC"]], ["/seen-native", ["def", "def"]]]


async def test_strict_replay_closes_with_1008_on_a_page_frame_that_differs_from_the_recording():
    har = har_of(entry(NOWHERE + "/m", [msg("send", "hello"), msg("receive", "world")]))
    with route_web_socket_from_har(har):
        strict = await converse(NOWHERE + "/m", ["nope"], 1)
    opened, (event, code, reason, clean) = strict.log
    assert opened == ["open"]
    assert (event, code, clean) == ("close", 1008, True)
    assert '"hello"' in reason and '"nope"' in reason  # the reason names what was expected and what came
    with route_web_socket_from_har(har, strict=False):
        lax = await converse(NOWHERE + "/m", ["nope"], 1)
    assert lax.log == [["open"], "world"]


async def test_a_url_missing_from_the_har_fails_the_handshake_when_strict_and_reaches_the_server_when_not(
    ws_server, server_log: ServerLog
):
    har = har_of(entry(ws_server.url("/recorded"), [msg("receive", "x")]))
    with route_web_socket_from_har(har, url=ws_server.url("/**")):
        strict = await converse(server_log.url("/echo?missing=1"), ["ping"], 1)
    with route_web_socket_from_har(har, url=ws_server.url("/**"), strict=False):
        lax = await converse(server_log.url("/echo?missing=2"), ["ping"], 1)
    assert strict.log == [["error", 3], ["close", 1006, "", False]]
    assert lax.log == [["open"], "ping"]
    assert [c.path for c in await server_log.received()] == ["/echo?missing=2&log=" + server_log.key]


@pytest.fixture
def timed_har() -> dict[str, Any]:
    """A HAR whose three replies were recorded 300 ms apart."""
    t0 = 1700000000.0  # = startedDateTime
    messages = [
        msg("send", "go", t0 + 0.05), msg("receive", "a", t0 + 0.10), msg("receive", "b", t0 + 0.40),
        msg("receive", "c", t0 + 0.70),
    ]
    return har_of(entry(NOWHERE + "/t", messages, "2023-11-14T22:13:20.000Z"))


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:])]


async def test_fast_timing_replays_without_the_recorded_gaps(timed_har):
    with route_web_socket_from_har(timed_har):
        fast = await converse(NOWHERE + "/t", ["go"], 3)
    assert fast.log == [["open"], "a", "b", "c"]
    assert all(gap < 100 for gap in gaps(fast.times)), fast.times


async def test_recorded_timing_keeps_the_recorded_gaps(timed_har):
    with route_web_socket_from_har(timed_har, timing="recorded"):
        recorded = await converse(NOWHERE + "/t", ["go"], 3)
    assert recorded.log == [["open"], "a", "b", "c"]
    assert all(gap >= 295 for gap in gaps(recorded.times)), recorded.times
