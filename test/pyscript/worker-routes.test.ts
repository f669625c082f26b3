// Main-thread routes reach PyScript workers (`<script type="py" worker>`) through the plugin alone: the page
// (pages/worker-routes.html) registers a JS route and main-thread Python `route_web_socket` routes; the worker's
// Python sockets (wsbridge WebSocket, connect(), pyscript.WebSocket) get the mocks' replies, unmatched URLs reach
// the real `ws` server. A second load registers no route at all: the worker's sockets behave natively.
import { beforeAll, describe, expect, it } from "vitest";
import { usePyScript } from "./fixture.js";

const fx = usePyScript();

type Log = unknown[][];
interface Observed {
  early: Log;
  mocked?: Log;
  mock_close?: Log;
  pyscript_class?: Log;
  connect_mocked?: string;
  connect_real: string;
  real: Log;
  real_close: Log;
  rejected: Log;
}
interface Load { result: Observed; errors: string[]; userMessages: string[] }

async function load(routes: boolean): Promise<Load> {
  const { page, errors } = await fx.open(`t/worker-routes.html?ws=${encodeURIComponent(fx.server.url)}&routes=${routes ? 1 : 0}`);
  await page.waitForFunction(() => "__result" in window, undefined, { timeout: 30_000 });
  const settled = await page.evaluate(() => (window as unknown as { __result: Promise<{ value?: string; error?: string }> }).__result);
  const userMessages = await page.evaluate(() => (window as unknown as { __userMessages: string[] }).__userMessages);
  await page.close();
  expect(settled.error).toBeUndefined();
  return { result: JSON.parse(settled.value!) as Observed, errors, userMessages };
}

let routed: Load;
let bare: Load;
beforeAll(async () => {
  routed = await load(true);
  bare = await load(false);
}, 60_000);

describe("main-thread routes reach a PyScript worker's sockets", () => {
  it("a socket opened by the worker's top-level code, before the port is served, waits and gets the JS route's reply", () => {
    expect(routed.result.early).toEqual([
      ["created", 0], ["open", 1], ["message", "js mock: early bird"], ["close", 1000, "done", true],
    ]);
  });

  it("main-thread Python route_web_socket mocks answer the worker's wsbridge WebSocket, connect() and pyscript.WebSocket", () => {
    const r = routed.result;
    expect(r.mocked).toEqual([
      ["open", 1], ["message", "py mock: hi"], ["message", ["bytes", [...Buffer.from("py mock: "), 0, 255]]],
      ["close", 1000, "done", true],
    ]);
    expect(r.mock_close).toEqual([["open", 1], ["close", 4100, "mock bye", true]]);
    expect(r.pyscript_class).toEqual([["open", 1], ["message", "py mock: hello"], ["close", 1000, "done", true]]);
    expect(r.connect_mocked).toBe("py mock: via connect");
  });

  it("URLs no route matches reach the real ws server and behave natively (subprotocol, server close, refused handshake)", () => {
    const r = routed.result;
    expect(r.connect_real).toBe("to the real server");
    expect(r.real).toEqual([
      ["open", 1], ["message", "text"], ["message", ["bytes", [1, 2]]], ["close", 1000, "done", true], ["protocol", "chat"],
    ]);
    expect(r.real_close).toEqual([["open", 1], ["close", 4005, "server bye", true]]);
    expect(r.rejected).toEqual([["error"], ["close", 1006, "", false]]);
    const seen = fx.server.received.find((c) => c.path === "/echo?from=worker-routes");
    expect(seen?.frames).toEqual(["to the real server"]);
    const mockedFrames = ["hi", "close please", "hello", "via connect"];
    expect(fx.server.received.flatMap((c) => c.frames).filter((f) => mockedFrames.includes(String(f)))).toEqual([]);
  });

  it("a page that registers no route at all: the worker's sockets, early or late, behave natively", () => {
    const r = bare.result;
    expect(r.early).toEqual([["created", 0], ["open", 1], ["message", "early bird"], ["close", 1000, "done", true]]);
    expect(r.connect_real).toBe("to the real server");
    expect(r.real).toEqual(routed.result.real);
    expect(r.real_close).toEqual(routed.result.real_close);
    expect(r.rejected).toEqual(routed.result.rejected);
    // Only the no-routes load's early socket reached the server; the routed load's went to the JS mock.
    expect(fx.server.received.filter((c) => c.frames.includes("early bird")).map((c) => c.path)).toEqual(["/echo?early=1"]);
  });

  it("the port travels out of sight: the page's xworker.onmessage sees only the worker's own message; no page errors", () => {
    for (const load of [routed, bare]) {
      expect(load.userMessages).toEqual(["hello from the worker"]);
      expect(load.errors).toEqual([]);
    }
  });

  it("offline: no request left 127.0.0.1", () => {
    expect(fx.external).toEqual([]);
  });

  it("served cross-origin isolated, the worker pages log no SharedArrayBuffer warning from PyScript", () => {
    expect(fx.consoleAll.length).toBeGreaterThan(0);
    expect(fx.consoleAll.filter((l) => l.includes("SharedArrayBuffer"))).toEqual([]);
  });
});
