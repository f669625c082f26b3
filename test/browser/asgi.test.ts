// route_web_socket(url, asgi(app)): ASGI WebSocket apps written here (no Starlette) serve page sockets.
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { useProbePython } from "./_probe.js";

const fx = useBrowser();

const PRELUDE = `
import asyncio, json, js
import wsbridge
from wsbridge import route_web_socket, asgi
S = ${"${S}"}
async def probe(path, sends=(), n=0, close=None, protocols=None):
    return json.loads(await js.__probe(S + path, json.dumps(list(sends)), n, json.dumps(close), json.dumps(protocols) if protocols else None))
events = []

async def echo(scope, receive, send):
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        events.append(message)
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": "echo:" + message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"][::-1]})
`;

const run = useProbePython(fx, PRELUDE);

describe("asgi(app)", () => {
  it("echo: text and bytes both ways; the page's close reaches the app as websocket.disconnect with its code", async () => {
    const got = await run(`
route_web_socket("**/echo", asgi(echo))
log = await probe("/echo", ["hi", [1, 2, 3]], 2, [4000, "bye"])
await asyncio.sleep(0.05)
[log, events]`);
    expect(got).toEqual([
      [["open", ""], "echo:hi", "bin:3,2,1", ["close", 4000, "bye", true]],
      [{ type: "websocket.receive", text: "hi" }, { type: "websocket.receive", bytes: [1, 2, 3] }, { type: "websocket.disconnect", code: 4000, reason: "bye" }],
    ]);
  });

  it("rejects: websocket.close before accept, a denial response, returning without accept, an exception before accept", async () => {
    const got = await run(`
async def close_first(scope, receive, send):
    await receive()
    await send({"type": "websocket.close", "code": 1008})
async def deny(scope, receive, send):
    await receive()
    await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
    await send({"type": "websocket.http.response.body", "body": b"forbidden"})
async def silent(scope, receive, send):
    await receive()
async def broken(scope, receive, send):
    raise RuntimeError("boom")
out = {}
for name, app in [("close", close_first), ("deny", deny), ("silent", silent), ("broken", broken)]:
    route_web_socket("**/" + name, asgi(app))
    out[name] = await probe("/" + name)
out`);
    const failed = [["error"], ["close", 1006, "", false]];
    expect(got).toEqual({ close: failed, deny: failed, silent: failed, broken: failed });
  });

  it("subprotocols: the app picks one from scope['subprotocols'] and the page opens with it; an unoffered one fails", async () => {
    const got = await run(`
async def pick(scope, receive, send):
    await receive()
    events.append(scope["subprotocols"])
    await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][-1]})
    await send({"type": "websocket.send", "text": "chosen"})
    await receive()
async def wrong(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept", "subprotocol": "nope"})
    try:
        await send({"type": "websocket.send", "text": "x"})
    except Exception as e:
        events.append(type(e).__name__)
route_web_socket("**/pick", asgi(pick))
route_web_socket("**/wrong", asgi(wrong))
a = await probe("/pick", [], 1, [1000, ""], ["chat.v1", "chat.v2"])
b = await probe("/wrong", [], 0, None, ["chat.v1"])
await asyncio.sleep(0.05)
[a, b, events]`);
    expect(got).toEqual([
      [["open", "chat.v2"], "chosen", ["close", 1000, "", true]],
      [["error"], ["close", 1006, "", false]],
      [["chat.v1", "chat.v2"], "Disconnected"],
    ]);
  });

  it("the scope: type, path, raw_path, query_string, scheme, headers, server, client", async () => {
    const got = await run(`
async def show(scope, receive, send):
    await receive()
    # The page offers subprotocols, so accepting without one would fail the handshake, as in a browser.
    await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][0]})
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    await send({"type": "websocket.send", "text": json.dumps({
        "type": scope["type"], "asgi": scope["asgi"]["version"], "path": scope["path"], "raw_path": scope["raw_path"].decode(),
        "query_string": scope["query_string"].decode(), "scheme": scope["scheme"], "server": list(scope["server"]),
        "client": list(scope["client"]), "host": headers["host"], "origin": headers.get("origin"),
        "version": headers["sec-websocket-version"], "protocol": headers.get("sec-websocket-protocol"),
    })})
    await receive()
route_web_socket(lambda url: "/room" in url, asgi(show))
log = await probe("/room%20one/x?user=ann&n=2", [], 1, [1000, ""], ["a", "b"])
info = json.loads(log[1])
[info, js.location.origin]`);
    const [info, origin] = got as [Record<string, unknown>, string];
    const host = new URL(fx.server.url).host;
    expect(info).toEqual({
      type: "websocket", asgi: "3.0", path: "/room one/x", raw_path: "/room%20one/x", query_string: "user=ann&n=2", scheme: "ws",
      server: ["127.0.0.1", Number(new URL(fx.server.url).port)], client: ["127.0.0.1", 0], host, origin, version: "13", protocol: "a, b",
    });
  });

  it("websocket.close after accept closes the page with the code and reason; an exception after accept closes with 1011", async () => {
    const got = await run(`
async def closer(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    await send({"type": "websocket.close", "code": 4001, "reason": "no " + message["text"]})
async def crash(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    await receive()
    raise ValueError("bad")
route_web_socket("**/closer", asgi(closer))
route_web_socket("**/crash", asgi(crash))
[await probe("/closer", ["way"], 5), await probe("/crash", ["x"], 5)]`);
    expect(got).toEqual([
      [["open", ""], ["close", 4001, "no way", true]],
      [["open", ""], ["close", 1011, "", true]],
    ]);
  });

  it("a small Starlette-style endpoint over the route's own aliases (accept, receive_json, send_json, iter_text, close)", async () => {
    const got = await run(`
from wsbridge.asgi import WebSocketDisconnect
async def endpoint(websocket):
    await websocket.accept()
    hello = await websocket.receive_json()
    await websocket.send_json({"hi": hello["name"]})
    async for text in websocket.iter_text():
        if text == "quit":
            await websocket.close(4100, "quit")
            return
        await websocket.send_text(text.upper())
route_web_socket("**/star", endpoint)
log = await probe("/star", ['{"name":"ann"}', "a", "quit"], 9)
caught = []
async def reader(websocket):
    await websocket.accept()
    try:
        await websocket.receive_text()
    except WebSocketDisconnect as e:
        caught.append(e.code)
route_web_socket("**/gone", reader)
await probe("/gone", [], 0, [4002, ""])
await asyncio.sleep(0.05)
[log, caught]`);
    expect(got).toEqual([[["open", ""], '{"hi":"ann"}', "A", ["close", 4100, "quit", true]], [4002]]);
  });
});
