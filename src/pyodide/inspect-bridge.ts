// The inspection part of `_wsbridge_js`: what python/wsbridge/inspect.py calls. The engine's emitters hold the
// Python listeners and run the waits (predicate, timeout, Playwright's errors); each Python listener or predicate
// crosses as one proxy from the pool, released when it is removed, fires once, its wait settles or its socket
// closes. A frame reaches Python as its payload (str or Uint8Array), a socket as its InspectedWebSocket.
import { checkScopeEvent, contextInspection, pageInspection, resetInspection } from "../inspect/api.js";
import { InspectionError } from "../inspect/emitter.js";
import { checkInspectedEvent, type InspectedWebSocket } from "../inspect/websocket.js";
import type { PyodideLike, PyProxy } from "./types.js";
import { destroyProxy, holdProxy, releaseProxy } from "./proxies.js";
import type { BridgePart, InspectListener, PyFunction } from "./contract.js";

type Fn = (value: unknown) => unknown;
/** What both an inspected socket and a scope offer. */
interface Target {
  on(event: string, listener: Fn): unknown;
  off(event: string, listener: Fn): unknown;
  waitForEvent(event: string, options: { predicate?: Fn; timeout?: number; signal?: AbortSignal }): Promise<unknown>;
}

/** Every Python listener, by its proxy; `key` stands for the Python handler (`remove_listener` finds it by that). */
const listeners = new Map<PyProxy, { target: Target; event: string; key: string; fn: Fn }>();
const watched = new WeakSet<InspectedWebSocket>();
const waits = new Set<AbortController>();
const keys = new WeakMap<InspectedWebSocket, number>();
let nextKey = 1;

/** A scope by name ("page", "context"), or the socket itself; the engine's RangeError (Python's ValueError) for an event it has not. */
function targetOf(target: InspectedWebSocket | string, event: string): Target {
  if (typeof target !== "string") {
    checkInspectedEvent(event);
    return target as unknown as Target;
  }
  checkScopeEvent(event);
  return (target === "context" ? contextInspection : pageInspection) as unknown as Target;
}

/** What Python gets for an event's value: a frame's payload; a socket error's text or a socket as it is. */
function exported(event: string, value: unknown): Parameters<InspectListener>[0] {
  return event === "framesent" || event === "framereceived" ? (value as { payload: string | Uint8Array }).payload : (value as string | InspectedWebSocket);
}

/**
 * Adds a Python listener for the handler known by `key`; a socket's listeners are all released when it closes
 * (nothing is emitted after). An unknown event throws (the listener is destroyed).
 */
function inspectOn(target: InspectedWebSocket | string, event: string, listener: PyFunction<InspectListener>, once: boolean, key: string): void {
  holdProxy(listener, "inspect");
  let emitter: Target;
  try {
    emitter = targetOf(target, event);
  } catch (error) {
    destroyProxy(listener);
    throw error;
  }
  if (typeof target !== "string" && target.isClosed()) return destroyProxy(listener);
  const fn = (value: unknown) => {
    if (once) removeListener(listener);
    listener(exported(event, value));
  };
  listeners.set(listener, { target: emitter, event, key, fn });
  emitter.on(event, fn);
  if (typeof target !== "string" && !watched.has(target)) {
    watched.add(target);
    target.on("close", () => { for (const [proxy, entry] of listeners) if (entry.target === (target as unknown)) removeListener(proxy); });
  }
}

/** Removes the oldest listener `inspectOn` added on `target` for `event` and the handler known by `key` (if any). */
function inspectOff(target: InspectedWebSocket | string, event: string, key: string): void {
  const wanted = targetOf(target, event);
  for (const [proxy, entry] of listeners) {
    if (entry.target === wanted && entry.event === event && entry.key === key) return removeListener(proxy);
  }
}

/** Removes a Python listener and releases its proxy (no-op when already gone). */
function removeListener(listener: PyProxy): void {
  const entry = listeners.get(listener);
  if (!entry) return;
  listeners.delete(listener);
  entry.target.off(entry.event, entry.fn);
  releaseProxy(listener);
}

/** The engine's wait for `event` (the target's `waitForEvent`); `signal` (or a reset) cancels it. An unknown event throws at the call. */
function inspectWait(target: InspectedWebSocket | string, event: string, predicate: PyFunction<InspectListener> | undefined | null, timeout: number | undefined | null, signal: AbortSignal): Promise<unknown> {
  let emitter: Target;
  try {
    emitter = targetOf(target, event);
  } catch (error) {
    if (predicate) destroyProxy(holdProxy(predicate, "inspect"));
    throw error;
  }
  const own = new AbortController();
  signal.addEventListener("abort", () => own.abort(), { once: true });
  waits.add(own);
  const test = predicate ? holdProxy(predicate, "inspect") : undefined;
  const options = { predicate: test && ((value: unknown) => test(exported(event, value))), timeout: timeout ?? undefined, signal: own.signal };
  const named = (error: unknown) => {
    if (error instanceof InspectionError) error.name = "InspectionError"; // what errors.from_js maps by
    throw error;
  };
  return emitter.waitForEvent(event, options).then((value) => exported(event, value), named).finally(() => {
    waits.delete(own);
    releaseProxy(test);
  });
}

/** The number Python knows `ws` by (one Python object per socket). */
function inspectKey(ws: InspectedWebSocket): number {
  let key = keys.get(ws);
  if (key === undefined) keys.set(ws, (key = nextKey++));
  return key;
}

/** Drops every Python listener and wait, and page JS's `websocket` listeners too (reset between tests). */
function inspectReset(): void {
  for (const proxy of [...listeners.keys()]) removeListener(proxy);
  for (const wait of [...waits]) wait.abort();
  resetInspection();
}

/** Entry points for the Python inspection face. */
export function inspectBridge(_pyodide: PyodideLike): BridgePart<"inspectOn" | "inspectOff" | "inspectWait" | "inspectKey" | "inspectReset"> {
  return { inspectOn, inspectOff, inspectWait, inspectKey, inspectReset };
}
