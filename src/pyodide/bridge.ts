// The JS module that Python imports as `_wsbridge_js`: the engine's entry points, adapted for Pyodide.
import type { PyodideLike } from "./types.js";

/** Builds the object registered as `_wsbridge_js` for one Pyodide instance. */
export function bridgeModule(_pyodide: PyodideLike): Record<string, unknown> {
  return {};
}
