// Routes across threads in real headless Chromium: main-thread routes (JS and Python) route the WebSockets that
// workers open — a createPythonWorker worker (attached automatically) and a plain module worker wired with
// `routeFromMainThread()` / `shareRoutesWith(worker)`; worker-local routes are checked first.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

/** A Python file of worker-routes-py/, after lines setting the globals it reads (`URL`...) to the given strings. */
function pyFile(name: string, globals: Record<string, string>): string {
  const lines = Object.entries(globals).map(([key, value]) => `${key} = ${JSON.stringify(value)}\n`).join("");
  return lines + readFileSync(join(import.meta.dirname, "worker-routes-py", name), "utf8");
}

/**
 * Defines `runSocket(url, protocols, plan)` in a global (page or worker): opens a socket, follows the plan and
 * resolves with the log of what the socket showed (events, data, readyState, close code/reason/wasClean).
 * plan: { open?: Frame[], openClose?: [code, reason], after?: { [n]: { send?: Frame[], close?: [code, reason] } } } — `after[n]` runs once
 * the n-th message arrived; Frame = string | { bytes: number[] }.
 */
const RUN_SOCKET = String.raw`globalThis.runSocket = (url, protocols, plan) => new Promise((resolve) => {
  const log = [];
  const data = (f) => typeof f === "string" ? f : new Uint8Array(f.bytes);
  const fmt = (d) => typeof d === "string" ? "t:" + d : "b:" + Array.from(new Uint8Array(d)).join(",");
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  log.push("new:" + ws.readyState + ":" + ws.url);
  let n = 0;
  ws.onopen = () => {
    log.push("open:" + ws.readyState + ":" + JSON.stringify(ws.protocol));
    for (const f of plan.open ?? []) ws.send(data(f));
    if (plan.openClose) { ws.close(...plan.openClose); log.push("closing:" + ws.readyState); }
  };
  ws.onmessage = (e) => {
    log.push("message:" + fmt(e.data));
    const step = (plan.after ?? {})[++n];
    if (!step) return;
    for (const f of step.send ?? []) ws.send(data(f));
    if (step.close) { ws.close(...step.close); log.push("closing:" + ws.readyState); }
  };
  ws.onerror = () => log.push("error:" + ws.readyState);
  ws.onclose = (e) => { log.push("close:" + e.code + ":" + JSON.stringify(e.reason) + ":" + e.wasClean + ":" + ws.readyState); resolve(log); };
  setTimeout(() => resolve([...log, "timeout"]), 10000);
});`;

/** The plain worker: imports wsbridge, calls the one-line wiring, then answers `{id, code}` eval requests. */
function plainWorkerSource(base: string): string {
  return `import * as WB from ${JSON.stringify(base + "wsbridge/wsbridge.mjs")};
WB.routeFromMainThread();
globalThis.WB = WB;
${RUN_SOCKET}
self.onmessage = async (e) => {
  const { id, code } = e.data;
  try { postMessage({ id, ok: true, value: await (0, eval)("(async () => {" + code + "})()") }); }
  catch (err) { postMessage({ id, ok: false, error: String(err && err.stack || err) }); }
};`;
}

/** Page globals: WB (wsbridge.mjs), W (worker.mjs), runSocket, jsw(code) → eval in a plain routed worker. */
async function setUpPage(page: Page, options: { python?: boolean } = {}): Promise<void> {
  const base = fx.baseURL;
  await page.evaluate(`(async () => {
    globalThis.WB = await import(${JSON.stringify(base + "wsbridge/wsbridge.mjs")});
    globalThis.W = await import(${JSON.stringify(base + "wsbridge/worker.mjs")});
    ${RUN_SOCKET}
    const url = URL.createObjectURL(new Blob([${JSON.stringify(plainWorkerSource(base))}], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    globalThis.link = WB.shareRoutesWith(worker);
    globalThis.plain = worker;
    let next = 0;
    const waiting = new Map();
    worker.onmessage = (e) => { const w = waiting.get(e.data.id); waiting.delete(e.data.id); e.data.ok ? w.resolve(e.data.value) : w.reject(new Error(e.data.error)); };
    worker.onerror = (e) => { for (const w of waiting.values()) w.reject(new Error("worker error: " + e.message)); };
    globalThis.jsw = (code) => new Promise((resolve, reject) => { const id = next++; waiting.set(id, { resolve, reject }); worker.postMessage({ id, code }); });
    globalThis.routeLog = [];
    if (${Boolean(options.python)}) globalThis.py = await W.createPythonWorker({ indexURL: ${JSON.stringify(base + "pyodide/")} });
  })()`);
}

