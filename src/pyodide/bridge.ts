// The JS module that Python imports as `_wsbridge_js`: the engine's entry points, adapted for Pyodide.
import type { PyodideLike } from "./types.js";
import type { WsBridgeModule } from "./contract.js";
import { socketBridge } from "./socket-bridge.js";
import { routeBridge } from "./route-bridge.js";
import { inspectBridge } from "./inspect-bridge.js";
import { harBridge } from "./har-bridge.js";
import { traceBridge } from "./trace-bridge.js";
import { evaluateBridge } from "./evaluate-bridge.js";
import { proxyStats } from "./proxies.js";

/** Builds the object registered as `_wsbridge_js` for one Pyodide instance: the typed contract of ./contract.ts. */
export function bridgeModule(pyodide: PyodideLike): WsBridgeModule {
  return { ...socketBridge(pyodide), ...routeBridge(pyodide), ...inspectBridge(pyodide), ...harBridge(pyodide), ...traceBridge(), ...evaluateBridge(pyodide), proxyStats };
}
