// Awaitable routes, handshake failure and fault injection, JS face, in real Chromium.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

const page = (): Promise<Page> => fx.newBundlePage();

/** Runs an async body in the page with `wsb`, `S`, `track(ws)` (event log), `err(promise)` in scope. */
function run<T>(p: Page, body: string): Promise<T> {
  return p.evaluate(`(async (S) => {
    const wsb = globalThis.wsb;
    const track = (ws, log = []) => {
      for (const type of ["open", "message", "error", "close"]) ws.addEventListener(type, (e) => {
        if (type === "message") log.push(["message", typeof e.data === "string" ? e.data : "binary"]);
        else if (type === "close") log.push(["close", e.code, e.reason, e.wasClean]);
        else log.push([type]);
      });
      return log;
    };
    const closed = (ws) => ws.readyState === 3 ? undefined : new Promise((ok) => ws.addEventListener("close", ok, { once: true }));
    const opened = (ws) => new Promise((ok) => ws.addEventListener("open", ok, { once: true }));
    const message = (ws) => new Promise((ok) => ws.addEventListener("message", (e) => ok(e.data), { once: true }));
    const err = async (promise) => { try { await promise; return "resolved"; } catch (e) { return [e.name, e.message, e.code ?? null, e.reason ?? null]; } };
    ${body}
  })(${JSON.stringify(fx.server.url)})`) as Promise<T>;
}

describe("awaitable routes (JS)", () => {
  it("a scripted conversation: receiveJson, sendJson (compact), async iteration ends on the page's close", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const seen = {};
      let handled;
      const handlerDone = new Promise((ok) => { handled = ok; });
      await wsb.routeWebSocket("**/chat", async (route) => {
        route.sendJson({ hello: "you", n: [1, 2] });
        seen.login = await route.receiveJson({ timeout: 2000 });
        route.sendJson({ ok: true }, { mode: "binary" });
        seen.rest = [];
        for await (const m of route) seen.rest.push(m);
        seen.close = [route.closeCode, route.closeReason];
        handled();
      });
      const ws = new WebSocket(S + "/chat");
      ws.binaryType = "arraybuffer";
      const first = await message(ws);
      ws.send(JSON.stringify({ user: "ann" }));
      const second = new TextDecoder().decode(await message(ws));
      ws.send("a"); ws.send("b");
      ws.close(4000, "bye");
      await closed(ws);
      await handlerDone; // the route's async iteration ends after the page's close
      return { first, second, ...seen };`);
    expect(got).toEqual({ first: '{"hello":"you","n":[1,2]}', second: '{"ok":true}', login: { user: "ann" }, rest: ["a", "b"], close: [4000, "bye"] });
  });

  it("receive() times out with TimeoutError instead of hanging; a later receive still works", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      let out;
      const done = new Promise((ok) => wsb.routeWebSocket("**/quiet", async (route) => {
        route.send("ready");
        const t0 = performance.now();
        const timeout = await err(route.receive({ timeout: 150 }));
        const waited = performance.now() - t0;
        route.send("timed out"); // the page sends its frame only now, after the first receive gave up
        const later = await route.receive({ timeout: 2000 });
        ok({ timeout, waitedEnough: waited >= 150, later });
      }));
      const ws = new WebSocket(S + "/quiet");
      await message(ws);
      await message(ws);
      ws.send("late");
      return await done;`);
    expect(got).toEqual({ timeout: ["TimeoutError", "Timeout 150ms exceeded while waiting for a message from the page", null, null], waitedEnough: true, later: "late" });
  });

  it("wrong frame types raise FrameTypeError; a close raises WebSocketClosed with code and reason, after queued frames", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      let pageClosed;
      const closedByPage = new Promise((ok) => { pageClosed = ok; });
      const done = new Promise((ok) => wsb.routeWebSocket("**/types", async (route) => {
        route.send("go");
        const a = await err(route.receiveText({ timeout: 2000 }));
        const b = await err(route.receiveBytes({ timeout: 2000 }));
        const c = await err(route.receiveJson({ timeout: 2000 }));
        await closedByPage; // "last" and the close are both queued before the next receive
        const queued = await route.receive({ timeout: 2000 });
        const d = await err(route.receive({ timeout: 2000 }));
        const e = await err(route.receive());
        ok({ a, b, c, queued, d, e });
      }));
      const ws = new WebSocket(S + "/types");
      ws.addEventListener("close", pageClosed);
      await message(ws);
      ws.send(new Uint8Array([1, 2]));
      ws.send("text");
      ws.send("{not json");
      ws.send("last");
      ws.close(4001, "gone");
      return await done;`);
    expect(got).toEqual({
      a: ["FrameTypeError", "expected a text frame, got a binary frame (2 bytes)", null, null],
      b: ["FrameTypeError", "expected a binary frame, got a text frame (4 characters)", null, null],
      c: ["SyntaxError", expect.stringContaining("JSON"), null, null],
      queued: "last",
      d: ["WebSocketClosed", "WebSocket closed with code 4001: gone", 4001, "gone"],
      e: ["WebSocketClosed", "WebSocket closed with code 4001: gone", 4001, "gone"],
    });
  });

  it("server side: receive() takes the server's frames instead of forwarding; the server's close raises WebSocketClosed", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const done = new Promise((ok) => wsb.routeWebSocket("**/close*", async (route) => {
        const server = route.connectToServer();
        route.onMessage((m) => server.send(m));
        const timeout = await err(server.receive({ timeout: 100 }));
        route.send("ask");
        const closing = await err(server.receive({ timeout: 3000 }));
        ok({ timeout, closing, code: server.closeCode, reason: server.closeReason });
      }));
      const ws = new WebSocket(S + "/close?code=4002&reason=server");
      const log = track(ws);
      await message(ws);
      ws.send("trigger");
      await closed(ws);
      return { ...(await done), log };`);
    expect(got).toEqual({
      timeout: ["TimeoutError", "Timeout 100ms exceeded while waiting for a message from the server", null, null],
      closing: ["WebSocketClosed", "WebSocket closed with code 4002: server", 4002, "server"],
      code: 4002, reason: "server",
      log: [["open"], ["message", "ask"], ["close", 4002, "server", true]],
    });
  });

  it("reject(): the page sees error, then close 1006 not clean, never open; inspection reports the failed handshake", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      await wsb.routeWebSocket("**/denied", async (route) => { await new Promise((r) => setTimeout(r, 20)); route.reject(); });
      const insp = [];
      let inspectedClose;
      const inspected = new Promise((ok) => { inspectedClose = ok; });
      wsb.page.on("websocket", (ws) => { ws.on("socketerror", (e) => insp.push(e)); ws.on("close", () => { insp.push("close"); inspectedClose(); }); });
      const ws = new WebSocket(S + "/denied");
      const log = track(ws);
      await closed(ws);
      await inspected; // inspection reports the socket's close after the page saw it
      let late;
      await wsb.routeWebSocket("**/late", (route) => { route.send("hi"); try { route.reject(); late = "no error"; } catch (e) { late = e.message; } });
      await message(new WebSocket(S + "/late"));
      return { log, readyState: ws.readyState, insp, late };`);
    expect(got).toEqual({
      log: [["error"], ["close", 1006, "", false]], readyState: 3,
      insp: ["Error during WebSocket handshake", "close"],
      late: "reject() must be called before the page socket opens: use terminate() or close()",
    });
  });

  it("terminate(): after open, close 1006 not clean and no error (as Chromium for a dropped connection); the server side closes", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      let server;
      await wsb.routeWebSocket("**/echo?term", (route) => {
        server = route.connectToServer();
        route.onMessage((m) => { if (m === "kill") route.terminate(); else server.send(m); });
      });
      const ws = new WebSocket(S + "/echo?term");
      const log = track(ws);
      await opened(ws);
      ws.send("x"); await message(ws);
      ws.send("kill");
      await closed(ws);
      return log;`);
    expect(got).toEqual([["open"], ["message", "x"], ["close", 1006, "", false]]);
    // The server records the close when its TCP connection ends, after the page saw its own.
    await expect.poll(() => fx.server.received.find((r) => r.path === "/echo?term")?.closed?.code, { timeout: 3000 }).toBe(1005);
  });
});

