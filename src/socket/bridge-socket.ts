// BridgeSocket: one browser WebSocket, its events forwarded in order to one sink, validated send/close, clean release.
import { CONNECTING, OPEN } from "./constants.js";
import { Receiver, type Delivery, type SocketEventType } from "./receiver.js";
import { checkClose, checkSend, toDOMException } from "./validation.js";

/** Receives a socket's events in order; binary payloads are always `ArrayBuffer`. */
export type SocketSink = (type: SocketEventType, event: Event, data?: string | ArrayBuffer) => void;

/** Receives one text or ArrayBuffer frame on the fast path (nothing waiting before it), instead of the sink. */
export type FrameSink = (data: string | ArrayBuffer, event: MessageEvent) => void;

export interface BridgeSocketOptions {
  /** Called once, after the final close was delivered to the sink or on `dispose()`; never during a sink call. */
  release?: () => void;
  /** Takes the frames of the fast path (default: the sink, as "message"). */
  frame?: FrameSink;
}

/** What `send` accepts: what the browser's WebSocket accepts. */
export type SendData = string | ArrayBufferLike | ArrayBufferView | Blob;

/** The events the object listener (`handleEvent`) takes; "message" has a function listener of its own. */
const OTHER_EVENTS: readonly SocketEventType[] = ["open", "error", "close"];

/** Process-wide counters, so tests can prove that closed sockets keep nothing attached. */
export const socketCounters = { sockets: 0, listeners: 0 };

/**
 * Wraps one browser WebSocket and forwards its events, in order, to `sink`.
 *
 * The WebSocket class is looked up on `globalThis` when the BridgeSocket is constructed, so a routed class installed
 * later catches it. Listeners are attached once; after the close event was delivered they are all removed and
 * `release` is called once.
 */
export class BridgeSocket {
  /** The browser's socket (read its `readyState`, `protocol`, `bufferedAmount`, set its `binaryType`...). */
  readonly socket: WebSocket;
  private readonly receiver: Receiver;
  private readonly sink: SocketSink;
  private readonly frame: FrameSink;
  private release: (() => void) | undefined;
  private attached = 0;
  private done = false;
  private sawError = false;
  /** True while the sink runs: an event arriving then (re-entrantly) goes through the receiver, behind it. */
  private inSink = false;
  private originText: string | undefined;

  constructor(url: string | URL, protocols: string | string[] | undefined, sink: SocketSink, options: BridgeSocketOptions = {}) {
    const Socket = (globalThis as { WebSocket: typeof WebSocket }).WebSocket;
    // The browser treats `new WebSocket(url, undefined)` like `new WebSocket(url)`; pass nothing to be explicit.
    this.socket = protocols === undefined ? new Socket(url) : new Socket(url, protocols);
    // Frames arrive as ArrayBuffer by default (no Blob read needed); a user may still switch to "blob".
    this.socket.binaryType = "arraybuffer";
    this.sink = sink;
    this.frame = options.frame ?? ((data, event) => sink("message", event, data));
    this.release = options.release;
    this.receiver = new Receiver((delivery) => this.forward(delivery), undefined, (error) => console.error("wsbridge: a socket event handler threw", error));
    // A function listener for messages: Chromium calls it faster than an object's handleEvent (measured).
    this.socket.addEventListener("message", this.onMessage);
    for (const type of OTHER_EVENTS) this.socket.addEventListener(type, this);
    this.attached = 1 + OTHER_EVENTS.length;
    socketCounters.listeners += this.attached;
    socketCounters.sockets++;
  }

  /** Listeners this BridgeSocket has attached to its socket right now (4 while live, 0 after release). */
  get listenerCount(): number {
    return this.attached;
  }

