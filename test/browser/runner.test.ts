// `wsbridge test` end to end: the real CLI in a child process, real Chromium, real Pyodide, temp test files.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = resolve("bin/wsbridge.mjs");

interface Run { code: number; out: string; err: string; lines: string[] }

function wsbridge(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, timeout: 170_000, maxBuffer: 16 << 20 }, (error, out, err) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({ code, out, err, lines: out.trimEnd().split("\n") });
    });
  });
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

/** Parses JUnit XML with Python's expat (a real, strict XML parser) into plain JSON. */
function parseXml(path: string): { tag: string; attrs: Record<string, string>; text: string; children: any[] } {
  const script = `
import json, sys, xml.etree.ElementTree as ET
def walk(e): return {"tag": e.tag, "attrs": dict(e.attrib), "text": e.text or "", "children": [walk(c) for c in e]}
print(json.dumps(walk(ET.parse(sys.argv[1]).getroot())))`;
  return new Promise((done, fail) => {
    execFile("python3", ["-c", script, path], (error, out, err) => (error ? fail(new Error(err)) : done(JSON.parse(out))));
  }) as never;
}

const BASIC = `
import asyncio, builtins, os
from wsbridge import WebSocket, _lifecycle, connect, route_web_socket
from wsbridge.testing import server_url

counter = 0

def test_sync_pass():
    global counter
    counter += 1
    assert counter == 1

async def test_async_pass():
    await asyncio.sleep(0.01)
    assert counter == 0, "module globals must not carry over between tests"

def test_assert_fails():
    print("printed-by-the-failing-test")
    value = 2
    assert value == 3, "value-was-not-three"

def test_compare_shows_values():
    items = [1, 2]
    print("no-newline-at-the-end", end="")
    assert items == [1, 3]

def test_quiet_pass():
    print("printed-by-a-passing-test")

async def test_leaves_state_behind():
    global counter
    counter = 99
    builtins.wsbridge_resets = 0
    def count_reset():
        builtins.wsbridge_resets += 1
    _lifecycle.on_reset(count_reset)
    opened = asyncio.get_running_loop().create_future()
    builtins.leftover_socket = WebSocket(server_url("/echo"), onopen=lambda e: opened.set_result(True))
    await asyncio.wait_for(opened, 5)
    assert builtins.leftover_socket.readyState == WebSocket.OPEN
    route_web_socket("**/mocked", lambda route: route.on_message(lambda m: route.send("from-the-route")))
    async with connect(server_url("/mocked")) as ws:
        await ws.send("hi")
        assert await ws.recv(timeout=5) == "from-the-route"

async def test_sees_no_state():
    assert counter == 0
    assert builtins.wsbridge_resets == 1, "wsbridge._lifecycle.reset() runs after each test"
    assert builtins.leftover_socket.readyState in (WebSocket.CLOSING, WebSocket.CLOSED)
    async with connect(server_url("/mocked")) as ws:  # the route is gone: the real server echoes
        await ws.send("hi")
        assert await ws.recv(timeout=5) == "hi"

async def test_server_url_and_env():
    assert os.environ["WSBRIDGE_TEST_SERVER"].startswith("ws://127.0.0.1:")
    assert server_url() == os.environ["WSBRIDGE_TEST_SERVER"] + "/echo"
    import helper
    assert helper.VALUE == 42
    with open(os.path.join(os.path.dirname(__file__), "data.txt")) as fh:
        assert fh.read() == "payload"
`;

const TIMEOUTS = `
import asyncio, builtins

def test_first():
    builtins.page_marker = "first page"

async def test_async_hang():
    await asyncio.sleep(3600)

def test_sync_loop():
    print("before-the-loop")
    while True:
        pass

def test_after_the_loop():
    # a new page: nothing from the blocked page survives
    assert not hasattr(builtins, "page_marker")
`;

