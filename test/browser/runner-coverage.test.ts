// `wsbridge test --cov`: the page's own pytest-cov measures, worker pages' data are combined by the controller's, and
// the reports land where pytest-cov puts them — checked against host pytest-cov on the same project (a src/ layout,
// code imported by conftest, two files so that with --workers 2 one runs in a worker page). Real pip (the page's
// coverage is the host's repacked as pure Python, offered through pip's own PIP_FIND_LINKS), real Chromium.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliHarness, once, pureCoverageWheel, shown, totals, wsbridge, type Run } from "./_runner-cli.js";

const { root, project } = cliHarness();

/** The host venv with pytest 9.1.1 (bench/runner.mjs makes it); pytest-cov is added to it from the index if missing. */
const HOST_PYTHON = join(process.env.WSBRIDGE_CACHE ?? join(homedir(), ".cache", "wsbridge"), "bench-host-venv", "bin", "python");

/** Runs the host venv's Python; resolves to its exit code and output. */
function host(args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => execFile(HOST_PYTHON, args, { cwd, maxBuffer: 16 << 20 }, (error, out, err) => done({ code: error ? Number(error.code ?? -1) : 0, out, err, ms: 0 })));
}

/** The host venv, with pytest-cov in it (a missing venv fails the test: it is where host pytest-cov's numbers come from). */
const hostReady = once(async () => {
  if (!existsSync(HOST_PYTHON)) throw new Error(`no host venv at ${HOST_PYTHON}: run \`npm run bench:runner\` once to make it`);
  if ((await host(["-c", "import pytest_cov"], root)).code !== 0) {
    const r = await host(["-m", "pip", "install", "-q", "--disable-pip-version-check", "pytest-cov"], root);
    if (r.code !== 0) throw new Error(`pip install pytest-cov in the host venv: ${r.err}`);
  }
});

const FILES = {
  "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n\n[tool.wsbridge]\nrequirements = "requirements-page.txt"\n',
  "requirements-page.txt": "pytest-cov\n",
  "src/calc/__init__.py": "from .ops import add\n\n\ndef sign(x):\n    if x > 0:\n        return 1\n    if x < 0:\n        return -1\n    return 0\n",
  "src/calc/ops.py": 'def add(a, b):\n    return a + b\n\n\ndef unused():\n    return "never"\n',
  // Imported by conftest (before any test module): pytest-cov measures it because it starts before conftest loads.
  "src/calc/helpers.py": "def setup_value():\n    return 41 + 1\n\n\ndef teardown_value():\n    return 0\n",
  "tests/conftest.py": "import pytest\nfrom calc.helpers import setup_value\n\n\n@pytest.fixture\ndef answer():\n    return setup_value()\n",
  // Each file covers lines the other does not: with two pages, a line only a worker page ran shows its data arrived.
  "tests/test_a.py": "from calc import add\n\n\ndef test_add(answer):\n    assert add(answer, 1) == 43\n",
  "tests/test_b.py": "from calc import sign\n\n\ndef test_sign():\n    assert sign(5) == 1\n    assert sign(0) == 0\n",
};

const REPORTS = ["--cov=calc", "--cov-report=term-missing", "--cov-report=json", "--cov-report=xml:reports/cov.xml", "--cov-report=html"];

/** PIP_FIND_LINKS: the folder with the pure-Python coverage wheel (pip's own setting; the product knows nothing of it). */
const links = once(async () => { await pureCoverageWheel(join(root, "links")); return join(root, "links"); });

/** The coverage table pytest-cov prints (the `Name` line to the `TOTAL` line). */
function table(out: string): string[] {
  const lines = out.split("\n");
  const from = lines.findIndex((l) => l.startsWith("Name "));
  const to = lines.findIndex((l) => l.startsWith("TOTAL "));
  return from < 0 || to < 0 ? [] : lines.slice(from, to + 1);
}

/** Each file's executed, missing and excluded lines, and the totals, from pytest-cov's JSON report. */
function measured(path: string): unknown {
  const json = JSON.parse(readFileSync(path, "utf8")) as { files: Record<string, { executed_lines: number[]; missing_lines: number[]; excluded_lines: number[] }>; totals: unknown };
  return { files: Object.fromEntries(Object.entries(json.files).map(([f, v]) => [f, [v.executed_lines, v.missing_lines, v.excluded_lines]])), totals: json.totals };
}

