// Debugging and failures that point at the cause in `wsbridge test`: breakpoint() and --pdb open pdb in the terminal
// that ran the command (driven here through a pseudo-terminal, util-linux `script`, answering each "(Pdb) " prompt);
// without a terminal breakpoint() fails its test and the rest runs; --timeout shows where the test awaited; a
// handler's exception is printed once; --headed shows the browser (under xvfb-run), --slowmo is checked.
import { execFile, spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness, shown, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

/** A shell word for `script -c`. */
const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;

/**
 * Runs `wsbridge ARGS` under a pseudo-terminal. Each time the terminal shows what `answers[i].when` matches (by
 * default the i-th "(Pdb) " prompt), `answers[i].line` is typed. Resolves to everything the terminal showed.
 */
function onTerminal(args: string[], cwd: string, answers: Array<{ line: string; when?: RegExp }>, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; text: string }> {
  const command = [process.execPath, resolve("bin/wsbridge.mjs"), ...args].map(quote).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { cwd, env: { ...process.env, TERM: "xterm", CI: "", ...env } });
  let text = "";
  let typed = 0;
  const killer = setTimeout(() => child.kill("SIGKILL"), 150_000);
  child.stdout.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    // Answer every prompt that is showing: the i-th answer waits for the i-th prompt (and its own pattern, if any).
    while (typed < answers.length) {
      const answer = answers[typed]!;
      const prompts = text.split("(Pdb) ").length - 1;
      if (prompts <= typed || (answer.when && !answer.when.test(text))) break;
      typed++;
      child.stdin.write(`${answer.line}\n`);
    }
  });
  return new Promise((done) => child.on("exit", (code) => { clearTimeout(killer); child.stdin.end(); done({ code: code ?? -1, text }); }));
}

const debugProject = project("debug", {
  "test_bp.py": [
    "import asyncio",
    "import pytest",
    "",
    "def test_sync_breakpoint():",
    "    x = 41",
    "    breakpoint()",
    "    assert x == 41",
    "",
    "@pytest.mark.timeout(0.5)",
    "async def test_async_breakpoint_outlives_its_limit():",
    "    # Printed after the test's limit and Node's watchdog (limit + 5 s) would both have ended it, were they running.",
    "    asyncio.get_running_loop().call_later(6, print, 'LIMITS-' + 'PASSED')",
    "    y = 5",
    "    breakpoint()",
    "    await asyncio.sleep(0.01)",
    "    assert y == 5",
    "",
  ].join("\n"),
  "test_pdb.py": "def test_fails():\n    items = [1, 2]\n    assert len(items) == 3\n",
});

describe("pdb in the terminal", () => {
  it("breakpoint() reads commands from the terminal, in a sync and an async test; the time limits wait for it", async () => {
    const r = await onTerminal(["test", "-p", "no:cacheprovider", "--color=no", "test_bp.py"], debugProject, [
      { line: "p x * 2" },
      { line: "c" },
      { line: "p y + 100" },
      { line: "c", when: /LIMITS-PASSED/ },
    ]);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/> \/.*test_bp\.py\(6\)test_sync_breakpoint\(\)/);
    expect(r.text).toMatch(/\(Pdb\) p x \* 2\r?\n82\r?\n/);
    expect(r.text).toMatch(/\(Pdb\) p y \+ 100\r?\n105\r?\n/);
    expect(r.text).toMatch(/2 passed/);
    expect(r.text).not.toMatch(/Timeout/);
  }, 150_000);

  it("--pdb stops at the failing test's frame after pytest's failure report; --workers 2 becomes one page, said once", async () => {
    const r = await onTerminal(["test", "-p", "no:cacheprovider", "--color=no", "--pdb", "--workers", "2", "test_pdb.py"], debugProject, [
      { line: "p items" },
      { line: "c" },
    ]);
    expect(r.code, r.text).toBe(1);
    expect(r.text).toMatch(/wsbridge: --pdb: one page runs the tests, not 2/);
    const report = r.text.indexOf("E       assert 2 == 3");
    const frame = r.text.search(/> \/.*test_pdb\.py\(3\)test_fails\(\)/);
    expect(report, r.text).toBeGreaterThan(0);
    expect(frame, r.text).toBeGreaterThan(report);
    expect(r.text).toMatch(/\(Pdb\) p items\r?\n\[1, 2\]\r?\n/);
    expect(r.text).toMatch(/1 failed/);
    expect(r.text).not.toMatch(/exited with code 3|no tests ran/);
  }, 150_000);
});

