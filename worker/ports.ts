// Named MessagePort services inside the worker: the extension point for channels to the main thread.
//
// The main thread calls `attachPort(kind, port)` on the worker (through Comlink, the port transferred);
// the worker hands the port to the service registered under `kind`. Routing across threads is one ("routes",
// registered in worker/runtime.ts): the worker's `globalThis.WebSocket` is already the routed class (installWsBridge
// installs it), and the service hands the port to `routeThroughPort` (src/route/port-link.ts), so a socket worker
// code opens that no worker route takes is routed over the port by the main thread's routes (the client's
// `linkRoutesPort`), or behaves as a native socket when none matches.
import type { PythonRuntime } from "../src/pyodide/runtime.js";

/** What a service gets besides its port. */
export interface PortServiceContext {
  /** The worker's Python (Pyodide with wsbridge installed), through src/pyodide/runtime.ts. */
  runtime: PythonRuntime;
  /** The worker's global scope (install a routed `WebSocket` on it, for instance). */
  scope: typeof globalThis;
}

/** Takes ownership of `port`; may be async (the main thread's `attachPort` resolves after it). */
export type PortService = (port: MessagePort, context: PortServiceContext) => void | Promise<void>;

const services = new Map<string, PortService>();

/** Registers the service for `kind` (a later registration replaces an earlier one). */
export function registerPortService(kind: string, service: PortService): void {
  services.set(kind, service);
}

/** Hands `port` to the service for `kind`; throws when there is none. */
export async function attachPort(kind: string, port: MessagePort, context: PortServiceContext): Promise<void> {
  const service = services.get(kind);
  if (!service) {
    port.close();
    throw new Error(`wsbridge worker: no port service named ${JSON.stringify(kind)} (known: ${[...services.keys()].join(", ") || "none"})`);
  }
  await service(port, context);
}
