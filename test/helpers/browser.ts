// Shared fixtures for browser tests: one headless Chromium per test worker (shared by the files it runs), fresh
// pages and contexts per file (closed after the file), warm Pyodide pages handed out again where a call site opts
// in, and a ws test server per file.
//
// The browser outlives a file only when vitest runs files without isolation (vitest.config.ts: isolate: false,
// so this module and its browser stay loaded from one file to the next). Under `--isolate` each file launches
// and closes its own browser, as before.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "../../src/playwright/browser.js";
import { attachPython, type PythonHandle } from "../../src/playwright/attach.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { compiledStdlib } from "../../src/cli/stdlib.js";
import { startTestServer, type TestServer } from "../../src/playwright/test-server.js";

export interface NewPythonOptions {
  /**
   * Hand out a warm page (Pyodide and wsbridge already loaded) that an earlier file used, instead of loading a
   * fresh one. After each file such a page is reset: `wsbridge._lifecycle.reset()`, asyncio tasks cancelled, the
   * names the file added to Python's globals deleted, Playwright routes and listeners removed, other pages of
   * its context closed. Opt in only where a test does not need a pristine page (modules stay imported, JS globals
   * the file set stay, `console` starts empty rather than with the load's messages; no exposeFunction or init
   * scripts on it). Default false: a fresh page.
   */
  reuse?: boolean;
}

export interface BrowserFixture {
  browser: Browser;
  server: TestServer;
  /** The static server's base URL (serves `pyodide/` and `wsbridge/`). */
  baseURL: string;
  /** A fresh page navigated to the static server, with the built wsbridge bundle importable. */
  newPage(): Promise<Page>;
  /** A fresh page with the built wsbridge bundle imported as `globalThis.wsb`. */
  newBundlePage(): Promise<Page>;
  /** A page with Pyodide and wsbridge loaded: fresh, or warm from an earlier file with `{ reuse: true }`. */
  newPython(options?: NewPythonOptions): Promise<{ page: Page; py: PythonHandle; console: string[] }>;
  /**
   * Resets a warm page this file got from `newPython({ reuse: true })` now (as after a file) and puts it back in
   * the pool, so the file's next `newPython({ reuse: true })` gets it again instead of loading another page.
   */
  giveBack(page: Page): Promise<void>;
}

/** Whether vitest runs this file isolated (its own module graph): then nothing here outlives the file. */
function isolated(): boolean {
  const worker = (globalThis as { __vitest_worker__?: { config?: { isolate?: boolean } } }).__vitest_worker__;
  return worker?.config?.isolate !== false;
}

let shared: Promise<Browser> | undefined;
let statics: Promise<StaticServer> | undefined;

/**
 * The worker's static server: Pyodide and dist/, with the bytecode-compiled stdlib global-setup made (each page then
 * starts with ~40% of the CPU).
 */
export function testStaticServer(): Promise<StaticServer> {
  statics ??= startStaticServer({ unref: true, ...withCompiledStdlib() });
  return statics;
}

/** Static server options serving the compiled stdlib (when the cache holds it), for files with servers of their own. */
export function withCompiledStdlib(): { stdlib?: string } {
  const stdlib = compiledStdlib();
  return stdlib ? { stdlib } : {};
}

/** The worker's browser, launched on first use (again if it went away). */
function sharedBrowser(): Promise<Browser> {
  shared ??= launchChromium().then((browser) => {
    browser.on("disconnected", () => {
      shared = undefined;
      warm.clear();
      idle.length = 0;
    });
    return browser;
  });
  shared.catch(() => { shared = undefined; });
  return shared;
}

/** A page kept loaded for `{ reuse: true }`: its own context, one console listener feeding `console`. */
interface WarmPage {
  context: BrowserContext;
  page: Page;
  py: PythonHandle;
  console: string[];
}

/** Every warm page's context (never closed by a file's cleanup) and the warm pages free to hand out. */
const warm = new Map<BrowserContext, WarmPage>();
const idle: WarmPage[] = [];

/**
 * Python run when a warm page goes back to the pool: state dropped, globals back to the names after loading. It
 * ends with `None`: the popped values must not become the result (a 16 MiB `bytes` global took 80 s to send back).
 */
