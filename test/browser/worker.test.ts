// createPythonWorker in real headless Chromium: Pyodide + wsbridge in a module worker, driven through Comlink.
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useBrowser, withCompiledStdlib } from "../helpers/browser.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";

const browserFx = useBrowser();

// The shared static server mounts `wsbridge/` at distDir(), which is src/playwright/ when the fixture runs
// from source under vitest (404 for every built file). Serve dist/ from a server of our own instead.
const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
let own: StaticServer;
beforeAll(async () => {
  own = await startStaticServer({ mounts: { wsbridge: DIST }, ...withCompiledStdlib() });
});
afterAll(async () => {
  await own?.close();
});
const fx = {
  get baseURL() { return own.url; },
  get server() { return browserFx.server; },
  async newPage(): Promise<Page> {
    const page = await browserFx.browser.newPage();
    await page.goto(own.url);
    return page;
  },
};

/** A Python file of worker-py/, after a line setting `SERVER` to the ws test server's URL (`ws://127.0.0.1:PORT`). */
const workerPy = (name: string): string =>
  `SERVER = ${JSON.stringify(fx.server.url)}\n` + readFileSync(join(import.meta.dirname, "worker-py", name), "utf8");

// vitest rewrites `import()` inside functions given to page.evaluate, so modules are imported from strings.
async function withWorkerModule(page: Page): Promise<void> {
  await page.evaluate(`(async () => { globalThis.W = await import(${JSON.stringify(fx.baseURL + "wsbridge/worker.mjs")}); })()`);
}

/** A page with `globalThis.W` (the wsbridge/worker module) and `globalThis.py` (a started worker). */
async function pageWithWorker(): Promise<Page> {
  const page = await fx.newPage();
  await withWorkerModule(page);
  await page.evaluate(async (indexURL) => {
    const g = globalThis as any;
    g.py = await g.W.createPythonWorker({ indexURL, timeout: 60_000 });
  }, fx.baseURL + "pyodide/");
  return page;
}

/** Runs `body` in the page and returns `{ ok, value }` or `{ ok: false, name, message, type }`. */
async function settle(page: Page, body: string): Promise<any> {
  return page.evaluate(`(async () => {
    try { return { ok: true, value: await (async () => { ${body} })() }; }
    catch (e) { return { ok: false, name: e && e.name, message: String(e && e.message), type: e && e.type, isPythonError: e instanceof globalThis.W.PythonError, isDied: e instanceof globalThis.W.WorkerDiedError }; }
  })()`);
}

