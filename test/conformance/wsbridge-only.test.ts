// wsbridge's own routing features (no Playwright counterpart): times, unroute, handles, the routed class's
// indistinguishability from the native one, and reset.
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { PAGE_HELPERS } from "./harness.js";

const fx = useBrowser();
let statics: StaticServer;
beforeAll(async () => { statics = await startStaticServer({ mounts: { wsbridge: fileURLToPath(new URL("../../dist/", import.meta.url)) } }); });
afterAll(async () => { await statics?.close(); });

/** A fresh page with the wsbridge bundle as `globalThis.wsb` and the conformance helpers. */
async function page(): Promise<Page> {
  const context = await fx.browser.newContext();
  await context.addInitScript(PAGE_HELPERS);
  const p = await context.newPage();
  await p.goto(statics.url);
  await p.evaluate(`import(${JSON.stringify(`${statics.url}wsbridge/wsbridge.mjs`)}).then((m) => { globalThis.wsb = m; })`);
  return p;
}

/** Runs an async function body in the page with `wsb` and `S` (the ws server URL) in scope. */
function run<T>(p: Page, body: string): Promise<T> {
  return p.evaluate(`(async (S) => { const wsb = globalThis.wsb; ${body} })(${JSON.stringify(fx.server.url)})`) as Promise<T>;
}

/** Page snippet: opens a socket and resolves with its first message (or "open" for a native one that opened). */
const FIRST = `const first = (url) => new Promise((resolve) => { const ws = new WebSocket(url); ws.onmessage = (e) => { resolve(e.data); ws.close(); }; ws.onerror = () => resolve('error'); });`;

describe("wsbridge-only routing features", () => {
  it("times: only the first N matching sockets are routed", async () => {
    const p = await page();
    const got = await run<string[]>(p, `${FIRST}
      await wsb.routeWebSocket('**/echo', (ws) => ws.send('mocked'), { times: 2 });
      const out = [];
      for (let i = 0; i < 3; i++) { const ws = new WebSocket(S + '/echo'); out.push(await new Promise((r) => { ws.onopen = () => ws.send('real'); ws.onmessage = (e) => { r(e.data); ws.close(); }; })); }
      return out;`);
    expect(got).toEqual(["mocked", "mocked", "real"]);
  });

  it("unrouteWebSocket and the handle affect sockets created afterwards only", async () => {
    const p = await page();
    const got = await run<unknown[]>(p, `${FIRST}
      const handler = (ws) => ws.onMessage((m) => ws.send('mock:' + m));
      await wsb.routeWebSocket('**/echo', handler);
      const before = new WebSocket(S + '/echo');
      await new Promise((r) => before.onopen = r);
      await wsb.unrouteWebSocket('**/echo', handler);
      const after = new WebSocket(S + '/echo');
      await new Promise((r) => after.onopen = r);
      const ask = (ws, text) => new Promise((r) => { ws.onmessage = (e) => r(e.data); ws.send(text); });
      const a = await ask(before, 'x'), b = await ask(after, 'y');
      const handle = await wsb.context.routeWebSocket(/echo$/, (ws) => ws.send('ctx'));
      const c = await first(S + '/echo');
      handle.unroute();
      const d = new WebSocket(S + '/echo'); await new Promise((r) => d.onopen = r);
      return [a, b, c, d.readyState];`);
    expect(got).toEqual(["mock:x", "y", "ctx", 1]);
  });

  it("invalid globs reject at registration with the pattern in the message", async () => {
    const p = await page();
    const message = await run<string>(p, `try { await wsb.routeWebSocket('**/{a,b', () => {}); return 'no error'; } catch (e) { return e.message; }`);
    expect(message).toBe('Invalid glob pattern "**/{a,b": unmatched \'{\'');
  });

  it("the routed class looks native: prototype, constructor, name, subclassing, toString tag", async () => {
    const p = await page();
    const got = await run<Record<string, unknown>>(p, `
      await wsb.routeWebSocket('**/mock', (ws) => ws.send('hi'));
      class Sub extends WebSocket { extra() { return 'extra:' + this.url; } }
      const routed = new Sub(S + '/mock');
      const plain = new WebSocket(S + '/echo');
      const data = await new Promise((r) => routed.onmessage = (e) => r(e.data));
      await new Promise((r) => plain.onopen = r);
      return {
        name: WebSocket.name, length: WebSocket.length, native: Function.prototype.toString.call(WebSocket).includes('[native code]'),
        sameProto: Object.getPrototypeOf(plain) === WebSocket.prototype, ctor: plain.constructor === WebSocket && routed.constructor === Sub,
        sub: routed instanceof Sub && routed instanceof WebSocket, extra: routed.extra().replace(/:\\d+/, ''), data,
        tag: Object.prototype.toString.call(routed), ownKeys: Object.getOwnPropertyNames(routed).length,
        callWithoutNew: (() => { try { WebSocket('ws://x'); return 'no error'; } catch (e) { return e.constructor.name; } })(),
        badUrl: (() => { try { new WebSocket('ftp://x'); return 'no error'; } catch (e) { return e.name; } })(),
      };`);
    expect(got).toEqual({
      name: "WebSocket", length: 1, native: true, sameProto: true, ctor: true, sub: true, extra: "extra:ws://127.0.0.1/mock", data: "hi",
      tag: "[object WebSocket]", ownKeys: 0, callWithoutNew: "TypeError", badUrl: "SyntaxError",
    });
  });

  it("on* handlers keep their place among listeners when replaced, as in the browser", async () => {
    const p = await page();
    const got = await run<string[]>(p, `
      await wsb.routeWebSocket('**/mock', (ws) => ws.send('m'));
      const order = [];
      const ws = new WebSocket(S + '/mock');
      ws.onmessage = () => order.push('first handler');
      ws.addEventListener('message', () => order.push('listener'));
      ws.onmessage = () => order.push('replaced handler');
      await new Promise((r) => ws.addEventListener('message', r, { once: true })); // added last: runs after the others
      return order;`);
    expect(got).toEqual(["replaced handler", "listener"]);
  });

  it("resetRouting removes routes and closes live routed sockets", async () => {
    const p = await page();
    const got = await run<unknown[]>(p, `
      await wsb.routeWebSocket('**/mock', () => {});
      const ws = new WebSocket(S + '/mock');
      await new Promise((r) => ws.onopen = r);
      const closed = new Promise((r) => ws.onclose = (e) => r([e.code, e.reason]));
      wsb.resetRouting();
      const after = new WebSocket(S + '/mock');
      return [await closed, await new Promise((r) => { after.onerror = () => r('native: ' + after.url.endsWith('/mock')); after.onopen = () => { r('native open'); after.close(); }; })];`);
    expect(got).toEqual([[1001, "wsbridge reset"], "native open"]);
  });
});
