// The runner's ws test server in Node: it keeps no frames unless asked, caps burst sizes with a clear close
// reason, sends bursts in order without buffering them all or blocking its event loop, and outlives any bad input.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  BAD_REQUEST_CODE, BURST_HIGH_WATER, BURST_SLICE, MAX_BURST, MAX_MIXED, REASON_RULE, WIRE_CODE_RULE,
  closeCodeParam, closeReason, countParam, rejectStatus, requestURL, sendFrames, startTestServer, wireCloseCodeParam,
  type FrameSink, type TestServer,
} from "../../src/playwright/test-server.js";

let plain: TestServer;
let recording: TestServer;

beforeAll(async () => {
  [plain, recording] = await Promise.all([startTestServer(), startTestServer({ record: true })]);
});
afterAll(async () => {
  await Promise.all([plain?.close(), recording?.close()]);
});

/** Opens a client, runs `talk`, resolves with every frame it got and the close code and reason. */
function session(url: string, talk: (ws: WebSocket) => void = () => {}): Promise<{ frames: Array<string | Buffer>; code: number; reason: string }> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(url);
    const frames: Array<string | Buffer> = [];
    ws.on("open", () => talk(ws));
    ws.on("message", (data, isBinary) => frames.push(isBinary ? (data as Buffer) : data.toString()));
    ws.on("close", (code, reason) => ok({ frames, code, reason: reason.toString() }));
    ws.on("error", fail);
  });
}

/** Sends `frames` to `/echo`, waits for all the echoes, then closes. */
function echoed(url: string, frames: Array<string | Buffer>): Promise<Array<string | Buffer>> {
  let got = 0;
  return session(`${url}/echo`, (ws) => {
    ws.on("message", () => { if (++got === frames.length) ws.close(1000); });
    for (const f of frames) ws.send(f);
  }).then((r) => r.frames);
}

describe("test server: what it keeps", () => {
  it("keeps no frames by default", async () => {
    const frames = Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 7));
    expect(await echoed(plain.url, frames)).toHaveLength(20);
    expect(plain.received).toEqual([]);
  });

  it("with record: every connection, its frames in order and its close", async () => {
    await echoed(recording.url, ["a", Buffer.from([1, 2])]);
    await expect.poll(() => recording.received.at(-1)?.closed).toEqual({ code: 1000, reason: "" });
    expect(recording.received.at(-1)).toMatchObject({ path: "/echo", frames: ["a", Buffer.from([1, 2])] });
  });
});

describe("test server: burst sizes", () => {
  it("countParam accepts whole numbers 0..max only", () => {
    expect(countParam(null, 7, 10)).toBe(7);
    expect(countParam("10", 7, 10)).toBe(10);
    expect(countParam("0", 7, 10)).toBe(0);
    for (const bad of ["11", "-1", "1.5", "abc", "", " ", "1e9", "Infinity", "NaN"]) expect(countParam(bad, 7, 10)).toBeUndefined();
  });

  it.each([
    ["/burst?n=abc", `n must be a whole number 0..${MAX_BURST}`],
    [`/burst?n=${MAX_BURST + 1}`, `n must be a whole number 0..${MAX_BURST}`],
    ["/die?after=-3", `after must be a whole number 0..${MAX_BURST}`],
    [`/mixed?n=${MAX_MIXED + 1}`, `n must be a whole number 0..${MAX_MIXED}`],
    ["/burst?n=3&close=1006", "close must be 1000 or 3000..4999"],
    [`/burst?n=3&close=4000&reason=${"r".repeat(124)}`, "reason must be at most 123 bytes"],
  ])("%s closes at once with 1008 and a reason", async (path, reason) => {
    expect(await session(plain.url + path)).toEqual({ frames: [], code: BAD_REQUEST_CODE, reason });
  });

  it("200,000 binary frames arrive complete and in order, then the socket echoes", async () => {
    const n = 200_000;
    let next = 0;
    let bad = 0;
    const r = await session(`${plain.url}/burst?n=${n}&binary=1`, (ws) => {
      ws.on("message", (data, isBinary) => {
        if (!isBinary) return ws.close(1000);
        if ((data as Buffer).readUInt32BE(0) !== next) bad++;
        if (++next === n) ws.send("after");
      });
    });
    expect({ next, bad, last: r.frames.at(-1), code: r.code }).toEqual({ next: n, bad: 0, last: "after", code: 1000 });
  });

  it("/die sends every frame, then drops the connection (1006)", async () => {
    const r = await session(`${plain.url}/die?after=50000`);
    expect(r.code).toBe(1006);
    expect(r.frames).toHaveLength(50_000);
    expect(r.frames.at(-1)).toBe("49999");
  });
});

