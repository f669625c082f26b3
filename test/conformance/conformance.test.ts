// Differential conformance: every scenario runs under Playwright's page.routeWebSocket and under wsbridge's
// routeWebSocket in the same Chromium against the same ws server; the page-side logs and the frames the server
// received must be identical. Pass-through scenarios are also compared with no route at all.
// The page log each scenario agreed on is a golden file for the Python tests (test/python/routing/observed/):
// checked here, written only by `npm run golden` (WSBRIDGE_WRITE_GOLDEN=1).
import { fileURLToPath } from "node:url";
import { currentText, goldenProblem, observedHelpers, observedLog, writeGolden, WRITE_GOLDEN, type Golden } from "./observed.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { PAGE_HELPERS, runNative, runPlaywright, runWsbridge, type Harness, type RunResult } from "./harness.js";
import { scenarios } from "./scenarios.js";

const fixture = useBrowser();
// Run from sources, the shared static server mounts `wsbridge/` at src/playwright: serve the built dist/ ourselves.
let statics: StaticServer;
beforeAll(async () => { statics = await startStaticServer({ mounts: { wsbridge: fileURLToPath(new URL("../../dist/", import.meta.url)) } }); });
afterAll(async () => { await statics?.close(); });
const harness = (): Harness => ({ browser: fixture.browser, server: fixture.server, baseURL: statics.url });

/** Writes the golden file under `npm run golden`; otherwise fails unless it holds exactly this run's text. */
function golden(file: Golden): void {
  if (WRITE_GOLDEN) writeGolden(file);
  else expect(currentText(file), goldenProblem(file)).toBe(file.text);
}

/** Replaces the server port so logs of runs compare equal. */
function portless(result: RunResult): RunResult {
  const text = JSON.stringify(result).replaceAll(/127\.0\.0\.1:\d+/g, "HOST");
  return JSON.parse(text) as RunResult;
}

describe("conformance with Playwright's routeWebSocket", () => {
  it("the page helpers' golden file is current", () => golden(observedHelpers(PAGE_HELPERS)));
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const ours = portless(await runWsbridge(harness(), scenario));
      expect(ours.log.length, "the scenario logged something").toBeGreaterThan(0);
      expect(ours.log.filter((e) => (e as { ev?: string }).ev === "script-error"), "the page script ran to its end").toEqual([]);
      let source = "";
      for (const other of scenario.compare ?? ["playwright"]) {
        if (other === "native") {
          const native = portless(await runNative(harness(), scenario));
          if (scenario.nativeDiffers) {
            expect(ours, `the browser's own socket differs here: ${scenario.nativeDiffers.why}`).not.toEqual(native);
            scenario.nativeDiffers.check(ours, native);
          } else {
            expect(ours, "same as the browser's own socket with no route").toEqual(native);
            source ||= "native";
          }
          continue;
        }
        const pw = portless(await runPlaywright(harness(), scenario));
        if (scenario.divergence) {
          // Documented divergence: Playwright's result must really differ, and ours must pass the scenario's check.
          // (A racy divergence shows only on some runs; its check then holds ours to the order the server saw.)
          if (!scenario.divergence.racy) expect(ours, `Playwright differs here: ${scenario.divergence.why}`).not.toEqual(pw);
          scenario.divergence.check(ours, pw);
          source ||= `wsbridge (documented divergence from Playwright: ${scenario.divergence.why})`;
        } else {
          expect(ours).toEqual(pw);
          source = "playwright";
        }
      }
      // The page log every run agreed on (or ours where a divergence is documented), for the Python face's tests.
      golden(observedLog(name, scenario, ours.log, source));
    });
  }
});
