// One routed socket as the route end keeps it: its state (handlers, inboxes, faults, default forwarding, opened and
// connected), what route code does to it (through WebSocketRoute and its server side, route.ts) and what the page
// end's messages do to it. It talks to the page end only by protocol messages.
import { ABNORMAL_CLOSURE, GOING_AWAY, NORMAL_CLOSURE } from "../../socket/constants.js";
import { handlerDataToWire, wireToHandler } from "../data.js";
import { ABORTED, HANDSHAKE_FAILED, closeInfo, type CloseInfo, type PageMessage, type Receiver, type RouteMessage, type Wire } from "../protocol.js";
import { checkHandler, enforce, subprotocolProblem, validClose, type CloseOptions, type RouteSide } from "../rules.js";
import { runHandler } from "./errors.js";
import { Faults, type FaultOptions } from "./faults.js";
import { Inbox } from "./inbox.js";

/** What a route sends: a string for a text frame, bytes in any buffer for a binary one. */
export type RouteData = string | ArrayBuffer | ArrayBufferView;
/** A handler for frames: a string for text, a Uint8Array for binary. */
export type MessageHandler = (message: string | Uint8Array) => unknown;
/** A handler for closes: code and reason as given (undefined when none). */
export type CloseHandler = (code: number | undefined, reason: string | undefined) => unknown;

/** The handlers route code set on one side; a side without them is forwarded by default. */
interface SideHandlers {
  message?: MessageHandler;
  close?: CloseHandler;
}

/** The directions the page end passes on by itself in server mode (the protocol's `forward` message). */
export interface Forwarding {
  toPage: boolean;
  toServer: boolean;
}

/** Whose frames the route end must see itself: a side's `onMessage`, `receive()` or the faults take them. */
export interface Needs {
  page: boolean;
  server: boolean;
}

/** `forwarding` once the route end needs `needs`: a direction only ever turns off (back on could reorder frames). */
export function narrowForwarding(forwarding: Forwarding, needs: Needs): Forwarding {
  return { toPage: forwarding.toPage && !needs.server, toServer: forwarding.toServer && !needs.page };
}

/** One routed socket, as the route end keeps it. */
export class RouteController {
  /** True once `connectToServer()` was called. */
  private connected = false;
  /** True once the route made the page open (a frame sent, accepted, or the handler completed without connecting). */
  private opened = false;
  private readonly handlers: Record<RouteSide, SideHandlers> = { page: {}, server: {} };
  /** Frames and the close from each side, for `receive()`. */
  private readonly inboxes: Record<RouteSide, Inbox> = { page: new Inbox("page"), server: new Inbox("server") };
  /** Fault injection, once `faults()` was called. */
  private faults: Faults | undefined;
  /** Server mode: what the page end forwards by itself (nothing before `connect()`). */
  private forwarding: Forwarding = { toPage: false, toServer: false };
  private readonly disposers: Array<() => void> = [];
  private disposed = false;

  constructor(
    readonly id: string,
    readonly url: string,
    readonly requested: readonly string[],
    private readonly post: Receiver<RouteMessage>,
  ) {}

  // --- what route code does ---

  /** Sets `side`'s frame handler (replacing any); its frames stop being forwarded by default. */
  onMessage(side: RouteSide, handler: MessageHandler): void {
    enforce(checkHandler("onMessage", handler));
    this.handlers[side].message = handler;
    this.updateForwarding();
  }

  /** Sets `side`'s close handler (replacing any); its close stops being forwarded by default. */
  onClose(side: RouteSide, handler: CloseHandler): void {
    enforce(checkHandler("onClose", handler));
    this.handlers[side].close = handler;
  }

  /** Sends a frame to the page (opening it first when still CONNECTING). */
  sendToPage(message: RouteData): void {
    this.toPage({ type: "sendToPage", id: this.id, data: handlerDataToWire(message) });
  }

  /** Closes the page socket (cleanly); an invalid code or reason throws at the call and nothing is closed. */
  closePage(options: CloseOptions | undefined): void {
    const { code, reason } = validClose("page", options);
    this.toPage({ type: "closePage", id: this.id, ...closeInfo(code, reason, true) });
  }

  /** Sends a frame to the server. */
  sendToServer(message: RouteData): void {
    this.post({ type: "sendToServer", id: this.id, data: handlerDataToWire(message) });
  }

  /** Closes the server connection; an invalid code or reason throws at the call and nothing is closed. */
  closeServer(options: CloseOptions | undefined): void {
    const { code, reason } = validClose("server", options);
    this.post({ type: "closeServer", id: this.id, ...closeInfo(code, reason, true) });
  }

  /**
   * `side`'s inbox, claimed for `receive()`: that side's frames come here from now on. A mocked page still
   * CONNECTING opens first (it cannot send before `open`, so the wait would hang).
   */
  inbox(side: RouteSide): Inbox {
    const inbox = this.inboxes[side];
    if (side === "page" && !this.connected && !this.opened && !inbox.closed) this.afterHandle();
    inbox.claimed = true;
    this.updateForwarding();
    return inbox;
  }

  /** The close that ended `side`, once it closed. */
  closed(side: RouteSide): Inbox["closed"] {
    return this.inboxes[side].closed;
  }

