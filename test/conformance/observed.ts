// Observed page logs of the conformance scenarios, golden files for the Python face's tests (test/python/routing/):
// each file holds a scenario's page script and the page log that Playwright's run (or the browser's, or ours
// where a divergence is documented) produced, so the Python route handlers are held to the same log.
// The files are committed. `npm run golden` (WSBRIDGE_WRITE_GOLDEN=1) writes them; a plain test run only checks
// that each one is there and holds exactly what this run observed.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Scenario } from "./harness.js";

/** Where the files go: inside the Python tests' folder, which `wsbridge test` copies into the page. */
export const OBSERVED_DIR = fileURLToPath(new URL("../python/routing/observed/", import.meta.url));

/** The file name of a scenario: its name in lower case, runs of other characters as "-" (Python: _conformance.slug). */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
}

/** A digest of what the page and the routes do, so a stale file can be told from a current one. */
export function scenarioDigest(scenario: Scenario): string {
  return createHash("sha256").update(JSON.stringify({ page: scenario.page, routes: scenario.routes })).digest("hex").slice(0, 16);
}

/** The command that writes the golden files (package.json "golden"). */
export const GOLDEN_COMMAND = "npm run golden";

/** True when this run writes the golden files (`npm run golden`); otherwise it only checks them. */
export const WRITE_GOLDEN = process.env.WSBRIDGE_WRITE_GOLDEN === "1";

/** A golden file: where it goes and the exact text it must hold. */
export interface Golden {
  path: string;
  text: string;
}

/** The page helpers (the probe that records the page log) the scenarios' page scripts run in. */
export function observedHelpers(helpers: string): Golden {
  return { path: `${OBSERVED_DIR}_page_helpers.js`, text: `${helpers}\n` };
}

/** One scenario's expected page log (`source` says whose run it is). */
export function observedLog(name: string, scenario: Scenario, log: unknown[], source: string): Golden {
  const record = { name, source, digest: scenarioDigest(scenario), page: scenario.page, handlers: scenario.routes, log };
  return { path: `${OBSERVED_DIR}${slug(name)}.json`, text: `${JSON.stringify(record, null, 1)}\n` };
}

/** What the file holds now (undefined when it is missing). */
export function currentText(golden: Golden): string | undefined {
  try { return readFileSync(golden.path, "utf8"); } catch { return undefined; }
}

/** Writes the file unless it already holds exactly its text (only under `npm run golden`). */
export function writeGolden(golden: Golden): void {
  if (currentText(golden) === golden.text) return;
  mkdirSync(OBSERVED_DIR, { recursive: true });
  writeFileSync(golden.path, golden.text);
}

/** Why the file is not current ("" when it is): missing or stale, and the command that writes it. */
export function goldenProblem(golden: Golden): string {
  const current = currentText(golden);
  if (current === golden.text) return "";
  const what = current === undefined ? "is missing" : "is stale (it differs from what this run observed)";
  return `${relative(process.cwd(), golden.path)} ${what}: run \`${GOLDEN_COMMAND}\` to write the golden files, then commit them`;
}