/** Registers a main-thread JS route for exactly `url`: `handler` is the source of `(route) => ...`; it may push to `routeLog`. */
async function route(page: Page, url: string, handler: string): Promise<void> {
  await page.evaluate(`WB.routeWebSocket((u) => u.href === ${JSON.stringify(url)}, ${handler})`);
}

/** A route that logs what the route end sees (page frames, page close), then behaves per `body`. */
function loggingRoute(body: string): string {
  return `(route) => {
    const rl = (s) => routeLog.push(s);
    const fmt = (m) => typeof m === "string" ? "t:" + m : "b:" + Array.from(m).join(",");
    rl("handler:" + route.url() + ":" + JSON.stringify(route.protocols()));
    ${body}
  }`;
}

describe("routes across threads: the same observable behaviour in a worker as on the main thread", () => {
  let page: Page;
  beforeAll(async () => {
    page = await fx.newPage();
    await setUpPage(page, { python: true });
  });

  type Scenario = { name: string; path: string; handler?: string; protocols?: string[]; plan: object; expected: RegExp[] };
  const scenarios = (): Scenario[] => [
    {
      name: "mock: handler sends first, echoes text and binary, page closes with a code and reason",
      path: "/mock-echo",
      handler: loggingRoute(`route.send("hello"); route.onMessage((m) => { rl("page:" + fmt(m)); route.send(typeof m === "string" ? "echo:" + m : m); }); route.onClose((c, r) => { rl("pageClose:" + c + ":" + r); route.close({ code: c, reason: r }); });`),
      protocols: ["chat", "x"],
      plan: { after: { 1: { send: ["a", { bytes: [1, 2, 255] }] }, 3: { close: [4000, "page bye"] } } },
      expected: [/^open:1:"chat"$/, /^message:t:hello$/, /^message:t:echo:a$/, /^message:b:1,2,255$/, /^closing:2$/, /^close:4000:"page bye":true:3$/],
    },
    {
      name: "mock: the route closes the page with a code and reason",
      path: "/mock-close",
      handler: loggingRoute(`route.onMessage((m) => { rl("page:" + fmt(m)); if (m === "stop") route.close({ code: 4001, reason: "route bye" }); else route.send("ok"); });`),
      plan: { open: ["go"], after: { 1: { send: ["stop", "after-stop"] } } },
      expected: [/^open:1:""$/, /^message:t:ok$/, /^close:4001:"route bye":true:3$/],
    },
    {
      name: "mock: a handler that does nothing opens the socket; page close without onClose",
      path: "/mock-silent",
      handler: loggingRoute(``),
      plan: { open: ["lost"], openClose: [4005, "silent"] },
      expected: [/^open:1:""$/, /^closing:2$/, /^close:4005:"silent":true:3$/],
    },
    {
      name: "server mode: default forwarding both ways, page closes, server echoes the close",
      path: "/echo",
      handler: loggingRoute(`route.connectToServer();`),
      protocols: ["p1"],
      plan: { open: ["x", { bytes: [0, 7] }], after: { 2: { close: [4002, "pc"] } } },
      expected: [/^open:1:"p1"$/, /^message:t:x$/, /^message:b:0,7$/, /^close:4002:"pc":true:3$/],
    },
    {
      name: "server mode: both sides intercepted and rewritten",
      path: "/echo?rewrite",
      handler: loggingRoute(`const server = route.connectToServer(); route.onMessage((m) => { rl("page:" + fmt(m)); server.send("to-server:" + m); }); server.onMessage((m) => { rl("server:" + fmt(m)); route.send("from-server:" + m); if (String(m).includes("two")) server.close({ code: 4003, reason: "enough" }); });`),
      plan: { open: ["one", "two"] },
      expected: [/^message:t:from-server:to-server:one$/, /^message:t:from-server:to-server:two$/, /^close:4003:"enough":true:3$/],
    },
    {
      name: "server mode: the server closes with a code and reason",
      path: "/close?code=4100&reason=srv",
      handler: loggingRoute(`const server = route.connectToServer(); server.onClose((c, r) => { rl("serverClose:" + c + ":" + r); route.close({ code: c, reason: "via route:" + r }); });`),
      plan: { open: ["trigger"] },
      expected: [/^open:1:""$/, /^close:4100:"via route:srv":true:3$/],
    },
    {
      name: "server mode: the handshake fails",
      path: "/reject",
      handler: loggingRoute(`route.connectToServer();`),
      plan: {},
      // (The readyState at the error is the routing engine's business; here only worker = main thread is checked.)
      expected: [/^error:\d$/, /^close:1006:"":false:3$/],
    },
    {
      name: "unmatched: passes through as a native socket (echo, protocol, close)",
      path: "/echo?unrouted",
      protocols: ["proto-a"],
      plan: { open: ["n1", { bytes: [9] }], after: { 2: { close: [4004, "native"] } } },
      expected: [/^open:1:"proto-a"$/, /^message:t:n1$/, /^message:b:9$/, /^close:4004:"native":true:3$/],
    },
    {
      name: "unmatched: a failed handshake errors and closes with 1006",
      path: "/reject?unrouted",
      plan: {},
      expected: [/^error:3$/, /^close:1006:"":false:3$/],
    },
  ];

  for (const s of scenarios()) {
    it(s.name, async () => {
      const url = fx.server.url + s.path;
      if (s.handler) await route(page, url, s.handler);
      const run = async (where: string) => {
        await page.evaluate("routeLog.length = 0");
        const args = `${JSON.stringify(url)}, ${JSON.stringify(s.protocols ?? [])}, ${JSON.stringify(s.plan)}`;
        const log = (await page.evaluate(
          where === "main" ? `runSocket(${args})`
            : where === "plain" ? `jsw(${JSON.stringify(`return runSocket(${args})`)})`
              : `py.runPythonAsync(${JSON.stringify(`import js\njs.eval(${JSON.stringify(RUN_SOCKET)})\nlog = await js.eval(${JSON.stringify(`runSocket(${args})`)})\nlog.to_py()`)})`,
        )) as string[];
        // Frames and closes the route end saw arrive after the page's close; give them a moment.
        await page.waitForTimeout(50);
        return { log, routeLog: (await page.evaluate("[...routeLog]")) as string[] };
      };
      const main = await run("main");
      const plain = await run("plain");
      const pyodide = await run("pyodide");
      for (const re of s.expected) expect(main.log.some((line) => re.test(line)), `${re} in ${main.log.join(" | ")}`).toBe(true);
      expect(main.log).not.toContain("timeout");
      expect(plain).toEqual(main);
      expect(pyodide).toEqual(main);
      if (s.handler) expect(main.routeLog[0]).toBe(`handler:${url}:${JSON.stringify(s.protocols ?? [])}`);
      else expect(main.routeLog).toEqual([]);
    });
  }

  it("no route state is left behind on the main thread once the worker sockets closed", async () => {
    expect(await page.evaluate("[link.size, WB.installRouting().remote.size, WB.installRouting().host.size]")).toEqual([0, 0, 0]);
  });
});

