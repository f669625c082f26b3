// What `wsbridge test` shows on a terminal before its first result: a status line while Chromium and the page start
// (replaced by the first output, absent when stderr is not a terminal), and usage errors answered at once.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness, shown, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();
const dir = project("terminal", { "test_t.py": "def test_t():\n    pass\n" });

/** Runs `wsbridge ARGS` under a pseudo-terminal (util-linux `script`); resolves to everything the terminal got. */
function onTerminal(args: string[], cwd: string): Promise<{ code: number; text: string }> {
  const command = [process.execPath, resolve("bin/wsbridge.mjs"), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((done) => {
    execFile("script", ["-qec", command, "/dev/null"], { cwd, timeout: 150_000, killSignal: "SIGKILL", env: { ...process.env, TERM: "xterm" } }, (error, out) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, text: out });
    });
  });
}

describe("on a terminal", () => {
  it("a status line says what the run waits for, and the first output erases it", async () => {
    const r = await onTerminal(["test", "-q", "-p", "no:cacheprovider"], dir);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain("\r\x1b[Kwsbridge: starting Chromium…");
    expect(r.text).toMatch(/\r\x1b\[Kwsbridge: loading (the page|Pyodide and pytest in the page)…/);
    // Erased before pytest's first line: the line that follows the last status starts clean.
    const last = r.text.lastIndexOf("\r\x1b[Kwsbridge: ");
    const after = r.text.slice(last).split("\r\x1b[K")[2] ?? "";
    expect(after).toMatch(/^\.|^\x1b\[/);
    expect(r.text).toMatch(/1 passed/);
  }, 150_000);

  it("no status line when stderr is not a terminal (CI logs stay pytest's)", async () => {
    const r = await wsbridge(["test", "-q", "-p", "no:cacheprovider"], dir);
    expect(r.code, shown(r)).toBe(0);
    expect(r.err).not.toContain("starting Chromium");
    expect(r.out + r.err).not.toContain("\x1b[K");
  }, 150_000);

  it("-n 2 (pytest-xdist's) is answered at once: one line naming --workers, exit 4, no page", async () => {
    const r = await wsbridge(["test", "-n", "2"], dir);
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(/^wsbridge test: -n is pytest-xdist's option.*--workers N/)]);
    expect(r.out).toBe("");
  }, 60_000);
});
