// The Pyodide boundary (issue 11): only src/pyodide/ knows Pyodide. Every other TypeScript file — worker/,
// src/playwright/, src/pyscript/ and the plain engine — must not import Pyodide or its typed slice, touch PyProxies
// (toJs, toPy, destroy()), or call Pyodide's API (runPython, registerJsModule, loadPyodide, globals, FS ...), not
// even in the in-page source text it evaluates. A grep over the sources with comments removed.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** What knowing Pyodide looks like in a file, each with the reason shown when it is found. */
const RULES: Array<[RegExp, string]> = [
  [/(?:from\s+|import\s*\(\s*)["']pyodide(?:\/[^"']*)?["']/, "imports the pyodide package"],
  [/from\s+["'][^"']*\/pyodide\/types(?:\.js)?["']/, "imports src/pyodide/types (Pyodide's typed slice)"],
  [/\b(?:PyProxy|isPyProxy|PyCallable|PyodideLike)\b/, "uses a PyProxy / Pyodide type"],
  [/\.(?:toJs|toPy)\s*\(/, "converts with toJs/toPy"],
  [/\b(?:registerJsModule|loadPyodide|pyodide_py|loadPackage|unpackArchive|setStdout|setStderr)\b/, "calls Pyodide's API"],
  [/\bglobals\.(?:get|set)\s*\(/, "reads or writes Pyodide's globals"],
  [/\.FS\.\w+/, "writes Pyodide's file system"],
  [/\bpyodide\.\w+\s*\(/, "calls a method of a Pyodide instance"],
  // Node streams are destroyed too (res.destroy()); any other receiver is taken for a PyProxy.
  [/\b(?!res\b|req\b|socket\b)\w+\.destroy\s*\(\s*\)/, "destroys a PyProxy"],
  // The worker client's Comlink remote has methods of these names; anything else runs Python on Pyodide.
  [/\b(?!remote\b)\w+\.runPython(?:Async)?\s*\(/, "runs Python on Pyodide"],
];

/**
 * Files outside src/pyodide/ that still know Pyodide, each with why; the test fails when one is fixed (take it
 * off this list) or a new one appears.
 */
const KNOWN: Record<string, string> = {};

/** The source with comments removed (a `//` after `:` is a URL, not a comment). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[\s;{}(),])\/\/.*$/gm, "$1");
}

/** The reasons `text` knows Pyodide, one per rule it breaks. */
export function offences(text: string): string[] {
  const body = code(text);
  return RULES.filter(([pattern]) => pattern.test(body)).map(([, reason]) => reason);
}

/** Every .ts file under `dir` (relative to the repository). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

describe("the Pyodide boundary", () => {
  const files = [...tsFiles("src"), ...tsFiles("worker")].filter((f) => !f.startsWith("src/pyodide/")).map((f) => relative(ROOT, join(ROOT, f)));

  it("scans worker/, src/playwright/ and src/pyscript/", () => {
    for (const file of ["worker/runtime.ts", "worker/client.ts", "src/playwright/attach.ts", "src/pyscript/index.ts"]) expect(files).toContain(file);
  });

  it("no file outside src/pyodide/ knows Pyodide (except the listed ones)", () => {
    const found: Record<string, string[]> = {};
    for (const file of files) {
      const reasons = offences(readFileSync(join(ROOT, file), "utf8"));
      if (reasons.length && !KNOWN[file]) found[file] = reasons;
    }
    expect(found).toEqual({});
  });

  it("every listed exception still knows Pyodide (else take it off the list)", () => {
    for (const file of Object.keys(KNOWN)) expect(offences(readFileSync(join(ROOT, file), "utf8")), file).not.toEqual([]);
  });

  it("catches each way of knowing Pyodide, and not the look-alikes", () => {
    expect(offences(`import { loadPyodide } from "pyodide";`)).toContain("imports the pyodide package");
    expect(offences(`import type { PyProxy } from "../src/pyodide/types.js";`)).toContain("imports src/pyodide/types (Pyodide's typed slice)");
    expect(offences(`const v = proxy.toJs({ create_pyproxies: false });`)).toContain("converts with toJs/toPy");
    expect(offences(`result.destroy();`)).toEqual(["destroys a PyProxy"]);
    expect(offences(`py.runPython("1");`)).toEqual(["runs Python on Pyodide"]);
    expect(offences("const src = `() => globalThis.__p.registerJsModule('x', {})`;")).toContain("calls Pyodide's API");
    expect(offences(`py.globals.set("x", 1);`)).toContain("reads or writes Pyodide's globals");
    expect(offences(`remote.runPython(code); res.destroy(); // py.toJs() in a comment\nfetch("http://x/pyodide.mjs");`)).toEqual([]);
  });
});
