// Routed sockets at the edges of their lives, in real Chromium against a real ws server: close() before open
// (compared with the browser's own socket), route handlers that throw, pages that go away (an iframe removed,
// a worker terminated), and wsbridge installed over Playwright's own WebSocket mock. A Python route handler that
// raises: test/python/routing/test_lifecycle.py.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { attachPython } from "../../src/playwright/attach.js";
import { taggedUrls, until } from "./_python.js";

const fx = useBrowser();
const tagged = taggedUrls(fx);

/**
 * Page JS: `closeEarly(url)` opens a socket, closes it at once (before `open`) with a code and reason, and resolves
 * with what the page saw: readyState right after close() and in a microtask, then each event with readyState.
 */
const CLOSE_EARLY = String.raw`globalThis.closeEarly = (url) => new Promise((resolve) => {
  const log = [];
  const ws = new WebSocket(url);
  ws.close(4000, "bye");
  log.push("after close():" + ws.readyState);
  Promise.resolve().then(() => log.push("microtask:" + ws.readyState));
  ws.onopen = () => log.push("open");
  ws.onerror = () => log.push("error:" + ws.readyState);
  ws.onclose = (e) => { log.push("close:" + e.code + ":" + JSON.stringify(e.reason) + ":" + e.wasClean + ":" + ws.readyState); setTimeout(() => resolve(log), 100); };
  setTimeout(() => resolve([...log, "timeout"]), 4000);
});
globalThis.openLog = (url) => new Promise((resolve) => {
  const log = [];
  const ws = new WebSocket(url);
  ws.onopen = () => log.push("open");
  ws.onerror = () => log.push("error:" + ws.readyState);
  ws.onclose = (e) => { log.push("close:" + e.code + ":" + JSON.stringify(e.reason) + ":" + e.wasClean + ":" + ws.readyState); resolve(log); };
  setTimeout(() => resolve([...log, "timeout:" + ws.readyState]), 4000);
});`;

/** What the browser's own socket does when closed before open (checked, not assumed). */
const NATIVE_EARLY_CLOSE = ["after close():2", "microtask:2", "error:3", 'close:1006:"":false:3'];

let page: Page;
beforeAll(async () => {
  page = await fx.newBundlePage();
  await page.evaluate(CLOSE_EARLY);
});

describe("close() before open on a routed socket behaves as the browser's own", () => {
  it("the browser's own socket: CLOSING at once, then error and close 1006 (not clean) at CLOSED", async () => {
    expect(await page.evaluate(`closeEarly(${JSON.stringify(tagged("/echo").full)})`)).toEqual(NATIVE_EARLY_CLOSE);
  });

  it("mocked: the same events; the route's onClose hears 1006 and the page's code and reason never reach it", async () => {
    const url = `${fx.server.url}/early-mock`;
    await page.evaluate(`globalThis.heard = []; wsb.routeWebSocket(${JSON.stringify(url)}, (route) => { route.onClose((code, reason) => heard.push([code, reason])); })`);
    expect(await page.evaluate(`closeEarly(${JSON.stringify(url)})`)).toEqual(NATIVE_EARLY_CLOSE);
    expect(await page.evaluate("heard")).toEqual([[1006, ""]]);
    expect(await page.evaluate("wsb.installRouting().host.size")).toBe(0);
  });

  it("server mode: the same events, and the server connection still connecting is dropped", async () => {
    const { full, log } = tagged("/echo");
    await page.evaluate(`globalThis.serverHeard = []; wsb.routeWebSocket(${JSON.stringify(full)}, (route) => { const server = route.connectToServer(); server.onClose((code, reason) => serverHeard.push([code, reason])); })`);
    expect(await page.evaluate(`closeEarly(${JSON.stringify(full)})`)).toEqual(NATIVE_EARLY_CLOSE);
    expect(await page.evaluate("serverHeard")).toEqual([[1006, ""]]);
    await until(() => log() === undefined || log()!.closed !== undefined);
    expect(log()?.frames ?? []).toEqual([]);
    expect(await page.evaluate("wsb.installRouting().host.size")).toBe(0);
  });

  it("while an async handler is still running: the same events", async () => {
    const url = `${fx.server.url}/early-slow`;
    await page.evaluate(`wsb.routeWebSocket(${JSON.stringify(url)}, async (route) => { await new Promise((r) => setTimeout(r, 200)); route.send("late"); })`);
    expect(await page.evaluate(`closeEarly(${JSON.stringify(url)})`)).toEqual(NATIVE_EARLY_CLOSE);
  });
});

