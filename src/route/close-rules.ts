// What a route may pass to `close()` and `onMessage`/`onClose`, as pure checks returning the error to throw.
// The page side of a route plays the server, so it may close with any code a server may put on the wire; the
// server side plays the page, so it has the page's `WebSocket.close()` rules. Both sides send the reason as
// UTF-8 in a close frame: at most 123 bytes, and no lone surrogates (they have no UTF-8 form).
import { MAX_REASON_BYTES } from "../socket/constants.js";
import { utf8Length } from "../socket/validation.js";

/** Which side of a route is being closed. */
export type RouteSide = "page" | "server";

/** A rule broken by a call: the error class to throw and its message. */
export interface RuleBreak {
  kind: "TypeError" | "RangeError";
  message: string;
}

/** True when a server may send `code` in a close frame (RFC 6455: 1000-1003, 1007-1014, 3000-4999). */
export function isWireCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
}

/** True when a page may pass `code` to `WebSocket.close()` (1000, 3000-4999). */
export function isPageCloseCode(code: number): boolean {
  return Number.isInteger(code) && (code === 1000 || (code >= 3000 && code <= 4999));
}

/** The rule text for the codes `side` may close with. */
export function closeCodeRule(side: RouteSide): string {
  return side === "page"
    ? "1000-1003, 1007-1014 or 3000-4999 (a code a server may send to the page)"
    : "1000 or 3000-4999 (a code a page may send to the server)";
}

/** True when `text` holds a UTF-16 surrogate that is not half of a pair. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** A short name of a value's type for error messages. */
function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** The rule a route's `close(code, reason)` on `side` breaks, or undefined when it may close so. */
export function checkRouteClose(side: RouteSide, code: unknown, reason: unknown): RuleBreak | undefined {
  return checkClose(`WebSocketRoute.close() on the ${side} side:`, side, code, reason);
}

/**
 * The rule a page socket's `close(code, reason)` breaks (the browser's rules, worded as a route's: wsbridge's
 * Python WebSocket raises these where the browser would throw its DOMException).
 */
export function checkSocketClose(code: unknown, reason: unknown): RuleBreak | undefined {
  return checkClose("WebSocket.close():", "server", code, reason);
}

/** The rule `close(code, reason)` breaks for codes as `side` may send them; messages start with `prefix`. */
function checkClose(prefix: string, side: RouteSide, code: unknown, reason: unknown): RuleBreak | undefined {
  if (code !== undefined && typeof code !== "number") {
    return { kind: "TypeError", message: `${prefix} the close code must be an integer, not ${typeName(code)}` };
  }
  if (code !== undefined && !(side === "page" ? isWireCloseCode(code) : isPageCloseCode(code))) {
    return { kind: "RangeError", message: `${prefix} the close code must be ${closeCodeRule(side)}, got ${code}` };
  }
  if (reason !== undefined && typeof reason !== "string") {
    return { kind: "TypeError", message: `${prefix} the close reason must be a string, not ${typeName(reason)}` };
  }
  if (reason !== undefined && hasLoneSurrogate(reason)) {
    return { kind: "RangeError", message: `${prefix} the close reason must not contain lone surrogates (it is sent as UTF-8)` };
  }
  if (reason !== undefined && utf8Length(reason) > MAX_REASON_BYTES) {
    return { kind: "RangeError", message: `${prefix} the close reason must be at most ${MAX_REASON_BYTES} UTF-8 bytes, got ${utf8Length(reason)}` };
  }
  return undefined;
}

/** The rule a handler given to `onMessage`/`onClose` breaks (it must be a function), or undefined. */
export function checkHandler(method: string, handler: unknown): RuleBreak | undefined {
  if (typeof handler === "function") return undefined;
  return { kind: "TypeError", message: `WebSocketRoute.${method}() takes a function, not ${typeName(handler)}` };
}

/** Throws the error for a broken rule (nothing when `broken` is undefined). */
export function enforce(broken: RuleBreak | undefined): void {
  if (!broken) return;
  throw broken.kind === "TypeError" ? new TypeError(broken.message) : new RangeError(broken.message);
}
