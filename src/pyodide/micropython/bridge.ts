// The JS module MicroPython imports as `_wsbridge_mpy` (./contract.ts): the socket and routing parts for one
// interpreter, each function guarded so that nothing throws into MicroPython.
import { proxyStats } from "../proxies.js";
import type { MicroPythonLike } from "./types.js";
import { ByteChannel } from "./channel.js";
import { FAILED, type Entry, type MicroPythonModule } from "./contract.js";
import { socketPart, type MpySocket } from "./socket-part.js";
import { routePart, type MpyRoute } from "./route-part.js";

/** "Name\nmessage" of a thrown value, for Python's exception of that name. */
function describe(error: unknown): string {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return `${String(name ?? "Error")}\n${String(message ?? "")}`;
  }
  return `Error\n${String(error)}`;
}

/**
 * `module` with every function wrapped: a throw becomes `FAILED` and the error is kept for `takeError()` (a JS
 * exception thrown into MicroPython unwinds the whole interpreter call instead of raising in Python).
 */
export function guarded<M extends object>(module: M, keep: (error: unknown) => void): M {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(module)) {
    out[name] = (...args: unknown[]) => {
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch (error) {
        keep(error);
        return FAILED;
      }
    };
  }
  return out as M;
}

/** Builds `_wsbridge_mpy` for one MicroPython interpreter (its byte channel goes into the interpreter's FS). */
export function microPythonModule(interpreter: MicroPythonLike): MicroPythonModule {
  const channel = new ByteChannel(interpreter.FS);
  const sockets = new Map<number, MpySocket>();
  const routes = new Map<number, MpyRoute>();
  let entry: Entry | undefined;
  let lastError = "Error\nno error";
  const entryPoint = (): Entry => {
    if (!entry) throw new Error("wsbridge: MicroPython's entry point is not set (useEntry)");
    return entry;
  };
  const module: MicroPythonModule = {
    useEntry: (fn) => {
      entry = fn;
    },
    takeError: () => lastError,
    ...socketPart(entryPoint, channel, sockets),
    ...routePart(entryPoint, channel, routes),
    stats: () => JSON.stringify({ sockets: sockets.size, routes: routes.size, held: proxyStats().total }),
  };
  return guarded(module, (error) => {
    lastError = describe(error);
  });
}
