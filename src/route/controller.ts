// The engine of one routed socket: its state (handlers, inboxes, faults, forwarding, open and connected) and
// what either side of the route does to it. Talks to the page end only by protocol messages; route code sees
// it through WebSocketRoute (route.ts) and the server side (server-side.ts), never directly.
import { handlerDataToWire, wireToHandler } from "./data.js";
import { ABORTED, HANDSHAKE_FAILED, closeInfo, type Receiver, type RouteMessage } from "./protocol.js";
import { Inbox } from "./inbox.js";
import { Faults, type FaultOptions } from "./faults.js";
import { checkHandler, enforce, subprotocolProblem, validClose, type CloseOptions, type RouteSide } from "./rules.js";
import { Forwarding, type Needs } from "./forwarding.js";
import { runHandler } from "./report.js";
import type { CloseHandler, MessageHandler, RouteData } from "./route-types.js";

/** The handlers route code set, per side. */
interface Handlers {
  pageMessage?: MessageHandler;
  pageClose?: CloseHandler;
  serverMessage?: MessageHandler;
  serverClose?: CloseHandler;
}

/** One routed socket, as the route end keeps it. */
export class RouteController {
  /** True once `connectToServer()` was called. */
  connected = false;
  /** True once the route made the page open (a frame sent, accepted, or the handler completed without connecting). */
  opened = false;
  /** Handlers set by route code; a side without one forwards by default. */
  readonly handlers: Handlers = {};
  /** Frames and close from the page, for `receive()`. */
  readonly pageInbox = new Inbox("page");
  /** Frames and close from the server, for the server side's `receive()`. */
  readonly serverInbox = new Inbox("server");
  /** Fault injection, once `faults()` was called. */
  faults: Faults | undefined;
  private readonly forwarding: Forwarding;
  private readonly disposers: Array<() => void> = [];
  private disposed = false;

  constructor(
    readonly id: string,
    readonly url: string,
    readonly requested: readonly string[],
    readonly post: Receiver<RouteMessage>,
  ) {
    this.forwarding = new Forwarding(id);
  }

  // --- what route code does ---

  /** Sets `side`'s frame handler (replacing any); its frames stop being forwarded by default. */
  onMessage(side: RouteSide, handler: MessageHandler): void {
    enforce(checkHandler("onMessage", handler));
    if (side === "page") this.handlers.pageMessage = handler;
    else this.handlers.serverMessage = handler;
    this.updateForwarding();
  }

  /** Sets `side`'s close handler (replacing any); its close stops being forwarded by default. */
  onClose(side: RouteSide, handler: CloseHandler): void {
    enforce(checkHandler("onClose", handler));
    if (side === "page") this.handlers.pageClose = handler;
    else this.handlers.serverClose = handler;
  }

  /** Sends a frame to the page (opening it first when still CONNECTING). */
  sendToPage(message: RouteData): void {
    this.toPage({ type: "sendToPage", id: this.id, data: handlerDataToWire(message) });
  }

  /** Closes the page socket (cleanly); an invalid code or reason throws at the call and nothing is closed. */
  closePage(options: CloseOptions): void {
    const { code, reason } = validClose("page", options);
    this.toPage({ type: "closePage", id: this.id, ...closeInfo(code, reason, true) });
  }

  /** Sends a frame to the server. */
  sendToServer(message: RouteData): void {
    this.post({ type: "sendToServer", id: this.id, data: handlerDataToWire(message) });
  }

  /** Closes the server connection; an invalid code or reason throws at the call and nothing is closed. */
  closeServer(options: CloseOptions): void {
    const { code, reason } = validClose("server", options);
    this.post({ type: "closeServer", id: this.id, ...closeInfo(code, reason, true) });
  }

  /** The page inbox, claimed for `receive()`; a mocked socket still CONNECTING opens first (else the wait would hang). */
  receivePage(): Inbox {
    if (!this.connected && !this.opened && !this.pageInbox.closed) this.afterHandle();
    this.pageInbox.claimed = true;
    this.updateForwarding();
    return this.pageInbox;
  }

  /** The server inbox, claimed for `receive()`: server frames must come here from now on. */
  receiveServer(): Inbox {
    this.serverInbox.claimed = true;
    this.updateForwarding();
    return this.serverInbox;
  }

  /** Connects to the real server, once; the page end forwards by default from here (see forwarding.ts). */
  connect(): void {
    if (this.connected) throw new Error("Already connected to the server");
    this.connected = true;
    this.post({ type: "connect", id: this.id });
    const message = this.forwarding.start(!this.opened, this.needs());
    if (message) this.post(message);
  }

