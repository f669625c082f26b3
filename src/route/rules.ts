// Every rule on what route code may pass, as pure checks returning the error to throw (`enforce` throws it).
// The page side of a route plays the server, so it may close with any code a server may put on the wire; the
// server side plays the page, so it takes the page's `WebSocket.close()` codes (src/socket/validation.ts). Both
// sides send the reason as UTF-8 in a close frame: at most 123 bytes, and no lone surrogates (no UTF-8 form).
// Two rules stay with their subject: a URL matcher's (match/match.ts) and fault options' (end/faults.ts).
import { APPLICATION_CODES, MAX_REASON_BYTES, NORMAL_CLOSURE } from "../socket/constants.js";
import { isValidCloseCode, utf8Length } from "../socket/validation.js";

/** Which side of a route is being closed. */
export type RouteSide = "page" | "server";

/** Options of `close()`: code and reason, each absent when not given. */
export interface CloseOptions {
  code?: number;
  reason?: string;
}

/** A rule broken by a call: the error class to throw and its message. */
export interface RuleBreak {
  kind: "TypeError" | "RangeError";
  message: string;
}

/** Inclusive code ranges. */
type CodeRanges = ReadonlyArray<readonly [number, number]>;

/** The codes a server may send in a close frame (RFC 6455), so the codes a route's page side may close with. */
const WIRE_CLOSE_CODES: CodeRanges = [[1000, 1003], [1007, 1014], [APPLICATION_CODES.min, APPLICATION_CODES.max]];

/** The page's `WebSocket.close()` codes as ranges, for the rule text (the rule itself is `isValidCloseCode`). */
const PAGE_CLOSE_CODES: CodeRanges = [[NORMAL_CLOSURE, NORMAL_CLOSURE], [APPLICATION_CODES.min, APPLICATION_CODES.max]];

/** True when a server may send `code` in a close frame. */
export function isWireCloseCode(code: number): boolean {
  return Number.isInteger(code) && WIRE_CLOSE_CODES.some(([min, max]) => code >= min && code <= max);
}

/** Ranges as a rule text: "1000-1003, 1007-1014 or 3000-4999". */
function rangesText(ranges: CodeRanges): string {
  const parts = ranges.map(([min, max]) => (min === max ? `${min}` : `${min}-${max}`));
  return `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`;
}

/** The rule text for the codes `side` may close with. */
function closeCodeRule(side: RouteSide): string {
  return side === "page"
    ? `${rangesText(WIRE_CLOSE_CODES)} (a code a server may send to the page)`
    : `${rangesText(PAGE_CLOSE_CODES)} (a code a page may send to the server)`;
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
  if (code !== undefined && !(side === "page" ? isWireCloseCode(code) : isValidCloseCode(code))) {
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

/** `options` when a route may close `side` with them; else throws the rule they break. */
export function validClose(side: RouteSide, options: CloseOptions | undefined): CloseOptions {
  enforce(checkRouteClose(side, options?.code, options?.reason));
  return options ?? {};
}

/** The rule a handler given to `onMessage`/`onClose` breaks (it must be a function), or undefined. */
export function checkHandler(method: string, handler: unknown): RuleBreak | undefined {
  if (typeof handler === "function") return undefined;
  return { kind: "TypeError", message: `WebSocketRoute.${method}() takes a function, not ${typeName(handler)}` };
}

/** The rule a route handler given to `routeWebSocket` breaks (it must be a function), or undefined. */
export function checkRouteHandler(handler: unknown): RuleBreak | undefined {
  return typeof handler === "function" ? undefined : { kind: "TypeError", message: "handler must be a function" };
}

/** The rule a route's `times` breaks (absent, or a positive integer), or undefined. */
export function checkTimes(times: unknown): RuleBreak | undefined {
  if (times === undefined || (Number.isInteger(times) && (times as number) > 0)) return undefined;
  return { kind: "RangeError", message: `times must be a positive integer, got ${String(times)}` };
}

/** The rule a `receive()` timeout breaks (absent, or ms >= 0), or undefined. */
export function checkTimeout(timeout: unknown): RuleBreak | undefined {
  if (timeout === undefined || (typeof timeout === "number" && timeout >= 0)) return undefined;
  return { kind: typeof timeout === "number" ? "RangeError" : "TypeError", message: `timeout must be a number of ms >= 0 or null, got ${String(timeout)}` };
}

/** Why accepting with `protocol` fails the handshake of a page that offered `offered`; undefined when it may. */
export function subprotocolProblem(offered: readonly string[], protocol: string | undefined): string | undefined {
  if (protocol !== undefined && !offered.includes(protocol)) {
    return `the route accepted with subprotocol ${JSON.stringify(protocol)}, which the page did not offer (${JSON.stringify(offered)})`;
  }
  if (protocol === undefined && offered.length > 0) {
    return `the page offered subprotocols ${JSON.stringify(offered)} and the route accepted without choosing one`;
  }
  return undefined;
}

/** The error for a broken rule. */
export function errorOf(broken: RuleBreak): Error {
  return broken.kind === "TypeError" ? new TypeError(broken.message) : new RangeError(broken.message);
}

/** Throws the error for a broken rule (nothing when `broken` is undefined). */
export function enforce(broken: RuleBreak | undefined): void {
  if (broken) throw errorOf(broken);
}
