// asgi(app) with a real Starlette app (wheels installed into the page's Pyodide at test time): what the page and
// the app see must match a browser talking to the same app under uvicorn (issue 10 items 7-11, issue 12 item 14).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { PROBE } from "./_probe.js";
import { newPython, WAIT_FOR, type PythonPage } from "./_python.js";

const fx = useBrowser();
let p: PythonPage;
const wheelDir = mkdtempSync(join(tmpdir(), "wsbridge-wheels-"));

beforeAll(async () => {
  execFileSync("pip", ["download", "--no-deps", "--only-binary=:all:", "--retries", "0", "-q", "-d", wheelDir, "starlette", "anyio", "idna", "typing_extensions"], { stdio: "pipe" });
  const wheels = Object.fromEntries(readdirSync(wheelDir).filter((f) => f.endsWith(".whl")).map((f) => [f, readFileSync(join(wheelDir, f)).toString("base64")]));
  p = await newPython(fx, { reuse: true });
  await p.page.evaluate(PROBE);
  await p.page.evaluate((w) => { (globalThis as { __wheels?: unknown }).__wheels = w; }, wheels);
  await p.py.run(`
import base64, io, js, site, zipfile
for data in js.Object.values(js.__wheels):
    zipfile.ZipFile(io.BytesIO(base64.b64decode(str(data)))).extractall(site.getsitepackages()[0])
js.__wheels = None
import starlette`);
});
afterAll(() => rmSync(wheelDir, { recursive: true, force: true }));
beforeEach(async () => {
  await p.py.runAsync("import wsbridge._lifecycle\nwsbridge._lifecycle.reset()");
  p.console.length = 0;
});

const PRELUDE = `
import asyncio, json, js
import wsbridge
from wsbridge import route_web_socket, asgi
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect
S = ${"${S}"}
async def probe(path, sends=(), n=0, close=None, protocols=None):
    return json.loads(await js.__probe(S + path, json.dumps(list(sends)), n, json.dumps(close), json.dumps(protocols) if protocols else None))
${WAIT_FOR}
events = []
`;
const run = <T>(code: string) => p.py.runAsync<T>(PRELUDE.replace("${S}", JSON.stringify(fx.server.url)) + code);

/** Python: a Starlette app whose lifespan records startup/shutdown in `events` and greets from its state. */
const GREETER = `
import contextlib
@contextlib.asynccontextmanager
async def lifespan(app):
    events.append("startup")
    yield {"greeting": "hello from lifespan"}
    events.append("shutdown")
async def greet(websocket):
    await websocket.accept()
    await websocket.send_text(websocket.state.greeting)
    await websocket.close()
app = Starlette(routes=[WebSocketRoute("/greet", greet)], lifespan=lifespan)
`;