const RELEASE_PY = `
import asyncio as __wsb_asyncio, sys as __wsb_sys
__import__("wsbridge._lifecycle", fromlist=["reset"]).reset()
for __wsb_task in __wsb_asyncio.all_tasks():
    if __wsb_task is not __wsb_asyncio.current_task():
        __wsb_task.cancel()
for __wsb_i in range(3):
    await __wsb_asyncio.sleep(0)
(lambda g, keep: [g.pop(k) for k in list(g) if k not in keep])(globals(), __wsb_sys._wsbridge_test_pristine)
None
`;

function listenConsole(entry: WarmPage): void {
  entry.page.on("console", (m) => entry.console.push(`${m.type()}: ${m.text()}`));
}

async function loadWarm(browser: Browser, baseURL: string): Promise<WarmPage> {
  const context = await browser.newContext();
  const entry = { context, console: [] as string[] } as WarmPage;
  warm.set(context, entry);
  try {
    entry.page = await context.newPage();
    listenConsole(entry);
    await entry.page.goto(baseURL);
    entry.py = await attachPython(entry.page, { baseURL });
    await entry.py.run(`import sys\nsys._wsbridge_test_pristine = frozenset(globals()) | {"sys"}`);
  } catch (error) {
    warm.delete(context);
    await context.close().catch(() => undefined);
    throw error;
  }
  return entry;
}

/** Resets a warm page a file used and puts it back in the pool; one that cannot be reset is closed instead. */
async function release(entry: WarmPage): Promise<void> {
  try {
    if (entry.page.isClosed()) throw new Error("closed by the test");
    await entry.page.removeAllListeners();
    listenConsole(entry);
    await entry.page.unrouteAll({ behavior: "ignoreErrors" });
    await entry.context.unrouteAll({ behavior: "ignoreErrors" });
    for (const other of entry.context.pages()) if (other !== entry.page) await other.close();
    await entry.py.runAsync(RELEASE_PY);
    entry.console = [];
    idle.push(entry);
  } catch {
    warm.delete(entry.context);
    await entry.context.close().catch(() => undefined);
  }
}

/** Registers beforeAll/afterAll hooks and returns the fixture, filled in once beforeAll ran. */
export function useBrowser(): BrowserFixture {
  const fixture = {} as BrowserFixture;
  const borrowed: WarmPage[] = [];
  beforeAll(async () => {
    fixture.browser = await sharedBrowser();
    fixture.server = await startTestServer({ record: true }); // the tests read what the server received
    fixture.baseURL = (await testStaticServer()).url;
    fixture.newPage = async () => {
      const page = await fixture.browser.newPage();
      await page.goto(fixture.baseURL);
      return page;
    };
    fixture.newBundlePage = async () => {
      const page = await fixture.newPage();
      await page.evaluate(`import(${JSON.stringify(`${fixture.baseURL}wsbridge/wsbridge.mjs`)}).then((m) => { globalThis.wsb = m; })`);
      return page;
    };
    fixture.newPython = async (options = {}) => {
      if (options.reuse && !isolated()) {
        let entry: WarmPage | undefined;
        while ((entry = idle.pop()) && entry.page.isClosed()) warm.delete(entry.context);
        entry ??= await loadWarm(fixture.browser, fixture.baseURL);
        borrowed.push(entry);
        entry.console = [];
        return { page: entry.page, py: entry.py, console: entry.console };
      }
      const page = await fixture.newPage();
      const console: string[] = [];
      page.on("console", (m) => console.push(`${m.type()}: ${m.text()}`));
      const py = await attachPython(page, { baseURL: fixture.baseURL });
      return { page, py, console };
    };
    fixture.giveBack = async (page) => {
      const at = borrowed.findIndex((entry) => entry.page === page);
      if (at < 0) throw new Error("giveBack: not a warm page this file borrowed");
      await release(borrowed.splice(at, 1)[0]!);
    };
  });
  afterAll(async () => {
    await fixture.server?.close();
    const browser = fixture.browser;
    if (!browser) return;
    if (isolated()) {
      await browser.close();
      shared = undefined;
      return;
    }
    // Everything this file opened goes (files run one after another in this worker); warm pages go back.
    for (const entry of borrowed.splice(0)) await release(entry);
    await Promise.all(browser.contexts().filter((c) => !warm.has(c)).map((c) => c.close().catch(() => undefined)));
  });
  return fixture;
}
