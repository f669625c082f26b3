// The route table: page and context scopes, last registered match wins, page before context, `times`.
import { sameUrlMatch, urlMatches, type UrlMatch } from "./match.js";

/** Where a route is registered; page routes are consulted before context routes. */
export type Scope = "page" | "context";

/** One registered route. `remaining` counts down when `times` was given. */
export interface RouteEntry<H> {
  scope: Scope;
  url: UrlMatch;
  handler: H;
  remaining: number | undefined;
  /** Called once when the entry leaves the table (unroute, times used up, reset). */
  onRemove?: () => void;
}

/** An ordered set of routes per scope, newest first. */
export class RouteRegistry<H> {
  private readonly scopes: Record<Scope, Array<RouteEntry<H>>> = { page: [], context: [] };
  /** Told of each route once it is in the table: the table's extension point (port-link.ts warns of late routes). */
  readonly onAdd = new Set<(entry: RouteEntry<H>) => void>();

  /** Adds a route; it takes precedence over every route registered before it in the same scope. */
  add(entry: RouteEntry<H>): RouteEntry<H> {
    this.scopes[entry.scope].unshift(entry);
    for (const listener of this.onAdd) listener(entry);
    return entry;
  }

  /** The route that would handle `url` now, without using up one of its `times`. */
  peek(url: string, base: string | undefined): RouteEntry<H> | undefined {
    for (const scope of ["page", "context"] as const) {
      const found = this.scopes[scope].find((entry) => urlMatches(entry.url, url, base));
      if (found) return found;
    }
    return undefined;
  }

  /** The route that handles `url`; counts one use and drops the route when its `times` are used up. */
  take(url: string, base: string | undefined): RouteEntry<H> | undefined {
    const entry = this.peek(url, base);
    if (entry && entry.remaining !== undefined && --entry.remaining <= 0) this.delete(entry);
    return entry;
  }

  /** Removes the routes of `scope` registered with this `url` (and this `handler`, when given); returns how many. */
  remove(scope: Scope, url: UrlMatch, handler?: H): number {
    const doomed = this.scopes[scope].filter((e) => sameUrlMatch(e.url, url) && (handler === undefined || e.handler === handler));
    doomed.forEach((entry) => this.delete(entry));
    return doomed.length;
  }

  /** Removes one entry (no-op when already gone). */
  delete(entry: RouteEntry<H>): void {
    const list = this.scopes[entry.scope];
    const index = list.indexOf(entry);
    if (index < 0) return;
    list.splice(index, 1);
    entry.onRemove?.();
  }

  /** Removes every route of every scope. */
  clear(): void {
    for (const scope of ["page", "context"] as const) [...this.scopes[scope]].forEach((entry) => this.delete(entry));
  }

  /** Number of routes in `scope`, or in both. */
  size(scope?: Scope): number {
    return scope ? this.scopes[scope].length : this.scopes.page.length + this.scopes.context.length;
  }
}