describe("createPythonWorker: running Python", () => {
  let page: Page;
  beforeAll(async () => {
    page = await pageWithWorker();
  });

  it("starts Pyodide in a module worker with wsbridge importable", async () => {
    const r = await settle(page, `
      const v = await py.runPython("import sys, wsbridge; [sys.platform, wsbridge.__version__, type(wsbridge).__name__]");
      return { v, version: py.pyodideVersion, isWorker: py.worker instanceof Worker };`);
    expect(r).toEqual({ ok: true, value: { v: ["emscripten", "0.1.0", "module"], version: expect.stringMatching(/^0\.|^314/), isWorker: true } });
    // The code ran in the worker, not in the page: the page has no Pyodide.
    expect(await page.evaluate(() => typeof (globalThis as any).pyodide + typeof (globalThis as any).loadPyodide)).toBe("undefinedundefined");
    expect(await settle(page, `return py.runPython("import js; type(js.globalThis).__name__ + ':' + str(js.globalThis.constructor.name)")`)).toEqual({ ok: true, value: "JsProxy:DedicatedWorkerGlobalScope" });
  });

  it("runPython converts numbers, strings, None, dicts, lists, tuples, sets and big ints", async () => {
    const r = await settle(page, `
      return [
        await py.runPython("1 + 2"),
        await py.runPython("0.5"),
        await py.runPython("'héllo'"),
        await py.runPython("None"),
        await py.runPython("True"),
        await py.runPython("{'a': 1, 'b': [1, 2.5, 'x', None], 'c': {'d': (1, 2)}}"),
        await py.runPython("sorted({3, 1, 2})"),
        await py.runPython("{7}"),
        await py.runPython("2 ** 70"),
        await py.runPython("object()"),
      ];`);
    expect(r.ok).toBe(true);
    const [three, half, s, none, t, dict, sorted, set, big, obj] = r.value;
    expect([three, half, s, none, t]).toEqual([3, 0.5, "héllo", undefined, true]);
    // None at the top level is undefined, inside a list or dict null (the one rule of src/pyodide/convert.ts).
    expect(dict).toEqual({ a: 1, b: [1, 2.5, "x", null], c: { d: [1, 2] } });
    expect(sorted).toEqual([1, 2, 3]);
    expect(set).toEqual([7]);
    expect(big).toBe(2n ** 70n);
    expect(obj).toMatch(/^<object object at 0x[0-9a-f]+>$/);
  });

  it("runPythonAsync awaits top-level await and converts the result", async () => {
    const r = await settle(page, `return py.runPythonAsync("import asyncio\\nawait asyncio.sleep(0.01)\\n{'n': 41 + 1, 'l': [x * x for x in range(4)]}")`);
    expect(r).toEqual({ ok: true, value: { n: 42, l: [0, 1, 4, 9] } });
  });

  it("bytes, bytearray and memoryview come back as Uint8Array, also nested", async () => {
    const r = await settle(page, `
      const b = await py.runPython("b'\\\\x00\\\\x01\\\\xff'");
      const nested = await py.runPythonAsync("{'payload': bytearray(b'ab'), 'views': [memoryview(b'xyz')[1:]]}");
      return { b: [b.constructor.name, Array.from(b)], p: [nested.payload.constructor.name, Array.from(nested.payload)], v: Array.from(nested.views[0]) };`);
    expect(r).toEqual({ ok: true, value: { b: ["Uint8Array", [0, 1, 255]], p: ["Uint8Array", [97, 98]], v: [121, 122] } });
  });

  it("a Python exception rejects with a PythonError carrying the traceback and the exception type", async () => {
    const r = await settle(page, `return py.runPython("def f():\\n    raise ValueError('bad value 42')\\nf()")`);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ name: "PythonError", type: "ValueError", isPythonError: true });
    expect(r.message).toContain("Traceback (most recent call last)");
    expect(r.message).toContain("in f");
    expect(r.message).toMatch(/ValueError: bad value 42\s*$/);
    const a = await settle(page, `return py.runPythonAsync("import asyncio\\nawait asyncio.sleep(0)\\n1/0")`);
    expect(a).toMatchObject({ ok: false, name: "PythonError", type: "ZeroDivisionError" });
    expect(a.message).toContain("ZeroDivisionError: division by zero");
    // The worker is still usable afterwards.
    expect(await settle(page, `return py.runPython("6 * 7")`)).toEqual({ ok: true, value: 42 });
  });

  it("setGlobal converts data to Python: dict, list, str, numbers, bytes", async () => {
    const r = await settle(page, `
      await py.setGlobal("cfg", { name: "x", n: 3, items: [1, 2, { deep: true }], raw: new Uint8Array([1, 2, 3]) });
      await py.setGlobal("count", 5);
      await py.setGlobal("label", "hi");
      await py.setGlobal("blob", new Uint8Array([9, 8]).buffer);
      return py.runPython("[type(cfg).__name__, cfg['name'], cfg['n'] * 2, cfg['items'][2]['deep'], type(cfg['raw']).__name__, list(cfg['raw']), count + 1, label * 2, type(blob).__name__, list(blob)]");`);
    expect(r).toEqual({ ok: true, value: ["dict", "x", 6, true, "bytes", [1, 2, 3], 6, "hihi", "bytes", [9, 8]] });
  });

  it("setGlobal with a proxied main-thread function: Python calls it and awaits the result", async () => {
    const r = await settle(page, `
      const calls = [];
      await py.setGlobal("on_main", W.proxy((a, b) => { calls.push([a, b, typeof document]); return { sum: a.x + b, where: "main" }; }));
      // A plain function is proxied automatically.
      await py.setGlobal("log", (msg) => { calls.push(["log", msg]); });
      const result = await py.runPythonAsync("r = await on_main({'x': 40}, 2)\\nawait log('done')\\nr.to_py()");
      return { result, calls };`);
    expect(r).toEqual({ ok: true, value: { result: { sum: 42, where: "main" }, calls: [[{ x: 40 }, 2, "object"], ["log", "done"]] } });
  });

  it("a rejected main-thread callback raises in Python", async () => {
    const r = await settle(page, `
      await py.setGlobal("fails", () => { throw new Error("main says no"); });
      return py.runPythonAsync("try:\\n    await fails()\\n    out = 'no error'\\nexcept Exception as e:\\n    out = str(e)\\nout");`);
    expect(r.ok).toBe(true);
    expect(r.value).toContain("main says no");
  });

  it("binary data is transferred, not copied, in both directions", async () => {
    const r = await settle(page, `
      // Main → worker: a buffer passed with transfer() is detached on the main thread.
      const sent = new Uint8Array([5, 6, 7]);
      await py.setGlobal("incoming", W.transfer(sent, [sent.buffer]));
      const afterSend = sent.buffer.byteLength;
      const seen = await py.runPython("list(incoming)");
      // Worker → main: a JS buffer Python returns is detached in the worker once transferred.
      const back = await py.runPython("from js import Uint8Array\\nheld = Uint8Array.new([1, 2, 3, 4])\\nheld");
      const heldAfter = await py.runPython("held.byteLength");
      // A Python callback argument with bytes arrives as a Uint8Array.
      let arg;
      await py.setGlobal("take", (x) => { arg = [x.constructor.name, Array.from(x)]; });
      await py.runPythonAsync("await take(b'\\\\x10\\\\x20')");
      return { afterSend, seen, back: [back.constructor.name, Array.from(back)], heldAfter, arg };`);
    expect(r).toEqual({ ok: true, value: { afterSend: 0, seen: [5, 6, 7], back: ["Uint8Array", [1, 2, 3, 4]], heldAfter: 0, arg: ["Uint8Array", [16, 32]] } });
  });

  it("a large bytes result arrives intact", async () => {
    const r = await settle(page, `
      const big = await py.runPython("bytes(range(256)) * 4096");
      let ok = big.length === 1 << 20;
      for (let i = 0; ok && i < big.length; i += 4099) ok = big[i] === i % 256;
      return { ok, len: big.length };`);
    expect(r).toEqual({ ok: true, value: { ok: true, len: 1 << 20 } });
  });

  it("a result that cannot be cloned rejects with a clear error and the worker carries on", async () => {
    const r = await settle(page, `return py.runPython("from js import setTimeout\\nsetTimeout")`);
    expect(r).toMatchObject({ ok: false, name: "TypeError" });
    expect(r.message).toMatch(/^wsbridge worker: the result cannot be sent to the main thread \(.*\); return plain data/);
    const obj = await settle(page, `return py.runPython("from js import Object\\no = Object.new()\\no.a = 1\\no.f = setTimeout\\no")`);
    expect(obj).toMatchObject({ ok: false, name: "TypeError" });
    expect(await settle(page, `return py.runPython("from js import Object\\no = Object.new()\\no.a = 1\\no")`)).toEqual({ ok: true, value: { a: 1 } });
  });

  it("attachPort with an unknown service kind rejects and closes the port", async () => {
    const r = await settle(page, `
      const channel = new MessageChannel();
      let error;
      try { await py.attachPort("no-such-service", channel.port2); } catch (e) { error = e.message; }
      return { error, detached: (() => { try { structuredClone(channel.port2, { transfer: [channel.port2] }); return false; } catch { return true; } })() };`);
    expect(r).toEqual({ ok: true, value: { error: 'wsbridge worker: no port service named "no-such-service" (known: routes)', detached: true } });
  });

  it("Python output can be forwarded to the main thread", async () => {
    const p2 = await fx.newPage();
    await withWorkerModule(p2);
    const r = await p2.evaluate(async (indexURL) => {
      const g = globalThis as any;
      const out: string[] = [];
      const err: string[] = [];
      // Output lines travel apart from the call's result: wait until both arrived (the test's deadline bounds it).
      let bothSeen = () => {};
      const both = new Promise<void>((ok) => { bothSeen = ok; });
      const note = (lines: string[], line: string) => { lines.push(line); if (out.length && err.length) bothSeen(); };
      const w = await g.W.createPythonWorker({ indexURL, stdout: (l: string) => note(out, l), stderr: (l: string) => note(err, l) });
      await w.runPython("import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)");
      await both;
      w.terminate();
      return { out, err };
    }, fx.baseURL + "pyodide/");
    expect(r.out).toContain("to stdout");
    expect(r.err).toContain("to stderr");
    await p2.close();
  });
});

