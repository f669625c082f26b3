// The page-facing side of a routed socket: the state behind a routed WebSocket object. It talks to the route
// end only through protocol messages, posted in order (an outbox), and owns the real server connection in
// server mode.
import { CLOSED, CLOSING, CONNECTING, OPEN } from "../../socket/constants.js";
import { checkClose, toDOMException } from "../../socket/validation.js";
import { byteSize, pageDataToWire, wireToPageData } from "../data.js";
import { ABORTED, CLOSED_BEFORE_OPEN, CONNECTION_FAILED, HANDSHAKE_FAILED, closeInfo, type CloseInfo, type PageMessage, type Receiver, type RouteMessage, type Wire } from "../protocol.js";
import { observer, type SocketTap } from "./observe.js";

/** Inspection hooks (unset while nobody inspects). */
const observe = observer();

/** What a page socket needs from its page end. */
export interface PageEnd {
  /** The browser's own WebSocket class. */
  native: typeof WebSocket;
  /** Posts to the route end. */
  post: Receiver<PageMessage>;
  /** Forgets the socket (it is CLOSED and holds no server connection). */
  forget(id: string): void;
}

/** Converts a `close()` code the way WebIDL's `[Clamp] unsigned short` does. */
function clampCode(code: unknown): number | undefined {
  if (code === undefined) return undefined;
  const n = Number(code);
  if (Number.isNaN(n)) return 0;
  const r = Math.min(65535, Math.max(0, n));
  const floor = Math.floor(r);
  const diff = r - floor;
  return diff > 0.5 || (diff === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/** The state of one routed page socket; `target` is the object the page holds. */
export class PageSocket {
  readyState: number = CONNECTING;
  protocol = "";
  extensions = "";
  binaryType: BinaryType = "blob";
  readonly origin: string;
  private server: WebSocket | undefined;
  private serverQueue: Wire[] = [];
  private passthrough = false;
  private forgotten = false;
  /** True once the route end was told the server connection ended (it is told once). */
  private serverReported = false;
  /** True once the page closed before open: its own `error` and `close` are coming, the route's closes are moot. */
  private aborted = false;
  private bytesAfterClose = 0;
  /** Default forwarding done here (the route end said so): server frames to the page, page frames to the server. */
  private forwardToPage = false;
  private forwardToServer = false;
  private readonly outbox: Outbox;
  /** Inspection's view of this socket, when someone inspected as it was created. */
  private readonly tap: SocketTap | undefined;

  constructor(
    readonly id: string,
    readonly target: EventTarget,
    readonly url: string,
    readonly protocols: string[],
    private readonly end: PageEnd,
  ) {
    this.origin = URL.parse?.(url)?.origin ?? new URL(url).origin;
    this.outbox = new Outbox((message) => this.post(message));
    this.tap = observe.routed?.(this);
    this.outbox.push({ type: "create", id, url, protocols: [...protocols] });
  }

  // --- the page's API ---

  /** `bufferedAmount`: the server socket's in passthrough, else what was sent after closing. */
  get bufferedAmount(): number {
    return this.passthrough && this.server ? this.server.bufferedAmount : this.bytesAfterClose;
  }

  /** Sets `binaryType`; values other than "blob" and "arraybuffer" are ignored, as in the browser. */
  setBinaryType(value: unknown): void {
    if (value !== "blob" && value !== "arraybuffer") return;
    this.binaryType = value;
    if (this.passthrough && this.server) this.server.binaryType = value;
  }

  /** `send(data)`: throws while CONNECTING, discards after close (counting bytes), else posts to the route. */
  send(data: unknown): void {
    if (this.readyState === CONNECTING) throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", "InvalidStateError");
    if (this.passthrough) {
      this.server?.send(data as string);
      if (this.tap && this.server?.readyState === OPEN) this.tap({ kind: "sent", data: data as Blob });
      return;
    }
    if (this.readyState !== OPEN) {
      this.bytesAfterClose += byteSize(data);
      return;
    }
    const wire = pageDataToWire(data);
    this.tap?.({ kind: "sent", data: wire });
    const id = this.id;
    this.outbox.push(wire instanceof Promise ? wire.then((data) => ({ type: "messageFromPage", id, data }) as const) : { type: "messageFromPage", id, data: wire });
  }

  /** `close(code, reason)`: validates as the browser does, becomes CLOSING at once, then tells the route. */
  close(rawCode?: unknown, rawReason?: unknown): void {
    const code = clampCode(rawCode);
    const reason = rawReason === undefined ? undefined : String(rawReason);
    const violation = checkClose(code, reason);
    if (violation) throw toDOMException(violation, "close");
    if (this.passthrough) {
      this.server?.close(code, reason);
      if (this.server) this.readyState = this.server.readyState; // CLOSING at once, as a native socket
      return;
    }
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) return this.abortHandshake();
    this.readyState = CLOSING;
    this.outbox.push({ type: "pageClosed", id: this.id, ...closeInfo(code, reason, true) });
  }

  /**
   * `close()` before `open`, as Chromium does it: CLOSING at once, then (after the caller's code) `error` and
   * `close` 1006, not clean, at CLOSED; the page's code and reason are never sent. The route hears the page
   * close with 1006, and a server connection still connecting is dropped.
   */
  private abortHandshake(): void {
    this.readyState = CLOSING;
    this.aborted = true;
    this.dropServer();
    this.outbox.push({ type: "pageClosed", id: this.id, ...ABORTED });
    nextTask(() => {
      this.finish(ABORTED, CLOSED_BEFORE_OPEN);
      this.maybeForget();
    });
  }

  // --- messages from the route end ---

  /** Applies one message from the route end. */
  receive(message: RouteMessage): void {
    switch (message.type) {
      case "connect": return this.connect();
      case "passthrough": return this.passThrough();
      case "ensureOpened": if (!this.server) this.open(message.protocol); return;
      case "sendToPage": return this.deliver(message.data);
      case "sendToServer": return this.sendToServer(message.data);
      case "closePage": return this.closePage(message);
      case "closeServer": return this.closeServer(message);
      case "forward":
        this.forwardToPage = message.toPage;
        this.forwardToServer = message.toServer;
        return;
    }
  }

  /** Posts to the route end, in order (behind any Blob being read) — except frames this end forwards itself. */
  private post(message: PageMessage): void {
    if (message.type === "messageFromServer" && this.forwardToPage) return this.deliver(message.data);
    if (message.type === "messageFromPage" && this.forwardToServer) return this.sendToServer(message.data);
    this.end.post(message);
  }

  /** Opens the real socket to the server; frames from it go to the route, and its error to the page. */
  private connect(): void {
    if (this.server) return;
    // The page closed before the route connected: nobody will use the connection, so it is never made.
    if (this.readyState === CLOSING || this.readyState === CLOSED) {
      if (!this.serverReported) this.serverGone(ABORTED);
      return;
    }
    const server = new this.end.native(this.url, this.protocols);
    this.server = server;
    server.binaryType = "arraybuffer";
    server.onopen = () => {
      for (const data of this.serverQueue) server.send(data);
      this.serverQueue = [];
      this.open();
    };
    server.onmessage = (event: MessageEvent) => this.outbox.push({ type: "messageFromServer", id: this.id, data: event.data as Wire });
    server.onerror = () => this.failed(server);
    server.onclose = (event: CloseEvent) => this.serverGone(closeInfo(event.code, event.reason, event.wasClean));
  }

  /** No route took the socket: mirror a native socket, event for event. */
  private passThrough(): void {
    if (this.server) return;
    this.passthrough = true;
    this.tap?.({ kind: "passthrough" });
    const server = new this.end.native(this.url, this.protocols);
    this.server = server;
    server.binaryType = this.binaryType;
    server.onopen = () => {
      this.protocol = server.protocol;
      this.extensions = server.extensions;
      this.readyState = OPEN;
      this.target.dispatchEvent(new Event("open"));
    };
    server.onmessage = (event: MessageEvent) => {
      this.tap?.({ kind: "received", data: event.data as Wire | Blob });
      this.target.dispatchEvent(new MessageEvent("message", { data: event.data, origin: event.origin }));
    };
    server.onerror = () => this.failed(server);
    server.onclose = (event: CloseEvent) => {
      this.readyState = CLOSED;
      this.server = undefined;
      this.tap?.({ kind: "closed", code: event.code, reason: event.reason });
      this.target.dispatchEvent(new CloseEvent("close", { code: event.code, reason: event.reason, wasClean: event.wasClean }));
      this.forget();
    };
    if (this.readyState === CLOSING) server.close();
  }

  /** CONNECTING → OPEN, taking protocol and extensions from the server socket, or the first requested protocol. */
  private open(protocol?: string): void {
    if (this.readyState !== CONNECTING) return;
    this.extensions = this.server?.extensions ?? "";
    this.protocol = this.server ? this.server.protocol : (protocol ?? this.protocols[0] ?? "");
    this.readyState = OPEN;
    this.target.dispatchEvent(new Event("open"));
  }

  /** Delivers a frame to the page, opening it first; dropped once the page is closing. */
  private deliver(data: Wire): void {
    this.open();
    if (this.readyState !== OPEN) return;
    this.tap?.({ kind: "received", data });
    this.target.dispatchEvent(new MessageEvent("message", { data: wireToPageData(data, this.binaryType), origin: this.origin }));
  }

  /** The server connection reported an error: the page gets `error` (inspection: the best text the page can know). */
  private failed(server: WebSocket): void {
    this.tap?.({ kind: "error", message: server.readyState === CLOSED && this.readyState === CONNECTING ? HANDSHAKE_FAILED : CONNECTION_FAILED });
    if (this.passthrough) this.readyState = server.readyState; // a native socket is already CLOSED when its error fires
    this.target.dispatchEvent(new Event("error"));
  }

  /** Sends to the server, queueing while it connects; dropped when not connected. */
  private sendToServer(data: Wire): void {
    if (!this.server) return;
    if (this.server.readyState === CONNECTING) this.serverQueue.push(data);
    else this.server.send(data);
  }

  /** Closes the page with the route's code and reason, then reports the close back to the route. */
  private closePage(info: CloseInfo & { error?: string; handshakeOnly?: boolean }): void {
    if (this.readyState === CLOSED || this.aborted) return;
    const handshake = this.readyState === CONNECTING;
    if (info.handshakeOnly && !handshake) return;
    // A handshake that fails takes its server connection with it (it would otherwise open a socket nobody sees).
    if (handshake && info.error !== undefined) this.dropServer();
    // A failed handshake fires `error` first; a connection dropped after open fires only `close`, as in Chromium.
    this.finish(info, handshake ? info.error : undefined);
    this.outbox.push({ type: "pageClosed", id: this.id, ...closeInfo(info.code, info.reason, info.wasClean) });
    this.maybeForget();
  }

  /** CLOSED, then `error` (when `error` is given: its text goes to inspection) and `close` at the page. */
  private finish(info: CloseInfo, error?: string): void {
    this.readyState = CLOSED;
    if (error !== undefined) {
      this.tap?.({ kind: "error", message: error });
      this.target.dispatchEvent(new Event("error"));
    }
    this.tap?.({ kind: "closed", code: info.code, reason: info.reason });
    this.target.dispatchEvent(new CloseEvent("close", { code: info.code, reason: info.reason, wasClean: info.wasClean }));
  }

  /** Drops a server connection that has not opened (closing it quietly); the route hears it closed with 1006. */
  private dropServer(): void {
    const server = this.server;
    if (!server || this.passthrough) return;
    server.onopen = server.onmessage = server.onerror = server.onclose = null;
    try {
      server.close();
    } catch {
      // Already closing: nothing more to do.
    }
    this.serverGone(ABORTED);
  }

  /** Closes the server connection; with none, reports a server close at once. Invalid codes are ignored. */
  private closeServer(info: CloseInfo): void {
    if (!this.server) {
      if (!this.serverReported) this.serverGone(closeInfo(info.code, info.reason, info.wasClean));
      return;
    }
    if (this.server.readyState !== CONNECTING && this.server.readyState !== OPEN) return;
    try {
      this.server.close(info.code, info.reason);
    } catch {
      // The route asked for a code a page may not send: the browser refuses it, and so nothing happens.
    }
  }

  /** The server connection ended (or was never there): tell the route, drop the connection. */
  private serverGone(info: CloseInfo): void {
    this.serverReported = true;
    this.outbox.push({ type: "serverClosed", id: this.id, ...info });
    const server = this.server;
    if (server) {
      server.onopen = server.onmessage = server.onerror = server.onclose = null;
      this.server = undefined;
      this.serverQueue = [];
    }
    this.maybeForget();
  }

  /** Once CLOSED with no server connection, tells the route end and the page end to forget this socket. */
  private maybeForget(): void {
    if (this.readyState === CLOSED && !this.server) this.forget();
  }

  /** Forgets this socket at both ends, once. */
  private forget(): void {
    if (this.forgotten) return;
    this.forgotten = true;
    this.end.forget(this.id);
    if (!this.passthrough) this.outbox.push({ type: "released", id: this.id });
  }
}

/**
 * Runs `fn` in a later task, as the browser fires a socket's events (code awaiting promises after `close()`
 * still sees CLOSING). A message to a fresh MessageChannel: no timer clamping, unlike a nested setTimeout.
 */
function nextTask(fn: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    fn();
  };
  channel.port2.postMessage(null);
}

/** A message, or a promise of one (a page-sent Blob still being read). */
type Pending = PageMessage | Promise<PageMessage | undefined>;

/**
 * Ordered posting of one socket's messages to the route end: a message whose data is still being read holds back
 * every later message of that socket, so nothing is reordered.
 */
class Outbox {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(private readonly post: Receiver<PageMessage>) {}

  /** Queues `message`; ready messages go out at once when nothing is waiting before them. */
  push(message: Pending): void {
    if (!this.draining && !(message instanceof Promise)) {
      this.post(message);
      return;
    }
    this.queue.push(message);
    if (!this.draining) void this.drain();
  }

  /** Posts queued messages in order; a failed read drops only that message. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      let message: PageMessage | undefined;
      try {
        message = await next;
      } catch {
        message = undefined;
      }
      if (message) this.post(message);
    }
    this.draining = false;
  }
}
