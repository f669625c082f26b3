// Pure logic of `wsbridge test` (no browser): argument parsing, rootdir detection as pytest does it, mirroring the
// project, [tool.wsbridge] settings, node ids and the JUnit path (requirements: requirements.test.ts).
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_LOAD_TIMEOUT_S, DEFAULT_TIMEOUT_S, parseShard, parseTestArgs, UsageError } from "../../src/cli/args.js";
import { commonAncestor, findRootdir, globToRegExp, iniNorecursedirs, mirrorFolder, MIRROR_LIMITS, wsbridgeSettings, type Mirror } from "../../src/cli/project.js";
import { junitPath, localIsoTime, nodeIdOf, withRunTimes } from "../../src/cli/runner.js";
import { pyString } from "../../src/cli/page.js";

const tmp = realpathSync(mkdtempSync(join(tmpdir(), "wsbridge-cli-logic-")));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `files` under a new folder of the temp root; returns its path. */
function tree(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

describe("parseTestArgs", () => {
  it("--pyscript is wsbridge's flag, not pytest's, and takes no value", () => {
    const options = parseTestArgs(["--pyscript", "tests/", "-q"]);
    expect(options.pyscript).toBe(true);
    expect(options.pytestArgs).toEqual(["tests/", "-q"]);
    expect(parseTestArgs([]).pyscript).toBeUndefined();
  });

  it("--headed is wsbridge's flag; --slowmo takes whole milliseconds; --pdb stays pytest's", () => {
    const options = parseTestArgs(["--headed", "--slowmo", "250", "--pdb", "tests/"]);
    expect([options.headed, options.slowMo]).toEqual([true, 250]);
    expect(options.pytestArgs).toEqual(["--pdb", "tests/"]);
    expect(parseTestArgs(["--slowmo=0"]).slowMo).toBe(0);
    expect(() => parseTestArgs(["--slowmo", "abc"])).toThrow(/--slowmo needs a whole number of at least 0, got "abc"/);
    expect(() => parseTestArgs(["--slowmo", "1.5"])).toThrow(/--slowmo needs a whole number/);
  });

  it("--workers takes a number or auto (the cores); unset, one page runs the tests", () => {
    expect(parseTestArgs(["--workers", "auto"]).workers).toBe("auto");
    expect(parseTestArgs(["--workers=3"]).workers).toBe(3);
    expect(parseTestArgs([]).workers).toBeUndefined();
  });

  it("pytest-xdist's process options are answered at once, naming --workers", () => {
    for (const argv of [["-n", "2"], ["-n2"], ["-nauto"], ["--numprocesses=4"], ["--dist", "load"]]) {
      expect(() => parseTestArgs(argv), argv.join(" ")).toThrow(UsageError);
      expect(() => parseTestArgs(argv)).toThrow(/pytest-xdist's option.*--workers N/);
    }
    // Not xdist's: pytest's own options and values that look alike stay pytest's.
    expect(parseTestArgs(["-k", "-n2"]).pytestArgs).toEqual(["-k", "-n2"]);
    expect(parseTestArgs(["--nf"]).pytestArgs).toEqual(["--nf"]);
  });

  it("defaults", () => {
    expect(parseTestArgs([])).toEqual({ pytestArgs: [], paths: [], optionArgs: [], timeout: DEFAULT_TIMEOUT_S, loadTimeout: DEFAULT_LOAD_TIMEOUT_S, help: false, watch: false, browser: "chromium" });
    expect(DEFAULT_TIMEOUT_S).toBe(30);
  });

  it("--browser takes chromium or firefox; anything else is a usage error naming both", () => {
    expect(parseTestArgs(["--browser", "firefox", "tests"]).browser).toBe("firefox");
    expect(parseTestArgs(["--browser=chromium"]).browser).toBe("chromium");
    expect(parseTestArgs(["--browser", "firefox", "tests"]).pytestArgs).toEqual(["tests"]);
    expect(() => parseTestArgs(["--browser", "safari"])).toThrow(new UsageError('--browser needs one of chromium, firefox, got "safari"'));
    expect(() => parseTestArgs(["--browser"])).toThrow(UsageError);
  });

  it("takes wsbridge's options anywhere (--opt value and --opt=value) and leaves the rest to pytest in order", () => {
    const o = parseTestArgs(["-k", "a and b", "tests", "--timeout", "1.5", "-v", "--workers=2", "--shard", "1/3", "x.py::t", "--requirements", "req.txt", "--wheels=w", "--pyodide-index", "http://i/", "--load-timeout", "60", "--browser-path", "/c"]);
    expect(o.pytestArgs).toEqual(["-k", "a and b", "tests", "-v", "x.py::t"]);
    expect(o.paths).toEqual(["tests", "x.py::t"]);
    expect(o.optionArgs).toEqual(["-k", "a and b", "-v"]);
    expect(o).toMatchObject({ timeout: 1.5, workers: 2, shard: [1, 3], requirements: "req.txt", wheels: "w", pyodideIndex: "http://i/", loadTimeout: 60, browserPath: "/c" });
  });

  it("a pytest option's separate value is not taken for a path; attached values and -- work", () => {
    const o = parseTestArgs(["-m", "slow", "--maxfail", "2", "-p", "no:cacheprovider", "--junitxml", "out.xml", "-kfoo", "-rA", "--durations=3", "dir"]);
    expect(o.paths).toEqual(["dir"]);
    expect(o.optionArgs).toEqual(["-m", "slow", "--maxfail", "2", "-p", "no:cacheprovider", "--junitxml", "out.xml", "-kfoo", "-rA", "--durations=3"]);
    const rest = parseTestArgs(["-x", "--", "-odd-name.py", "--timeout"]);
    expect(rest.paths).toEqual(["-odd-name.py", "--timeout"]);
    expect(rest.pytestArgs).toEqual(["-x", "-odd-name.py", "--timeout"]);
    expect(rest.timeout).toBe(DEFAULT_TIMEOUT_S);
  });

  it("-h/--help", () => {
    expect(parseTestArgs(["-h"]).help).toBe(true);
    expect(parseTestArgs(["tests", "--help"]).help).toBe(true);
  });

  it.each([
    [["--timeout"], /--timeout needs a value/],
    [["--timeout="], /--timeout needs a value/],
    [["--timeout", "abc"], /--timeout needs a number of seconds above 0, got "abc"/],
    [["--timeout", "0"], /above 0/],
    [["--timeout=-5"], /above 0/],
    [["--load-timeout", "soon"], /--load-timeout needs a number of seconds/],
    [["--workers", "0"], /--workers needs a whole number of at least 1, got "0"/],
    [["--workers", "1.5"], /whole number/],
    [["--workers"], /--workers needs a value/],
    [["--shard", "3/2"], /INDEX must be between 1 and TOTAL \(2\)/],
    [["--shard", "0/2"], /INDEX must be between 1 and TOTAL/],
    [["--shard", "1-2"], /--shard needs INDEX\/TOTAL/],
  ])("rejects %j with a UsageError", (argv, message) => {
    expect(() => parseTestArgs(argv)).toThrow(UsageError);
    expect(() => parseTestArgs(argv)).toThrow(message);
  });
});

describe("withRunTimes (the JUnit file's testsuite)", () => {
  const xml = '<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="0.770" timestamp="2026-11-28T01:44:06.087000+00:00" hostname="emscripten"><testcase name="t" time="0.001" /></testsuite></testsuites>';

  it("time: the run's wall time; timestamp: when the run started, not when the controller's session did", () => {
    const started = Date.UTC(2026, 10, 28, 1, 43, 50, 5);
    const out = withRunTimes(xml, started, 23.8412);
    expect(out).toMatch(/<testsuite [^>]* time="23\.841" /);
    const stamp = /timestamp="([^"]+)"/.exec(out)![1]!;
    expect(stamp).toBe(localIsoTime(new Date(started)));
    expect(Date.parse(stamp)).toBe(started);
    expect(out).toMatch(/<testcase name="t" time="0\.001" \/>/); // test cases keep their own times
  });

  it("localIsoTime: Python's astimezone().isoformat(): local time, microseconds, offset", () => {
    expect(localIsoTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
  });
});

describe("parseShard", () => {
  it("i/n with 1 <= i <= n", () => {
    expect(parseShard("1/1")).toEqual([1, 1]);
    expect(parseShard("2/5")).toEqual([2, 5]);
    expect(() => parseShard("1/0")).toThrow(UsageError);
    expect(() => parseShard("a/b")).toThrow(UsageError);
    expect(() => parseShard("6/5")).toThrow(UsageError);
  });
});

describe("commonAncestor", () => {
  it("the deepest shared folder, by whole path segments", () => {
    expect(commonAncestor(["/a/b/c", "/a/b/d/e"])).toBe("/a/b");
    expect(commonAncestor(["/a/bc", "/a/bd"])).toBe("/a");
    expect(commonAncestor(["/a/b"])).toBe("/a/b");
    expect(commonAncestor(["/x", "/y"])).toBe("/");
  });
});

describe("findRootdir (as pytest's determine_setup)", () => {
  it("the first folder upward with pytest.ini, from the arguments' common ancestor", () => {
    const dir = tree("ini", { "pytest.ini": "[pytest]\n", "tests/a/test_a.py": "", "tests/b/test_b.py": "" });
    expect(findRootdir(["tests/a", "tests/b/test_b.py::test_x"], dir)).toEqual({ rootdir: dir, inifile: join(dir, "pytest.ini") });
    expect(findRootdir([], join(dir, "tests"))).toEqual({ rootdir: dir, inifile: join(dir, "pytest.ini") });
  });

  it("pyproject.toml counts with [tool.pytest.ini_options]; tox.ini with [pytest]; setup.cfg with [tool:pytest]; pytest.toml always", () => {
    const a = tree("pyproject", { "pyproject.toml": "[project]\nname='x'\n\n[tool.pytest.ini_options]\naddopts='-q'\n", "t/test_x.py": "" });
    expect(findRootdir(["t"], a)).toEqual({ rootdir: a, inifile: join(a, "pyproject.toml") });
    const b = tree("tox", { "tox.ini": "[tox]\n[pytest]\n", "sub/x/test_x.py": "" });
    expect(findRootdir(["sub/x"], b)).toEqual({ rootdir: b, inifile: join(b, "tox.ini") });
    const c = tree("setupcfg", { "setup.cfg": "[tool:pytest]\n", "x/test_x.py": "" });
    expect(findRootdir(["x"], c).rootdir).toBe(c);
    const d = tree("pytesttoml", { "pytest.toml": "", "x/test_x.py": "" });
    expect(findRootdir(["x"], d).inifile).toBe(join(d, "pytest.toml"));
  });

  it("an ini file without a pytest section is passed over for one further up", () => {
    const dir = tree("nested", { "pytest.ini": "[pytest]\n", "pkg/tox.ini": "[tox]\n", "pkg/setup.cfg": "[metadata]\n", "pkg/tests/test_x.py": "" });
    expect(findRootdir(["pkg/tests"], dir)).toEqual({ rootdir: dir, inifile: join(dir, "pytest.ini") });
  });

  it("no ini file anywhere: a pyproject.toml without a pytest table is taken (pytest >= 8.1)", () => {
    const dir = tree("plainproject", { "pyproject.toml": "[project]\nname = 'x'\n", "tests/test_x.py": "" });
    expect(findRootdir(["tests"], dir)).toEqual({ rootdir: dir, inifile: join(dir, "pyproject.toml") });
    expect(findRootdir(["tests"], join(dir, "tests"))).toEqual({ rootdir: dir, inifile: join(dir, "pyproject.toml") });
  });

  it("no config file: the folder with setup.py, else the common ancestor of the working folder and the arguments", () => {
    const a = tree("setuppy", { "setup.py": "", "tests/deep/test_x.py": "" });
    expect(findRootdir(["tests/deep"], a)).toEqual({ rootdir: a });
    const b = tree("bare", { "tests/deep/test_x.py": "", "other/x.txt": "" });
    expect(findRootdir(["tests/deep"], b)).toEqual({ rootdir: b });
    expect(findRootdir(["../tests/deep"], join(b, "other"))).toEqual({ rootdir: b });
    expect(findRootdir([], join(b, "tests"))).toEqual({ rootdir: join(b, "tests") });
  });

  it("arguments that do not exist (or are options) do not move the rootdir", () => {
    const dir = tree("missing", { "pytest.ini": "[pytest]\n" });
    expect(findRootdir(["nope/test_x.py", "-v"], dir).rootdir).toBe(dir);
  });
});

describe("mirrorFolder", () => {
  const paths = (mirror: Mirror) => mirror.entries.filter((e) => e.data).map((e) => e.path).sort();
  const bytesAt = (mirror: Mirror, path: string) => Buffer.from(mirror.entries.find((e) => e.path === path)!.data!);

  it("copies every file byte-exact at its absolute path, skipping only what cannot be code (and secrets such as .env)", () => {
    const dir = tree("mirror", {
      "test_a.py": "x = 1\n",
      "data/a.har": "{}",
      "blob.bin": Buffer.from([1, 0, 2]),
      "latin1.txt": Buffer.from([0x63, 0x61, 0x66, 0xe9]),
      "build/__init__.py": "B = 1\n",
      "dist/x.py": "",
      "venv/y.py": "",
      "node_modules/pkg/x.py": "",
      "__pycache__/x.pyc": "",
      ".venv/lib/x.py": "",
      ".git/config": "",
      ".coveragerc": "[run]\n",
      ".env": "SECRET=1",
      ".pytest_cache/v/cache/lastfailed": "{}",
    });
    const mirror = mirrorFolder(dir);
    expect(paths(mirror)).toEqual([".coveragerc", "blob.bin", "build/__init__.py", "data/a.har", "dist/x.py", "latin1.txt", "test_a.py", "venv/y.py"].map((p) => `${dir}/${p}`));
    expect([...bytesAt(mirror, `${dir}/blob.bin`)]).toEqual([1, 0, 2]);
    expect([...bytesAt(mirror, `${dir}/latin1.txt`)]).toEqual([0x63, 0x61, 0x66, 0xe9]);
    expect(mirror.leftOut).toBe("");
  });

  it("withCache adds .pytest_cache", () => {
    const dir = join(tmp, "mirror");
    expect(paths(mirrorFolder(dir, { withCache: true }))).toContain(`${dir}/.pytest_cache/v/cache/lastfailed`);
  });

  it("leaves out virtualenvs and norecursedirs folders, and says so", () => {
    const dir = tree("mirror-venv", { "env/pyvenv.cfg": "home = /usr\n", "env/lib/x.py": "", "docs/_build/x.py": "", "tests/test_b.py": "" });
    const mirror = mirrorFolder(dir, { norecursedirs: ["_b*"] });
    expect(paths(mirror)).toEqual([`${dir}/tests/test_b.py`]);
    expect(mirror.leftOut).toBe("docs/_build/ (norecursedirs); env/ (a virtualenv)");
  });

  it("a limit that is reached is reported", () => {
    const dir = tree("mirror-big", { "big.dat": Buffer.alloc(MIRROR_LIMITS.maxFileBytes + 1), "ok.py": "" });
    const mirror = mirrorFolder(dir);
    expect(paths(mirror)).toEqual([`${dir}/ok.py`]);
    expect(mirror.leftOut).toMatch(/^1 file over 64 MiB \(big\.dat\)$/);
  });

  it("follows symlinks that stay inside the folder, not those that leave it", () => {
    const outside = tree("outside", { "secret.py": "s = 1\n" });
    const dir = tree("links", { "real/test_r.py": "r = 1\n" });
    symlinkSync(join(dir, "real"), join(dir, "inner"));
    symlinkSync(outside, join(dir, "escape"));
    expect(paths(mirrorFolder(dir))).toEqual([`${dir}/inner/test_r.py`, `${dir}/real/test_r.py`]);
  });
});

describe("iniNorecursedirs", () => {
  it("reads the option from pytest.ini and from pyproject.toml (string or array), nothing when unset", () => {
    const dir = tree("norecurse", {
      "pytest.ini": "[pytest]\nnorecursedirs = .* _build\n  fixtures\n",
      "pyproject.toml": "[tool.pytest.ini_options]\nnorecursedirs = [\"a\", 'b*']\n",
      "other/pyproject.toml": "[tool.pytest.ini_options]\nnorecursedirs = \"x y\"\n",
      "none/pytest.ini": "[pytest]\n",
    });
    expect(iniNorecursedirs(join(dir, "pytest.ini"))).toEqual([".*", "_build", "fixtures"]);
    expect(iniNorecursedirs(join(dir, "pyproject.toml"))).toEqual(["a", "b*"]);
    expect(iniNorecursedirs(join(dir, "other/pyproject.toml"))).toEqual(["x", "y"]);
    expect(iniNorecursedirs(join(dir, "none/pytest.ini"))).toBeUndefined();
    expect(globToRegExp("b*").test("build")).toBe(true);
    expect(globToRegExp("[!a]x").test("ax")).toBe(false);
  });
});

describe("wsbridgeSettings", () => {
  it("reads [tool.wsbridge] from pyproject.toml, paths relative to it, URLs as they are", () => {
    const dir = tree("settings", {
      "pyproject.toml": `[tool.pytest.ini_options]\naddopts = "-q"\n\n[tool.wsbridge]\nrequirements = "requirements-page.txt"  # comment\nwheels = '/abs/wheels'\npyodide-index = "https://cdn.example/pyodide/"\n\n[tool.other]\nrequirements = "no"\n`,
    });
    expect(wsbridgeSettings(join(dir, "pyproject.toml"))).toEqual({
      requirements: join(dir, "requirements-page.txt"),
      wheels: "/abs/wheels",
      pyodideIndex: "https://cdn.example/pyodide/",
    });
  });

  it("pyscript: true, or the PyScript config's path relative to pyproject.toml", () => {
    const on = tree("settings-pyscript-on", { "pyproject.toml": `[tool.wsbridge]\npyscript = true  # PyScript pages\n` });
    const named = tree("settings-pyscript-path", { "pyproject.toml": `[tool.wsbridge]\npyscript = "web/pyscript.toml"\n` });
    const off = tree("settings-pyscript-off", { "pyproject.toml": `[tool.wsbridge]\npyscript = false\n` });
    expect(wsbridgeSettings(join(on, "pyproject.toml")).pyscript).toBe(true);
    expect(wsbridgeSettings(join(named, "pyproject.toml")).pyscript).toBe(join(named, "web/pyscript.toml"));
    expect(wsbridgeSettings(join(off, "pyproject.toml")).pyscript).toBeUndefined();
  });

  it("nothing without the section, for other ini files, or without an ini file", () => {
    const dir = tree("nosettings", { "pyproject.toml": "[tool.pytest.ini_options]\n", "pytest.ini": "[pytest]\n" });
    expect(wsbridgeSettings(join(dir, "pyproject.toml"))).toEqual({ requirements: undefined, wheels: undefined, pyodideIndex: undefined });
    expect(wsbridgeSettings(join(dir, "pytest.ini"))).toEqual({});
    expect(wsbridgeSettings(undefined)).toEqual({});
  });
});

describe("runner helpers", () => {
  it("nodeIdOf: run ids (absolute file::rest) as pytest node ids relative to rootdir", () => {
    expect(nodeIdOf("/p/tests/test_a.py::TestX::test_y[1]", "/p")).toBe("tests/test_a.py::TestX::test_y[1]");
    expect(nodeIdOf("/p/test_a.py", "/p")).toBe("test_a.py");
    expect(nodeIdOf("/elsewhere/test_a.py::t", "/p")).toBe("/elsewhere/test_a.py::t");
    expect(nodeIdOf("/pp/test_a.py::t", "/p")).toBe("/pp/test_a.py::t");
  });

  it("junitPath: --junitxml/--junit-xml, = or separate, resolved against the working folder", () => {
    expect(junitPath(["-q", "--junitxml=out.xml"], "/w")).toBe("/w/out.xml");
    expect(junitPath(["--junit-xml", "r/x.xml"], "/w")).toBe("/w/r/x.xml");
    expect(junitPath(["--junitxml", "/abs.xml"], "/w")).toBe("/abs.xml");
    expect(junitPath(["-v"], "/w")).toBeUndefined();
  });

  it("pyString gives a Python string literal", () => {
    expect(pyString('a"b\\c\nd\u2028')).toBe('"a\\"b\\\\c\\nd\\u2028"');
  });
});

describe("findChromium", () => {
  it("a set WSBRIDGE_CHROMIUM that does not exist is an error naming it, not skipped", async () => {
    const { findChromium, BrowserNotFoundError } = await import("../../src/playwright/browser.js");
    expect(() => findChromium(undefined, { WSBRIDGE_CHROMIUM: "/nope/chrome", PATH: process.env.PATH })).toThrow(BrowserNotFoundError);
    expect(() => findChromium(undefined, { WSBRIDGE_CHROMIUM: "/nope/chrome" })).toThrow(/^No Chromium at \/nope\/chrome \(WSBRIDGE_CHROMIUM\): install one/);
    expect(findChromium(undefined, { WSBRIDGE_CHROMIUM: process.execPath })).toBe(process.execPath);
  });
});
