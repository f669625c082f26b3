// `wsbridge test` end to end, second half (the harness and the first half: _runner-cli.ts, runner.test.ts): time
// limits and pages that block, --workers and --shard, the page's packages, and bad input.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compiledStdlib, compiledStdlibPath } from "../../src/cli/stdlib.js";
import { ensureLockedWheels, lockedWheels } from "../../src/cli/wheels.js";
import { cliHarness, linesOf, once, shown, testsuite, tinyWheel, totals, wsbridge } from "./_runner-cli.js";

const { root, project } = cliHarness();

/** A project for the bad-input runs (they end before any test runs). */
const ANY = project("any", { "test_any.py": "def test_any():\n    pass\n" });

describe("--timeout and pages that block", () => {
  // One page (the controller runs the tests): a killed page is followed by a new controller that replays what was
  // reported (muted) and runs the rest.
  const dir = project("timeouts", {
    "test_block.py": "def test_before_block():\n    pass\n\ndef test_block():\n    while True:\n        pass\n\ndef test_after_block():\n    pass\n",
    "test_hang.py": "import asyncio\nimport pytest\n\n@pytest.mark.timeout(1)\nasync def test_short_limit():\n    await asyncio.sleep(20)\n\n" +
      "async def test_hung():\n    await asyncio.sleep(1000)\n\ndef test_after_hang():\n    pass\n",
    "test_other.py": "def test_other_file():\n    pass\n",
  });
  const run = once(() => wsbridge(["test", "--workers", "1", "--timeout", "2", "-v"], dir));

  it("a hung await fails with a Timeout; a test that blocks the page is reported once, and the rest of its file and the next file run", async () => {
    const r = await run();
    expect(r.code, shown(r)).toBe(1);
    const lines = r.out.split("\n");
    expect(lines.filter((l) => l.startsWith("test_block.py::test_block ")), shown(r)).toEqual([expect.stringMatching(/ FAILED /)]);
    for (const id of ["test_block.py::test_before_block", "test_block.py::test_after_block", "test_hang.py::test_after_hang", "test_other.py::test_other_file"]) {
      expect(lines.filter((l) => l.startsWith(`${id} `)), id).toEqual([expect.stringMatching(/ PASSED /)]);
    }
    expect(r.out).toMatch(/^test_hang\.py::test_hung FAILED/m);
    // The message alone (no traceback of wsbridge's plumbing).
    expect(r.out).toMatch(/_+ test_hung _+\nTimeout: test_hung did not finish within 2 s \(still awaiting; it was cancelled\)\n/);
    expect(r.out).toMatch(/Timeout: test_block\.py::test_block did not finish within 2 s and blocked the page/);
    expect(r.out).not.toContain("Captured stderr");
    // Printed once: the new controller's header and the tests before the kill stay muted.
    expect(r.out.match(/test session starts/g)).toHaveLength(1);
    expect(r.out.match(/test_block\.py::test_before_block/g)).toHaveLength(1);
    expect(totals(r.out)).toEqual({ failed: 3, passed: 4 });
  }, 150_000);

  it("@pytest.mark.timeout(S) sets one test's limit (the next test has --timeout's)", async () => {
    const r = await run();
    expect(linesOf(r.out, "test_hang.py::test_short_limit"), shown(r)).toEqual([expect.stringMatching(/ FAILED /)]);
    expect(r.out).toMatch(/Timeout: test_short_limit did not finish within 1 s/);
    // test_hung, right after it in the same file, gets --timeout's 2 s.
    expect(r.out).toMatch(/Timeout: test_hung did not finish within 2 s/);
  }, 150_000);

});

describe("-s and a test that blocks", () => {
  // The page sends output with its other messages in batches, but without capture a test's prints go as written:
  // what it printed before it blocked the page is shown.
  const dir = project("prints-then-blocks", {
    "test_prints.py": "def test_prints_then_blocks():\n    print('printed before the block', flush=True)\n    while True:\n        pass\n",
  });

  it("shows what the test printed before the page was killed", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--timeout", "1", "-s", "-q"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toContain("printed before the block");
    expect(r.out).toMatch(/Timeout: test_prints\.py::test_prints_then_blocks did not finish within 1 s and blocked the page/);
  }, 150_000);
});

