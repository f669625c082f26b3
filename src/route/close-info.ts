// Closes as a route passes them on: options checked against the side's rules, then the protocol's CloseInfo.
import { checkRouteClose, enforce, type RouteSide } from "./close-rules.js";
import type { CloseInfo } from "./protocol.js";
import type { CloseOptions } from "./route-types.js";

/** `options` when a route may close `side` with them; else throws the rule they break. */
export function validClose(side: RouteSide, options: CloseOptions): CloseOptions {
  enforce(checkRouteClose(side, options?.code, options?.reason));
  return options ?? {};
}

/** Close fields for a message: code and reason when given; clean unless said otherwise. */
export function closeOf(options: CloseOptions & { wasClean?: boolean }): CloseInfo {
  const info: CloseInfo = { wasClean: options.wasClean ?? true };
  if (options.code !== undefined) info.code = options.code;
  if (options.reason !== undefined) info.reason = options.reason;
  return info;
}
