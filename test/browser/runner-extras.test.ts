// `wsbridge test` runs that cannot share one run with others (runner.test.ts holds the rest): Ctrl-C gives pytest's
// partial summary and the JUnit file, the examples pass with two workers, a module that blocks at import ends the run.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = resolve("bin/wsbridge.mjs");
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A temp project with `files` (names may contain folders). */
function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "wsb-extras-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Runs the CLI in `cwd`; `onOut` may act on the output so far (e.g. send SIGINT). */
function cli(args: string[], cwd: string, onOut?: (out: string, kill: (signal: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; out: string; err: string; ms: number }>((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, "test", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => { out += d; onOut?.(out, (s) => child.kill(s)); });
    child.stderr.on("data", (d) => { err += d; });
    child.on("close", (code) => done({ code, out, err, ms: Date.now() - t0 }));
  });
}

describe("wsbridge test: the run around pytest", () => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"}: pytest's partial summary, the JUnit file written, exit ${code}`, async () => {
      const dir = project({
        "test_slow.py": `import asyncio\ndef test_first():\n    pass\nasync def test_waits():\n    await asyncio.sleep(60)\ndef test_never():\n    pass\n`,
      });
      let sent = false;
      const r = await cli(["--workers", "1", "-v", "-p", "no:cacheprovider", "--junitxml=report.xml"], dir, (out, kill) => {
        if (!sent && /test_first PASSED/.test(out)) { sent = true; setTimeout(() => kill(signal), 1_000); }
      });
      expect(sent, r.out + r.err).toBe(true);
      expect(r.code, r.out + r.err).toBe(code);
      expect(r.out).toMatch(/KeyboardInterrupt/);
      expect(r.out).toMatch(/1 passed.* in [\d.]+s/);
      expect(r.err).not.toMatch(/internal error/);
      const xml = readFileSync(join(dir, "report.xml"), "utf8");
      expect(xml).toMatch(/<testcase [^>]*name="test_first"/);
    }, 120_000);
  }

  it("the examples (pyproject.toml [tool.wsbridge] requirements: a real Starlette app) pass with --workers 2", async () => {
    const r = await cli(["examples", "--workers", "2", "-p", "no:cacheprovider"], resolve("."));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/configfile: pyproject\.toml/);
    expect(r.out).toMatch(/examples\/test_starlette_mock\.py \.+/);
    expect(r.out).toMatch(/=+ \d+ passed in [\d.]+s =+/);
  }, 180_000);

  it("a test module that blocks the page at import: one line naming it, exit 2, nothing hangs", async () => {
    const dir = project({
      "test_fine.py": "def test_fine():\n    pass\n",
      "test_stuck.py": "while True:\n    pass\n",
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider", "--timeout", "2"], dir);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(/^wsbridge test: importing .*test_stuck\.py did not finish within 7 s and blocked the page/)]);
  }, 120_000);

});
