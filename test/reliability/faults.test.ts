// A reliability fault that needs Node: a worker terminated mid-stream. The page starts a second Pyodide in a worker,
// the soak server (Node) counts its acks to know the stream is under way and sees the connection drop, then the
// page's own Python must still talk to servers. The other faults (server killed mid-stream, handshakes refused, a
// close right behind a burst, 16 MiB frames) are pytest tests: test/python/socket/test_faults.py.
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { startSoakServer, type SoakServer } from "./soak-server.js";

const fx = useBrowser();
const SOAK_PY = readFileSync(new URL("./soak.py", import.meta.url), "utf8");

let server: SoakServer;
let page: Page;
let run: <T>(code: string) => Promise<T>;

beforeAll(async () => {
  server = await startSoakServer();
  const python = await fx.newPython({ reuse: true });
  page = python.page;
  run = (code) => python.py.runAsync(code);
});
afterAll(async () => {
  await server?.close();
});

describe("faults", () => {
  it("a worker terminated mid-stream: the server sees the connection drop, the page goes on", async () => {
    const key = "/soak?worker-kill&n=1000000&k=500";
    await page.evaluate(`(async () => {
      const W = await import(${JSON.stringify(`${fx.baseURL}wsbridge/worker.mjs`)});
      globalThis.__worker = await W.createPythonWorker({ indexURL: ${JSON.stringify(`${fx.baseURL}pyodide/`)}, timeout: 60000 });
      await globalThis.__worker.runPythonAsync(${JSON.stringify(SOAK_PY)});
      await globalThis.__worker.runPythonAsync(${JSON.stringify(`import asyncio\n_task = asyncio.ensure_future(soak_onmessage("${server.url}${key}", 500))`)});
    })()`);
    await expect.poll(() => server.acks.get(key) ?? 0, { timeout: 30_000 }).toBeGreaterThan(2); // mid-stream
    await page.evaluate("globalThis.__worker.terminate()");
    // Chromium closes a terminated worker's sockets as "going away" (1001); a bare TCP drop would read 1006.
    await expect.poll(() => server.closes.find((c) => c.path === "/soak")?.code, { timeout: 30_000 }).toBeDefined();
    expect([1001, 1006]).toContain(server.closes.find((c) => c.path === "/soak")!.code);
    // The page's own Python still talks to servers.
    expect(await run<string>(`
from wsbridge import connect
async with connect(${JSON.stringify(`${fx.server.url}/echo?after-worker`)}) as ws:
    await ws.send("still here")
    echoed = await ws.recv(timeout=10)
echoed`)).toBe("still here");
  });
});
