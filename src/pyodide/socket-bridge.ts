// The socket part of `_wsbridge_js`: what python/wsbridge/websocket.py and client.py call.
import { BridgeSocket, socketCounters, type SocketSink } from "../socket/bridge-socket.js";
import { checkSocketUrl } from "../socket/validation.js";
import { documentBase } from "../route/match.js";
import type { PyCallable, PyodideLike } from "./types.js";

/** The first argument of a dispatch call (python/wsbridge/websocket.py `_Dispatcher`): a small int, cheap to cross. */
const KINDS = { open: 0, message: 1, error: 2, close: 3 } as const;
const MESSAGE = KINDS.message;

/** Python dispatch proxies handed to `openSocket` and not destroyed yet. */
const proxyCounter = { live: 0 };

/**
 * The URL a Python socket opens, resolved against the page; throws a SyntaxError (which Python turns into
 * ValueError) for a URL wsbridge refuses (see `checkSocketUrl`).
 */
export function checkUrl(url: string): string {
  const checked = checkSocketUrl(String(url), documentBase());
  // A JS SyntaxError rather than a DOMException: Pyodide keeps an Error's name and message on the JsException.
  if (!checked.ok) throw new SyntaxError(`Failed to construct 'WebSocket': ${checked.violation.message}`);
  return checked.url;
}

/**
 * Opens a BridgeSocket whose sink is a Python callable made with `create_proxy`; the proxy is destroyed once the
 * socket is done with it (after the final close was delivered, or on dispose), never while it is being called.
 */
export function openSocket(url: string, protocols: string | string[] | undefined | null, dispatch: PyCallable): BridgeSocket {
  try {
    checkUrl(url);
  } catch (error) {
    dispatch.destroy();
    throw error;
  }
  let depth = 0;
  let wanted = false;
  let destroyed = false;
  proxyCounter.live++;
  const destroy = () => {
    if (destroyed) return;
    // Destroying a proxy inside its own call would pull the Python object from under the running frame.
    if (depth > 0) {
      wanted = true;
      return;
    }
    destroyed = true;
    proxyCounter.live--;
    dispatch.destroy();
  };
  // One call per event into Python: a message carries only its data (str or ArrayBuffer), the others their event.
  const sink: SocketSink = (type, event, data) => {
    depth++;
    try {
      if (type === "message") dispatch(MESSAGE, data);
      else dispatch(KINDS[type], event);
    } finally {
      depth--;
      if (wanted && depth === 0) destroy();
    }
  };
  try {
    return new BridgeSocket(url, protocols ?? undefined, sink, { release: destroy });
  } catch (error) {
    destroy();
    throw error;
  }
}

/** Live counts for leak tests: BridgeSockets not disposed, listeners attached, Python dispatch proxies alive. */
export function socketStats(): { sockets: number; listeners: number; proxies: number } {
  return { sockets: socketCounters.sockets, listeners: socketCounters.listeners, proxies: proxyCounter.live };
}

/** Entry points for the Python socket face. */
export function socketBridge(_pyodide: PyodideLike): Record<string, unknown> {
  return { openSocket, socketStats, checkUrl };
}