describe("a worker page that blocks", () => {
  // Two files, two pages: the controller takes the first file, the worker page the second.
  const dir = project("worker-blocks", {
    "a/test_a.py": "def test_a():\n    pass\n",
    // The controller imports this conftest.py too; only a worker page's import (called from run_worker) blocks.
    "zblocked/conftest.py": "import inspect\nif any(f.function == 'run_worker' for f in inspect.stack()):\n    while True:\n        pass\n",
    "zblocked/test_z.py": "def test_z():\n    pass\n",
  });

  it("outside any test (a conftest that blocks only there): its tests fail, the run ends", async () => {
    const r = await wsbridge(["test", "--workers", "2", "--timeout", "2", "-v"], dir);
    expect(linesOf(r.out, "zblocked/test_z.py::test_z"), shown(r)).toEqual([expect.stringMatching(/ FAILED /)]);
    expect(linesOf(r.out, "a/test_a.py::test_a")).toEqual([expect.stringMatching(/ PASSED /)]);
    expect(r.out).toMatch(/not run: the page blocked for \d+ s (collecting the file|outside any test)/);
    expect(r.code).toBe(1);
  }, 150_000);
});

describe("--workers and --shard", () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) {
    files[`test_m${i}.py`] = `import pytest\n\ndef test_pass_1():\n    pass\n\ndef test_pass_2():\n    pass\n\ndef test_fail():\n    assert ${i} == 0\n\n` +
      `@pytest.mark.parametrize("x", range(${i}))\ndef test_p(x):\n    assert x >= 0\n`;
  }
  const dir = project("many", files);
  // The whole suite: file i has 2 + i passing tests and one failing.
  const whole = { failed: 5, passed: 25 };
  // Shard 1/2 holds test_m1, m3, m5 (every second of the sorted files), shard 2/2 test_m2, m4.
  const one = once(() => wsbridge(["test", "--workers", "2", "-v", "--junitxml", "w.xml", "--shard", "1/2"], dir));
  const two = once(() => wsbridge(["test", "--workers", "1", "-q", "--shard", "2/2"], dir));

  it("--workers 2 over several files: right totals, every test reported once, one JUnit file", async () => {
    const r = await one();
    expect(r.code, shown(r)).toBe(1);
    expect(totals(r.out)).toEqual({ failed: 3, passed: 15, deselected: 12 });
    const reported = r.out.split("\n").filter((l) => /^test_m\d\.py::\S+ (PASSED|FAILED)/.test(l)).map((l) => l.split(" ")[0]!);
    expect(reported).toHaveLength(18);
    expect(new Set(reported).size).toBe(18);
    expect([...new Set(reported.map((id) => id.split("::")[0]))].sort()).toEqual(["test_m1.py", "test_m3.py", "test_m5.py"]);
    const suite = await testsuite(join(dir, "w.xml"));
    expect(suite.attrs).toMatchObject({ tests: "18", failures: "3" });
  }, 150_000);

  it("--shard 1/2 and --shard 2/2 split the files; their totals add up to the whole suite", async () => {
    const [a, b] = await Promise.all([one(), two()]);
    expect(b.code, shown(b)).toBe(1);
    const [ta, tb] = [totals(a.out), totals(b.out)];
    expect(tb).toEqual({ failed: 2, passed: 10, deselected: 18 });
    expect({ failed: ta.failed! + tb.failed!, passed: ta.passed! + tb.passed! }).toEqual(whole);
    expect(ta.deselected! + tb.deselected!).toBe(30);
  }, 150_000);
});

describe("the workers get pytest's own reading of the arguments", () => {
  const options = project("options", {
    "conftest.py": 'def pytest_addoption(parser):\n    parser.addoption("--env", default="dev")\n',
    "test_first.py": "def test_env(request):\n    assert request.config.getoption('--env') == 'prod'\n\ndef test_after():\n    pass\n",
    "test_second.py": "import warnings\n\ndef test_warns_nothing():\n    pass\n",
  });

  it("a conftest option's separate value (--env prod) stays the option's: no test id is taken for it", async () => {
    // Without pytest's reading, "prod" passed for a path and the workers' `--env` took the first test id as its value.
    const r = await wsbridge(["test", "--workers", "1", "-p", "no:cacheprovider", "--env", "prod", "-v"], options);
    expect(r.code, shown(r)).toBe(0);
    expect(totals(r.out)).toEqual({ passed: 3 });
    expect(r.out).toMatch(/test_first\.py::test_after PASSED/);
  }, 150_000);

  it("-p no:cacheprovider with -W error: the workers get no cache_dir setting to warn about", async () => {
    // cache_dir is an unknown ini key once the cache plugin is off; -W error made that warning end every worker.
    const r = await wsbridge(["test", "--workers", "1", "-p", "no:cacheprovider", "-W", "error", "--env=prod"], options);
    expect(r.code, shown(r)).toBe(0);
    expect(totals(r.out)).toEqual({ passed: 3 });
  }, 150_000);
});

