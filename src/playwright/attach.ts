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

/** A Python exception raised in the page; `message` is the Python traceback text. */
export class PythonError extends Error {
  constructor(traceback: string) {
    super(traceback);
    this.name = "PythonError";
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

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

/** Loads Pyodide and wsbridge into `page` (navigating a blank page to the server first). */
export async function attachPython(page: Page, options: AttachOptions = {}): Promise<PythonHandle> {
  const baseURL = options.baseURL ?? (await sharedStaticServer()).url;
  const timeout = options.timeout ?? 60_000;
  if (page.url() === "about:blank") await page.goto(baseURL);
  const loaded: Outcome = await page.evaluate(
    async ({ baseURL, timeout }) => {
      const g = globalThis as unknown as Record<string, unknown>;
      if (g.__wsbridgePyodide) return { ok: true as const, value: null };
      const deadline = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`Pyodide did not load within ${timeout} ms from ${baseURL}pyodide/ (is .wasm served as application/wasm?)`)), timeout),
      );
      try {
        const { loadPyodide } = await import(`${baseURL}pyodide/pyodide.mjs`);
        const pyodide = await Promise.race([loadPyodide({ indexURL: `${baseURL}pyodide/` }), deadline]);
        const wsbridge = await import(`${baseURL}wsbridge/wsbridge.mjs`);
        await wsbridge.installWsBridge(pyodide);
        g.__wsbridgePyodide = pyodide;
        g.__wsbridgeRun = async (code: string, isAsync: boolean) => {
          try {
            const result = isAsync ? await pyodide.runPythonAsync(code) : pyodide.runPython(code);
            return { ok: true, value: wsbridge.toJSONable(result) };
          } catch (error) {
            return { ok: false, error: error instanceof Error ? error.message : String(error) };
          }
        };
        return { ok: true as const, value: null };
      } catch (error) {
        return { ok: false as const, error: error instanceof Error ? error.message : String(error) };
      }
    },
    { baseURL, timeout },
  );
  if (!loaded.ok) throw new Error(`attachPython: ${loaded.error}`);
  const call = async <T>(code: string, isAsync: boolean): Promise<T> => {
    const outcome: Outcome = await page.evaluate(
      ([code, isAsync]) => (globalThis as unknown as { __wsbridgeRun(c: string, a: boolean): Promise<Outcome> }).__wsbridgeRun(code, isAsync),
      [code, isAsync] as const,
    );
    if (!outcome.ok) throw new PythonError(outcome.error);
    return outcome.value as T;
  };
  return { run: (code) => call(code, false), runAsync: (code) => call(code, true), baseURL };
}