describe("test server: /burst?close and /reject?status", () => {
  it("closeCodeParam takes 1000 and 3000..4999 only; rejectStatus 400..599, else 400", () => {
    expect([1000, 3000, 4999].map((c) => closeCodeParam(String(c)))).toEqual([1000, 3000, 4999]);
    for (const bad of ["1001", "1006", "2999", "5000", "x", ""]) expect(closeCodeParam(bad)).toBeUndefined();
    expect([null, "403", "599", "200", "600", "x"].map(rejectStatus)).toEqual([400, 403, 599, 400, 400, 400]);
  });

  it("/burst with close=C&reason=R closes with them right behind the last frame, echoing nothing", async () => {
    const r = await session(`${plain.url}/burst?n=20000&close=4001&reason=bye`, (ws) => ws.send("not echoed"));
    expect(r.frames).toHaveLength(20_000);
    expect(r.frames.at(-1)).toBe("19999");
    expect({ code: r.code, reason: r.reason }).toEqual({ code: 4001, reason: "bye" });
  });

  it.each([[undefined, 400], [403, 403], [503, 503]])("/reject with status=%s answers the handshake with HTTP %i", async (status, expected) => {
    const got = await new Promise<number | string>((ok) => {
      const ws = new WebSocket(`${plain.url}/reject${status === undefined ? "" : `?status=${status}`}`);
      ws.on("unexpected-response", (_req, res) => { ok(res.statusCode ?? "no status"); ws.terminate(); });
      ws.on("open", () => ok("opened"));
      ws.on("error", (error) => ok(error.message));
    });
    expect(got).toBe(expected);
  });
});

/** A fake socket: records frames, reports `buffered` as its bufferedAmount, keeps write callbacks for the test. */
function fakeSink(buffered: number): FrameSink & { sent: Array<string | Buffer>; callbacks: Array<() => void> } {
  const sink = {
    readyState: 1,
    bufferedAmount: buffered,
    sent: [] as Array<string | Buffer>,
    callbacks: [] as Array<() => void>,
    send(data: string | Buffer, _options: { binary: boolean }, written?: () => void) {
      sink.sent.push(data);
      if (written) sink.callbacks.push(written);
    },
  };
  return sink;
}

/** Lets pending promise callbacks and immediates run. */
const settle = () => new Promise<void>((ok) => setImmediate(ok));

describe("sendFrames: backpressure and yielding", () => {
  it("while more than the high-water mark is buffered, each frame waits for its write before the next", async () => {
    const sink = fakeSink(BURST_HIGH_WATER + 1);
    const done = sendFrames(sink, 3, String);
    await settle();
    expect(sink.sent).toEqual(["0"]);
    sink.callbacks.shift()!();
    await settle();
    expect(sink.sent).toEqual(["0", "1"]);
    sink.callbacks.shift()!();
    await settle();
    sink.callbacks.shift()!();
    await done;
    expect(sink.sent).toEqual(["0", "1", "2"]);
  });

  it("yields to the event loop every BURST_SLICE frames", async () => {
    const sink = fakeSink(0);
    const done = sendFrames(sink, BURST_SLICE * 3, String);
    expect(sink.sent).toHaveLength(BURST_SLICE); // the rest waits for the next turn of the loop
    await settle();
    expect(sink.sent.length).toBeLessThanOrEqual(BURST_SLICE * 2);
    while (sink.callbacks.length === 0) await settle();
    sink.callbacks.shift()!();
    await done;
    expect(sink.sent).toEqual(Array.from({ length: BURST_SLICE * 3 }, (_, i) => String(i)));
  });

  it("stops when the socket leaves OPEN", async () => {
    const sink = fakeSink(0);
    const done = sendFrames(sink, BURST_SLICE * 3, String);
    (sink as { readyState: number }).readyState = 2;
    await done;
    expect(sink.sent).toHaveLength(BURST_SLICE);
  });
});

describe("test server: /hang", () => {
  it("never answers the handshake: a client with a handshake timeout gives up without opening", async () => {
    const outcome = await new Promise<string>((ok) => {
      const ws = new WebSocket(`${plain.url}/hang`, { handshakeTimeout: 300 });
      ws.on("open", () => ok("opened"));
      ws.on("unexpected-response", () => ok("answered"));
      ws.on("error", (error) => ok(error.message));
    });
    expect(outcome).toBe("Opening handshake has timed out");
  });

  it("close() drops a handshake still hanging (else it would wait for it forever)", async () => {
    const server = await startTestServer();
    const ws = new WebSocket(`${server.url}/hang`);
    const ended = new Promise<string>((ok) => {
      ws.on("open", () => ok("opened"));
      ws.on("error", (error) => ok(`error: ${error.message}`));
    });
    // The upgrade request reached the server once a second connection's handshake completed after it.
    await echoed(server.url, ["after"]);
    await server.close();
    expect(await ended).toBe("error: socket hang up");
  });
});


/**
 * Starts the test server in a Node process of its own (the source bundled with esbuild, `ws` included), as the
 * runner does: an exception nobody catches would end that process, which vitest's own handlers would hide here.
 */
