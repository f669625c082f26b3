// The socket part of `_wsbridge_js`: what python/wsbridge/websocket.py and client.py call.
import { BridgeSocket, socketCounters, type FrameSink, type SocketSink } from "../socket/bridge-socket.js";
import { checkSocketUrl } from "../socket/validation.js";
import { checkSocketClose, enforce } from "../route/rules.js";
import { CONNECTING } from "../socket/constants.js";
import { documentBase } from "../route/match/match.js";
import type { PyodideLike } from "./types.js";
import { destroyProxy, holdProxy, proxyStats } from "./proxies.js";
import { FrameSlot, type SlotSource } from "./frame-slot.js";
import type { BridgePart, PyBytes, PyFunction, SocketData, SocketDispatch, SocketEventKind } from "./contract.js";

/** The first argument of a dispatch call (python/wsbridge/websocket.py `_Dispatcher`): a small int, cheap to cross. */
const KINDS = { open: 0, message: 1, error: 2, close: 3 } as const;
const MESSAGE = KINDS.message;
const CLOSE = KINDS.close;

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
 * A network frame arriving less than this long after the previous delivery into Python is part of a burst: it
 * waits for the next flush and is handed over with the frames that arrived meanwhile, in one tight loop.
 * (Entering Python once per browser task costs several times more than once per loop iteration: caches are cold.)
 */
const BURST_GAP_MS = 1;

/**
 * How long a burst's first waiting frame waits for the flush: long enough to gather the frames arriving meanwhile
 * (measured, 20,000 frames from a local server: 1 KiB binary ~6,000 → ~500 entries into Python and 100 → 52 ms
 * spent there; 100 B text ~2,000 → ~150 and 50 → 31 ms), short enough not to matter next to a burst's own
 * length. A frame after a quiet millisecond never waits. Set from a message event, never from a timer, so it is
 * not clamped to 4 ms.
 */
const BURST_FLUSH_MS = 1;

/** Callbacks waiting for the next flush; one timer (or posted message) serves every socket of the realm. */
const flushes: Array<() => void> = [];
let channel: MessageChannel | undefined;

function runFlushes(): void {
  for (const flush of flushes.splice(0)) flush();
}

/**
 * Runs `flush` in a later task: after BURST_FLUSH_MS, or, in a hidden page (whose timers Chromium throttles to
 * one wake-up a second), as soon as a posted message comes back.
 */
function later(flush: () => void): void {
  flushes.push(flush);
  if (flushes.length > 1) return;
  if (typeof document === "undefined" || document.visibilityState !== "hidden") {
    setTimeout(runFlushes, BURST_FLUSH_MS);
    return;
  }
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = runFlushes;
  }
  channel.port2.postMessage(null);
}

/** Per BridgeSocket made by `openSocket`: drops the events still waiting for a flush (used by `abortSocket`). */
const droppers = new WeakMap<BridgeSocket, () => void>();

/**
 * Opens a BridgeSocket whose sink is a Python callable made with `create_proxy`; the proxy is destroyed once the
 * socket is done with it (after the final close was delivered, or on dispose), never while it is being called.
 *
 * Messages cross as `dispatch()` after being written into the Python instance's frame slot (./frame-slot.ts), one
 * or, for a burst, several per call; a frame the slot cannot hold crosses alone as `dispatch(data)` (str or
 * ArrayBuffer). The other events are `dispatch(kind, event)`. An event is delivered at once (the fast path) unless
 * events wait for a flush (then it waits behind them, so order holds) or it is a network frame in a burst (see
 * BURST_GAP_MS). Events dispatched by page code or by routes (untrusted) are never deferred.
 */