describe("warnings raised by tests in worker pages", () => {
  it("are in the warnings summary and its count, with their category (a test module's own too), file and line", async () => {
    const dir = project("warnings", {
      "test_warns.py": "import warnings\n\nclass MyWarning(UserWarning):\n    pass\n\n" +
        "def test_user():\n    warnings.warn('plain one', UserWarning)\n\n" +
        "def test_own():\n    warnings.warn('own one', MyWarning)\n",
    });
    const r = await wsbridge(["test", "--workers", "1", "-p", "no:cacheprovider"], dir);
    expect(r.code, shown(r)).toBe(0);
    expect(totals(r.out)).toEqual({ passed: 2, warning: 2 });
    expect(r.out).toMatch(/=+ warnings summary =+/);
    expect(r.out).toMatch(/test_warns\.py::test_user\n\s+\S*test_warns\.py:7: UserWarning: plain one/);
    expect(r.out).toMatch(/test_warns\.py::test_own\n\s+\S*test_warns\.py:10: MyWarning: own one/);
  }, 150_000);
});

describe("pytest.exit() in a worker page", () => {
  it("ends the whole session with its message and return code; no later file runs", async () => {
    const dir = project("exit", {
      "test_a.py": "def test_first():\n    pass\n",
      "test_b.py": "import pytest\n\ndef test_leaves():\n    pytest.exit('bye', returncode=3)\n\ndef test_not_reached():\n    pass\n",
      "test_c.py": "def test_later():\n    pass\n",
    });
    // One worker: files run in order, as on the host. (Before: exit 1, both tests of test_b.py "not run", test_c.py ran.)
    const r = await wsbridge(["test", "--workers", "1", "-p", "no:cacheprovider", "-v"], dir);
    expect(r.code, shown(r)).toBe(3);
    expect(r.out).toMatch(/!+ _pytest\.outcomes\.Exit: bye !+/);
    expect(r.out).toMatch(/test_a\.py::test_first PASSED/);
    expect(r.out).not.toMatch(/test_not_reached|test_later|not run/);
  }, 150_000);
});

describe("a project as a real one is", () => {
  // Bytes that are not UTF-8 text (an ELF header with NULs, Latin-1), a package named `build`, a file with thousands
  // of parametrized cases: the page sees the files as they are, and the big file runs whole on the worker page.
  const elf = [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xff, 0xfe];
  const latin1 = [0x63, 0x61, 0x66, 0xe9, 0x0a];
  const dir = project("realistic", {
    "pytest.ini": "[pytest]\npythonpath = .\n",
    "a_small/test_bytes.py": `from pathlib import Path\nimport build\n\nHERE = Path(__file__).parent\n\n` +
      `def test_binary_fixture_is_byte_exact():\n    assert (HERE / "elf.bin").read_bytes() == bytes(${JSON.stringify(elf)})\n\n` +
      `def test_invalid_utf8_is_byte_exact():\n    assert (HERE / "latin1.txt").read_bytes() == bytes(${JSON.stringify(latin1)})\n\n` +
      `def test_a_package_named_build_imports():\n    assert build.VALUE == 1\n`,
    "a_small/elf.bin": Buffer.from(elf),
    "a_small/latin1.txt": Buffer.from(latin1),
    "build/__init__.py": "VALUE = 1\n",
    "z_big/test_many.py": "import pytest\n\n@pytest.mark.parametrize('n', range(3000))\ndef test_case(n):\n    assert n >= 0\n",
  });

  it("binary files byte-exact, a package named build, 3,000 cases of one file run whole, one progress line per file", async () => {
    const r = await wsbridge(["test", "--workers", "2", "-p", "no:cacheprovider"], dir);
    expect(r.code, shown(r)).toBe(0);
    expect(r.out).toMatch(/ 3003 passed in /);
    expect(r.out).not.toMatch(/blocked|not run/);
    expect(r.out.split("\n").filter((l) => l.startsWith("a_small/test_bytes.py"))).toHaveLength(1);
    expect(r.out.split("\n").filter((l) => l.startsWith("z_big/test_many.py")).length).toBeGreaterThanOrEqual(1);
    // pytest wraps a long run of dots over several lines; another file's name never appears in between.
    const lines = r.out.split("\n").filter((l) => /^\S+\.py /.test(l));
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["a_small/test_bytes.py", "z_big/test_many.py"]);
  }, 300_000);
});

