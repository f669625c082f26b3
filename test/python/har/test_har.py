"""Recording (record_web_socket) and replay (route_web_socket_from_har) from Python: a conversation recorded against
the runner's real echo server is replayed where no server listens, with the page's socket opened by page JS."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyodide.code import run_js  # type: ignore[import-not-found]

import _wsbridge_js  # type: ignore[import-not-found]

from wsbridge import WebSocket, _lifecycle, record_web_socket, route_web_socket, route_web_socket_from_har

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


def data_url(har: dict[str, Any]) -> str:
    """A URL the page can fetch the HAR from (no server needed)."""
    return "data:application/json," + urllib.parse.quote(json.dumps(har))


def predicates() -> int:
    """Python URL predicates the engine holds (a replay route's or recorder's callable `url`)."""
    return int(_wsbridge_js.proxyStats().predicate)


async def test_a_har_from_a_url_routes_once_the_awaited_handle_says_it_loaded():
    har = har_of(entry(NOWHERE + "/u", [msg("receive", "from a url")]))
    handle = route_web_socket_from_har(data_url(har), url=lambda u: u.endswith("/u"))
    assert not handle.active  # still loading
    assert await handle is None
    assert handle.active
    replayed = await converse(NOWHERE + "/u", [], 1)
    assert replayed.log == [["open"], "from a url"]
    handle.unroute()
    await asyncio.sleep(0)
    assert not handle.active and predicates() == 0


async def test_a_har_that_fails_to_load_raises_when_the_handle_is_awaited_and_routes_nothing():
    handle = route_web_socket_from_har("data:application/json,{not json", url=lambda u: True)
    with pytest.raises(ValueError):  # the JS JSON.parse error (a SyntaxError), as errors.from_js maps it
        await handle
    assert not handle.active
    await asyncio.sleep(0)
    assert predicates() == 0
    handle.unroute()  # still fine


async def test_a_har_unrouted_before_it_loaded_never_routes():
    har = har_of(entry(NOWHERE + "/early", [msg("receive", "x")]))
    handle = route_web_socket_from_har(data_url(har), url=lambda u: True)
    handle.unroute()
    await handle
    assert not handle.active
    strict = await converse(NOWHERE + "/early", [], 1)
    assert strict.log[-1][:2] == ["close", 1006]  # nothing answered: the connection to nowhere failed
    await asyncio.sleep(0)
    assert predicates() == 0


async def test_reset_removes_replay_routes_and_stops_recorders_without_writing_their_files(tmp_path: Path):
    handle = route_web_socket_from_har(har_of(entry(NOWHERE + "/r", [])))
    recorder = record_web_socket(lambda u: True, path=tmp_path / "never.har")  # any os.PathLike
    _lifecycle.reset()
    assert not handle.active
    assert recorder.stop()["log"]["entries"] == []
    assert not (tmp_path / "never.har").exists()
    await asyncio.sleep(0)
    assert predicates() == 0


async def test_a_recording_path_is_written_with_its_folders_and_har_is_frozen_once_stopped(ws_server, tmp_path: Path):
    path = tmp_path / "deep" / "er" / "rec.har"
    with record_web_socket(lambda u: "frozen" in u, path=path) as recorder:
        ws = WebSocket(ws_server.url("/echo?frozen"))  # stays open past stop()
        await asyncio.sleep(0.05)
    first = recorder.har()
    await asyncio.sleep(0.05)
    assert recorder.har() == first == json.loads(path.read_text())
    [e] = first["log"]["entries"]
    assert e["request"]["url"].endswith("?frozen")
    ws.close()


# --- match="request" ---

_REQUESTS = har_of(entry(NOWHERE + "/rpc", [
    msg("receive", "hello"),                       # sent at open
    msg("send", "get a"), msg("receive", "a1"), msg("receive", "a2"),
    msg("send", "get b"), msg("receive", "b1"),
]))


async def test_by_request_answers_each_message_with_what_followed_it_whatever_the_order():
    route_web_socket_from_har(_REQUESTS, match="request")
    # b before a, and a retried: each is answered by the frames recorded after it (a retry replays them again).
    talk = await converse(NOWHERE + "/rpc", ["get b", "get a", "get a"], 6)
    assert talk.log == [["open"], "hello", "b1", "a1", "a2", "a1", "a2"]
    assert json.loads(_wsbridge_js.harFailures()) == []


async def test_by_request_an_unexpected_message_closes_1008_naming_both_frames():
    route_web_socket_from_har(_REQUESTS, match="request")
    talk = await converse(NOWHERE + "/rpc", ["get c"], 2)
    assert talk.log[:2] == [["open"], "hello"]
    assert talk.log[-1] == ["close", 1008, 'HAR replay: unexpected "get c", expected "get a"', True]
    failures = json.loads(_wsbridge_js.harFailures())
    assert failures[0] == f'HAR replay of {NOWHERE}/rpc: unexpected "get c", the recording\'s next unanswered request is "get a"'


def test_match_must_be_sequence_or_request():
    with pytest.raises(ValueError, match='match must be "sequence" or "request", got "byte"'):
        route_web_socket_from_har(_REQUESTS, match="byte")
