// Which WebSocket URLs a route's `url` argument matches: glob string, RegExp, or predicate on a URL.
import { webSocketGlobToRegex } from "./glob.js";

/** What a route matches: a glob (relative ones resolve against the document base), a RegExp, or a predicate. */
export type UrlMatch = string | RegExp | ((url: URL) => boolean);

/** True when `value` is a RegExp, even from another realm. */
export function isRegExp(value: unknown): value is RegExp {
  return value instanceof RegExp || Object.prototype.toString.call(value) === "[object RegExp]";
}

/** Throws when `match` is not a usable matcher; an invalid glob throws with the pattern in the message. */
export function checkUrlMatch(match: unknown, base: string | undefined): asserts match is UrlMatch {
  if (typeof match === "string") webSocketGlobToRegex(base, match);
  else if (!isRegExp(match) && typeof match !== "function") throw new TypeError("url parameter should be string, RegExp or function");
}

/** True when the socket URL `url` (already normalised) matches `match`, with globs resolved against `base`. */
export function urlMatches(match: UrlMatch, url: string, base: string | undefined): boolean {
  if (match === "") return true;
  if (typeof match === "string") return webSocketGlobToRegex(base, match).test(url);
  if (isRegExp(match)) {
    match.lastIndex = 0;
    return match.test(url);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return Boolean(match(parsed));
}

/** True when two matchers are the same for `unroute`: equal globs, RegExps with equal source and flags, or the same function. */
export function sameUrlMatch(a: UrlMatch, b: UrlMatch): boolean {
  if (isRegExp(a) && isRegExp(b)) return a.source === b.source && a.flags === b.flags;
  return a === b;
}

/** The document's base URL, or the global's location outside a document (workers). */
export function documentBase(): string | undefined {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return g.document?.baseURI ?? g.location?.href;
}
