// Parity: one PyScript page (test/pyscript/pages/parity.html) runs the same socket scenarios against
// pyscript.websocket.WebSocket and wsbridge.WebSocket; everything that is right for PyScript must be the same for
// wsbridge, and where PyScript is wrong the test pins both PyScript's wrong result and wsbridge's right one.
// The same page also checks wsbridge in a PyScript worker (async: works; async="false": clear ImportError).
import { beforeAll, describe, expect, it } from "vitest";
import { usePyScript } from "./fixture.js";

type Observations = Record<string, unknown>;
interface Parity { pyscript: Observations; wsbridge: Observations }
interface Settled { value?: string; error?: string }

const fx = usePyScript();
let results: Parity;
let workers: { asyncWorker: Settled; syncWorker: Settled };
let pageErrors: string[];

beforeAll(async () => {
  const { page, errors } = await fx.open(`t/parity.html?ws=${encodeURIComponent(fx.server.url)}`);
  const handle = await page.waitForFunction(() => (window as unknown as { __parity?: string }).__parity, undefined, { timeout: 60_000 });
  results = JSON.parse((await handle.jsonValue()) as string) as Parity;
  workers = JSON.parse(await page.evaluate(() => (window as unknown as { __workers: Promise<string> }).__workers));
  pageErrors = errors;
  await page.close();
}, 120_000);

/** Both implementations observed `expected` in case `name`. */
function same(name: string, expected: unknown): void {
  expect(results.pyscript[name], "pyscript.websocket").toEqual(expected);
  expect(results.wsbridge[name], "wsbridge").toEqual(expected);
}

/** The server's record of the connection a case opened (paths carry `impl` and `case`). */
function connection(impl: string, name: string) {
  return fx.server.received.find((r) => r.path.includes(`impl=${impl}&case=${name}`));
}

describe("same behaviour in pyscript.websocket and wsbridge", () => {
  it("text echo with handlers assigned as attributes", () => {
    same("text_echo_attributes", [["str", "ping over attributes"]]);
  });

  it("text echo with handlers as constructor arguments; readyState through open and close", () => {
    same("text_echo_kwargs", { messages: ["ping over kwargs"], states: [["new", 0], ["open", 1], ["close", 3]] });
  });

  it("async def handlers for open, message and close", () => {
    same("async_handlers", ["open", "first", "second", "close"]);
  });

  it("bytes, bytearray and memoryview go out as binary frames and come back as memoryview", () => {
    same("binary_round_trip", [
      ["memoryview", [0, 1, 255]],
      ["memoryview", [120, 121, 122, 128]],
      ["memoryview", [118, 105, 101, 119]],
    ]);
    for (const impl of ["pyscript", "wsbridge"]) {
      expect(connection(impl, "binary_round_trip")?.frames).toEqual([Buffer.from([0, 1, 255]), Buffer.from("xyz\x80", "latin1"), Buffer.from("view")]);
    }
  });

  it("event wrapper fields: type, data, origin, target.url, close code/reason/wasClean", () => {
    const origin = fx.server.url;
    for (const impl of ["pyscript", "wsbridge"] as const) {
      expect(results[impl].event_fields, impl).toEqual({
        open: { type: "open" },
        message: { type: "message", data: "fields", origin, target_url: `${origin}/echo?impl=${impl}&case=event_fields` },
        close: { type: "close", code: 4001, reason: "bye", wasClean: true },
      });
    }
  });

  it("reassigning onmessage inside a handler routes the next message to the new handler", () => {
    same("handler_reassignment", [["first", "one"], ["second", "two"]]);
  });

  it("a JS routeWebSocket mock answers a socket that PyScript's Python opens, with either class", () => {
    same("routed_by_js_mock", ["mocked: hi"]);
  });

  it("wsbridge.route_web_socket from Python mocks a socket that either class opens (text and binary)", () => {
    same("routed_by_python_mock", ["py-mocked: hi", ["memoryview", [...Buffer.from("re:"), 1, 2]]]);
  });

  it("route_web_socket + connect_to_server rewrites page messages on their way to the real server", () => {
    same("routed_to_real_server", ["SHOUT"]);
    for (const impl of ["pyscript", "wsbridge"]) expect(connection(impl, "routed_to_real_server")?.frames).toEqual(["SHOUT"]);
  });
});

