// JUnit XML for CI systems: <testsuites> → one <testsuite> per file → <testcase> with <failure> and <system-out>.
import { hostname } from "node:os";

export interface TestResult {
  /** Display path of the file (relative to the working folder, `/`-separated). */
  file: string;
  /** Function name, or "" for a file that failed to load (collection error). */
  name: string;
  passed: boolean;
  durationMs: number;
  /** Traceback or timeout text when failed. */
  error?: string;
  /** Console output of the page during the test. */
  output?: string;
}

/** Characters XML 1.0 forbids even when escaped (control characters other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for an XML attribute or element body, replacing forbidden characters with U+FFFD. */
export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;")
    .replace(/\n/g, "&#10;")
    .replace(/\t/g, "&#9;");
}

/** Escapes an element body (newlines kept literal, so tracebacks stay readable). */
function bodyEscape(text: string): string {
  return text.replace(INVALID_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** `examples/test_echo.py` → `examples.test_echo` (what pytest writes as classname). */
export function classNameOf(file: string): string {
  return file.replace(/\.py$/, "").replace(/^(\.\.?\/)+/, "").replace(/^\/+/, "").replace(/[\\/]/g, ".");
}

/** The last non-empty line of a traceback: `AssertionError: x` → message, `AssertionError` → type. */
function failureHead(error: string): { type: string; message: string } {
  const last = error.trimEnd().split("\n").filter((l) => l.trim() !== "").pop() ?? "";
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last.trim());
  if (m && /(Error|Exception|Exit|Interrupt|Timeout|Warning)$|^[A-Z]\w*$/.test(m[1]!)) return { type: m[1]!, message: m[2] ?? m[1]! };
  return { type: "Failure", message: last.trim() };
}

/** Renders results as a JUnit XML document; `timestamp` is ISO 8601 (start of the run). */
export function junitXml(results: readonly TestResult[], timestamp = new Date().toISOString()): string {
  const files = new Map<string, TestResult[]>();
  for (const r of results) {
    const list = files.get(r.file) ?? [];
    list.push(r);
    files.set(r.file, list);
  }
  const failures = results.filter((r) => !r.passed).length;
  const total = results.reduce((sum, r) => sum + r.durationMs, 0);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="wsbridge" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(total)}">`,
  ];
  for (const [file, cases] of files) {
    const suiteFailures = cases.filter((r) => !r.passed).length;
    const suiteTime = cases.reduce((sum, r) => sum + r.durationMs, 0);
    lines.push(
      `  <testsuite name="${xmlEscape(file)}" tests="${cases.length}" failures="${suiteFailures}" errors="0" skipped="0" time="${seconds(suiteTime)}" timestamp="${xmlEscape(timestamp)}" hostname="${xmlEscape(hostname())}">`,
    );
    for (const r of cases) {
      const open = `    <testcase classname="${xmlEscape(classNameOf(file))}" name="${xmlEscape(r.name || "(collection)")}" file="${xmlEscape(file)}" time="${seconds(r.durationMs)}"`;
      const children: string[] = [];
      if (!r.passed) {
        const error = r.error ?? "failed";
        const head = failureHead(error);
        children.push(`      <failure message="${xmlEscape(head.message)}" type="${xmlEscape(head.type)}">${bodyEscape(error)}</failure>`);
      }
      if (r.output) children.push(`      <system-out>${bodyEscape(r.output)}</system-out>`);
      lines.push(children.length ? `${open}>\n${children.join("\n")}\n    </testcase>` : `${open}/>`);
    }
    lines.push(`  </testsuite>`);
  }
  lines.push(`</testsuites>`, "");
  return lines.join("\n");
}
