// Leak tests: after close, no dispatch proxy, listener or event object survives, over 10,000+ messages.
//
// Three independent measures:
// - Python: `wsbridge.websocket.live_proxies()` counts dispatcher objects still alive (weak references). JS holds a
//   dispatcher only through its `create_proxy`; if that proxy were not destroyed the dispatcher would stay alive.
//   The control test below leaks one proxy on purpose and shows the count catches it.
// - Chromium itself: DevTools' DOMDebugger.getEventListeners on the browser WebSocket object.
// - wsbridge's own bookkeeping: `_wsbridge_js.socketStats()` (BridgeSockets, listeners, proxies), and the one
//   proxy pool every Python callable handed to JS goes through (`proxyStats()`, all kinds but the inspection
//   dispatcher, which lives as long as the page).
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CDPSession } from "playwright-core";
import { useBrowser } from "../helpers/browser.js";
import { newPython, PRELUDE, type PythonPage } from "./_python.js";

const fx = useBrowser();
let p: PythonPage;
let cdp: CDPSession;

/** Listeners Chromium reports on the JS object `globalThis[name]`. */
async function browserListeners(name: string): Promise<string[]> {
  const { result } = await cdp.send("Runtime.evaluate", { expression: `globalThis[${JSON.stringify(name)}]` });
  const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: result.objectId! });
  await cdp.send("Runtime.releaseObject", { objectId: result.objectId! });
  return listeners.map((l) => l.type).sort();
}

beforeAll(async () => {
  p = await newPython(fx);
  cdp = await p.page.context().newCDPSession(p.page);
  await p.py.run(`${PRELUDE}
import gc, js
from wsbridge.websocket import live_proxies, _Dispatcher
from pyodide.ffi import create_proxy

def live_events():
    gc.collect()
    return sum(isinstance(o, WebSocketEvent) for o in gc.get_objects())

def pool():
    counts = _wsbridge_js.proxyStats().to_py()
    return counts["total"] - counts["inspect"]

def measures():
    gc.collect()
    return {**stats(), "pool": pool(), "python_dispatchers": live_proxies(), "events": live_events()}
`);
});
beforeEach(async () => {
  await p.py.runAsync("wsbridge._lifecycle.reset()\nawait settle()");
});

const ZERO = { sockets: 0, listeners: 0, proxies: 0, pool: 0, python_dispatchers: 0, events: 0 };

