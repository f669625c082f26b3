// Inspection from Python: wsbridge.page.on("websocket"), context.on, expect_websocket, wait_for_event,
// expect_event, with sockets opened from Python and from page JS, native and routed.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, type PythonPage } from "../browser/_python.js";

const fx = useBrowser();
let py: PythonPage;

const PRELUDE = `
import asyncio, js
import wsbridge
from wsbridge import page, context, connect, route_web_socket, InspectionError, WebSocket
S = ${"${S}"}
def rec(ws, log):
    ws.on("framesent", lambda p: log.append(["framesent", p if isinstance(p, str) else list(p)]))
    ws.on("framereceived", lambda p: log.append(["framereceived", p if isinstance(p, str) else list(p)]))
    ws.on("socketerror", lambda e: log.append(["socketerror", e]))
    ws.on("close", lambda w: log.append(["close", w is ws, w.is_closed()]))
async def err(aw):
    try:
        await aw
        return "no error"
    except Exception as e:
        return [type(e).__name__, str(e)]
`;

function run<T>(code: string): Promise<T> {
  return py.py.runAsync<T>(PRELUDE.replace("${S}", JSON.stringify(fx.server.url)) + code);
}

beforeAll(async () => {
  py = await newPython(fx, { reuse: true });
});
beforeEach(async () => {
  await py.py.runAsync("import wsbridge._lifecycle\nwsbridge._lifecycle.reset()");
});

