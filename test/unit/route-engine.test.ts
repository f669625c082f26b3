// The route end's state machine, driven through the message protocol alone (no browser needed).
import { describe, expect, it } from "vitest";
import { RouteHost, type RouteHandler } from "../../src/route/end/host.js";
import type { PageMessage, RouteMessage } from "../../src/route/protocol.js";
import { RouteRegistry } from "../../src/route/match/registry.js";
import { controllerOf, type WebSocketRoute } from "../../src/route/end/route.js";

/** A host with a registry and the messages it sent to the page end. */
function setup() {
  const registry = new RouteRegistry<RouteHandler>();
  const host = new RouteHost(registry);
  const sent: RouteMessage[] = [];
  host.connect((m) => sent.push(m));
  const send = (m: PageMessage) => host.receive(m);
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { registry, host, sent, send, flush };
}
const add = (registry: RouteRegistry<RouteHandler>, url: string, handler: RouteHandler, scope: "page" | "context" = "page", times?: number) =>
  registry.add({ scope, url, handler, remaining: times });
const create = (id: string, url = "ws://h/x"): PageMessage => ({ type: "create", id, url, protocols: [] });

describe("RouteRegistry", () => {
  it("last registered wins, page before context", () => {
    const { registry } = setup();
    const a: RouteHandler = () => {}, b: RouteHandler = () => {}, c: RouteHandler = () => {};
    add(registry, "**/x", c, "context");
    add(registry, "**/x", a);
    add(registry, "**/x", b);
    expect(registry.take("ws://h/x", undefined)?.handler).toBe(b);
    registry.remove("page", "**/x", b);
    expect(registry.take("ws://h/x", undefined)?.handler).toBe(a);
    registry.remove("page", "**/x");
    expect(registry.take("ws://h/x", undefined)?.handler).toBe(c);
    expect(registry.size()).toBe(1);
  });
  it("times: the first N matching sockets, then the route is gone (and onRemove runs once)", () => {
    const { registry } = setup();
    let removed = 0;
    registry.add({ scope: "page", url: "**/x", handler: () => {}, remaining: 2, onRemove: () => removed++ });
    expect(registry.take("ws://h/y", undefined)).toBeUndefined();
    expect(registry.take("ws://h/x", undefined)).toBeDefined();
    expect(registry.peek("ws://h/x", undefined)).toBeDefined();
    expect(registry.take("ws://h/x", undefined)).toBeDefined();
    expect(registry.take("ws://h/x", undefined)).toBeUndefined();
    expect(removed).toBe(1);
  });
  it("onAdd: each listener is told of a route once it is in the table", () => {
    const { registry } = setup();
    const seen: Array<[string, number]> = [];
    registry.onAdd.add((entry) => seen.push([String(entry.url), registry.size()]));
    add(registry, "**/x", () => {});
    add(registry, "**/y", () => {}, "context");
    expect(seen).toEqual([["**/x", 1], ["**/y", 2]]);
  });
});

