// The Python test suite: `wsbridge test test/python` runs once (real pytest in Chromium), and every pytest test is
// reported here as its own vitest test (from the run's JUnit file), failing with pytest's message.
// test/python/routing holds the Python face of the conformance suite: Python route handlers run the conformance
// scenarios' page scripts and their page logs must equal the ones the JS conformance suite observed under
// Playwright (test/python/routing/observed/, written by test/conformance/conformance.test.ts); those golden files
// must be current for every scenario the Python tests name. test/python/socket and test/python/asgi test the
// socket, the client and asgi(app) (Starlette included) against the runner's real ws server; test/python/inspect
// tests inspection (page.on("websocket"), expect_websocket, wait_for_event) from Python.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OBSERVED_DIR, scenarioDigest, slug } from "../conformance/observed.js";
import { scenarios } from "../conformance/scenarios.js";

const PY_ROOT = resolve("test/python");
/** Pages running tests: a controller page and this many workers share the machine's two cores with vitest. */
const WORKERS = 2;

/** Every test_*.py under test/python. */
function testFiles(dir = PY_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "observed" ? [] : testFiles(join(dir, e.name))) : /^test_.*\.py$/.test(e.name) ? [join(dir, e.name)] : []);
}

/** Python source with its string literals' escapes undone enough to read scenario names ("..." literals only). */
function scenarioNames(source: string): string[] {
  return [...source.matchAll(/expect_log\(\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
}

/** One pytest test case of the JUnit file: failure/error text when it did not pass, skip reason when skipped. */
interface Case {
  file: string;
  name: string;
  problems: string[];
  skipped?: string;
}

/** XML text with its entities undone. */
function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!;
  });
}

/** The attributes of one XML start tag. */
function attributes(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, unescapeXml(m[2]!)]));
}

/** The test file of a JUnit classname: "socket.test_socket[.TestClass]" (dotted from the rootdir) → "socket/test_socket.py". */
function fileOf(classname: string): string {
  const parts = classname.split(".");
  for (let n = parts.length; n > 0; n--) {
    const file = `${parts.slice(0, n).join("/")}.py`;
    if (existsSync(join(PY_ROOT, file))) return file;
  }
  return classname;
}

/** pytest's JUnit XML → test cases (a name reported twice, e.g. a failure then a teardown error, is merged). */
function parseJUnit(xml: string): Case[] {
  const cases = new Map<string, Case>();
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = attributes(m[1]!);
    const file = fileOf(attrs.classname!);
    const key = `${file}::${attrs.name}`;
    const c = cases.get(key) ?? { file, name: attrs.name!, problems: [] };
    cases.set(key, c);
    for (const p of (m[2] ?? "").matchAll(/<(failure|error|skipped)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
      const message = attributes(p[2]!).message ?? "";
      const body = unescapeXml(p[3] ?? "");
      if (p[1] === "skipped") c.skipped = message || body || "skipped";
      else c.problems.push(`${p[1]}: ${message}\n${body}`.trim());
    }
  }
  return [...cases.values()];
}

/** Runs `wsbridge test test/python` once with a JUnit file; its exit code, output and cases. */
async function runSuite(): Promise<{ code: number; out: string; err: string; cases: Case[] | undefined; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), "wsbridge-pytest-"));
  const junit = join(dir, "junit.xml");
  const started = Date.now();
  try {
    const args = [resolve("bin/wsbridge.mjs"), "test", "test/python", "-q", "-p", "no:cacheprovider", "--workers", String(WORKERS), "--junitxml", junit];
    const run = await new Promise<{ code: number; out: string; err: string }>((done) => {
      execFile(process.execPath, args, { timeout: 900_000, maxBuffer: 32 << 20 }, (error, out, err) => {
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err });
      });
    });
    const cases = existsSync(junit) ? parseJUnit(readFileSync(junit, "utf8")) : undefined;
    return { ...run, cases, ms: Date.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = testFiles();
const sources = files.map((f) => readFileSync(f, "utf8"));
const run = await runSuite();
const output = `${run.out}\n${run.err}`;

afterAll(() => {
  if (process.env.WSBRIDGE_TIMINGS) console.log(`wsbridge test test/python: ${run.ms} ms`);
});

describe("Python suite (npx wsbridge test test/python)", () => {
  it("names only conformance scenarios, each with a current observed log", () => {
    const names = sources.flatMap(scenarioNames);
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      const scenario = scenarios[name];
      expect(scenario, `scenario ${JSON.stringify(name)} exists in test/conformance/scenarios.ts`).toBeDefined();
      const path = join(OBSERVED_DIR, `${slug(name)}.json`);
      expect(existsSync(path), `${path} exists (write the golden files with npm run golden)`).toBe(true);
      const record = JSON.parse(readFileSync(path, "utf8")) as { name: string; digest: string; page: string; source: string; log: unknown[] };
      expect(record.name).toBe(name);
      expect(record.digest, `${path} was written for the current scenario (rewrite the golden files with npm run golden)`).toBe(scenarioDigest(scenario!));
      expect(record.page).toBe(scenario!.page);
      expect(record.log.length).toBeGreaterThan(0);
      if (!scenario!.divergence) expect(record.source).toMatch(/^(playwright|native)$/);
    }
  });

  it("runs every test function of every file, and pytest's summary and exit code say all passed", () => {
    expect(run.cases, `no JUnit file was written:\n${output}`).toBeDefined();
    const cases = run.cases!;
    // Each `def test_...` of each file has at least one case (parametrized ones have one per parameter set).
    for (const [i, file] of files.entries()) {
      const rel = relative(PY_ROOT, file);
      const defined = [...sources[i]!.matchAll(/^(?:async )?def (test_\w+)\(/gm)].map((m) => m[1]!);
      expect(defined.length, rel).toBeGreaterThan(0);
      const ran = new Set(cases.filter((c) => c.file === rel).map((c) => c.name.replace(/\[.*$/s, "")));
      expect(defined.filter((name) => !ran.has(name)), `tests of ${rel} missing from the run`).toEqual([]);
    }
    expect(cases.length).toBeGreaterThan(100);
    // pytest's own summary line, e.g. "134 passed in 16.80s" (from 60 s on it adds the time as "(0:01:01)").
    expect(run.out.trimEnd().split("\n").at(-1), output).toMatch(new RegExp(`^=* ?${cases.length} passed in [\\d.]+s(?: \\(\\d+:\\d\\d:\\d\\d\\))? ?=*$`));
    expect(run.code, output).toBe(0);
  });
});

const byFile = new Map<string, Case[]>();
for (const c of run.cases ?? []) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
for (const [file, cases] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
  describe(`test/python/${file}`, () => {
    for (const c of cases) {
      const test = c.skipped !== undefined && c.problems.length === 0 ? it.skip : it;
      test(c.name, () => {
        if (!c.problems.length) return;
        const error = new Error(c.problems.join("\n\n"));
        error.stack = `${error.name}: ${error.message}`; // pytest's traceback is the one that matters
        throw error;
      });
    }
  });
}
