// Finds a Chromium binary and launches it headless with the flags this machine needs.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { chromium, type Browser } from "playwright-core";

/** Flags for a quiet, offline headless Chromium (no sandbox as root, no background traffic). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Names looked up on PATH after the explicit choices, in order. */
const SYSTEM_NAMES = ["chromium", "chromium-browser", "google-chrome"];

/** Thrown when no browser can be found; its message is one line telling how to get one. */
export class BrowserNotFoundError extends Error {
  /** `missing`: the explicit path that does not exist and where it came from, if any. */
  constructor(missing?: { path: string; from: string }) {
    const what = missing ? `No Chromium at ${missing.path} (${missing.from})` : "No Chromium found";
    super(`${what}: install one (e.g. \`apt-get install -y chromium\`) or pass --browser-path / set WSBRIDGE_CHROMIUM.`);
    this.name = "BrowserNotFoundError";
  }
}

/**
 * Resolves the browser: explicit path, then WSBRIDGE_CHROMIUM, then /usr/bin/chromium, then PATH.
 * An explicit path or a set WSBRIDGE_CHROMIUM that does not exist is an error (never silently skipped).
 */
export function findChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new BrowserNotFoundError({ path: explicit, from: "--browser-path" });
    return explicit;
  }
  const fromEnv = env.WSBRIDGE_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BrowserNotFoundError({ path: fromEnv, from: "WSBRIDGE_CHROMIUM" });
    return fromEnv;
  }
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    for (const name of SYSTEM_NAMES) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  throw new BrowserNotFoundError();
}

/**
 * Launches headless Chromium from `findChromium(browserPath)`. `handleSignals: false` leaves Ctrl-C to the caller
 * (the test runner finishes pytest's summary in the browser before it closes it).
 */
export async function launchChromium(browserPath?: string, options: { handleSignals?: boolean } = {}): Promise<Browser> {
  const handle = options.handleSignals ?? true;
  return chromium.launch({ executablePath: findChromium(browserPath), args: CHROMIUM_ARGS, headless: true, handleSIGINT: handle, handleSIGTERM: handle, handleSIGHUP: handle });
}