  /** True once listeners were removed and `release` was called. */
  get disposed(): boolean {
    return this.done;
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  /** Events received from the socket but not yet delivered (Blob reads in flight and what waits behind them). */
  get waiting(): number {
    return this.receiver.waiting;
  }

  /** The origin of the socket's URL: what its message events carry as `origin`. */
  get origin(): string {
    if (this.originText === undefined) {
      const url = this.socket.url;
      this.originText = URL.parse?.(url)?.origin ?? new URL(url).origin;
    }
    return this.originText;
  }

  /**
   * Sends a frame unless the socket is still CONNECTING, in one call: returns the readyState it saw (CONNECTING
   * means nothing was sent; CLOSING/CLOSED drop the frame, as the browser does). For callers that raise their own
   * error (Python's `send`), so the state is not read a second time.
   */
  sendFrame(data: SendData): number {
    const state = this.socket.readyState;
    if (state !== CONNECTING) this.socket.send(data as Parameters<WebSocket["send"]>[0]);
    return state;
  }

  /** Sends a frame; throws the browser's InvalidStateError while CONNECTING. */
  send(data: SendData): void {
    const violation = checkSend(this.socket.readyState);
    if (violation) throw toDOMException(violation, "send");
    this.socket.send(data as Parameters<WebSocket["send"]>[0]);
  }

  /** Starts the closing handshake; throws the browser's InvalidAccessError / SyntaxError for a bad code or reason. */
  close(code?: number, reason?: string): void {
    const violation = checkClose(code ?? undefined, reason ?? undefined);
    if (violation) throw toDOMException(violation, "close");
    if (code == null && reason == null) this.socket.close();
    else if (reason == null) this.socket.close(code!);
    // A reason needs a code on the wire: 1000 when none was given.
    else this.socket.close(code ?? 1000, reason);
  }

  /** Removes every listener, drops undelivered events and calls `release` once; safe to call repeatedly. */
  dispose(): void {
    if (this.done) return;
    this.done = true;
    this.receiver.stop();
    this.socket.removeEventListener("message", this.onMessage);
    for (const type of OTHER_EVENTS) this.socket.removeEventListener(type, this);
    socketCounters.listeners -= this.attached;
    this.attached = 0;
    socketCounters.sockets--;
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** Closes the socket if still open and disposes at once, without waiting for (or delivering) the close event. */
  abort(code = 1000, reason?: string): void {
    if (this.socket.readyState === CONNECTING || this.socket.readyState === OPEN) {
      try {
        this.close(code, reason);
      } catch {
        this.socket.close();
      }
    }
    this.dispose();
  }

  /** The listener for open, error and close (an object listener: no closures to leak). */
  handleEvent(event: Event): void {
    this.receiver.push(event.type as SocketEventType, event, undefined);
  }

  /**
   * The listener for messages. The fast path: a text or ArrayBuffer frame with nothing waiting goes straight to
   * the frame sink (no slot, no delivery object). Blobs, frames behind a Blob read and re-entrant frames keep the
   * receiver's order.
   */
  private readonly onMessage = (event: MessageEvent): void => {
    const data: unknown = event.data;
    if (!this.inSink && !this.done && this.receiver.waiting === 0 && (typeof data === "string" || data instanceof ArrayBuffer)) {
      this.inSink = true;
      try {
        this.frame(data, event);
      } catch (error) {
        console.error("wsbridge: a socket event handler threw", error);
      } finally {
        this.inSink = false;
      }
      return;
    }
    this.receiver.push("message", event, data);
  };

  private forward(delivery: Delivery): void {
    const outer = this.inSink;
    this.inSink = true;
    try {
      if (delivery.type === "error") this.sawError = true;
      // Chromium reports a connection dropped after open with close 1006 alone; the sink is promised error, then
      // close, for every unclean end (as for a failed handshake), so the error is supplied here.
      if (delivery.type === "close" && !(delivery.event as CloseEvent).wasClean && !this.sawError) {
        this.sawError = true;
        this.sink("error", new Event("error"));
      }
      if (delivery.type === "message") this.sink(delivery.type, delivery.event, delivery.data);
      else this.sink(delivery.type, delivery.event);
    } finally {
      this.inSink = outer;
      // The close event is the last one a socket fires: after it has been delivered nothing more can come.
      if (delivery.type === "close") this.dispose();
    }
  }
}
