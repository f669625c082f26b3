// Differential harness: one page script + route handler sources, run under Playwright's real
// page.routeWebSocket (handlers in Node), under wsbridge's routeWebSocket (same handler source in the page),
// and with no route at all; each run returns the page's event log and what the ws server received.
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { TestServer } from "../../src/playwright/test-server.js";

/** One route of a scenario: `url` and `handler` are JS expression sources, evaluated where the handler runs, with
 * `h` in scope: `h.tag(m)` ("text:..." / "binary:<hex>"), `h.bin([..])`, `h.text(m)`, `h.sleep(ms)`, `h.S` (server URL). */
export interface RouteSpec {
  url: string;
  handler: string;
  scope?: "page" | "context";
}

/** A scenario: the page script (an async function body) and its routes. */
export interface Scenario {
  routes: RouteSpec[];
  /** Body of an async function with `S` (server URL), `track`, `next`, `closed`, `attempt`, `state`, `log`, `sleep`, `bin`, `blob`. */
  page: string;
  /** Runs to compare with wsbridge (default: Playwright only). "native" runs the script with no route and no wsbridge. */
  compare?: Array<"playwright" | "native">;
  /** Where wsbridge deliberately differs from Playwright: why, and the check that replaces equality with Playwright. */
  divergence?: { why: string; check(ours: RunResult, playwright: RunResult): void; racy?: boolean };
  /** Where wsbridge follows Playwright and Playwright differs from the browser's own socket (compared with "native"). */
  nativeDiffers?: { why: string; check(ours: RunResult, native: RunResult): void };
}

/** What one run observed. */
export interface RunResult {
  log: unknown[];
  server: Array<{ path: string; frames: string[]; closed?: { code: number; reason: string } }>;
}

/** Helpers shared by page scripts and in-page handlers, installed as an init script (plain JS). */
export const PAGE_HELPERS = String.raw`(() => {
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const h = {
    tag: (m) => typeof m === "string" ? "text:" + m : "binary:" + hex(m),
    bin: (arr) => new Uint8Array(arr),
    text: (m) => typeof m === "string" ? m : new TextDecoder().decode(m),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  globalThis.__confHelpers = h;
  globalThis.__confRun = async (S, body) => {
    const log = [];
    const pending = [];
    const inboxes = new WeakMap();
    const record = (entry) => { log.push(entry); return entry; };
    const tag = (entry, d) => {
      if (typeof d === "string") entry.data = "text:" + d;
      else if (d instanceof ArrayBuffer) entry.data = "ab:" + hex(new Uint8Array(d));
      else if (d instanceof Blob) { entry.data = "blob:?"; pending.push(d.arrayBuffer().then((b) => { entry.data = "blob:" + hex(new Uint8Array(b)); })); }
      else entry.data = "other:" + String(d);
    };
    const env = {
      S, log: record, sleep: h.sleep, bin: h.bin,
      blob: (arr) => new Blob([new Uint8Array(arr)]),
      track(ws, label = "ws") {
        (globalThis.__confOpened ??= []).push(ws); // sockets a long-lived page closes after the scenario
        const queues = { open: [], message: [], error: [], close: [] };
        const waiters = { open: [], message: [], error: [], close: [] };
        inboxes.set(ws, { queues, waiters });
        for (const type of ["open", "message", "error", "close"]) {
          ws.addEventListener(type, (e) => {
            if (waiters[type].length) waiters[type].shift()(e); else queues[type].push(e);
            const entry = { s: label, ev: type, rs: ws.readyState };
            if (type === "open") { entry.protocol = ws.protocol; entry.extensions = ws.extensions; }
            if (type === "message") { tag(entry, e.data); entry.origin = e.origin; entry.lastEventId = e.lastEventId; entry.isMessageEvent = e instanceof MessageEvent; }
            if (type === "close") { entry.code = e.code; entry.reason = e.reason; entry.wasClean = e.wasClean; entry.isCloseEvent = e instanceof CloseEvent; }
            record(entry);
          });
        }
        return ws;
      },
      next(ws, type, ms = 3000) {
        const inbox = inboxes.get(ws);
        if (inbox && inbox.queues[type].length) return Promise.resolve(inbox.queues[type].shift());
        return new Promise((r) => {
          const timer = setTimeout(() => { record({ ev: "timeout", waiting: type, rs: ws.readyState }); r(undefined); }, ms);
          const done = (e) => { clearTimeout(timer); r(e); };
          if (inbox) inbox.waiters[type].push(done); else ws.addEventListener(type, done, { once: true });
        });
      },
      closed(ws, ms = 3000) {
        if (ws.readyState === 3) return Promise.resolve();
        return new Promise((r) => {
          const timer = setTimeout(() => { record({ ev: "timeout", waiting: "close", rs: ws.readyState }); r(); }, ms);
          ws.addEventListener("close", () => { clearTimeout(timer); r(); }, { once: true });
        });
      },
      attempt(label, fn) {
        try { fn(); record({ ev: "call", label, ok: true }); }
        catch (e) { record({ ev: "call", label, ok: false, name: e.name, message: e.message, isDOMException: e instanceof DOMException }); }
      },
      state(label, ws) {
        record({ ev: "state", label, rs: ws.readyState, url: ws.url, protocol: ws.protocol, extensions: ws.extensions, binaryType: ws.binaryType, bufferedAmount: ws.bufferedAmount, isWebSocket: ws instanceof WebSocket });
      },
    };
    const run = new Function("env", "const { S, log, sleep, bin, blob, track, next, closed, attempt, state } = env; return (async () => {\n" + body + "\n})();");
    try { await run(env); } catch (e) { record({ ev: "script-error", name: e && e.name, message: e && e.message }); }
    await Promise.all(pending);
    return log;
  };
})();`;

