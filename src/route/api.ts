// The JS face of routing, with Playwright's names: routeWebSocket / unrouteWebSocket, page and context scopes.
import { checkUrlMatch, documentBase, type UrlMatch } from "./match/match.js";
import type { RouteEntry, Scope } from "./match/registry.js";
import type { RouteHandler } from "./end/host.js";
import { installRouting } from "./engine.js";
import { checkRouteHandler, checkTimes, enforce } from "./rules.js";

/** Options of `routeWebSocket`. */
export interface RouteOptions {
  /** Route only the first `times` matching sockets, then remove the route. */
  times?: number;
}

/** What `routeWebSocket` resolves to: removes this one registration. */
export interface RouteHandle {
  unroute(): void;
  [Symbol.dispose](): void;
}

/** Registers a route synchronously (the engine installs itself on first use); throws on an invalid matcher. */
export function addRoute(scope: Scope, url: UrlMatch, handler: RouteHandler, options: RouteOptions = {}, onRemove?: () => void): RouteEntry<RouteHandler> {
  checkUrlMatch(url, documentBase());
  enforce(checkRouteHandler(handler));
  const times = options.times;
  enforce(checkTimes(times));
  const engine = installRouting();
  return engine.registry.add({ scope, url, handler, remaining: times, onRemove });
}

/** Removes routes of `scope` registered with `url` (and `handler`, when given); sockets already routed keep their route. */
export function removeRoutes(scope: Scope, url: UrlMatch, handler?: RouteHandler): number {
  return installRouting().registry.remove(scope, url, handler);
}

/** Removes every route and force-closes every live routed socket (test isolation). */
export function resetRouting(): void {
  const engine = installRouting();
  engine.registry.clear();
  engine.host.abortAll();
}

/** A handle for one registration. */
export function handleOf(entry: RouteEntry<RouteHandler>): RouteHandle {
  const unroute = () => installRouting().registry.delete(entry);
  return { unroute, [Symbol.dispose]: unroute };
}

/** `routeWebSocket` / `unrouteWebSocket` bound to one scope. */
export interface RoutingScope {
  routeWebSocket(url: UrlMatch, handler: RouteHandler, options?: RouteOptions): Promise<RouteHandle>;
  unrouteWebSocket(url: UrlMatch, handler?: RouteHandler): Promise<void>;
}

/** Builds the routing functions of one scope; registration happens before the promise is returned. */
function scopeOf(scope: Scope): RoutingScope {
  return {
    routeWebSocket(url, handler, options) {
      try {
        return Promise.resolve(handleOf(addRoute(scope, url, handler, options)));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    unrouteWebSocket(url, handler) {
      removeRoutes(scope, url, handler);
      return Promise.resolve();
    },
  };
}

/** Page-scope routing (consulted first). */
export const page: RoutingScope = scopeOf("page");
/** Context-scope routing (consulted when no page route matches). */
export const context: RoutingScope = scopeOf("context");

/** Routes WebSockets whose URL matches `url` to `handler` (page scope); the last registered match wins. */
export const routeWebSocket = page.routeWebSocket;
/** Removes page-scope routes registered with `url` (and `handler`, when given). */
export const unrouteWebSocket = page.unrouteWebSocket;
