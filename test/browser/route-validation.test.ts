// What a route may pass to close(), onMessage and onClose, in both faces, in real Chromium: a bad value throws at
// the call naming the rule, and the route and its socket stay as they were (they still work afterwards). The JS face
// here; the Python face: test/python/routing/test_validation.py.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

/**
 * Page JS: `tryRoute(url, attempts)` routes `url`, opens a socket, and when the page's first frame arrives runs
 * each attempt (a function source taking `route` and `server`) and records its error; then the route echoes one
 * frame and closes with 4000, to show the socket survived. Resolves with the attempts' outcomes and the page's log.
 */
const TRY_ROUTE = String.raw`globalThis.tryRoute = (url, attempts, connect) => new Promise((resolve) => {
  const outcomes = [];
  const log = [];
  wsb.routeWebSocket(url, (route) => {
    const server = connect ? route.connectToServer() : undefined;
    route.onMessage((m) => {
      for (const source of attempts) {
        try { const r = (0, eval)("(" + source + ")")(route, server); if (r && r.catch) r.catch(() => {}); outcomes.push("ok"); }
        catch (e) { outcomes.push(e.name + ": " + e.message); }
      }
      route.send("still here: " + m);
      route.close({ code: 4000, reason: "done" });
    });
  }, { times: 1 });
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send("hi");
  ws.onmessage = (e) => log.push(e.data);
  ws.onclose = (e) => { log.push("close " + e.code + " " + e.reason); resolve({ outcomes, log }); };
  setTimeout(() => resolve({ outcomes, log: [...log, "timeout"] }), 4000);
});`;

let page: Page;
beforeAll(async () => {
  page = await fx.newBundlePage();
  await page.evaluate(TRY_ROUTE);
});

/** Runs the attempts on a fresh routed socket; returns the outcomes and what the page saw. */
function tryRoute(attempts: string[], connect = false): Promise<{ outcomes: string[]; log: string[] }> {
  return page.evaluate(`tryRoute(${JSON.stringify(`${fx.server.url}/validate-${Math.random()}`)}, ${JSON.stringify(attempts)}, ${connect})`);
}

const survived = ["still here: hi", "close 4000 done"];

describe("JS face", () => {
  it("page-side close(): codes a server may send, reason up to 123 UTF-8 bytes, no lone surrogates", async () => {
    const r = await tryRoute([
      `(route) => route.close({ code: "a", reason: "x".repeat(200) })`,
      `(route) => route.close({ code: 999 })`,
      `(route) => route.close({ code: 1005 })`,
      `(route) => route.close({ code: 2500 })`,
      `(route) => route.close({ code: 4000, reason: "x".repeat(124) })`,
      `(route) => route.close({ code: 4000, reason: "é".repeat(62) })`,
      `(route) => route.close({ code: 4000, reason: "lone \uD800 surrogate" })`,
      `(route) => route.close({ code: 4000, reason: 5 })`,
    ]);
    expect(r.outcomes).toEqual([
      "TypeError: WebSocketRoute.close() on the page side: the close code must be an integer, not string",
      "RangeError: WebSocketRoute.close() on the page side: the close code must be 1000-1003, 1007-1014 or 3000-4999 (a code a server may send to the page), got 999",
      "RangeError: WebSocketRoute.close() on the page side: the close code must be 1000-1003, 1007-1014 or 3000-4999 (a code a server may send to the page), got 1005",
      "RangeError: WebSocketRoute.close() on the page side: the close code must be 1000-1003, 1007-1014 or 3000-4999 (a code a server may send to the page), got 2500",
      "RangeError: WebSocketRoute.close() on the page side: the close reason must be at most 123 UTF-8 bytes, got 124",
      "RangeError: WebSocketRoute.close() on the page side: the close reason must be at most 123 UTF-8 bytes, got 124",
      "RangeError: WebSocketRoute.close() on the page side: the close reason must not contain lone surrogates (it is sent as UTF-8)",
      "TypeError: WebSocketRoute.close() on the page side: the close reason must be a string, not number",
    ]);
    expect(r.log).toEqual(survived);
  });

  it("page-side close() accepts every code a server may send, and a 123-byte reason", async () => {
    const codes = [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999];
    for (const code of codes) {
      const r = await page.evaluate(`new Promise((resolve) => {
        const url = ${JSON.stringify(`${fx.server.url}/valid-close-`)} + ${code};
        wsb.routeWebSocket(url, (route) => route.onMessage(() => route.close({ code: ${code}, reason: "é".repeat(61) + "x" })), { times: 1 });
        const ws = new WebSocket(url); ws.onopen = () => ws.send("x"); ws.onclose = (e) => resolve([e.code, e.reason.length, e.wasClean]);
      })`);
      expect(r).toEqual([code, 62, true]);
    }
  });

  it("server-side close(): the page's rules (1000, 3000-4999); an invalid one throws and closes nothing", async () => {
    const r = await tryRoute([
      `(route, server) => server.close({ code: 999 })`,
      `(route, server) => server.close({ code: 1001 })`,
      `(route, server) => server.close({ code: 4000, reason: "x".repeat(124) })`,
      `(route, server) => server.close({ code: 4000, reason: "\uDC00" })`,
      `(route, server) => server.send("server still open")`,
    ], true);
    expect(r.outcomes).toEqual([
      "RangeError: WebSocketRoute.close() on the server side: the close code must be 1000 or 3000-4999 (a code a page may send to the server), got 999",
      "RangeError: WebSocketRoute.close() on the server side: the close code must be 1000 or 3000-4999 (a code a page may send to the server), got 1001",
      "RangeError: WebSocketRoute.close() on the server side: the close reason must be at most 123 UTF-8 bytes, got 124",
      "RangeError: WebSocketRoute.close() on the server side: the close reason must not contain lone surrogates (it is sent as UTF-8)",
      "ok",
    ]);
    // The server echoed the frame the route sent after the failed closes (default forwarding), so it was still open.
    expect(r.log[0]).toBe("still here: hi");
    expect(r.log.at(-1)).toBe("close 4000 done");
  });

  it("onMessage / onClose take functions: anything else throws at the call and keeps the handler already set", async () => {
    const r = await tryRoute([
      `(route) => route.onMessage(5)`,
      `(route) => route.onClose("nope")`,
      `(route) => route.onMessage(null)`,
      `(route, server) => server.onMessage({})`,
      `(route, server) => server.onClose(undefined)`,
    ], true);
    expect(r.outcomes).toEqual([
      "TypeError: WebSocketRoute.onMessage() takes a function, not number",
      "TypeError: WebSocketRoute.onClose() takes a function, not string",
      "TypeError: WebSocketRoute.onMessage() takes a function, not null",
      "TypeError: WebSocketRoute.onMessage() takes a function, not object",
      "TypeError: WebSocketRoute.onClose() takes a function, not undefined",
    ]);
    expect(r.log[0]).toBe("still here: hi");
  });
});
