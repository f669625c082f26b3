// WebSocketRoute: what a route handler gets for one routed socket, with Playwright's JS names and shapes, plus
// wsbridge's documented extras (awaitable receiving, JSON, handshake control, faults). A thin face: the engine
// of the socket (controller.ts) is kept off this type, in a module-private map.
import type { FaultOptions } from "./faults.js";
import type { JsonOptions, Message, ReceiveOptions } from "./inbox.js";
import { jsonFrame } from "./inbox.js";
import type { RouteController } from "./controller.js";
import { serverSide } from "./server-side.js";
import type { AwaitableSide, CloseHandler, CloseOptions, MessageHandler, RouteData, WebSocketRouteServer } from "./route-types.js";

export type { AwaitableSide, CloseHandler, CloseOptions, MessageHandler, RouteData, WebSocketRouteServer } from "./route-types.js";

/** The engine behind each route. */
const controllers = new WeakMap<WebSocketRoute, RouteController>();

/** The engine behind `route` (for wsbridge's own modules; not exported by the package). */
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
    return controllerOf(this).receivePage().receive(options);
  }

  /** The next frame from the page, which must be text. */
  receiveText(options?: ReceiveOptions): Promise<string> {
    return controllerOf(this).receivePage().receiveText(options);
  }

  /** The next frame from the page, which must be binary. */
  receiveBytes(options?: ReceiveOptions): Promise<Uint8Array> {
    return controllerOf(this).receivePage().receiveBytes(options);
  }

  /** The next frame from the page parsed as JSON. */
  receiveJson(options?: ReceiveOptions & JsonOptions): Promise<unknown> {
    return controllerOf(this).receivePage().receiveJson(options);
  }

  /** Frames from the page until it closes. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return controllerOf(this).receivePage()[Symbol.asyncIterator]();
  }

  /** Sends `value` to the page as compact JSON. */
  sendJson(value: unknown, options?: JsonOptions): void {
    this.send(jsonFrame(value, options));
  }

  /** The page's close code, once it closed. */
  get closeCode(): number | undefined {
    return controllerOf(this).pageInbox.closed?.code;
  }

  /** The page's close reason, once it closed. */
  get closeReason(): string | undefined {
    return controllerOf(this).pageInbox.closed?.reason;
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
    const controller = controllerOf(this);
    if (controller.opened) throw new Error("reject() must be called before the page socket opens: use terminate() or close()");
    controller.fail();
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