describe("a route handler that throws fails the handshake", () => {
  const failed = ["error:3", 'close:1006:"":false:3'];

  it("JS, sync and async: the page sees error then close 1006, and the console names the route and the error", async () => {
    const p = await fx.newBundlePage();
    const consoleLines: string[] = [];
    p.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    await p.evaluate(CLOSE_EARLY);
    const sync = `${fx.server.url}/throws-sync`;
    const async_ = `${fx.server.url}/throws-async`;
    await p.evaluate(`wsb.routeWebSocket(${JSON.stringify(sync)}, () => { throw new Error("broken mock (sync)"); });
      wsb.routeWebSocket(${JSON.stringify(async_)}, async () => { await null; throw new Error("broken mock (async)"); })`);
    expect(await p.evaluate(`openLog(${JSON.stringify(sync)})`)).toEqual(failed);
    expect(await p.evaluate(`openLog(${JSON.stringify(async_)})`)).toEqual(failed);
    await until(() => consoleLines.filter((l) => l.startsWith("error: wsbridge: the route handler")).length === 2);
    expect(consoleLines.join("\n")).toContain("broken mock (sync)");
    expect(consoleLines.join("\n")).toContain("broken mock (async)");
    expect(await p.evaluate("wsb.installRouting().host.size")).toBe(0);
    await p.close();
  });

  it("JS, after connectToServer: the server connection is dropped too", async () => {
    const { full, log } = tagged("/echo");
    await page.evaluate(`wsb.routeWebSocket(${JSON.stringify(full)}, (route) => { route.connectToServer(); throw new Error("after connecting"); })`);
    expect(await page.evaluate(`openLog(${JSON.stringify(full)})`)).toEqual(failed);
    await until(() => log() === undefined || log()!.closed !== undefined);
  });

  it("JS: a handler that throws after the page opened leaves the socket open", async () => {
    const url = `${fx.server.url}/throws-late`;
    const r = await page.evaluate(`new Promise((resolve) => {
      wsb.routeWebSocket(${JSON.stringify(url)}, async (route) => { route.send("hi"); route.onMessage((m) => route.send("echo " + m)); await null; throw new Error("late"); });
      const ws = new WebSocket(${JSON.stringify(url)}); const log = [];
      ws.onmessage = (e) => { log.push(e.data); if (log.length === 1) setTimeout(() => ws.send("x"), 50); else { ws.close(); resolve(log); } };
      ws.onclose = (e) => log.push("close " + e.code);
    })`);
    expect(r).toEqual(["hi", "echo x"]);
  });
});

