// The `python_worker` fixture of wsbridge's pytest plugin, through the real `wsbridge test` CLI: a test gets Pyodide
// with wsbridge in a Web Worker of its page, holding the project's files at their paths (a package imports, a data
// file reads), page routes catch the worker's sockets, the runner's ws server answers it, its prints are captured,
// and its exceptions raise. The tests themselves are worker-fixture/test_worker.py.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { fencedBlocks } from "../helpers/fenced-blocks.js";
import { cliHarness, shown, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

it("python_worker: the project's code, data and sys.path in the worker; routes, server, output and errors", { timeout: 180_000 }, async () => {
  const dir = project("worker-fixture", {
    "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n",
    "mypkg/__init__.py": "def double(x):\n    return 2 * x\n",
    "data/blob.bin": Buffer.from([0x00, 0xff]),
    "tests/test_worker.py": readFileSync(join(import.meta.dirname, "worker-fixture", "test_worker.py"), "utf8"),
  });
  const run = await wsbridge(["test", "--workers", "1", "-v"], dir);
  expect(run.code, shown(run)).toBe(0);
  expect(run.out, shown(run)).toMatch(/\b5 passed\b/);
  for (const name of ["code_and_files", "routes_reach", "real_server", "prints_is_captured", "raises_with"]) {
    expect(run.out, shown(run)).toMatch(new RegExp(`test_worker\\.py::test_\\w*${name}\\w* PASSED`));
  }
});

it("examples/test_worker.py, the README's worker example, passes as written", { timeout: 180_000 }, async () => {
  const examples = join(import.meta.dirname, "..", "..", "examples");
  const source = readFileSync(join(examples, "test_worker.py"), "utf8");
  const readme = readFileSync(join(examples, "..", "README.md"), "utf8");
  const block = fencedBlocks("README.md", readme).find((b) => b.code.includes("python_worker.run_async(\"import feed_client"));
  expect(block?.code.trim()).toBe(source.slice(source.indexOf("from wsbridge import page")).trim());
  const run = await wsbridge(["test", "test_worker.py", "--workers", "1", "-q"], examples);
  expect(run.code, shown(run)).toBe(0);
  expect(run.out, shown(run)).toMatch(/\b1 passed\b/);
});