describe("where pyscript.websocket is wrong and wsbridge is right", () => {
  it('binaryType = "blob": pyscript hands over a raw Blob proxy, wsbridge a memoryview of the bytes', () => {
    expect(results.pyscript.blob_binary_type).toEqual([["JsProxy", "Blob"]]);
    expect(results.wsbridge.blob_binary_type).toEqual([["memoryview", [1, 2, 3]]]);
  });

  it("onmessage = None: pyscript keeps a wrapper that raises TypeError on the next message; wsbridge stops quietly", () => {
    expect(results.pyscript.onmessage_none).toEqual({ seen: ["before none"], reads_back_none: false, errors: 1 });
    expect(results.wsbridge.onmessage_none).toEqual({ seen: ["before none"], reads_back_none: true, errors: 0 });
    // That one uncaught error is pyscript's wrapper calling None.
    expect(pageErrors).toHaveLength(1);
    expect(pageErrors[0]).toMatch(/pyscript\/websocket\.py[\s\S]*TypeError: 'NoneType' object is not callable/);
  });

  it("50 reassignments: pyscript's never-destroyed proxies keep all 50 handlers alive, wsbridge only the current one", () => {
    expect(results.pyscript.reassignment_releases_old_handlers).toEqual({ alive: 50 });
    expect(results.wsbridge.reassignment_releases_old_handlers).toEqual({ alive: 1 });
  });

  it("close(reason=...) without a code: pyscript drops the reason (1005), wsbridge sends it with 1000", () => {
    expect(results.pyscript.close_reason_without_code).toEqual([1005, ""]);
    expect(results.wsbridge.close_reason_without_code).toEqual([1000, "done here"]);
    expect(connection("pyscript", "close_reason_without_code")?.closed).toEqual({ code: 1005, reason: "" });
    expect(connection("wsbridge", "close_reason_without_code")?.closed).toEqual({ code: 1000, reason: "done here" });
  });

  it("async onmessage that awaits: both run handlers concurrently (they start in order; no handler waits for another's await)", () => {
    expect(results.pyscript.async_handlers_in_order).toEqual(["fast", "slow"]);
    expect(results.wsbridge.async_handlers_in_order).toEqual(["fast", "slow"]);
  });

  it("every case ran in both columns (no case silently missing)", () => {
    expect(Object.keys(results.wsbridge).sort()).toEqual(Object.keys(results.pyscript).sort());
    expect(Object.keys(results.wsbridge)).toHaveLength(14);
  });
});

describe("PyScript workers", () => {
  it('<script type="py" worker>: wsbridge WebSocket and connect() work against the echo server', () => {
    expect(workers.asyncWorker.error).toBeUndefined();
    expect(JSON.parse(workers.asyncWorker.value ?? "null")).toEqual({
      module: "wsbridge",
      seen: ["from the worker", ["memoryview", [0, 255, ...Buffer.from("worker")]], ["close", 4002, "worker done"], ["connect", "via connect"]],
    });
  });

  it('<script type="py" worker async="false">: import wsbridge fails at once with an ImportError that says why', () => {
    expect(workers.syncWorker.error).toBeUndefined();
    expect(workers.syncWorker.value).toMatch(/^ImportError: wsbridge cannot be installed in a synchronous PyScript worker .*drop async="false"/);
  });

  it("no request left 127.0.0.1", () => {
    expect(fx.external).toEqual([]);
  });

  it("served cross-origin isolated, the worker pages log no SharedArrayBuffer warning from PyScript", () => {
    expect(fx.consoleAll.length).toBeGreaterThan(0);
    expect(fx.consoleAll.filter((l) => l.includes("SharedArrayBuffer"))).toEqual([]);
  });
});