describe("a page that blocks in a test's teardown", () => {
  it("the test passed, its teardown errors (as pytest reports it), the next test runs", async () => {
    const dir = project("teardown-blocks", {
      "test_t.py": "import pytest\n\n@pytest.fixture\ndef stuck():\n    yield\n    while True:\n        pass\n\n" +
        "def test_first(stuck):\n    pass\n\ndef test_second():\n    pass\n",
    });
    const r = await wsbridge(["test", "--workers", "1", "--timeout", "2", "-p", "no:cacheprovider", "-rA"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/^PASSED test_t\.py::test_first$/m);
    expect(r.out).toMatch(/^ERROR test_t\.py::test_first - Timeout/m);
    expect(r.out).toMatch(/^PASSED test_t\.py::test_second$/m);
    expect(totals(r.out)).toEqual({ passed: 2, error: 1 });
  }, 150_000);
});

describe("a path that holds no files", () => {
  it("an empty folder named on the command line: pytest's 'no tests ran', exit 5 (not 'file or directory not found')", async () => {
    const dir = project("empty-folder", { "pytest.ini": "[pytest]\n", "test_x.py": "def test_x():\n    pass\n" });
    mkdirSync(join(dir, "empty"));
    const r = await wsbridge(["test", "--workers", "1", "-p", "no:cacheprovider", "empty"], dir);
    expect(r.code, shown(r)).toBe(5);
    expect(r.out).toMatch(/no tests ran/);
    expect(r.out + r.err).not.toMatch(/not found/);
  }, 150_000);
});

describe("subtests on a worker page", () => {
  it("keep their values' types in the report (SUBFAILED(i=2), as on the host, not i='2')", async () => {
    const dir = project("subtests", {
      "a/test_a.py": "def test_a():\n    pass\n",
      "b/test_b.py": "def test_sub(subtests):\n    for i in range(3):\n        with subtests.test(i=i):\n            assert i != 2\n",
    });
    const r = await wsbridge(["test", "--workers", "2", "-p", "no:cacheprovider", "-rA"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/SUBFAILED\(i=2\) b\/test_b\.py::test_sub/);
    expect(r.out).not.toMatch(/i='2'/);
  }, 150_000);
});

describe("pages", () => {
  it("--workers 999 with one file: one page (never more pages than files), and the bound said in one line", async () => {
    const dir = project("many-workers", { "test_one.py": "def test_one():\n    pass\n" });
    const r = await wsbridge(["test", "--workers", "999", "-q", "-p", "no:cacheprovider"], dir, { WSBRIDGE_TIMINGS: "1" });
    expect(r.code, shown(r)).toBe(0);
    expect(r.err.match(/page(?: \d+)? ready in/g)).toHaveLength(1);
    expect(r.err).toMatch(/^wsbridge: --workers 999 is more than 2 pages a core \(\d+ cores here\): \d+ pages run the tests$/m);
  }, 150_000);
  it("--workers 2 with two test files: the worker page starts with the controller, not after it", async () => {
    const dir = project("early-worker", { "test_a.py": "def test_a():\n    pass\n", "test_b.py": "def test_b():\n    pass\n" });
    const r = await wsbridge(["test", "--workers", "2", "-q", "-p", "no:cacheprovider"], dir, { WSBRIDGE_TIMINGS: "1" });
    expect(r.code, shown(r)).toBe(0);
    const steps = r.err.split("\n").filter((l) => /worker page 2 opening|controller page ready/.test(l));
    expect(steps, r.err).toEqual([expect.stringMatching(/worker page 2 opening with the controller$/), expect.stringMatching(/controller page ready/)]);
    expect(totals(r.out)).toEqual({ passed: 2 });
    // A guess only: -k leaves one file, and the run is the same (the page the plan does not need is closed).
    const k = await wsbridge(["test", "--workers", "2", "-q", "-p", "no:cacheprovider", "-k", "test_b"], dir, { WSBRIDGE_TIMINGS: "1" });
    expect(k.code, shown(k)).toBe(0);
    expect(k.err).toMatch(/worker page 2 opening with the controller$/m);
    expect(totals(k.out)).toEqual({ passed: 1, deselected: 1 });
  }, 150_000);

  it("--workers 2 with one test file among helpers: no page opens with the controller", async () => {
    const dir = project("one-test-file", { "test_a.py": "def test_a():\n    pass\n", "helpers.py": "X = 1\n", "conftest.py": "" });
    const r = await wsbridge(["test", "--workers", "2", "-q", "-p", "no:cacheprovider"], dir, { WSBRIDGE_TIMINGS: "1" });
    expect(r.code, shown(r)).toBe(0);
    expect(r.err).not.toMatch(/worker page 2 opening/);
    expect(r.err.match(/page(?: \d+)? ready in/g)).toHaveLength(1);
  }, 150_000);
});

describe("KeyboardInterrupt raised by a test, and pytest.exit() in a worker page", () => {
  // Two files, two pages: the controller runs a/, the worker page b/.
  const files = (body: string) => ({ "a/test_a.py": "def test_a():\n    pass\n", "b/test_b.py": `import pytest\n\ndef test_b():\n    ${body}\n` });

  for (const workers of ["1", "2"]) {
    it(`KeyboardInterrupt in a test (--workers ${workers}): pytest's interrupted summary, exit 2 (no "not run" failures)`, async () => {
      const dir = project(`kbd-${workers}`, files("raise KeyboardInterrupt"));
      const r = await wsbridge(["test", "--workers", workers, "-p", "no:cacheprovider"], dir);
      expect(r.code, shown(r)).toBe(2);
      expect(r.out).toMatch(/!+ KeyboardInterrupt !+/);
      expect(r.out).not.toMatch(/not run/);
    }, 150_000);
  }

  it("pytest.exit() in the worker page's test: its message and return code end the session", async () => {
    const dir = project("exit-worker", files("pytest.exit('bye', returncode=3)"));
    const r = await wsbridge(["test", "--workers", "2", "-p", "no:cacheprovider"], dir);
    expect(r.code, shown(r)).toBe(3);
    expect(r.out).toMatch(/!+ _pytest\.outcomes\.Exit: bye !+/);
  }, 150_000);
});

describe("the page's packages: --requirements, --wheels, --pyodide-index", () => {
  // A fresh cache (holding only the locked pytest wheels and the compiled stdlib), so pip really resolves the
  // requirements here.
  const cache = mkdtempSync(join(root, "cache-"));
  mkdirSync(join(cache, "wheels"));
  for (const file of ensureLockedWheels(process.env)) copyFileSync(file, join(cache, "wheels", basename(file)));
  const stdlib = compiledStdlib();
  if (stdlib) {
    mkdirSync(join(cache, "stdlib"));
    copyFileSync(stdlib, compiledStdlibPath({ WSBRIDGE_CACHE: cache }));
    copyFileSync(`${stdlib}.sha256`, `${compiledStdlibPath({ WSBRIDGE_CACHE: cache })}.sha256`);
  }
  const dir = project("packages", {
    // Through -r, relative to the requirements file: pip reads a copy in the cache, so the path must be made absolute.
    // idxpkg is in the Pyodide index below, so pip is not asked for it.
    "requirements-page.txt": "-r reqs/web.txt\nidxpkg\n",
    "reqs/web.txt": "starlette\n",
    "missing.txt": "definitely-not-a-package-xyz-123\n",
    "test_starlette.py": `from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from wsbridge import asgi, connect

async def shout(websocket):
    await websocket.accept()
    text = await websocket.receive_text()
    await websocket.send_text(text.upper())
    await websocket.close()

app = Starlette(routes=[WebSocketRoute("/shout", shout)])

async def test_starlette_app_as_route_mock(page):
    page.route_web_socket("**/shout", asgi(app))
    async with connect("ws://app.test/shout") as ws:
        await ws.send("hello")
        assert await ws.recv() == "HELLO"
`,
    "test_tiny.py": "import tinymod\n\ndef test_tiny_wheel():\n    assert tinymod.VALUE == 42\n",
    "test_idx.py": "def test_idx():\n    import idxpkg\n    assert idxpkg.VALUE == 'from the index'\n",
    "test_prints.py": "def test_prints():\n    print('live from the page')\n",
    "index/pyodide-lock.json": JSON.stringify({
      info: { arch: "wasm32", python: "3.14" },
      packages: { idxpkg: { name: "idxpkg", version: "1.0", file_name: "idxpkg-1.0-py3-none-any.whl", install_dir: "site", sha256: "", package_type: "package", imports: ["idxpkg"], depends: [] } },
    }),
  });
  const run = once(async () => {
    await Promise.all([tinyWheel(join(dir, "wheels"), "tinymod", "VALUE = 42\n"), tinyWheel(join(dir, "index"), "idxpkg", "VALUE = 'from the index'\n")]);
    return wsbridge(["test", "--workers", "1", "-v", "-s", "--requirements", "requirements-page.txt", "--wheels", "wheels", "--pyodide-index", "index"], dir, { WSBRIDGE_CACHE: cache });
  });

  it("--requirements (Starlette, named through -r, through asgi(app) as a route mock) and --wheels DIR (a hand-built wheel)", async () => {
    const r = await run();
    expect(r.code, shown(r)).toBe(0);
    expect(r.out).toMatch(/^test_starlette\.py::test_starlette_app_as_route_mock PASSED/m);
    expect(r.out).toMatch(/^test_tiny\.py::test_tiny_wheel PASSED/m);
    expect(totals(r.out)).toEqual({ passed: 4 });
    // pytest's header names the page's packages with their versions (pytest's own are in its platform line).
    expect(r.out).toMatch(/^page packages: .*\bstarlette-\d[\w.]*, tinymod-1\.0\b/m);
    expect(r.out).not.toMatch(/^page packages: .*\bpluggy-/m);
  }, 150_000);

  it("--pyodide-index: a requirement found in a Pyodide index (pyodide-lock.json) is loaded from there", async () => {
    const r = await run();
    expect(r.out, shown(r)).toMatch(/^test_idx\.py::test_idx PASSED/m);
  }, 150_000);

  it("-s shows a test's prints", async () => {
    const r = await run();
    // As in pytest -s, the print lands where the progress line is; wsbridge only keeps the print's line whole.
    expect(r.out, shown(r)).toMatch(/live from the page\n/);
  }, 150_000);

  it("a requirement pip cannot find: one line naming it, exit 4", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--requirements", "missing.txt"], dir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trimEnd().split("\n"), r.err).toEqual([expect.stringMatching(/^wsbridge test: --requirements .*missing\.txt: .*definitely-not-a-package-xyz-123/)]);
    expect(r.out).toBe("");
  }, 150_000);

  it("wsbridge wheels reads [tool.wsbridge] requirements as wsbridge test does (a CI pre-fetch misses none)", async () => {
    const wheelsDir = project("wheels-settings", { "pyproject.toml": '[tool.wsbridge]\nrequirements = "missing.txt"\n', "missing.txt": "definitely-not-a-package-xyz-123\n" });
    const r = await wsbridge(["wheels"], wheelsDir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(4);
    expect(r.err).toMatch(/definitely-not-a-package-xyz-123/);
  }, 150_000);
});

describe("bad input: one line on stderr, exit 4, no browser left running", () => {
  it.each([
    [["--workers", "0"], /^wsbridge test: --workers needs a whole number of at least 1, got "0"/],
    [["--shard", "3/2"], /^wsbridge test: --shard 3\/2: INDEX must be between 1 and TOTAL \(2\)/],
    [["--timeout", "abc"], /^wsbridge test: --timeout needs a number of seconds above 0, got "abc"/],
    [["--browser-path", "/nope"], /^wsbridge test: No Chromium at \/nope \(--browser-path\)/],
  ])("%j", async (args, message) => {
    const r = await wsbridge(["test", ...args], ANY);
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trimEnd().split("\n"), r.err).toEqual([expect.stringMatching(message)]);
    expect(r.out).toBe("");
  }, 60_000);

  it("a locked page wheel missing from an empty cache and pip failing: the error line names the wheel, exit 4", async () => {
    const empty = mkdtempSync(join(root, "empty-cache-"));
    const r = await wsbridge(["test", "--workers", "1"], ANY, { WSBRIDGE_CACHE: empty, WSBRIDGE_PYTHON: "/bin/false" });
    expect(r.code, shown(r)).toBe(4);
    const pytestWheel = lockedWheels().find((w) => w.name === "pytest")!.file;
    const errors = r.err.trimEnd().split("\n").filter((l) => l.startsWith("wsbridge test:"));
    expect(errors, r.err).toEqual([expect.stringContaining(`the page wheel ${pytestWheel} is not in ${join(empty, "wheels")}`)]);
    expect(r.out).toBe("");
    expect(existsSync(join(empty, "wheels", pytestWheel))).toBe(false);
  }, 60_000);
});
