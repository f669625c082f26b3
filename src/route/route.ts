// WebSocketRoute: the route end of one routed socket, with Playwright's JS names and shapes. Page side and
// server side; default forwarding unless a side's onMessage/onClose is set. Talks to the page end only by
// protocol messages.
import { handlerDataToWire, wireToHandler } from "./data.js";
import type { CloseInfo, PageMessage, Receiver, RouteMessage } from "./protocol.js";
import { Inbox, jsonFrame, type JsonOptions, type Message, type ReceiveOptions } from "./inbox.js";
import { Faults, type FaultOptions } from "./faults.js";
import { checkHandler, checkRouteClose, enforce, type RouteSide } from "./close-rules.js";

/** Text of the `socketerror` inspection reports when a route fails the handshake (as for a native socket). */
const HANDSHAKE_FAILED = "Error during WebSocket handshake";

/** Awaitable receiving and JSON sending, on both sides of a route (wsbridge's, not Playwright's). */
export interface AwaitableSide extends AsyncIterable<Message> {
  /** The next frame from the other end (the page, or the server on the server side). */
  receive(options?: ReceiveOptions): Promise<Message>;
  /** The next frame, which must be text (FrameTypeError otherwise). */
  receiveText(options?: ReceiveOptions): Promise<string>;
  /** The next frame, which must be binary (FrameTypeError otherwise). */
  receiveBytes(options?: ReceiveOptions): Promise<Uint8Array>;
  /** The next frame parsed as JSON. */
  receiveJson(options?: ReceiveOptions & JsonOptions): Promise<unknown>;
  /** Sends `value` as compact JSON (a text frame, or UTF-8 bytes with `mode: "binary"`). */
  sendJson(value: unknown, options?: JsonOptions): void;
  /** The close code of the other end, once it closed. */
  readonly closeCode: number | undefined;
  /** The close reason of the other end, once it closed. */
  readonly closeReason: string | undefined;
}

/** A handler for frames: a string for text, a Uint8Array for binary. */
export type MessageHandler = (message: string | Uint8Array) => unknown;
/** A handler for closes: code and reason as given (undefined when none). */
export type CloseHandler = (code: number | undefined, reason: string | undefined) => unknown;

/** Options of `close()`. */
export interface CloseOptions {
  code?: number;
  reason?: string;
}

/** The server side of a route, returned by `connectToServer()`. */
export interface WebSocketRouteServer extends AwaitableSide {
  url(): string;
  protocols(): string[];
  onMessage(handler: MessageHandler): void;
  onClose(handler: CloseHandler): void;
  send(message: string | ArrayBuffer | ArrayBufferView): void;
  close(options?: CloseOptions): Promise<void>;
  connectToServer(): never;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Runs a user handler; an exception is reported like an uncaught error and does not stop routing. */
export function runHandler(fn: () => unknown): void {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}

/** Reports an error from user code as uncaught, without throwing. */
export function report(error: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === "function") g.reportError(error);
  else console.error(error);
}

/** The page side of one routed socket. */
export class WebSocketRoute {
  private connected = false;
  private pageMessage?: MessageHandler;
  private pageClose?: CloseHandler;
  private serverMessage?: MessageHandler;
  private serverClose?: CloseHandler;
  private readonly disposers: Array<() => void> = [];
  private disposed = false;
  private readonly server: WebSocketRouteServer;
  private readonly pageInbox = new Inbox("page");
  private readonly serverInbox = new Inbox("server");
  private faultLine: Faults | undefined;
  /** True once the route made the page open (a frame sent, or the handler completed without connecting). */
  private opened = false;
  /** Directions the page end forwards by itself (server mode, default forwarding); each only ever turns off. */
  private forwarding = { toPage: false, toServer: false };

