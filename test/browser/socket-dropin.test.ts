// Drop-in parity with pyscript.websocket (issue 10) and URL checks (issue 12): real Chromium, Pyodide and ws server.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, PRELUDE, taggedUrls, until, WAIT_FOR, type PythonPage } from "./_python.js";

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

const WAIT = WAIT_FOR;

describe("async handlers never block later events", () => {
  it("an async onopen running a keep-alive loop for the socket's life: messages still arrive", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<Record<string, unknown>>(`${WAIT}
seen = []
state = {"running": False, "pings": 0}
async def onopen(e):
    state["running"] = True
    own = e.target                              # this socket, not the global ws a later test rebinds
    while own.readyState == WebSocket.OPEN:     # a keep-alive loop: ends only with the socket
        own.send("ping")
        state["pings"] += 1
        await asyncio.sleep(0.05)
    state["running"] = False
def onmessage(e):
    seen.append(e.data)
ws = WebSocket(${JSON.stringify(u.full)}, onopen=onopen, onmessage=onmessage)
await wait_for(lambda: state["running"])
ws.send("hello")
arrived = await wait_for(lambda: "hello" in seen)
out = {"arrived": arrived, "loop still running": state["running"], "first": seen[:1]}
ws.close()
await settle()
out`);
    expect(got).toEqual({ arrived: true, "loop still running": true, first: ["ping"] });
  });

  it("an async onmessage awaiting a future that a later message resolves finishes (no deadlock)", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<unknown[]>(`${WAIT}
log = []
release = asyncio.get_event_loop().create_future()
async def onmessage(e):
    log.append("got " + e.data)
    if e.data == "wait":
        value = await release                   # resolved by the handler of the next message
        log.append("released by " + value)
    elif e.data == "go":
        release.set_result("go")
r = Rec(${JSON.stringify(u.full)}, onmessage=onmessage)
ws = await r.open()
ws.send("wait"); ws.send("go")
await wait_for(lambda: len(log) == 3)
ws.close()
await r.wait_closed()
log`);
    expect(got).toEqual(["got wait", "got go", "released by go"]);
  });

  it("each handler call starts in event order (up to its first await), sync and async mixed, close last", async () => {
    const u = url("/burst?n=6");
    const got = await p.py.runAsync<string[]>(`${WAIT}
log = []
hold = asyncio.get_event_loop().create_future()
async def onopen(e):
    log.append("open start")
    await asyncio.sleep(0)
    log.append("open end")
async def onmessage(e):
    log.append("start " + e.data)
    if e.data == "0":
        await hold                              # held until the close: later messages must not wait for it
    else:
        await asyncio.sleep(0)
    log.append("end " + e.data)
def onclose(e):
    log.append("close")
    hold.set_result(None)
ws = WebSocket(${JSON.stringify(u.full)}, onopen=onopen, onclose=onclose)
ws.onmessage = onmessage
await wait_for(lambda: len([x for x in log if x.startswith("start")]) == 6)
ws.close()
await wait_for(lambda: "end 0" in log)
log`);
    const starts = got.filter((x) => x.startsWith("start") || x === "open start" || x === "close");
    expect(starts).toEqual(["open start", "start 0", "start 1", "start 2", "start 3", "start 4", "start 5", "close"]);
    // Message 0 was still waiting when all others had finished; it ends only after the close released it.
    for (let i = 1; i < 6; i++) expect(got.indexOf(`end ${i}`)).toBeLessThan(got.indexOf("close"));
    expect(got.indexOf("end 0")).toBeGreaterThan(got.indexOf("close"));
    // The code before the first await ran when the event came: "start i" directly after the previous start's
    // own synchronous part, never behind another handler's awaited work.
    expect(got.indexOf("start 0")).toBeLessThan(got.indexOf("end 1"));
  });

  it("an exception raised after an await in an async handler is reported and later events still arrive", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<string[]>(`${WAIT}
seen = []
async def onmessage(e):
    seen.append(e.data)
    await asyncio.sleep(0)
    if e.data == "bad":
        raise KeyError("late boom")
r = Rec(${JSON.stringify(u.full)}, onmessage=onmessage)
ws = await r.open()
ws.send("bad"); ws.send("after")
await wait_for(lambda: len(seen) == 2)
ws.close()
await r.wait_closed()
seen`);
    expect(got).toEqual(["bad", "after"]);
    await until(() => p.console.some((l) => l.includes("KeyError: 'late boom'")));
  });
});

