// The features launchChromium turns off reach Chromium's processes, and so do the ones Playwright turns off: Chromium
// keeps only the last --disable-features switch, so CHROMIUM_ARGS repeats Playwright's list (PLAYWRIGHT_DISABLED_FEATURES)
// and this file fails when a playwright-core update changes that list. Each process's command line is read from
// /proc (Linux), found through the DevTools SystemInfo domain.
import { readFileSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium, STACK_SAMPLING_FEATURES } from "../../src/playwright/browser.js";

/** The features named by a process's last `--disable-features` switch (the one Chromium keeps). */
function disabledFeatures(pid: number): string[] {
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  // A child's argv can come as one string (the zygote rewrites it): split that on spaces.
  const args = argv.length > 2 ? argv : argv.join(" ").split(" ");
  const last = args.filter((a) => a.startsWith("--disable-features=")).at(-1);
  return last ? last.slice("--disable-features=".length).split(",") : [];
}

/** Each process of `browser` (type as DevTools names it: "browser", "renderer", ...) with its disabled features. */
async function processFeatures(browser: Browser): Promise<Array<{ type: string; features: string[] }>> {
  const page = await browser.newPage();
  await page.goto("about:blank");
  const session = await browser.newBrowserCDPSession();
  const { processInfo } = (await session.send("SystemInfo.getProcessInfo")) as { processInfo: Array<{ type: string; id: number }> };
  await session.detach();
  return processInfo.map(({ type, id }) => ({ type, features: disabledFeatures(id) }));
}

describe.runIf(process.platform === "linux")("Chromium's disabled features", () => {
  let ours: Browser;
  let plain: Browser;
  beforeAll(async () => {
    ours = await launchChromium();
    plain = await chromium.launch({ executablePath: findChromium(), headless: true, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await ours?.close();
    await plain?.close();
  });

  it("every renderer runs without the stack-walking allocation samplers (they crash on JSPI stacks)", async () => {
    const renderers = (await processFeatures(ours)).filter((p) => p.type === "renderer");
    expect(renderers.length).toBeGreaterThan(0);
    for (const { features } of renderers) expect(features).toEqual(expect.arrayContaining(STACK_SAMPLING_FEATURES));
  });

  it("keeps every feature Playwright itself disables", async () => {
    const playwrights = (await processFeatures(plain)).find((p) => p.type === "browser")!.features;
    expect(playwrights.length).toBeGreaterThan(0);
    const browserProcess = (await processFeatures(ours)).find((p) => p.type === "browser")!;
    expect(browserProcess.features).toEqual(expect.arrayContaining(playwrights));
  });
});
