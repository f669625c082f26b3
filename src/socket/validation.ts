// Checks the browser makes on WebSocket arguments, as pure functions that return the browser's error.
import { APPLICATION_CODES, CONNECTING, MAX_REASON_BYTES, NORMAL_CLOSURE } from "./constants.js";

/** A validation failure: the DOMException name the browser uses and its message. */
export interface Violation {
  name: "SyntaxError" | "InvalidAccessError" | "InvalidStateError";
  message: string;
}

/** True when a page may close with `code` (1000 or 3000–4999). */
export function isValidCloseCode(code: number): boolean {
  return code === NORMAL_CLOSURE || (Number.isInteger(code) && code >= APPLICATION_CODES.min && code <= APPLICATION_CODES.max);
}

/** The browser's error for `close(code, reason)`, or undefined when both are acceptable. */
export function checkClose(code: number | undefined, reason: string | undefined): Violation | undefined {
  if (code !== undefined && !isValidCloseCode(code)) {
    return { name: "InvalidAccessError", message: `The close code must be either ${NORMAL_CLOSURE}, or between ${APPLICATION_CODES.min} and ${APPLICATION_CODES.max}. ${code} is neither.` };
  }
  if (reason !== undefined && utf8Length(reason) > MAX_REASON_BYTES) {
    return { name: "SyntaxError", message: `The close reason must not be greater than ${MAX_REASON_BYTES} UTF-8 bytes.` };
  }
  return undefined;
}

/** The browser's error for `send()` in `readyState`, or undefined (sends while CLOSING/CLOSED are silently dropped). */
export function checkSend(readyState: number): Violation | undefined {
  if (readyState === CONNECTING) return { name: "InvalidStateError", message: "Still in CONNECTING state." };
  return undefined;
}

/** Length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/** Result of normalising a WebSocket URL: the URL the socket reports, or the browser's error. */
export type NormalizedUrl = { ok: true; url: string } | { ok: false; violation: Violation };

/** Resolves `url` against `base` as `new WebSocket(url)` does: http(s) → ws(s), no fragment, ws/wss only. */
export function normalizeSocketUrl(url: string | URL, base?: string): NormalizedUrl {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text, base);
  } catch {
    return { ok: false, violation: { name: "SyntaxError", message: `The URL '${text}' is invalid.` } };
  }
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  else if (parsed.protocol === "https:") parsed.protocol = "wss:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    const scheme = parsed.protocol.slice(0, -1);
    return { ok: false, violation: { name: "SyntaxError", message: `The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${scheme}' is not allowed.` } };
  }
  if (parsed.hash || text.endsWith("#")) {
    return { ok: false, violation: { name: "SyntaxError", message: `The URL contains a fragment identifier ('${parsed.hash.slice(1)}'). Fragment identifiers are not allowed in WebSocket URLs.` } };
  }
  return { ok: true, url: parsed.href };
}

/** A special scheme's host may not contain these once percent-decoded (the URL Standard's forbidden domain code points). */
const FORBIDDEN_DOMAIN = /[\u0000-\u0020#%/:<>?@[\\\]^|\u007f]/;
/** ASCII whitespace and C0 controls: the URL Standard repairs them (a validation error); wsbridge refuses them. */
const UNSAFE_UNITS = /[\u0000-\u0020\u007f]/;
/** A relative reference that starts with a scheme name and "//" lost its ":" ("http//host/..."). */
const SCHEME_TYPO = /^(?:wss?|https?)\/\//i;

/**
 * Stricter than `normalizeSocketUrl`, for wsbridge's own Python `WebSocket` and `connect()`: the URL is parsed with
 * the URL Standard's rules relative to `base` (http(s) → ws(s), ws/wss only, no fragment), and also refused when it
 * is empty, contains whitespace or control characters, starts like a scheme missing its colon, or has a host the
 * Standard forbids (Chromium percent-encodes such a host instead of failing).
 */
export function checkSocketUrl(url: string, base?: string): NormalizedUrl {
  const fail = (message: string): NormalizedUrl => ({ ok: false, violation: { name: "SyntaxError", message } });
  if (url === "") return fail("The URL is empty.");
  if (UNSAFE_UNITS.test(url)) return fail(`The URL '${url}' contains whitespace or a control character.`);
  if (SCHEME_TYPO.test(url)) return fail(`The URL '${url}' is missing the ':' after its scheme.`);
  const normalized = normalizeSocketUrl(url, base);
  if (!normalized.ok) return normalized;
  const host = new URL(normalized.url).hostname;
  if (!host.startsWith("[")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(host);
    } catch {
      decoded = "%";
    }
    if (decoded === "" || FORBIDDEN_DOMAIN.test(decoded)) return fail(`The URL '${url}' has an invalid host.`);
  }
  return normalized;
}

/** The browser's error for a protocols argument (duplicates or invalid tokens), or undefined. */
export function checkProtocols(protocols: readonly string[]): Violation | undefined {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(protocol)) {
      return { name: "SyntaxError", message: `The subprotocol '${protocol}' is invalid.` };
    }
    if (seen.has(protocol)) return { name: "SyntaxError", message: `The subprotocol '${protocol}' is duplicated.` };
    seen.add(protocol);
  }
  return undefined;
}

/** Builds the DOMException the browser would throw for `violation`, prefixed with the failing call. */
export function toDOMException(violation: Violation, call: string): DOMException {
  return new DOMException(`Failed to execute '${call}' on 'WebSocket': ${violation.message}`, violation.name);
}
