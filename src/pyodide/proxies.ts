// The one pool every Python callable handed to JS goes through: counted while JS holds it, destroyed exactly once.
// The bridges take ownership with `holdProxy` and give it up with `releaseProxy`/`destroyProxy`; the leak
// counters (`proxyStats`, and the `proxies` of socketStats/routeStats) read this pool, so none is missed.
import type { PyProxy } from "./types.js";

/** What a held proxy serves; the counters are kept per kind. */
export type ProxyKind = "socket" | "route" | "predicate" | "inspect";

/** Live proxies per kind, with the total. */
export type ProxyCounts = Record<ProxyKind | "total", number>;

const held = new Map<PyProxy, ProxyKind>();

/** Takes ownership of `proxy` for JS (a `create_proxy` Python handed over); returns it. */
export function holdProxy<P extends PyProxy>(proxy: P, kind: ProxyKind): P {
  held.set(proxy, kind);
  return proxy;
}

/** Destroys a held proxy now; a second call, or a proxy not held, does nothing. */
export function destroyProxy(proxy: PyProxy | undefined): void {
  if (!proxy || !held.delete(proxy)) return;
  try {
    proxy.destroy();
  } catch {
    // Destroyed from Python already (pyodide.ffi.destroy_proxies): nothing left to free.
  }
}

/** Destroys a held proxy after the current call stack: a handler may still be running inside it. */
export function releaseProxy(proxy: PyProxy | undefined): void {
  if (proxy && held.has(proxy)) queueMicrotask(() => destroyProxy(proxy));
}

/**
 * A route's URL matcher: a glob string as it is, or a Python predicate (held in the pool as a "predicate")
 * called with the URL string. Returns the matcher and the held predicate, for its owner to release.
 */
export function urlMatcherOf(url: string | ((href: string) => unknown) & PyProxy): { match: string | ((u: URL) => boolean); predicate?: PyProxy } {
  if (typeof url !== "function") return { match: url };
  const predicate = holdProxy(url, "predicate");
  return { match: (u: URL) => Boolean(predicate(u.href)), predicate };
}

/** Counts of the proxies JS holds now, per kind. */
export function proxyStats(): ProxyCounts {
  const counts: ProxyCounts = { socket: 0, route: 0, predicate: 0, inspect: 0, total: held.size };
  for (const kind of held.values()) counts[kind]++;
  return counts;
}
