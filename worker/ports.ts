// Named MessagePort services inside the worker: the extension point for channels to the main thread.
//
// The main thread calls `attachPort(kind, port)` on the worker (through Comlink, the port transferred);
// the worker hands the port to the service registered under `kind`. The routing engine (issue 4,
// "routes across threads") plugs in here: its service installs a routed `WebSocket` class as the worker's
// `globalThis.WebSocket` that speaks the route engine's plain message protocol over the port, so sockets
// that worker Python opens (wsbridge's BridgeSocket looks `globalThis.WebSocket` up at construction) are
// routed by handlers running on the main thread.
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