  constructor(
    private readonly id: string,
    private readonly socketUrl: string,
    private readonly requested: readonly string[],
    private readonly post: Receiver<RouteMessage>,
  ) {
    const route = this;
    this.server = {
      url: () => route.socketUrl,
      protocols: () => [...route.requested],
      onMessage: (handler) => { enforce(checkHandler("onMessage", handler)); route.serverMessage = handler; route.updateForwarding(); },
      onClose: (handler) => { enforce(checkHandler("onClose", handler)); route.serverClose = handler; },
      send: (message) => route.post({ type: "sendToServer", id: route.id, data: handlerDataToWire(message) }),
      close: (options = {}) => {
        route.post({ type: "closeServer", id: route.id, ...closeOf(validClose("server", options)) });
        return Promise.resolve();
      },
      connectToServer: () => { throw new Error("connectToServer must be called on the page-side WebSocketRoute"); },
      [Symbol.asyncDispose]: async () => route.server.close(),
      receive: (options) => route.claimServer().receive(options),
      receiveText: (options) => route.claimServer().receiveText(options),
      receiveBytes: (options) => route.claimServer().receiveBytes(options),
      receiveJson: (options) => route.claimServer().receiveJson(options),
      sendJson: (value, options) => route.server.send(jsonFrame(value, options)),
      get closeCode() { return route.serverInbox.closed?.code; },
      get closeReason() { return route.serverInbox.closed?.reason; },
      [Symbol.asyncIterator]: () => route.claimServer()[Symbol.asyncIterator](),
    };
  }

  /** The socket's URL, normalised as the page sees it. */
  url(): string {
    return this.socketUrl;
  }

  /** The protocols the page requested. */
  protocols(): string[] {
    return [...this.requested];
  }

  /** Handles frames the page sends (and stops forwarding them to the server). Replaces any previous handler. */
  onMessage(handler: MessageHandler): void {
    enforce(checkHandler("onMessage", handler));
    this.pageMessage = handler;
    this.updateForwarding();
  }

  /** Handles the page's close (and stops forwarding it to the server). Replaces any previous handler. */
  onClose(handler: CloseHandler): void {
    enforce(checkHandler("onClose", handler));
    this.pageClose = handler;
  }

  /** Sends a frame to the page (opening it first when still CONNECTING). */
  send(message: string | ArrayBuffer | ArrayBufferView): void {
    this.toPage({ type: "sendToPage", id: this.id, data: handlerDataToWire(message) });
  }

  /**
   * Closes the page socket with this code and reason; the close is clean. An invalid code or reason throws at
   * the call (nothing is closed), so a broken mock shows where it went wrong.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.toPage({ type: "closePage", id: this.id, ...closeOf(validClose("page", options)) });
    return Promise.resolve();
  }

  // --- wsbridge's additions: awaitable receiving, JSON, handshake failure, faults ---

  /**
   * The next frame from the page; WebSocketClosed once the page closed, TimeoutError after `timeout` ms.
   * A mocked socket still CONNECTING opens first: the page cannot send before `open`, so waiting would hang.
   */
  receive(options?: ReceiveOptions): Promise<Message> {
    return this.ready().receive(options);
  }

  /** The next frame from the page, which must be text. */
  receiveText(options?: ReceiveOptions): Promise<string> {
    return this.ready().receiveText(options);
  }

  /** The next frame from the page, which must be binary. */
  receiveBytes(options?: ReceiveOptions): Promise<Uint8Array> {
    return this.ready().receiveBytes(options);
  }

  /** The next frame from the page parsed as JSON. */
  receiveJson(options?: ReceiveOptions & JsonOptions): Promise<unknown> {
    return this.ready().receiveJson(options);
  }

  /** Frames from the page until it closes. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.ready()[Symbol.asyncIterator]();
  }

  /** Opens a mocked page socket that is still CONNECTING (receiving implies the route is ready); the page inbox. */
  private ready(): Inbox {
    if (!this.connected && !this.opened && !this.pageInbox.closed) this.afterHandle();
    this.pageInbox.claimed = true;
    this.updateForwarding();
    return this.pageInbox;
  }

  /** Sends `value` to the page as compact JSON. */
  sendJson(value: unknown, options?: JsonOptions): void {
    this.send(jsonFrame(value, options));
  }

  /** The page's close code, once it closed. */
  get closeCode(): number | undefined {
    return this.pageInbox.closed?.code;
  }

