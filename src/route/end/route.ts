// What route code sees of one routed socket: WebSocketRoute (the page side) and the server side `connectToServer()`
// returns, with Playwright's JS names and shapes plus wsbridge's documented extras (awaitable receiving, JSON,
// handshake control, faults), and their types. A thin face: the socket's controller (controller.ts) is kept off
// these objects, in a module-private map.
import type { RouteController, CloseHandler, MessageHandler, RouteData } from "./controller.js";
import type { FaultOptions } from "./faults.js";
import { jsonFrame, type JsonOptions, type Message, type ReceiveOptions } from "./inbox.js";
import type { CloseOptions } from "../rules.js";

export type { CloseHandler, MessageHandler, RouteData } from "./controller.js";
export type { CloseOptions } from "../rules.js";

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

/** The server side of a route, returned by `connectToServer()`. */
export interface WebSocketRouteServer extends AwaitableSide {
  url(): string;
  protocols(): string[];
  onMessage(handler: MessageHandler): void;
  onClose(handler: CloseHandler): void;
  send(message: RouteData): void;
  close(options?: CloseOptions): Promise<void>;
  connectToServer(): never;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The controller behind each route. */
const controllers = new WeakMap<WebSocketRoute, RouteController>();

/** The controller behind `route` (for wsbridge's own modules; not exported by the package). */
export function controllerOf(route: WebSocketRoute): RouteController {
  return controllers.get(route)!;
}

/** The page side of one routed socket. */
export class WebSocketRoute implements AwaitableSide {
  /** Made by the route end for each routed socket; route code never constructs one. */
  constructor(controller: RouteController) {
    controllers.set(this, controller);
  }

  /** The socket's URL, normalised as the page sees it. */
  url(): string {
    return controllerOf(this).url;
  }

  /** The protocols the page requested. */
  protocols(): string[] {
    return [...controllerOf(this).requested];
  }

  /** Handles frames the page sends (and stops forwarding them to the server). Replaces any previous handler. */
  onMessage(handler: MessageHandler): void {
    controllerOf(this).onMessage("page", handler);
  }

  /** Handles the page's close (and stops forwarding it to the server). Replaces any previous handler. */
  onClose(handler: CloseHandler): void {
    controllerOf(this).onClose("page", handler);
  }

  /** Sends a frame to the page (opening it first when still CONNECTING). */
  send(message: RouteData): void {
    controllerOf(this).sendToPage(message);
  }

  /**
   * Closes the page socket with this code and reason; the close is clean. An invalid code or reason throws at
   * the call (nothing is closed), so a broken mock shows where it went wrong.
   */
  close(options: CloseOptions = {}): Promise<void> {
    controllerOf(this).closePage(options);
    return Promise.resolve();
  }

  /** Connects to the real server, once; returns the server side. */
  connectToServer(): WebSocketRouteServer {
    const controller = controllerOf(this);
    controller.connect();
    return serverSide(controller);
  }

  /**
   * The next frame from the page; WebSocketClosed once the page closed, TimeoutError after `timeout` ms.
   * A mocked socket still CONNECTING opens first: the page cannot send before `open`, so waiting would hang.
   */
  receive(options?: ReceiveOptions): Promise<Message> {
    return controllerOf(this).inbox("page").receive(options);
  }

  /** The next frame from the page, which must be text. */
  receiveText(options?: ReceiveOptions): Promise<string> {
    return controllerOf(this).inbox("page").receiveText(options);
  }

  /** The next frame from the page, which must be binary. */
  receiveBytes(options?: ReceiveOptions): Promise<Uint8Array> {
    return controllerOf(this).inbox("page").receiveBytes(options);
  }

  /** The next frame from the page parsed as JSON. */
  receiveJson(options?: ReceiveOptions & JsonOptions): Promise<unknown> {
    return controllerOf(this).inbox("page").receiveJson(options);
  }

  /** Frames from the page until it closes. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return controllerOf(this).inbox("page")[Symbol.asyncIterator]();
  }

  /** Sends `value` to the page as compact JSON. */
  sendJson(value: unknown, options?: JsonOptions): void {
    this.send(jsonFrame(value, options));
  }

  /** The page's close code, once it closed. */
  get closeCode(): number | undefined {
    return controllerOf(this).closed("page")?.code;
  }

  /** The page's close reason, once it closed. */
  get closeReason(): string | undefined {
    return controllerOf(this).closed("page")?.reason;
  }

  /**
   * Completes the handshake as a server would (Starlette's `accept`): the page opens with `protocol` as its
   * negotiated protocol. As in the browser, a protocol the page did not offer, or none when it offered some,
   * fails the handshake instead (a warning says why) and false is returned.
   */
  accept(options: { protocol?: string | null } = {}): boolean {
    return controllerOf(this).accept(options);
  }

  /** Fails the handshake: the page gets `error`, then `close` 1006 (not clean), and never `open`. */
  reject(): void {
    controllerOf(this).reject();
  }

  /** Drops the connection abruptly: `close` 1006 (not clean) at the page, no close frame; frames held by a delay are lost. */
  terminate(): void {
    controllerOf(this).fail();
  }

  /** Sets fault injection (delay, drop) for frames to and from the page; replaces earlier settings. */
  faults(options: FaultOptions = {}): void {
    controllerOf(this).setFaults(options);
  }

  /** Closes the page socket (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The server side of `controller`'s socket: Playwright's names seen from the server end (frames from it, sends to it). */
function serverSide(controller: RouteController): WebSocketRouteServer {
  const server: WebSocketRouteServer = {
    url: () => controller.url,
    protocols: () => [...controller.requested],
    onMessage: (handler) => controller.onMessage("server", handler),
    onClose: (handler) => controller.onClose("server", handler),
    send: (message) => controller.sendToServer(message),
    close: (options = {}) => {
      controller.closeServer(options);
      return Promise.resolve();
    },
    connectToServer: () => { throw new Error("connectToServer must be called on the page-side WebSocketRoute"); },
    [Symbol.asyncDispose]: async () => server.close(),
    receive: (options) => controller.inbox("server").receive(options),
    receiveText: (options) => controller.inbox("server").receiveText(options),
    receiveBytes: (options) => controller.inbox("server").receiveBytes(options),
    receiveJson: (options) => controller.inbox("server").receiveJson(options),
    sendJson: (value, options) => server.send(jsonFrame(value, options)),
    get closeCode() { return controller.closed("server")?.code; },
    get closeReason() { return controller.closed("server")?.reason; },
    [Symbol.asyncIterator]: () => controller.inbox("server")[Symbol.asyncIterator](),
  };
  return server;
}
