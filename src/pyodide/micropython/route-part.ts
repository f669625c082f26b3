// The routing part of `_wsbridge_mpy`: Python routes over the engine's own Python-route table (../route-bridge.ts:
// unroute by keys, `times`, removal), with routed sockets by id. A registration's pattern or predicate and its
// handler stay in Python under a key; JS calls Python's entry point with that key.
import { routeAdd, routeAlive, routeClose, routeRemove, routeReset, routeSend, routeUnroute } from "../route-bridge.js";
import { controllerOf, type WebSocketRoute, type WebSocketRouteServer } from "../../route/end/route.js";
import type { PyFunction, RouteCallback, UrlPredicate } from "../contract.js";
import { ENTRY, type Entry, type MicroPythonModule } from "./contract.js";
import type { ByteChannel } from "./channel.js";
import { held } from "./held.js";

/** One routed socket Python has seen: its page side and, once connected, its server side. */
interface MpyRoute {
  page: WebSocketRoute;
  server?: WebSocketRouteServer;
  /** The handler's settlement, while Python's async route handler runs. */
  settle?: (traceback: string | null) => void;
}

type RoutePart = Pick<
  MicroPythonModule,
  "routeAdd" | "routeRemove" | "routeUnroute" | "routeAlive" | "routeSettle" | "routeUrl" | "routeProtocols" | "routeCloseInfo" | "routeListen" | "routeSendText" | "routeArm" | "routeWritten" | "routeClose" | "routeConnect" | "routeReset"
>;

/** Bytes handed to the engine to keep: a view of the heap is copied (the heap is reused at once). */
const kept = (bytes: Uint8Array) => bytes.slice();

/** The routing functions for one interpreter; `routes` holds its live routed sockets by id. */
export function routePart(entry: () => Entry, channel: ByteChannel, routes: Map<number, MpyRoute>): RoutePart {
  let nextId = 1;
  /** The side `side` of routed socket `id`; throws (caught by the guard) when it is gone or not connected. */
  const target = (id: number, side: string): WebSocketRoute | WebSocketRouteServer => {
    const route = routes.get(id);
    const found = side === "server" ? route?.server : route?.page;
    if (!found) throw new Error(`wsbridge: the routed socket's ${side} side is gone`);
    return found;
  };

  /** The side `side` of routed socket `id`, or undefined once it was released. */
  const live = (id: number, side: string): WebSocketRoute | WebSocketRouteServer | undefined => {
    const route = routes.get(id);
    return side === "server" ? route?.server : route?.page;
  };

  /** Registers a routed socket and runs Python registration `key`'s handler for it. */
  const onSocket = (key: number) =>
    held(((page: WebSocketRoute, resolve: () => void, reject: (traceback: string) => void) => {
      const id = nextId++;
      const route: MpyRoute = { page };
      routes.set(id, route);
      controllerOf(page).onDispose(() => {
        routes.delete(id);
        // Told after the engine's call: Python may be in the middle of the call that released it.
        queueMicrotask(() => entry()(ENTRY.routeReleased, id));
      });
      route.settle = (traceback) => {
        route.settle = undefined;
        if (traceback === null) resolve();
        else reject(traceback);
      };
      const result = entry()(ENTRY.routeSocket, key, id);
      if (result === true) route.settle(null);
      else if (typeof result === "string") route.settle(result);
      // Else an async handler runs; Python calls routeSettle when it ends.
    }) as RouteCallback, () => queueMicrotask(() => entry()(ENTRY.routeGone, key))) as PyFunction<RouteCallback>;

  return {
    routeAdd: (scope, glob, key, times, urlKey, handlerKey) => {
      const url = glob ?? (held(((href: string) => entry()(ENTRY.routeMatch, key, href) === true) as UrlPredicate) as PyFunction<UrlPredicate>);
      return routeAdd(scope, url, times, onSocket(key), urlKey, handlerKey, null);
    },
    routeRemove,
    routeUnroute,
    routeAlive,
    routeSettle: (id, traceback) => routes.get(id)?.settle?.(traceback),
    routeUrl: (id) => target(id, "page").url(),
    routeProtocols: (id) => JSON.stringify(target(id, "page").protocols()),
    routeCloseInfo: (id) => {
      const route = routes.get(id);
      return JSON.stringify(route ? [route.page.closeCode ?? null, route.page.closeReason ?? null] : [null, null]);
    },
    routeListen: (id, side, kind) => {
      const end = target(id, side);
      if (kind === "message") {
        end.onMessage((message) => {
          if (typeof message === "string") entry()(ENTRY.routeText, id, side, message);
          else entry()(ENTRY.routeBinary, id, side, channel.offer(message));
        });
      } else {
        end.onClose((code, reason) => entry()(ENTRY.routeClose, id, side, code ?? null, reason ?? null));
      }
    },
    // Sending to or closing a released routed socket does nothing, as on the engine's own closed route.
    routeSendText: (id, side, text) => {
      const end = live(id, side);
      if (end) routeSend(end, text);
      return null;
    },
    routeArm: (id, side, length) => {
      const end = live(id, side);
      if (end && length === 0) routeSend(end, new Uint8Array(0));
      else if (end) channel.arm((bytes) => routeSend(end, kept(bytes)));
      return null;
    },
    routeWritten: () => {
      const error = channel.takeError();
      if (error !== undefined) throw error;
      return null;
    },
    routeClose: (id, side, code, reason) => {
      const end = live(id, side);
      if (end) routeClose(end, code, reason);
      return null;
    },
    routeConnect: (id) => {
      const route = routes.get(id);
      if (!route) throw new Error("wsbridge: the routed socket is gone");
      route.server = route.page.connectToServer();
      return null;
    },
    routeReset,
  };
}

export type { MpyRoute };
