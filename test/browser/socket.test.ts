// The Python WebSocket in real Chromium with real Pyodide against a real ws server.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, PRELUDE, taggedUrls, until, type PythonPage } from "./_python.js";

const fx = useBrowser();
let p: PythonPage;
const url = taggedUrls(fx);

beforeAll(async () => {
  p = await newPython(fx);
  await p.py.run(PRELUDE);
});
beforeEach(async () => {
  await p.py.runAsync("wsbridge._lifecycle.reset()\nawait settle()");
  p.console.length = 0;
});

describe("text and binary", () => {
  it("sends str as text and every contiguous buffer as exactly its bytes; binary comes back as memoryview", async () => {
    const u = url("/echo");
    const events = await p.py.runAsync<unknown[]>(`
import array
r = Rec(${JSON.stringify(u.full)})
ws = await r.open()
ws.send("héllo")
ws.send(b"\\x00\\x01\\xff")
ws.send(bytearray(b"ba"))
ws.send(memoryview(b"xxmvxx")[2:4])
ws.send(array.array("H", [1, 258]))          # non-'B' format: raw little-endian bytes
ws.send(memoryview(bytes(range(6))).cast("B", (2, 3)))  # 2-D
ws.send(memoryview(b"abcdef")[::2])         # not contiguous: copied first
ws.send(b"")
await r.messages(8)
ws.close()
await r.wait_closed()
`);
    void events;
    const got = await p.py.run<unknown[]>("r.events");
    expect(got).toEqual([
      ["open"],
      ["message", "héllo"],
      ["binary", "memoryview", [0, 1, 255]],
      ["binary", "memoryview", [98, 97]],
      ["binary", "memoryview", [109, 118]],
      ["binary", "memoryview", [1, 0, 2, 1]],
      ["binary", "memoryview", [0, 1, 2, 3, 4, 5]],
      ["binary", "memoryview", [97, 99, 101]],
      ["binary", "memoryview", []],
      ["close", 1005, "", true],
    ]);
    const frames = u.log()!.frames;
    expect(frames[0]).toBe("héllo");
    expect(frames.slice(1).map((f) => (Buffer.isBuffer(f) ? [...f] : f))).toEqual([[0, 1, 255], [98, 97], [109, 118], [1, 0, 2, 1], [0, 1, 2, 3, 4, 5], [97, 99, 101], []]);
  });

  it("keeps arrival order with binaryType='blob' under a mixed burst, close last", async () => {
    // /mixed sends 120 frames (every third binary: 200 kB and 10-byte Blobs alternate, so reads finish out of
    // order) and closes with 4100 right behind them: the close must wait for the last Blob.
    const u = url("/mixed?n=120");
    const result = await p.py.runAsync<{ events: unknown[][]; binaryType: string }>(`
r = Rec(${JSON.stringify(u.full)}, binaryType="blob")
await r.wait_closed(20)
{"events": [e if e[0] != "binary" else ["binary", e[1], len(e[2]), e[2][0], e[2][-1]] for e in r.events], "binaryType": r.ws.binaryType}
`);
    expect(result.binaryType).toBe("blob");
    const expected: unknown[][] = [["open"]];
    for (let i = 0; i < 120; i++) {
      if (i % 3 === 0) expected.push(["binary", "memoryview", i % 2 === 0 ? 200_000 : 10, i, i]);
      else expected.push(["message", `t${i}`]);
    }
    expected.push(["close", 4100, "done", true]);
    expect(result.events).toEqual(expected);
  });
});

