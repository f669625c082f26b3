// Glob and URL matching for WebSocket routes (Playwright's rules).
import { describe, expect, it } from "vitest";
import { globToRegexSource, resolveGlob, toWebSocketBase, webSocketGlobToRegex } from "../../src/route/match/glob.js";
import { checkUrlMatch, sameUrlMatch, urlMatches } from "../../src/route/match/match.js";

const BASE = "http://127.0.0.1:8000/app/index.html";
const m = (glob: string, url: string, base: string | undefined = BASE) => urlMatches(glob, url, base);

describe("globToRegexSource", () => {
  it("* stops at slashes, ** does not", () => {
    expect(new RegExp(globToRegexSource("ws://h/*")).test("ws://h/a")).toBe(true);
    expect(new RegExp(globToRegexSource("ws://h/*")).test("ws://h/a/b")).toBe(false);
    expect(new RegExp(globToRegexSource("ws://h/**")).test("ws://h/a/b")).toBe(true);
  });
  it("**/ matches zero or more segments after a slash", () => {
    const re = new RegExp(globToRegexSource("ws://h/**/x"));
    expect(re.test("ws://h/x")).toBe(true);
    expect(re.test("ws://h/a/b/x")).toBe(true);
    expect(re.test("ws://h/ax")).toBe(false);
  });
  it("braces give alternatives; commas outside braces are literal", () => {
    const re = new RegExp(globToRegexSource("ws://h/{a,bc}"));
    expect(["ws://h/a", "ws://h/bc"].map((u) => re.test(u))).toEqual([true, true]);
    expect(re.test("ws://h/b")).toBe(false);
    expect(new RegExp(globToRegexSource("a,b")).test("a,b")).toBe(true);
  });
  it("backslash escapes and regex characters are literal; ? is literal", () => {
    expect(new RegExp(globToRegexSource("a\\*b")).test("a*b")).toBe(true);
    expect(new RegExp(globToRegexSource("a\\*b")).test("axb")).toBe(false);
    expect(new RegExp(globToRegexSource("a.b?c=(1)")).test("a.b?c=(1)")).toBe(true);
    expect(new RegExp(globToRegexSource("a.b")).test("axb")).toBe(false);
  });
  it("invalid globs throw with the pattern in the message", () => {
    expect(() => globToRegexSource("**/{a,b")).toThrow('Invalid glob pattern "**/{a,b": unmatched \'{\'');
    expect(() => globToRegexSource("a}")).toThrow('Invalid glob pattern "a}": unmatched \'}\'');
    expect(() => globToRegexSource("{a,{b}}")).toThrow("nested '{' is not supported");
    expect(() => checkUrlMatch("ws://x/{", BASE)).toThrow('"ws://x/{"');
  });
});

describe("resolving against the base", () => {
  it("http(s) bases become ws(s), whatever the scheme's case", () => {
    expect(toWebSocketBase("HTTP://h/")).toBe("ws://h/");
    expect(toWebSocketBase("https://h/")).toBe("wss://h/");
    expect(toWebSocketBase("file:///x")).toBe("file:///x");
    expect(toWebSocketBase(undefined)).toBeUndefined();
  });
  it("relative globs resolve against the document base, absolute and **-globs stay", () => {
    expect(resolveGlob("ws://h:1/app/", "/ws")).toBe("ws://h:1/ws");
    expect(resolveGlob("ws://h:1/app/", "chat/*")).toBe("ws://h:1/app/chat/*");
    expect(resolveGlob("ws://h:1/app/", "**/ws")).toBe("**/ws");
    expect(resolveGlob("ws://h:1/app/", "wss://other/{a,b}")).toBe("wss://other/{a,b}");
  });
  it("a bare host glob matches the root URL with its slash", () => {
    expect(m("ws://host", "ws://host/")).toBe(true);
    expect(m("ws://host:81", "ws://host:81/")).toBe(true);
    expect(m("ws://host", "ws://host/x")).toBe(false);
  });
  it("'/ws' with an http base matches ws://, with https wss://", () => {
    expect(m("/ws", "ws://127.0.0.1:8000/ws")).toBe(true);
    expect(m("/ws", "wss://127.0.0.1:8000/ws")).toBe(false);
    expect(m("/ws", "wss://h/ws", "https://h/page")).toBe(true);
    expect(m("/ws", "ws://h/ws", "HTTP://h")).toBe(true);
  });
  it("webSocketGlobToRegex is anchored", () => {
    expect(webSocketGlobToRegex(BASE, "**/echo").test("ws://h/echo?x")).toBe(false);
  });
});

describe("urlMatches with RegExp and predicates", () => {
  it("RegExp tests the full URL and resets lastIndex", () => {
    const re = /echo/g;
    expect(urlMatches(re, "ws://h/echo", BASE)).toBe(true);
    expect(urlMatches(re, "ws://h/echo", BASE)).toBe(true);
    expect(urlMatches(/^ws:\/\/h\/$/, "ws://h/", BASE)).toBe(true);
  });
  it("predicates get a URL", () => {
    expect(urlMatches((u) => u instanceof URL && u.pathname === "/p", "ws://h/p", BASE)).toBe(true);
    expect(urlMatches((u) => u.pathname === "/p", "ws://h/q", BASE)).toBe(false);
  });
  it("the empty glob matches everything", () => {
    expect(urlMatches("", "ws://anything/", BASE)).toBe(true);
  });
  it("sameUrlMatch compares RegExps by source and flags", () => {
    expect(sameUrlMatch(/a/g, /a/g)).toBe(true);
    expect(sameUrlMatch(/a/g, /a/)).toBe(false);
    expect(sameUrlMatch("**/a", "**/a")).toBe(true);
    const f = () => true;
    expect(sameUrlMatch(f, f)).toBe(true);
    expect(sameUrlMatch(f, () => true)).toBe(false);
  });
  it("bad matchers throw at registration", () => {
    expect(() => checkUrlMatch(42, BASE)).toThrow(TypeError);
  });
});