describe("a page that goes away closes its routes", () => {
  it("an iframe whose sockets the parent routes is removed: onClose (both sides) runs once with no code, the server connection closes", async () => {
    const p = await fx.newBundlePage();
    const { full, log } = tagged("/echo");
    const frameSource = `<script type="module">
      import * as WB from ${JSON.stringify(`${fx.baseURL}wsbridge/wsbridge.mjs`)};
      WB.routeFromMainThread();
      parent.postMessage("frame ready", "*");
    </script>`;
    const result = await p.evaluate(`(async () => {
      globalThis.heard = [];
      await wsb.routeWebSocket(${JSON.stringify(full)}, (route) => {
        const server = route.connectToServer();
        route.onClose((code, reason) => heard.push(["page", code === undefined, reason === undefined]));
        server.onClose((code, reason) => heard.push(["server", code === undefined, reason === undefined]));
      });
      const frame = document.createElement("iframe");
      const ready = new Promise((resolve) => addEventListener("message", (e) => e.data === "frame ready" && resolve()));
      frame.srcdoc = ${JSON.stringify(frameSource)};
      document.body.append(frame);
      await ready;
      globalThis.link = wsb.shareRoutesWith(frame.contentWindow);
      const ws = new frame.contentWindow.WebSocket(${JSON.stringify(full)});
      const echoed = await new Promise((resolve) => { ws.onopen = () => ws.send("from the frame"); ws.onmessage = (e) => resolve(e.data); });
      const live = [wsb.installRouting().host.size, link.size];
      frame.remove();
      return { echoed, live };
    })()`);
    expect(result).toEqual({ echoed: "from the frame", live: [1, 1] });
    await p.waitForFunction("heard.length === 2");
    expect(await p.evaluate("[heard, wsb.installRouting().host.size, link.size]")).toEqual([[["page", true, true], ["server", true, true]], 0, 0]);
    await until(() => log()?.closed !== undefined);
    expect(log()!.frames).toEqual(["from the frame"]);
    await new Promise((r) => setTimeout(r, 100));
    expect(await p.evaluate("heard.length")).toBe(2);
    await p.close();
  });

  it("a worker whose sockets the main thread routes is terminated: onClose (both sides) runs once with no code", async () => {
    const p = await fx.newBundlePage();
    const { full, log } = tagged("/echo");
    const workerSource = `import * as WB from ${JSON.stringify(`${fx.baseURL}wsbridge/wsbridge.mjs`)};
WB.routeFromMainThread();
const ws = new WebSocket(${JSON.stringify(full)});
ws.onopen = () => ws.send("from the worker");
ws.onmessage = (e) => postMessage(e.data);`;
    const echoed = await p.evaluate(`(async () => {
      globalThis.heard = [];
      await wsb.routeWebSocket(${JSON.stringify(full)}, (route) => {
        const server = route.connectToServer();
        route.onClose((code, reason) => heard.push(["page", code === undefined, reason === undefined]));
        server.onClose((code, reason) => heard.push(["server", code === undefined, reason === undefined]));
      });
      globalThis.worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(workerSource)}], { type: "text/javascript" })), { type: "module" });
      globalThis.link = wsb.shareRoutesWith(worker);
      return await new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); });
    })()`);
    expect(echoed).toBe("from the worker");
    expect(await p.evaluate("[wsb.installRouting().host.size, link.size]")).toEqual([1, 1]);
    await p.evaluate("worker.terminate(); link.close(); link.close()");
    expect(await p.evaluate("[heard, wsb.installRouting().host.size, link.size]")).toEqual([[["page", true, true], ["server", true, true]], 0, 0]);
    await until(() => log()?.closed !== undefined);
    await p.close();
  });
});

/**
 * An iframe document that routes its own sockets: `routeWebSocket` for `url` (server mode when `connect`), onClose on
 * each side pushing to the parent's `heard`, then a socket that sends "from the frame"; tells the parent "frame
 * echoed" with the echo (or the route's reply).
 */
function selfRoutedFrame(url: string, connect: boolean): string {
  return `<script type="module">
    import * as WB from ${JSON.stringify(`${fx.baseURL}wsbridge/wsbridge.mjs`)};
    WB.routeWebSocket(${JSON.stringify(url)}, (route) => {
      route.onClose((code, reason) => parent.heard.push(["page", code === undefined, reason === undefined]));
      ${connect
        ? `const server = route.connectToServer(); server.onClose((code, reason) => parent.heard.push(["server", code === undefined, reason === undefined]));`
        : `route.onMessage((m) => route.send("mock got " + m));`}
    });
    const ws = new WebSocket(${JSON.stringify(url)});
    ws.onopen = () => ws.send("from the frame");
    ws.onmessage = (e) => parent.postMessage({ echoed: e.data, live: WB.installRouting().host.size }, "*");
  </script>`;
}

/** Page JS: adds an iframe with `source` and resolves with what it posts first. */
const addFrame = (source: string) => `new Promise((resolve) => {
  globalThis.heard = [];
  const source = ${JSON.stringify(source)};
  const frame = document.createElement("iframe");
  addEventListener("message", (e) => resolve(e.data), { once: true });
  frame.srcdoc = source;
  document.body.append(frame);
  globalThis.frame = frame;
})`;