describe("closing", () => {
  it("client close with code and reason reaches the server; both sides agree", async () => {
    const u = url("/echo");
    const events = await p.py.runAsync(`
r = Rec(${JSON.stringify(u.full)})
ws = await r.open()
ws.close(4000, "bye ✓")
await r.wait_closed()
`);
    void events;
    expect(await p.py.run("r.events")).toEqual([["open"], ["close", 4000, "bye ✓", true]]);
    await until(() => u.log()?.closed !== undefined);
    expect(u.log()!.closed).toEqual({ code: 4000, reason: "bye ✓" });
  });

  it("close(reason=...) without a code sends the reason with 1000; a 123-byte reason is allowed", async () => {
    const a = url("/echo");
    const b = url("/echo");
    const reason123 = "é".repeat(61) + "a";
    await p.py.runAsync(`
r1 = Rec(${JSON.stringify(a.full)}); ws1 = await r1.open(); ws1.close(reason="just because"); await r1.wait_closed()
r2 = Rec(${JSON.stringify(b.full)}); ws2 = await r2.open(); ws2.close(3000, ${JSON.stringify(reason123)}); await r2.wait_closed()
`);
    await until(() => a.log()?.closed !== undefined && b.log()?.closed !== undefined);
    expect(a.log()!.closed).toEqual({ code: 1000, reason: "just because" });
    expect(b.log()!.closed).toEqual({ code: 3000, reason: reason123 });
    expect(await p.py.run("r1.events[-1]")).toEqual(["close", 1000, "just because", true]);
  });

  it("server close with code and reason reaches Python", async () => {
    const u = url("/close?code=4001&reason=server%20says%20no&now=1");
    await p.py.runAsync(`r = Rec(${JSON.stringify(u.full)}); await r.wait_closed()`);
    expect(await p.py.run("r.events")).toEqual([["open"], ["close", 4001, "server says no", true]]);
  });

  it("server dying mid-stream: every frame, then error and close 1006 not clean", async () => {
    // Chromium fires only close 1006 when the TCP connection drops after the handshake; wsbridge promises Python
    // an error before every unclean close, so it supplies the error event.
    const u = url("/die?after=5");
    await p.py.runAsync(`r = Rec(${JSON.stringify(u.full)}); await r.wait_closed()`);
    expect(await p.py.run("r.events")).toEqual([
      ["open"], ["message", "0"], ["message", "1"], ["message", "2"], ["message", "3"], ["message", "4"], ["error"], ["close", 1006, "", false],
    ]);
    expect(await p.py.runAsync("await settle()")).toEqual({ sockets: 0, listeners: 0, proxies: 0 });
  });
});

describe("bad input", () => {
  it("raises exact exception types with the rule in the message", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<Record<string, [string, string]>>(`
from wsbridge.websocket import InvalidStateError
out = {}
def attempt(key, fn):
    try:
        fn()
        out[key] = ["no error", ""]
    except Exception as e:
        out[key] = [type(e).__name__, str(e)]

r = Rec(${JSON.stringify(u.full)})
attempt("send while connecting", lambda: r.ws.send("x"))
ws = await r.open()
attempt("send None", lambda: ws.send(None))
attempt("send int", lambda: ws.send(123))
attempt("send list over 255", lambda: ws.send([1, 300]))
attempt("send generator", lambda: ws.send(i for i in range(3)))
attempt("send list of str", lambda: ws.send(["a"]))
attempt("close 1001", lambda: ws.close(1001))
attempt("close 2999", lambda: ws.close(2999))
attempt("close 5000", lambda: ws.close(5000))
attempt("close str code", lambda: ws.close("1000"))
attempt("close long reason", lambda: ws.close(4000, "é" * 62))
attempt("close long reason no code", lambda: ws.close(reason="a" * 124))
attempt("handler not callable", lambda: setattr(ws, "onmessage", 5))
attempt("bad scheme", lambda: WebSocket("ftp://127.0.0.1/"))
attempt("fragment", lambda: WebSocket(${JSON.stringify(u.full)} + "#frag"))
out["still open"] = [str(ws.readyState), ""]
out["InvalidStateError is RuntimeError"] = [str(issubclass(InvalidStateError, RuntimeError)), ""]
ws.close()
await r.wait_closed()
out
`);
    expect(got["send while connecting"]).toEqual(["InvalidStateError", "WebSocket.send() called while the socket is still CONNECTING; wait for onopen"]);
    const typeMsg = (t: string) => [
      "TypeError",
      `WebSocket.send() takes str, a bytes-like object (bytes, bytearray, memoryview), a JS ArrayBuffer or typed array, or a sized iterable of ints 0-255, not ${t}`,
    ];
    expect(got["send None"]).toEqual(typeMsg("NoneType"));
    expect(got["send int"]).toEqual(typeMsg("int"));
    expect(got["send generator"]).toEqual(typeMsg("generator"));
    expect(got["send list over 255"]).toEqual(["ValueError", "WebSocket.send() takes a sequence of ints only in the range 0-255"]);
    expect(got["send list of str"]).toEqual(["TypeError", "WebSocket.send() takes a sequence of ints 0-255, but this list holds other values"]);
    for (const c of [1001, 2999, 5000]) expect(got[`close ${c}`]).toEqual(["ValueError", `close code must be 1000 or in the range 3000-4999, got ${c}`]);
    expect(got["close str code"]).toEqual(["TypeError", "close code must be an int, not str"]);
    expect(got["close long reason"]).toEqual(["ValueError", "close reason must be at most 123 UTF-8 bytes, got 124"]);
    expect(got["close long reason no code"]).toEqual(["ValueError", "close reason must be at most 123 UTF-8 bytes, got 124"]);
    expect(got["handler not callable"]).toEqual(["TypeError", "onmessage must be callable or None, not int"]);
    expect(got["bad scheme"]![0]).toBe("ValueError");
    expect(got["bad scheme"]![1]).toContain("'ftp' is not allowed");
    expect(got["fragment"]![0]).toBe("ValueError");
    expect(got["fragment"]![1]).toMatch(/fragment/i);
    expect(got["still open"]![0]).toBe("1");
    expect(got["InvalidStateError is RuntimeError"]![0]).toBe("True");
    // Nothing bad reached the server: the rejected calls sent no frame.
    expect(u.log()!.frames).toEqual([]);
    // A constructor that failed left no proxy or listener behind.
    expect(await p.py.runAsync("await settle()")).toEqual({ sockets: 0, listeners: 0, proxies: 0 });
  });
});

