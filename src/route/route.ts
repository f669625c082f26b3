// WebSocketRoute: the route end of one routed socket, with Playwright's JS names and shapes. Page side and
// server side; default forwarding unless a side's onMessage/onClose is set. Talks to the page end only by
// protocol messages.
import { handlerDataToWire, wireToHandler } from "./data.js";
import type { CloseInfo, PageMessage, Receiver, RouteMessage } from "./protocol.js";

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
export interface WebSocketRouteServer {
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
      onMessage: (handler) => { route.serverMessage = handler; },
      onClose: (handler) => { route.serverClose = handler; },
      send: (message) => route.post({ type: "sendToServer", id: route.id, data: handlerDataToWire(message) }),
      close: async (options = {}) => route.post({ type: "closeServer", id: route.id, ...closeOf(options) }),
      connectToServer: () => { throw new Error("connectToServer must be called on the page-side WebSocketRoute"); },
      [Symbol.asyncDispose]: async () => route.server.close(),
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
    this.pageMessage = handler;
  }

  /** Handles the page's close (and stops forwarding it to the server). Replaces any previous handler. */
  onClose(handler: CloseHandler): void {
    this.pageClose = handler;
  }

  /** Sends a frame to the page (opening it first when still CONNECTING). */
  send(message: string | ArrayBuffer | ArrayBufferView): void {
    this.post({ type: "sendToPage", id: this.id, data: handlerDataToWire(message) });
  }

  /** Closes the page socket with this code and reason; the close is clean. */
  async close(options: CloseOptions = {}): Promise<void> {
    this.post({ type: "closePage", id: this.id, ...closeOf(options) });
  }

  /** Connects to the real server, once; returns the server side. */
  connectToServer(): WebSocketRouteServer {
    if (this.connected) throw new Error("Already connected to the server");
    this.connected = true;
    this.post({ type: "connect", id: this.id });
    return this.server;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- engine side (not part of Playwright's API) ---

  /** After the route handler completed: opens a mock socket that did not connect. */
  afterHandle(): void {
    if (!this.connected) this.post({ type: "ensureOpened", id: this.id });
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
    for (const fn of this.disposers.splice(0)) runHandler(fn);
  }

  /** Force-closes both sides (reset between tests), then disposes. */
  abort(): void {
    this.post({ type: "closeServer", id: this.id, code: 1000, wasClean: true });
    this.post({ type: "closePage", id: this.id, code: 1001, reason: "wsbridge reset", wasClean: true });
    this.dispose();
  }

  /** Applies one message from the page end. */
  receive(message: PageMessage): void {
    switch (message.type) {
      case "messageFromPage": {
        const handler = this.pageMessage;
        if (handler) runHandler(() => handler(wireToHandler(message.data)));
        else if (this.connected) this.post({ type: "sendToServer", id: this.id, data: message.data });
        return;
      }
      case "messageFromServer": {
        const handler = this.serverMessage;
        if (handler) runHandler(() => handler(wireToHandler(message.data)));
        else this.post({ type: "sendToPage", id: this.id, data: message.data });
        return;
      }
      case "pageClosed": {
        const handler = this.pageClose;
        if (handler) runHandler(() => handler(message.code, message.reason));
        else this.post({ type: "closeServer", id: this.id, ...closeOf(message) });
        return;
      }
      case "serverClosed": {
        const handler = this.serverClose;
        if (handler) runHandler(() => handler(message.code, message.reason));
        else this.post({ type: "closePage", id: this.id, ...closeOf(message) });
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

/** Close fields for a message: code and reason when given; clean unless said otherwise. */
function closeOf(options: CloseOptions & { wasClean?: boolean }): CloseInfo {
  const info: CloseInfo = { wasClean: options.wasClean ?? true };
  if (options.code !== undefined) info.code = options.code;
  if (options.reason !== undefined) info.reason = options.reason;
  return info;
}
