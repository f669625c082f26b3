// attachPython: loads the local Pyodide and wsbridge into a playwright-core Page and runs Python there.
import type { Page } from "playwright-core";
import { startStaticServer, type StaticServer } from "./static-server.js";

export interface AttachOptions {
  /**
   * Milliseconds for the whole load: opening the page, downloading pyodide.mjs, `loadPyodide` (download and
   * compile) and installing wsbridge (default 60000). A slow or busy machine may need more.
   */
  timeout?: number;
  /** Base URL of a server that serves `pyodide/` and `wsbridge/` (default: one started on 127.0.0.1). */
  baseURL?: string;
}

export interface PythonHandle {
  /** Runs synchronous Python; resolves to the last expression, converted to JSON-able values. */
  run<T = unknown>(code: string): Promise<T>;
  /** Runs Python with top-level `await`; resolves like `run`. */
  runAsync<T = unknown>(code: string): Promise<T>;
  /** The page's base URL for the served files. */
  baseURL: string;
}

import { PythonError } from "../pyodide/errors.js";

export { PythonError };

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

let sharedServer: Promise<StaticServer> | undefined;

/**
 * One static server per Node process, started on first use and closed at exit. It never keeps the process
 * alive (server and connections are unref'ed): a script that closes its browser exits by itself.
 */
export function sharedStaticServer(): Promise<StaticServer> {
  sharedServer ??= startStaticServer({ unref: true }).then((server) => {
    process.once("exit", () => void server.close());
    return server;
  });
  return sharedServer;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string; type?: string; detached?: boolean };

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

/**
 * The in-page loader, kept as source text: test runners that transform TypeScript (vitest) rewrite `import()`
 * inside functions handed to `page.evaluate`, which would break it in the page.
 */
const PAGE_LOADER = String.raw`async ({ baseURL, timeout, left, spent }) => {
  const g = globalThis;
  if (g.__wsbridgePyodide) return { ok: true, value: null };
  const t0 = performance.now() - spent;
  const ms = (t) => Math.round(t) + " ms";
  // Each step: what a failure says ("failed " + doing) and what a timeout calls it (name); done: finished steps.
  const done = [];
  let step;
  const begin = (name, doing) => {
    if (step) done.push(step.name + " " + ms(performance.now() - step.at));
    step = { name, doing, at: performance.now() };
  };
  // Only when it is really wrong: a .wasm served with another MIME type makes loadPyodide hang.
  const wasmHint = async () => {
    const abort = new AbortController();
    const stop = setTimeout(() => abort.abort(), 1000);
    try {
      const response = await fetch(baseURL + "pyodide/pyodide.asm.wasm", { method: "HEAD", signal: abort.signal, cache: "no-store" });
      const type = (response.headers.get("content-type") || "").split(";")[0].trim();
      if (!response.ok) return "; " + baseURL + "pyodide/pyodide.asm.wasm answers HTTP " + response.status;
      if (type !== "application/wasm") return "; the server sends pyodide.asm.wasm as " + JSON.stringify(type) + ", which must be application/wasm";
      return "";
    } catch {
      return "";
    } finally {
      clearTimeout(stop);
    }
  };
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(async () => {
      const now = performance.now();
      const hint = step.name.startsWith("loadPyodide") ? await wasmHint() : "";
      const before = done.length ? " (finished before it: " + done.join(", ") + ")" : "";
      reject(Object.assign(new Error(
        "Pyodide and wsbridge did not load within " + timeout + " ms from " + baseURL + "pyodide/: " + step.name +
        " was still running after " + ms(now - step.at) + ", " + ms(now - t0) + " in all" + before + hint +
        ". A slow machine needs a longer attachPython(page, { timeout })"), { timedOut: true }));
    }, left);
  });
  const load = async () => {
    begin("download of pyodide.mjs", "importing " + baseURL + "pyodide/pyodide.mjs");
    const { loadPyodide } = await import(baseURL + "pyodide/pyodide.mjs");
    begin("loadPyodide (download + compile of pyodide.asm.wasm and the standard library)", "in loadPyodide({ indexURL: '" + baseURL + "pyodide/' })");
    const pyodide = await loadPyodide({ indexURL: baseURL + "pyodide/" });
    begin("wsbridge install (import of " + baseURL + "wsbridge/wsbridge.mjs and installWsBridge)", "importing " + baseURL + "wsbridge/wsbridge.mjs");
    const wsbridge = await import(baseURL + "wsbridge/wsbridge.mjs");
    step.doing = "in installWsBridge(pyodide)";
    await wsbridge.installWsBridge(pyodide);
    return { pyodide, wsbridge };
  };
  // JSON all the way down: None inside lists and dicts becomes null (not undefined); odd values become text.
  const jsonable = (value) => {
    if (value === undefined || value === null || typeof value !== "object") return value;
    try {
      return JSON.parse(JSON.stringify(value, (_, x) => (x === undefined ? null : typeof x === "bigint" ? Number(x) : x)));
    } catch {
      return String(value);
    }
  };
  try {
    const { pyodide, wsbridge } = await Promise.race([load(), deadline]);
    g.__wsbridgePyodide = pyodide;
    g.__wsbridgeRun = async (code, isAsync) => {
      try {
        const result = isAsync ? await pyodide.runPythonAsync(code) : pyodide.runPython(code);
        return { ok: true, value: jsonable(wsbridge.toJSONable(result)) };
      } catch (error) {
        const type = error && error.type;
        return { ok: false, error: error instanceof Error ? error.message : String(error), type: typeof type === "string" ? type : "" };
      }
    };
    return { ok: true, value: null };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, error: error && error.timedOut ? text : "failed " + step.doing + " after " + ms(performance.now() - step.at) + ": " + text };
  } finally {
    clearTimeout(timer);
  }
}`;

