// The message protocol between the page-facing socket and the route engine. Every message is plain and
// structured-clone-able, so the two ends can live in different threads (worker ↔ main over a MessagePort).
import { ABNORMAL_CLOSURE } from "../socket/constants.js";

/** A frame on the wire: text as a string, binary as an ArrayBuffer (Blobs are read before they are posted). */
export type Wire = string | ArrayBuffer;

/** Close details as they travel; `code`/`reason` are absent when none was given. */
export interface CloseInfo {
  code?: number;
  reason?: string;
  wasClean: boolean;
}

/** Close details with absent fields left out. */
export function closeInfo(code: number | undefined, reason: string | undefined, wasClean: boolean): CloseInfo {
  const info: CloseInfo = { wasClean };
  if (code !== undefined) info.code = code;
  if (reason !== undefined) info.reason = reason;
  return info;
}

/** How a handshake that never completed ends at the page: 1006, no reason, not clean (as in Chromium). */
export const ABORTED: Readonly<CloseInfo> = { code: ABNORMAL_CLOSURE, reason: "", wasClean: false };

/** Why a routed socket failed, as inspection's `socketerror` says (a `closePage`'s `error` is one): a page sees only when. */
export const HANDSHAKE_FAILED = "Error during WebSocket handshake";
export const CONNECTION_FAILED = "WebSocket connection error";
/** The `error` text when the page itself closed a socket that had not opened (Chromium's console says the same). */
export const CLOSED_BEFORE_OPEN = "WebSocket is closed before the connection is established.";

/** Page end → route end. */
export type PageMessage =
  /** A routed socket was constructed (URL normalised, protocols as a list). */
  | { type: "create"; id: string; url: string; protocols: string[] }
  /** The page sent a frame. */
  | { type: "messageFromPage"; id: string; data: Wire }
  /** The server sent a frame (server mode). */
  | { type: "messageFromServer"; id: string; data: Wire }
  /** The page closed: `close()` was called, or the route's close reached the page. */
  | ({ type: "pageClosed"; id: string } & CloseInfo)
  /** The server connection closed, or a close aimed at a server that was never connected. */
  | ({ type: "serverClosed"; id: string } & CloseInfo)
  /** The page socket is CLOSED and holds no server connection: the route end may forget `id`. */
  | { type: "released"; id: string };

/** Route end → page end. */
export type RouteMessage =
  /** Open the real socket to the server (server mode). */
  | { type: "connect"; id: string }
  /** No route took the socket after all: behave as a native socket. */
  | { type: "passthrough"; id: string }
  /** The handler finished without connecting: open the page socket if still CONNECTING (with `protocol` as
   * its negotiated protocol when given, else the first requested one). */
  | { type: "ensureOpened"; id: string; protocol?: string }
  /** Deliver a frame to the page (opens it first when still CONNECTING). */
  | { type: "sendToPage"; id: string; data: Wire }
  /** Send a frame to the server; queued while it connects. */
  | { type: "sendToServer"; id: string; data: Wire }
  /** Close the page socket with this code and reason, dispatching `close`; with `error` on a socket still
   * CONNECTING, an `error` event first (a failed handshake; the text is what inspection reports). With
   * `handshakeOnly`, a socket that already opened is left alone. */
  | ({ type: "closePage"; id: string; error?: string; handshakeOnly?: boolean } & CloseInfo)
  /** Close the server connection with this code and reason. */
  | ({ type: "closeServer"; id: string } & CloseInfo)
  /** Server mode, default forwarding: the page end passes server frames to the page (`toPage`) and page frames to
   * the server (`toServer`) itself instead of posting them to the route end, which would only send them back.
   * Sent at `connectToServer()`; turned off for good (per direction) once the route needs those frames. */
  | { type: "forward"; id: string; toPage: boolean; toServer: boolean };

/** Receives messages for one end. */
export type Receiver<M> = (message: M) => void;

/** The two directions of one link between a page end and a route end. */
export interface Link {
  /** Posts to the route end. */
  toRoute: Receiver<PageMessage>;
  /** Posts to the page end. */
  toPage: Receiver<RouteMessage>;
}

/**
 * A link within one thread. Page → route messages run in a microtask (in order), so route handlers never run
 * inside a page's `new WebSocket()`, `send()` or `close()` call, as with a real network. Route → page messages
 * are direct calls: route code never runs inside page code, so events still fire outside page calls.
 */
export function directLink(route: Receiver<PageMessage>, page: Receiver<RouteMessage>): Link {
  return {
    toRoute: (message) => queueMicrotask(() => route(message)),
    toPage: (message) => page(message),
  };
}

/** A fresh socket id: 32 random hex characters. */
export function newSocketId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
