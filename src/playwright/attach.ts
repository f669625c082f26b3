// attachPython: loads the local Pyodide and wsbridge into a page (playwright-core's for Chromium, puppeteer-core's for
// Firefox) and runs Python there. The page side (loading Pyodide, running code, converting results) is
// src/pyodide/page.ts; this file speaks only the driver interface (src/driver/driver.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compiledStdlib } from "./cache.js";
import { startStaticServer, distDir, type StaticServer } from "./static-server.js";
import { PythonError } from "../pyodide/errors.js";
import { pyodideRelease, PyodideReleaseError } from "./pyodide-release.js";
import type { SnapshotOption } from "../pyodide/runtime.js";
import { NavigationTimeoutError } from "../driver/driver.js";
import { asDriverPage, type AnyPage } from "../driver/wrap.js";

export interface AttachOptions {
  /**
   * Milliseconds for the whole load: opening the page, downloading pyodide.mjs, `loadPyodide` (download and
   * compile) and installing wsbridge (default 60000). A slow or busy machine may need more.
   */
  timeout?: number;
  /** Base URL of a server that serves `pyodide/` and `wsbridge/` (default: one started on 127.0.0.1). */
  baseURL?: string;
  /**
   * The Pyodide distribution to load: a folder holding pyodide.mjs, e.g. `node_modules/pyodide` of an
   * `npm install pyodide@0.28.3` (default: the bundled one). Supported: 0.27.x, 0.28.x, 0.29.x and 314.x. Not with `baseURL`
   * (that server decides what it serves).
   */
  pyodide?: string;
  /**
   * @internal The test runner's pages: start from a memory snapshot at this URL (`load`, with the bundle of its files
   * at `files`), or load a page to take one of (`make`: wsbridge is not installed). The server must serve the patched pyodide.asm.mjs (src/cli/snapshot.ts).
   */
  snapshot?: SnapshotOption;
}

export interface PythonHandle {
  /** Runs synchronous Python; resolves to the last expression, converted to JSON-able values. */
  run<T = unknown>(code: string): Promise<T>;
  /** Runs Python with top-level `await`; resolves like `run`. */
  runAsync<T = unknown>(code: string): Promise<T>;
  /** The page's base URL for the served files. */
  baseURL: string;
}

export { PythonError };

/** What a load timeout message advises. */
const ADVICE = "A slow machine needs a longer attachPython(page, { timeout })";

/**
 * Pyodide or wsbridge could not be loaded into the page. The message names the step that failed or was too slow
 * (download of pyodide.mjs, loadPyodide, wsbridge install) and the time it took.
 */
export class PyodideLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PyodideLoadError";
  }
}

const sharedServers = new Map<string, Promise<StaticServer>>();

/**
 * One static server per Node process and Pyodide folder (`pyodide`, default the bundled one), started on first use and closed at exit. It never keeps the process
 * alive (server and connections are unref'ed): a script that closes its browser exits by itself. It serves the
 * bytecode-compiled stdlib when the cache holds one (`npx wsbridge wheels` or a `wsbridge test` run made it):
 * pages then start with about 40 % of the CPU.
 */
export function sharedStaticServer(pyodide?: string): Promise<StaticServer> {
  const dir = pyodideRelease(pyodide).dir;
  let shared = sharedServers.get(dir);
  if (!shared) {
    // The compiled stdlib of this release only: another release's bytecode would not load.
    const stdlib = compiledStdlib(process.env, dir);
    shared = startStaticServer({ unref: true, pyodide: dir, ...(stdlib ? { stdlib } : {}) }).then((server) => {
      process.once("exit", () => void server.close());
      return server;
    });
    sharedServers.set(dir, shared);
  }
  return shared;
}

/** What the page's `__wsbridgeRun` and `startPagePython` answer (src/pyodide/page.ts). */
type Outcome = { ok: true; value: unknown } | { ok: false; error: string; type?: string; python?: boolean; detached?: boolean };

/** Runs `work`; rejects with `error()` when it has not settled within `ms`. */
export async function within<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(error()), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

let pageEntry: string | undefined;

/**
 * The in-page entry (dist/page-python.js, built from src/pyodide/page.ts): a classic script defining
 * `__wsbridgePagePython`. Evaluated as text, not imported by URL, so the load's first step is pyodide.mjs itself.
 */
