// Pure logic of `wsbridge test`: argument parsing, file discovery, -k expressions, JUnit XML.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseTestArgs, UsageError, DEFAULT_TIMEOUT_MS } from "../../src/cli/args.js";
import { discoverTestFiles, DiscoveryError, displayPath } from "../../src/cli/discover.js";
import { compileK, KExpressionError } from "../../src/cli/kexpr.js";
import { junitXml, xmlEscape, classNameOf } from "../../src/cli/junit.js";
import { pyString, mirror } from "../../src/cli/runner.js";

describe("parseTestArgs", () => {
  it("takes paths and options in any order, with = and separate values", () => {
    const o = parseTestArgs(["a", "--timeout", "500", "-k", "echo and not slow", "b", "--junit=out.xml", "--browser-path=/x/chrome"]);
    expect(o).toEqual({ paths: ["a", "b"], timeout: 500, k: "echo and not slow", junit: "out.xml", browserPath: "/x/chrome", help: false });
  });
  it("defaults: no paths, 30000 ms, no help", () => {
    expect(parseTestArgs([])).toEqual({ paths: [], timeout: DEFAULT_TIMEOUT_MS, help: false });
    expect(DEFAULT_TIMEOUT_MS).toBe(30_000);
  });
  it("accepts -kEXPR, --help and -- before paths that look like options", () => {
    expect(parseTestArgs(["-kfoo"]).k).toBe("foo");
    expect(parseTestArgs(["-h"]).help).toBe(true);
    expect(parseTestArgs(["--", "-weird", "--timeout"]).paths).toEqual(["-weird", "--timeout"]);
  });
  it.each([
    [["--nope"], /unknown option: --nope/],
    [["--timeout"], /--timeout needs a value/],
    [["--timeout", "abc"], /whole number/],
    [["--timeout", "0"], /whole number/],
    [["--timeout=-5"], /whole number/],
    [["-k"], /-k needs a value/],
    [["--junit="], /--junit needs a value/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseTestArgs(argv)).toThrow(UsageError);
    expect(() => parseTestArgs(argv)).toThrow(message);
  });
});

