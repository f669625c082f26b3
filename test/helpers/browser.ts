// Shared fixtures for browser tests: one headless Chromium per test file, pages with Python attached, a ws test server.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "../../src/playwright/browser.js";
import { attachPython, sharedStaticServer, type PythonHandle } from "../../src/playwright/attach.js";
import { startTestServer, type TestServer } from "../../src/playwright/test-server.js";

export interface BrowserFixture {
  browser: Browser;
  server: TestServer;
  /** The static server's base URL (serves `pyodide/` and `wsbridge/`). */
  baseURL: string;
  /** A fresh page navigated to the static server, with the built wsbridge bundle importable. */
  newPage(): Promise<Page>;
  /** A fresh page with the built wsbridge bundle imported as `globalThis.wsb`. */
  newBundlePage(): Promise<Page>;
  /** A fresh page with Pyodide and wsbridge loaded. */
  newPython(): Promise<{ page: Page; py: PythonHandle; console: string[] }>;
}

/** Registers beforeAll/afterAll hooks and returns the fixture, filled in once beforeAll ran. */
export function useBrowser(): BrowserFixture {
  const fixture = {} as BrowserFixture;
  const pages: Page[] = [];
  beforeAll(async () => {
    fixture.browser = await launchChromium();
    fixture.server = await startTestServer({ record: true }); // the tests read what the server received
    fixture.baseURL = (await sharedStaticServer()).url;
    fixture.newPage = async () => {
      const page = await fixture.browser.newPage();
      pages.push(page);
      await page.goto(fixture.baseURL);
      return page;
    };
    fixture.newBundlePage = async () => {
      const page = await fixture.newPage();
      await page.evaluate(`import(${JSON.stringify(`${fixture.baseURL}wsbridge/wsbridge.mjs`)}).then((m) => { globalThis.wsb = m; })`);
      return page;
    };
    fixture.newPython = async () => {
      const page = await fixture.newPage();
      const console: string[] = [];
      page.on("console", (m) => console.push(`${m.type()}: ${m.text()}`));
      const py = await attachPython(page, { baseURL: fixture.baseURL });
      return { page, py, console };
    };
  });
  afterAll(async () => {
    await fixture.server?.close();
    await fixture.browser?.close();
  });
  return fixture;
}
