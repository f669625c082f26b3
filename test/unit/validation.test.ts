import { describe, expect, it } from "vitest";
import { checkClose, checkProtocols, checkSend, isValidCloseCode, normalizeSocketUrl, toDOMException, utf8Length } from "../../src/socket/validation.js";
import { CLOSED, CLOSING, CONNECTING, OPEN } from "../../src/socket/constants.js";

describe("close codes", () => {
  it("accepts 1000 and 3000-4999 only", () => {
    for (const code of [1000, 3000, 3999, 4000, 4999]) expect(isValidCloseCode(code)).toBe(true);
    for (const code of [0, 999, 1001, 1005, 1006, 1009, 2999, 5000, 3000.5, NaN]) expect(isValidCloseCode(code)).toBe(false);
  });
  it("reports a bad code as InvalidAccessError naming the code", () => {
    expect(checkClose(1001, undefined)).toEqual({
      name: "InvalidAccessError",
      message: "The close code must be either 1000, or between 3000 and 4999. 1001 is neither.",
    });
    expect(checkClose(undefined, undefined)).toBeUndefined();
    expect(checkClose(4000, "ok")).toBeUndefined();
  });
});

describe("close reasons", () => {
  it("counts UTF-8 bytes, not UTF-16 units", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😀")).toBe(4);
  });
  it("allows 123 bytes and refuses 124 with SyntaxError", () => {
    expect(checkClose(1000, "a".repeat(123))).toBeUndefined();
    expect(checkClose(undefined, "a".repeat(123))).toBeUndefined();
    expect(checkClose(1000, "a".repeat(124))).toEqual({ name: "SyntaxError", message: "The close reason must not be greater than 123 UTF-8 bytes." });
    // 62 two-byte characters are 124 bytes though only 62 UTF-16 units.
    expect(checkClose(1000, "é".repeat(62))?.name).toBe("SyntaxError");
    expect(checkClose(1000, "é".repeat(61) + "a")).toBeUndefined();
  });
  it("checks the code before the reason", () => {
    expect(checkClose(1, "a".repeat(200))?.name).toBe("InvalidAccessError");
  });
});

describe("send state", () => {
  it("refuses CONNECTING with InvalidStateError and lets the others through", () => {
    expect(checkSend(CONNECTING)).toEqual({ name: "InvalidStateError", message: "Still in CONNECTING state." });
    for (const state of [OPEN, CLOSING, CLOSED]) expect(checkSend(state)).toBeUndefined();
  });
});

describe("URLs", () => {
  it("maps http(s) to ws(s) and resolves relative URLs", () => {
    expect(normalizeSocketUrl("http://h/x")).toEqual({ ok: true, url: "ws://h/x" });
    expect(normalizeSocketUrl("https://h/x")).toEqual({ ok: true, url: "wss://h/x" });
    expect(normalizeSocketUrl("/socket", "https://example.com/page")).toEqual({ ok: true, url: "wss://example.com/socket" });
  });
  it("refuses other schemes, fragments and garbage", () => {
    const ftp = normalizeSocketUrl("ftp://h/");
    expect(ftp.ok).toBe(false);
    if (!ftp.ok) expect(ftp.violation.message).toContain("'ftp' is not allowed");
    const frag = normalizeSocketUrl("ws://h/#x");
    expect(frag.ok).toBe(false);
    expect(normalizeSocketUrl("ws://h/#").ok).toBe(false);
    const bad = normalizeSocketUrl("not a url");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.violation).toEqual({ name: "SyntaxError", message: "The URL 'not a url' is invalid." });
  });
});

describe("protocols", () => {
  it("refuses duplicates and non-token names", () => {
    expect(checkProtocols(["chat", "v2.json"])).toBeUndefined();
    expect(checkProtocols(["chat", "chat"])?.message).toBe("The subprotocol 'chat' is duplicated.");
    expect(checkProtocols(["a b"])?.message).toBe("The subprotocol 'a b' is invalid.");
    expect(checkProtocols([""])?.name).toBe("SyntaxError");
  });
});

describe("toDOMException", () => {
  it("prefixes the failing call as the browser does", () => {
    const error = toDOMException({ name: "InvalidStateError", message: "Still in CONNECTING state." }, "send");
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe("InvalidStateError");
    expect(error.message).toBe("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.");
  });
});