describe("discoverTestFiles", () => {
  const root = mkdtempSync(join(tmpdir(), "wsbridge-discover-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const touch = (rel: string) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), "def test_x(): pass\n");
  };
  touch("test_b.py");
  touch("test_a.py");
  touch("helper.py");
  touch("a_test.py");
  touch("sub/test_c.py");
  touch("sub/deeper/test_d.py");
  touch("node_modules/pkg/test_no.py");
  touch(".venv/test_no.py");
  touch("__pycache__/test_no.py");
  touch("notes.txt");
  touch("nothing/helper.py");
  touch("nothing/.hidden/test_no.py");

  it("finds test_*.py recursively, files before subfolders, sorted, skipping hidden/vendored folders", () => {
    expect(discoverTestFiles([], root).map((f) => f.display)).toEqual(["test_a.py", "test_b.py", "sub/test_c.py", "sub/deeper/test_d.py"]);
  });
  it("takes explicit files whatever their name, folders, and file::name; each file once", () => {
    const found = discoverTestFiles(["helper.py", "sub", "sub/test_c.py", "test_a.py::test_x"], root);
    expect(found.map((f) => [f.display, f.only])).toEqual([
      ["helper.py", undefined],
      ["sub/test_c.py", undefined],
      ["sub/deeper/test_d.py", undefined],
      ["test_a.py", ["test_x"]],
    ]);
  });
  it("a plain file argument widens an earlier file::name selection", () => {
    expect(discoverTestFiles(["test_a.py::test_x", "test_a.py"], root)[0]!.only).toBeUndefined();
    expect(discoverTestFiles(["test_a.py::test_x", "test_a.py::test_y"], root)[0]!.only).toEqual(["test_x", "test_y"]);
  });
  it("returns nothing for a folder without tests", () => {
    expect(discoverTestFiles(["nothing"], root)).toEqual([]);
  });
  it.each([
    ["missing", /no such file or folder: missing/],
    ["notes.txt", /not a Python file/],
    ["sub::test_x", /needs a file/],
    ["test_a.py::bad name", /not a test function name/],
  ])("rejects %s", (arg, message) => {
    expect(() => discoverTestFiles([arg], root)).toThrow(DiscoveryError);
    expect(() => discoverTestFiles([arg], root)).toThrow(message);
  });
  it("shows paths relative to the working folder, absolute outside it", () => {
    expect(displayPath("/a/b/c.py", "/a")).toBe("b/c.py");
    expect(displayPath("/x/c.py", "/a")).toBe("/x/c.py");
  });
});

describe("compileK", () => {
  const ids = ["examples/test_echo.py::test_text", "examples/test_echo.py::test_binary", "tests/test_route.py::test_slow_text"];
  const pick = (expr: string) => ids.filter(compileK(expr));
  it("matches substrings of path::name, case-insensitively", () => {
    expect(pick("binary")).toEqual([ids[1]]);
    expect(pick("ECHO")).toEqual([ids[0], ids[1]]);
    expect(pick("test_route.py::")).toEqual([ids[2]]);
  });
  it("supports not, and, or, parentheses with the usual precedence", () => {
    expect(pick("not slow")).toEqual([ids[0], ids[1]]);
    expect(pick("text and not slow")).toEqual([ids[0]]);
    expect(pick("binary or slow")).toEqual([ids[1], ids[2]]);
    expect(pick("binary or text and route")).toEqual([ids[1], ids[2]]);
    expect(pick("(binary or text) and echo")).toEqual([ids[0], ids[1]]);
    expect(pick("not not binary")).toEqual([ids[1]]);
  });
  it.each(["", "and", "a and", "(a", "a)", "a b", "not"])("rejects %j", (expr) => {
    expect(() => compileK(expr)).toThrow(KExpressionError);
  });
});

describe("junitXml", () => {
  const xml = junitXml(
    [
      { file: "examples/test_echo.py", name: "test_ok", passed: true, durationMs: 12 },
      { file: "examples/test_echo.py", name: "test_bad", passed: false, durationMs: 1500, error: 'Traceback (most recent call last):\n  File "x.py", line 1\nAssertionError: 1 < 2 & "q" \u0001', output: "printed <b>" },
      { file: "t/test_other.py", name: "", passed: false, durationMs: 3, error: "could not load the file:\nSyntaxError: invalid syntax" },
    ],
    "2024-01-02T03:04:05.000Z",
  );
  it("has the counts, times and structure CI reads", () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="wsbridge" tests="3" failures="2" errors="0" skipped="0" time="1.515">')).toBe(true);
    expect(xml).toContain('<testsuite name="examples/test_echo.py" tests="2" failures="1" errors="0" skipped="0" time="1.512" timestamp="2024-01-02T03:04:05.000Z"');
    expect(xml).toContain('<testcase classname="examples.test_echo" name="test_ok" file="examples/test_echo.py" time="0.012"/>');
    expect(xml).toContain('<testsuite name="t/test_other.py" tests="1" failures="1"');
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.trimEnd().endsWith("</testsuites>")).toBe(true);
  });
  it("puts the escaped traceback in <failure> with type and message, output in <system-out>", () => {
    expect(xml).toContain('<failure message="1 &lt; 2 &amp; &quot;q&quot; \uFFFD" type="AssertionError">Traceback (most recent call last):\n  File "x.py", line 1\nAssertionError: 1 &lt; 2 &amp; "q" \uFFFD</failure>');
    expect(xml).toContain("<system-out>printed &lt;b&gt;</system-out>");
    expect(xml).toContain('type="SyntaxError"');
    expect(xml).not.toContain("\u0001");
  });
  it("escapes attributes fully and builds pytest-style class names", () => {
    expect(xmlEscape(`a&b<c>"d'e\nf`)).toBe("a&amp;b&lt;c&gt;&quot;d&apos;e&#10;f");
    expect(xmlEscape("\uD800x")).toBe("\uFFFDx");
    expect(xmlEscape("\uD83D\uDE00")).toBe("\uD83D\uDE00");
    expect(classNameOf("a/b/test_c.py")).toBe("a.b.test_c");
    expect(classNameOf("/abs/test_c.py")).toBe("abs.test_c");
  });
});

describe("runner helpers", () => {
  it("pyString gives a Python string literal that round-trips", () => {
    expect(pyString('a"b\\c\nd\u2028')).toBe('"a\\"b\\\\c\\nd\\u2028"');
  });
  it("mirror copies text files under a folder, skipping binary files and vendored folders", () => {
    const root = mkdtempSync(join(tmpdir(), "wsbridge-mirror-"));
    try {
      writeFileSync(join(root, "test_a.py"), "x = 1\n");
      mkdirSync(join(root, "data"));
      writeFileSync(join(root, "data", "a.har"), "{}");
      writeFileSync(join(root, "blob.bin"), Buffer.from([1, 0, 2]));
      mkdirSync(join(root, "node_modules"));
      writeFileSync(join(root, "node_modules", "x.py"), "");
      expect(Object.keys(mirror(root)).sort()).toEqual([`${root}/data/a.har`, `${root}/test_a.py`]);
      expect(mirror(root)[`${root}/test_a.py`]).toBe("x = 1\n");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("findChromium", () => {
  it("a set WSBRIDGE_CHROMIUM that does not exist is an error naming it, not skipped", async () => {
    const { findChromium, BrowserNotFoundError } = await import("../../src/playwright/browser.js");
    expect(() => findChromium(undefined, { WSBRIDGE_CHROMIUM: "/nope/chrome", PATH: process.env.PATH })).toThrow(BrowserNotFoundError);
    expect(() => findChromium(undefined, { WSBRIDGE_CHROMIUM: "/nope/chrome" })).toThrow(/^No Chromium at \/nope\/chrome \(WSBRIDGE_CHROMIUM\): install one/);
    expect(findChromium(undefined, { WSBRIDGE_CHROMIUM: process.execPath })).toBe(process.execPath);
  });
});
