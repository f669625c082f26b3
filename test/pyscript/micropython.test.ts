// wsbridge under MicroPython (<script type="mpy">, main thread and worker), through the PyScript plugin: the
// parity page runs PyScript's own websocket test cases (in its words, against the local server), the documented
// uses and routing against pyscript.WebSocket (the control) and wsbridge.WebSocket in one page; the leak page
// counts MicroPython's proxy tables and the engine's and face's tables around thousands of frames; names the
// MicroPython face lacks fail at the call, naming the alternative; the Pyodide wheel unpacked into MicroPython
// without the plugin fails at import, saying so. Needs PyScript's MicroPython build: without it the tests fail
// under CI=true and are skipped otherwise.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { micropythonDir, usePyScript } from "./fixture.js";

const fx = usePyScript();
const dist = join(dirname(fileURLToPath(import.meta.url)), "../../dist");
const present = micropythonDir !== undefined || process.env.CI === "true";
type Observations = Record<string, unknown>;
interface Parity { pyscript: Observations; wsbridge: Observations }
interface Counts { js_refs: number; py_refs: number; engine: Record<string, number>; face: number[] }

it("PyScript's MicroPython build is there (npm @micropython/micropython-webassembly-pyscript or WSBRIDGE_MICROPYTHON)", () => {
  if (process.env.CI === "true") expect(micropythonDir).toBeDefined();
});

/** Loads `path` and returns the JSON text the page leaves in `window[name]` (or, with `worker`, in a promise there). */
async function pageResult(path: string, name: string): Promise<{ value: string; errors: string[] }> {
  const { page, errors } = await fx.open(path);
  const handle = await page.waitForFunction((key) => (window as unknown as Record<string, unknown>)[key], name, { timeout: 90_000 });
  const value = (await handle.jsonValue()) as string;
  await page.close();
  return { value, errors };
}

/** Generates a page at `path` from `html`. */
async function serve(path: string, html: string): Promise<void> {
  await fx.context.route(fx.web.url + path, (route) => route.fulfill({ body: html, contentType: "text/html" }));
}

