// The routing engine of one global: native class, route table, page end and route end joined by a direct
// link, and the routed WebSocket class installed on globalThis. One engine per global, shared by all copies.
import { documentBase } from "./match/match.js";
import { PageSocket, type PageEnd } from "./page/page-socket.js";
import { directLink, newSocketId, type Link, type PageMessage, type Receiver, type RouteMessage } from "./protocol.js";
import { RouteRegistry } from "./match/registry.js";
import { RouteHost, type RouteHandler } from "./end/host.js";
import { createRoutedClass, patchPrototype } from "./page/routed-class.js";

/** Everything routing keeps per global. */
export interface RoutingEngine {
  /** The browser's own WebSocket class. */
  native: typeof WebSocket;
  /** The routed class installed as globalThis.WebSocket. */
  routed: typeof WebSocket;
  registry: RouteRegistry<RouteHandler>;
  host: RouteHost;
  /** Live routed page sockets by id. */
  sockets: Map<string, PageSocket>;
  link: Link;
  /** Page ends in other threads (a worker's sockets routed here): socket id → where its route messages go. */
  remote: Map<string, Receiver<RouteMessage>>;
  /** In a worker linked to the main thread: where sockets that no local route takes are routed (port-link.ts). */
  upstream: Receiver<PageMessage> | undefined;
  /** Restores the native class and prototype. */
  uninstall(): void;
}

/** Where the engine is kept on globalThis, so a second copy of the bundle reuses it. */
const KEY = Symbol.for("wsbridge.routing");

/** The installed engine, if any. */
export function currentEngine(): RoutingEngine | undefined {
  return (globalThis as Record<symbol, RoutingEngine | undefined>)[KEY];
}

/** Installs routing on this global (idempotent): globalThis.WebSocket becomes the routed class. */
export function installRouting(): RoutingEngine {
  const existing = currentEngine();
  if (existing) return existing;
  const g = globalThis as unknown as Record<string | symbol, unknown>;
  const native = g.WebSocket as typeof WebSocket;
  const registry = new RouteRegistry<RouteHandler>();
  const host = new RouteHost(registry);
  const sockets = new Map<string, PageSocket>();
  const remote = new Map<string, Receiver<RouteMessage>>();
  const toPage = (message: RouteMessage) => {
    const socket = sockets.get(message.id);
    if (socket) socket.receive(message);
    else remote.get(message.id)?.(message);
  };
  const link = directLink((message) => host.receive(message), toPage);
  host.connect(link.toPage);
  const end: PageEnd = { native, post: link.toRoute, forget: (id) => sockets.delete(id) };
  const routed = createRoutedClass({
    native,
    wouldRoute: (url) => engine.upstream !== undefined || registry.peek(url, documentBase()) !== undefined,
    create: (target, url, protocols) => {
      const id = newSocketId();
      const upstream = engine.upstream;
      const local = !upstream || registry.peek(url, documentBase()) !== undefined;
      const socket = new PageSocket(id, target, url, protocols, local ? end : { ...end, post: upstream });
      sockets.set(id, socket);
      return socket;
    },
  });
  const unpatch = patchPrototype(native.prototype, routed);
  // The document going away ends the routes it holds, as Playwright does on frame navigation and detach: the page-side
  // onClose runs once with no code and no reason. Its sockets and their server connections die with the document.
  const scope = globalThis as unknown as Partial<EventTarget> & { document?: unknown };
  const inDocument = scope.document !== undefined && typeof scope.addEventListener === "function";
  const onPageHide = () => host.allGone();
  if (inDocument) scope.addEventListener!("pagehide", onPageHide);
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
  Object.defineProperty(globalThis, "WebSocket", { ...(descriptor ?? { writable: true, configurable: true, enumerable: false }), value: routed });
  const engine: RoutingEngine = {
    native, routed, registry, host, sockets, link, remote, upstream: undefined,
    uninstall() {
      if (inDocument) scope.removeEventListener!("pagehide", onPageHide);
      host.abortAll();
      registry.clear();
      unpatch();
      if (descriptor) Object.defineProperty(globalThis, "WebSocket", descriptor);
      delete g[KEY];
    },
  };
  g[KEY] = engine;
  return engine;
}
