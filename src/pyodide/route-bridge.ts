// The routing part of `_wsbridge_js`: what python/wsbridge/route.py calls.
import type { PyodideLike } from "./types.js";

/** Entry points for the Python routing face. */
export function routeBridge(_pyodide: PyodideLike): Record<string, unknown> {
  return {};
}
