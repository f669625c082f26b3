// attachPython: loads the local Pyodide and wsbridge into a playwright-core Page and runs Python there.
import type { Page } from "playwright-core";
import { startStaticServer, type StaticServer } from "./static-server.js";

export interface AttachOptions {
  /** Milliseconds to wait for Pyodide to load (default 60000). */
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

/** A Python exception raised in the page; `message` is the Python traceback text, `pythonType` its class name. */
export class PythonError extends Error {
  /** The Python exception's class name, e.g. `"ValueError"` (empty when unknown). */
  readonly pythonType: string;
  constructor(traceback: string, pythonType = "") {
    super(traceback);
    this.name = "PythonError";
    this.pythonType = pythonType || (/^(\w[\w.]*)(?::|$)/m.exec(traceback.trimEnd().split("\n").pop() ?? "")?.[1] ?? "");
  }
}

/** Pyodide or wsbridge could not be loaded into the page (missing files, wrong MIME type, timeout). */
export class PyodideLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PyodideLoadError";
  }
}

let sharedServer: Promise<StaticServer> | undefined;

/** One static server per Node process, started on first use and closed at exit. */
export function sharedStaticServer(): Promise<StaticServer> {
  sharedServer ??= startStaticServer().then((server) => {
    process.once("exit", () => void server.close());
    return server;
  });
  return sharedServer;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string; type?: string; detached?: boolean };

/** Runs `work`; rejects with `error()` when it has not settled within `ms`. */
async function within<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
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
const PAGE_LOADER = String.raw`async ({ baseURL, timeout }) => {
  const g = globalThis;
  if (g.__wsbridgePyodide) return { ok: true, value: null };
  let timer;
  let step = "importing " + baseURL + "pyodide/pyodide.mjs";
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("Pyodide and wsbridge did not load within " + timeout + " ms from " + baseURL + "pyodide/ (stuck " + step + "; is .wasm served as application/wasm?)")), timeout);
  });
  const load = async () => {
    const { loadPyodide } = await import(baseURL + "pyodide/pyodide.mjs");
    step = "in loadPyodide({ indexURL: '" + baseURL + "pyodide/' })";
    const pyodide = await loadPyodide({ indexURL: baseURL + "pyodide/" });
    step = "importing " + baseURL + "wsbridge/wsbridge.mjs";
    const wsbridge = await import(baseURL + "wsbridge/wsbridge.mjs");
    step = "in installWsBridge(pyodide)";
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
    return { ok: false, error: text.includes("did not load within") ? text : "failed " + step + ": " + text };
  } finally {
    clearTimeout(timer);
  }
}`;

/**
 * Loads Pyodide and wsbridge into `page` (navigating a blank page to the server first) and returns `run`/`runAsync`.
 * Rejects with `PyodideLoadError` when loading fails or takes longer than `options.timeout` (default 60000 ms).
 */
export async function attachPython(page: Page, options: AttachOptions = {}): Promise<PythonHandle> {
  const baseURL = withSlash(options.baseURL ?? (await sharedStaticServer()).url);
  const timeout = options.timeout ?? 60_000;
  const started = Date.now();
  const tooSlow = () => new PyodideLoadError(`attachPython: Pyodide and wsbridge did not load within ${timeout} ms from ${baseURL}pyodide/ (is the server up, and is .wasm served as application/wasm?)`);
  if (page.url() === "about:blank") {
    try {
      await within(page.goto(baseURL, { timeout }), timeout, tooSlow);
    } catch (error) {
      if (error instanceof PyodideLoadError) throw error;
      throw new PyodideLoadError(`attachPython: cannot open ${baseURL}: ${firstLine(error)}`);
    }
  }
  const left = Math.max(1, timeout - (Date.now() - started));
  const loaded: Outcome = await within(
    page.evaluate(`(${PAGE_LOADER})(${JSON.stringify({ baseURL, timeout: left })})`) as Promise<Outcome>,
    left + 2_000,
    tooSlow,
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
