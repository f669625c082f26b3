// `wsbridge test` end to end: the real CLI in a child process runs real pytest in real headless Chromium with real
// Pyodide, on temp projects written here. Every run starts Chromium and loads pages (~10 s), so one project
// exercises several features and several `it`s read one run's output: each run starts once, on first use, and
// its result is shared (running a single `it` alone still starts the run it needs).
// runner-runs.test.ts holds the runs of timeouts, workers and shards, page packages and bad input (two files, so
// vitest's two lanes share the runs).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness, once, shown, testsuite, totals, wsbridge, type Run } from "./_runner-cli.js";

const { project } = cliHarness();

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
  // -k, -v, --maxfail and --durations in one run.
  const verbose = once(() => wsbridge(["test", "--workers", "1", "-v", "-k", "not gamma", "--maxfail=2", "--durations", "3"], OPTIONS));
  // -q, -m (markers registered in pytest.ini: no warning in the totals) and -x in one run.
  const quiet = once(() => wsbridge(["test", "--workers", "1", "-q", "-m", "not slow", "-x"], OPTIONS));

  it("-v: pytest's header (platform, rootdir, configfile pytest.ini) and verbose lines", async () => {
    const r = await verbose();
    expect(r.out, shown(r)).toMatch(/=+ test session starts =+/);
    expect(r.out).toContain("platform emscripten");
    expect(r.out).toMatch(/rootdir: .*options\nconfigfile: pytest.ini/);
    expect(r.out).toMatch(/^test_one\.py::test_alpha PASSED/m);
    expect(r.out).toMatch(/^test_one\.py::test_beta FAILED/m);
  }, 150_000);

  it("-k: only the selected tests run, the others are deselected", async () => {
    const r = await verbose();
    expect(r.out, shown(r)).not.toContain("test_gamma_slow");
    expect(r.out).toMatch(/=+ 2 failed, 1 passed, 1 deselected in [\d.]+s =+\n$/);
  }, 150_000);

  it("--maxfail=2 with --durations=3: stops after 2 failures, durations table, exit 1", async () => {
    const r = await verbose();
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/!+ stopping after 2 failures !+/);
    expect(r.out).toMatch(/=+ slowest 3 durations =+/);
    expect(totals(r.out)).toEqual({ failed: 2, passed: 1, deselected: 1 });
    expect(r.out).not.toContain("test_epsilon");
  }, 150_000);

  it("-m with markers registered in pytest.ini, -q: no header, failures shown, exit 1", async () => {
    const r = await quiet();
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).not.toContain("test session starts");
    expect(r.out).toContain("FAILED test_one.py::test_beta - assert 1 == 2");
    expect(r.out).not.toContain("test_gamma_slow");
  }, 150_000);

  it("-x stops after the first failure: 'stopping after 1 failures', exit 1", async () => {
    const r = await quiet();
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/!+ stopping after 1 failures !+/);
    expect(totals(r.out)).toEqual({ failed: 1, passed: 1, deselected: 1 });
    expect(r.out).not.toContain("test_delta_net");
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

/**
 * pyproject.toml with a src/ layout, conftest.py at two levels, and most of what pytest users write; handler and
 * task errors; dot-files that must stay out of the page.
 */
const FEATURES = project("features", {
  "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
  "src/mypkg/__init__.py": "def add(a, b):\n    return a + b\n",
  ".env": "SECRET=1\n",
  ".npmrc": "//registry/:_authToken=x\n",
  "helper.py": "VALUE = 42\n",
  "test_files.py": `import os
from helper import VALUE

def test_mirror():
    here = os.path.dirname(__file__)
    assert VALUE == 42
    assert os.path.exists(os.path.join(here, "helper.py"))
    assert not os.path.exists(os.path.join(here, ".env"))
    assert not os.path.exists(os.path.join(here, ".npmrc"))
`,
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
  "tests/test_hidden.py": `import asyncio
import pytest
from wsbridge import WebSocket

async def test_socket_handler_raises(ws_server):
    done = asyncio.get_running_loop().create_future()
    def onmessage(e):
        raise KeyError('from onmessage')
    ws = WebSocket(ws_server.url('/echo'), onopen=lambda e: ws.send('x'), onmessage=onmessage, onclose=lambda e: done.set_result(1))
    await asyncio.sleep(0.5)
    ws.close()
    await done

async def test_task_left_behind_raises():
    async def boom():
        raise ValueError('from a task')
    asyncio.ensure_future(boom())
    await asyncio.sleep(0.05)

@pytest.mark.allow_handler_errors
async def test_allowed():
    async def boom():
        raise ValueError('expected here')
    asyncio.ensure_future(boom())
    await asyncio.sleep(0.05)
`,
});

describe("a pytest project: ini, conftest, fixtures, async, wsbridge fixtures, handler errors", () => {
  const run = once(() => wsbridge(["test", "--workers", "1", "-rA"], FEATURES));
  const outcome = (r: Run, name: string, file = "tests/test_features.py") => new RegExp(`^(\\w+) ${file.replace(/\./g, "\\.")}::${name.replace(/[[\]]/g, "\\$&")}(?: |$)`, "m").exec(r.out)?.[1];

  it("runs with -rA: pyproject.toml config, every outcome in pytest's summary, exit 1", async () => {
    const r = await run();
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toContain("configfile: pyproject.toml");
    expect(r.out).toMatch(/=+ PASSES =+/);
    expect(totals(r.out)).toEqual({ failed: 5, passed: 15, skipped: 1, xfailed: 1 });
  }, 150_000);

  it("src/ layout via pythonpath, conftest fixtures at two levels, yield fixture teardown", async () => {
    const r = await run();
    expect(outcome(r, "test_src_layout_on_pythonpath"), shown(r)).toBe("PASSED");
    expect(outcome(r, "test_conftest_fixtures_two_levels")).toBe("PASSED");
    expect(outcome(r, "test_yield_fixture_torn_down")).toBe("PASSED");
  }, 150_000);

  it("parametrize, classes, skip (with its reason) and xfail", async () => {
    const r = await run();
    for (const id of ["test_param[1-1]", "test_param[2-4]", "test_param[3-9]", "TestGroup::test_one", "TestGroup::test_two"]) expect(outcome(r, id), id).toBe("PASSED");
    expect(r.out).toMatch(/^SKIPPED \[1\] tests\/test_features\.py:\d+: skipped-on-purpose$/m);
    expect(r.out).toMatch(/^XFAIL tests\/test_features\.py::test_xfail - known-bug$/m);
  }, 150_000);

  it("assertion rewriting explains failures, sync and async; no traceback repeated as captured stderr", async () => {
    const r = await run();
    expect(r.out).toMatch(/>\s+assert 2 == 1\nE\s+assert 2 == 1/);
    expect(r.out).toContain("FAILED tests/test_features.py::test_rewrite - assert 2 == 1");
    expect(r.out).toMatch(/E\s+assert \[1, 2\] == \[1, 3\]/);
    expect(r.out).not.toContain("Captured stderr");
  }, 150_000);

  it("async tests and async fixtures (plain and yield, teardown ran)", async () => {
    const r = await run();
    expect(outcome(r, "test_async_fixtures")).toBe("PASSED");
    expect(outcome(r, "test_async_teardown_ran")).toBe("PASSED");
  }, 150_000);

  it("ws_server: a real echo round trip; page: a route_web_socket mock", async () => {
    const r = await run();
    expect(outcome(r, "test_echo_round_trip")).toBe("PASSED");
    expect(outcome(r, "test_page_route_mock")).toBe("PASSED");
  }, 150_000);

  it("a route handler that raises fails its test with the traceback; allow_handler_errors opts out", async () => {
    const r = await run();
    expect(outcome(r, "test_handler_error")).toBe("FAILED");
    const section = r.out.slice(r.out.search(/_+ test_handler_error _+/));
    expect(section).toMatch(/1 exception\(s\) raised outside the test body[\s\S]*route\.on_message\(lambda m: 1 \/ 0\)[\s\S]*ZeroDivisionError: division by zero/);
    expect(outcome(r, "test_handler_error_allowed")).toBe("PASSED");
  }, 150_000);

  it("an exception in a socket handler or in a task the test left behind fails that test, with the traceback", async () => {
    const r = await run();
    expect(r.out).toMatch(/KeyError: 'from onmessage'/);
    expect(r.out).toMatch(/ValueError: from a task/);
    expect(r.out).not.toMatch(/ValueError: expected here/);
    expect(outcome(r, "test_socket_handler_raises", "tests/test_hidden.py")).toBe("FAILED");
    expect(outcome(r, "test_task_left_behind_raises", "tests/test_hidden.py")).toBe("FAILED");
    expect(outcome(r, "test_allowed", "tests/test_hidden.py")).toBe("PASSED");
  }, 150_000);

  it("dot-files of the project (.env, .npmrc) are not copied into the page; its other files are", async () => {
    const r = await run();
    expect(outcome(r, "test_mirror", "test_files.py"), shown(r)).toBe("PASSED");
    expect(existsSync(join(FEATURES, ".env"))).toBe(true);
  }, 150_000);
});

/** A project whose pyproject.toml has no pytest table, run with a path argument, -o, --junitxml; then --lf. */
const PLAIN = project("plainproject", {
  "pyproject.toml": '[project]\nname = "plain"\nversion = "1"\n',
  "mypkg/__init__.py": "VALUE = 1\n",
  "conftest.py": "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\n",
  "tests/test_plain.py": "import mypkg\n\ndef test_value():\n    assert mypkg.VALUE == 1\n\ndef test_fails():\n    assert mypkg.VALUE == 2\n",
  "tests/test_loud.py": `def test_loud():\n    print("x" * 200_000)\n    assert False\n`,
});

describe("rootdir, files pytest writes, --lf", () => {
  const first = once(() => wsbridge(["test", "--workers", "1", "-o", "junit_logging=all", "--junitxml=reports/out.xml", "tests"], PLAIN, { WSBRIDGE_TIMINGS: "1" }));
  // After the first run: it reads the cache that run wrote.
  const again = once(async () => { await first(); return wsbridge(["test", "--workers", "1", "--lf", "-v", "tests"], PLAIN); });

  it("a path argument under a project whose pyproject.toml has no pytest table: rootdir is the project (its conftest.py runs), cache written there", async () => {
    const r = await first();
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/rootdir: .*plainproject\nconfigfile: pyproject\.toml/);
    expect(r.out).toContain("FAILED tests/test_plain.py::test_fails");
    expect(totals(r.out)).toEqual({ failed: 2, passed: 1 });
    expect(JSON.parse(readFileSync(join(PLAIN, ".pytest_cache", "v", "cache", "lastfailed"), "utf8"))).toEqual({
      "tests/test_loud.py::test_loud": true,
      "tests/test_plain.py::test_fails": true,
    });
  }, 150_000);

  it("--junitxml: valid XML on the host with the right counts", async () => {
    const r = await first();
    expect(r.out, shown(r)).toMatch(/generated xml file: .*reports\/out\.xml/);
    const suite = await testsuite(join(PLAIN, "reports", "out.xml"));
    expect(suite.attrs).toMatchObject({ tests: "3", failures: "2", errors: "0", skipped: "0" });
    const cases = suite.children.filter((c) => c.tag === "testcase");
    expect(cases.map((c) => c.attrs.name)).toEqual(["test_loud", "test_value", "test_fails"]);
    expect(cases.map((c) => c.children.filter((e) => e.tag === "failure").length)).toEqual([1, 0, 1]);
  }, 150_000);

  it("the JUnit suite time is the wall time (page start-up included); captured output is cut with a note", async () => {
    const r = await first();
    const xml = readFileSync(join(PLAIN, "reports", "out.xml"), "utf8");
    const time = Number(/<testsuite [^>]*time="([\d.]+)"/.exec(xml)?.[1]);
    const longest = Math.max(...r.out.split("\n").map((l) => l.length));
    // Both the JUnit time and pytest's summary time are the command's wall time, page load included, and neither is
    // more than the command took. They are taken at different moments in two processes (the summary in the page before
    // the output and the JUnit file reach Node), so neither is bound to be the larger.
    const pytestTime = Number(/in ([\d.]+)s/.exec(r.out)?.[1]);
    const ready = Number(/controller page ready in (\d+) ms/.exec(r.err)?.[1]);
    expect(ready, shown(r)).toBeGreaterThan(0);
    for (const seconds of [time, pytestTime]) {
      expect(seconds * 1000).toBeGreaterThan(ready);
      expect(seconds * 1000).toBeLessThanOrEqual(r.ms + 10);
    }
    expect(time * 1000).toBeLessThanOrEqual(r.ms);
    expect(xml).toMatch(/wsbridge cut \d+ characters of captured output/);
    expect(r.out).toMatch(/wsbridge cut \d+ characters of captured output/);
    expect(longest).toBeLessThan(100_000);
  }, 150_000);

  it("--lf then runs only the tests that failed", async () => {
    const r = await again();
    expect(r.code, shown(r)).toBe(1);
    expect(r.out).toMatch(/run-last-failure: rerun previous 2 failures/);
    expect(r.out).toMatch(/^tests\/test_plain\.py::test_fails FAILED/m);
    expect(r.out).toMatch(/^tests\/test_loud\.py::test_loud FAILED/m);
    expect(r.out).not.toContain("test_value");
    expect(totals(r.out)).toEqual({ failed: 2 });
  }, 150_000);
});
