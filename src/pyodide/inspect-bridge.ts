// The inspection part of `_wsbridge_js`: what python/wsbridge/inspect.py calls. Python hands over ONE dispatch
// proxy (inspectInit); JS calls it as dispatch(kind, key, value) for every announcement and event Python
// subscribed to. Inspected sockets are named to Python by a number, so the page and context announcements of
// one socket reach the same Python object.
import { contextInspection, pageInspection, resetInspection, type InspectionScope } from "../inspect/api.js";
import type { InspectedEvent, InspectedWebSocket } from "../inspect/websocket.js";
import type { PyodideLike } from "./types.js";
import { holdProxy, releaseProxy } from "./proxies.js";
import type { BridgePart, InspectDispatch, PyFunction } from "./contract.js";

let dispatch: PyFunction<InspectDispatch> | undefined;
const keys = new WeakMap<InspectedWebSocket, number>();
let nextKey = 1;
const scopeListeners = new Map<string, (ws: InspectedWebSocket) => void>();

/** Sets (or replaces) the Python dispatch proxy; the previous one is destroyed. */
function inspectInit(proxy: PyFunction<InspectDispatch>): void {
  const previous = dispatch;
  dispatch = holdProxy(proxy, "inspect");
  if (previous !== proxy) releaseProxy(previous);
}

/** The number Python knows `ws` by. */
function keyOf(ws: InspectedWebSocket): number {
  let key = keys.get(ws);
  if (key === undefined) {
    key = nextKey++;
    keys.set(ws, key);
  }
  return key;
}

function scopeOf(name: string): InspectionScope {
  return name === "context" ? contextInspection : pageInspection;
}

/** Starts (on) or stops (off) announcing new sockets of `scope` to Python as dispatch("websocket", scope, key, ws). */
function inspectScope(scope: string, on: boolean): void {
  const current = scopeListeners.get(scope);
  if (on && !current) {
    const listener = (ws: InspectedWebSocket) => { dispatch?.("websocket", scope, keyOf(ws), ws); };
    scopeListeners.set(scope, listener);
    scopeOf(scope).on("websocket", listener);
  } else if (!on && current) {
    scopeListeners.delete(scope);
    scopeOf(scope).off("websocket", current);
  }
}

type Listener = (value: unknown) => void;

/** Forwards `event` of `ws` to Python as dispatch(event, key, value); returns the function that stops it. */
function inspectListen(ws: InspectedWebSocket, event: string, key: number): () => void {
  const name = event as InspectedEvent;
  let listener: Listener;
  switch (name) {
    case "framesent":
    case "framereceived":
      listener = ((frame: { payload: string | Uint8Array }) => { dispatch?.(name, key, frame.payload); }) as Listener;
      break;
    case "socketerror":
      listener = ((message: string) => { dispatch?.(name, key, message); }) as Listener;
      break;
    case "close":
      listener = (() => { dispatch?.(name, key, undefined); }) as Listener;
      break;
    default:
      throw new TypeError(`unknown WebSocket event ${JSON.stringify(event)}: expected framesent, framereceived, close or socketerror`);
  }
  ws.on(name, listener as (value: unknown) => unknown);
  return () => { ws.off(name, listener as (value: unknown) => unknown); };
}

/** Stops every Python subscription and drops page JS's `websocket` listeners too (reset between tests). */
function inspectReset(): void {
  for (const scope of [...scopeListeners.keys()]) inspectScope(scope, false);
  resetInspection();
}

/** Entry points for the Python inspection face. */
export function inspectBridge(_pyodide: PyodideLike): BridgePart<"inspectInit" | "inspectScope" | "inspectListen" | "inspectReset"> {
  return { inspectInit, inspectScope, inspectListen, inspectReset };
}