function pageEntrySource(): string {
  if (pageEntry === undefined) {
    const file = join(distDir(), "page-python.js");
    try {
      pageEntry = readFileSync(file, "utf8");
    } catch {
      throw new PyodideLoadError(`attachPython: ${file} is missing (build wsbridge: npm run build)`);
    }
  }
  return pageEntry;
}

/**
 * Loads Pyodide and wsbridge into `page` (navigating a blank page to the server first) and returns `run`/`runAsync`.
 * Rejects with `PyodideLoadError` when loading fails or takes longer than `options.timeout` (default 60000 ms).
 */
export async function attachPython(anyPage: AnyPage, options: AttachOptions = {}): Promise<PythonHandle> {
  const page = asDriverPage(anyPage);
  const timeout = options.timeout ?? 60_000;
  if (!(Number.isFinite(timeout) && timeout > 0)) throw new TypeError(`attachPython: timeout must be a positive number of milliseconds, got ${String(options.timeout)}`);
  if (options.pyodide !== undefined && options.baseURL !== undefined) throw new TypeError("attachPython: pass pyodide or baseURL, not both (the server at baseURL decides which Pyodide it serves)");
  const started = Date.now();
  let server: Promise<StaticServer> | undefined;
  try {
    server = options.baseURL === undefined ? sharedStaticServer(options.pyodide) : undefined;
  } catch (error) {
    if (error instanceof PyodideReleaseError) throw new PyodideLoadError(`attachPython: ${error.message}`);
    throw error;
  }
  const baseURL = withSlash(options.baseURL ?? (await server!).url);
  if (page.url() === "about:blank") {
    const slowOpen = () => new PyodideLoadError(`attachPython: cannot open ${baseURL}: the server did not answer the page request within ${timeout} ms`);
    try {
      await within(page.goto(baseURL, timeout), timeout, slowOpen);
    } catch (error) {
      if (error instanceof PyodideLoadError) throw error;
      throw error instanceof NavigationTimeoutError ? slowOpen() : new PyodideLoadError(`attachPython: cannot open ${baseURL}: ${firstLine(error)}`);
    }
  }
  const spent = Date.now() - started;
  const left = Math.max(1, timeout - spent);
  // The page enforces the deadline itself and says which step was slow; this one only catches a page that stops
  // answering altogether (a main thread blocked for seconds), so it allows the page a moment to report first.
  const pageSilent = () =>
    new PyodideLoadError(`attachPython: Pyodide and wsbridge did not load within ${timeout} ms from ${baseURL}pyodide/: the page did not answer for ${Date.now() - started} ms (its main thread stayed busy). ${ADVICE}`);
  const loaded: Outcome = await within(
    page.evaluate<Outcome>(`(async () => {\n${pageEntrySource()}\nreturn __wsbridgePagePython.startPagePython(${JSON.stringify({ baseURL, timeout, spent, advice: ADVICE, ...(options.snapshot ? { snapshot: options.snapshot } : {}) })});\n})()`),
    left + 3_000,
    pageSilent,
  ).catch((error: unknown) => {
    if (error instanceof PyodideLoadError) throw error;
    throw new PyodideLoadError(`attachPython: the page failed while loading Pyodide: ${firstLine(error)}`);
  });
  if (!loaded.ok) throw new PyodideLoadError(`attachPython: ${loaded.error}`);
  const call = async <T>(code: string, isAsync: boolean): Promise<T> => {
    const outcome: Outcome = await page.call(
      ([code, isAsync]: readonly [string, boolean]): Outcome | Promise<Outcome> => {
        const run = (globalThis as unknown as { __wsbridgeRun?(c: string, a: boolean): Promise<Outcome> }).__wsbridgeRun;
        if (!run) return { ok: false as const, error: "Python is not loaded in this page any more (did it navigate or reload?); call attachPython again", detached: true };
        return run(code, isAsync);
      },
      [code, isAsync] as const,
    );
    if (!outcome.ok) throw outcome.python ? new PythonError(outcome.error, outcome.type) : new Error(`attachPython: ${outcome.error}`);
    return outcome.value as T;
  };
  return { run: (code) => call(code, false), runAsync: (code) => call(code, true), baseURL };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}
