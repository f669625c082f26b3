// The Python routing face (wsbridge.route) in real Chromium: the key conformance scenarios driven from Python,
// with page sockets opened by plain page JS that knows nothing of wsbridge.
import { beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, type PythonPage } from "./_python.js";

const fx = useBrowser();
let py: PythonPage;

/** Page JS: `__probe(url, sends, n, close)` opens a socket, sends after open, waits for n messages, closes; returns its log as JSON. */
const PROBE = `globalThis.__probe = (url, sendsJson, n, closeJson, protocols) => new Promise((resolve) => {
  const log = []; const sends = JSON.parse(sendsJson); const close = JSON.parse(closeJson || 'null');
  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
  const ws = protocols ? new WebSocket(url, JSON.parse(protocols)) : new WebSocket(url);
  ws.binaryType = 'arraybuffer'; let got = 0;
  const finish = () => resolve(JSON.stringify(log));
  const timer = setTimeout(() => { log.push(['timeout', ws.readyState]); finish(); }, 3000);
  ws.onopen = () => { log.push(['open', ws.protocol]); for (const s of sends) ws.send(typeof s === 'string' ? s : new Uint8Array(s)); if (n === 0 && close) ws.close(close[0], close[1]); };
  ws.onmessage = (e) => { log.push(typeof e.data === 'string' ? e.data : 'bin:' + hex(e.data)); if (++got === n) { if (close) ws.close(close[0], close[1]); else { clearTimeout(timer); finish(); } } };
  ws.onerror = () => log.push(['error']);
  ws.onclose = (e) => { log.push(['close', e.code, e.reason, e.wasClean]); clearTimeout(timer); finish(); };
});`;

/** Python prelude: `probe(...)` awaits the page probe and decodes its log. */
const PRELUDE = `
import asyncio, json, re, js, _wsbridge_js
import wsbridge
from wsbridge import route_web_socket, unroute_web_socket, WebSocketRoute, page, context
S = ${"${S}"}
async def probe(path, sends=(), n=0, close=None, protocols=None):
    url = path if "://" in path or path.startswith("/") else S + "/" + path
    return json.loads(await js.__probe(url, json.dumps(list(sends)), n, json.dumps(close), json.dumps(protocols) if protocols else None))
def stats():
    return _wsbridge_js.routeStats().to_py()
async def settle():
    for _ in range(100):
        if stats()["sockets"] == 0 and stats()["proxies"] == len([h for h in wsbridge.route._handles if h.active]) * 1:
            break
        await asyncio.sleep(0.01)
    return stats()
`;

/** Runs Python (with the prelude) and returns its last expression. */
function run<T>(code: string): Promise<T> {
  return py.py.runAsync<T>(PRELUDE.replace("${S}", JSON.stringify(fx.server.url)) + code);
}

beforeAll(async () => {
  py = await newPython(fx, { reuse: true });
  await py.page.evaluate(PROBE);
});