describe.skipIf(!present)("wsbridge under MicroPython, against pyscript.websocket in the same page", () => {
  let main: Parity;
  let worker: Parity;
  let pageErrors: string[];

  beforeAll(async () => {
    const { page, errors } = await fx.open(`t/mpy-parity.html?ws=${encodeURIComponent(fx.server.url)}`);
    const handle = await page.waitForFunction(() => (window as unknown as { __mpyMain?: string }).__mpyMain, undefined, { timeout: 90_000 });
    main = JSON.parse((await handle.jsonValue()) as string) as Parity;
    worker = JSON.parse(await page.evaluate(() => (window as unknown as { __mpyWorker: Promise<string> }).__mpyWorker)) as Parity;
    pageErrors = errors;
    await page.close();
  }, 150_000);

  /** Both classes observed `expected` in case `name`, on the main thread and in the worker. */
  function same(name: string, expected: unknown): void {
    for (const [where, results] of [["main", main], ["worker", worker]] as const) {
      expect(results.pyscript[name], `pyscript.websocket, ${where}`).toEqual(expected);
      expect(results.wsbridge[name], `wsbridge, ${where}`).toEqual(expected);
    }
  }

  it("the runs completed: every case ran in both columns on both threads", () => {
    for (const results of [main, worker]) {
      expect(Object.keys(results.wsbridge).sort()).toEqual(Object.keys(results.pyscript).sort());
      expect(Object.keys(results.wsbridge)).toHaveLength(12);
    }
  });

  describe("PyScript's own websocket tests (test_websocket.py's checks)", () => {
    it("handlers as attributes: connected, the server's greeting then the echo, closed", () => {
      same("with_attributes", [true, ["0", "Hello, world!"], true]);
    });

    it("handlers as constructor arguments", () => {
      same("with_init", ["0", "Hello, world!"]);
    });

    it("binary data arrives as memoryview (a bytearray and bytes sent)", () => {
      same("binary_as_memoryview", [["memoryview", [72, 101, 108, 108, 111]], ["memoryview", [65, 66, 67]]]);
      for (const impl of ["pyscript", "wsbridge"]) {
        for (const where of ["main", "worker"]) {
          const sent = fx.server.received.find((r) => r.path.includes(`where=${where}&impl=${impl}&case=binary_as_memoryview`));
          expect(sent?.frames, `${impl} ${where}`).toEqual([Buffer.from("Hello"), Buffer.from("ABC")]);
        }
      }
    });

    it("the event wrapper: type and data for open, message and close", () => {
      same("event_wrapper", [["open", "message", "close"], [[true, true, "test"]]]);
    });

    it("a handler replaced before any message: only the new one runs", () => {
      same("replace_handler", ["second"]);
    });

    it("async def handlers: wsbridge's run on both threads; pyscript's sometimes never finish", () => {
      expect(main.wsbridge.async_handlers).toEqual(["0", "async test"]);
      expect(worker.wsbridge.async_handlers).toEqual(["0", "async test"]);
      // pyscript.websocket hands its async wrapper to JS, which drives the coroutine outside asyncio: a handler's
      // `await asyncio.sleep(0)` at times never resumes and the case times out (seen in a worker in some runs, and on
      // the main thread once in a loaded full-suite run), so either outcome is accepted for the control here.
      for (const control of [JSON.stringify(main.pyscript.async_handlers), JSON.stringify(worker.pyscript.async_handlers)]) {
        expect(control === JSON.stringify(["0", "async test"]) || /failed.*TimeoutError/.test(control), control).toBe(true);
      }
    });
  });

  describe("documented uses", () => {
    it("close(code, reason): code, reason and wasClean; readyState through open and close", () => {
      same("close_fields", [["new", 0], ["open", 1], ["close", 4001, "bye", true, 3]]);
    });

    it("text and binary frames keep their order; a memoryview slice sends exactly its bytes", () => {
      same("memoryview_and_order", ["one", ["memoryview", [...Buffer.from("view")]], "three"]);
    });

    it("route_web_socket from MicroPython mocks either class's socket (text and binary)", () => {
      same("routed_by_python_mock", ["py-mocked: hi", ["memoryview", [...Buffer.from("re:"), 1, 2]]]);
    });

    it("a JS routeWebSocket on the main thread answers either class, on the main thread and in the worker", () => {
      same("routed_by_js_mock", ["mocked: hi"]);
    });

    it("route_web_socket + connect_to_server rewrites the page's messages on their way to the real server", () => {
      same("routed_to_real_server", ["SHOUT"]);
      for (const impl of ["pyscript", "wsbridge"]) {
        for (const where of ["main", "worker"]) {
          expect(fx.server.received.find((r) => r.path.includes(`where=${where}&impl=${impl}&case=routed_to_real_server`))?.frames).toEqual(["SHOUT"]);
        }
      }
    });

    it("send() while CONNECTING raises InvalidStateError (the browser's error would end the MicroPython script)", () => {
      for (const results of [main, worker]) expect(results.wsbridge.send_while_connecting).toBe("InvalidStateError");
    });

    it("no page error", () => {
      expect(pageErrors).toEqual([]);
    });
  });
});

describe.skipIf(!present)("nothing kept after close", () => {
  it("30 sockets and routed sockets, 6,000 frames: MicroPython's proxy tables, the engine's and the face's tables as before; pyscript.websocket's one socket leaves references", async () => {
    const { value, errors } = await pageResult(`t/mpy-leaks.html?ws=${encodeURIComponent(fx.server.url)}`, "__mpyLeaks");
    const result = JSON.parse(value) as { first: number[]; rounds: number[][]; before: Counts; after: Counts; control: Counts };
    expect(errors).toEqual([]);
    // Every frame arrived (FRAMES + the echo for each server socket, FRAMES for the routed one), in every round.
    expect(result.rounds).toEqual(Array.from({ length: 10 }, () => [201, 201, 200]));
    expect(result.before.engine).toEqual({ sockets: 0, routes: 0, held: 0 });
    expect(result.before.face).toEqual([0, 0, 0]);
    expect(result.after).toEqual(result.before);
    expect(result.control.js_refs).toBeGreaterThan(result.after.js_refs);
  }, 120_000);
});