describe("createPythonWorker: served from another origin", () => {
  let cdn: StaticServer;
  beforeAll(async () => {
    cdn = await startStaticServer({ mounts: { wsbridge: DIST }, ...withCompiledStdlib() });
  });
  afterAll(async () => {
    await cdn?.close();
  });

  it("starts the worker through a same-origin blob when wsbridge and Pyodide come from another origin", async () => {
    const page = await fx.newPage();
    expect(new URL(cdn.url).origin).not.toBe(new URL(page.url()).origin);
    await page.evaluate(`(async () => { globalThis.W = await import(${JSON.stringify(cdn.url + "wsbridge/worker.mjs")}); })()`);
    const r = await settle(page, `
      const w = await W.createPythonWorker({ indexURL: ${JSON.stringify(cdn.url + "pyodide/pyodide.mjs")} });
      const out = [w.worker instanceof Worker, await w.runPython("import wsbridge; wsbridge.__version__")];
      w.terminate();
      return out;`);
    expect(r).toEqual({ ok: true, value: [true, "0.1.0"] });
  });
});

describe("createPythonWorker: failures never hang", () => {
  let silent: Server;
  let silentURL: string;
  const sockets = new Set<import("node:net").Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a Pyodide URL that hangs.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    silentURL = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/pyodide/`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((ok) => silent.close(() => ok()));
  });

  it("a bad indexURL rejects with an error naming the URL", async () => {
    const page = await fx.newPage();
    await withWorkerModule(page);
    const t0 = Date.now();
    const r = await settle(page, `return W.createPythonWorker({ indexURL: ${JSON.stringify(fx.baseURL + "no-such-folder/")}, timeout: 20000 })`);
    expect(r.ok).toBe(false);
    expect(r.message).toContain(fx.baseURL + "no-such-folder/pyodide.mjs");
    expect(r.message).toMatch(/^wsbridge worker: failed importing \S+pyodide\.mjs after \d+ ms: /);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("an indexURL that never answers rejects after the timeout, naming the URL", async () => {
    const page = await fx.newPage();
    await withWorkerModule(page);
    const t0 = Date.now();
    const r = await settle(page, `return W.createPythonWorker({ indexURL: ${JSON.stringify(silentURL)}, timeout: 1500 })`);
    const elapsed = Date.now() - t0;
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^wsbridge worker: Pyodide and wsbridge did not load within 1500 ms from (\S+): download of pyodide\.mjs was still running after \d+ ms, \d+ ms in all$/);
    expect(r.message).toContain(`from ${silentURL}:`);
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("a missing worker script rejects with an error naming it", async () => {
    const page = await fx.newPage();
    await withWorkerModule(page);
    const url = fx.baseURL + "wsbridge/no-such-runtime.mjs";
    const t0 = Date.now();
    const r = await settle(page, `return W.createPythonWorker({ indexURL: ${JSON.stringify(fx.baseURL + "pyodide/")}, workerURL: ${JSON.stringify(url)}, timeout: 20000 })`);
    expect(r).toMatchObject({ ok: false, name: "WorkerDiedError", isDied: true });
    expect(r.message).toContain(url);
    expect(r.message).toMatch(/could not run/);
    expect(Date.now() - t0).toBeLessThan(10_000); // from the worker's error event, not the load timeout
  });

  it("terminate() rejects pending calls and every later call", async () => {
    const page = await pageWithWorker();
    const r = await settle(page, `
      let began = () => {};
      const running = new Promise((ok) => { began = ok; });
      await py.setGlobal("began", () => began());
      const pending = py.runPythonAsync("import asyncio\\nbegan()\\nawait asyncio.sleep(30)\\n'finished'");
      const outcome = pending.then((v) => ({ resolved: v }), (e) => ({ name: e.name, message: e.message }));
      await running; // the call is running in the worker
      const t0 = performance.now();
      py.terminate();
      const first = await outcome;
      const waited = performance.now() - t0;
      const later = await py.runPython("1").then((v) => ({ resolved: v }), (e) => ({ name: e.name, message: e.message }));
      const closed = (await py.closed).message;
      return { first, later, closed, fast: waited < 1000 };`);
    expect(r).toEqual({
      ok: true,
      value: {
        first: { name: "WorkerDiedError", message: "wsbridge worker was terminated" },
        later: { name: "WorkerDiedError", message: "wsbridge worker was terminated" },
        closed: "wsbridge worker was terminated",
        fast: true,
      },
    });
  });

  it("an uncaught error in the worker rejects pending calls with a crash error", async () => {
    const page = await pageWithWorker();
    const r = await settle(page, `
      const pending = py.runPythonAsync("import asyncio\\nawait asyncio.sleep(30)\\n'finished'");
      const outcome = pending.then((v) => ({ resolved: v }), (e) => ({ name: e.name, message: e.message }));
      // Throw from a worker timer: nothing in the worker catches it.
      await py.runPython("from js import setTimeout, Function\\nsetTimeout(Function.new('throw new Error(\\"boom in worker\\")'), 0)");
      const first = await outcome;
      const later = await py.runPython("1").then((v) => ({ resolved: v }), (e) => ({ name: e.name, message: e.message }));
      return { first, later };`);
    expect(r.ok).toBe(true);
    expect(r.value.first.name).toBe("WorkerDiedError");
    expect(r.value.first.message).toMatch(/^wsbridge worker crashed: .*boom in worker/);
    expect(r.value.later).toEqual(r.value.first);
  });
});

describe("createPythonWorker: wsbridge sockets inside the worker", () => {
  let page: Page;
  beforeAll(async () => {
    page = await pageWithWorker();
  });

  it("WebSocket from worker Python echoes text and bytes with the real ws server", async () => {
    const r = await settle(page, `return py.runPythonAsync(${JSON.stringify(workerPy("websocket_echo.py"))})`);
    expect(r).toEqual({
      ok: true,
      value: {
        got: [["str", "hello from the worker"], ["memoryview", [0, 1, 254, 255]]],
        closed: [4001, "worker done", true],
        state: 3,
      },
    });
    const log = fx.server.received.find((c) => c.path === "/echo?worker-websocket");
    expect(log?.frames).toEqual(["hello from the worker", Buffer.from([0, 1, 254, 255])]);
    expect(log?.closed).toEqual({ code: 4001, reason: "worker done" });
  });

  it("connect() from worker Python: send/recv text and bytes, ordered burst, close code", async () => {
    const r = await settle(page, `return py.runPythonAsync(${JSON.stringify(workerPy("connect_echo.py"))})`);
    expect(r).toEqual({ ok: true, value: { text: "ping", bytes: ["bytes", [1, 2, 3]], code: 1000, burst_in_order: true, closed: [4002, "bye"] } });
  });

  it("an exception in a socket handler is reported, and does not crash the worker", async () => {
    const r = await settle(page, `
      let crashed = false;
      py.closed.then(() => { crashed = true; });
      const v = await py.runPythonAsync(${JSON.stringify(workerPy("handler_exception.py"))});
      const after = await py.runPython("2 + 2"); // a round trip after the handler's exception: a crash would show first
      return { v, crashed, after };`);
    expect(r).toEqual({ ok: true, value: { v: 1005, crashed: false, after: 4 } });
  });

  it("bytes received by worker Python reach the main thread as a transferred Uint8Array", async () => {
    const r = await settle(page, `
      const frames = [];
      await py.setGlobal("deliver", (frame) => { frames.push([frame.constructor.name, frame.length, frame[0], frame[frame.length - 1]]); });
      await py.runPythonAsync(${JSON.stringify(`
from wsbridge import connect
async with connect(${JSON.stringify(`${fx.server.url}/echo`)}) as ws:
    for i in range(3):
        await ws.send(bytes([i]) * 100_000 + bytes([255 - i]))
        await deliver(await ws.recv(timeout=5))
`)});
      return frames;`);
    expect(r).toEqual({ ok: true, value: [["Uint8Array", 100_001, 0, 255], ["Uint8Array", 100_001, 1, 254], ["Uint8Array", 100_001, 2, 253]] });
  });
});
