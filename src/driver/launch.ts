// One entry for both browsers: find the binary, launch it, and wrap it as a DriverBrowser.
import { findChromium, launchChromium } from "../playwright/browser.js";
import type { BrowserName, DriverBrowser } from "./driver.js";
import { findFirefox, launchFirefox } from "./firefox.js";
import { PlaywrightBrowser } from "./playwright.js";

/** The executable of `browser`: `explicit` when given, else that browser's variable, system paths and PATH. Throws BrowserNotFoundError. */
export function findBrowser(browser: BrowserName, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return browser === "firefox" ? findFirefox(explicit, env) : findChromium(explicit, env);
}

/** Launches `browser` headless from `executable` (a path findBrowser gave). */
export async function launchBrowser(browser: BrowserName, executable: string, options: { handleSignals?: boolean; headed?: boolean; slowMo?: number } = {}): Promise<DriverBrowser> {
  if (browser === "firefox") return launchFirefox(executable, { ...(options.handleSignals !== undefined ? { handleSignals: options.handleSignals } : {}) });
  return new PlaywrightBrowser(await launchChromium(executable, options));
}
