// The socket's hot path (issue 11): a frame crosses into Python once as its data, the WebSocketEvent is built only
// for a handler, a frame with nothing queued goes straight to the handler, frames arriving while a handler runs
// queue behind it. Behaviour only (order, bytes, attributes, leaks), never timing.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, PRELUDE, WAIT_FOR, type PythonPage } from "./_python.js";

const fx = useBrowser();
let p: PythonPage;

beforeAll(async () => {
  p = await newPython(fx);
  await p.py.run(`${PRELUDE}
import gc, js
from pyodide.ffi import to_js
from wsbridge.websocket import live_proxies

def synthetic(ws, data):
    """Dispatches a message event on the socket's browser object, synchronously (as a frame would arrive)."""
    init = to_js({"data": data}, dict_converter=js.Object.fromEntries)
    ws._js.dispatchEvent(js.MessageEvent.new("message", init))

def live_events():
    gc.collect()
    return sum(isinstance(o, WebSocketEvent) for o in gc.get_objects())

${WAIT_FOR}
`);
});
beforeEach(async () => {
  await p.py.runAsync("wsbridge._lifecycle.reset()\nawait settle()");
  p.console.length = 0;
});

describe("order on the fast path", () => {
  it("mixed sync and async handlers, frames arriving while a handler runs: every call starts in event order", async () => {
    const got = await p.py.runAsync<Record<string, unknown>>(`
log = []
async def slow(name):
    log.append("start " + name)
    await asyncio.sleep(0)              # suspends: later events go on without waiting
    log.append("after " + name)

def onmessage(e):
    d = e.data
    name = d if isinstance(d, str) else "bin%d" % len(d)
    if name.startswith("a"):
        return slow(name)               # an awaitable: started eagerly, in order
    log.append("start " + name)
    if name == "s3":
        # Two frames delivered while this handler runs: they wait, then start in order after it returns.
        synthetic(ws, "a4")
        synthetic(ws, "s5")
    log.append("end " + name)

r = Rec(${JSON.stringify(fx.server.url + "/echo")}, onmessage=onmessage)
ws = await r.open()
for data in ["s1", "a2", "s3", "s6"]:
    synthetic(ws, data)
synthetic(ws, to_js(b"\\x01\\x02\\x03").buffer)
await wait_for(lambda: "after a4" in log and "after a2" in log)
starts = [x for x in log if x.startswith("start")]
ws.close()
await r.wait_closed()
{"log": log, "starts": starts, "kinds": [e[0] for e in r.events]}
`);
    expect(got.starts).toEqual(["start s1", "start a2", "start s3", "start a4", "start s5", "start s6", "start bin3"]);
    const log = got.log as string[];
    // The sync handler of s3 ran to its end before the frames it caused started.
    expect(log.indexOf("end s3")).toBeLessThan(log.indexOf("start a4"));
    // a2 suspended and let the rest go on: its second half ran after later handlers started.
    expect(log.indexOf("after a2")).toBeGreaterThan(log.indexOf("start s3"));
    expect(got.kinds).toEqual(["open", "close"]); // onmessage was replaced; open and close still reached Rec
  });

  it("a 2,000-frame burst through sync and async handlers switched mid-stream arrives complete and in order", async () => {
    const got = await p.py.runAsync<Record<string, unknown>>(`
seen = []
async def async_handler(e):
    seen.append(e.data)
    if len(seen) % 500 == 250:
        ws.onmessage = sync_handler
    await asyncio.sleep(0)
def sync_handler(e):
    seen.append(e.data)
    if len(seen) % 500 == 0:
        ws.onmessage = async_handler
r = Rec(${JSON.stringify(fx.server.url + "/burst?n=2000")}, onmessage=sync_handler)
ws = await r.open()
await wait_for(lambda: len(seen) == 2000)
ws.close()
await r.wait_closed()
{"n": len(seen), "ordered": seen == [str(i) for i in range(2000)]}
`);
    expect(got).toEqual({ n: 2000, ordered: true });
  });

  it("serial=True: frames queued behind an unfinished awaitable are handled strictly one after another", async () => {
    const got = await p.py.runAsync<string[]>(`
log = []
async def onmessage(e):
    log.append("start " + e.data)
    await asyncio.sleep(0.001)
    log.append("end " + e.data)
r = Rec(${JSON.stringify(fx.server.url + "/echo")}, serial=True, onmessage=onmessage)
ws = await r.open()
for data in ["1", "2", "3"]:
    synthetic(ws, data)                 # 2 and 3 queue while 1 is awaited
await wait_for(lambda: len(log) == 6)
ws.close()
await r.wait_closed()
log
`);
    expect(got).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });
});