describe.skipIf(!present)("what the MicroPython face lacks fails at the call, naming the alternative", () => {
  it("connect, asgi, HAR, receive and inspection: NotImplementedError with the reason and what to use", async () => {
    const html = `<!doctype html><meta charset="utf-8"><script type="module" src="/pyscript/core.js"></script>
<script type="module" src="/wsbridge/pyscript.mjs"></script>
<script type="mpy" config='{"interpreter": "/mpy/micropython.mjs"}'>
import json
import js
import wsbridge
from wsbridge import connect, page, route_web_socket

seen = {}
def attempt(name, fn):
    try:
        fn()
        seen[name] = "ran"
    except Exception as error:
        seen[name] = type(error).__name__ + ": " + str(error)

attempt("connect", lambda: connect("ws://127.0.0.1:1/x"))
attempt("asgi", lambda: wsbridge.asgi(None))
attempt("har", lambda: wsbridge.route_web_socket_from_har({}))
attempt("inspect", lambda: page.on("websocket", print))
def handler(route):
    attempt("receive", lambda: route.receive())
    route.close()
    js.window.__mpyLacks = json.dumps(seen)
route_web_socket("wss://lacks.invalid/**", handler)
ws = wsbridge.WebSocket("wss://lacks.invalid/")
</script>`;
    await serve("t/generated-mpy-lacks.html", html);
    const { value } = await pageResult("t/generated-mpy-lacks.html", "__mpyLacks");
    const seen = JSON.parse(value) as Record<string, string>;
    expect(seen.connect).toMatch(/^NotImplementedError: wsbridge.connect is not available under MicroPython: .*use wsbridge.WebSocket with onmessage/);
    expect(seen.asgi).toMatch(/^NotImplementedError: wsbridge.asgi is not available under MicroPython: .*route_web_socket/);
    expect(seen.har).toMatch(/^NotImplementedError: .*routeWebSocketFromHAR from wsbridge.mjs/);
    expect(seen.inspect).toMatch(/^NotImplementedError: page.on is not available under MicroPython.*page.on\("websocket"\) in wsbridge.mjs/);
    expect(seen.receive).toMatch(/^NotImplementedError: WebSocketRoute.receive is not available under MicroPython.*on_message\(\)/);
  }, 60_000);
});

describe.skipIf(!present)("the Pyodide wheel unpacked into MicroPython without the plugin", () => {
  it("fails at import with an ImportError that says to load the plugin instead", async () => {
    const wheel = readdirSync(dist).find((f) => /^wsbridge-.*\.whl$/.test(f));
    expect(wheel).toBeDefined();
    const config = JSON.stringify({ interpreter: "/mpy/micropython.mjs", files: { [`/wsbridge/${wheel}`]: "./*" } });
    const html = `<!doctype html><meta charset="utf-8"><script type="module" src="/pyscript/core.js"></script>
<script type="mpy" config='${config}'>
import os
from pyscript import window
try:
    import wsbridge
    result = "imported"
except Exception as error:
    result = type(error).__name__ + ": " + str(error)
window.__mpyWheel = str("wsbridge" in os.listdir()) + " | " + result
</script>`;
    await serve("t/generated-mpy-wheel.html", html);
    const { value } = await pageResult("t/generated-mpy-wheel.html", "__mpyWheel");
    // The wheel was unpacked (so the import really reached wsbridge/__init__.py) and failed there, clearly.
    expect(value).toMatch(/^True \| ImportError: this wsbridge package is the Pyodide face .*wsbridge\/pyscript\.mjs/);
  }, 60_000);
});

it("no request left 127.0.0.1", () => {
  expect(fx.external).toEqual([]);
});