export function openSocket(
  url: string,
  protocols: string | string[] | undefined | null,
  dispatch: PyFunction<SocketDispatch>,
  slot?: FrameSlot,
): BridgeSocket {
  holdProxy(dispatch, "socket");
  try {
    checkUrl(url);
  } catch (error) {
    destroyProxy(dispatch);
    throw error;
  }
  let depth = 0;
  let wanted = false;
  let destroyed = false;
  // Events waiting for the flush task, flattened: kind, payload, kind, payload...; `head` is the next to deliver.
  let backlog: unknown[] = [];
  let head = 0;
  let scheduled = false;
  let closeWaits = false;
  let last = -Infinity;
  /** Forgets the events waiting for the flush task. */
  const drop = () => {
    backlog = [];
    head = 0;
    closeWaits = false;
  };
  const destroy = () => {
    if (destroyed) return;
    // Destroying a proxy inside its own call would pull the Python object from under the running frame.
    if (depth > 0) {
      wanted = true;
      return;
    }
    destroyed = true;
    drop();
    destroyProxy(dispatch);
  };
  // Called by the BridgeSocket once it is done: a close waiting for the flush is still delivered, then released.
  const release = () => {
    if (closeWaits) wanted = true;
    else destroy();
  };
  const flush = () => {
    scheduled = false;
    if (destroyed) return;
    depth++;
    try {
      // Events arriving during the loop (re-entrant ones included) are appended and delivered by it, in order.
      // Consecutive messages cross in one call, as many as the frame slot holds.
      while (head < backlog.length) {
        const kind = backlog[head] as SocketEventKind;
        const payload = backlog[head + 1] as SocketData | Event;
        let end = head + 2;
        let inSlot = false;
        if (kind === MESSAGE && slot) {
          slot.begin();
          inSlot = slot.put(payload);
          while (inSlot && end < backlog.length && backlog[end] === MESSAGE && slot.put(backlog[end + 1])) end += 2;
        }
        backlog.fill(undefined, head, end);
        head = end;
        try {
          if (inSlot) dispatch();
          else if (kind === MESSAGE) dispatch(payload as string | ArrayBuffer);
          else dispatch(kind as Exclude<SocketEventKind, 1>, payload as Event);
        } catch (error) {
          console.error("wsbridge: a socket event handler threw", error);
        }
      }
    } finally {
      backlog.length = 0;
      head = 0;
      closeWaits = false;
      depth--;
      // Measured when the loop ends, on the clock events' timeStamps use (the document's time origin).
      last = performance.now();
      if (wanted && depth === 0) destroy();
    }
  };
  /** Puts an event behind the ones waiting for the flush task (scheduling it if needed). */
  const defer = (kind: SocketEventKind, payload: unknown) => {
    backlog.push(kind, payload);
    if (kind === CLOSE) closeWaits = true;
    if (!scheduled) {
      scheduled = true;
      later(flush);
    }
  };
  /** One frame into Python now: through the slot when it fits, else as its data alone. */
  const deliver = (data: string | ArrayBuffer) => {
    depth++;
    try {
      slot?.begin();
      if (slot?.put(data)) dispatch();
      else dispatch(data);
    } finally {
      depth--;
      if (wanted && depth === 0) destroy();
    }
  };
  /**
   * A frame of the fast path: delivered now unless others wait or it is part of a burst. Burst detection reads
   * the event's own timeStamp (when the browser made it), not the clock: a clock read per frame costs as much as
   * a tenth of the frame's whole trip into Python. Synthetic (untrusted) events never wait.
   */
  const frame: FrameSink = (data, event) => {
    if (destroyed) return;
    if (head < backlog.length) return defer(MESSAGE, data);
    if (depth === 0 && event.isTrusted) {
      const stamp = event.timeStamp;
      if (stamp - last < BURST_GAP_MS) return defer(MESSAGE, data);
      last = stamp;
    }
    deliver(data);
  };
  /** Every other event, and frames that came through the receiver (Blobs, re-entrant ones): in order. */
  const sink: SocketSink = (type, event, data) => {
    if (destroyed) return;
    if (type === "message") return frame(data as string | ArrayBuffer, event as MessageEvent);
    const kind = KINDS[type];
    if (head < backlog.length) return defer(kind, event);
    depth++;
    try {
      dispatch(kind as Exclude<SocketEventKind, 1>, event);
    } finally {
      depth--;
      if (wanted && depth === 0) destroy();
    }
  };
  try {
    const bridge = new BridgeSocket(url, protocols ?? undefined, sink, { release, frame });
    droppers.set(bridge, drop);
    return bridge;
  } catch (error) {
    destroy();
    throw error;
  }
}

/**
 * Starts the closing handshake of a socket from `openSocket`; a reason without a code is sent with 1000. A code or
 * reason the page may not send is a TypeError/RangeError naming the rule, and nothing is closed.
 */
export function closeSocket(bridge: BridgeSocket, code: number | undefined | null, reason: string | undefined | null): void {
  enforce(checkSocketClose(code ?? undefined, reason ?? undefined));
  bridge.close(code ?? undefined, reason ?? undefined);
}

/** Closes and releases a socket from `openSocket` at once; events still waiting for a flush are dropped. */
export function abortSocket(bridge: BridgeSocket, code?: number, reason?: string): void {
  droppers.get(bridge)?.();
  bridge.abort(code, reason);
}

/**
 * Sends a Python bytes-like object (a flat contiguous memoryview) as one binary frame, read in place: the browser
 * copies the bytes out of the Wasm heap when it sends, and that is the only copy. Returns the readyState seen, as
 * `sendFrame` (0 = CONNECTING: nothing sent).
 */
export function sendBytes(bridge: BridgeSocket, data: PyBytes): number {
  if (bridge.readyState === CONNECTING) return CONNECTING;
  const buffer = data.getBuffer("u8");
  try {
    return bridge.sendFrame(buffer.data);
  } finally {
    buffer.release();
  }
}

/** Live counts for leak tests: BridgeSockets not disposed, listeners attached, Python dispatch proxies alive. */
export function socketStats(): { sockets: number; listeners: number; proxies: number } {
  return { sockets: socketCounters.sockets, listeners: socketCounters.listeners, proxies: proxyStats().socket };
}

/** Entry points for the Python socket face of one Pyodide instance (which has its own frame slot). */
export function socketBridge(_pyodide: PyodideLike): BridgePart<"openSocket" | "closeSocket" | "abortSocket" | "sendBytes" | "sendSlot" | "sendHeap" | "socketStats" | "checkUrl" | "useFrameSlot"> {
  let slot: FrameSlot | undefined;
  /** The slot, which Python hands over (useFrameSlot) when wsbridge.websocket is imported, before any send. */
  const slotFor = (what: string): FrameSlot => {
    if (!slot) throw new Error(`wsbridge: ${what} before useFrameSlot`);
    return slot;
  };
  return {
    openSocket: (url, protocols, dispatch) => openSocket(url, protocols, dispatch, slot),
    useFrameSlot: (source: SlotSource) => {
      slot = new FrameSlot(source);
    },
    closeSocket,
    abortSocket,
    sendBytes,
    // Both send nothing while CONNECTING, and say so (the readyState seen).
    sendSlot: (bridge: BridgeSocket, length: number) => bridge.sendFrame(slotFor("sendSlot").body(length)),
    // Read in place: the browser's copy is the only one.
    sendHeap: (bridge: BridgeSocket, address: number, length: number) => bridge.sendFrame(slotFor("sendHeap").heap(address, length)),
    socketStats,
    checkUrl,
  };
}
