// Awaitable routes from Python (receive, send_json, async for, Starlette names, reject, terminate, faults, times)
// in real Chromium, with page sockets opened by plain page JS or by wsbridge.connect().
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { useProbePython } from "./_probe.js";

const fx = useBrowser();

const PRELUDE = `
import asyncio, json, js
import wsbridge
from wsbridge import route_web_socket, WebSocketRoute, WebSocketClosed, FrameTypeError, connect, ConnectionClosed
S = ${"${S}"}
async def probe(path, sends=(), n=0, close=None, protocols=None):
    return json.loads(await js.__probe(S + "/" + path, json.dumps(list(sends)), n, json.dumps(close), json.dumps(protocols) if protocols else None))
def err(e):
    return [type(e).__name__, str(e)] + ([e.code, e.reason] if isinstance(e, WebSocketClosed) else [])
`;

const run = useProbePython(fx, PRELUDE);

describe("awaitable routes (Python)", () => {
  it("a whole conversation: receive_json / send_json (compact), async for ends on close, close_code/close_reason", async () => {
    const got = await run(`
seen = {}
async def handler(route: WebSocketRoute):
    route.send_json({"hello": "you", "n": [1, 2]})
    seen["login"] = await route.receive_json(timeout=2000)
    await route.send_json({"ok": True, "é": "✓"})
    seen["rest"] = [m async for m in route]
    seen["close"] = [route.close_code, route.close_reason]
route_web_socket("**/chat", handler)
log = await probe("chat", ['{"user":"ann"}', "a", [1, 2]], 2, [4000, "bye"])
await asyncio.sleep(0.05)
[log, seen]`);
    expect(got).toEqual([
      [["open", ""], '{"hello":"you","n":[1,2]}', '{"ok":true,"é":"✓"}', ["close", 4000, "bye", true]],
      { login: { user: "ann" }, rest: ["a", [1, 2]], close: [4000, "bye"] }, // bytes cross to the test as a list
    ]);
  });

  it("receive(timeout) raises TimeoutError instead of hanging; a later receive gets the frame", async () => {
    const got = await run(`
out = {}
async def handler(route):
    route.send("ready")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        await route.receive(timeout=150)
    except TimeoutError as e:
        out["timeout"] = [str(e), loop.time() - t0 >= 0.14]
    try:
        await route.receive(timeout=-1)
    except ValueError as e:  # the engine's RangeError
        out["negative"] = str(e)
    out["later"] = await route.receive(timeout=3000)
route_web_socket("**/quiet", handler)
async def late():
    async with connect(S + "/quiet") as ws:
        assert await ws.recv(timeout=3) == "ready"
        await asyncio.sleep(0.3)
        await ws.send("late")
        await asyncio.sleep(0.05)
await late()
out`);
    expect(got).toEqual({
      timeout: ["Timeout 150ms exceeded while waiting for a message from the page", true],
      negative: "timeout must be a number of ms >= 0 or null, got -1",
      later: "late",
    });
  });

  it("Starlette names: accept(subprotocol), receive_text/bytes with FrameTypeError, iter_text, send_text/send_bytes awaited", async () => {
    const got = await run(`
out = {}
async def handler(route):
    await route.accept("v2")
    try:
        await route.receive_text(timeout=2000)
    except FrameTypeError as e:
        out["text"] = [str(e), e.frame]
    try:
        await route.receive_bytes(timeout=2000)
    except FrameTypeError as e:
        out["bytes"] = [str(e), e.frame]
    await route.send_text("t")
    await route.send_bytes(b"\\x01")
    out["iter"] = [m async for m in route.iter_text()]
    try:
        route.send_text(b"x")
    except TypeError as e:
        out["type"] = str(e)
route_web_socket("**/star", handler)
log = await probe("star", [[9], "txt", "a", "b"], 2, [4001, "x"], ["v1", "v2"])
await asyncio.sleep(0.05)
[log, out]`);
    expect(got).toEqual([
      [["open", "v2"], "t", "bin:1", ["close", 4001, "x", true]],
      {
        text: ["expected a text frame, got a binary frame (1 bytes)", [9]],
        bytes: ["expected a binary frame, got a text frame (3 characters)", "txt"],
        iter: ["a", "b"],
        type: "send_text() takes str, not bytes",
      },
    ]);
  });

  it("receive after the page closed raises WebSocketClosed(code, reason); server side receive and close", async () => {
    const got = await run(`
out = {}
async def handler(route):
    server = route.connect_to_server()
    try:
        await server.receive(timeout=100)
    except TimeoutError as e:
        out["t"] = str(e)
    route.send("ask")
    server.send("trigger")  # the server closes after its first message
    try:
        await server.receive(timeout=3000)
    except WebSocketClosed as e:
        out["server"] = err(e) + [server.close_code, server.close_reason]
route_web_socket("**/close*", handler)
log = await probe("close?code=4002&reason=srv", [], 2)
await asyncio.sleep(0.1)
async def page_closes(route):
    route.send("hi")
    await asyncio.sleep(0.1)
    try:
        await route.receive()
    except WebSocketClosed as e:
        out["page"] = err(e)
route_web_socket("**/pc", page_closes)
log2 = await probe("pc", [], 1, [4005, "done"])
await asyncio.sleep(0.3)
[log, log2, out]`);
    expect(got).toEqual([
      [["open", ""], "ask", ["close", 4002, "srv", true]],
      [["open", ""], "hi", ["close", 4005, "done", true]],
      {
        t: "Timeout 100ms exceeded while waiting for a message from the server",
        server: ["WebSocketClosed", "WebSocket closed with code 4002: srv", 4002, "srv", 4002, "srv"],
        page: ["WebSocketClosed", "WebSocket closed with code 4005: done", 4005, "done"],
      },
    ]);
  });

  it("reject(): error then close 1006 not clean, never open; terminate() after open: close 1006 only; times=N", async () => {
    const got = await run(`
route_web_socket("**/no", lambda route: route.reject())
rejected = await probe("no")
route_web_socket("**/term", lambda route: route.on_message(lambda m: route.terminate()))
terminated = await probe("term", ["x"])
h = route_web_socket("**/echo?times", lambda route: route.send("mock"), times=2)
first = [await probe("echo?times", [], 1) for _ in range(3)]
[rejected, terminated, first, h.active]`);
    expect(got).toEqual([
      [["error"], ["close", 1006, "", false]],
      [["open", ""], ["close", 1006, "", false]],
      [[["open", ""], "mock"], [["open", ""], "mock"], [["open", ""], ["timeout", 1]]],
      false,
    ]);
  });

  it("iter_json / iter_bytes / receive_json(mode='binary') / send_json(mode='binary'); faults(direction='from_page') delays what the handler sees", async () => {
    const got = await run(`
out = {}
async def handler(route):
    route.faults(delay=60, direction="from_page")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    out["bin"] = await route.receive_json(mode="binary", timeout=2000)
    out["waited"] = (loop.time() - t0) * 1000 >= 60
    route.send_json({"a": [1, None]}, mode="binary")
    out["json"] = [x async for x in route.iter_json()]
async def bytes_handler(route):
    route.send("go")
    out["bytes"] = [list(b) async for b in route.iter_bytes()]
route_web_socket("**/j", handler)
route_web_socket("**/b", bytes_handler)
a = await probe("j", [[123, 34, 120, 34, 58, 49, 125]], 1, [1000, ""])
await probe("b", [[1], [2, 3]], 1, [1000, ""])
await asyncio.sleep(0.3)
try:
    WebSocketRoute.faults(None, direction="sideways")
except ValueError as e:
    out["bad"] = str(e)
[a, out]`);
    expect(got).toEqual([
      [["open", ""], "bin:123,34,97,34,58,91,49,44,110,117,108,108,93,125", ["close", 1000, "", true]],
      { bin: { x: 1 }, waited: true, json: [], bytes: [[1], [2, 3]], bad: 'direction must be "to_page", "from_page" or "both", got \'sideways\'' },
    ]);
  });

  it("a receive() cancelled by asyncio (wait_for, task.cancel) loses no frame: the next receive() gets it", async () => {
    const got = await run(`
out = {}
async def handler(route):
    route.send("ready")
    try:
        await asyncio.wait_for(route.receive(), 0.05)
    except TimeoutError:
        out["wait_for"] = "timed out"
    task = asyncio.ensure_future(route.receive())
    await asyncio.sleep(0.01)
    task.cancel()
    route.send("go")
    out["after"] = [await route.receive(timeout=2000), await route.receive(timeout=2000)]
route_web_socket("**/cancel", handler)
async with connect(S + "/cancel") as ws:
    assert await ws.recv(timeout=3) == "ready"
    assert await ws.recv(timeout=3) == "go"
    await ws.send("one")
    await ws.send("two")
    await asyncio.sleep(0.1)
out`);
    expect(got).toEqual({ wait_for: "timed out", after: ["one", "two"] });
  });

  it("faults from Python: delay 50 ms measured at the page, per-message delay keeps order, drop", async () => {
    const got = await run(`
async def handler(route):
    route.faults(delay=lambda m: 60 if m == "slow" else 0, drop=lambda m: m == "lost", direction="to_page")
    msg = await route.receive(timeout=2000)
    for text in ["slow", "lost", "fast"]:
        route.send(text)
route_web_socket("**/f", handler)
order = await probe("f", ["go"], 2)
async def fixed(route):
    route.faults(delay=50)
    async for m in route:
        route.send(m)
route_web_socket("**/d", fixed)
gaps = []
async with connect(S + "/d") as ws:
    loop = asyncio.get_running_loop()
    for i in range(3):
        t0 = loop.time()
        await ws.send(str(i))
        assert await ws.recv(timeout=3) == str(i)
        gaps.append((loop.time() - t0) * 1000)
[order, gaps]`);
    const [order, gaps] = got as [unknown, number[]];
    expect(order).toEqual([["open", ""], "slow", "fast"]);
    // delay=50 applies both ways: each round trip takes >= 100 ms.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(100);
    console.log(`Python faults(delay=50) both ways: round trips ${gaps.map((g) => g.toFixed(1)).join(", ")} ms`);
  });
});