describe("handlers", () => {
  it("serial=True (opt-in) awaits async handlers in order: a sleeping handler never overlaps the next, sync handlers keep their place", async () => {
    const u = url("/burst?n=6");
    const log = await p.py.runAsync<string[]>(`
log = []
async def onmessage(e):
    log.append(f"start {e.data}")
    await asyncio.sleep(0.05 if e.data in ("0", "3") else 0)
    log.append(f"end {e.data}")
def returns_awaitable(e):
    # a plain function returning a coroutine is awaited too
    async def later():
        await asyncio.sleep(0.02)
        log.append("open done")
    return later()
r = Rec(${JSON.stringify(u.full)}, serial=True, onopen=returns_awaitable, onmessage=onmessage, onclose=lambda e: log.append(f"close {e.code}"))
await asyncio.sleep(0.02)
r.ws.close(4002)
await asyncio.sleep(0)
for _ in range(300):
    if log and log[-1].startswith("close"):
        break
    await asyncio.sleep(0.01)
log
`);
    const expected = ["open done"];
    for (let i = 0; i < 6; i++) expected.push(`start ${i}`, `end ${i}`);
    expected.push("close 4002");
    expect(log).toEqual(expected);
  });

  it("reassigning a handler is a Python attribute change (one proxy); = None and del clear it", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<Record<string, unknown>>(`
seen = []
r = Rec(${JSON.stringify(u.full)})
ws = await r.open()
def h1(e):
    seen.append(["h1", e.data])
    ws.onmessage = h2
def h2(e):
    seen.append(["h2", e.data])
ws.onmessage = h1
assert ws.onmessage is h1
proxies_before = stats()["proxies"]
ws.send("a"); ws.send("b")
while len(seen) < 2: await asyncio.sleep(0.01)
ws.onmessage = None
ws.send("ignored")
ws.send("ignored too")
await asyncio.sleep(0.1)
ws.onmessage = h2
ws.send("c")
while len(seen) < 3: await asyncio.sleep(0.01)
del ws.onmessage
ws.send("gone")
await asyncio.sleep(0.1)
out = {"seen": seen, "proxies_before": proxies_before, "proxies_after": stats()["proxies"], "handler": repr(ws.onmessage)}
ws.close()
await r.wait_closed()
out
`);
    expect(got).toEqual({ seen: [["h1", "a"], ["h2", "b"], ["h2", "c"]], proxies_before: 1, proxies_after: 1, handler: "None" });
    expect(p.console.filter((l) => l.startsWith("error"))).toEqual([]);
  });

  it("an exception in a handler is logged with its traceback and the socket keeps receiving", async () => {
    const u = url("/burst?n=4");
    const got = await p.py.runAsync<Record<string, unknown>>(`
records = []
class Capture(logging.Handler):
    def emit(self, record):
        records.append([record.name, record.levelname, record.getMessage(), record.exc_info[0].__name__ if record.exc_info else None])
cap = Capture()
logging.getLogger("wsbridge").addHandler(cap)
seen = []
def onmessage(e):
    seen.append(e.data)
    if e.data == "0":
        raise ValueError("boom in sync handler")
async def onmessage_async(e):
    seen.append(e.data)
    if e.data == "echo":
        raise KeyError("boom in async handler")
r = Rec(${JSON.stringify(u.full)}, onmessage=onmessage)
while len(seen) < 4: await asyncio.sleep(0.01)
r.ws.onmessage = onmessage_async
r.ws.send("echo"); r.ws.send("after")
while len(seen) < 6: await asyncio.sleep(0.01)
logging.getLogger("wsbridge").removeHandler(cap)
r.ws.close()
await r.wait_closed()
{"seen": seen, "records": records, "state": r.events[-1]}
`);
    expect(got.seen).toEqual(["0", "1", "2", "3", "echo", "after"]);
    expect(got.records).toEqual([
      ["wsbridge", "ERROR", `exception in WebSocket onmessage handler (${u.full})`, "ValueError"],
      ["wsbridge", "ERROR", `exception in WebSocket onmessage handler (${u.full})`, "KeyError"],
    ]);
    expect(got.state).toEqual(["close", 1005, "", true]);
    const errors = p.console.filter((l) => l.startsWith("error"));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("Traceback (most recent call last)");
    expect(errors[0]).toContain("ValueError: boom in sync handler");
    expect(errors[0]).toContain("in onmessage");
    expect(errors[1]).toContain("KeyError: 'boom in async handler'");
  });
});

