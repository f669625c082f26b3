// `wsbridge test --watch` end to end: a save reruns the changed test file, a changed module reruns the tests that
// import it, each rerun starts from a pristine interpreter (module state does not carry over), `f` reruns the failed
// files and `q` quits with the last run's exit code.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness } from "./_runner-cli.js";

const { project } = cliHarness();
const BIN = resolve("bin/wsbridge.mjs");

describe("wsbridge test --watch", () => {
  it("reruns what a save touches, in a fresh interpreter; f reruns the failed; q quits with the last exit code", async () => {
    const dir = project("watch", {
      "pytest.ini": "[pytest]\n",
      "mod.py": "VALUE = 1\nCOUNT = 0\n",
      "test_a.py": "def test_a():\n    assert True\n",
      "test_b.py": "import mod\n\ndef test_b():\n    mod.COUNT += 1\n    assert mod.COUNT == 1  # a reload, not a fresh interpreter, would make it 2\n    assert mod.VALUE == 1\n",
    });
    const child = spawn(process.execPath, [BIN, "test", "--watch", "-q", "-p", "no:cacheprovider"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const exited = new Promise<number | null>((ok) => child.on("close", ok));
    /** Waits until stderr has `n` prompts, then returns the output since `from`. */
    const prompts = (n: number) => new Promise<void>((ok, fail) => {
      const check = () => { if ((err.match(/waiting for changes/g) ?? []).length >= n) { clearInterval(timer); ok(); } };
      const timer = setInterval(check, 20);
      void exited.then(() => { clearInterval(timer); fail(new Error(`exited early\n${out}\n${err}`)); });
    });
    try {
      await prompts(1);
      expect(out).toMatch(/2 passed/);

      let mark = out.length;
      writeFileSync(join(dir, "test_a.py"), "def test_a():\n    assert 1 == 2\n");
      await prompts(2);
      expect(err).toMatch(/running test_a\.py\n/);
      expect(out.slice(mark)).toMatch(/1 failed in/);

      mark = out.length;
      writeFileSync(join(dir, "mod.py"), "VALUE = 1\nCOUNT = 0\n# touched\n");
      await prompts(3);
      expect(err).toMatch(/changed mod\.py: running test_b\.py\n/);
      expect(out.slice(mark)).toMatch(/1 passed in/);

      mark = out.length;
      child.stdin.write("f");
      await prompts(4);
      expect(err).toMatch(/failed tests: running test_a\.py\n/);
      expect(out.slice(mark)).toMatch(/1 failed in/);

      child.stdin.write("q");
      expect(await exited).toBe(1);
    } finally {
      child.kill("SIGKILL");
    }
  }, 180_000);
});
