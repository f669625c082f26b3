// `wsbridge test` end to end: the real CLI in a child process runs real pytest in real headless Chromium with real
// Pyodide, on temp projects written here. Every run loads pages (~10 s), so several assertions share one run.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureLockedWheels, lockedWheels } from "../../src/cli/wheels.js";

const BIN = resolve("bin/wsbridge.mjs");
const root = mkdtempSync(join(tmpdir(), "wsbridge-runner-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run { code: number; out: string; err: string }

/** Runs `wsbridge ARGS` in `cwd` (a child process; a run that hangs is killed and fails the test). */
function wsbridge(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, timeout: 150_000, killSignal: "SIGKILL", maxBuffer: 16 << 20 }, (error, out, err) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({ code, out, err });
    });
  });
}

/** Writes `files` (relative path → text) under a new folder `name` of the temp root; returns the folder. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** What a run shows, for assertion messages. */
const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`;

interface XmlNode { tag: string; attrs: Record<string, string>; children: XmlNode[] }

/** Parses an XML file with Python's expat (a strict parser) on the host. */
function parseXml(path: string): Promise<XmlNode> {
  const script = `
import json, sys, xml.etree.ElementTree as ET
def walk(e): return {"tag": e.tag, "attrs": dict(e.attrib), "children": [walk(c) for c in e]}
print(json.dumps(walk(ET.parse(sys.argv[1]).getroot())))`;
  return new Promise((done, fail) => {
    execFile("python3", ["-c", script, path], (error, out, err) => (error ? fail(new Error(err)) : done(JSON.parse(out) as XmlNode)));
  });
}

/** The <testsuite> of a pytest JUnit file. */
async function testsuite(path: string): Promise<XmlNode> {
  const top = await parseXml(path);
  const suite = top.tag === "testsuite" ? top : top.children.find((c) => c.tag === "testsuite");
  expect(suite, JSON.stringify(top).slice(0, 500)).toBeDefined();
  return suite!;
}

/** The numbers of pytest's final summary line ("2 failed, 3 passed, 1 skipped in 0.5s"). */
function totals(out: string): Record<string, number> {
  const line = out.trimEnd().split("\n").at(-1) ?? "";
  const counts: Record<string, number> = {};
  for (const m of line.matchAll(/(\d+) (failed|passed|skipped|xfailed|xpassed|errors?|deselected|warnings?)\b/g)) counts[m[2]!.replace(/s$/, "")] = Number(m[1]);
  return counts;
}

// ---------------------------------------------------------------------------------------------------------- projects

/** pytest.ini with registered markers; one file with passes and failures. */
const OPTIONS = project("options", {
  "pytest.ini": "[pytest]\nmarkers =\n    slow: slow tests\n    net: network tests\n",
  "test_one.py": `import pytest

def test_alpha():
    pass

def test_beta():
    assert 1 == 2

@pytest.mark.slow
def test_gamma_slow():
    pass

@pytest.mark.net
def test_delta_net():
    assert 3 == 4

def test_epsilon():
    pass
