// The runner's Python (pytest plugin, session, protocol) is embedded apart: the bundles apps load (wsbridge.mjs, the
// worker runtime, the PyScript plugin) do not carry it, the runner's page entry (page-python.js) does, and
// `wsbridge test` still runs the plugin's fixtures and async tests with it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cliHarness, shown, totals, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

/** The embedded Python files of a built bundle (the keys of its path → source map). */
function embeddedPython(bundle: string): string[] {
  const text = readFileSync(`dist/${bundle}`, "utf8");
  return [...new Set(Array.from(text.matchAll(/"wsbridge\/(\w+)\.py"/g), (m) => m[1]!))].sort();
}

const RUNNER = ["_await_stack", "_coverage", "_page_stdin", "_pytest_debug", "_pytest_session", "_runner_protocol", "_ws_trace", "pytest_plugin"];

describe("the runner's Python is a separate embed", () => {
  it("app bundles carry the package without the runner's modules", () => {
    for (const bundle of ["wsbridge.mjs", "worker-runtime.mjs"]) {
      const files = embeddedPython(bundle);
      expect(files, bundle).toContain("websocket");
      expect(files.filter((f) => RUNNER.includes(f)), bundle).toEqual([]);
      expect(readFileSync(`dist/${bundle}`, "utf8"), bundle).not.toContain("_pytest_session");
    }
  });

  it("the runner's page entry carries exactly the runner's modules", () => {
    expect(embeddedPython("page-python.js")).toEqual(RUNNER);
  });

  it("wsbridge test runs the plugin with them: an async test, a fixture, the ws server", async () => {
    const dir = project("plain", {
      "tests/test_echo.py": `from wsbridge import connect


async def test_echo(ws_server):
    async with connect(ws_server.url("/echo")) as ws:
        await ws.send("hi")
        assert await ws.recv() == "hi"


def test_plugin_is_there():
    import wsbridge.pytest_plugin

    assert wsbridge.pytest_plugin.run_timeout() == 30.0
`,
    });
    const r = await wsbridge(["test", "-q", "tests"], dir);
    expect(r.code, shown(r)).toBe(0);
    expect(totals(r.out)).toEqual({ passed: 2 });
  });
});