describe("payloads and events", () => {
  it("binary frames are memoryviews holding exactly the bytes sent (empty, 1 KiB pattern, 1 MiB), text is str", async () => {
    const got = await p.py.runAsync<Record<string, unknown>>(`
import random
payloads = [b"", bytes(range(256)) * 4, random.Random(7).randbytes(1 << 20)]
got = []
r = Rec(${JSON.stringify(fx.server.url + "/echo")}, onmessage=lambda e: got.append(e.data))
ws = await r.open()
for data in payloads:
    ws.send(data)
ws.send("text é")
await wait_for(lambda: len(got) == 4)
ws.close()
await r.wait_closed()
{
    "types": [type(d).__name__ for d in got],
    "equal": [bytes(d) == want for d, want in zip(got, payloads)],
    "formats": [d.format for d in got[:3]],
    "text": got[3],
}
`);
    expect(got).toEqual({ types: ["memoryview", "memoryview", "memoryview", "str"], equal: [true, true, true], formats: ["B", "B", "B"], text: "text é" });
  });

  it("a binary burst (frames handed over in batches) arrives as memoryviews with the right bytes, in order; connect() gets bytes", async () => {
    const got = await p.py.runAsync<Record<string, unknown>>(`
from wsbridge import connect
seen = []
r = Rec(${JSON.stringify(fx.server.url + "/burst?n=3000&binary=1")}, onmessage=lambda e: seen.append(e.data))
ws = await r.open()
await wait_for(lambda: len(seen) == 3000)
ws.close()
await r.wait_closed()
client = []
async with connect(${JSON.stringify(fx.server.url + "/burst?n=3000&binary=1")}) as c:
    for _ in range(3000):
        client.append(await c.recv(timeout=5))
{
    "types": sorted({type(d).__name__ for d in seen}),
    "ordered": [int.from_bytes(bytes(d), "big") for d in seen] == list(range(3000)),
    "client types": sorted({type(d).__name__ for d in client}),
    "client ordered": [int.from_bytes(d, "big") for d in client] == list(range(3000)),
}
`);
    expect(got).toEqual({ types: ["memoryview"], ordered: true, "client types": ["bytes"], "client ordered": true });
  });

  it("the event has type, data, target, origin, lastEventId; other browser attributes still answer", async () => {
    const got = await p.py.runAsync<Record<string, unknown>>(`
seen = {}
def onmessage(e):
    seen["repr"] = repr(e)
    seen["type"] = e.type
    seen["data"] = bytes(e.data).hex()
    seen["same data"] = e.data is e.data
    seen["target is ws"] = e.target is ws
    seen["origin"] = e.origin
    seen["lastEventId"] = e.lastEventId
    seen["isinstance"] = isinstance(e, WebSocketEvent)
    seen["timeStamp is a number"] = isinstance(e.timeStamp, (int, float))
    seen["bubbles"] = e.bubbles
r = Rec(${JSON.stringify(fx.server.url + "/echo")}, onmessage=onmessage)
ws = await r.open()
ws.send(b"\\xff\\x00")
await wait_for(lambda: seen)
ws.close()
await r.wait_closed()
seen
`);
    expect(got).toEqual({
      repr: "<WebSocketEvent message>",
      type: "message",
      data: "ff00",
      "same data": true,
      "target is ws": true,
      origin: fx.server.url,
      lastEventId: "",
      isinstance: true,
      "timeStamp is a number": true,
      bubbles: false,
    });
  });

  it("connect(): binary frames are bytes, text str, in order", async () => {
    const got = await p.py.runAsync<unknown[]>(`
from wsbridge import connect
out = []
async with connect(${JSON.stringify(fx.server.url + "/echo")}) as c:
    for data in [b"\\x00\\x01", "two", b"", "four"]:
        await c.send(data)
    for _ in range(4):
        m = await c.recv(timeout=5)
        out.append([type(m).__name__, m.hex() if isinstance(m, bytes) else m])
out
`);
    expect(got).toEqual([["bytes", "0001"], ["str", "two"], ["bytes", ""], ["str", "four"]]);
  });
});

describe("leaks", () => {
  it("20,000 frames through the fast path, async handlers and the queue: no proxy, listener or event left after close", async () => {
    const got = await p.py.runAsync<Record<string, unknown>>(`
count = {"text": 0, "binary": 0, "queued": 0}
def record(e):
    d = e.data
    if not isinstance(d, str):
        count["binary"] += 1
    elif d == "queued":
        count["queued"] += 1
    else:
        count["text"] += 1
        if count["text"] % 100 == 0:
            synthetic(ws, "queued")     # delivered while this handler runs: goes through the queue
async def async_record(e):
    record(e)
    await asyncio.sleep(0)
def onmessage(e):
    if count["text"] % 3 == 0:
        return async_record(e)
    record(e)
r = Rec(${JSON.stringify(fx.server.url + "/burst?n=10000")}, onmessage=onmessage)
ws = await r.open()
await wait_for(lambda: count["text"] == 10000, 2000)
for i in range(10000):
    ws.send(i.to_bytes(2, "big"))       # echoed as binary frames
await wait_for(lambda: count["binary"] == 10000, 2000)
during = {**stats(), "dispatchers": live_proxies()}
ws.close()
await r.wait_closed()
await settle()
del ws, r, onmessage
after = {**stats(), "dispatchers": live_proxies(), "events": live_events()}
{"during": during, "after": after, "count": count}
`);
    expect(got.during).toEqual({ sockets: 1, listeners: 4, proxies: 1, dispatchers: 1 });
    expect(got.after).toEqual({ sockets: 0, listeners: 0, proxies: 0, dispatchers: 0, events: 0 });
    expect(got.count).toEqual({ text: 10000, binary: 10000, queued: 100 });
  });
});