`,
});

describe("pytest's options pass through; output and exit codes are pytest's", () => {
  it("-k with -v: pytest's header and verbose lines, only the selected tests, exit 0", async () => {
    const r = await wsbridge(["test", "--workers", "1", "-v", "-k", "alpha or gamma"], OPTIONS);
    expect(r.code, shown(r)).toBe(0);
    expect(r.out).toMatch(/=+ test session starts =+/);
    expect(r.out).toContain("platform emscripten");
    expect(r.out).toMatch(/rootdir: .*options\nconfigfile: pytest.ini/);
    expect(r.out).toMatch(/^test_one\.py::test_alpha PASSED/m);
    expect(r.out).toMatch(/^test_one\.py::test_gamma_slow PASSED/m);
    expect(r.out).not.toContain("test_beta");
    expect(r.out).toMatch(/=+ 2 passed, 3 deselected in [\d.]+s =+\n$/);
  }, 150_000);

  it("-m with markers registered in pytest.ini, -q: no header, failures shown, exit 1", async () => {
    const r = await wsbridge(["test", "--workers", "1", "-q", "-m", "slow or net"], OPTIONS);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).not.toContain("test session starts");
    expect(r.out).toContain("FAILED test_one.py::test_delta_net - assert 3 == 4");
    expect(totals(r.out)).toEqual({ failed: 1, passed: 1, deselected: 3 });
  }, 150_000);

  it("-x stops after the first failure: 'stopping after 1 failures', exit 1", async () => {
    const r = await wsbridge(["test", "--workers", "1", "-x"], OPTIONS);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/!+ stopping after 1 failures !+/);
    expect(totals(r.out)).toEqual({ failed: 1, passed: 1 });
    expect(r.out).not.toContain("test_delta_net");
  }, 150_000);

  it("--maxfail=2 with --durations=3: stops after 2 failures, durations table, exit 1", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--maxfail=2", "--durations", "3"], OPTIONS);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/!+ stopping after 2 failures !+/);
    expect(r.out).toMatch(/=+ slowest 3 durations =+/);
    expect(totals(r.out)).toEqual({ failed: 2, passed: 2 });
    expect(r.out).not.toContain("test_epsilon");
  }, 150_000);

  it("a -k that selects nothing: exit 5 (no tests collected)", async () => {
    const r = await wsbridge(["test", "--workers", "1", "-k", "nothing_matches_this"], OPTIONS);
    expect(r.code, shown(r)).toBe(5);
    expect(r.out).toMatch(/5 deselected/);
  }, 150_000);

  it("an option pytest does not know: pytest's usage error on stderr, exit 4", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--nope"], OPTIONS);
    expect(r.code, shown(r)).toBe(4);
    expect(r.err).toContain("error: unrecognized arguments: --nope");
    expect(r.err).toContain("usage: wsbridge test [options]");
    expect(r.out).toBe("");
  }, 150_000);

  it("collection errors (a syntax error, a missing import): ERROR collecting, Interrupted, exit 2", async () => {
    const dir = project("broken", {
      "test_fine.py": "def test_fine():\n    pass\n",
      "test_syntax.py": "def test_x(:\n    pass\n",
      "test_import.py": "import not_a_module_xyz\n\ndef test_y():\n    pass\n",
    });
    const r = await wsbridge(["test", "--workers", "1"], dir);
    expect(r.code, shown(r)).toBe(2);
    expect(r.out).toMatch(/_+ ERROR collecting test_syntax\.py _+/);
    expect(r.out).toMatch(/_+ ERROR collecting test_import\.py _+/);
    expect(r.out).toContain("SyntaxError");
    expect(r.out).toContain("ModuleNotFoundError: No module named 'not_a_module_xyz'");
    expect(r.out).toMatch(/!+ Interrupted: 2 errors during collection !+/);
    expect(r.out).not.toMatch(/\bpassed\b/);
  }, 150_000);
});

/** pyproject.toml with a src/ layout, conftest.py at two levels, and most of what pytest users write. */
const FEATURES = project("features", {
  "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
  "src/mypkg/__init__.py": "def add(a, b):\n    return a + b\n",
  "conftest.py": `import os
import pytest

@pytest.fixture
def top():
    os.environ["TOP_STATE"] = "set-up"
    yield "top"
    os.environ["TOP_STATE"] = "torn-down"
`,
  "tests/conftest.py": `import pytest

@pytest.fixture
def inner(top):
    return top + "+inner"
`,
  "tests/test_features.py": `import asyncio
import os
import pytest
from mypkg import add
from wsbridge import connect

def test_src_layout_on_pythonpath():
    assert add(2, 3) == 5

def test_conftest_fixtures_two_levels(inner):
    assert inner == "top+inner"
    assert os.environ["TOP_STATE"] == "set-up"

def test_yield_fixture_torn_down():
    assert os.environ["TOP_STATE"] == "torn-down"

@pytest.mark.parametrize("n, square", [(1, 1), (2, 4), (3, 9)])
def test_param(n, square):
    assert n * n == square

@pytest.mark.skip(reason="skipped-on-purpose")
def test_skipped():
    raise AssertionError

@pytest.mark.xfail(reason="known-bug")
def test_xfail():
    assert False

class TestGroup:
    def test_one(self):
        assert True

    def test_two(self):
        assert "a" in "abc"

def test_rewrite():
    assert 2 == 1

async def test_async_fails():
    await asyncio.sleep(0.01)
    assert [1, 2] == [1, 3]

events = []

@pytest.fixture
async def plain_async():
    await asyncio.sleep(0.01)
    return 41

@pytest.fixture
async def yield_async():
    await asyncio.sleep(0.01)
    events.append("setup")
    yield "y"
    await asyncio.sleep(0.01)
    events.append("teardown")

async def test_async_fixtures(plain_async, yield_async):
    await asyncio.sleep(0.01)
    assert plain_async + 1 == 42
    assert yield_async == "y"
    assert events == ["setup"]

def test_async_teardown_ran():
    assert events == ["setup", "teardown"]