describe("RouteHost", () => {
  it("no route: passthrough", () => {
    const { host, sent } = setup();
    host.receive(create("1"));
    expect(sent).toEqual([{ type: "passthrough", id: "1" }]);
  });
  it("mock: the socket opens after the handler, page frames go to onMessage as string | Uint8Array", async () => {
    const { registry, sent, send, flush } = setup();
    const got: unknown[] = [];
    add(registry, "**/x", (ws) => ws.onMessage((m) => got.push(m)));
    send(create("1"));
    await flush();
    expect(sent).toEqual([{ type: "ensureOpened", id: "1" }]);
    send({ type: "messageFromPage", id: "1", data: "hi" });
    send({ type: "messageFromPage", id: "1", data: new Uint8Array([1, 2]).buffer });
    expect(got).toEqual(["hi", new Uint8Array([1, 2])]);
  });
  it("mock without onMessage drops page frames; page close loops back as a server close", async () => {
    const { registry, sent, send, flush } = setup();
    add(registry, "**/x", () => {});
    send(create("1"));
    await flush();
    send({ type: "messageFromPage", id: "1", data: "dropped" });
    send({ type: "pageClosed", id: "1", code: 4000, reason: "r", wasClean: true });
    send({ type: "serverClosed", id: "1", code: 4000, reason: "r", wasClean: true });
    expect(sent.slice(1)).toEqual([
      { type: "closeServer", id: "1", code: 4000, reason: "r", wasClean: true },
      { type: "closePage", id: "1", code: 4000, reason: "r", wasClean: true },
    ]);
  });
  it("an async handler opens the socket only when it completes; a rejected one fails the handshake and is reported", async () => {
    const { registry, sent, send, flush } = setup();
    let finish!: () => void;
    add(registry, "**/x", () => new Promise<void>((r) => (finish = r)));
    add(registry, "**/bad", async () => { throw new Error("handler failed"); });
    const errors: unknown[][] = [];
    const saved = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      send(create("1"));
      send(create("2", "ws://h/bad"));
      await flush();
      expect(sent).toEqual([{ type: "closePage", id: "2", code: 1006, reason: "", wasClean: false, error: "Error during WebSocket handshake", handshakeOnly: true }]);
      finish();
      await flush();
      expect(sent.slice(1)).toEqual([{ type: "ensureOpened", id: "1" }]);
      expect(errors).toHaveLength(1);
      expect(String(errors[0]![0])).toContain("the route handler for ws://h/bad failed");
      expect((errors[0]![1] as Error).message).toBe("handler failed");
    } finally {
      console.error = saved;
    }
  });
  it("server mode: connect once, default forwarding both ways, per-side handlers turn it off", async () => {
    const { registry, sent, send, flush } = setup();
    let route!: WebSocketRoute;
    add(registry, "**/x", (ws) => { route = ws; ws.connectToServer(); });
    send(create("1"));
    await flush();
    // Default forwarding is handed to the page end, both ways (the page is not open yet).
    expect(sent).toEqual([{ type: "connect", id: "1" }, { type: "forward", id: "1", toPage: true, toServer: true }]);
    expect(() => route.connectToServer()).toThrow("Already connected to the server");
    // Frames that still reach the route end are forwarded by it, in order.
    send({ type: "messageFromPage", id: "1", data: "up" });
    send({ type: "messageFromServer", id: "1", data: "down" });
    expect(sent.slice(2)).toEqual([{ type: "sendToServer", id: "1", data: "up" }, { type: "sendToPage", id: "1", data: "down" }]);
    const seen: unknown[] = [];
    route.onMessage((m) => seen.push(["page", m]));
    // The page-side handler takes page frames back from the page end; server frames are still forwarded there.
    expect(sent.slice(4)).toEqual([{ type: "forward", id: "1", toPage: true, toServer: false }]);
    send({ type: "messageFromPage", id: "1", data: "up2" });
    expect(sent).toHaveLength(5);
    expect(seen).toEqual([["page", "up2"]]);
  });
  it("server side: its own onMessage/onClose, connectToServer throws there", async () => {
    const { registry, sent, send, flush } = setup();
    const seen: unknown[] = [];
    add(registry, "**/x", (ws) => {
      const server = ws.connectToServer();
      expect(() => server.connectToServer()).toThrow("connectToServer must be called on the page-side WebSocketRoute");
      server.onMessage((m) => seen.push(m));
      server.onClose((code, reason) => seen.push([code, reason]));
      expect(server.url()).toBe("ws://h/x");
    });
    send(create("1"));
    await flush();
    send({ type: "messageFromServer", id: "1", data: "s" });
    send({ type: "serverClosed", id: "1", code: 1006, wasClean: false });
    expect(seen).toEqual(["s", [1006, undefined]]);
    // The server-side handler takes server frames back from the page end.
    expect(sent).toEqual([
      { type: "connect", id: "1" },
      { type: "forward", id: "1", toPage: true, toServer: true },
      { type: "forward", id: "1", toPage: false, toServer: true },
    ]);
  });
  it("released: the route is disposed and later messages are ignored; abortAll closes live sockets", async () => {
    const { registry, host, sent, send, flush } = setup();
    let disposed = 0;
    add(registry, "**/x", (ws) => controllerOf(ws).onDispose(() => disposed++));
    send(create("1"));
    send(create("2"));
    await flush();
    send({ type: "released", id: "1" });
    expect(disposed).toBe(1);
    expect(host.size).toBe(1);
    send({ type: "messageFromServer", id: "1", data: "late" });
    expect(sent.filter((m) => m.id === "1" && m.type === "sendToPage")).toEqual([]);
    host.abortAll();
    expect(disposed).toBe(2);
    expect(host.size).toBe(0);
    expect(sent.filter((m) => m.id === "2").map((m) => m.type)).toEqual(["ensureOpened", "closeServer", "closePage"]);
  });
  it("route.send rejects unsupported types with a TypeError naming them", async () => {
    const { registry, send, flush } = setup();
    let route!: WebSocketRoute;
    add(registry, "**/x", (ws) => { route = ws; });
    send(create("1"));
    await flush();
    expect(() => route.send(42 as unknown as string)).toThrow(/got number/);
  });
});