async function serverProcess(): Promise<{ url: string; child: ChildProcess; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "wsb-test-server-"));
  const bundle = join(dir, "test-server.cjs");
  await build({
    entryPoints: ["src/playwright/test-server.ts"], bundle: true, platform: "node", format: "cjs", outfile: bundle,
    external: ["bufferutil", "utf-8-validate"], logLevel: "silent",
  });
  const script = `require(${JSON.stringify(bundle)}).startTestServer().then((s) => console.log(s.url));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr!.on("data", (d: Buffer) => { output += d.toString(); });
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on("data", (d: Buffer) => { output += d.toString(); const m = /ws:\/\/\S+/.exec(output); if (m) ok(m[0]); });
    child.once("exit", (code) => fail(new Error(`the test server process ended (${code}) before listening: ${output}`)));
  });
  child.once("exit", (code) => { output += `\n[exited with ${code}]`; });
  return { url, child, stop: () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Sends `request` on a raw TCP connection to `url`'s port; resolves with everything the server wrote before closing. */
function rawExchange(url: string, request: string): Promise<string> {
  return new Promise((ok, fail) => {
    const socket = connect(Number(new URL(url).port), "127.0.0.1", () => socket.write(request));
    let answer = "";
    socket.on("data", (d) => { answer += d.toString("latin1"); });
    socket.on("close", () => ok(answer));
    socket.on("error", fail);
  });
}

describe("test server: bad input closes that connection, never the process", () => {
  let outside: Awaited<ReturnType<typeof serverProcess>>;
  beforeAll(async () => { outside = await serverProcess(); });
  afterAll(() => outside?.stop());

  /** The server process still runs and still echoes. */
  async function stillServing(): Promise<void> {
    expect(await echoed(outside.url, ["still here"])).toEqual(["still here"]);
    expect(outside.child.exitCode).toBeNull();
  }

  it("wireCloseCodeParam takes the codes a server may send; closeReason cuts to 123 bytes on a character boundary", () => {
    expect([null, "1000", "1003", "1007", "1014", "3000", "4999"].map(wireCloseCodeParam)).toEqual([1000, 1000, 1003, 1007, 1014, 3000, 4999]);
    for (const bad of ["999", "1004", "1005", "1006", "1015", "2999", "5000", "abc", ""]) expect(wireCloseCodeParam(bad)).toBeUndefined();
    expect(closeReason("é".repeat(100))).toBe("é".repeat(61)); // 2 bytes each: 122 bytes, the 62nd would be 124
    expect(closeReason("ok")).toBe("ok");
    expect(requestURL("http://[")).toBeUndefined();
    expect(requestURL("/echo?x=1")?.pathname).toBe("/echo");
  });

  it.each([
    ["/close?code=999&now=1", WIRE_CODE_RULE],
    ["/close?code=999", WIRE_CODE_RULE],
    ["/close?code=1006&reason=x", WIRE_CODE_RULE],
    ["/close?code=abc", WIRE_CODE_RULE],
    [`/close?code=4000&reason=${"r".repeat(124)}`, REASON_RULE],
    [`/close?code=4000&now=1&reason=${"é".repeat(62)}`, REASON_RULE],
  ])("%s closes that connection at once with 1008 naming the rule", async (path, reason) => {
    // Without `now`, the close used to come in the first message's listener: the client sends one to reach it.
    expect(await session(outside.url + path, (ws) => ws.send("hi"))).toEqual({ frames: [], code: BAD_REQUEST_CODE, reason });
    await stillServing();
  });

  it("a code a server may send, such as 1011, still closes after the first message", async () => {
    expect(await session(`${outside.url}/close?code=1011&reason=crash`, (ws) => ws.send("hi"))).toEqual({ frames: [], code: 1011, reason: "crash" });
    await stillServing();
  });

  it("an invalid frame from a client (unmasked) closes that connection with 1002", async () => {
    const r = await session(`${outside.url}/echo`, (ws) => {
      // A client must mask its frames: this text frame "hi" is not, which the server's `ws` reports as an error.
      (ws as unknown as { _socket: Socket })._socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    });
    expect(r.code).toBe(1002);
    await stillServing();
  });

  it("a request target that is not a URL is refused with HTTP 400 naming the rule", async () => {
    const answer = await rawExchange(outside.url, "GET http://[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\n\r\nthe request target is not a valid URL path$/);
    await stillServing();
  });

  it("a client that resets its connection during the handshake of /reject or /hang", async () => {
    for (const path of ["/reject?status=503", "/hang"]) {
      await new Promise<void>((ok) => {
        const socket = connect(Number(new URL(outside.url).port), "127.0.0.1", () => {
          socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, () => socket.resetAndDestroy());
        });
        socket.on("close", () => ok());
        socket.on("error", () => {});
      });
    }
    await stillServing();
  });
});