async def test_echo_round_trip(ws_server):
    async with connect(ws_server.url("/echo")) as ws:
        await ws.send("ping")
        assert await ws.recv() == "ping"

async def test_page_route_mock(page):
    page.route_web_socket("**/mocked", lambda route: route.on_message(lambda m: route.send("mock:" + m)))
    async with connect("ws://example.test/mocked") as ws:
        await ws.send("hi")
        assert await ws.recv() == "mock:hi"

def divide(route):
    route.on_message(lambda m: 1 / 0)

async def test_handler_error(page):
    page.route_web_socket("**/boom", divide)
    async with connect("ws://example.test/boom") as ws:
        await ws.send("x")
        await asyncio.sleep(0.1)

@pytest.mark.allow_handler_errors
async def test_handler_error_allowed(page):
    page.route_web_socket("**/boom", divide)
    async with connect("ws://example.test/boom") as ws:
        await ws.send("x")
        await asyncio.sleep(0.1)
`,
});

describe("a pytest project: ini, conftest, fixtures, async, wsbridge fixtures, handler errors", () => {
  let r: Run;
  const outcome = (name: string) => new RegExp(`^(\\w+) tests/test_features\\.py::${name.replace(/[[\]]/g, "\\$&")}(?: |$)`, "m").exec(r.out)?.[1];

  it("runs with -rA: pyproject.toml config, every outcome in pytest's summary, exit 1", async () => {
    r = await wsbridge(["test", "--workers", "1", "-rA"], FEATURES);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toContain("configfile: pyproject.toml");
    expect(r.out).toMatch(/=+ PASSES =+/);
    expect(totals(r.out)).toEqual({ failed: 3, passed: 13, skipped: 1, xfailed: 1 });
  }, 150_000);

  it("src/ layout via pythonpath, conftest fixtures at two levels, yield fixture teardown", () => {
    expect(outcome("test_src_layout_on_pythonpath"), shown(r)).toBe("PASSED");
    expect(outcome("test_conftest_fixtures_two_levels")).toBe("PASSED");
    expect(outcome("test_yield_fixture_torn_down")).toBe("PASSED");
  });

  it("parametrize, classes, skip (with its reason) and xfail", () => {
    for (const id of ["test_param[1-1]", "test_param[2-4]", "test_param[3-9]", "TestGroup::test_one", "TestGroup::test_two"]) expect(outcome(id), id).toBe("PASSED");
    expect(r.out).toMatch(/^SKIPPED \[1\] tests\/test_features\.py:\d+: skipped-on-purpose$/m);
    expect(r.out).toMatch(/^XFAIL tests\/test_features\.py::test_xfail - known-bug$/m);
  });

  it("assertion rewriting explains failures, sync and async; no traceback repeated as captured stderr", () => {
    expect(r.out).toMatch(/>\s+assert 2 == 1\nE\s+assert 2 == 1/);
    expect(r.out).toContain("FAILED tests/test_features.py::test_rewrite - assert 2 == 1");
    expect(r.out).toMatch(/E\s+assert \[1, 2\] == \[1, 3\]/);
    expect(r.out).not.toContain("Captured stderr");
  });

  it("async tests and async fixtures (plain and yield, teardown ran)", () => {
    expect(outcome("test_async_fixtures")).toBe("PASSED");
    expect(outcome("test_async_teardown_ran")).toBe("PASSED");
  });

  it("ws_server: a real echo round trip; page: a route_web_socket mock", () => {
    expect(outcome("test_echo_round_trip")).toBe("PASSED");
    expect(outcome("test_page_route_mock")).toBe("PASSED");
  });

  it("a route handler that raises fails its test with the traceback; allow_handler_errors opts out", () => {
    expect(outcome("test_handler_error")).toBe("FAILED");
    const section = r.out.slice(r.out.search(/_+ test_handler_error _+/));
    expect(section).toMatch(/1 exception\(s\) raised outside the test body[\s\S]*route\.on_message\(lambda m: 1 \/ 0\)[\s\S]*ZeroDivisionError: division by zero/);
    expect(outcome("test_handler_error_allowed")).toBe("PASSED");
  });
});

describe("rootdir as pytest finds it", () => {
  it("a path argument under a project whose pyproject.toml has no pytest table: rootdir is the project (its conftest.py runs), cache written there", async () => {
    const dir = project("plainproject", {
      "pyproject.toml": '[project]\nname = "plain"\nversion = "1"\n',
      "mypkg/__init__.py": "VALUE = 1\n",
      "conftest.py": "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n",
      "tests/test_plain.py": "import mypkg\n\ndef test_value():\n    assert mypkg.VALUE == 1\n\ndef test_fails():\n    assert mypkg.VALUE == 2\n",
    });
    const r = await wsbridge(["test", "--workers", "1", "tests"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/rootdir: .*plainproject\nconfigfile: pyproject\.toml/);
    expect(r.out).toContain("FAILED tests/test_plain.py::test_fails");
    expect(totals(r.out)).toEqual({ failed: 1, passed: 1 });
    expect(Object.keys(JSON.parse(readFileSync(join(dir, ".pytest_cache", "v", "cache", "lastfailed"), "utf8")))).toEqual(["tests/test_plain.py::test_fails"]);
  }, 150_000);
});

describe("--timeout", () => {
  it("a hung await fails with a Timeout; a test that blocks the page is reported once, and the rest of its file and the next file run", async () => {
    const dir = project("timeouts", {
      "test_block.py": "def test_before_block():\n    pass\n\ndef test_block():\n    while True:\n        pass\n\ndef test_after_block():\n    pass\n",
      "test_hang.py": "import asyncio\n\nasync def test_hung():\n    await asyncio.sleep(1000)\n\ndef test_after_hang():\n    pass\n",
      "test_other.py": "def test_other_file():\n    pass\n",
    });
    const r = await wsbridge(["test", "--workers", "1", "--timeout", "2", "-v"], dir);
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
    expect(totals(r.out)).toEqual({ failed: 2, passed: 4 });
  }, 150_000);
});

describe("files pytest writes come back to the host", () => {
  const dir = project("lastfailed", {
    "test_lf.py": "def test_ok():\n    pass\n\ndef test_ko():\n    assert 'a' == 'b'\n",
  });

  it("--junitxml: valid XML on the host with the right counts; .pytest_cache written in rootdir", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--junitxml=reports/out.xml"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/generated xml file: .*reports\/out\.xml/);
    const suite = await testsuite(join(dir, "reports", "out.xml"));
    expect(suite.attrs).toMatchObject({ tests: "2", failures: "1", errors: "0", skipped: "0" });
    const cases = suite.children.filter((c) => c.tag === "testcase");
    expect(cases.map((c) => c.attrs.name)).toEqual(["test_ok", "test_ko"]);
    expect(cases[1]!.children.map((c) => c.tag)).toEqual(["failure"]);
    expect(JSON.parse(readFileSync(join(dir, ".pytest_cache", "v", "cache", "lastfailed"), "utf8"))).toEqual({ "test_lf.py::test_ko": true });
  }, 150_000);

  it("--lf then runs only the test that failed", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--lf", "-v"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/run-last-failure: rerun previous 1 failure/);
    expect(r.out).toMatch(/^test_lf\.py::test_ko FAILED/m);
    expect(r.out).not.toContain("test_ok");
    expect(totals(r.out)).toEqual({ failed: 1 });
  }, 150_000);
});

describe("--workers and --shard", () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 5; i++) {
    files[`test_m${i}.py`] = `import pytest\n\ndef test_pass_1():\n    pass\n\ndef test_pass_2():\n    pass\n\ndef test_fail():\n    assert ${i} == 0\n\n` +
      `@pytest.mark.parametrize("x", range(${i}))\ndef test_p(x):\n    assert x >= 0\n`;
  }
  const dir = project("many", files);
  let sequential: Record<string, number>;

  it("sequential (--workers 1) run of a generated multi-file suite", async () => {
    const r = await wsbridge(["test", "--workers", "1", "-q"], dir);
    expect(r.code, shown(r)).toBe(1);
    sequential = totals(r.out);
    expect(sequential).toEqual({ failed: 5, passed: 25 });
  }, 150_000);

  it("--workers 2: same totals, every test reported once, one JUnit file", async () => {
    const r = await wsbridge(["test", "--workers", "2", "-v", "--junitxml", "w.xml"], dir);
    expect(r.code, shown(r)).toBe(1);
    expect(totals(r.out)).toEqual(sequential);
    const reported = r.out.split("\n").filter((l) => /^test_m\d\.py::\S+ (PASSED|FAILED)/.test(l)).map((l) => l.split(" ")[0]);
    expect(reported).toHaveLength(30);
    expect(new Set(reported).size).toBe(30);
    const suite = await testsuite(join(dir, "w.xml"));
    expect(suite.attrs).toMatchObject({ tests: "30", failures: "5" });
  }, 150_000);

  it("--shard 1/2 and --shard 2/2 split the files; their totals add up to the sequential run", async () => {
    const one = await wsbridge(["test", "--workers", "1", "-q", "--shard", "1/2"], dir);
    const two = await wsbridge(["test", "--workers", "1", "-q", "--shard", "2/2"], dir);
    expect(one.code, shown(one)).toBe(1);
    expect(two.code, shown(two)).toBe(1);
    const [a, b] = [totals(one.out), totals(two.out)];
    expect(a.passed! > 0 && b.passed! > 0).toBe(true);
    expect({ failed: a.failed! + b.failed!, passed: a.passed! + b.passed! }).toEqual(sequential);
    expect(a.deselected! + b.deselected!).toBe(30);
  }, 150_000);
});

describe("the page's packages: --requirements and --wheels", () => {
  // A fresh cache (holding only the locked pytest wheels), so pip really resolves the requirements here.
  const cache = mkdtempSync(join(root, "cache-"));
  mkdirSync(join(cache, "wheels"));
  for (const file of ensureLockedWheels(process.env)) copyFileSync(file, join(cache, "wheels", basename(file)));
  const dir = project("packages", {
    // Through -r, relative to the requirements file: pip reads a copy in the cache, so the path must be made absolute.
    "requirements-page.txt": "-r reqs/web.txt\n",
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
  });
  // A hand-built pure wheel: a module and its dist-info, zipped by Python's zipfile.
  mkdirSync(join(dir, "wheels"));
  const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("tinymod.py", "VALUE = 42\\n")
    z.writestr("tinymod-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: tinymod\\nVersion: 1.0\\n")
    z.writestr("tinymod-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("tinymod-1.0.dist-info/RECORD", "")`;

  it("--requirements (Starlette, named through -r, through asgi(app) as a route mock) and --wheels DIR (a hand-built wheel)", async () => {
    await new Promise<void>((ok, fail) => execFile("python3", ["-c", script, join(dir, "wheels", "tinymod-1.0-py3-none-any.whl")], (e) => (e ? fail(e) : ok())));
    const r = await wsbridge(["test", "--workers", "1", "-v", "--requirements", "requirements-page.txt", "--wheels", "wheels"], dir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(0);
    expect(r.out).toMatch(/^test_starlette\.py::test_starlette_app_as_route_mock PASSED/m);
    expect(r.out).toMatch(/^test_tiny\.py::test_tiny_wheel PASSED/m);
    expect(totals(r.out)).toEqual({ passed: 2 });
  }, 150_000);

  it("a requirement pip cannot find: one line naming it, exit 4", async () => {
    const r = await wsbridge(["test", "--workers", "1", "--requirements", "missing.txt"], dir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trimEnd().split("\n"), r.err).toEqual([expect.stringMatching(/^wsbridge test: --requirements .*missing\.txt: .*definitely-not-a-package-xyz-123/)]);
    expect(r.out).toBe("");
  }, 150_000);
});

