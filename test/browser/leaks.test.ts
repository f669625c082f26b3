// Leaks, as Chromium itself counts them: DevTools' DOMDebugger.getEventListeners on the browser WebSocket object
// behind a Python wsbridge.WebSocket. The Python-side measures (dispatchers, proxies, bookkeeping, event objects)
// are in test/python/socket/test_leaks.py; this one needs the DevTools protocol, which only Node reaches.
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
  await p.py.run(`${PRELUDE}\nimport js\n`);
});
beforeEach(async () => {
  await p.py.runAsync("wsbridge._lifecycle.reset()\nawait settle()");
});

describe("leaks (Chromium's listener count)", () => {
  it("one socket, 10,000 text + 10,000 binary messages, handlers reassigned 20 times: four listeners while open, none after close", async () => {
    const count = await p.py.runAsync(`
count = {"n": 0}
def sync_handler(e):
    count["n"] += 1
    if count["n"] % 1000 == 0:
        ws.onmessage = async_handler   # a Python attribute change: no new listener
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
count["n"]
`);
    expect(count).toBe(20001);
    expect(await browserListeners("__leakSocket")).toEqual(["close", "error", "message", "open"]);

    const code = await p.py.runAsync(`
ws.close()
code = await asyncio.wait_for(closed, 5)
await settle()
code
`);
    expect(code).toBe(1005);
    expect(await browserListeners("__leakSocket")).toEqual([]);
  });
});