describe("Python route_web_socket", () => {
  it("mock: sync handler, on_message gets str and bytes, send of both", async () => {
    const got = await run(`
def handler(ws: WebSocketRoute):
    ws.on_message(lambda m: ws.send(m.upper() if isinstance(m, str) else bytes(reversed(m)) + bytes([type(m) is bytes])))
with route_web_socket("**/mock", handler):
    log = await probe("mock", ["abc", [1, 2]], 2, [4000, "done"])
[log, await settle()]`);
    expect(got).toEqual([[["open", ""], "ABC", "bin:020101", ["close", 4000, "done", true]], { proxies: 0, routes: 0, sockets: 0 }]);
  });

  it("a handle as the last expression of runPythonAsync settles (an awaitable that gave itself back hung the page)", async () => {
    const got = await run(`route_web_socket("**/never-opened", lambda ws: None)`);
    expect(got ?? null).toBeNull();
    expect(await run(`unroute_web_socket("**/never-opened")\nawait settle()`)).toEqual({ proxies: 0, routes: 0, sockets: 0 });
  });

  it("async route handler opens the socket when done; async on_message handlers run in order", async () => {
    const got = await run(`
async def handler(ws):
    await asyncio.sleep(0.05)
    async def on_message(m):
        await asyncio.sleep(0.1 if m == "slow" else 0)
        ws.send("got " + m)
    ws.on_message(on_message)
    ws.on_close(lambda code, reason: ws.close(code=code, reason="seen " + reason))
h = route_web_socket("**/mock", handler)
assert await h is None  # Playwright's shape; the handle itself stays usable
log = await probe("mock", ["slow", "fast"], 2, [4001, "bye"])
h.unroute()
[log, await settle()]`);
    expect(got).toEqual([[["open", ""], "got slow", "got fast", ["close", 4001, "seen bye", true]], { proxies: 0, routes: 0, sockets: 0 }]);
  });

  it("server mode: forwarding, per-side on_message, buffering before the server opens, closes with codes", async () => {
    const got = await run(`
def handler(ws):
    server = ws.connect_to_server()
    server.send("early")
    ws.on_message(lambda m: server.send("to-server:" + m) if m != "block" else None)
    server.on_message(lambda m: ws.send("from-server:" + (m if isinstance(m, str) else m.hex())))
route_web_socket("**/echo", handler)
log = await probe("echo", ["a", "block", "b"], 3, [4002, "page"])
unroute_web_socket("**/echo")
[log, None, await settle()]`);
    expect(got).toEqual([[["open", ""], "from-server:early", "from-server:to-server:a", "from-server:to-server:b", ["close", 4002, "page", true]], null, { proxies: 0, routes: 0, sockets: 0 }]);
    const conn = fx.server.received.filter((c) => c.path === "/echo").at(-1)!;
    expect(conn.frames).toEqual(["early", "to-server:a", "to-server:b"]);
    expect(conn.closed).toEqual({ code: 4002, reason: "page" });
  });

  it("server mode: server close reaches the server-side on_close; handshake failure; connect twice", async () => {
    const got = await run(`
seen = []
def handler(ws):
    server = ws.connect_to_server()
    try:
        ws.connect_to_server()
    except RuntimeError as e:
        seen.append(str(e))
    try:
        server.connect_to_server()
    except RuntimeError as e:
        seen.append(str(e))
    async def on_close(code, reason):
        seen.append([code, reason])
        await ws.close(code=4100 if code == 1008 else 4200, reason="server said " + str(reason))
    server.on_close(on_close)
with page.route_web_socket(re.compile(r"/(close|reject)"), handler):
    a = await probe(S + "/close?code=1008&reason=oops", ["x"], 1)
    b = await probe(S + "/reject")
[a, b, seen, await settle()]`);
    expect(got).toEqual([
      [["open", ""], ["close", 4100, "server said oops", true]],
      [["error"], ["close", 4200, "server said ", true]],
      ["Already connected to the server", "connect_to_server must be called on the page-side WebSocketRoute", [1008, "oops"],
       "Already connected to the server", "connect_to_server must be called on the page-side WebSocketRoute", [1006, ""]],
      { proxies: 0, routes: 0, sockets: 0 },
    ]);
  });

  it("matching: callable and re.Pattern (Python semantics), page before context, last registered wins, times", async () => {
    const got = await run(`
urls = []
def tagger(name):
    def handler(ws):
        ws.send(name + " " + ws.url.rsplit("/", 1)[-1] + " " + ",".join(ws.protocols))
    return handler
with context.route_web_socket("**/m/*", tagger("context")), \\
     page.route_web_socket(lambda url: urls.append(url) or url.endswith("/pred"), tagger("predicate")), \\
     page.route_web_socket(re.compile(r"/M/(?i:py)$"), tagger("pattern")), \\
     page.route_web_socket("**/m/twice", tagger("first")), page.route_web_socket("**/m/twice", tagger("second")), \\
     page.route_web_socket("**/m/once", tagger("once"), times=1):
    out = [(await probe(path, (), 1, [1000, "bye"], protocols))[1] for path, protocols in
           [("m/pred", None), ("M/PY", ["a", "b"]), ("m/twice", None), ("m/other", None), ("m/once", None), ("m/once", None)]]
[out, any(u.endswith("/m/pred") for u in urls), await settle()]`);
    expect(got).toEqual([["predicate pred ", "pattern PY a,b", "second twice ", "context other ", "once once ", "context once "], true, { proxies: 0, routes: 0, sockets: 0 }]);
  });

  it("errors: invalid glob, bad send type; reset removes every route and closes routed sockets", async () => {
    const got = await run(`
errors = []
try:
    route_web_socket("**/{a", lambda ws: None)
except ValueError as e:
    errors.append(str(e))
def handler(ws):
    try:
        ws.send(42)
    except TypeError as e:
        errors.append(str(e))
route_web_socket("**/mock", handler)
context.route_web_socket("**/mock2", handler)
task = asyncio.ensure_future(probe("mock", (), 5))
await asyncio.sleep(0.2)
wsbridge._lifecycle.reset()
log = await task
[errors, log, await settle()]`);
    expect(got).toEqual([
      ['Invalid glob pattern "**/{a": unmatched \'{\'', "WebSocketRoute.send() takes str or bytes-like data, not int"],
      [["open", ""], ["close", 1001, "wsbridge reset", true]],
      { proxies: 0, routes: 0, sockets: 0 },
    ]);
  });
});
