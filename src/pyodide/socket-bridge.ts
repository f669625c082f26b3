// The socket part of `_wsbridge_js`: what python/wsbridge/websocket.py and client.py call.
import type { PyodideLike } from "./types.js";

/** Entry points for the Python socket face. */
export function socketBridge(_pyodide: PyodideLike): Record<string, unknown> {
  return {};
}