describe("wsbridge test", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "wsbridge-runner-"));
    write(root, {
      "suite/test_basic.py": BASIC,
      "suite/helper.py": "VALUE = 42\n",
      "suite/data.txt": "payload",
      "suite/slow/test_timeouts.py": TIMEOUTS,
      "suite/test_broken.py": "def test_never(:\n    pass\n",
      "suite/slow/test_hangs_on_import.py": "while True:\n    pass\n\ndef test_unreached():\n    pass\n",
      "suite/notes_test.py": "def test_not_collected():\n    assert False\n",
      "ok/test_ok.py": "def test_one():\n    pass\n\nasync def test_two():\n    pass\n",
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  let full: Run;
  it("runs a folder: PASS/FAIL lines, tracebacks, output of failures, timeouts, last line, exit 1", async () => {
    full = await wsbridge(["test", "suite", "--timeout", "2000", "--junit", "reports/junit.xml"], root);
    const { out, lines, code } = full;
    expect(full.err).toBe("");
    expect(code).toBe(1);
    const verdicts = lines.filter((l) => /^(PASS|FAIL) /.test(l)).map((l) => l.replace(/ \(\d+ ms\)$/, ""));
    expect(verdicts).toEqual([
      "PASS suite/test_basic.py::test_sync_pass",
      "PASS suite/test_basic.py::test_async_pass",
      "FAIL suite/test_basic.py::test_assert_fails",
      "FAIL suite/test_basic.py::test_compare_shows_values",
      "PASS suite/test_basic.py::test_quiet_pass",
      "PASS suite/test_basic.py::test_leaves_state_behind",
      "PASS suite/test_basic.py::test_sees_no_state",
      "PASS suite/test_basic.py::test_server_url_and_env",
      "FAIL suite/test_broken.py",
      "FAIL suite/slow/test_hangs_on_import.py",
      "PASS suite/slow/test_timeouts.py::test_first",
      "FAIL suite/slow/test_timeouts.py::test_async_hang",
      "FAIL suite/slow/test_timeouts.py::test_sync_loop",
      "PASS suite/slow/test_timeouts.py::test_after_the_loop",
    ]);
    expect(lines.find((l) => l.startsWith("PASS suite/test_basic.py::test_sync_pass"))).toMatch(/ \(\d+ ms\)$/);
    // The failing assert: the traceback with the file, line, source and message, and the test's print output.
    const failure = out.slice(out.indexOf("FAIL suite/test_basic.py::test_assert_fails"), out.indexOf("FAIL suite/test_basic.py::test_compare_shows_values"));
    expect(failure).toContain("Traceback (most recent call last):");
    expect(failure).toMatch(/File ".*suite\/test_basic.py", line 20, in test_assert_fails/);
    expect(failure).toContain('assert value == 3, "value-was-not-three"');
    expect(failure).toContain("AssertionError: value-was-not-three");
    expect(failure).toContain("printed-by-the-failing-test");
    expect(failure).not.toContain("testing.py"); // the runner's own frames are hidden
    expect(out).not.toContain("printed-by-a-passing-test");
    // A bare assert shows the compared values (pytest-style), and a half-written print line is not lost.
    const compare = out.slice(out.indexOf("FAIL suite/test_basic.py::test_compare_shows_values"), out.indexOf("PASS suite/test_basic.py::test_quiet_pass"));
    expect(compare).toContain("AssertionError: assert [1, 2] == [1, 3]");
    expect(compare).toContain("no-newline-at-the-end");
    // A file whose import never returns is one failure; the run goes on.
    expect(out).toMatch(/FAIL suite\/slow\/test_hangs_on_import.py \(\d+ ms\)\n {4}could not load the file:\n {4}Timeout: importing the file did not finish within 2000 ms/);
    // A file that cannot be imported counts as one failure with its SyntaxError.
    expect(out).toMatch(/FAIL suite\/test_broken.py \(\d+ ms\)\n {4}could not load the file:[\s\S]*SyntaxError/);
    // Timeouts: the async hang is cancelled; the sync loop kills the page, and the next test runs on a new page.
    expect(out).toMatch(/FAIL suite\/slow\/test_timeouts.py::test_async_hang \(\d+ ms\)\n {4}Timeout: test_async_hang did not finish within 2000 ms/);
    expect(out).toMatch(/FAIL suite\/slow\/test_timeouts.py::test_sync_loop \(\d+ ms\)\n {4}Timeout: test_sync_loop did not finish within 2000 ms and blocked the page/);
    expect(out.slice(out.indexOf("FAIL suite/slow/test_timeouts.py::test_sync_loop"))).toContain("before-the-loop");
    expect(out).not.toContain("notes_test.py"); // only test_*.py inside folders
    expect(lines.at(-1)).toBe("8 passed, 6 failed");
  }, 180_000);

  it("--junit writes JUnit XML that a strict parser reads, with counts, times and tracebacks", async () => {
    expect(full).toBeDefined();
    const path = join(root, "reports/junit.xml");
    expect(existsSync(path)).toBe(true);
    const doc = await parseXml(path);
    expect(doc.tag).toBe("testsuites");
    expect(doc.attrs).toMatchObject({ tests: "14", failures: "6", errors: "0" });
    const suites = doc.children;
    expect(suites.map((s) => [s.tag, s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ["testsuite", "suite/test_basic.py", "8", "2"],
      ["testsuite", "suite/test_broken.py", "1", "1"],
      ["testsuite", "suite/slow/test_hangs_on_import.py", "1", "1"],
      ["testsuite", "suite/slow/test_timeouts.py", "4", "2"],
    ]);
    const cases = suites.flatMap((s) => s.children);
    expect(cases.every((c) => c.tag === "testcase" && /^\d+\.\d{3}$/.test(c.attrs.time))).toBe(true);
    const failing = cases.find((c) => c.attrs.name === "test_assert_fails");
    expect(failing.attrs.classname).toBe("suite.test_basic");
    const failure = failing.children.find((c: { tag: string }) => c.tag === "failure");
    expect(failure.attrs).toMatchObject({ type: "AssertionError", message: "value-was-not-three" });
    expect(failure.text).toContain('assert value == 3, "value-was-not-three"');
    expect(failing.children.find((c: { tag: string }) => c.tag === "system-out").text).toContain("printed-by-the-failing-test");
    expect(cases.find((c) => c.attrs.name === "test_sync_pass").children).toEqual([]);
    const timeSum = cases.reduce((sum, c) => sum + Number(c.attrs.time), 0);
    expect(Number(doc.attrs.time)).toBeCloseTo(timeSum, 1);
  });

  it("-k selects by path::name substring with not/and/or; all selected pass → exit 0", async () => {
    const r = await wsbridge(["test", "suite/test_basic.py", "ok", "-k", "(test_sync_pass or ok.py) and not two"], root);
    expect(r.err).toBe("");
    expect(r.lines.map((l) => l.replace(/ \(\d+ ms\)$/, ""))).toEqual([
      "PASS suite/test_basic.py::test_sync_pass",
      "PASS ok/test_ok.py::test_one",
      "2 passed, 0 failed",
    ]);
    expect(r.code).toBe(0);
  }, 120_000);

  it("file::name runs one test; a -k that matches nothing exits 2 with 0 passed, 0 failed", async () => {
    const one = await wsbridge(["test", "ok/test_ok.py::test_two"], root);
    expect(one.lines.map((l) => l.replace(/ \(\d+ ms\)$/, ""))).toEqual(["PASS ok/test_ok.py::test_two", "1 passed, 0 failed"]);
    expect(one.code).toBe(0);
    const none = await wsbridge(["test", "ok", "-k", "nothing_matches_this"], root);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no tests ran \(-k "nothing_matches_this" matched none\)/);
    expect(none.lines.at(-1)).toBe("0 passed, 0 failed");
  }, 120_000);

  it("no browser: one line saying how to install one, exit 2 (--browser-path, then WSBRIDGE_CHROMIUM)", async () => {
    const r = await wsbridge(["test", "ok", "--browser-path", "/nope"], root);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split("\n")).toEqual([expect.stringMatching(/^wsbridge test: No Chromium at \/nope \(--browser-path\): install one \(e\.g\. `apt-get install -y chromium`\) or pass --browser-path \/ set WSBRIDGE_CHROMIUM\.$/)]);
    expect(r.out).toBe("");
    const env = await wsbridge(["test", "ok"], root, { WSBRIDGE_CHROMIUM: "/nope/chrome" });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/^wsbridge test: No Chromium at \/nope\/chrome \(WSBRIDGE_CHROMIUM\): install one/);
  }, 60_000);

  it("a browser path that is not Chromium: one line, exit 2", async () => {
    const r = await wsbridge(["test", "ok", "--browser-path", "/bin/true"], root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^wsbridge test: could not start Chromium at \/bin\/true: .*\n$/);
  }, 60_000);

  it("a --junit file that cannot be written: tests still reported, message, exit 2", async () => {
    const r = await wsbridge(["test", "ok", "--junit", "ok/test_ok.py/report.xml"], root);
    expect(r.lines.at(-1)).toBe("2 passed, 0 failed");
    expect(r.err).toMatch(/^wsbridge test: cannot write the JUnit report ok\/test_ok.py\/report.xml: /);
    expect(r.code).toBe(2);
  }, 120_000);

  it("usage errors exit 2 before any test runs", async () => {
    for (const args of [["test", "--frobnicate"], ["test", "--timeout", "soon"], ["test", "no/such/dir"], ["test", "-k", "a and"], ["nonsense"]]) {
      const r = await wsbridge(args, root);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).not.toBe("");
      expect(r.out).toBe("");
    }
    const demo = await wsbridge(["demo", "--frobnicate"], root);
    expect(demo.code).toBe(2);
    expect(demo.err).toContain("frobnicate");
  }, 60_000);

  it("the examples/ a newcomer reads first pass headless", async () => {
    const r = await wsbridge(["test", "examples"], resolve("."));
    expect(r.lines.filter((l) => l.startsWith("FAIL")), r.out).toEqual([]);
    expect(r.lines.at(-1)).toMatch(/^[1-9]\d* passed, 0 failed$/);
    expect(r.code).toBe(0);
  }, 170_000);

  it("the bin prints a one-line hint when dist/cli.mjs is missing", async () => {
    const copy = join(root, "pkg");
    write(copy, { "bin/wsbridge.mjs": readFileSync(BIN, "utf8") });
    const r = await new Promise<Run>((done) =>
      execFile(process.execPath, [join(copy, "bin/wsbridge.mjs"), "test"], (error, out, err) =>
        done({ code: typeof error?.code === "number" ? error.code : 0, out, err, lines: [] })),
    );
    expect(r.code).toBe(2);
    expect(r.err).toBe("wsbridge: dist/cli.mjs is missing; run `npm run build` in the wsbridge folder first.\n");
  });
});