describe("the document that holds both the route and the socket goes away: onClose runs once with no code", () => {
  it("JS, server mode: its iframe is removed; both sides' onClose run once, the server connection closes", async () => {
    const p = await fx.newBundlePage();
    const { full, log } = tagged("/echo");
    expect(await p.evaluate(addFrame(selfRoutedFrame(full, true)))).toEqual({ echoed: "from the frame", live: 1 });
    expect(await p.evaluate("heard")).toEqual([]);
    await p.evaluate("frame.remove()");
    await p.waitForFunction("heard.length === 2");
    expect(await p.evaluate("heard")).toEqual([["page", true, true], ["server", true, true]]);
    await until(() => log()?.closed !== undefined);
    expect(log()!.frames).toEqual(["from the frame"]);
    expect(await p.evaluate("heard.length")).toBe(2);
    await p.close();
  });

  it("JS, mock: its iframe navigates; the page-side onClose runs once", async () => {
    const p = await fx.newBundlePage();
    const url = `${fx.server.url}/self-routed-mock`;
    expect(await p.evaluate(addFrame(selfRoutedFrame(url, false)))).toEqual({ echoed: "mock got from the frame", live: 1 });
    // The new document posts when loaded: by then the old one's pagehide has run.
    await p.evaluate(`new Promise((resolve) => { frame.onload = resolve; frame.srcdoc = "<p>next</p>"; })`);
    expect(await p.evaluate("heard")).toEqual([["page", true, true]]);
    await p.close();
  });

  it("Python: the page navigates; on_close (both sides) runs once with None, None", async () => {
    const { page: p, py } = await fx.newPython();
    const { full, log } = tagged("/echo");
    await py.runAsync(`
import js
from wsbridge import route_web_socket

def note(side):
    def on_close(code, reason):
        js.sessionStorage.setItem("heard", js.sessionStorage.getItem("heard") + f"{side}:{code!r}:{reason!r};")
    return on_close

def handler(route):
    server = route.connect_to_server()
    route.on_close(note("page"))
    server.on_close(note("server"))

js.sessionStorage.setItem("heard", "")
route_web_socket(${JSON.stringify(full)}, handler)`);
    expect(await p.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(full)});
      ws.onopen = () => ws.send("from the page");
      ws.onmessage = (e) => resolve(e.data);
    })`)).toBe("from the page");
    expect(await p.evaluate(`sessionStorage.getItem("heard")`)).toBe("");
    await p.goto(`${fx.baseURL}?after-navigation`);
    expect(await p.evaluate(`sessionStorage.getItem("heard")`)).toBe("page:None:None;server:None:None;");
    await until(() => log()?.closed !== undefined);
    await p.close();
  });
});

describe("installing over Playwright's own page.routeWebSocket", () => {
  it("attachPython after page.routeWebSocket: wsbridge routes its sockets, Playwright's route still works, the rest pass through", async () => {
    const p = await fx.browser.newPage();
    await p.routeWebSocket("**/by-playwright", (ws) => { ws.onMessage((m) => ws.send(`playwright got ${String(m)}`)); });
    await p.goto(fx.baseURL);
    const py = await attachPython(p, { baseURL: fx.baseURL });
    await py.runAsync(`
from wsbridge import route_web_socket
def mock(route):
    route.on_message(lambda m: route.send("wsbridge got " + m))
route_web_socket("**/by-wsbridge", mock)`);
    const talk = (path: string) => p.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(fx.server.url + path)});
      ws.onopen = () => ws.send("hi");
      ws.onmessage = (e) => { resolve(e.data); ws.close(); };
      ws.onerror = () => resolve("error");
    })`);
    expect(await talk("/by-wsbridge")).toBe("wsbridge got hi");
    expect(await talk("/by-playwright")).toBe("playwright got hi");
    expect(await talk("/echo")).toBe("hi");
    expect(await p.evaluate("(() => { const ws = new WebSocket(" + JSON.stringify(fx.server.url + "/by-wsbridge") + "); const r = [ws instanceof WebSocket, ws.readyState, ws.url]; ws.close(); return r; })()"))
      .toEqual([true, 0, `${fx.server.url}/by-wsbridge`]);
    await p.close();
  });
});
