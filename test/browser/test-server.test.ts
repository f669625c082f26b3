// The runner's ws test server in Node: it keeps no frames unless asked, caps burst sizes with a clear close
// reason, and sends bursts in order without buffering them all or blocking its event loop.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  BAD_REQUEST_CODE, BURST_HIGH_WATER, BURST_SLICE, MAX_BURST, MAX_MIXED,
  closeCodeParam, countParam, rejectStatus, sendFrames, startTestServer, type FrameSink, type TestServer,
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
