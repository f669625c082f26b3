// Python's side of a held callable under MicroPython. The engine's pool (../proxies.ts) holds Python callables as
// PyProxies and destroys each once; under MicroPython no Python callable is handed to JS per socket or route (see
// ./contract.ts), so what it holds are JS functions that call Python's one entry point, and "destroy" means: tell
// Python to forget the id. The pool's counters then count them as they count Pyodide's proxies.
import type { PyProxy } from "../types.js";

/** `fn` shaped as a held PyProxy: `destroy()` calls `release` once. */
export function held<F extends (...args: never[]) => unknown>(fn: F, release: () => void = () => undefined): F & PyProxy {
  let released = false;
  return Object.assign(fn, {
    type: "wsbridge-micropython-entry",
    toJs: () => fn,
    destroy: () => {
      if (released) return;
      released = true;
      release();
    },
  }) as F & PyProxy;
}