describe("asgi(app) with Starlette", () => {
  it("lifespan: startup once before the first connection, its state on websocket.state, shutdown on reset", async () => {
    const got = await run(`${GREETER}
route_web_socket("**/greet", asgi(app))
a = await probe("/greet", [], 1)
b = await probe("/greet", [], 1)
before = list(events)
wsbridge._lifecycle.reset()
await wait_for(lambda: "shutdown" in events)
[a, b, before, events]`);
    expect(got).toEqual([
      [["open", ""], "hello from lifespan"],
      [["open", ""], "hello from lifespan"],
      ["startup"],
      ["startup", "shutdown"],
    ]);
  });

  it("lifespan: unrouting the route shuts the app down", async () => {
    const got = await run(`${GREETER}
handle = route_web_socket("**/greet", asgi(app))
a = await probe("/greet", [], 1)
before = list(events)
handle.unroute()
await wait_for(lambda: "shutdown" in events)
[a, before, events]`);
    expect(got).toEqual([[["open", ""], "hello from lifespan"], ["startup"], ["startup", "shutdown"]]);
  });

  it("lifespan: a failed startup fails every handshake; asgi(...).shutdown() shuts a started app down", async () => {
    const got = await run(`
import contextlib
@contextlib.asynccontextmanager
async def broken(app):
    raise RuntimeError("no database")
    yield
async def endpoint(websocket):
    await websocket.accept()
bad = Starlette(routes=[WebSocketRoute("/x", endpoint)], lifespan=broken)
route_web_socket("**/x", asgi(bad))
failed = await probe("/x")
@contextlib.asynccontextmanager
async def tracked(app):
    yield
    events.append("shutdown")
handler = asgi(Starlette(routes=[WebSocketRoute("/y", endpoint)], lifespan=tracked))
route_web_socket("**/y", handler).unroute()
await handler.startup()
await handler.shutdown()
[failed, events]`);
    expect(got).toEqual([[["error"], ["close", 1006, "", false]], ["shutdown"]]);
  });

  it("after the app closes or denies before accepting, receive() gives websocket.disconnect 1006", async () => {
    const got = await run(`
from starlette.responses import PlainTextResponse
async def close_first(scope, receive, send):
    await receive()
    await send({"type": "websocket.close", "code": 1008})
    events.append(["raw", await receive()])
async def starlette_close(websocket):
    await websocket.receive()                  # websocket.connect
    await websocket.close(1008)
    events.append(["close", await websocket.receive()])
async def starlette_deny(websocket):
    await websocket.receive()
    await websocket.send_denial_response(PlainTextResponse("no", status_code=403))
    events.append(["deny", await websocket.receive()])
route_web_socket("**/raw", asgi(close_first))
route_web_socket(lambda url: "/sclose" in url or "/sdeny" in url, asgi(Starlette(routes=[WebSocketRoute("/sclose", starlette_close), WebSocketRoute("/sdeny", starlette_deny)])))
pages = [await probe("/raw"), await probe("/sclose"), await probe("/sdeny")]
await wait_for(lambda: len(events) == 3)
[pages, events]`);
    const failed = [["error"], ["close", 1006, "", false]];
    const gone = { type: "websocket.disconnect", code: 1006, reason: "" };
    expect(got).toEqual([[failed, failed, failed], [["raw", gone], ["close", gone], ["deny", gone]]]);
    expect(p.console.filter((l) => l.includes("RuntimeError"))).toEqual([]);
  });

  it("a push-only endpoint ends with WebSocketDisconnect(1006) once the page has closed", async () => {
    const got = await run(`
async def ticker(websocket):
    await websocket.accept()
    n = 0
    try:
        while n < 1000:                        # bounded only so that a regression fails instead of hanging
            await websocket.send_text(f"tick {n}")
            n += 1
            await asyncio.sleep(0.005)
        events.append("never disconnected")
    except WebSocketDisconnect as e:
        events.append(["disconnect", e.code])
route_web_socket("**/ticks", asgi(Starlette(routes=[WebSocketRoute("/ticks", ticker)])))
page = await probe("/ticks", [], 2, [1000, "enough"])
await wait_for(lambda: events)
[page, events]`);
    expect(got).toEqual([[["open", ""], "tick 0", "tick 1", ["close", 1000, "enough", true]], [["disconnect", 1006]]]);
  });

  it("the scope's headers carry what a browser sends: key, version, origin, user-agent, protocols, the page's cookies", async () => {
    const got = await run(`
js.document.cookie = "session=abc123; path=/"
js.document.cookie = "theme=dark; path=/"
async def show(websocket):
    await websocket.accept(subprotocol="b")
    h = websocket.headers
    await websocket.send_json({
        "key": h.get("sec-websocket-key"), "version": h.get("sec-websocket-version"), "origin": h.get("origin"),
        "ua": h.get("user-agent"), "protocols": h.get("sec-websocket-protocol"), "cookies": dict(websocket.cookies),
        "upgrade": h.get("upgrade"),
    })
    await websocket.receive()
route_web_socket("**/show", asgi(Starlette(routes=[WebSocketRoute("/show", show)])))
a = await probe("/show", [], 1, [1000, ""], ["a", "b"])
b = await probe("/show", [], 1, [1000, ""], ["a", "b"])
js.document.cookie = "session=; max-age=0; path=/"
js.document.cookie = "theme=; max-age=0; path=/"
[json.loads(a[1]), json.loads(b[1]), js.location.origin, js.navigator.userAgent]`);
    const [a, b, origin, ua] = got as [Record<string, unknown>, Record<string, unknown>, string, string];
    expect(a).toMatchObject({ version: "13", origin, ua, protocols: "a, b", cookies: { session: "abc123", theme: "dark" }, upgrade: "websocket" });
    expect(Buffer.from(a.key as string, "base64")).toHaveLength(16);
    expect(a.key).not.toEqual(b.key);
  });

  it("run_in_threadpool and anyio.to_thread.run_sync run inline in the page (no threads in Pyodide)", async () => {
    const got = await run(`
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
def blocking(x, y=1):
    return x * 10 + y
async def compute(websocket):
    await websocket.accept()
    a = await run_in_threadpool(blocking, 4, y=2)
    b = await anyio.to_thread.run_sync(blocking, 5)
    await websocket.send_text(f"{a} {b}")
    await websocket.close()
route_web_socket("**/compute", asgi(Starlette(routes=[WebSocketRoute("/compute", compute)])))
await probe("/compute", [], 1)`);
    expect(got).toEqual([["open", ""], "42 51"]);
  });

  it("wsbridge.asgi is the module and callable: asgi(app), wsbridge.asgi.WebSocketDisconnect and .Disconnected", async () => {
    const got = await run(`
import importlib
module = importlib.import_module("wsbridge.asgi")
from wsbridge._awaitable import WebSocketClosed
[wsbridge.asgi is module, asgi is module, callable(wsbridge.asgi), wsbridge.asgi.WebSocketDisconnect is WebSocketClosed,
 issubclass(wsbridge.asgi.Disconnected, OSError), type(wsbridge.asgi(lambda s, r, x: None)).__name__]`);
    expect(got).toEqual([true, true, true, true, true, "ASGIHandler"]);
  });
});
