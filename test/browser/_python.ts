// Shared by the socket tests: a page with Pyodide + wsbridge, and Python helpers run once per page.
import type { Page } from "playwright-core";
import type { PythonHandle } from "../../src/playwright/attach.js";
import type { BrowserFixture, NewPythonOptions } from "../helpers/browser.js";
import type { TestServer } from "../../src/playwright/test-server.js";

export interface PythonPage {
  page: Page;
  py: PythonHandle;
  console: string[];
}

/** A page with Pyodide and the built wsbridge (the shared fixture's `newPython`): fresh unless `{ reuse: true }`. */
export function newPython(fx: BrowserFixture, options?: NewPythonOptions): Promise<PythonPage> {
  return fx.newPython(options);
}

/** Python: `await wait_for(cond)` polls (bounded) until `cond()` holds; returns False instead of hanging when it never does. */
export const WAIT_FOR = `
import asyncio
async def wait_for(cond, tries=500):
    for _ in range(tries):
        if cond():
            return True
        await asyncio.sleep(0.01)
    return False
`;

/** Python helpers the socket tests share: `Rec` records every event of one socket in a JSON-able form. */
export const PRELUDE = `
import asyncio, logging
import wsbridge, _wsbridge_js
from wsbridge import WebSocket, WebSocketEvent

def describe(e):
    if e.type == "message":
        d = e.data
        return ["message", d] if isinstance(d, str) else ["binary", type(d).__name__, list(d)]
    if e.type == "close":
        return ["close", e.code, e.reason, e.wasClean]
    return [e.type]

def stats():
    return _wsbridge_js.socketStats().to_py()

class Rec:
    def __init__(self, url, protocols=None, **kw):
        loop = asyncio.get_event_loop()
        self.events = []
        self.opened = loop.create_future()
        self.closed = loop.create_future()
        kw = {"onopen": self.on, "onmessage": self.on, "onerror": self.on, "onclose": self.on, **kw}
        self.ws = WebSocket(url, protocols, **kw)

    def on(self, e):
        self.events.append(describe(e))
        if e.type == "open" and not self.opened.done():
            self.opened.set_result(None)
        if e.type == "close" and not self.closed.done():
            self.closed.set_result(None)

    async def open(self, timeout=5):
        await asyncio.wait_for(self.opened, timeout)
        return self.ws

    async def wait_closed(self, timeout=5):
        await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        return self.events

    async def messages(self, n, timeout=5):
        loop = asyncio.get_event_loop()
        end = loop.time() + timeout
        while sum(e[0] in ("message", "binary") for e in self.events) < n:
            if loop.time() > end:
                raise TimeoutError(f"only {self.events}")
            await asyncio.sleep(0.01)
        return self.events

async def settle(timeout=5):
    """Waits until every socket was released."""
    loop = asyncio.get_event_loop()
    end = loop.time() + timeout
    while stats()["sockets"] and loop.time() < end:
        await asyncio.sleep(0.01)
    return stats()
`;

/** A server URL with a unique query, so the server's log for this socket can be found; one counter per fixture. */
export function taggedUrls(fx: BrowserFixture): (path: string) => { full: string; log: () => TestServer["received"][number] | undefined } {
  let n = 0;
  return (path) => {
    const tag = `t=${++n}`;
    const full = `${fx.server.url}${path}${path.includes("?") ? "&" : "?"}${tag}`;
    return { full, log: () => fx.server.received.find((r) => r.path.endsWith(`?${tag}`) || r.path.endsWith(`&${tag}`)) };
  };
}

/** Polls `check` every 10 ms until it holds; throws after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((ok) => setTimeout(ok, 10));
  }
}
