// Finds a Firefox binary and launches it headless through puppeteer-core over WebDriver BiDi.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { BrowserNotFoundError } from "../playwright/browser.js";
import { PuppeteerBrowser } from "./puppeteer.js";

/**
 * Preferences every Firefox wsbridge starts gets (docs/firefox.md says why, with what was measured):
 * - JSPI (WebAssembly.Suspending/promising, which Pyodide's `run_sync` and so every async test needs) is behind a
 *   preference in Firefox ESR 140: without it both are undefined, in the page and in its workers.
 * - No growing delay before connecting again to a host:port whose handshake failed (200 ms, then 1.5x each time, to
 *   60 s): a suite that tests refused handshakes would otherwise wait seconds per socket.
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  "javascript.options.wasm_js_promise_integration": true,
  "network.websocket.delay-failed-reconnects": false,
};

/** Names looked up on PATH after the explicit choices, in order. */
const SYSTEM_NAMES = ["firefox-esr", "firefox"];

/**
 * Resolves Firefox: explicit path, then WSBRIDGE_FIREFOX, then /usr/bin/firefox-esr and /usr/bin/firefox, then PATH.
 * An explicit path or a set WSBRIDGE_FIREFOX that does not exist is an error (never silently skipped).
 */
export function findFirefox(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const browser = "Firefox";
  if (explicit) {
    if (!existsSync(explicit)) throw new BrowserNotFoundError({ path: explicit, from: "--browser-path" }, browser);
    return explicit;
  }
  const fromEnv = env.WSBRIDGE_FIREFOX;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BrowserNotFoundError({ path: fromEnv, from: "WSBRIDGE_FIREFOX" }, browser);
    return fromEnv;
  }
  for (const dir of ["/usr/bin", ...(env.PATH ?? "").split(delimiter)]) {
    for (const name of SYSTEM_NAMES) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  throw new BrowserNotFoundError(undefined, browser);
}

/**
 * Launches headless Firefox from `findFirefox(browserPath)` with a fresh profile (puppeteer-core removes it on close).
 * `handleSignals: false` leaves Ctrl-C to the caller, as for Chromium.
 */
export async function launchFirefox(browserPath?: string, options: { handleSignals?: boolean } = {}): Promise<PuppeteerBrowser> {
  const executablePath = findFirefox(browserPath);
  const handle = options.handleSignals ?? true;
  // An optional peer dependency: only Firefox needs it.
  const { default: puppeteer } = await import("puppeteer-core").catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new Error("Firefox is driven by puppeteer-core, an optional peer dependency that is not installed: npm install puppeteer-core");
  });
  const browser = await puppeteer.launch({
    browser: "firefox", executablePath, headless: true, extraPrefsFirefox: FIREFOX_PREFS,
    handleSIGINT: handle, handleSIGTERM: handle, handleSIGHUP: handle,
  });
  return new PuppeteerBrowser(browser);
}
