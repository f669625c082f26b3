// The test server's `?log=KEY` / `/received?log=KEY` pair (Node only): what a page-side test asks the server for,
// since a pytest run inside the page cannot read `TestServer.received`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { MAX_LOGS, startTestServer, type LoggedConnection, type TestServer } from "../../src/playwright/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(); // not recording: `log=` works regardless
});
afterAll(async () => {
  await server?.close();
});

/** Opens `path`, runs `talk` once open, resolves with the frames it got and the close. */
function session(path: string, talk: (ws: WebSocket) => void = () => {}): Promise<{ frames: Array<string | Buffer>; code: number; reason: string }> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(server.url + path);
    const frames: Array<string | Buffer> = [];
    ws.on("open", () => talk(ws));
    ws.on("message", (data, isBinary) => frames.push(isBinary ? (data as Buffer) : data.toString()));
    ws.on("close", (code, reason) => ok({ frames, code, reason: reason.toString() }));
    ws.on("error", fail);
  });
}

/** What `/received?log=key` answers. */
async function received(key: string): Promise<LoggedConnection[]> {
  const { frames, code } = await session(`/received?log=${encodeURIComponent(key)}`);
  expect(code).toBe(1000);
  expect(frames).toHaveLength(1);
  return JSON.parse(frames[0] as string) as LoggedConnection[];
}

describe("test server: ?log=KEY and /received", () => {
  it("reports each logged connection's path, frames (text as str, binary as base64) and close, in order of opening", async () => {
    const echoed = await session("/echo?log=a&t=1", (ws) => {
      let echoes = 0;
      ws.on("message", () => { if (++echoes === 3) ws.close(4000, "bye ✓"); });
      ws.send("héllo");
      ws.send(Buffer.from([0, 1, 255]));
      ws.send(Buffer.alloc(0));
    });
    expect(echoed.frames).toEqual(["héllo", Buffer.from([0, 1, 255]), Buffer.alloc(0)]); // the path still echoes
    await session("/close?code=4001&reason=no&now=1&log=a");
    await expect.poll(async () => (await received("a")).map((c) => c.closed)).toEqual([{ code: 4000, reason: "bye ✓" }, { code: 4001, reason: "no" }]);
    expect(await received("a")).toEqual([
      { path: "/echo?log=a&t=1", frames: ["héllo", { base64: "AAH/" }, { base64: "" }], closed: { code: 4000, reason: "bye ✓" } },
      { path: "/close?code=4001&reason=no&now=1&log=a", frames: [], closed: { code: 4001, reason: "no" } },
    ]);
  });

  it("an open connection shows closed: null; an unknown or missing key gives []; other keys stay apart", async () => {
    const ws = new WebSocket(`${server.url}/echo?log=open`);
    await new Promise((ok) => ws.on("open", ok));
    ws.send("x");
    await expect.poll(async () => (await received("open"))[0]?.frames).toEqual(["x"]);
    expect((await received("open"))[0]!.closed).toBeNull();
    ws.close();
    expect(await received("never used")).toEqual([]);
    const plain = await session("/received");
    expect(plain.frames).toEqual(["[]"]);
    expect(plain.code).toBe(1000);
    await expect.poll(async () => (await received("open"))[0]?.closed).toEqual({ code: 1005, reason: "" });
    expect(await received("open")).toHaveLength(1); // key "a" of the other test is not mixed in
  });

  it(`keeps the last ${MAX_LOGS} keys only`, async () => {
    const other = await startTestServer();
    try {
      const open = (key: string) => new Promise<void>((ok, fail) => {
        const ws = new WebSocket(`${other.url}/echo?log=${key}`);
        ws.on("open", () => { ws.close(); ok(); });
        ws.on("error", fail);
      });
      for (let i = 0; i <= MAX_LOGS; i++) await open(`k${i}`);
      const ask = (key: string) => new Promise<unknown[]>((ok, fail) => {
        const ws = new WebSocket(`${other.url}/received?log=${key}`);
        ws.on("message", (data) => ok(JSON.parse(data.toString()) as unknown[]));
        ws.on("error", fail);
      });
      expect(await ask("k0")).toEqual([]);
      expect(await ask("k1")).toHaveLength(1);
      expect(await ask(`k${MAX_LOGS}`)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});