/** A main-thread route for bursts: sends `n` numbered frames (even: 4-byte big-endian binary, odd: text) at once,
 * checks the order of the `n` frames the page sends, then sends `done:<out-of-order count>`. */
const BURST_ROUTE = `(route) => {
  const N = Number(new URL(route.url()).searchParams.get("n"));
  let next = 0, bad = 0;
  route.onMessage((m) => {
    const v = typeof m === "string" ? Number(m) : new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(0);
    if (v !== next || (typeof m === "string") !== (next % 2 === 1)) bad++;
    if (++next === N) route.send("done:" + bad);
  });
  for (let i = 0; i < N; i++) {
    if (i % 2) route.send(String(i));
    else { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, i); route.send(b); }
  }
}`;

/** Worker (or page) JS: opens `url`, sends n numbered frames on open, checks the order of what arrives. */
const JS_BURST = (url: string, n: number) => `
  const N = ${n};
  const t0 = performance.now();
  return await new Promise((resolve) => {
    const ws = new WebSocket(${JSON.stringify(url)});
    ws.binaryType = "arraybuffer";
    let next = 0, bad = 0, done;
    ws.onopen = () => {
      for (let i = 0; i < N; i++) {
        if (i % 2) ws.send(String(i));
        else { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, i); ws.send(b); }
      }
    };
    ws.onmessage = (e) => {
      if (typeof e.data === "string" && e.data.startsWith("done:")) { done = e.data; ws.close(1000, "bye"); return; }
      const v = typeof e.data === "string" ? Number(e.data) : new DataView(e.data).getUint32(0);
      if (v !== next || (typeof e.data === "string") !== (next % 2 === 1)) bad++;
      next++;
    };
    ws.onclose = (e) => resolve({ received: next, bad, done, code: e.code, ms: Math.round(performance.now() - t0) });
  });`;