/** The same project run by host pytest-cov (in its own copy) and by wsbridge test --workers 2. */
const runs = once(async () => {
  const [onHost, inPage] = [project("host", FILES), project("page", FILES)];
  await hostReady();
  const env = { PIP_FIND_LINKS: await links() };
  const hostRun = await host(["-m", "pytest", "-p", "no:cacheprovider", ...REPORTS], onHost);
  const pageRun = await wsbridge(["test", "--workers", "2", ...REPORTS], inPage, env);
  return { onHost, inPage, hostRun, pageRun, env };
});

describe("wsbridge test --cov (pytest-cov in the pages)", () => {
  it("measures the same lines as host pytest-cov: src/ layout, code conftest imports, two pages combined", async () => {
    const { onHost, inPage, hostRun, pageRun } = await runs();
    expect(hostRun.code, shown(hostRun)).toBe(0);
    expect(pageRun.code, shown(pageRun)).toBe(0);
    expect(totals(pageRun.out)).toEqual({ passed: 2 });
    expect(table(pageRun.out).length).toBe(7);
    expect(table(pageRun.out)).toEqual(table(hostRun.out));
    expect(measured(join(inPage, "coverage.json"))).toEqual(measured(join(onHost, "coverage.json")));
  }, 300_000);

  it("writes the data file and every report at pytest-cov's paths on the host, and says so as pytest-cov does", async () => {
    const { onHost, inPage, hostRun, pageRun } = await runs();
    const said = (out: string) => out.split("\n").filter((l) => /^Coverage \w+ written to/.test(l));
    expect(said(pageRun.out), shown(pageRun)).toEqual(said(hostRun.out));
    expect(said(pageRun.out)).toHaveLength(3);
    const xml = (dir: string) => readFileSync(join(dir, "reports/cov.xml"), "utf8").replace(/ timestamp="\d+"/, "").replace(/<source>.*<\/source>/, "");
    expect(xml(inPage)).toEqual(xml(onHost));
    // HTML: every file of the host's report, the binary ones byte for byte.
    const png = "htmlcov/favicon_32_cb_c827f16f.png";
    expect(readFileSync(join(inPage, png))).toEqual(readFileSync(join(onHost, png)));
    expect(readFileSync(join(inPage, "htmlcov/index.html"), "utf8")).toMatch(/80%/);
    // The data file is coverage.py's own: host coverage reports the same table from it.
    const report = await host(["-m", "coverage", "report", "-m"], inPage);
    expect(report.code, shown(report)).toBe(0);
    expect(table(report.out)).toEqual(table(pageRun.out));
  }, 300_000);

  it("--cov-fail-under: the same failure line and exit code 1 as host pytest-cov", async () => {
    const { onHost, inPage, env } = await runs();
    const args = ["--cov=calc", "--cov-fail-under=90"];
    const [hostRun, pageRun] = [await host(["-m", "pytest", "-p", "no:cacheprovider", ...args], onHost), await wsbridge(["test", "--workers", "2", ...args], inPage, env)];
    expect(hostRun.code, shown(hostRun)).toBe(1);
    expect(pageRun.code, shown(pageRun)).toBe(1);
    const failure = (out: string) => out.split("\n").filter((l) => /fail-under|Required test coverage/.test(l));
    expect(failure(pageRun.out)).toEqual(failure(hostRun.out));
    expect(failure(pageRun.out).join("\n")).toMatch(/total of 80 is less than fail-under=90/);
  }, 300_000);

  it("--cov without pytest-cov in the page: exit 4 at start, one line saying how to add it", async () => {
    const dir = project("no-cov", { "test_x.py": "def test_x():\n    pass\n" });
    const r = await wsbridge(["test", "--cov=calc"], dir);
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trimEnd().split("\n")).toEqual(["wsbridge test: --cov needs pytest-cov in the page: add pytest-cov to the page's requirements (--requirements FILE, or requirements = \"FILE\" under [tool.wsbridge] in pyproject.toml)"]);
    expect(r.out).toBe("");
  }, 150_000);
});