/**
 * Loads Pyodide and wsbridge into `page` (navigating a blank page to the server first) and returns `run`/`runAsync`.
 * Rejects with `PyodideLoadError` when loading fails or takes longer than `options.timeout` (default 60000 ms).
 */
export async function attachPython(page: Page, options: AttachOptions = {}): Promise<PythonHandle> {
  const timeout = options.timeout ?? 60_000;
  if (!(Number.isFinite(timeout) && timeout > 0)) throw new TypeError(`attachPython: timeout must be a positive number of milliseconds, got ${String(options.timeout)}`);
  const started = Date.now();
  const baseURL = withSlash(options.baseURL ?? (await sharedStaticServer()).url);
  if (page.url() === "about:blank") {
    const slowOpen = () => new PyodideLoadError(`attachPython: cannot open ${baseURL}: the server did not answer the page request within ${timeout} ms`);
    try {
      await within(page.goto(baseURL, { timeout }), timeout, slowOpen);
    } catch (error) {
      if (error instanceof PyodideLoadError) throw error;
      const text = firstLine(error);
      throw /Timeout \d+ms exceeded/i.test(text) ? slowOpen() : new PyodideLoadError(`attachPython: cannot open ${baseURL}: ${text}`);
    }
  }
  const spent = Date.now() - started;
  const left = Math.max(1, timeout - spent);
  // The page enforces the deadline itself and says which step was slow; this one only catches a page that stops
  // answering altogether (a main thread blocked for seconds), so it allows the page a moment to report first.
  const pageSilent = () =>
    new PyodideLoadError(`attachPython: Pyodide and wsbridge did not load within ${timeout} ms from ${baseURL}pyodide/: the page did not answer for ${Date.now() - started} ms (its main thread stayed busy). A slow machine needs a longer attachPython(page, { timeout })`);
  const loaded: Outcome = await within(
    page.evaluate(`(${PAGE_LOADER})(${JSON.stringify({ baseURL, timeout, left, spent })})`) as Promise<Outcome>,
    left + 3_000,
    pageSilent,
  ).catch((error: unknown) => {
    if (error instanceof PyodideLoadError) throw error;
    throw new PyodideLoadError(`attachPython: the page failed while loading Pyodide: ${firstLine(error)}`);
  });
  if (!loaded.ok) throw new PyodideLoadError(`attachPython: ${loaded.error}`);
  const call = async <T>(code: string, isAsync: boolean): Promise<T> => {
    const outcome: Outcome = await page.evaluate(
      ([code, isAsync]) => {
        const run = (globalThis as unknown as { __wsbridgeRun?(c: string, a: boolean): Promise<Outcome> }).__wsbridgeRun;
        if (!run) return { ok: false as const, error: "Python is not loaded in this page any more (did it navigate or reload?); call attachPython again", detached: true };
        return run(code, isAsync);
      },
      [code, isAsync] as const,
    );
    if (!outcome.ok) throw outcome.detached ? new Error(`attachPython: ${outcome.error}`) : new PythonError(outcome.error, outcome.type);
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
