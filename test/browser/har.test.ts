// Replay and recording (route_web_socket_from_har / record_web_socket) from Python in real Chromium: a conversation
// recorded against the real `ws` echo server is replayed where no server exists, with page sockets opened by page JS.
import { beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { newPython, type PythonPage } from "./_python.js";

const fx = useBrowser();
let py: PythonPage;

/** Page JS: opens a socket, sends after open, waits for n messages then closes (or not); log plus arrival times (ms). */
const PROBE = `globalThis.__conv = (url, sendsJson, n, closeJson) => new Promise((resolve) => {
  const log = []; const times = []; const sends = JSON.parse(sendsJson); const close = JSON.parse(closeJson || 'null');
  const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
  const ws = new WebSocket(url); ws.binaryType = 'arraybuffer'; let got = 0;
  const finish = () => resolve(JSON.stringify({ log, times }));
  const timer = setTimeout(() => { log.push(['timeout', ws.readyState]); finish(); }, 4000);
  ws.onopen = () => { log.push(['open']); for (const s of sends) ws.send(typeof s === 'string' ? s : new Uint8Array(s)); };
  ws.onmessage = (e) => { times.push(performance.now()); log.push(typeof e.data === 'string' ? e.data : 'bin:' + hex(e.data));
    if (++got === n) { if (close) ws.close(close[0], close[1]); else { clearTimeout(timer); finish(); } } };
  ws.onerror = () => log.push(['error', ws.readyState]);
  ws.onclose = (e) => { log.push(['close', e.code, e.reason, e.wasClean]); clearTimeout(timer); finish(); };
});`;

const PRELUDE = `
import asyncio, json, js, time
import wsbridge
from wsbridge import route_web_socket, route_web_socket_from_har, record_web_socket
S = ${"${S}"}
NOWHERE = "ws://127.0.0.1:9"
async def conv(url, sends=(), n=0, close=None):
    return json.loads(await js.__conv(url, json.dumps(list(sends)), n, json.dumps(close)))
def entry(url, messages, started=None):
    return {"startedDateTime": started or "", "request": {"url": url}, "response": {"status": 101},
            "_resourceType": "websocket", "_webSocketMessages": messages}
def har_of(*entries):
    return {"log": {"version": "1.2", "entries": list(entries)}}
def msg(kind, data, t=0.0, opcode=1):
    return {"type": kind, "time": t, "opcode": opcode, "data": data}
`;

function run<T>(code: string): Promise<T> {
  return py.py.runAsync<T>(PRELUDE.replace("${S}", JSON.stringify(fx.server.url)) + code + "\nwsbridge._lifecycle.reset()\n" + "__result");
}

beforeAll(async () => {
  py = await newPython(fx, { reuse: true });
  await py.page.evaluate(PROBE);
});

type Log = { log: unknown[]; times: number[] };

describe("record_web_socket + route_web_socket_from_har", () => {
  it("records a real echo conversation and replays it with no server behind the URL", async () => {
    const before = fx.server.received.length;
    const [recorded, har, replayed, fsHar] = await run<[Log, any, Log, any]>(`
rec = record_web_socket("**/echo*", path="/tmp/wsb/rec.har")
first = await conv(S + "/echo?rec=1", ["hello", [1, 2, 3], "bye"], 3, [1000, "done"])
har = rec.stop()
# Replay where no server listens: the same frames must come from the HAR alone.
for e in har["log"]["entries"]:
    e["request"]["url"] = e["request"]["url"].replace(S, NOWHERE)
with open("/tmp/wsb/replay.har", "w") as f:
    json.dump(har, f)
with route_web_socket_from_har("/tmp/wsb/replay.har"):  # a path in Pyodide's FS
    second = await conv(NOWHERE + "/echo?rec=1", ["hello", [1, 2, 3], "bye"], 3, [1000, "done"])
with open("/tmp/wsb/rec.har") as f:
    on_disk = json.load(f)
__result = [first, har, second, on_disk]`);
    expect(recorded.log).toEqual([["open"], "hello", "bin:010203", "bye", ["close", 1000, "done", true]]);
    expect(replayed.log).toEqual(recorded.log);
    expect(fx.server.received.length).toBe(before + 1); // only the recording reached the server
    expect(har.log.version).toBe("1.2");
    expect(har.log.entries).toHaveLength(1);
    const e = har.log.entries[0];
    expect(e.request.url).toBe(`ws://127.0.0.1:9/echo?rec=1`);
    expect(e.response.status).toBe(101);
    expect(e._resourceType).toBe("websocket");
    const msgs = e._webSocketMessages as Array<{ type: string; opcode: number; data: string; time: number }>;
    expect(msgs.filter((m) => m.type === "send").map((m) => [m.opcode, m.data])).toEqual([[1, "hello"], [2, "AQID"], [1, "bye"]]);
    expect(msgs.filter((m) => m.type === "receive").map((m) => [m.opcode, m.data])).toEqual([[1, "hello"], [2, "AQID"], [1, "bye"]]);
    expect(Math.abs(msgs[0].time - Date.now() / 1000)).toBeLessThan(60);
    expect(fsHar.log.entries[0]._webSocketMessages.map((m: { data: string }) => m.data)).toEqual(msgs.map((m) => m.data));
  });

  it("sees native and routed sockets", async () => {
    const urls = await run<string[]>(`
rec = record_web_socket(lambda u: "/seen" in u)
def handler(ws):
    ws.on_message(lambda m: ws.send(m.upper()))
with route_web_socket("**/seen-mock", handler):
    await conv(S + "/seen-mock", ["abc"], 1, [1000, ""])
await conv(S + "/seen-native", ["def"], 1, [1000, ""])
har = rec.stop()
__result = [[e["request"]["url"].replace(S, ""), [m["data"] for m in e["_webSocketMessages"]]] for e in har["log"]["entries"]]`);
    expect(urls).toEqual([["/seen-mock", ["abc", "ABC"]], ["/seen-native", ["def", "def"]]]);
  });

  it("strict: a page frame that differs from the recorded send closes the page socket with 1008", async () => {
    const [strict, lax] = await run<[Log, Log]>(`
har = har_of(entry(NOWHERE + "/m", [msg("send", "hello"), msg("receive", "world")]))
with route_web_socket_from_har(har):
    a = await conv(NOWHERE + "/m", ["nope"], 1)
with route_web_socket_from_har(har, strict=False):
    b = await conv(NOWHERE + "/m", ["nope"], 1)
__result = [a, b]`);
    expect(strict.log.slice(0, 1)).toEqual([["open"]]);
    const close = strict.log[1] as [string, number, string, boolean];
    expect(close[0]).toBe("close");
    expect(close[1]).toBe(1008);
    expect(close[2]).toContain('"hello"');
    expect(close[2]).toContain('"nope"');
    expect(lax.log).toEqual([["open"], "world"]);
  });

  it("missing entry: strict fails the handshake (error, 1006); non-strict reaches the real server", async () => {
    const before = fx.server.received.length;
    const [strict, lax] = await run<[Log, Log]>(`
har = har_of(entry(S + "/recorded", [msg("receive", "x")]))
with route_web_socket_from_har(har, url=S + "/**"):
    a = await conv(S + "/echo?missing=1", ["ping"], 1)
with route_web_socket_from_har(har, url=S + "/**", strict=False):
    b = await conv(S + "/echo?missing=2", ["ping"], 1)
__result = [a, b]`);
    expect(strict.log).toEqual([["error", 3], ["close", 1006, "", false]]);
    expect(lax.log).toEqual([["open"], "ping"]);
    expect(fx.server.received.slice(before).map((r) => r.path)).toEqual(["/echo?missing=2"]);
  });

  it('timing="recorded" keeps the recorded gaps; "fast" does not', async () => {
    const [fast, recorded] = await run<[Log, Log]>(`
t0 = 1700000000.0
start = "2023-11-14T22:13:20.000Z"  # = t0
msgs = [msg("send", "go", t0 + 0.05), msg("receive", "a", t0 + 0.10), msg("receive", "b", t0 + 0.40), msg("receive", "c", t0 + 0.70)]
har = har_of(entry(NOWHERE + "/t", msgs, start))
with route_web_socket_from_har(har):
    f = await conv(NOWHERE + "/t", ["go"], 3)
with route_web_socket_from_har(har, timing="recorded"):
    r = await conv(NOWHERE + "/t", ["go"], 3)
__result = [f, r]`);
    expect(fast.log).toEqual([["open"], "a", "b", "c"]);
    expect(recorded.log).toEqual(fast.log);
    const gaps = (t: number[]) => [t[1] - t[0], t[2] - t[1]];
    for (const g of gaps(fast.times)) expect(g).toBeLessThan(100);
    for (const g of gaps(recorded.times)) expect(g).toBeGreaterThanOrEqual(295);
  });
});
