// The route's argument rules as pure functions: which close codes each side may use, reasons, handlers.
import { describe, expect, it } from "vitest";
import { checkHandler, checkRouteClose, hasLoneSurrogate, isPageCloseCode, isWireCloseCode } from "../../src/route/close-rules.js";

describe("route close rules", () => {
  it("the page side takes the codes a server may send; the server side the page's", () => {
    const wire = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
    const notWire = [0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 1000.5, NaN];
    expect(wire.filter(isWireCloseCode)).toEqual(wire);
    expect(notWire.filter(isWireCloseCode)).toEqual([]);
    expect([1000, 3000, 4999].every(isPageCloseCode)).toBe(true);
    expect([999, 1001, 1002, 1011, 2999, 5000].some(isPageCloseCode)).toBe(false);
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
});