/** The same helpers for handlers evaluated in Node under Playwright: messages are Buffers there. */
const nodeHelpers: Record<string, unknown> = {
  tag: (m: string | Buffer) => (typeof m === "string" ? `text:${m}` : `binary:${m.toString("hex")}`),
  bin: (arr: number[]) => Buffer.from(arr),
  text: (m: string | Buffer) => (typeof m === "string" ? m : m.toString("utf8")),
  sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)),
};

/** Evaluates an expression source with `h` (the helpers) in scope, in Node. */
function nodeEval(source: string, S: string): any {
  nodeHelpers.S = S;
  return new Function("h", `return (${source});`)(nodeHelpers);
}

/** Everything a run needs. */
export interface Harness {
  browser: Browser;
  server: TestServer;
  baseURL: string;
}

/** Runs the page script in a fresh context, after `setup` registered routes; collects the log and server frames. */
async function runIn(h: Harness, scenario: Scenario, setup: (context: BrowserContext, page: Page) => Promise<void>, afterGoto?: (page: Page) => Promise<void>): Promise<RunResult> {
  const context = await h.browser.newContext({ baseURL: h.baseURL });
  try {
    await context.addInitScript(PAGE_HELPERS);
    const page = await context.newPage();
    const start = h.server.received.length;
    await setup(context, page);
    await page.goto(h.baseURL);
    await afterGoto?.(page);
    const log = (await page.evaluate(([S, body]) => (globalThis as any).__confRun(S, body), [h.server.url, scenario.page] as const)) as unknown[];
    await new Promise((r) => setTimeout(r, 150)); // let closes reach the server
    const server = h.server.received.slice(start).map((c) => ({
      path: c.path,
      frames: c.frames.map((f) => (typeof f === "string" ? `text:${f}` : `binary:${f.toString("hex")}`)),
      ...(c.closed ? { closed: c.closed } : {}),
    }));
    return { log, server };
  } finally {
    await context.close();
  }
}

/** (a) Under Playwright's page/context.routeWebSocket, handlers in Node, registered before navigation. */
export function runPlaywright(h: Harness, scenario: Scenario): Promise<RunResult> {
  return runIn(h, scenario, async (context, page) => {
    for (const route of scenario.routes) {
      const target = route.scope === "context" ? context : page;
      await target.routeWebSocket(nodeEval(route.url, h.server.url), nodeEval(route.handler, h.server.url));
    }
  });
}

/** (b) Under wsbridge's routeWebSocket: the bundle is imported and the same handler sources are evaluated in the page. */
export function runWsbridge(h: Harness, scenario: Scenario): Promise<RunResult> {
  return runIn(h, scenario, async () => {}, async (page) => {
    const args = JSON.stringify([`${h.baseURL}wsbridge/wsbridge.mjs`, scenario.routes, h.server.url]);
    // A string, so the test bundler leaves this import() alone.
    await page.evaluate(`(async ([bundle, routes, S]) => {
      const wsbridge = await import(bundle);
      const helpers = globalThis.__confHelpers;
      helpers.S = S;
      const ev = (source) => new Function("h", "return (" + source + ");")(helpers);
      for (const route of routes) await wsbridge[route.scope ?? "page"].routeWebSocket(ev(route.url), ev(route.handler));
    })(${args})`);
  });
}

/** (c) No route at all, no wsbridge: the browser's own WebSocket. */
export function runNative(h: Harness, scenario: Scenario): Promise<RunResult> {
  return runIn(h, scenario, async () => {});
}
