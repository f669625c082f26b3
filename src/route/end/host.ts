// The route end: takes protocol messages from page sockets, picks the route for each new socket, runs its
// handler with a WebSocketRoute, and hands later messages to that socket's RouteController.
import { documentBase } from "../match/match.js";
import type { PageMessage, Receiver, RouteMessage } from "../protocol.js";
import type { RouteRegistry } from "../match/registry.js";
import { RouteController } from "./controller.js";
import { WebSocketRoute } from "./route.js";

/** A route handler, as given to `routeWebSocket`. */
export type RouteHandler = (route: WebSocketRoute) => unknown;

/** Routes page sockets to handlers. */
export class RouteHost {
  private readonly routes = new Map<string, RouteController>();
  private post: Receiver<RouteMessage> = () => {};

  constructor(private readonly registry: RouteRegistry<RouteHandler>) {}

  /** Sets where messages for the page end go. */
  connect(post: Receiver<RouteMessage>): void {
    this.post = post;
  }

  /** Applies one message from the page end. */
  receive(message: PageMessage): void {
    if (message.type === "create") return this.create(message.id, message.url, message.protocols);
    const route = this.routes.get(message.id);
    if (!route) return;
    if (message.type === "released") this.routes.delete(message.id);
    route.receive(message);
  }

  /** Live routed sockets (not yet released). */
  get size(): number {
    return this.routes.size;
  }

  /** Force-closes every live routed socket and forgets it. */
  abortAll(): void {
    const live = [...this.routes.values()];
    this.routes.clear();
    live.forEach((route) => route.abort());
  }

  /** A new socket: the matching route's handler runs; with none, the socket becomes a native one. */
  private create(id: string, url: string, protocols: string[]): void {
    const entry = this.registry.take(url, documentBase());
    if (!entry) return this.post({ type: "passthrough", id });
    const route = new RouteController(id, url, protocols, (message) => this.post(message));
    this.routes.set(id, route);
    void this.handle(entry.handler, route);
  }

  /**
   * Runs the handler; when it (or its promise) completes, a socket that did not connect opens. When it throws,
   * the error is reported and a socket still CONNECTING fails its handshake, so a broken mock shows at once.
   */
  private async handle(handler: RouteHandler, route: RouteController): Promise<void> {
    try {
      await handler(new WebSocketRoute(route));
    } catch (error) {
      console.error(`wsbridge: the route handler for ${route.url} failed, so the page's WebSocket fails its handshake (error, then close 1006):`, error);
      route.handlerFailed();
      return;
    }
    route.afterHandle();
  }

  /**
   * The document that holds this route end goes away (navigated, reloaded, its iframe removed): every live route's
   * page went with it (its own sockets, and a worker's or a child frame's, which die with the document), so each hears
   * so as from `gone`. Its handlers run now, inside `pagehide`: nothing of the document runs after it.
   */
  allGone(): void {
    for (const id of [...this.routes.keys()]) this.gone(id);
  }

  /** The page end of `id` went away (frame gone, worker terminated): its route hears so and is forgotten. */
  gone(id: string): void {
    const route = this.routes.get(id);
    if (!route) return;
    this.routes.delete(id);
    route.pageGone();
  }
}