  /** The page's close reason, once it closed. */
  get closeReason(): string | undefined {
    return this.pageInbox.closed?.reason;
  }

  /**
   * Completes the handshake as a server would (Starlette's `accept`): the page opens with `protocol` as its
   * negotiated protocol. As in the browser, a protocol the page did not offer, or none when it offered some,
   * fails the handshake instead (a warning says why) and false is returned.
   */
  accept(options: { protocol?: string | null } = {}): boolean {
    if (this.opened) return true;
    const protocol = options.protocol ?? undefined;
    const offered = this.requested;
    const problem = protocol !== undefined && !offered.includes(protocol)
      ? `the route accepted with subprotocol ${JSON.stringify(protocol)}, which the page did not offer (${JSON.stringify(offered)})`
      : protocol === undefined && offered.length > 0
        ? `the page offered subprotocols ${JSON.stringify(offered)} and the route accepted without choosing one`
        : undefined;
    if (problem) {
      console.warn(`wsbridge: WebSocket handshake for ${this.socketUrl} failed: ${problem}; a browser fails such a handshake too.`);
      this.fail();
      return false;
    }
    this.opened = true;
    if (!this.connected) this.post({ type: "ensureOpened", id: this.id, ...(protocol === undefined ? {} : { protocol }) });
    return true;
  }

  /** Fails the handshake: the page gets `error`, then `close` 1006 (not clean), and never `open`. */
  reject(): void {
    if (this.opened) throw new Error("reject() must be called before the page socket opens: use terminate() or close()");
    this.fail();
  }

  /** Drops the connection abruptly: `close` 1006 (not clean) at the page, no close frame; frames held by a delay are lost. */
  terminate(): void {
    this.fail();
  }

  /** Sets fault injection (delay, drop) for frames to and from the page; replaces earlier settings. */
  faults(options: FaultOptions = {}): void {
    (this.faultLine ??= new Faults()).configure(options);
    this.updateForwarding();
  }

