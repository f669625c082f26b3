// The routing part of `_wsbridge_js`: what python/wsbridge/route.py calls. Proxies Python hands over are
// destroyed here: a route's handler and predicate when the route leaves the table, a socket's dispatch proxy
// when the socket is released (or routing is reset).
import { addRoute, resetRouting } from "../route/api.js";
import type { RouteEntry } from "../route/match/registry.js";
import type { RouteHandler } from "../route/end/host.js";
import { controllerOf, type WebSocketRoute, type WebSocketRouteServer } from "../route/end/route.js";
import { installRouting } from "../route/engine.js";
import { handOver } from "../route/data.js";
import type { PyProxy, PyodideLike } from "./types.js";
import { destroyProxy, holdProxy, proxyStats, releaseProxy, urlMatcherOf } from "./proxies.js";
import type { BridgePart, PyFunction, RouteCallback, RouteDispatch, UrlPredicate } from "./contract.js";

/**
 * A route registered from Python. `urlKey` and `handlerKey` stand for the Python `url` and handler, which JS only
 * sees as proxies: `unroute_web_socket(url, handler)` finds routes by them (see python/wsbridge/route.py `_url_key`).
 */
interface PythonRoute {
  entry: RouteEntry<RouteHandler>;
  scope: string;
  urlKey: string;
  handlerKey: string;
  /** False once the route left the engine's table (unrouted, `times` used up, reset). */
  alive: boolean;
  /**
   * Told when Python unroutes the route (an ASGI app's lifespan ends then), also after `times` ran out: such a
   * route stays listed here, not routing, until it is unrouted or routing is reset (which does not tell it).
   */
  onUnroute: PyFunction<() => unknown> | undefined;
}

/** Routes registered from Python, by token: the one table Python's unroute goes through. */
const entries = new Map<number, PythonRoute>();
let nextToken = 1;

/**
 * Registers a Python route. `url` is a glob string, or a Python predicate called with the URL string.
 * `onSocket(route, resolve, reject)` runs the Python handler and settles when it completed (rejecting with its
 * traceback). Returns a token.
 */
export function routeAdd(
  scope: string,
  url: string | PyFunction<UrlPredicate>,
  times: number | undefined | null,
  onSocket: PyFunction<RouteCallback>,
  urlKey: string,
  handlerKey: string,
  onUnroute: PyFunction<() => unknown> | undefined | null,
): number {
  const token = nextToken++;
  holdProxy(onSocket, "route");
  if (onUnroute) holdProxy(onUnroute, "route");
  const { match: matcher, predicate } = urlMatcherOf(url);
  // A failed Python handler rejects with its traceback: an Error the engine reports, failing the handshake.
  const handler: RouteHandler = (route) => new Promise<void>((resolve, reject) => void onSocket(route, resolve, (traceback) => reject(new Error(traceback))));
  const onRemove = () => {
    const route = entries.get(token);
    if (route) route.alive = false;
    if (!onUnroute) entries.delete(token);
    releaseProxy(onSocket);
    releaseProxy(predicate);
  };
  try {
    const entry = addRoute(scope === "context" ? "context" : "page", matcher, handler, times === undefined || times === null ? {} : { times }, onRemove);
    entries.set(token, { entry, scope, urlKey, handlerKey, alive: true, onUnroute: onUnroute ?? undefined });
  } catch (error) {
    destroyProxy(onSocket);
    destroyProxy(predicate);
    if (onUnroute) destroyProxy(onUnroute);
    throw error;
  }
  return token;
}

/** Removes a Python route and then tells its `onUnroute` (no-op when already unrouted). */
export function routeRemove(token: number): void {
  const route = entries.get(token);
  if (!route) return;
  if (route.alive) installRouting().registry.delete(route.entry);
  entries.delete(token);
  const { onUnroute } = route;
  if (!onUnroute) return;
  try {
    onUnroute();
  } finally {
    releaseProxy(onUnroute);
  }
}

/** Unroutes `scope`'s Python routes registered with `urlKey` (and `handlerKey`, when given), oldest first. */
export function routeUnroute(scope: string, urlKey: string, handlerKey: string | undefined | null): void {
  for (const [token, route] of [...entries]) {
    if (route.scope === scope && route.urlKey === urlKey && (handlerKey === undefined || handlerKey === null || route.handlerKey === handlerKey)) {
      routeRemove(token);
    }
  }
}

/** True while the route is registered. */
export function routeAlive(token: number): boolean {
  return entries.get(token)?.alive === true;
}

/** Gives a socket's route its one Python dispatch proxy, destroyed when the socket is released. */
function routeBind(route: WebSocketRoute, dispatch: PyProxy): void {
  holdProxy(dispatch, "route");
  controllerOf(route).onDispose(() => releaseProxy(dispatch));
}

/** Sends `side`'s messages or closes (`kind`) of `target` to the socket's Python dispatch proxy. */
function routeListen(target: WebSocketRoute | WebSocketRouteServer, side: string, kind: string, dispatch: PyFunction<RouteDispatch>): void {
  if (kind === "message") target.onMessage((message) => dispatch(side, "message", message));
  else target.onClose((code, reason) => dispatch(side, "close", code, reason));
}

/** `target.send(message)` for a Python route: its bytes arrive as a fresh Uint8Array (Python's one copy), handed over to the wire as they are. */
export function routeSend(target: WebSocketRoute | WebSocketRouteServer, message: string | Uint8Array): void {
  target.send(typeof message === "string" ? message : handOver(message));
}

/** `route.close({code, reason})` with absent values left out. */
export function routeClose(target: WebSocketRoute | WebSocketRouteServer, code: number | undefined | null, reason: string | undefined | null): void {
  const options: { code?: number; reason?: string } = {};
  if (code !== undefined && code !== null) options.code = code;
  if (reason !== undefined && reason !== null) options.reason = reason;
  void target.close(options);
}

/** Removes every route and closes every live routed socket (no route's onUnroute is told). */
export function routeReset(): void {
  resetRouting();
  for (const route of entries.values()) if (route.onUnroute) releaseProxy(route.onUnroute);
  entries.clear();
}

/** Counts for leak checks: Python proxies held, Python routes registered, live routed sockets. */
function routeStats(): { proxies: number; routes: number; sockets: number } {
  const counts = proxyStats();
  return { proxies: counts.route + counts.predicate, routes: entries.size, sockets: installRouting().host.size };
}

/** Entry points for the Python routing face. */
export function routeBridge(
  _pyodide: PyodideLike,
): BridgePart<"routeAdd" | "routeRemove" | "routeUnroute" | "routeAlive" | "routeBind" | "routeListen" | "routeSend" | "routeClose" | "routeReset" | "routeStats"> {
  return { routeAdd, routeRemove, routeUnroute, routeAlive, routeBind, routeListen, routeSend, routeClose, routeReset, routeStats };
}
