// wsbridge's inspection in the page (JS face): routed and passed-through sockets, waiting with Playwright's
// errors, scopes, and no cost while nobody listens.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

const page = (): Promise<Page> => fx.newBundlePage();

/** Runs an async body in the page with `wsb`, `S` and small helpers in scope. */
function run<T>(p: Page, body: string): Promise<T> {
  return p.evaluate(`(async (S) => {
    const wsb = globalThis.wsb;
    const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
    const tag = (p) => typeof p === "string" ? "text:" + p : "binary:" + hex(p);
    const closed = (ws) => ws.readyState === 3 ? undefined : new Promise((ok) => ws.addEventListener("close", ok, { once: true }));
    const opened = (ws) => new Promise((ok) => { ws.addEventListener("open", ok, { once: true }); ws.addEventListener("error", ok, { once: true }); });
    const record = (ws, log) => {
      ws.on("framesent", (f) => log.push(["framesent", tag(f.payload)]));
      ws.on("framereceived", (f) => log.push(["framereceived", tag(f.payload)]));
      ws.on("socketerror", (e) => log.push(["socketerror", e]));
      ws.on("close", (w) => log.push(["close", w === ws, ws.isClosed()]));
    };
    const err = async (promise) => { try { await promise; return "resolved"; } catch (e) { return e.name + ": " + e.message; } };
    ${body}
  })(${JSON.stringify(fx.server.url)})`) as Promise<T>;
}

