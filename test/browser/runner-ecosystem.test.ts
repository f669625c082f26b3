// pytest's own ecosystem in the page (issue 21 §6), against host pytest on the same project (ecosystem-project/):
// --doctest-modules, and plugins loaded with -p that do what pytest-randomly (a seeded order) and
// pytest-rerunfailures (a failed try reported as a rerun, then run again) do — written here, as this machine's index
// has neither. Two pages, so each file runs in one of them; real Chromium, real pytest on both sides.
import { execFile } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness, once, shown, wsbridge, type Run } from "./_runner-cli.js";

const { root } = cliHarness();

/** The host venv with pytest 9.1.1 (bench/runner.mjs makes it). */
const HOST_PYTHON = join(process.env.WSBRIDGE_CACHE ?? join(homedir(), ".cache", "wsbridge"), "bench-host-venv", "bin", "python");

const ARGS = ["--doctest-modules", "-p", "shuffle_plugin", "-p", "retry_plugin", "--retries", "1", "-v"];

/** A copy of ecosystem-project/ under the temp root. */
function copy(name: string): string {
  const dir = join(root, name);
  cpSync(join(import.meta.dirname, "ecosystem-project"), dir, { recursive: true });
  return dir;
}

/** Host pytest (`-p no:cov`: the venv may have pytest-cov, the page has not) and wsbridge test --workers 2. */
const runs = once(async () => {
  if (!existsSync(HOST_PYTHON)) throw new Error(`no host venv at ${HOST_PYTHON}: run \`npm run bench:runner\` once to make it`);
  const hostRun = await new Promise<Run>((done) => execFile(HOST_PYTHON, ["-m", "pytest", "-p", "no:cacheprovider", "-p", "no:cov", ...ARGS], { cwd: copy("host") }, (error, out, err) => done({ code: error ? Number(error.code ?? -1) : 0, out, err, ms: 0 })));
  const pageRun = await wsbridge(["test", "--workers", "2", ...ARGS], copy("page"));
  return { hostRun, pageRun };
});

/** The `-v` result lines of one file, in order. */
const resultsOf = (out: string, file: string) => out.split("\n").filter((l) => l.startsWith(`${file}::`)).map((l) => l.replace(/\s+\[\s*\d+%\]$/, ""));

/** pytest's last line without its time and rule. */
const summary = (out: string) => (out.trimEnd().split("\n").at(-1) ?? "").replace(/ in [\d.]+s/, "").replace(/^=+ | =+$/g, "");

describe("pytest's ecosystem in the page, as on the host", () => {
  it("the same outcome: exit 1, '1 failed, 9 passed, 2 rerun', the same failed doctest", async () => {
    const { hostRun, pageRun } = await runs();
    expect(hostRun.code, shown(hostRun)).toBe(1);
    expect(pageRun.code, shown(pageRun)).toBe(1);
    expect(summary(pageRun.out)).toBe(summary(hostRun.out));
    expect(summary(pageRun.out)).toMatch(/1 failed, 9 passed, 2 rerun/);
    expect(pageRun.out.split("\n").filter((l) => l.startsWith("FAILED "))).toEqual(["FAILED mathx.py::mathx.half"]);
  }, 300_000);

  it("--doctest-modules: each docstring example is a test, its failure shown as pytest shows it", async () => {
    const { hostRun, pageRun } = await runs();
    expect(resultsOf(pageRun.out, "mathx.py")).toEqual(resultsOf(hostRun.out, "mathx.py"));
    expect(pageRun.out).toMatch(/^Expected:\n {4}1\nGot:\n {4}1\.5$/m);
  }, 300_000);

  it("-p plugins: the header line, the seeded order of each file, a failed try as RERUN then run again", async () => {
    const { hostRun, pageRun } = await runs();
    expect(pageRun.out).toMatch(/^shuffle seed: 1234$/m);
    for (const file of ["test_order.py", "test_flaky.py"]) expect(resultsOf(pageRun.out, file), file).toEqual(resultsOf(hostRun.out, file));
    expect(resultsOf(pageRun.out, "test_order.py").map((l) => l.split(" ")[0])).not.toEqual([0, 1, 2, 3, 4, 5].map((n) => `test_order.py::test_n[${n}]`));
    expect(resultsOf(pageRun.out, "test_flaky.py")).toContain("test_flaky.py::test_flaky RERUN");
  }, 300_000);
});