describe("fault injection (JS)", () => {
  it("delay: 50 ms per frame to the page, measured at the page (>= 50 ms after the route sent it)", async () => {
    const p = await page();
    const got = await run<{ gaps: number[]; base: number[] }>(p, `
      const measure = async (delay) => {
        const sentAt = [];
        await wsb.routeWebSocket("**/delay" + delay, (route) => {
          if (delay) route.faults({ delay, direction: "toPage" });
          route.onMessage(() => { for (let i = 0; i < 5; i++) { sentAt.push(performance.now()); route.send(String(i)); } });
        });
        const ws = new WebSocket(S + "/delay" + delay);
        await opened(ws);
        const gaps = [];
        await new Promise((ok) => { ws.onmessage = (e) => { gaps.push(performance.now() - sentAt[Number(e.data)]); if (gaps.length === 5) ok(); }; ws.send("go"); });
        ws.close();
        return gaps;
      };
      return { gaps: await measure(50), base: await measure(0) };`);
    for (const gap of got.gaps) expect(gap).toBeGreaterThanOrEqual(50);
    for (const gap of got.base) expect(gap).toBeLessThan(50);
    console.log(`delay 50 ms: page saw ${got.gaps.map((g) => g.toFixed(1)).join(", ")} ms; no delay: ${got.base.map((g) => g.toFixed(2)).join(", ")} ms`);
  });

  it("delay as a function keeps order (a later frame with a shorter delay waits); drop removes frames both ways; close waits behind held frames", async () => {
    const p = await page();
    const got = await run<unknown>(p, `
      const fromPage = [];
      await wsb.routeWebSocket("**/faults", (route) => {
        route.faults({
          delay: (m, dir) => dir === "toPage" ? (m === "slow" ? 80 : 0) : 0,
          drop: (m, dir) => (dir === "toPage" && m === "lost") || (dir === "fromPage" && m === "secret"),
        });
        route.onMessage((m) => {
          fromPage.push(m);
          if (m === "go") { route.send("slow"); route.send("lost"); route.send("fast"); route.close({ code: 4003, reason: "end" }); }
        });
      });
      const ws = new WebSocket(S + "/faults");
      const log = track(ws);
      await opened(ws);
      ws.send("secret"); ws.send("go");
      const t0 = performance.now();
      await closed(ws);
      return { log, fromPage, tookAtLeast80: performance.now() - t0 >= 80 };`);
    expect(got).toEqual({
      log: [["open"], ["message", "slow"], ["message", "fast"], ["close", 4003, "end", true]],
      fromPage: ["go"],
      tookAtLeast80: true,
    });
  });

  it("delay from the page: the handler sees the frame >= 50 ms after the page sent it", async () => {
    const p = await page();
    const got = await run<number>(p, `
      let sent = 0;
      const arrived = new Promise((ok) => wsb.routeWebSocket("**/up", async (route) => {
        route.faults({ delay: 50, direction: "fromPage" });
        await route.receive({ timeout: 2000 });
        ok(performance.now() - sent);
      }));
      const ws = new WebSocket(S + "/up");
      await opened(ws);
      sent = performance.now(); ws.send("x");
      return await arrived;`);
    expect(got).toBeGreaterThanOrEqual(50);
  });
});