  /** Completes the handshake with `options.protocol`; false (and a warning) when the browser's subprotocol rule fails it. */
  accept(options: { protocol?: string | null }): boolean {
    if (this.opened) return true;
    const protocol = options.protocol ?? undefined;
    const problem = subprotocolProblem(this.requested, protocol);
    if (problem) {
      console.warn(`wsbridge: WebSocket handshake for ${this.url} failed: ${problem}; a browser fails such a handshake too.`);
      this.fail();
      return false;
    }
    this.opened = true;
    if (!this.connected) this.post({ type: "ensureOpened", id: this.id, ...(protocol === undefined ? {} : { protocol }) });
    return true;
  }

  /**
   * reject() and terminate(): the page closes with 1006 at once, then the server connection (if any) closes.
   * The page goes first: a page still CONNECTING drops its server connection quietly, with no events from it.
   */
  fail(): void {
    this.faults?.clear();
    this.post({ type: "closePage", id: this.id, ...ABORTED, error: HANDSHAKE_FAILED });
    if (this.connected) this.post({ type: "closeServer", id: this.id, wasClean: true });
  }

  /** Sets fault injection for frames to and from the page (replacing earlier settings). */
  setFaults(options: FaultOptions): void {
    (this.faults ??= new Faults()).configure(options);
    this.updateForwarding();
  }

  // --- what the route end does ---

  /** Posts to the page through the faults (frames may be dropped or held; a close waits behind them). */
  toPage(message: RouteMessage): void {
    if (message.type === "sendToPage") this.opened = true;
    const faults = this.faults;
    if (!faults) return this.post(message);
    if (message.type === "sendToPage") faults.frame("toPage", wireToHandler(message.data), () => this.post(message));
    else faults.after("toPage", () => this.post(message));
  }

  /** After the route handler completed: opens a mock socket that did not connect. */
  afterHandle(): void {
    if (this.connected) return;
    this.opened = true;
    this.post({ type: "ensureOpened", id: this.id });
  }

  /**
   * The route handler threw (or its promise rejected): a page socket still CONNECTING fails its handshake
   * (`error`, then `close` 1006) instead of waiting forever; one already open is left as it is.
   */
  handlerFailed(): void {
    this.faults?.clear();
    this.post({ type: "closePage", id: this.id, ...ABORTED, error: HANDSHAKE_FAILED, handshakeOnly: true });
  }

  /**
   * The page end went away (its frame was removed or navigated, its worker terminated): as in Playwright, the
   * page-side `onClose` runs once with no code and no reason, and so does the server-side one when connected;
   * nothing is forwarded (there is no page left, and its server connection died with it). Then disposes.
   */
  pageGone(): void {
    if (this.disposed) return;
    this.faults?.clear();
    const pageOpen = !this.pageInbox.closed;
    const serverOpen = this.connected && !this.serverInbox.closed;
    this.pageInbox.close(undefined, undefined);
    this.serverInbox.close(undefined, undefined);
    const { pageClose, serverClose } = this.handlers;
    if (pageOpen && pageClose) runHandler(() => pageClose(undefined, undefined));
    if (serverOpen && serverClose) runHandler(() => serverClose(undefined, undefined));
    this.dispose();
  }

  /** Registers a callback run once when the socket is released or the route engine is reset. */
  onDispose(fn: () => void): void {
    if (this.disposed) fn();
    else this.disposers.push(fn);
  }

  /** Runs the dispose callbacks once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.faults?.clear();
    this.pageInbox.close(1006, "");
    this.serverInbox.close(1006, "");
    for (const fn of this.disposers.splice(0)) runHandler(fn);
  }

  /** Force-closes both sides (reset between tests), then disposes. */
  abort(): void {
    this.post({ type: "closeServer", id: this.id, code: 1000, wasClean: true });
    this.post({ type: "closePage", id: this.id, code: 1001, reason: "wsbridge reset", wasClean: true });
    this.dispose();
  }

  /** Which frames the route end needs itself: a side's onMessage, receive() or faults take them. */
  private needs(): Needs {
    const faulty = this.faults !== undefined;
    return {
      page: this.handlers.pageMessage !== undefined || this.pageInbox.claimed || faulty,
      server: this.handlers.serverMessage !== undefined || this.serverInbox.claimed || faulty,
    };
  }

  /** Tells the page end which directions it no longer forwards by itself. */
  private updateForwarding(): void {
    const message = this.forwarding.update(this.needs());
    if (message) this.post(message);
  }
}
