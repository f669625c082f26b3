// Reliability faults as regression tests, from a Python socket: the server killed mid-stream, handshakes
// refused, the server closing during a burst, a worker terminated mid-stream, 16 MiB frames.
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { startSoakServer, type SoakServer } from "./soak-server.js";

const fx = useBrowser();
const SOAK_PY = readFileSync(new URL("./soak.py", import.meta.url), "utf8");
/** Frames in the mid-stream faults (enough that the fault lands in a stream, not after a handful of frames). */
const STREAM = 10_000;

/** Python: every non-message event of a socket in order, the message count and the last message. */
const EVENTS_PY = `
import asyncio, json, hashlib
from wsbridge import WebSocket

async def events_of(url, binary_type="arraybuffer", send=None):
    log, seen, done = [], {"messages": 0, "last": None}, asyncio.get_event_loop().create_future()
    ws = WebSocket(url)
    ws.binaryType = binary_type
    def on(e):
        if e.type == "message":
            seen["messages"] += 1
            seen["last"] = e.data if isinstance(e.data, str) else hashlib.sha256(bytes(e.data)).hexdigest()
            if send is not None:
                ws.close(1000)
            return
        log.append([e.type, e.code] if e.type == "close" else [e.type])
        if e.type == "open" and send is not None:
            ws.send(send)
        if e.type == "close":
            done.set_result(None)
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = on
    await done
    return json.dumps({"events": log, **seen})
`;

let server: SoakServer;
let page: Page;
let run: <T>(code: string) => Promise<T>;

beforeAll(async () => {
  server = await startSoakServer();
  const python = await fx.newPython({ reuse: true });
  page = python.page;
  run = (code) => python.py.runAsync(code);
  await run(EVENTS_PY);
});
afterAll(async () => {
  await server?.close();
});

/** Runs `events_of(...)` with the given Python arguments. */
async function eventsOf(args: string): Promise<{ events: Array<[string, number?]>; messages: number; last: string | null }> {
  return JSON.parse(await run<string>(`await events_of(${args})`));
}

describe("faults", () => {
  it(`server killed after ${STREAM.toLocaleString("en")} frames: every frame, then error, then close 1006`, async () => {
    const got = await eventsOf(`"${fx.server.url}/die?after=${STREAM}"`);
    expect(got.messages).toBe(STREAM);
    expect(got.last).toBe(String(STREAM - 1));
    expect(got.events).toEqual([["open"], ["error"], ["close", 1006]]);
  });

  it.each([400, 403])("handshake refused with %i: error, then close 1006, no message", async (status) => {
    const url = status === 400 ? `${fx.server.url}/reject` : `${server.url}/refuse?status=${status}`;
    expect(await eventsOf(`"${url}"`)).toEqual({ events: [["error"], ["close", 1006]], messages: 0, last: null });
  });

  it.each(["arraybuffer", "blob"])(`server closing right behind a burst of ${STREAM.toLocaleString("en")} frames (%s): every frame, then its close`, async (binaryType) => {
    const got = await eventsOf(`"${server.url}/burst-close?n=${STREAM}&${binaryType}", "${binaryType}"`);
    expect(got).toMatchObject({ events: [["open"], ["close", 4001]], messages: STREAM });
  });

  it.each(["arraybuffer", "blob"])("a 16 MiB binary frame round-trips intact (%s)", async (binaryType) => {
    const got = await run<string>(`
payload = bytes(range(256)) * (16 * 4096)
r = json.loads(await events_of("${fx.server.url}/echo?big=${binaryType}", "${binaryType}", send=payload))
json.dumps({**r, "sent": hashlib.sha256(payload).hexdigest(), "size": len(payload)})`);
    const r = JSON.parse(got);
    expect(r.size).toBe(16 * 2 ** 20);
    expect(r).toMatchObject({ messages: 1, last: r.sent, events: [["open"], ["close", 1000]] });
  });

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
    expect(await eventsOf(`"${fx.server.url}/echo?after-worker", send="still here"`)).toMatchObject({ messages: 1, last: "still here" });
  });
});
