// Observed page logs of the conformance scenarios, written for the Python face's tests (test/python/routing/):
// each file holds a scenario's page script and the page log that Playwright's run (or the browser's, or ours
// where a divergence is documented) produced, so the Python route handlers are held to the same log.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** Writes `text` to `path` unless it already holds exactly that. */
function writeIfChanged(path: string, text: string): void {
  let current: string | undefined;
  try { current = readFileSync(path, "utf8"); } catch { current = undefined; }
  if (current !== text) writeFileSync(path, text);
}

/** Writes the page helpers (the probe that records the page log) the scenarios' page scripts run in. */
export function writeObservedHelpers(helpers: string): void {
  mkdirSync(OBSERVED_DIR, { recursive: true });
  writeIfChanged(`${OBSERVED_DIR}_page_helpers.js`, `${helpers}\n`);
}

/** Writes one scenario's expected page log (`source` says whose run it is). */
export function writeObserved(name: string, scenario: Scenario, log: unknown[], source: string): void {
  mkdirSync(OBSERVED_DIR, { recursive: true });
  const record = { name, source, digest: scenarioDigest(scenario), page: scenario.page, handlers: scenario.routes, log };
  writeIfChanged(`${OBSERVED_DIR}${slug(name)}.json`, `${JSON.stringify(record, null, 1)}\n`);
}