describe("inspection (JS)", () => {
  it("a mocked socket is announced with isRouted() true; frames as the page sees them, in order", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      await wsb.routeWebSocket("**/mock", (route) => { route.onMessage((m) => route.send(typeof m === "string" ? "re:" + m : m)); route.send("hello"); });
      const log = [];
      let info;
      wsb.page.on("websocket", (ws) => { info = ws; record(ws, log); });
      const ws = new WebSocket(S + "/mock");
      ws.binaryType = "arraybuffer";
      await new Promise((ok) => ws.onmessage = ok);
      ws.send("a"); ws.send(new Blob([new Uint8Array([7])])); ws.send("b");
      await new Promise((ok) => { let n = 0; ws.onmessage = () => { if (++n === 3) ok(); }; });
      ws.close(4000, "done");
      await closed(ws);
      // Inspection trails the page by a few microtasks while a Blob is read; its own close comes last.
      await info.waitForEvent("close", { timeout: 1000 });
      return { url: info.url(), routed: info.isRouted(), closed: info.isClosed(), log };`);
    expect(got).toEqual({
      url: `${fx.server.url}/mock`, routed: true, closed: true,
      log: [
        ["framereceived", "text:hello"],
        ["framesent", "text:a"], ["framesent", "binary:07"], ["framesent", "text:b"],
        ["framereceived", "text:re:a"], ["framereceived", "binary:07"], ["framereceived", "text:re:b"],
        ["close", true, true],
      ],
    });
  });

  it("a socket a route declined at creation (passthrough) is announced and turns isRouted() false", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      let calls = 0;
      await wsb.routeWebSocket((url) => ++calls === 1, (route) => route.send("mocked"));
      const seen = [];
      wsb.page.on("websocket", (ws) => seen.push(ws));
      const ws = new WebSocket(S + "/echo?pt=1"); // the predicate passes at construction and fails when the route end decides
      await opened(ws);
      const log = []; record(seen[0], log);
      ws.send("x");
      await new Promise((ok) => ws.onmessage = ok);
      ws.close(); await closed(ws);
      return { n: seen.length, routed: seen[0].isRouted(), log };`);
    expect(got).toEqual({ n: 1, routed: false, log: [["framesent", "text:x"], ["framereceived", "text:x"], ["close", true, true]] });
  });

  it("waitForEvent: resolves with the payload; TimeoutError with Playwright's text; 'Socket closed' / 'Socket error' first", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const next = () => wsb.page.waitForEvent("websocket", { timeout: 2000 });
      let w = next(); const a = new WebSocket(S + "/echo?w=1"); const ia = await w; await opened(a);
      const frame = ia.waitForEvent("framereceived", (f) => f.payload === "two");
      a.send("one"); a.send("two");
      const got = (await frame).payload;
      const timeout = await err(ia.waitForEvent("framesent", { timeout: 100 }));
      const closing = ia.waitForEvent("framereceived");
      a.close();
      const closedFirst = await err(closing);
      const afterClose = await err(ia.waitForEvent("framesent"));
      const closeAgain = (await ia.waitForEvent("close")) === ia;
      w = next(); const b = new WebSocket(S + "/reject"); const ib = await w;
      const failing = err(ib.waitForEvent("framereceived"));
      const errorText = await ib.waitForEvent("socketerror");
      const pageTimeout = await err(wsb.page.waitForEvent("websocket", { timeout: 50 }));
      const predicateTimeout = await err(wsb.page.waitForEvent("websocket", { predicate: () => false, timeout: 50 }));
      return { got, timeout, closedFirst, afterClose, closeAgain, errorFirst: await failing, errorText, pageTimeout, predicateTimeout };`);
    expect(got).toEqual({
      got: "two",
      timeout: 'TimeoutError: Timeout 100ms exceeded while waiting for event "framesent"',
      closedFirst: "Error: Socket closed",
      afterClose: "Error: Socket closed",
      closeAgain: true,
      errorFirst: "Error: Socket error",
      errorText: "Error during WebSocket handshake",
      pageTimeout: 'TimeoutError: Timeout 50ms exceeded while waiting for event "websocket"',
      predicateTimeout: 'TimeoutError: Timeout 50ms exceeded while waiting for event "websocket"',
    });
  });

  it("waitForEvent for an event never emitted rejects at once with the engine's RangeError (Python's ValueError text)", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const w = wsb.page.waitForEvent("websocket", { timeout: 2000 });
      const a = new WebSocket(S + "/echo?unknown=1"); const ia = await w; await opened(a);
      // timeout 0 waits forever: without the check these would never settle.
      const socketEvent = await err(ia.waitForEvent("message", { timeout: 0 }));
      const scopeEvent = await err(wsb.context.waitForEvent("socket", { timeout: 0 }));
      const stillWorks = ia.waitForEvent("framereceived", { timeout: 2000 });
      a.send("after");
      const frame = (await stillWorks).payload;
      a.close();
      return { socketEvent, scopeEvent, frame };`);
    expect(got).toEqual({
      socketEvent: "RangeError: unknown WebSocket event 'message': expected one of framesent, framereceived, close, socketerror",
      scopeEvent: `RangeError: unknown event 'socket': only "websocket"`,
      frame: "after",
    });
  });

  it("page listeners are told before context listeners; off() stops announcements", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const order = [];
      const pageListener = (ws) => order.push("page:" + new URL(ws.url()).pathname);
      wsb.context.on("websocket", (ws) => order.push("context:" + new URL(ws.url()).pathname));
      wsb.page.on("websocket", pageListener);
      const a = new WebSocket(S + "/a"); await opened(a); a.close();
      wsb.page.off("websocket", pageListener);
      const b = new WebSocket(S + "/b"); await opened(b); b.close();
      return order;`);
    expect(got).toEqual(["page:/a", "context:/a", "context:/b"]);
  });

  it("costs nothing while nobody listens: no listener on native sockets, no frame work, hooks unset", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const added = [];
      const original = EventTarget.prototype.addEventListener;
      EventTarget.prototype.addEventListener = function (type, ...rest) { if (this instanceof WebSocket) added.push(type); return original.call(this, type, ...rest); };
      wsb.installRouting();
      const hooks = () => Object.entries(globalThis[Symbol.for("wsbridge.observer")] ?? {}).filter(([, v]) => v).map(([k]) => k).sort();
      const before = hooks();
      const quiet = new WebSocket(S + "/echo?quiet=1");
      const quietAdded = [...added];
      const listener = () => {};
      wsb.page.on("websocket", listener);
      const during = hooks();
      const loud = new WebSocket(S + "/echo?loud=1");
      const loudAdded = added.slice(quietAdded.length);
      wsb.page.off("websocket", listener);
      const afterOff = hooks();
      EventTarget.prototype.addEventListener = original;
      loud.close(); await closed(loud);
      const afterClose = hooks();
      quiet.close();
      return { before, quietAdded, during, loudAdded, afterOff, afterClose };`);
    expect(got).toEqual({
      before: [],
      quietAdded: [],
      during: ["native", "nativeSent", "routed"],
      loudAdded: ["open", "message", "error", "close"],
      afterOff: ["nativeSent"], // kept while the watched native socket is open
      afterClose: [],
    });
  });
});
