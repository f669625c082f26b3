// The asyncio client `connect()` in real Chromium with real Pyodide against a real ws server.
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, PRELUDE, taggedUrls, until, type PythonPage } from "./_python.js";

const fx = useBrowser();
let p: PythonPage;
const url = taggedUrls(fx);

// A TCP server that accepts and never answers: a WebSocket handshake against it hangs.
let silent: Server;
const sockets: Socket[] = [];
let silentURL = "";

beforeAll(async () => {
  silent = createServer((s) => sockets.push(s));
  await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
  silentURL = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  p = await newPython(fx);
  await p.py.run(PRELUDE + "\nfrom wsbridge import connect, ConnectionClosed\nfrom wsbridge.client import QUEUE_OVERFLOW\n");
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => silent.close(ok));
});
beforeEach(async () => {
  await p.py.runAsync("wsbridge._lifecycle.reset()\nawait settle()");
});

describe("connect()", () => {
  it("async with: send/recv text and bytes, close 1000 on exit", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync(`
async with connect(${JSON.stringify(u.full)}) as ws:
    await ws.send("hi")
    a = await ws.recv()
    await ws.send(b"\\x00\\xff")
    b = await ws.recv()
    await ws.send(memoryview(bytearray(b"mv")))
    c = await ws.recv()
    before = repr([ws.close_code, ws.close_reason])
[a, type(b).__name__, list(b), c.decode(), before, ws.close_code, ws.close_reason, await settle()]
`);
    expect(got).toEqual(["hi", "bytes", [0, 255], "mv", "[None, None]", 1000, "", { sockets: 0, listeners: 0, proxies: 0 }]);
    await until(() => u.log()?.closed !== undefined);
    expect(u.log()!.closed).toEqual({ code: 1000, reason: "" });
  });

  it("ws = await connect(url, protocols); close(code, reason) reaches the server", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync(`
ws = await connect(${JSON.stringify(u.full)}, ["chat", "v2"])
proto = ws.protocol
await ws.close(4000, "done here")
[proto, ws.close_code, ws.close_reason]
`);
    expect(got).toEqual(["chat", 4000, "done here"]);
    await until(() => u.log()?.closed !== undefined);
    expect(u.log()!.closed).toEqual({ code: 4000, reason: "done here" });
  });

  it("recv(timeout=) raises TimeoutError and the connection stays usable", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync(`
async with connect(${JSON.stringify(u.full)}) as ws:
    loop = asyncio.get_event_loop()
    t0 = loop.time()
    try:
        await ws.recv(timeout=0.2)
        err = None
    except TimeoutError as e:
        err = str(e)
    waited = loop.time() - t0
    await ws.send("still here")
    msg = await ws.recv(timeout=5)
[err, waited >= 0.19 and waited < 2, msg]
`);
    expect(got).toEqual([`no message from ${u.full} within 0.2 s`, true, "still here"]);
  });

  it("async for ends on a normal close (1000), also after our own close", async () => {
    const a = url("/close?code=1000&now=1");
    const b = url("/echo");
    const got = await p.py.runAsync(`
msgs_a = []
async with connect(${JSON.stringify(a.full)}) as ws:
    async for m in ws:
        msgs_a.append(m)
code_a = ws.close_code
msgs_b = []
async with connect(${JSON.stringify(b.full)}) as ws:
    for i in range(3):
        await ws.send(f"m{i}")
    async for m in ws:
        msgs_b.append(m)
        if len(msgs_b) == 3:
            await ws.close()
[msgs_a, code_a, msgs_b, ws.close_code]
`);
    expect(got).toEqual([[], 1000, ["m0", "m1", "m2"], 1000]);
  });

  it("async for raises ConnectionClosed on 4000 and on a dropped connection (1006), after every message", async () => {
    const a = url("/close?code=4000&reason=go%20away&now=1");
    const b = url("/die?after=3");
    const got = await p.py.runAsync(`
out = []
for target in (${JSON.stringify(a.full)}, ${JSON.stringify(b.full)}):
    msgs = []
    try:
        async with connect(target) as ws:
            async for m in ws:
                msgs.append(m)
        out.append(["ended", msgs])
    except ConnectionClosed as e:
        out.append([type(e).__name__, e.code, e.reason, str(e), msgs, ws.close_code])
out
`);
    expect(got).toEqual([
      ["ConnectionClosed", 4000, "go away", "connection closed with code 4000: go away", [], 4000],
      ["ConnectionClosed", 1006, "", "connection closed with code 1006 (abnormal closure, no close frame)", ["0", "1", "2"], 1006],
    ]);
  });

  it("recv and send after close raise ConnectionClosed", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync(`
ws = await connect(${JSON.stringify(u.full)})
await ws.close(4001)
out = []
for call in (lambda: ws.recv(), lambda: ws.send("x")):
    try:
        await call()
        out.append("no error")
    except ConnectionClosed as e:
        out.append([e.code, str(e)])
out
`);
    expect(got).toEqual([[4001, "connection closed with code 4001"], [4001, "connection closed with code 4001"]]);
  });

  it("a refused handshake raises ConnectionError from connect(); a bad URL raises ValueError; both leave nothing behind", async () => {
    const got = await p.py.runAsync<unknown[]>(`
out = []
for target in (${JSON.stringify(fx.server.url + "/reject")}, "ftp://127.0.0.1/"):
    try:
        async with connect(target) as ws:
            out.append("connected?!")
    except Exception as e:
        out.append([type(e).__name__, str(e)])
out.append(await settle())
out
`);
    expect(got[0]).toEqual([
      "ConnectionError",
      `could not connect to ${fx.server.url}/reject: the WebSocket handshake failed (close code 1006); the browser does not say why: check that the server is up and accepts WebSocket upgrades`,
    ]);
    expect((got[1] as string[])[0]).toBe("ValueError");
    expect((got[1] as string[])[1]).toContain("'ftp' is not allowed");
    expect(got[2]).toEqual({ sockets: 0, listeners: 0, proxies: 0 });
  });

  it("open_timeout: a handshake that never completes raises TimeoutError and releases the socket", async () => {
    const got = await p.py.runAsync(`
try:
    await connect(${JSON.stringify(silentURL)}, open_timeout=0.3)
    err = None
except TimeoutError as e:
    err = str(e)
[err, await settle()]
`);
    expect(got).toEqual([`could not connect to ${silentURL} within 0.3 s`, { sockets: 0, listeners: 0, proxies: 0 }]);
  });
});

