// Finds a Chromium binary and launches it headless with the flags this machine needs.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { Browser } from "playwright-core";
import { playwrightCore } from "./core.js";

/**
 * The features Playwright itself turns off (playwright-core's chromiumSwitches, 1.65). Chromium keeps only the LAST
 * `--disable-features` switch, so ours must repeat them: test/browser/chromium-flags.test.ts fails when Playwright's
 * list changes.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  "AimEnabled", "AvoidCorsURLLoaderRestartOnRedirect", "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose",
  "HttpsFirstBalancedModeAutoEnable", "HttpsUpgrades", "LensOverlay", "MediaRouter", "NetworkTimeServiceQuerying",
  "OptimizationHints", "PaintHolding", "PreconnectToSearch", "TcpPortRandomizationWin", "ThirdPartyStoragePartitioning",
  "msEdgeUpdateLaunchServicesPreferredVersion", "msForceBrowserSignIn",
];

/**
 * Allocation samplers that walk the stack by frame pointers from inside malloc: GWP-ASan (a random ~1% of processes)
 * and the in-process heap profiler (`--subproc-heap-profiling` in some renderers). On a JSPI secondary stack (Pyodide's
 * run_sync, every async test) the walk reads past the top of that stack (base::debug::ScanStackForNextFrame bounds
 * its scan by the thread's stack end, not the secondary stack's) and the renderer dies with SIGSEGV.
 */
export const STACK_SAMPLING_FEATURES = ["GwpAsanMalloc", "GwpAsanPartitionAlloc", "HeapProfilerReporting"];

/** Flags for a quiet, offline headless Chromium (no sandbox as root, no background traffic, no stack-walking samplers). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...STACK_SAMPLING_FEATURES].join(",")}`,
];

/** Names looked up on PATH after the explicit choices, in order. */
const SYSTEM_NAMES = ["chromium", "chromium-browser", "google-chrome"];

/** Thrown when no browser can be found; its message is one line telling how to get one. */
export class BrowserNotFoundError extends Error {
  /** `missing`: the explicit path that does not exist and where it came from, if any; `browser`: which one was looked for. */
  constructor(missing?: { path: string; from: string }, browser: "Chromium" | "Firefox" = "Chromium") {
    const what = missing ? `No ${browser} at ${missing.path} (${missing.from})` : `No ${browser} found`;
    const [pkg, variable] = browser === "Firefox" ? ["firefox-esr", "WSBRIDGE_FIREFOX"] : ["chromium", "WSBRIDGE_CHROMIUM"];
    super(`${what}: install one (e.g. \`apt-get install -y ${pkg}\`) or pass --browser-path / set ${variable}.`);
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
export async function launchChromium(browserPath?: string, options: { handleSignals?: boolean; headed?: boolean; slowMo?: number } = {}): Promise<Browser> {
  const handle = options.handleSignals ?? true;
  // headed/slowMo: `wsbridge test --headed --slowmo MS`, for a user who wants the browser's own DevTools.
  const shown = { headless: !options.headed, ...(options.slowMo ? { slowMo: options.slowMo } : {}) };
  return playwrightCore.chromium.launch({ executablePath: findChromium(browserPath), args: CHROMIUM_ARGS, ...shown, handleSIGINT: handle, handleSIGTERM: handle, handleSIGHUP: handle });
}
