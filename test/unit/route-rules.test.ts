// The route's argument rules as pure functions: which close codes each side may use, reasons, handlers, times,
// timeouts, subprotocols.
import { describe, expect, it } from "vitest";
import { isValidCloseCode } from "../../src/socket/validation.js";
import { checkHandler, checkRouteClose, checkRouteHandler, checkSocketClose, checkTimeout, checkTimes, hasLoneSurrogate, isWireCloseCode, subprotocolProblem } from "../../src/route/rules.js";

describe("route close rules", () => {
  it("the page side takes the codes a server may send; the server side the page's", () => {
    const wire = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
    const notWire = [0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 1000.5, NaN];
    expect(wire.filter(isWireCloseCode)).toEqual(wire);
    expect(notWire.filter(isWireCloseCode)).toEqual([]);
    expect([1000, 3000, 4999].every(isValidCloseCode)).toBe(true);
    expect([999, 1001, 1002, 1011, 2999, 5000].some(isValidCloseCode)).toBe(false);
  });

  it("lone surrogates are found; pairs are not", () => {
    expect(hasLoneSurrogate("a\uD800")).toBe(true);
    expect(hasLoneSurrogate("\uDC00a")).toBe(true);
    expect(hasLoneSurrogate("\uDC00\uD800")).toBe(true);
    expect(hasLoneSurrogate("emoji 😀 ok")).toBe(false);
    expect(hasLoneSurrogate("")).toBe(false);
  });

  it("checkRouteClose names the rule, or passes", () => {
    expect(checkRouteClose("page", undefined, undefined)).toBeUndefined();
    expect(checkRouteClose("page", 1002, "x".repeat(123))).toBeUndefined();
    expect(checkRouteClose("page", undefined, "reason only")).toBeUndefined();
    expect(checkRouteClose("page", "a", "x".repeat(200))?.kind).toBe("TypeError");
    expect(checkRouteClose("page", 999, undefined)?.message).toContain("1000-1003, 1007-1014 or 3000-4999");
    expect(checkRouteClose("server", 1002, undefined)?.message).toContain("1000 or 3000-4999");
    expect(checkRouteClose("server", 4000, "é".repeat(62))?.message).toContain("at most 123 UTF-8 bytes, got 124");
    expect(checkRouteClose("server", 4000, "\uD800")?.message).toContain("lone surrogates");
  });

  it("handlers must be functions", () => {
    expect(checkHandler("onMessage", () => {})).toBeUndefined();
    expect(checkHandler("onMessage", 5)?.message).toBe("WebSocketRoute.onMessage() takes a function, not number");
    expect(checkHandler("onClose", null)?.message).toBe("WebSocketRoute.onClose() takes a function, not null");
  });

  it("the server side's codes are the page's own, with a rule text naming them", () => {
    expect(checkRouteClose("server", 3000, undefined)).toBeUndefined();
    expect(checkSocketClose(1001, undefined)).toEqual({ kind: "RangeError", message: "WebSocket.close(): the close code must be 1000 or 3000-4999 (a code a page may send to the server), got 1001" });
    expect(checkSocketClose(true, undefined)?.kind).toBe("TypeError");
  });

  it("routeWebSocket's handler and times, receive()'s timeout", () => {
    expect(checkRouteHandler(() => {})).toBeUndefined();
    expect(checkRouteHandler("x")).toEqual({ kind: "TypeError", message: "handler must be a function" });
    expect([undefined, 1, 7].map(checkTimes)).toEqual([undefined, undefined, undefined]);
    expect(checkTimes(0)).toEqual({ kind: "RangeError", message: "times must be a positive integer, got 0" });
    expect(checkTimes(1.5)?.kind).toBe("RangeError");
    expect([undefined, 0, 10].map(checkTimeout)).toEqual([undefined, undefined, undefined]);
    expect(checkTimeout(-1)).toEqual({ kind: "RangeError", message: "timeout must be a number of ms >= 0 or null, got -1" });
    expect(checkTimeout("5")?.kind).toBe("TypeError");
  });

  it("a route accepts with a subprotocol the page offered, and must choose one when it offered some", () => {
    expect(subprotocolProblem(["a", "b"], "b")).toBeUndefined();
    expect(subprotocolProblem([], undefined)).toBeUndefined();
    expect(subprotocolProblem(["a"], "c")).toContain("which the page did not offer");
    expect(subprotocolProblem(["a"], undefined)).toContain("accepted without choosing one");
  });
});