describe("slow reader policy", () => {
  it("default: unbounded, every message is kept in order while Python is busy", async () => {
    const u = url("/burst?n=3000");
    const got = await p.py.runAsync(`
async with connect(${JSON.stringify(u.full)}) as ws:
    await asyncio.sleep(0.5)  # the reader is busy elsewhere while the burst arrives
    msgs = [await ws.recv(timeout=5) for _ in range(3000)]
[len(msgs), msgs == [str(i) for i in range(3000)], ws.close_code]
`);
    expect(got).toEqual([3000, true, 1000]);
  });

  it("max_queue=N: overflow closes with 4009, the N queued messages stay readable, then ConnectionClosed", async () => {
    const u = url("/burst?n=50");
    const got = await p.py.runAsync(`
msgs = []
try:
    async with connect(${JSON.stringify(u.full)}, max_queue=5) as ws:
        await asyncio.sleep(0.3)
        while True:
            msgs.append(await ws.recv(timeout=5))
    res = ["no error"]
except ConnectionClosed as e:
    res = [e.code, e.reason]
[msgs, res, ws.close_code, QUEUE_OVERFLOW]
`);
    expect(got).toEqual([["0", "1", "2", "3", "4"], [4009, "more than max_queue=5 messages waiting"], 4009, 4009]);
    await until(() => u.log()?.closed !== undefined);
    expect(u.log()!.closed).toEqual({ code: 4009, reason: "more than max_queue=5 messages waiting" });
  });

  it("max_queue is not hit by a reader that keeps up", async () => {
    const u = url("/echo");
    const got = await p.py.runAsync(`
async with connect(${JSON.stringify(u.full)}, max_queue=2) as ws:
    out = []
    for i in range(50):
        await ws.send(str(i))
        out.append(await ws.recv(timeout=5))
[len(out), ws.close_code]
`);
    expect(got).toEqual([50, 1000]);
  });
});
