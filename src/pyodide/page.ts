// In-page entry for attachPython (built on its own as dist/page-python.js, a classic script with no imports):
// starts Pyodide in the page through ./runtime.ts and leaves `__wsbridgeRun(code, isAsync)` for Playwright to call.
// It is separate from wsbridge.mjs so that the load steps keep their order (pyodide.mjs, loadPyodide, then the
// import of wsbridge.mjs as the install step) and so that a server without wsbridge still fails at pyodide.mjs.
import { startPython, LoadError, type PythonRuntime } from "./runtime.js";
import { PythonError } from "./errors.js";
import type { PyodideLike } from "./types.js";

/** What attachPython passes to `startPagePython`. */
export interface PageStartOptions {
  /** Base URL of the server with `pyodide/` and `wsbridge/`, with a trailing slash. */
  baseURL: string;
  /** Milliseconds for the whole load, as the user gave it. */
  timeout: number;
  /** Milliseconds of it already used (opening the page). */
  spent: number;
  /** Added to a timeout message. */
  advice: string;
}

/** The answer to Playwright: a value (JSON mode), or an error that is a Python exception (`python`) or not. */
export type PageOutcome =
  | { ok: true; value: unknown }
  | { ok: false; error: string; type?: string; python?: boolean; timedOut?: boolean };

/** The page's globals this entry sets; the test runner's page plumbing reads `__wsbridgePyodide`. */
interface PageGlobals {
  __wsbridgePyodide?: unknown;
  __wsbridgeRun?: (code: string, isAsync: boolean) => Promise<PageOutcome>;
}

/** Loads Pyodide and wsbridge into this page (once) and installs `__wsbridgeRun`; never rejects. */
export async function startPagePython(options: PageStartOptions): Promise<PageOutcome> {
  const g = globalThis as typeof globalThis & PageGlobals;
  if (g.__wsbridgePyodide) return { ok: true, value: null };
  const wsbridgeURL = `${options.baseURL}wsbridge/wsbridge.mjs`;
  let runtime: PythonRuntime;
  try {
    runtime = await startPython({
      indexURL: `${options.baseURL}pyodide/`,
      timeout: options.timeout,
      spent: options.spent,
      advice: options.advice,
      install: {
        name: `wsbridge install (import of ${wsbridgeURL} and installWsBridge)`,
        doing: `importing ${wsbridgeURL}`,
        // The page's own wsbridge.mjs: the same module instance page code imports, so routes are shared.
        async run(pyodide, now) {
          const wsbridge = (await import(/* @vite-ignore */ wsbridgeURL)) as { installWsBridge(p: PyodideLike): Promise<void> };
          now("in installWsBridge(pyodide)");
          await wsbridge.installWsBridge(pyodide);
        },
      },
    });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), timedOut: error instanceof LoadError && error.timedOut };
  }
  g.__wsbridgePyodide = runtime.pyodide;
  g.__wsbridgeRun = async (code, isAsync) => {
    try {
      return { ok: true, value: (await runtime.run(code, { async: isAsync, to: "json" })).value };
    } catch (error) {
      if (error instanceof PythonError) return { ok: false, error: error.message, type: error.type, python: true };
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return { ok: true, value: null };
}
