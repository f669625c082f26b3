// The PyScript plugin in Firefox (puppeteer-core over WebDriver BiDi): the shipped example's echo chat, and
// main-thread routes reaching a PyScript worker's sockets, with the same expectations as in Chromium
// (example.test.ts, worker-routes.test.ts). Skipped without Firefox, except under CI=true, where it fails.
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrowserNotFoundError } from "../../src/playwright/browser.js";
import { findFirefox, launchFirefox } from "../../src/driver/firefox.js";
import type { PuppeteerBrowser } from "../../src/driver/puppeteer.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { startTestServer, type TestServer } from "../../src/playwright/test-server.js";
import { pyscriptDir } from "./fixture.js";

const root = join(import.meta.dirname, "../..");

/** Whether a Firefox is found (BrowserNotFoundError otherwise). */
function haveFirefox(): boolean {
  try {
    return !!findFirefox();
  } catch (error) {
    if (error instanceof BrowserNotFoundError) return false;
    throw error;
  }
}

const run = haveFirefox() || process.env.CI === "true" ? describe : describe.skip;

run("the PyScript plugin in Firefox", () => {
  let browser: PuppeteerBrowser;
  let web: StaticServer;
  let server: TestServer;
  beforeAll(async () => {
    expect(haveFirefox(), "Firefox is missing: CI installs it (apt-get install -y firefox-esr, .ci/run)").toBe(true);
    [browser, server, web] = await Promise.all([
      launchFirefox(),
      startTestServer({ record: true }),
      startStaticServer({ mounts: { wsbridge: join(root, "dist"), pyscript: pyscriptDir, example: join(root, "examples/pyscript"), t: join(root, "test/pyscript/pages") }, isolated: true }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await web?.close();
  });

  /** Opens `path` on the static server in a new page; its uncaught errors are collected. */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = (await browser.browser.newPage()) as unknown as Page; // puppeteer-core's own Page, for its full API
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e instanceof Error ? e.message : String(e)));
    await page.goto(`${web.url}${path}`);
    return { page, errors };
  }

  it("the example echoes text and binary frames, then a message typed into the form", async () => {
    const ws = `${server.url}/echo?from=ffx-example`;
    const { page, errors } = await open(`example/index.html?ws=${encodeURIComponent(ws)}`);
    const lines = () => page.$$eval("#log li", (items) => items.map((li) => li.textContent));
    await page.waitForFunction(() => document.querySelectorAll("#log li").length >= 2, { timeout: 60_000 });
    expect(await page.$eval("#status", (el) => el.textContent)).toBe(`connected to ${ws}`);
    expect(await lines()).toEqual(["echo: hello", "echo (binary): 00 01 fe ff"]);
    await page.$eval("#message", (el) => { (el as HTMLInputElement).value = ""; }); // type() appends; fill() in Chromium's test replaces
    await page.type("#message", "typed in firefox");
    await page.click("button[type=submit]");
    await page.waitForFunction(() => document.querySelectorAll("#log li").length >= 3);
    expect((await lines())[2]).toBe("echo: typed in firefox");
    expect(server.received.find((r) => r.path === "/echo?from=ffx-example")?.frames).toEqual(["hello", Buffer.from([0, 1, 0xfe, 0xff]), "typed in firefox"]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("main-thread routes answer a PyScript worker's sockets; unmatched URLs reach the real server", async () => {
    const { page, errors } = await open(`t/worker-routes.html?ws=${encodeURIComponent(server.url)}&routes=1`);
    await page.waitForFunction(() => "__result" in window, { timeout: 60_000 });
    const settled = await page.evaluate(() => (window as unknown as { __result: Promise<{ value?: string; error?: string }> }).__result);
    expect(settled.error).toBeUndefined();
    const r = JSON.parse(settled.value!) as Record<string, unknown>;
    expect(r.early).toEqual([["created", 0], ["open", 1], ["message", "js mock: early bird"], ["close", 1000, "done", true]]);
    expect(r.mocked).toEqual([["open", 1], ["message", "py mock: hi"], ["message", ["bytes", [...Buffer.from("py mock: "), 0, 255]]], ["close", 1000, "done", true]]);
    expect(r.connect_mocked).toBe("py mock: via connect");
    expect(r.connect_real).toBe("to the real server");
    expect(r.real_close).toEqual([["open", 1], ["close", 4005, "server bye", true]]);
    expect(r.rejected).toEqual([["error"], ["close", 1006, "", false]]);
    // Firefox also reports the refused handshake as a page error of its own (a difference from Chromium, which logs it
    // to the console only): docs/firefox.md.
    expect(errors).toEqual([`Firefox can\u2019t establish a connection to the server at ${server.url}/reject.`]);
    await page.close();
  }, 90_000);
});
