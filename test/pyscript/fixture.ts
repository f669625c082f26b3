// PyScript page fixture: headless Chromium, a static server with PyScript, the example and the test pages mounted,
// the `ws` test server, and a browser context that aborts and records every request not to 127.0.0.1. Pages are
// served cross-origin isolated (COOP/COEP), as docs/pyscript.md tells users to: PyScript's workers then have
// `window`/`document` and do not warn "Unable to use `window` or `document` in worker" on every load.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "../../src/playwright/browser.js";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { startTestServer, type TestServer } from "../../src/playwright/test-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** node_modules/@pyscript/core/dist: core.js and its chunks. */
export const pyscriptDir = dirname(fileURLToPath(import.meta.resolve("@pyscript/core/js")));

/**
 * PyScript's MicroPython build (npm `@micropython/micropython-webassembly-pyscript`), mounted at /mpy/ when found:
 * WSBRIDGE_MICROPYTHON (the package folder), else node_modules. Not a dependency of wsbridge; tests skip without it.
 */
export const micropythonDir: string | undefined = [
  process.env.WSBRIDGE_MICROPYTHON,
  join(root, "node_modules/@micropython/micropython-webassembly-pyscript"),
].find((dir): dir is string => !!dir && existsSync(join(dir, "micropython.mjs")));

export interface PyScriptFixture {
  browser: Browser;
  context: BrowserContext;
  web: StaticServer;
  server: TestServer;
  /** Every request that was not to 127.0.0.1 (all aborted). */
  external: string[];
  /** Every console line of every page `open` opened, as `type: text`. */
  consoleAll: string[];
  /** Opens `path` (relative to the static server) in a new page, collecting console lines and page errors. */
  open(path: string): Promise<{ page: Page; console: string[]; errors: string[] }>;
}

/** Registers beforeAll/afterAll hooks; the returned object is filled in by beforeAll. */
export function usePyScript(): PyScriptFixture {
  const fx = { external: [] as string[], consoleAll: [] as string[] } as PyScriptFixture;
  beforeAll(async () => {
    fx.browser = await launchChromium();
    fx.server = await startTestServer({ record: true }); // the tests read what the server received
    fx.web = await startStaticServer({
      mounts: {
        wsbridge: join(root, "dist"),
        pyscript: pyscriptDir,
        example: join(root, "examples/pyscript"),
        t: join(root, "test/pyscript/pages"),
        ...(micropythonDir ? { mpy: micropythonDir } : {}),
      },
      isolated: true,
    });
    fx.context = await fx.browser.newContext();
    await fx.context.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1" || url.protocol === "blob:" || url.protocol === "data:") return route.continue();
      fx.external.push(route.request().url());
      return route.abort();
    });
    fx.open = async (path) => {
      const page = await fx.context.newPage();
      const console: string[] = [];
      const errors: string[] = [];
      page.on("console", (m) => {
        console.push(`${m.type()}: ${m.text()}`);
        fx.consoleAll.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(fx.web.url + path);
      return { page, console, errors };
    };
  });
  afterAll(async () => {
    await fx.context?.close();
    await fx.browser?.close();
    await fx.server?.close();
    await fx.web?.close();
  });
  return fx;
}
