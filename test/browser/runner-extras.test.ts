// `wsbridge test` beyond pytest's own behaviour: Ctrl-C gives pytest's partial summary and the JUnit file, the JUnit
// time is the wall time users waited, captured output is bounded, and dot-files stay out of the page.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = resolve("bin/wsbridge.mjs");
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A temp project with `files` (names may contain folders). */
function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "wsb-extras-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A minimal pure-Python wheel holding `module/__init__.py` with `source`, built with the host's python3. */
function tinyWheel(dir: string, name: string, source: string): string {
  const file = join(dir, `${name}-1.0-py3-none-any.whl`);
  execFileSync("python3", ["-c", `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(sys.argv[2] + "/__init__.py", sys.argv[3])
    z.writestr(sys.argv[2] + "-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: " + sys.argv[2] + "\\nVersion: 1.0\\n")
    z.writestr(sys.argv[2] + "-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(sys.argv[2] + "-1.0.dist-info/RECORD", "")`, file, name, source]);
  return file;
}

/** Runs the CLI in `cwd`; `onOut` may act on the output so far (e.g. send SIGINT). */
function cli(args: string[], cwd: string, onOut?: (out: string, kill: (signal: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; out: string; err: string; ms: number }>((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, "test", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => { out += d; onOut?.(out, (s) => child.kill(s)); });
    child.stderr.on("data", (d) => { err += d; });
    child.on("close", (code) => done({ code, out, err, ms: Date.now() - t0 }));
  });
}