  /** Connects to the real server, once; from here the page end forwards by itself what the route does not take. */
  connect(): void {
    if (this.connected) throw new Error("Already connected to the server");
    this.connected = true;
    this.post({ type: "connect", id: this.id });
    // Page → server only while the page is not open: no page frame can then be on its way here, to be overtaken
    // by later ones the page end forwards.
    this.forwarding = narrowForwarding({ toPage: true, toServer: !this.opened }, this.needs());
    if (this.forwarding.toPage || this.forwarding.toServer) this.post({ type: "forward", id: this.id, ...this.forwarding });
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

  /** Fails the handshake; throws once the page opened (a handshake is over by then). */
  reject(): void {
    if (this.opened) throw new Error("reject() must be called before the page socket opens: use terminate() or close()");
    this.fail();
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

  /** Applies one message from the page end; frames from the page and its close pass the faults first. */
  receive(message: PageMessage): void {
    const faults = this.faults;
    if (faults && message.type === "messageFromPage") faults.frame("fromPage", wireToHandler(message.data), () => this.apply(message));
    else if (faults && message.type === "pageClosed") faults.after("fromPage", () => this.apply(message));
    else this.apply(message);
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
    const pageOpen = !this.inboxes.page.closed;
    const serverOpen = this.connected && !this.inboxes.server.closed;
    this.inboxes.page.close(undefined, undefined);
    this.inboxes.server.close(undefined, undefined);
    const pageClose = this.handlers.page.close;
    const serverClose = this.handlers.server.close;
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
    this.inboxes.page.close(ABNORMAL_CLOSURE, "");
    this.inboxes.server.close(ABNORMAL_CLOSURE, "");
    for (const fn of this.disposers.splice(0)) runHandler(fn);
  }

  /** Force-closes both sides (reset between tests), then disposes. */
  abort(): void {
    this.post({ type: "closeServer", id: this.id, code: NORMAL_CLOSURE, wasClean: true });
    this.post({ type: "closePage", id: this.id, code: GOING_AWAY, reason: "wsbridge reset", wasClean: true });
    this.dispose();
  }

  // --- the page end's messages ---

  /** Applies one message from the page end, past the faults. */
  private apply(message: PageMessage): void {
    switch (message.type) {
      case "messageFromPage": return this.fromPage(message.data);
      case "messageFromServer": return this.fromServer(message.data);
      case "pageClosed": return this.pageClosed(message);
      case "serverClosed": return this.serverClosed(message);
      case "released": return this.dispose();
      case "create": return;
    }
  }

  /** A page frame: to the page-side handler, or kept for receive() (a mock keeps it too, where Playwright drops it), else to the server. */
  private fromPage(data: Wire): void {
    const handler = this.handlers.page.message;
    if (handler) runHandler(() => handler(wireToHandler(data)));
    else if (this.inboxes.page.claimed || !this.connected) this.inboxes.page.push(wireToHandler(data));
    else this.post({ type: "sendToServer", id: this.id, data });
  }

  /** A server frame: to the server-side handler, or kept for receive(), else to the page. */
  private fromServer(data: Wire): void {
    const handler = this.handlers.server.message;
    if (handler) runHandler(() => handler(wireToHandler(data)));
    else if (this.inboxes.server.claimed) this.inboxes.server.push(wireToHandler(data));
    else this.toPage({ type: "sendToPage", id: this.id, data });
  }

  /** The page closed: ends the page inbox; to the page-side close handler, else closes the server alike. */
  private pageClosed(info: CloseInfo): void {
    this.inboxes.page.close(info.code, info.reason);
    const handler = this.handlers.page.close;
    if (handler) runHandler(() => handler(info.code, info.reason));
    else this.post({ type: "closeServer", id: this.id, ...closeInfo(info.code, info.reason, info.wasClean) });
  }

  /** The server closed: ends the server inbox; to the server-side close handler, else closes the page alike. */
  private serverClosed(info: CloseInfo): void {
    this.inboxes.server.close(info.code, info.reason);
    const handler = this.handlers.server.close;
    if (handler) runHandler(() => handler(info.code, info.reason));
    else this.toPage({ type: "closePage", id: this.id, ...closeInfo(info.code, info.reason, info.wasClean) });
  }

  /** Posts to the page through the faults (frames may be dropped or held; a close waits behind them). */
  private toPage(message: RouteMessage): void {
    if (message.type === "sendToPage") this.opened = true;
    const faults = this.faults;
    if (!faults) return this.post(message);
    if (message.type === "sendToPage") faults.frame("toPage", wireToHandler(message.data), () => this.post(message));
    else faults.after("toPage", () => this.post(message));
  }

  /** Whose frames the route end takes itself now. */
  private needs(): Needs {
    const faulty = this.faults !== undefined;
    return {
      page: this.handlers.page.message !== undefined || this.inboxes.page.claimed || faulty,
      server: this.handlers.server.message !== undefined || this.inboxes.server.claimed || faulty,
    };
  }

  /** Tells the page end when a direction it forwarded by itself turned off. */
  private updateForwarding(): void {
    const next = narrowForwarding(this.forwarding, this.needs());
    if (next.toPage === this.forwarding.toPage && next.toServer === this.forwarding.toServer) return;
    this.forwarding = next;
    this.post({ type: "forward", id: this.id, ...next });
  }
}