  /** Connects to the real server, once; returns the server side. */
  connectToServer(): WebSocketRouteServer {
    if (this.connected) throw new Error("Already connected to the server");
    this.connected = true;
    this.post({ type: "connect", id: this.id });
    // Default forwarding needs no route code: the page end does it, so frames do not make a round trip to this end
    // (across threads, two postMessages each). Page → server only while the page is not open yet: no page frame can
    // then be on its way here, to be overtaken by later ones that the page end forwards itself.
    this.forwarding = { toPage: true, toServer: !this.opened };
    this.updateForwarding(true);
    return this.server;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- engine side (not part of Playwright's API) ---

  /** The server inbox, claimed by a receive(): server frames must come here from now on. */
  private claimServer(): Inbox {
    this.serverInbox.claimed = true;
    this.updateForwarding();
    return this.serverInbox;
  }

  /**
   * Tells the page end which directions it still forwards by itself: none once a side's onMessage, receive() or
   * faults need the frames here. Only ever turns a direction off (turning one back on could reorder frames).
   */
  private updateForwarding(force = false): void {
    const { toPage, toServer } = this.forwarding;
    const next = {
      toPage: toPage && !this.serverMessage && !this.serverInbox.claimed && !this.faultLine,
      toServer: toServer && !this.pageMessage && !this.pageInbox.claimed && !this.faultLine,
    };
    if (!force && next.toPage === toPage && next.toServer === toServer) return;
    this.forwarding = next;
    if (force && !next.toPage && !next.toServer) return;
    this.post({ type: "forward", id: this.id, ...next });
  }

  /** After the route handler completed: opens a mock socket that did not connect. */
  afterHandle(): void {
    if (this.connected) return;
    this.opened = true;
    this.post({ type: "ensureOpened", id: this.id });
  }

  /** Posts to the page through the faults (frames may be dropped or held; a close waits behind them). */
  private toPage(message: RouteMessage): void {
    if (message.type === "sendToPage") this.opened = true;
    const faults = this.faultLine;
    if (!faults) return this.post(message);
    if (message.type === "sendToPage") faults.frame("toPage", wireToHandler(message.data), () => this.post(message));
    else faults.after("toPage", () => this.post(message));
  }

  /**
   * reject() and terminate(): the page closes with 1006 at once, then the server connection (if any) closes.
   * The page goes first: a page still CONNECTING drops its server connection quietly, with no events from it.
   */
  private fail(): void {
    this.faultLine?.clear();
    this.post({ type: "closePage", id: this.id, code: 1006, reason: "", wasClean: false, error: HANDSHAKE_FAILED });
    if (this.connected) this.post({ type: "closeServer", id: this.id, wasClean: true });
  }

  /**
   * The route handler threw (or its promise rejected): a page socket still CONNECTING fails its handshake
   * (`error`, then `close` 1006) instead of waiting forever; one already open is left as it is.
   */
  handlerFailed(): void {
    this.faultLine?.clear();
    this.post({ type: "closePage", id: this.id, code: 1006, reason: "", wasClean: false, error: HANDSHAKE_FAILED, handshakeOnly: true });
  }

  /**
   * The page end went away (its frame was removed or navigated, its worker terminated): as in Playwright, the
   * page-side `onClose` runs once with no code and no reason, and so does the server-side one when connected;
   * nothing is forwarded (there is no page left, and its server connection died with it). Then disposes.
   */
  pageGone(): void {
    if (this.disposed) return;
    this.faultLine?.clear();
    const pageOpen = !this.pageInbox.closed;
    const serverOpen = this.connected && !this.serverInbox.closed;
    this.pageInbox.close(undefined, undefined);
    this.serverInbox.close(undefined, undefined);
    const { pageClose, serverClose } = this;
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
    this.faultLine?.clear();
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

  /** Applies one message from the page end (through the faults, when set). */
  deliver(message: PageMessage): void {
    const faults = this.faultLine;
    if (faults && message.type === "messageFromPage") faults.frame("fromPage", wireToHandler(message.data), () => this.apply(message));
    else if (faults && message.type === "pageClosed") faults.after("fromPage", () => this.apply(message));
    else this.apply(message);
  }

  /** Applies one message from the page end. */
  private apply(message: PageMessage): void {
    switch (message.type) {
      case "messageFromPage": {
        const handler = this.pageMessage;
        if (handler) runHandler(() => handler(wireToHandler(message.data)));
        // Unclaimed frames of a mock are kept for receive() (Playwright drops them; nobody else can see them).
        else if (this.pageInbox.claimed || !this.connected) this.pageInbox.push(wireToHandler(message.data));
        else this.post({ type: "sendToServer", id: this.id, data: message.data });
        return;
      }
      case "messageFromServer": {
        const handler = this.serverMessage;
        if (handler) runHandler(() => handler(wireToHandler(message.data)));
        else if (this.serverInbox.claimed) this.serverInbox.push(wireToHandler(message.data));
        else this.toPage({ type: "sendToPage", id: this.id, data: message.data });
        return;
      }
      case "pageClosed": {
        this.pageInbox.close(message.code, message.reason);
        const handler = this.pageClose;
        if (handler) runHandler(() => handler(message.code, message.reason));
        else this.post({ type: "closeServer", id: this.id, ...closeOf(message) });
        return;
      }
      case "serverClosed": {
        this.serverInbox.close(message.code, message.reason);
        const handler = this.serverClose;
        if (handler) runHandler(() => handler(message.code, message.reason));
        else this.toPage({ type: "closePage", id: this.id, ...closeOf(message) });
        return;
      }
      case "released":
        this.dispose();
        return;
      case "create":
        return;
    }
  }
}

/** `options` when a route may close `side` with them; else throws the rule they break. */
function validClose(side: RouteSide, options: CloseOptions): CloseOptions {
  enforce(checkRouteClose(side, options?.code, options?.reason));
  return options ?? {};
}

/** Close fields for a message: code and reason when given; clean unless said otherwise. */
function closeOf(options: CloseOptions & { wasClean?: boolean }): CloseInfo {
  const info: CloseInfo = { wasClean: options.wasClean ?? true };
  if (options.code !== undefined) info.code = options.code;
  if (options.reason !== undefined) info.reason = options.reason;
  return info;
}
