// The Python face held to the conformance suite: `wsbridge test test/python` runs Python route handlers against
// the conformance scenarios' page scripts and compares the page logs with the ones the JS conformance suite
// observed under Playwright (test/python/routing/observed/, written by test/conformance/conformance.test.ts).
// Here: the observed files must be current for every scenario the Python tests name, and the run must pass all.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OBSERVED_DIR, scenarioDigest, slug } from "../conformance/observed.js";
import { scenarios } from "../conformance/scenarios.js";

const PY_ROOT = resolve("test/python");

/** Every test_*.py under test/python. */
function testFiles(dir = PY_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "observed" ? [] : testFiles(join(dir, e.name))) : /^test_.*\.py$/.test(e.name) ? [join(dir, e.name)] : []);
}

/** Python source with its string literals' escapes undone enough to read scenario names ("..." literals only). */
function scenarioNames(source: string): string[] {
  return [...source.matchAll(/expect_log\(\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
}

describe("Python routing suite (npx wsbridge test test/python)", () => {
  const files = testFiles();
  const sources = files.map((f) => readFileSync(f, "utf8"));
  const count = sources.reduce((n, s) => n + [...s.matchAll(/^(?:async )?def test_\w+\(/gm)].length, 0);

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

  it(`runs every Python test and all pass`, async () => {
    expect(count).toBeGreaterThan(30);
    const run = await new Promise<{ code: number; out: string; err: string }>((done) => {
      execFile(process.execPath, [resolve("bin/wsbridge.mjs"), "test", "test/python", "-q", "-p", "no:cacheprovider"], { timeout: 600_000, maxBuffer: 16 << 20 }, (error, out, err) => {
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err });
      });
    });
    // pytest's own summary line, e.g. "39 passed in 6.15s".
    const lines = run.out.trimEnd().split("\n");
    expect(lines.at(-1), `${run.out}\n${run.err}`).toMatch(new RegExp(`^=* ?${count} passed in [\\d.]+s ?=*$`));
    expect(run.code).toBe(0);
  }, 660_000);
});
