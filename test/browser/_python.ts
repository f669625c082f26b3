// Socket tests' page fixture: a page with Pyodide + the built wsbridge, loaded through a string evaluate.
// Why not fx.newPython(): run from sources under vitest, (1) `import()` inside functions handed to page.evaluate
// is rewritten to `__vite_ssr_dynamic_import__`, which the page lacks, and (2) the shared static server mounts
// `wsbridge/` at src/playwright instead of dist/. A string is not rewritten; attachPython then finds Pyodide loaded
// and only wires up run/runAsync.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { attachPython, type PythonHandle } from "../../src/playwright/attach.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import type { BrowserFixture } from "../helpers/browser.js";

export interface PythonPage {
  page: Page;
  py: PythonHandle;
  console: string[];
}

const dist = join(dirname(fileURLToPath(import.meta.url)), "../../dist");
let server: Promise<StaticServer> | undefined;

export async function newPython(fx: BrowserFixture): Promise<PythonPage> {
  server ??= startStaticServer({ mounts: { wsbridge: dist } }).then((s) => {
    process.once("exit", () => void s.close());
    return s;
  });
  const base = (await server).url;
  const page = await fx.browser.newPage();
  const console: string[] = [];
  page.on("console", (m) => console.push(`${m.type()}: ${m.text()}`));
  await page.goto(base);
  await page.evaluate(`(async () => {
    const { loadPyodide } = await import(${JSON.stringify(base + "pyodide/pyodide.mjs")});
    const pyodide = await loadPyodide({ indexURL: ${JSON.stringify(base + "pyodide/")} });
    const wsbridge = await import(${JSON.stringify(base + "wsbridge/wsbridge.mjs")});
    await wsbridge.installWsBridge(pyodide);
    globalThis.__wsbridgePyodide = pyodide;
    globalThis.__wsbridgeRun = async (code, isAsync) => {
      try {
        const result = isAsync ? await pyodide.runPythonAsync(code) : pyodide.runPython(code);
        return { ok: true, value: wsbridge.toJSONable(result) };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    };
  })()`);
  const py = await attachPython(page, { baseURL: base });
  return { page, py, console };
}

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