describe("routes across threads: bursts, transfers, worker-local routes, lifetime", () => {
  let page: Page;
  beforeAll(async () => {
    page = await fx.newPage();
    await setUpPage(page, { python: true });
    await page.evaluate(`WB.routeWebSocket("**/burst-route*", ${BURST_ROUTE})`);
  });

  it("10,000 frames each way keep their order: JS socket in a plain worker, main-thread JS mock route", async () => {
    const url = `${fx.server.url}/burst-route?n=10000`;
    const main = (await page.evaluate(`(async () => { ${JS_BURST(url, 10_000)} })()`)) as Record<string, unknown>;
    const worker = (await page.evaluate(`jsw(${JSON.stringify(JS_BURST(url + "&w", 10_000))})`)) as Record<string, unknown>;
    console.log(`burst 10,000 each way: main thread ${main.ms} ms, plain worker ${worker.ms} ms`);
    expect(main).toMatchObject({ received: 10_000, bad: 0, done: "done:0", code: 1000 });
    expect(worker).toMatchObject({ received: 10_000, bad: 0, done: "done:0", code: 1000 });
  });

  it("10,000 frames each way keep their order: Python connect() in a createPythonWorker worker", async () => {
    const url = `${fx.server.url}/burst-route?n=10000&py`;
    const r = await page.evaluate(`py.runPythonAsync(${JSON.stringify(pyFile("burst_connect.py", { URL: url }))})`) as Record<string, unknown>;
    console.log(`burst 10,000 each way, Python connect() in the worker: ${r.ms} ms`);
    expect(r).toMatchObject({ bad: 0, done: "done:0" });
  });

  it("10,000 frames each way through a main-thread route in server mode (forwarding to the real server)", async () => {
    // The route forwards both ways; the server sends 10,000 numbered frames, then echoes what the page sends.
    const url = `${fx.server.url}/burst?n=10000&binary=1`;
    await route(page, url, `(route) => { route.connectToServer(); }`);
    const r = await page.evaluate(`jsw(${JSON.stringify(`
      const t0 = performance.now();
      return await new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(url)});
        ws.binaryType = "arraybuffer";
        let n = 0, bad = 0, echoed = 0;
        ws.onmessage = (e) => {
          if (typeof e.data === "string") { if (e.data !== "e" + echoed++) bad++; if (echoed === 10000) ws.close(4321, "enough"); return; }
          if (new DataView(e.data).getUint32(0) !== n++) bad++;
          if (n === 10000) for (let i = 0; i < 10000; i++) ws.send("e" + i);
        };
        ws.onclose = (e) => resolve({ n, echoed, bad, code: e.code, reason: e.reason, wasClean: e.wasClean, ms: Math.round(performance.now() - t0) });
      });`)})`) as Record<string, unknown>;
    console.log(`server-mode burst 10,000 each way in the worker: ${r.ms} ms`);
    expect(r).toMatchObject({ n: 10_000, echoed: 10_000, bad: 0, code: 4321, reason: "enough", wasClean: true });
    const log = fx.server.received.find((c) => c.path === "/burst?n=10000&binary=1");
    expect(log?.frames.length).toBe(10_000);
    expect(log?.frames.every((f, i) => f === "e" + i)).toBe(true);
  });

  it("binary frames cross the thread boundary transferred, not copied, both ways", async () => {
    const url = `${fx.server.url}/transfer`;
    await route(page, url, `(route) => route.onMessage((m) => route.send(m))`);
    await page.evaluate(`(() => {
      globalThis.mainTransfers = 0;
      const post = MessagePort.prototype.postMessage;
      MessagePort.prototype.postMessage = function (message, transfer) {
        for (const t of Array.isArray(transfer) ? transfer : []) if (t instanceof ArrayBuffer) mainTransfers += t.byteLength;
        return post.call(this, message, transfer);
      };
    })()`);
    const r = await page.evaluate(`jsw(${JSON.stringify(`
      let transferred = 0;
      const post = MessagePort.prototype.postMessage;
      MessagePort.prototype.postMessage = function (message, transfer) {
        for (const t of Array.isArray(transfer) ? transfer : []) if (t instanceof ArrayBuffer) transferred += t.byteLength;
        return post.call(this, message, transfer);
      };
      try {
        return await new Promise((resolve) => {
          const ws = new WebSocket(${JSON.stringify(url)});
          ws.binaryType = "arraybuffer";
          const got = [];
          ws.onopen = () => { ws.send(new Uint8Array(100000).fill(7)); ws.send(new Uint8Array(50000).fill(9)); ws.send("text"); };
          ws.onmessage = (e) => { got.push(typeof e.data === "string" ? e.data : e.data.byteLength + ":" + new Uint8Array(e.data)[0]); if (got.length === 3) ws.close(); };
          ws.onclose = () => resolve({ got, transferred });
        });
      } finally { MessagePort.prototype.postMessage = post; }`)})`) as Record<string, unknown>;
    const mainTransfers = await page.evaluate("mainTransfers");
    expect(r).toEqual({ got: ["100000:7", "50000:9", "text"], transferred: 150_000 });
    expect(mainTransfers).toBe(150_000);
  });

  it("a route registered inside the worker takes that worker's sockets first; others still reach the main thread's routes", async () => {
    const base = `${fx.server.url}/local`;
    await page.evaluate(`WB.routeWebSocket(${JSON.stringify(base + "/**")}, (route) => route.onMessage((m) => route.send("main:" + m)))`);
    const r = await page.evaluate(`jsw(${JSON.stringify(`
      await WB.routeWebSocket(${JSON.stringify(base + "/mine")}, (route) => route.onMessage((m) => route.send("worker:" + m)));
      const ask = (url) => new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => ws.send("hi");
        ws.onmessage = (e) => { ws.close(); resolve(e.data); };
      });
      return [await ask(${JSON.stringify(base + "/mine")}), await ask(${JSON.stringify(base + "/other")})];`)})`);
    expect(r).toEqual(["worker:hi", "main:hi"]);
    // The page's own socket to /local/mine is routed by the main thread's route only.
    const own = await page.evaluate(`new Promise((resolve) => { const ws = new WebSocket(${JSON.stringify(base + "/mine")}); ws.onopen = () => ws.send("hi"); ws.onmessage = (e) => { ws.close(); resolve(e.data); }; })`);
    expect(own).toBe("main:hi");
  });

  it("resetRouting on the main thread closes the worker's routed sockets (1001) and the route end forgets them", async () => {
    const url = `${fx.server.url}/reset-me`;
    // An earlier test's socket may not be released yet: waiting for size 1 below must mean this test's socket.
    await page.waitForFunction(`WB.installRouting().remote.size === 0`);
    await route(page, url, `(route) => { route.onMessage(() => {}); }`);
    const closed = page.evaluate(`jsw(${JSON.stringify(`
      return await new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(url)});
        ws.onopen = () => postMessage({ id: -1 });
        ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean]);
      });`)})`);
    await page.waitForFunction(`WB.installRouting().remote.size === 1`);
    await page.evaluate("WB.resetRouting()");
    expect(await closed).toEqual([1001, "wsbridge reset", true]);
    await page.waitForFunction(`WB.installRouting().remote.size === 0 && link.size === 0`);
    await page.evaluate(`WB.routeWebSocket("**/burst-route*", ${BURST_ROUTE})`);
  });

  it("when a createPythonWorker worker is terminated, its routed sockets' routes see the page close and are released", async () => {
    const p2 = await fx.newPage();
    await setUpPage(p2, { python: true });
    const url = `${fx.server.url}/doomed`;
    await p2.evaluate(`globalThis.disposed = []; WB.routeWebSocket(${JSON.stringify(url)}, (route) => { route.onClose((c, r) => disposed.push("close:" + c)); route.send("hello"); })`);
    await p2.evaluate(`py.runPythonAsync(${JSON.stringify(`
import asyncio
from wsbridge import connect
ws = await connect(${JSON.stringify(url)}).__aenter__()
await ws.recv()`)})`);
    expect(await p2.evaluate("WB.installRouting().host.size")).toBe(1);
    await p2.evaluate("py.terminate()");
    expect(await p2.evaluate("[disposed, WB.installRouting().host.size, WB.installRouting().remote.size]")).toEqual([["close:undefined"], 0, 0]); // the page went away: onClose with no code (Playwright's rule)
    await p2.close();
  });
});