describe("bad input: one line on stderr, exit 4, no browser left running", () => {
  it.each([
    [["--workers", "0"], /^wsbridge test: --workers needs a whole number of at least 1, got "0"/],
    [["--shard", "3/2"], /^wsbridge test: --shard 3\/2: INDEX must be between 1 and TOTAL \(2\)/],
    [["--timeout", "abc"], /^wsbridge test: --timeout needs a number of seconds above 0, got "abc"/],
    [["--browser-path", "/nope"], /^wsbridge test: No Chromium at \/nope \(--browser-path\)/],
  ])("%j", async (args, message) => {
    const r = await wsbridge(["test", ...args], OPTIONS);
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trimEnd().split("\n"), r.err).toEqual([expect.stringMatching(message)]);
    expect(r.out).toBe("");
  }, 60_000);

  it("a locked page wheel missing from an empty cache and pip failing: the error line names the wheel, exit 4", async () => {
    const empty = mkdtempSync(join(root, "empty-cache-"));
    const r = await wsbridge(["test", "--workers", "1"], OPTIONS, { WSBRIDGE_CACHE: empty, WSBRIDGE_PYTHON: "/bin/false" });
    expect(r.code, shown(r)).toBe(4);
    const pytestWheel = lockedWheels().find((w) => w.name === "pytest")!.file;
    const errors = r.err.trimEnd().split("\n").filter((l) => l.startsWith("wsbridge test:"));
    expect(errors, r.err).toEqual([expect.stringContaining(`the page wheel ${pytestWheel} is not in ${join(empty, "wheels")}`)]);
    expect(r.out).toBe("");
    expect(existsSync(join(empty, "wheels", pytestWheel))).toBe(false);
  }, 60_000);
});
