// `wsbridge test --pyscript` end to end: the real CLI on temp projects whose app code imports PyScript's `pyscript`
// package (from the local @pyscript/core, offline), with its pyscript.toml honoured, PyScript workers, and a broken
// config as one line and exit 4.
import { describe, expect, it } from "vitest";
import { cliHarness, shown, wsbridge } from "./_runner-cli.js";

const { project } = cliHarness();

/** An app module as a PyScript page would load it: `when` wires a click handler on import. */
const APP = `from pyscript import document, when

@when("click", "#btn")
def on_click(event):
    document.querySelector("#out").innerText = "clicked " + event.target.id
`;

/** A test of the app through the DOM it sets up, with the config's file, JS module and display(). */
const TESTS = `from pyscript import document, display, config

def test_a_click_runs_the_apps_handler():
    document.body.innerHTML = '<button id="btn">go</button><div id="out"></div>'
    import app
    document.querySelector("#btn").dispatchEvent(__import__("js").MouseEvent.new("click"))
    assert document.querySelector("#out").innerText == "clicked btn"

def test_the_configs_files_and_js_modules():
    import greeting                                   # written by files into the interpreter's home, as in the app
    assert greeting.HELLO == "hello from files"
    from pyscript.js_modules import helper
    assert helper.twice(21) == 42
    assert config["type"] == "py" and "helper" in str(config["js_modules"])

def test_display_writes_to_the_page():
    display("shown")
    assert "shown" in document.getElementById("wsbridge-pyscript-target").innerText
`;

const CONFIG = `files = { "./web/greeting.py" = "" }
[js_modules.main]
"./web/helper.mjs" = "helper"
`;

const WORKER = `from pyscript import document
def add(a, b):
    return a + b
def title():
    return document.title
__export__ = ["add", "title"]
`;

const WORKER_TEST = `from pyscript import create_named_worker, document, workers

async def test_a_named_worker_runs_pyscript_code():
    worker = await create_named_worker("./web/worker.py", "adder")
    assert await worker.add(2, 3) == 5
    document.title = "set on main"
    assert await worker.title() == "set on main"      # the worker reaches the page's DOM (the page is isolated)
    assert await (await workers["adder"]).add(1, 1) == 2
`;

/** A project with the app, its config and `tests`. */
function app(name: string, extra: Record<string, string>): string {
  return project(name, {
    "app.py": APP,
    "web/greeting.py": `HELLO = "hello from files"\n`,
    "web/helper.mjs": "export const twice = (x) => x * 2;\n",
    "web/worker.py": WORKER,
    ...extra,
  });
}

describe("wsbridge test --pyscript", () => {
  it("an app module using pyscript.document and when passes; the config's files, js_modules and display work", async () => {
    const dir = app("basic", { "pyscript.toml": CONFIG, "test_app.py": TESTS });
    const run = await wsbridge(["test", "--pyscript", "-q", "-p", "no:cacheprovider"], dir);
    expect(run.code, shown(run)).toBe(0);
    expect(run.out).toMatch(/3 passed/);
  });

  it("without --pyscript the same test cannot import pyscript (the plain page)", async () => {
    const dir = app("plain", { "pyscript.toml": CONFIG, "test_app.py": TESTS });
    const run = await wsbridge(["test", "-q", "-p", "no:cacheprovider"], dir);
    expect(run.code, shown(run)).toBe(2);
    expect(run.out).toMatch(/ModuleNotFoundError: No module named 'pyscript'/);
  });

  it("[tool.wsbridge] pyscript names the config (JSON here) and PyScript's named workers run offline", async () => {
    const dir = app("workers", {
      "pyproject.toml": `[tool.wsbridge]\npyscript = "web/pyscript.json"\n`,
      "web/pyscript.json": JSON.stringify({ files: { "./greeting.py": "" } }),
      "test_worker.py": WORKER_TEST.replace("./web/worker.py", "./worker.py") + `\ndef test_files_relative_to_the_config():\n    import greeting\n    assert greeting.HELLO\n`,
    });
    const run = await wsbridge(["test", "-q", "-p", "no:cacheprovider"], dir);
    expect(run.code, shown(run)).toBe(0);
    expect(run.out).toMatch(/2 passed/);
  });

  it("a broken config is one line and exit 4", async () => {
    const toml = app("bad-toml", { "pyscript.toml": "files = {\n", "test_app.py": TESTS });
    const json = app("bad-json", { "pyscript.json": "{ nope", "test_app.py": TESTS });
    const missing = app("bad-file", { "pyscript.toml": `files = { "./web/absent.py" = "" }\n`, "test_app.py": TESTS });
    const packages = app("bad-packages", { "pyscript.toml": `packages = ["pytest", "not-in-the-page>=1"]\n`, "test_app.py": TESTS });
    const cases = [
      [toml, /pyscript\.toml: not valid TOML: /],
      [json, /pyscript\.json: not valid JSON: /],
      [missing, /pyscript\.toml: files: cannot fetch \.\/web\/absent\.py .*HTTP 404/],
      [packages, /pyscript\.toml: packages not in the page: not-in-the-page>=1 \(/],
    ] as const;
    for (const [dir, says] of cases) {
      const run = await wsbridge(["test", "--pyscript", "-q"], dir);
      expect(run.code, shown(run)).toBe(4);
      expect(run.err, shown(run)).toMatch(says);
      expect(run.err.trim().split("\n"), shown(run)).toHaveLength(1);
      expect(run.out, shown(run)).toBe("");
    }
  });
});