describe("routes across threads: the one-line wiring of a plain worker", () => {
  it("a socket opened before the main thread's port arrives waits for it, then is routed", async () => {
    const page = await fx.newPage();
    const url = `${fx.server.url}/early`;
    const source = `import * as WB from ${JSON.stringify(fx.baseURL + "wsbridge/wsbridge.mjs")};
WB.routeFromMainThread();
const ws = new WebSocket(${JSON.stringify(url)});
const log = ["state:" + ws.readyState];
postMessage("socket made");
ws.onopen = () => { log.push("open"); ws.send("early"); };
ws.onmessage = (e) => { log.push("message:" + e.data); ws.close(4020, "done"); };
ws.onclose = (e) => { log.push("close:" + e.code + ":" + e.reason); postMessage(log); };
self.onmessage = (e) => postMessage(["user message reached onmessage: " + JSON.stringify(e.data)]);`;
    const r = await page.evaluate(`(async () => {
      const WB = await import(${JSON.stringify(fx.baseURL + "wsbridge/wsbridge.mjs")});
      await WB.routeWebSocket(${JSON.stringify(url)}, (route) => route.onMessage((m) => route.send("routed " + m)));
      const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(source)}], { type: "text/javascript" })), { type: "module" });
      const messages = [];
      let made;
      const socketMade = new Promise((resolve) => { made = resolve; });
      const done = new Promise((resolve) => { worker.onmessage = (e) => {
        if (e.data === "socket made") return made();
        messages.push(e.data);
        if (messages.length === 2) resolve(messages);
      }; });
      // The worker runs and opens its socket before the port comes.
      await socketMade;
      WB.shareRoutesWith(worker);
      worker.postMessage("hello worker");
      return await done;
    })()`);
    // The port message never reached the worker's own onmessage; the page's own message did.
    expect(r).toHaveLength(2);
    expect(r).toContainEqual(["user message reached onmessage: \"hello worker\""]);
    expect(r).toContainEqual(["state:0", "open", "message:routed early", "close:4020:done"]);
    await page.close();
  });
});

