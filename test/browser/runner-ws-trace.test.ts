// `wsbridge test --ws-trace`, `--record-har`, `--replay-har` through the real CLI in real Chromium: a failing test's
// report (terminal and JUnit) shows its sockets and frames, its HAR replays with route_web_socket_from_har, and a
// recording made against a real `ws` server replays offline (the server closed) with the same results.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { cliHarness, shown, testsuite, totals, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

const FAILING = `
from wsbridge import connect, route_web_socket

async def test_echo_then_fail(ws_server):
    async with connect(ws_server.url("/echo")) as ws:
        await ws.send("hello")
        assert await ws.recv(timeout=5) == "hello"
        await ws.send(b"\\x00\\x01\\xff")
        await ws.recv(timeout=5)
    assert False, "boom"

async def test_routed_passes():
    with route_web_socket("ws://mock.example/**", lambda route: route.on_message(lambda m: route.send("pong"))):
        async with connect("ws://mock.example/x") as ws:
            await ws.send("ping")
            assert await ws.recv(timeout=5) == "pong"
`;

/** An echo server on 127.0.0.1 (port 0); its URL, and a close that resolves once it stopped. */
async function echoServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (socket) => socket.on("message", (data, binary) => socket.send(binary ? data : data.toString())));
  await new Promise<void>((ok) => server.once("listening", () => ok()));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/feed`,
    close: () => new Promise<void>((ok) => { for (const c of server.clients) c.terminate(); server.close(() => ok()); }),
  };
}

describe("wsbridge test --ws-trace", () => {
  it("a failing test's report shows its sockets and frames (terminal and JUnit); its HAR replays", async () => {
    const dir = project("trace", { "test_t.py": FAILING });
    const r = await wsbridge(["test", "--junitxml=out.xml"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(totals(r.out)).toEqual({ failed: 1, passed: 1 });
    const section = r.out.slice(r.out.indexOf("wsbridge: WebSocket frames"));
    expect(section, shown(r)).toMatch(/\[1\] ws:\/\/127\.0\.0\.1:\d+\/echo \(native\): 2 sent, 2 received, closed 1000/);
    expect(section).toMatch(/→ sent\s+text\s+5 B {2}"hello"/);
    expect(section).toMatch(/← received binary\s+3 B {2}00 01 ff/);
    expect(r.out).toContain("wsbridge: WebSocket traces (HAR) of 1 failing test(s) in test-results/ws-traces");
    expect(r.out).not.toContain("mock.example"); // the passing test's sockets are not reported
    const suite = await testsuite(join(dir, "out.xml"));
    const failed = suite.children.find((c) => c.attrs.name === "test_echo_then_fail")!;
    const property = failed.children.find((c) => c.tag === "properties")?.children.find((p) => p.attrs.name === "wsbridge_ws_trace");
    expect(property?.attrs.value).toMatch(/\/echo \(native\): 2 sent, 2 received, closed 1000\n/);
    const traces = readdirSync(join(dir, "test-results", "ws-traces"));
    expect(traces).toEqual([expect.stringMatching(/^test_t\.py_test_echo_then_fail-[0-9a-f]{8}\.har$/)]);

    // The HAR is a HAR 1.2 file with Chrome's _webSocketMessages: route_web_socket_from_har replays it in a new run.
    const har = JSON.parse(readFileSync(join(dir, "test-results", "ws-traces", traces[0]!), "utf8"));
    expect(har.log.version).toBe("1.2");
    expect(har.log.entries[0]._webSocketMessages.map((m: { type: string; opcode: number }) => `${m.type}:${m.opcode}`)).toEqual(["send:1", "receive:1", "send:2", "receive:2"]);
    const url = har.log.entries[0].request.url as string;
    const replay = project("trace-replay", {
      "trace.har": JSON.stringify(har),
      "test_replay.py": `
from wsbridge import connect, route_web_socket_from_har

async def test_replays():
    route_web_socket_from_har("trace.har")
    async with connect(${JSON.stringify(url)}) as ws:
        await ws.send("hello")
        assert await ws.recv(timeout=5) == "hello"
        await ws.send(b"\\x00\\x01\\xff")
        assert await ws.recv(timeout=5) == b"\\x00\\x01\\xff"
`,
    });
    const again = await wsbridge(["test", "-q", "--ws-trace", "off"], replay);
    expect(again.code, shown(again)).toBe(0);
    expect(existsSync(join(replay, "test-results"))).toBe(false); // off: nothing written
  }, 300_000);

  it("bad values are one line, exit 4", async () => {
    const dir = project("trace-bad", { "test_x.py": "def test_x():\n    pass\n" });
    const bad = await wsbridge(["test", "--ws-trace", "maybe"], dir);
    expect(bad.code, shown(bad)).toBe(4);
    expect(bad.err.trim().split("\n")).toEqual(['wsbridge test: --ws-trace needs one of on, off, retain-on-failure, got "maybe" (see wsbridge test --help)']);
    const missing = await wsbridge(["test", "--replay-har", "nowhere"], dir);
    expect(missing.code, shown(missing)).toBe(4);
    expect(missing.err.trim().split("\n")).toEqual([`wsbridge test: --replay-har: ${join(dir, "nowhere")} is not a folder (record one with --record-har ${join(dir, "nowhere")})`]);
  }, 300_000);
});

describe("wsbridge test --record-har / --replay-har", () => {
  it("a run recorded against a real ws server replays offline with the same results; a changed message fails naming both", async () => {
    const server = await echoServer();
    const dir = project("record", {
      "feed.txt": server.url,
      "test_feed.py": `
import os
from wsbridge import connect

URL = open(os.path.join(os.path.dirname(__file__), "feed.txt")).read().strip()
MESSAGE = open(os.path.join(os.path.dirname(__file__), "message.txt")).read().strip()

async def test_two_in_flight():
    async with connect(URL) as ws:
        await ws.send("a")
        await ws.send("b")
        assert sorted([await ws.recv(timeout=5), await ws.recv(timeout=5)]) == ["a", "b"]

async def test_message():
    async with connect(URL) as ws:
        await ws.send(MESSAGE)
        assert await ws.recv(timeout=5) == "recorded"

def test_no_socket():
    pass
`,
      "message.txt": "recorded",
    });
    const recorded = await wsbridge(["test", "-v", "--record-har", "hars"], dir);
    await server.close();
    expect(recorded.code, shown(recorded)).toBe(0);
    expect(readdirSync(join(dir, "hars")).length).toBe(3);
    const replayed = await wsbridge(["test", "-v", "--replay-har", "hars"], dir);
    expect(replayed.code, shown(replayed)).toBe(0);
    const outcomes = (out: string) => out.split("\n").filter((l) => l.startsWith("test_feed.py::")).map((l) => l.replace(/\s+\[.*$/, ""));
    expect(outcomes(replayed.out)).toEqual(outcomes(recorded.out));

    writeFileSync(join(dir, "message.txt"), "changed");
    const changed = await wsbridge(["test", "-q", "--replay-har", "hars"], dir);
    expect(changed.code, shown(changed)).toBe(1);
    expect(totals(changed.out)).toEqual({ failed: 1, passed: 2 });
    expect(changed.out).toContain(`HAR replay of ${server.url}: unexpected "changed", the recording's next unanswered request is "recorded"`);
  }, 300_000);
});
