// `wsbridge test --pyodide DIR` on a distribution whose Emscripten module cannot take the snapshot-restore patch:
// the run says so in one line and its pages load Pyodide in full (the copy is the bundled release with the patched
// statement written differently, so nothing else changes).
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";
import { pyodideDir } from "../../src/playwright/static-server.js";

const root = mkdtempSync(join(tmpdir(), "wsbridge-choice-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("a release whose module cannot be patched: one line, no snapshot, the tests pass on a plain load", async () => {
  const dist = join(root, "pyodide");
  mkdirSync(dist);
  for (const name of readdirSync(pyodideDir())) {
    if (statSync(join(pyodideDir(), name)).isFile()) copyFileSync(join(pyodideDir(), name), join(dist, name));
  }
  const asm = join(dist, "pyodide.asm.mjs");
  writeFileSync(asm, readFileSync(asm, "utf8").replace("return Module.HEAP8.set(t),l}", "return (Module.HEAP8.set(t),l)}"));
  const project = join(root, "project");
  mkdirSync(project);
  writeFileSync(join(project, "test_one.py"), "import sys\n\ndef test_one():\n    assert sys.version_info[:2] == (3, 14)\n");
  const r = await new Promise<{ code: number; out: string; err: string }>((ok) => {
    execFile(process.execPath, [resolve("bin/wsbridge.mjs"), "test", "--pyodide", dist, "-q", "-p", "no:cacheprovider"], { cwd: project, timeout: 240_000 }, (error, out, err) => {
      ok({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err });
    });
  });
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  expect(r.out).toMatch(/1 passed/);
  const lines = r.err.split("\n").filter((line) => /snapshot/.test(line));
  expect(lines).toEqual([`wsbridge: no page snapshot on Pyodide ${JSON.parse(readFileSync(join(dist, "package.json"), "utf8")).version} (its pyodide.asm.mjs lacks the statement wsbridge patches to restore snapshots over 30 MiB); pages load Pyodide in full, which starts slower`]);
}, 240_000);