describe("pass-through and events", () => {
  it("reads and writes browser attributes, exposes constants, and wraps events", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<Record<string, unknown>>(`
ev = {}
def onmessage(e):
    ev["type"] = e.type
    ev["same data object"] = e.data is e.data
    ev["target is ws"] = e.target is ws
    ev["origin"] = e.origin
    ev["is WebSocketEvent"] = isinstance(e, WebSocketEvent)
r = Rec(${JSON.stringify(u.full)}, ["chat", "v2"], onmessage=onmessage)
ws = r.ws
out = {"connecting": ws.readyState, "consts": [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]}
await r.open()
out["open"] = ws.readyState
out["protocol"] = ws.protocol
out["url"] = ws.url
out["bufferedAmount"] = ws.bufferedAmount
out["binaryType default"] = ws.binaryType
ws.binaryType = "blob"
out["binaryType set"] = ws.binaryType
ws.send(b"x")
while not ev: await asyncio.sleep(0.01)
ws.close()
out["closing"] = ws.readyState
await r.wait_closed()
out["closed"] = ws.readyState
out["ev"] = ev
out
`);
    expect(got).toEqual({
      connecting: 0,
      consts: [0, 1, 2, 3],
      open: 1,
      protocol: "chat",
      url: u.full,
      bufferedAmount: 0,
      "binaryType default": "arraybuffer",
      "binaryType set": "blob",
      closing: 2,
      closed: 3,
      ev: { type: "message", "same data object": true, "target is ws": true, origin: fx.server.url, "is WebSocketEvent": true },
    });
  });
});

describe("reset", () => {
  it("_lifecycle.reset() closes every open socket and releases it without calling its handlers", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<Record<string, unknown>>(`
r = Rec(${JSON.stringify(u.full)})
ws = await r.open()
before = stats()
wsbridge._lifecycle.reset()
after = stats()
await asyncio.sleep(0.1)
{"before": before, "after": after, "events": r.events, "state": ws.readyState}
`);
    expect(got.before).toEqual({ sockets: 1, listeners: 4, proxies: 1 });
    expect(got.after).toEqual({ sockets: 0, listeners: 0, proxies: 0 });
    expect(got.events).toEqual([["open"]]);
    expect(got.state).toBe(3);
    await until(() => u.log()?.closed !== undefined);
    expect(u.log()!.closed).toEqual({ code: 1000, reason: "wsbridge reset" });
  });
});