describe("routes across threads: Python on both sides", () => {
  let page: Page;
  let main: { run<T = unknown>(code: string): Promise<T>; runAsync<T = unknown>(code: string): Promise<T> };
  /** Runs Python in the createPythonWorker worker of the page. */
  const inWorker = (code: string) => page.evaluate(`py.runPythonAsync(${JSON.stringify(code)})`);
  beforeAll(async () => {
    const python = await fx.newPython(); // main-thread Pyodide with wsbridge
    page = python.page;
    main = python.py;
    await setUpPage(page, { python: true }); // and a worker with its own Pyodide
  });

  it("wsbridge.WebSocket in the worker, mocked by a main-thread Python route_web_socket; the route closes with a code and reason", async () => {
    const url = `${fx.server.url}/py-mock`;
    await main.run(pyFile("mock_route.py", { URL: url }));
    const log = await inWorker(pyFile("mock_worker.py", { URL: url }));
    expect(log).toEqual(["open", "welcome py-mock", "ABC", "030201", "close 4010 mock done True"]);
    expect(await main.run("[m if isinstance(m, str) else m.hex() for m in seen]")).toEqual(["abc", "010203", "bye"]);
  });

  it("connect() in the worker through a main-thread Python route in server mode; the worker closes with a code and reason", async () => {
    const url = `${fx.server.url}/echo?py-server`;
    await main.run(pyFile("server_route.py", { URL: url }));
    const r = await inWorker(pyFile("server_worker.py", { URL: url }));
    expect(r).toEqual(["py:hello", "0001" + "21", 4011, "worker done"]);
    // What the route's on_close saw for the worker's socket is what it sees for a main-thread socket doing the same.
    const fromWorker = await main.run<unknown[]>("c = list(closes); closes.clear(); c");
    expect(fromWorker[0]).toEqual([4011, "worker done"]);
    const fromMain = await main.runAsync(`
from wsbridge import connect
async with connect(${JSON.stringify(url)}) as ws:
    await ws.send("hello")
    await ws.recv()
    await ws.close(4011, "worker done")
closes`);
    expect(fromWorker).toEqual(fromMain);
    await expect.poll(() => fx.server.received.find((c) => c.path === "/echo?py-server")?.closed).toEqual({ code: 4011, reason: "worker done" });
    expect(fx.server.received.filter((c) => c.path === "/echo?py-server")[0]?.frames).toEqual(["py:hello", Buffer.from([0, 1, 0x21])]);
  });

  it("a Python route_web_socket registered inside the worker wins over the main thread's; unmatched URLs pass through", async () => {
    const base = `${fx.server.url}/py-local`;
    await main.run(`
from wsbridge import route_web_socket
route_web_socket(${JSON.stringify(base + "/**")}, lambda route: route.on_message(lambda m: route.send("main:" + m)))
`);
    const r = await inWorker(pyFile("local_route_worker.py", { BASE: base, UNROUTED: `${fx.server.url}/echo?py-unrouted` }));
    expect(r).toEqual(["worker:hi", "main:hi", "hi"]);
    expect(fx.server.received.find((c) => c.path === "/echo?py-unrouted")?.frames).toEqual(["hi"]);
  });

  it("a JS socket in the createPythonWorker worker is routed by a main-thread Python route too", async () => {
    const url = `${fx.server.url}/py-js`;
    await main.run(`
from wsbridge import route_web_socket
route_web_socket(${JSON.stringify(url)}, lambda route: route.on_message(lambda m: route.close(4012, "js " + m)))
`);
    const r = await inWorker(`
import js
r = await js.eval(${JSON.stringify(`new Promise((resolve) => { const ws = new WebSocket(${JSON.stringify(url)}); ws.onopen = () => ws.send("x"); ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean]); })`)})
r.to_py()`);
    expect(r).toEqual([4012, "js x", true]);
  });
});
