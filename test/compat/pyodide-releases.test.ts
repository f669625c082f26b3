// The compatibility lane: wsbridge on each older Pyodide release it supports (the bundled 314.x is the rest of the
// suite's). Each release is installed from the npm registry into the cache by scripts/pyodide-releases.mjs (reruns
// are offline); under CI=true a release that cannot be installed fails its tests, elsewhere they are skipped with
// the reason. Per release: the socket, routing and inspection suites (test/python) through `wsbridge test --pyodide DIR`, a
// runner smoke run choosing the release in pyproject.toml (two pages, an async test, a failure), and
// `attachPython({ pyodide })` and `createPythonWorker` on it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { attachPython } from "../../src/playwright/attach.js";
import { patchSnapshotRestore, startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { pyodideRelease } from "../../src/playwright/pyodide-release.js";
// @ts-expect-error: a plain .mjs script without declarations
import { ensurePyodideRelease, LANE_RELEASES } from "../../scripts/pyodide-releases.mjs";

const fx = useBrowser();
const CLI = resolve("bin/wsbridge.mjs");
const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
/** The suites' run is ~2 min a release on a quiet 2-core machine; the machine may be shared. */
const SUITE_MS = 12 * 60_000;

/** What a release's folder is, or why it could not be had. */
function install(version: string): { dir?: string; problem?: string } {
  try {
    return { dir: (ensurePyodideRelease as (v: string) => string)(version) };
  } catch (error) {
    if (process.env.CI === "true") throw error;
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs the wsbridge CLI; resolves to its exit code and output (never rejects on a non-zero exit). */
function cli(args: string[], cwd: string, timeout = SUITE_MS): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout, maxBuffer: 64 << 20, env: { ...process.env, CI: process.env.CI ?? "" } }, (error, out, err) => {
      ok({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err });
    });
  });
}

/** The counts of a JUnit file's test suite. */
function junitCounts(file: string): Record<"tests" | "failures" | "errors" | "skipped", number> {
  const tag = /<testsuite\b[^>]*>/.exec(readFileSync(file, "utf8"))![0];
  const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(tag)?.[1] ?? NaN);
  return { tests: count("tests"), failures: count("failures"), errors: count("errors"), skipped: count("skipped") };
}

for (const version of LANE_RELEASES as string[]) {
  describe(`Pyodide ${version}`, () => {
    const got = install(version);
    const run = got.dir ? it : it.skip;
    if (got.problem) it.skip(`cannot be installed: ${got.problem}`, () => undefined);
    const dir = got.dir!;
    const python = got.dir ? pyodideRelease(dir).python : "";
    const tmp = mkdtempSync(join(tmpdir(), `wsbridge-compat-${version}-`));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    run("its Emscripten module takes the snapshot-restore patch (pyodide/pyodide#6254 is in every release)", () => {
      const release = pyodideRelease(dir);
      expect(release.asm).toBe("pyodide.asm.js");
      expect(patchSnapshotRestore(readFileSync(join(dir, release.asm), "utf8"))).toBeDefined();
    });

    run("the socket, routing and inspection suites pass under wsbridge test --pyodide", async () => {
      const junit = join(tmp, "suites.xml");
      const r = await cli(["test", "--pyodide", dir, "test/python/socket", "test/python/routing", "test/python/inspect", "-q", "-p", "no:cacheprovider", "--junitxml", junit], resolve("."));
      expect({ code: r.code, tail: r.code ? `${r.out.slice(-3000)}\n${r.err.slice(-2000)}` : "" }).toEqual({ code: 0, tail: "" });
      const counts = junitCounts(junit);
      expect(counts).toMatchObject({ failures: 0, errors: 0, skipped: 0 });
      expect(counts.tests).toBeGreaterThan(200);
    }, SUITE_MS);

    run("the runner: [tool.wsbridge] pyodide picks the release, two pages, async tests, a failure's exit code", async () => {
      const project = join(tmp, "project");
      const { mkdirSync } = await import("node:fs");
      mkdirSync(project);
      writeFileSync(join(project, "pyproject.toml"), `[tool.wsbridge]\npyodide = ${JSON.stringify(dir)}\n`);
      writeFileSync(join(project, "test_release.py"), [
        "import sys, pyodide",
        "",
        "def test_the_chosen_release_runs():",
        `    assert pyodide.__version__ == ${JSON.stringify(version)}`,
        `    assert "%d.%d" % sys.version_info[:2] == ${JSON.stringify(python)}`,
        "",
        "def test_fails():",
        "    assert 1 == 2",
        "",
      ].join("\n"));
      writeFileSync(join(project, "test_socket.py"), [
        "import wsbridge",
        "",
        "async def test_echo(ws_server):",
        "    async with wsbridge.connect(ws_server.url('/echo')) as ws:",
        "        await ws.send(b'\\x00\\x01')",
        "        assert await ws.recv() == b'\\x00\\x01'",
        "",
      ].join("\n"));
      const r = await cli(["test", "--workers", "2", "-p", "no:cacheprovider", "-rA"], project, 6 * 60_000);
      expect(r.code, `${r.out}\n${r.err}`).toBe(1);
      expect(r.out).toMatch(/FAILED test_release\.py::test_fails/);
      expect(r.out).toMatch(/PASSED test_release\.py::test_the_chosen_release_runs/);
      expect(r.out).toMatch(/PASSED test_socket\.py::test_echo/);
      expect(r.out).toMatch(/1 failed, 2 passed/);
    }, 6 * 60_000);

    describe("in a page and a worker", () => {
      let server: StaticServer | undefined;
      beforeAll(async () => {
        if (got.dir) server = await startStaticServer({ pyodide: dir, mounts: { wsbridge: DIST } });
      });
      afterAll(async () => server?.close());

      run("attachPython({ pyodide }): the socket and routing from Python", async () => {
        const page = await fx.browser.newPage();
        try {
          const py = await attachPython(page, { pyodide: dir, timeout: 120_000 });
          const result = await py.runAsync(`
import asyncio, pyodide, wsbridge
from wsbridge import route_web_socket
seen = []
def mock(route):
    route.on_message(lambda message: route.send(f"mocked {message}"))
with route_web_socket("**/mocked", mock):
    async with wsbridge.connect(${JSON.stringify(fx.server.url + "/mocked")}) as ws:
        await ws.send("hi")
        mocked = await ws.recv()
async with wsbridge.connect(${JSON.stringify(fx.server.url + "/echo")}) as ws:
    await ws.send(b"\\x07")
    echoed = await ws.recv()
[pyodide.__version__, mocked, list(echoed)]`);
          expect(result).toEqual([version, "mocked hi", [7]]);
        } finally {
          await page.close();
        }
      }, 180_000);

      run("createPythonWorker on its indexURL: wsbridge in a module worker", async () => {
        const page = await fx.browser.newPage();
        try {
          await page.goto(server!.url);
          const value = await page.evaluate(`(async () => {
            const W = await import(${JSON.stringify(`${server!.url}wsbridge/worker.mjs`)});
            const py = await W.createPythonWorker({ indexURL: ${JSON.stringify(`${server!.url}pyodide/`)}, timeout: 120000 });
            try {
              return [py.pyodideVersion, await py.runPythonAsync(${JSON.stringify(`import wsbridge
async with wsbridge.connect(${JSON.stringify(fx.server.url + "/echo")}) as ws:
    await ws.send("w")
    got = await ws.recv()
got`)})];
            } finally { py.terminate?.(); }
          })()`);
          expect(value).toEqual([version, "w"]);
        } finally {
          await page.close();
        }
      }, 180_000);
    });
  });
}