describe("pyscript.websocket surface", () => {
  it("_js_websocket is the browser's WebSocket", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync<Record<string, unknown>>(`
import js
r = Rec(${JSON.stringify(u.full)})
ws = await r.open()
raw = ws._js_websocket
raw.binaryType = "blob"
out = {
    "is a browser WebSocket": bool(js.Object.prototype.toString.call(raw) == "[object WebSocket]"),
    "url": raw.url, "readyState": raw.readyState, "binaryType seen by ws": ws.binaryType,
}
ws.close()
await r.wait_closed()
out`);
    expect(got).toEqual({ "is a browser WebSocket": true, url: u.full, readyState: 1, "binaryType seen by ws": "blob" });
  });

  it("send() takes JS ArrayBuffer / typed arrays / DataView and sized iterables of ints, as pyscript's does", async () => {
    const u = url("/echo");
    await p.py.runAsync(`
import js
r = Rec(${JSON.stringify(u.full)})
ws = await r.open()
buffer = js.Uint8Array.new([9, 8, 7, 6]).buffer
ws.send(buffer)                                          # ArrayBuffer
ws.send(js.Uint8Array.new(buffer, 1, 2))                 # a view into part of a buffer: just its bytes
ws.send(js.Uint16Array.new([1, 258]))                    # non-byte items: their raw bytes
ws.send(js.DataView.new(buffer, 2))                      # DataView
ws.send([0, 1, 255])                                     # list of ints
ws.send((4, 5))                                          # tuple
ws.send(range(3))                                        # range
ws.send(js.Array.of(10, 20))                             # a JS array of numbers
await r.messages(8)
ws.close()
await r.wait_closed()
`);
    const frames = u.log()!.frames.map((f) => (Buffer.isBuffer(f) ? [...f] : f));
    expect(frames).toEqual([[9, 8, 7, 6], [8, 7], [1, 0, 2, 1], [7, 6], [0, 1, 255], [4, 5], [0, 1, 2], [10, 20]]);
    expect(await p.py.run("[e for e in r.events if e[0] == 'binary'][0]")).toEqual(["binary", "memoryview", [9, 8, 7, 6]]);
  });
});

describe("bad constructor arguments fail at the call", () => {
  it("WebSocket(None / 123 / bytes), connect(None), bad protocols and open_timeout raise TypeError/ValueError; nothing opens", async () => {
    const before = fx.server.received.length;
    const got = await p.py.runAsync<Record<string, [string, string]>>(`
from wsbridge import connect
out = {}
def attempt(key, fn):
    try:
        fn()
        out[key] = ["no error", ""]
    except Exception as e:
        out[key] = [type(e).__name__, str(e)]
S = ${JSON.stringify(fx.server.url + "/echo")}
attempt("None", lambda: WebSocket(None))
attempt("int", lambda: WebSocket(123))
attempt("bytes", lambda: WebSocket(S.encode()))
attempt("protocols int", lambda: WebSocket(S, 123))
attempt("connect None", lambda: connect(None))
attempt("connect bytes", lambda: connect(S.encode()))
attempt("open_timeout -1", lambda: connect(S, open_timeout=-1))
attempt("open_timeout 0", lambda: connect(S, open_timeout=0))
attempt("open_timeout nan", lambda: connect(S, open_timeout=float("nan")))
attempt("open_timeout str", lambda: connect(S, open_timeout="5"))
attempt("max_queue float", lambda: connect(S, max_queue=1.5))
out["stats"] = [str(stats()), ""]
out`);
    expect(got).toEqual({
      None: ["TypeError", "WebSocket url must be a str, not NoneType"],
      int: ["TypeError", "WebSocket url must be a str, not int"],
      bytes: ["TypeError", "WebSocket url must be a str, not bytes"],
      "protocols int": ["TypeError", "WebSocket protocols must be a str or a list of str, not int"],
      "connect None": ["TypeError", "WebSocket url must be a str, not NoneType"],
      "connect bytes": ["TypeError", "WebSocket url must be a str, not bytes"],
      "open_timeout -1": ["ValueError", "open_timeout must be None or more than 0 seconds, got -1"],
      "open_timeout 0": ["ValueError", "open_timeout must be None or more than 0 seconds, got 0"],
      "open_timeout nan": ["ValueError", "open_timeout must be None or more than 0 seconds, got nan"],
      "open_timeout str": ["TypeError", "open_timeout must be None or a number of seconds, not str"],
      "max_queue float": ["TypeError", "max_queue must be None or an int, not float"],
      stats: ["{'sockets': 0, 'listeners': 0, 'proxies': 0}", ""],
    });
    expect(fx.server.received.length).toBe(before);
  });

  it("URLs: empty, whitespace, a scheme missing its ':', a forbidden host, bad scheme, fragment → ValueError from WebSocket() and connect()", async () => {
    const got = await p.py.runAsync<Record<string, string[]>>(`
from wsbridge import connect
bad = ["", "http//nope", "ws//x/", "ws://exa mple.com/", "not a url", "ws://a<b/", "ws://a%20b/", "ftp://x/", "ws://x/#f", "ws://[::1/"]
out = {}
for u in bad:
    row = []
    for make in (WebSocket, connect):
        try:
            make(u)
            row.append("no error")
        except Exception as e:
            row.append(type(e).__name__)
    out[u] = row
out["stats"] = [str(stats()["sockets"])]
out`);
    const expected: Record<string, string[]> = { stats: ["0"] };
    for (const u of ["", "http//nope", "ws//x/", "ws://exa mple.com/", "not a url", "ws://a<b/", "ws://a%20b/", "ftp://x/", "ws://x/#f", "ws://[::1/"]) expected[u] = ["ValueError", "ValueError"];
    expect(got).toEqual(expected);
  });

  it("URLs the URL Standard accepts still open: relative to the page, http(s) mapped to ws(s), IDN and IPv6 hosts", async () => {
    const got = await p.py.runAsync<string[]>(`
import js
urls = ["/relative/path?q=1", "relative", "http://127.0.0.1:1/x", "ws://bücher.example/", "ws://[::1]:1/"]
out = []
for u in urls:
    ws = WebSocket(u)
    out.append(ws.url)
    ws._abort()
out`);
    const page = new URL(fx.baseURL);
    expect(got).toEqual([
      `ws://${page.host}/relative/path?q=1`, `ws://${page.host}/relative`, "ws://127.0.0.1:1/x", "ws://xn--bcher-kva.example/", "ws://[::1]:1/",
    ]);
  });
});