describe("inspection (Python)", () => {
  it("page.on('websocket'): a native socket from Python connect(); frames str/bytes in order; close", async () => {
    const got = await run(`
log, seen = [], []
def on_ws(ws):
    seen.append([ws.url, ws.is_routed, ws.is_closed()])
    rec(ws, log)
page.on("websocket", on_ws)
async with connect(S + "/echo?py=1") as ws:
    await ws.send("hi"); await ws.recv(timeout=3)
    await ws.send(b"\\x00\\xff"); await ws.recv(timeout=3)
await asyncio.sleep(0.05)
[seen, log]`);
    expect(got).toEqual([
      [[`${fx.server.url}/echo?py=1`, false, false]],
      [["framesent", "hi"], ["framereceived", "hi"], ["framesent", [0, 255]], ["framereceived", [0, 255]], ["close", true, true]],
    ]);
  });

  it("sockets opened by page JS and mocked by a Python route are announced with is_routed; async handlers; context after page", async () => {
    const got = await run(`
order, log = [], []
async def on_page(ws):
    order.append("page")
    rec(ws, log)
page.on("websocket", on_page)
context.on("websocket", lambda ws: order.append(["context", ws.is_routed]))
def handler(route):
    route.send("mocked")
    route.on_message(lambda m: route.send("re:" + m))
route_web_socket("**/mock", handler)
await js.eval("""new Promise((ok) => { const ws = new WebSocket('${"${S}"}/mock'); ws.onmessage = (e) => { if (e.data === 'mocked') ws.send('x'); else { ws.close(); ok(); } }; })""".replace("${"${S}"}", S))
await asyncio.sleep(0.05)
[order, log]`);
    expect(got).toEqual([["page", ["context", true]], [["framereceived", "mocked"], ["framesent", "x"], ["framereceived", "re:x"], ["close", true, true]]]);
  });

  it("expect_websocket + expect_event + wait_for_event; TimeoutError texts; InspectionError 'Socket closed' / 'Socket error'", async () => {
    const got = await run(`
out = {}
async with page.expect_websocket(lambda ws: "/echo" in ws.url, timeout=3000) as info:
    ws = WebSocket(S + "/echo?e=1")
inspected = await info.value
out["url"] = inspected.url
await asyncio.sleep(0.1)
async with inspected.expect_event("framereceived", lambda p: p == "two", timeout=3000) as frame:
    ws.send("one"); ws.send("two")
out["frame"] = await frame.value
out["timeout"] = await err(inspected.wait_for_event("framesent", timeout=100))
closing = asyncio.ensure_future(inspected.wait_for_event("framereceived"))
ws.close()
out["closed_first"] = await err(closing)
out["after_close"] = await err(inspected.wait_for_event("framesent"))
out["close_again"] = (await inspected.wait_for_event("close")) is inspected
async with page.expect_websocket() as info2:
    bad = WebSocket(S + "/reject")
rejected = await info2.value
failing = asyncio.ensure_future(rejected.wait_for_event("framereceived"))
out["error_text"] = await rejected.wait_for_event("socketerror", timeout=3000)
out["error_first"] = await err(failing)
out["page_timeout"] = await err(page.wait_for_event("websocket", timeout=50))
async def expect_nothing():
    async with page.expect_websocket(timeout=50):
        pass
out["expect_timeout"] = await err(expect_nothing())
out["bad_event"] = await err(inspected.wait_for_event("message"))
out`);
    expect(got).toEqual({
      url: `${fx.server.url}/echo?e=1`,
      frame: "two",
      timeout: ["TimeoutError", 'Timeout 100ms exceeded while waiting for event "framesent"'],
      closed_first: ["InspectionError", "Socket closed"],
      after_close: ["InspectionError", "Socket closed"],
      close_again: true,
      error_text: "Error during WebSocket handshake",
      error_first: ["InspectionError", "Socket error"],
      page_timeout: ["TimeoutError", 'Timeout 50ms exceeded while waiting for event "websocket"'],
      expect_timeout: ["TimeoutError", 'Timeout 50ms exceeded while waiting for event "websocket"'],
      bad_event: ["ValueError", "unknown WebSocket event 'message': expected one of framesent, framereceived, close, socketerror"],
    });
  });

  it("predicates (plain, async, raising), once, off with an equal bound method, a bad timeout; no proxy left behind", async () => {
    const got = await run(`
import _wsbridge_js
out = {}
out["bad_timeout"] = await err(page.wait_for_event("websocket", timeout=-1))
def boom(ws):
    raise KeyError("from the predicate")
opened = []
async def raising():
    async with page.expect_websocket(boom, timeout=3000):
        opened.append(WebSocket(S + "/echo?p=1"))
out["raising"] = await err(raising())  # the predicate's own exception, raised where the block ends
a = opened[0]
async def wanted(ws):
    await asyncio.sleep(0)
    return ws.url.endswith("p=3")
class Counter:
    def __init__(self):
        self.n = 0
    def hit(self, ws):
        self.n += 1
once, gone = Counter(), Counter()
page.once("websocket", once.hit)
page.on("websocket", gone.hit)
page.off("websocket", gone.hit)
async with page.expect_websocket(wanted, timeout=3000) as info:
    b = WebSocket(S + "/echo?p=2")
    c = WebSocket(S + "/echo?p=3")
out["async"] = (await info.value).url.endswith("p=3")
out["counts"] = [once.n, gone.n]
for s in (a, b, c):
    s.close()
await asyncio.sleep(0.05)
out["inspect_proxies"] = _wsbridge_js.proxyStats().to_py()["inspect"]
out`);
    expect(got).toEqual({
      bad_timeout: ["ValueError", "timeout must be a number of ms >= 0, got -1"],
      raising: ["KeyError", "'from the predicate'"],
      async: true,
      counts: [1, 0],
      inspect_proxies: 0,
    });
  });

  it("no Python listener, no subscription: removing the last listener unsubscribes in JS; reset drops everything", async () => {
    const got = await run(`
hooks = lambda: sorted(k for k, v in js.Object.entries(js.eval("globalThis[Symbol.for('wsbridge.observer')] ?? {}")).to_py() if v)
def listener(ws):
    pass
before = hooks()
page.on("websocket", listener)
during = hooks()
page.remove_listener("websocket", listener)
after = hooks()
page.on("websocket", listener)
wsbridge._lifecycle.reset()
after_reset = hooks()
[before, during, after, after_reset]`);
    expect(got).toEqual([[], ["native", "nativeSent", "routed"], [], []]);
  });
});