const failures = project("failures", {
  "test_a_bp.py": "def test_breakpoint():\n    breakpoint()\n\ndef test_after():\n    pass\n",
  "test_b_timeout.py": [
    "import asyncio",
    "",
    "async def helper():",
    "    await asyncio.sleep(100)",
    "",
    "async def test_timeout():",
    "    await helper()",
    "",
  ].join("\n"),
  "test_c_handler.py": [
    "import asyncio",
    "from wsbridge import WebSocket",
    "",
    "async def test_handler(ws_server):",
    "    ws = WebSocket(ws_server.url('/echo'))",
    "    seen = []",
    "    def boom(event):",
    "        seen.append(event)",
    "        raise ValueError('boom in handler')",
    "    ws.onmessage = boom",
    "    ws.onopen = lambda event: ws.send('hi')",
    "    while not seen:",
    "        await asyncio.sleep(0.01)",
    "",
  ].join("\n"),
});

describe("failures that point at the cause (stdin not a terminal)", () => {
  it("breakpoint() fails its test naming it, the rest runs; a timeout shows the awaiting frames; a handler error shows once", async () => {
    const r = await wsbridge(["test", "-p", "no:cacheprovider", "--color=no", "--timeout", "1"], failures, { CI: "" });
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/breakpoint\(\) \(or pdb\.set_trace\(\)\) cannot open pdb: wsbridge test's stdin is not a terminal\..*\(at test_a_bp\.py:2\)/);
    expect(r.out).toMatch(/3 failed, 1 passed/);
    expect(r.out).toContain([
      "Timeout: test_timeout did not finish within 1 s (still awaiting; it was cancelled)",
      "Awaiting (most recent call last):",
      "  test_b_timeout.py:7 in test_timeout",
      "    await helper()",
      "  test_b_timeout.py:4 in helper",
      "    await asyncio.sleep(100)",
    ].join("\n"));
    expect(r.out.split("ValueError: boom in handler").length - 1, r.out).toBe(1);
    expect(r.out).not.toContain("Captured log call");
  }, 150_000);
});

const headed = project("headed", {
  "test_ua.py": "from js import navigator\n\ndef test_shown():\n    assert 'HeadlessChrome' not in str(navigator.userAgent), str(navigator.userAgent)\n",
});

/** True when xvfb-run is on PATH (apt: xvfb). */
const hasXvfb = spawnSync("sh", ["-c", "command -v xvfb-run"]).status === 0;

describe("--headed and --slowmo", () => {
  it.skipIf(!hasXvfb && process.env.CI !== "true")("--headed --slowmo shows Chromium (a display from xvfb-run)", async () => {
    expect(hasXvfb, "xvfb-run is needed (apt-get install xvfb)").toBe(true);
    const r = await new Promise<{ code: number; out: string }>((done) => {
      execFile("xvfb-run", ["-a", process.execPath, resolve("bin/wsbridge.mjs"), "test", "-q", "-p", "no:cacheprovider", "--headed", "--slowmo", "1"], { cwd: headed, timeout: 150_000, killSignal: "SIGKILL" }, (error, out, err) => {
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out: out + err });
      });
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/1 passed/);
  }, 150_000);

  it("headless by default (the same test fails), and --headed without a display is one line, exit 4", async () => {
    const plain = await wsbridge(["test", "-q", "-p", "no:cacheprovider"], headed);
    expect(plain.code, shown(plain)).toBe(1);
    expect(plain.out).toContain("HeadlessChrome");
    const r = await wsbridge(["test", "--headed"], headed, { DISPLAY: "", WAYLAND_DISPLAY: "" });
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(/^wsbridge test: --headed needs a display/)]);
  }, 150_000);

  it("--slowmo abc is one line, exit 4", async () => {
    const r = await wsbridge(["test", "--slowmo", "abc"], headed);
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trim().split("\n")).toEqual(["wsbridge test: --slowmo needs a whole number of at least 0, got \"abc\" (see wsbridge test --help)"]);
  }, 60_000);
});
