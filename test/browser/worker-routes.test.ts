// Routes across threads in real headless Chromium: main-thread routes (JS and Python) route the WebSockets that
// workers open — a createPythonWorker worker (attached automatically) and a plain module worker wired with
// `routeFromMainThread()` / `shareRoutesWith(worker)`; worker-local routes are checked first.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

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
