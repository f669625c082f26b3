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
    expect(HELP).toMatch(/^\s+test\s+run Python test files/m);
    expect(HELP).toMatch(/^\s+demo\s+serve the worker-based real-time demo/m);
  });
  it("no command prints the help to stderr and exits 2", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(HELP);
  });
  it("demo with an unknown option exits 2 before serving anything", async () => {
    const r = await cli(["demo", "--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/frobnicate/);
  });
  it("an unknown command exits 2 and names the commands", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate".*test, demo/);
  });
  it("--version", async () => {
    expect((await cli(["--version"])).out).toMatch(/^wsbridge \d+\.\d+\.\d+\n$/);
  });
});

describe("wsbridge test: exits before any browser starts", () => {
  it("--help documents options, the test server and exit codes", async () => {
    const r = await cli(["test", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(TEST_HELP);
    for (const word of ["--browser-path", "WSBRIDGE_CHROMIUM", "--junit", "-k EXPR", "--timeout MS", "server_url", "WSBRIDGE_TEST_SERVER", "0  every test passed", "1  at least one", "2  usage error"]) {
      expect(TEST_HELP).toContain(word);
    }
  });
  it.each([
    [["test", "--bogus"], /unknown option: --bogus/],
    [["test", "--timeout", "x"], /whole number/],
    [["test", "-k", "a and"], /-k "a and"/],
    [["test", "missing_dir"], /no such file or folder: missing_dir/],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });
  it("a folder without test files: message, last line 0 passed, 0 failed, exit 2", async () => {
    const empty = mkdtempSync(join(tmpdir(), "wsbridge-empty-"));
    try {
      const r = await cli(["test", empty]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no test files \(test_\*\.py\) found/);
      expect(r.out).toBe("0 passed, 0 failed\n");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
  it("no browser anywhere: one line that says how to install one, exit 2", async () => {
    const r = await cli(["test", "--browser-path", "/nope/chromium"]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/No Chromium at \/nope\/chromium \(--browser-path\): install one \(e\.g\. `apt-get install -y chromium`\)/);
  });
});