describe("leaks", () => {
  it("one socket, 10,000 text + 10,000 binary messages, handlers reassigned 20 times: everything released after close", async () => {
    const during = await p.py.runAsync<Record<string, unknown>>(`
count = {"n": 0, "bytes": 0}
def sync_handler(e):
    count["n"] += 1
    if not isinstance(e.data, str):
        count["bytes"] += len(e.data)
    if count["n"] % 1000 == 0:
        ws.onmessage = async_handler   # a Python attribute change: no new proxy
async def async_handler(e):
    sync_handler(e)
    if count["n"] % 1000 == 500:
        ws.onmessage = sync_handler

closed = asyncio.get_event_loop().create_future()
ws = WebSocket(${JSON.stringify(fx.server.url + "/burst?n=10000")}, onmessage=sync_handler, onclose=lambda e: closed.set_result(e.code))
js.__leakSocket = ws._js
while count["n"] < 10000:
    await asyncio.sleep(0.02)
ws.send("go")  # /burst echoes afterwards: ask for a second round, binary this time
for i in range(10000):
    ws.send(i.to_bytes(4, "big"))
while count["n"] < 20001:
    await asyncio.sleep(0.02)
m = measures()
m["count"] = dict(count)
m
`);
    expect(during).toEqual({ sockets: 1, listeners: 4, proxies: 1, pool: 1, python_dispatchers: 1, events: 0, count: { n: 20001, bytes: 40000 } });
    expect(await browserListeners("__leakSocket")).toEqual(["close", "error", "message", "open"]);

    const after = await p.py.runAsync(`
ws.close()
code = await asyncio.wait_for(closed, 5)
await settle()
{**measures(), "code": code}
`);
    expect(after).toEqual({ ...ZERO, code: 1005 });
    expect(await browserListeners("__leakSocket")).toEqual([]);
  });

  it("90 sockets, 6,000 messages, closed by the client, the server or a dropped connection: nothing left", async () => {
    const got = await p.py.runAsync(`
base = ${JSON.stringify(fx.server.url)}
received = {"n": 0}
peak = {"sockets": 0, "proxies": 0}
def onmessage(e):
    received["n"] += 1

async def one(i):
    done = asyncio.get_event_loop().create_future()
    kind = i % 3  # 0: we close after a burst of 100; 1: the server closes with 4000; 2: 100 frames, then TCP drop
    path = ["/burst?n=100", "/close?code=4000&reason=x", "/die?after=100"][kind]
    ws = WebSocket(base + path, onmessage=onmessage, onclose=lambda e: done.set_result(e.code))
    got = {"n": 0}
    async def onopen(e):
        if kind == 1:
            await asyncio.sleep(0)
            ws.send("close please")
    def count(e):
        got["n"] += 1
        onmessage(e)
        if kind == 0 and got["n"] == 100:
            ws.close(4001)
    ws.onopen = onopen
    ws.onmessage = count
    s = stats()
    peak["sockets"] = max(peak["sockets"], s["sockets"])
    peak["proxies"] = max(peak["proxies"], s["proxies"])
    return await asyncio.wait_for(done, 10)

codes = []
for batch in range(6):
    codes += await asyncio.gather(*(one(batch * 15 + i) for i in range(15)))
await settle()
{**measures(), "codes": sorted(set(codes)), "received": received["n"], "peak": peak}
`);
    expect(got).toEqual({ ...ZERO, codes: [1006, 4000, 4001], received: 60 * 100, peak: { sockets: 15, proxies: 15 } });
  });

  it("large binary sends are read in place in the Wasm heap: bytes intact, nothing held after 2,000 of them", async () => {
    const got = await p.py.runAsync(`
import array, sys
from wsbridge.websocket import IN_PLACE_SEND_BYTES, InvalidStateError
echoes = []
opened = asyncio.get_event_loop().create_future()
done = asyncio.get_event_loop().create_future()
def onmessage(e):
    echoes.append(bytes(e.data))
    if len(echoes) == len(payloads):
        done.set_result(None)
ws = WebSocket(${JSON.stringify(fx.server.url + "/echo")}, onopen=lambda e: opened.set_result(None), onmessage=onmessage)
big = bytes(i % 251 for i in range(IN_PLACE_SEND_BYTES * 4 + 3))
try:
    ws.send(big)
    connecting = "sent"
except InvalidStateError:
    connecting = "InvalidStateError"
await opened
payloads = [
    big[:IN_PLACE_SEND_BYTES - 1],                     # just under the in-place size: copied into a Uint8Array
    big[:IN_PLACE_SEND_BYTES],                         # from here on: read in place
    bytearray(big),
    memoryview(big)[1::2],                             # not contiguous: made contiguous first
    array.array("H", range(IN_PLACE_SEND_BYTES)),      # another item format: its raw bytes
]
refs = sys.getrefcount(big)
for payload in payloads:
    ws.send(payload)
await asyncio.wait_for(done, 20)
intact = [echo == bytes(memoryview(p).cast("B")) if isinstance(p, array.array) else echo == bytes(p) for echo, p in zip(echoes, payloads)]
for _ in range(2000):  # many in-place sends: no proxy, buffer or reference may stay behind
    ws.send(big)
while ws.bufferedAmount:
    await asyncio.sleep(0.01)
gc.collect()
leaked_refs = sys.getrefcount(big) - refs
pool_during = pool()
ws.close()
await settle()
{"connecting": connecting, "intact": intact, "leaked_refs": leaked_refs, "pool_during": pool_during, **measures()}
`);
    expect(got).toEqual({ ...ZERO, connecting: "InvalidStateError", intact: [true, true, true, true, true], leaked_refs: 0, pool_during: 1 });
  });

  it("control: the Python measure catches a proxy that is never destroyed", async () => {
    const got = await p.py.runAsync(`
# A second create_proxy of a socket's dispatcher that nobody destroys keeps the dispatcher alive.
r = Rec(${JSON.stringify(fx.server.url + "/echo")})
await r.open()
leaked = create_proxy(next(iter(wsbridge.websocket._live_dispatchers)))
r.ws.close()
await r.wait_closed()
await settle()
with_leak = live_proxies()
leaked.destroy()
gc.collect()
[with_leak, live_proxies()]
`);
    expect(got).toEqual([1, 0]);
  });
});
