// Pyodide's standard library compiled to bytecode, kept in the cache. The npm pyodide package's python_stdlib.zip
// holds only .py sources, so every page compiled each stdlib module it imported, at every start: most of a page's
// Pyodide start-up CPU (measured here: ~4.5 CPU-s per start with the sources, ~1.7 s with the compiled copy).
// The copy is made once, in a page, by Pyodide itself (src/pyodide/compile-stdlib.ts): each .py stays (tracebacks
// and inspect read it) and gets an unchecked-hash .pyc beside it (PEP 552), which zipimport prefers.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DriverBrowser } from "../driver/driver.js";
import { PlaywrightBrowser } from "../driver/playwright.js";
import { compileStdlibScript } from "../pyodide/compile-stdlib.js";
import { within } from "../playwright/attach.js";
import { launchChromium } from "../playwright/browser.js";
import { compiledStdlibPath, stdlibDamage } from "../playwright/cache.js";
import { startStaticServer } from "../playwright/static-server.js";

export { compiledStdlib, compiledStdlibPath } from "../playwright/cache.js";

/** How long making the copy may take (loading Pyodide in a page, then compiling ~1,000 modules) before it is given up. */
export const COMPILE_TIMEOUT_MS = 120_000;

/** How `ensureCompiledStdlib` is bounded and where it says why it made no copy. */
export interface CompileOptions {
  timeoutMs?: number;
  /** Told, in one line, why no copy was made (pages then load Pyodide's own zip). */
  warn?: (text: string) => void;
  /** The Pyodide folder whose stdlib is compiled (default: the bundled one). */
  pyodide?: string;
}

/**
 * The compiled stdlib, made in a page of `browser` when the cache does not hold it yet. Undefined when it cannot
 * be made within `timeoutMs`: pages then load Pyodide's own zip, as before (slower, same behaviour), and `warn`
 * is told why.
 */
export async function ensureCompiledStdlib(browser: DriverBrowser, env: NodeJS.ProcessEnv = process.env, options: CompileOptions = {}): Promise<string | undefined> {
  const target = compiledStdlibPath(env, options.pyodide);
  const damage = stdlibDamage(target);
  if (damage === undefined) return target;
  if (existsSync(target)) options.warn?.(`wsbridge: the compiled stdlib in ${target} is damaged (${damage}); making it again`);
  const timeoutMs = options.timeoutMs ?? COMPILE_TIMEOUT_MS;
  const server = await startStaticServer(options.pyodide ? { pyodide: options.pyodide } : {});
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const made = (async () => {
      await page.goto(server.url, 30_000); // as Playwright's default: the deadline that counts is `within` below
      return page.evaluate<string>(compileStdlibScript(`${server.url}pyodide/`));
    })();
    const late = () => new Error(`not made within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`);
    const base64 = await within(made, timeoutMs, late);
    // Written beside the target and renamed: a run that reads it never sees half a file, two runs making it at once
    // both end with a whole one.
    mkdirSync(join(target, ".."), { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    const bytes = Buffer.from(base64, "base64");
    writeFileSync(partial, bytes);
    // The sha256 beside it is written last: a zip without one (a run killed in between) is made again.
    rmSync(`${target}.sha256`, { force: true });
    renameSync(partial, target);
    writeFileSync(`${target}.sha256`, createHash("sha256").update(bytes).digest("hex"));
    return target;
  } catch (error) {
    rmSync(`${target}.${process.pid}.partial`, { force: true });
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    options.warn?.(`wsbridge: no compiled stdlib (${reason}); pages load Pyodide's own, which starts slower`);
    return undefined;
  } finally {
    await context.close().catch(() => undefined);
    await server.close();
  }
}

/** `ensureCompiledStdlib` in a Chromium of its own (`executable`, or the one found), closed afterwards. */
export async function ensureCompiledStdlibAlone(executable?: string, env: NodeJS.ProcessEnv = process.env, options: CompileOptions = {}): Promise<string | undefined> {
  const browser = await launchChromium(executable);
  try {
    return await ensureCompiledStdlib(new PlaywrightBrowser(browser), env, options);
  } finally {
    await browser.close();
  }
}
