// `import wsbridge` outside Pyodide (pytest on the host, out of habit) says where wsbridge runs and how to run tests.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { expect, it } from "vitest";

it("import wsbridge in ordinary CPython raises an ImportError naming Pyodide and `npx wsbridge test`", () => {
  const r = spawnSync("python3", ["-c", "import wsbridge"], { env: { ...process.env, PYTHONPATH: resolve("python") }, encoding: "utf8" });
  expect(r.status).toBe(1);
  const last = r.stderr.trimEnd().split("\n").at(-1);
  expect(last).toMatch(/^ImportError: wsbridge runs inside Pyodide \(Python in the browser\), not in this cpython on linux: run its tests with `npx wsbridge test \[PATH\.\.\.\]`/);
  expect(r.stderr).not.toMatch(/No module named 'js'/);
});
