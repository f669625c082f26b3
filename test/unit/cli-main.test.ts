// The `wsbridge` command dispatch and the `test` command's early exits (no browser is launched here).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, HELP, TEST_HELP } from "../../src/cli/main.js";

const root = mkdtempSync(join(tmpdir(), "wsbridge-main-"));
writeFileSync(join(root, "test_one.py"), "def test_one(): pass\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(argv: string[], env: NodeJS.ProcessEnv = { PATH: "" }) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: root, env });
  return { code, out, err };
}

describe("wsbridge", () => {
  it("--help lists the commands", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(HELP);
    expect(HELP).toMatch(/^\s+test\s+run real pytest in headless Chromium/m);
    expect(HELP).toMatch(/^\s+wheels\s+fetch the page's locked pytest wheels/m);
    expect(HELP).toMatch(/^\s+demo\s+serve the worker-based real-time demo/m);
  });
  it("no command prints the help to stderr and exits 4 (usage)", async () => {
    const r = await cli([]);
    expect(r.code).toBe(4);
    expect(r.err).toBe(HELP);
    expect(r.out).toBe("");
  });
  it("an unknown command exits 4 and names the commands", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/unknown command "frobnicate"\. Commands: test, wheels, demo/);
  });
  it("--version", async () => {
    expect((await cli(["--version"])).out).toMatch(/^wsbridge \d+\.\d+\.\d+\n$/);
  });
});

describe("wsbridge test: exits before any browser starts", () => {
  it("--help documents wsbridge's options, pytest pass-through, the fixtures and pytest's exit codes", async () => {
    const r = await cli(["test", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(TEST_HELP);
    for (const word of ["--workers N", "--shard I/N", "--timeout SECONDS", "--requirements FILE", "--wheels DIR", "--pyodide-index", "--load-timeout", "--browser-path", "WSBRIDGE_CHROMIUM", "[tool.wsbridge]", "-k, -m, -x, --maxfail", "--junitxml", "ws_server", "allow_handler_errors", "WSBRIDGE_CACHE", "4 usage error", "5 no tests", "130"]) {
      expect(TEST_HELP, word).toContain(word);
    }
  });
  it.each([
    [["test", "--workers", "0"], /^wsbridge test: --workers needs a whole number of at least 1, got "0" \(see wsbridge test --help\)\n$/],
    [["test", "--shard", "3/2"], /^wsbridge test: --shard 3\/2: INDEX must be between 1 and TOTAL \(2\)/],
    [["test", "--timeout", "abc"], /^wsbridge test: --timeout needs a number of seconds above 0, got "abc"/],
    [["test", "tests", "--timeout"], /^wsbridge test: --timeout needs a value/],
  ])("%j is a usage error: one line, exit 4", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.out).toBe("");
  });
  it("no browser at --browser-path: one line that says how to install one, exit 4", async () => {
    const r = await cli(["test", "--browser-path", "/nope/chromium"]);
    expect(r.code).toBe(4);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^wsbridge test: No Chromium at \/nope\/chromium \(--browser-path\): install one \(e\.g\. `apt-get install -y chromium`\)/);
  });
});