describe("wsbridge test: the run around pytest", () => {
  it("Ctrl-C: pytest's partial summary, the JUnit file written, exit 130", async () => {
    const dir = project({
      "test_slow.py": `import asyncio\ndef test_first():\n    pass\nasync def test_waits():\n    await asyncio.sleep(60)\ndef test_never():\n    pass\n`,
    });
    let sent = false;
    const r = await cli(["--workers", "1", "-v", "-p", "no:cacheprovider", "--junitxml=report.xml"], dir, (out, kill) => {
      if (!sent && /test_first PASSED/.test(out)) { sent = true; setTimeout(() => kill("SIGINT"), 1_000); }
    });
    expect(sent, r.out + r.err).toBe(true);
    expect(r.code, r.out + r.err).toBe(130);
    expect(r.out).toMatch(/KeyboardInterrupt/);
    expect(r.out).toMatch(/1 passed.* in [\d.]+s/);
    const xml = readFileSync(join(dir, "report.xml"), "utf8");
    expect(xml).toMatch(/<testcase [^>]*name="test_first"/);
  }, 120_000);

  it("the JUnit suite time is the wall time (page start-up included); captured output is cut with a note", async () => {
    const dir = project({
      "test_out.py": `def test_loud():\n    print("x" * 200_000)\n    assert False\n`,
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider", "-o", "junit_logging=all", "--junitxml=out.xml"], dir);
    expect(r.code, r.out + r.err).toBe(1);
    const xml = readFileSync(join(dir, "out.xml"), "utf8");
    const time = Number(/<testsuite [^>]*time="([\d.]+)"/.exec(xml)?.[1]);
    const longest = Math.max(...r.out.split("\n").map((l) => l.length));
    // Pyodide's page load is part of the time: at least the seconds pytest alone reported.
    const pytestTime = Number(/in ([\d.]+)s/.exec(r.out)?.[1]);
    expect(time).toBeGreaterThan(pytestTime);
    expect(time * 1000).toBeLessThanOrEqual(r.ms);
    expect(xml).toMatch(/wsbridge cut \d+ characters of captured output/);
    expect(r.out).toMatch(/wsbridge cut \d+ characters of captured output/);
    expect(longest).toBeLessThan(100_000);
  }, 120_000);

  it("dot-files of the project (.env, .npmrc) are not copied into the page", async () => {
    const dir = project({
      ".env": "SECRET=1\n",
      ".npmrc": "//registry/:_authToken=x\n",
      "helper.py": "VALUE = 42\n",
      "test_files.py": `import os\nfrom helper import VALUE\ndef test_mirror():\n    here = os.path.dirname(__file__)\n    assert VALUE == 42\n    assert not os.path.exists(os.path.join(here, ".env"))\n    assert not os.path.exists(os.path.join(here, ".npmrc"))\n`,
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider"], dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/1 passed/);
    expect(existsSync(join(dir, ".env"))).toBe(true);
  }, 120_000);

  it("--pyodide-index: a requirement found in a Pyodide index (pyodide-lock.json) is loaded from there", async () => {
    const dir = project({
      "requirements.txt": "idxpkg\n",
      "test_idx.py": "def test_idx():\n    import idxpkg\n    assert idxpkg.VALUE == 'from the index'\n",
    });
    mkdirSync(join(dir, "index"));
    tinyWheel(join(dir, "index"), "idxpkg", "VALUE = 'from the index'\n");
    writeFileSync(join(dir, "index", "pyodide-lock.json"), JSON.stringify({
      info: { arch: "wasm32", python: "3.14" },
      packages: { idxpkg: { name: "idxpkg", version: "1.0", file_name: "idxpkg-1.0-py3-none-any.whl", install_dir: "site", sha256: "", package_type: "package", imports: ["idxpkg"], depends: [] } },
    }));
    const r = await cli(["--workers", "1", "-q", "-p", "no:cacheprovider", "--requirements", "requirements.txt", "--pyodide-index", "index"], dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/1 passed/);
  }, 120_000);

  it("the examples (pyproject.toml [tool.wsbridge] requirements: a real Starlette app) pass with --workers 2", async () => {
    const r = await cli(["examples", "--workers", "2", "-p", "no:cacheprovider"], resolve("."));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/configfile: pyproject\.toml/);
    expect(r.out).toMatch(/examples\/test_starlette_mock\.py \.+/);
    expect(r.out).toMatch(/=+ \d+ passed in [\d.]+s =+/);
  }, 180_000);

  it("@pytest.mark.timeout(S) sets one test's limit; -s shows a test's prints", async () => {
    const dir = project({
      "test_marks.py": [
        "import asyncio",
        "import pytest",
        "@pytest.mark.timeout(1)",
        "async def test_short_limit():",
        "    await asyncio.sleep(20)",
        "async def test_default_limit_is_longer():",
        "    await asyncio.sleep(1.5)",
        "def test_prints():",
        "    print('live from the page')",
        "",
      ].join("\n"),
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider", "-s", "--timeout", "10"], dir);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/Timeout: .*test_short_limit.* did not finish within 1 s/);
    expect(r.out).toMatch(/1 failed, 2 passed/);
    // As in pytest -s, the print lands where the progress line is; wsbridge only keeps the print's line whole.
    expect(r.out).toMatch(/live from the page\n/);
  }, 120_000);

  it("a test module that blocks the page at import: one line naming it, exit 2, nothing hangs", async () => {
    const dir = project({
      "test_fine.py": "def test_fine():\n    pass\n",
      "test_stuck.py": "while True:\n    pass\n",
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider", "--timeout", "2"], dir);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(/^wsbridge test: importing .*test_stuck\.py did not finish within 7 s and blocked the page/)]);
  }, 120_000);

  it("a worker page that blocks outside any test (a conftest that blocks only there): its tests fail, the run ends", async () => {
    // The controller imports conftest.py too; only a worker page's import (called from run_worker) blocks.
    const dir = project({
      "conftest.py": "import inspect\nif any(f.function == 'run_worker' for f in inspect.stack()):\n    while True:\n        pass\n",
      "test_one.py": "def test_one():\n    pass\n",
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider", "--timeout", "2"], dir);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/not run: the worker page blocked for 7 s outside any test/);
    expect(r.out).toMatch(/1 failed/);
  }, 120_000);

  it("an exception in a socket handler or in a task the test left behind fails that test, with the traceback", async () => {
    const dir = project({
      "test_hidden.py": [
        "import asyncio",
        "import pytest",
        "from wsbridge import WebSocket",
        "async def test_socket_handler_raises(ws_server):",
        "    done = asyncio.get_running_loop().create_future()",
        "    def onmessage(e):",
        "        raise KeyError('from onmessage')",
        "    ws = WebSocket(ws_server.url('/echo'), onopen=lambda e: ws.send('x'), onmessage=onmessage, onclose=lambda e: done.set_result(1))",
        "    await asyncio.sleep(0.5)",
        "    ws.close()",
        "    await done",
        "async def test_task_left_behind_raises():",
        "    async def boom():",
        "        raise ValueError('from a task')",
        "    asyncio.ensure_future(boom())",
        "    await asyncio.sleep(0.05)",
        "@pytest.mark.allow_handler_errors",
        "async def test_allowed():",
        "    async def boom():",
        "        raise ValueError('expected here')",
        "    asyncio.ensure_future(boom())",
        "    await asyncio.sleep(0.05)",
        "",
      ].join("\n"),
    });
    const r = await cli(["--workers", "1", "-p", "no:cacheprovider", "-rf"], dir);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/KeyError: 'from onmessage'/);
    expect(r.out).toMatch(/ValueError: from a task/);
    expect(r.out).toMatch(/FAILED test_hidden\.py::test_socket_handler_raises/);
    expect(r.out).toMatch(/FAILED test_hidden\.py::test_task_left_behind_raises/);
    expect(r.out).toMatch(/2 failed, 1 passed/);
  }, 120_000);
});
