// Hooks through which inspection (src/inspect) watches sockets. Routing calls them only while they are set, so
// with nobody inspecting, the cost is one property read per socket construction and per native `send`.
// Kept on globalThis (like the engine) so a second copy of the bundle sees the same observer.
import type { Wire } from "../protocol.js";

/** What a routed page socket reports about itself, as the page sees it. */
export type TapEvent =
  /** The page sent a frame (a Blob still being read is a promise: order is kept by the tap). */
  | { kind: "sent"; data: Wire | Promise<Wire> | Blob }
  /** A frame was delivered to the page. */
  | { kind: "received"; data: Wire | Blob }
  /** The page got an `error` event; `message` says why, as well as the page can know. */
  | { kind: "error"; message: string }
  /** The page got its `close` event, with its code and reason. */
  | { kind: "closed"; code?: number; reason?: string }
  /** No route took the socket after all: it behaves as a native socket. */
  | { kind: "passthrough" };

/** Receives one routed socket's events. */
export type SocketTap = (event: TapEvent) => void;

/** The routed socket's facts an observer may read. */
export interface ObservedRouted {
  readonly url: string;
  readonly readyState: number;
}

/** The hooks; each is absent while nobody inspects. */
export interface SocketObserver {
  /** A routed page socket was constructed; returns its tap (or nothing to leave it unobserved). */
  routed?(socket: ObservedRouted): SocketTap | undefined;
  /** The routed class returned a plain native socket (no route matched at construction). */
  native?(socket: WebSocket, url: string): void;
  /** `send(data)` on a native socket completed without throwing while the socket was OPEN. */
  nativeSent?(socket: WebSocket, data: unknown): void;
}

const KEY = Symbol.for("wsbridge.observer");

/** The observer shared by every copy of wsbridge on this global. */
export function observer(): SocketObserver {
  const g = globalThis as Record<symbol, SocketObserver | undefined>;
  return (g[KEY] ??= {});
}
