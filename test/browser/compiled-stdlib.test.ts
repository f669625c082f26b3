// The bytecode-compiled Pyodide stdlib (src/cli/stdlib.ts) that the test pages and `wsbridge test` pages load: every
// module of Pyodide's zip is in it with its .pyc, the page imports the .pyc, and tracebacks and inspect still read
// the .py sources beside it.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compiledStdlib, ensureCompiledStdlib } from "../../src/cli/stdlib.js";
import { PlaywrightBrowser } from "../../src/driver/playwright.js";
import { attachPython } from "../../src/playwright/attach.js";
import { pyodideDir } from "../../src/playwright/static-server.js";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

/** The names in a zip's central directory (enough of the format to list it). */
function zipNames(path: string): string[] {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString("utf8", at + 46, at + 46 + nameLength));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

describe("the compiled stdlib", () => {
  const cache = mkdtempSync(join(tmpdir(), "wsbridge-stdlib-"));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it("made in an empty cache, it holds every file of Pyodide's zip plus a .pyc for each .py", async () => {
    const env = { WSBRIDGE_CACHE: cache };
    expect(compiledStdlib(env)).toBeUndefined();
    const made = await ensureCompiledStdlib(new PlaywrightBrowser(fx.browser), env);
    expect(made).toBe(compiledStdlib(env));
    expect(made!.startsWith(join(cache, "stdlib"))).toBe(true);
    const sources = zipNames(join(pyodideDir(), "python_stdlib.zip"));
    const compiled = new Set(zipNames(made!));
    expect(sources.filter((name) => !compiled.has(name))).toEqual([]);
    const py = sources.filter((name) => name.endsWith(".py"));
    expect(py.length).toBeGreaterThan(300);
    expect(py.filter((name) => !compiled.has(`${name}c`))).toEqual([]);
  });

  it("a truncated or corrupt copy in the cache is never served: it is reported in one line and made again", async () => {
    const env = { WSBRIDGE_CACHE: cache };
    const made = compiledStdlib(env)!;
    const whole = readFileSync(made);
    writeFileSync(made, whole.subarray(0, whole.length >> 1));
    expect(compiledStdlib(env)).toBeUndefined();
    const warnings: string[] = [];
    expect(await ensureCompiledStdlib(new PlaywrightBrowser(fx.browser), env, { warn: (text) => warnings.push(text) })).toBe(made);
    expect(warnings).toEqual([`wsbridge: the compiled stdlib in ${made} is damaged (it does not match its sha256 (truncated or corrupt)); making it again`]);
    expect(readFileSync(made).length).toBe(whole.length);
    expect(compiledStdlib(env)).toBe(made);
  });

  it("one that cannot be made in time is given up with a warning naming why; nothing is left in the cache", async () => {
    const env = { WSBRIDGE_CACHE: mkdtempSync(join(tmpdir(), "wsbridge-stdlib-late-")) };
    try {
      const warnings: string[] = [];
      // 50 ms: far too short to load Pyodide, so the timeout (not the page) ends the attempt.
      const made = await ensureCompiledStdlib(new PlaywrightBrowser(fx.browser), env, { timeoutMs: 50, warn: (text) => warnings.push(text) });
      expect(made).toBeUndefined();
      expect(warnings).toEqual(["wsbridge: no compiled stdlib (not made within 50 ms); pages load Pyodide's own, which starts slower"]);
      expect(compiledStdlib(env)).toBeUndefined();
      expect(existsSync(join(env.WSBRIDGE_CACHE, "stdlib")) ? readdirSync(join(env.WSBRIDGE_CACHE, "stdlib")) : []).toEqual([]);
      // The browser is still usable: the attempt's context was closed, not the browser.
      expect(fx.browser.isConnected()).toBe(true);
    } finally {
      rmSync(env.WSBRIDGE_CACHE, { recursive: true, force: true });
    }
  });

  it("attachPython's own server serves it when the cache holds it: the page imports the .pyc files", async () => {
    expect(compiledStdlib(), "global-setup made it in the cache").toBeDefined();
    const page = await fx.browser.newPage();
    try {
      const py = await attachPython(page, { timeout: 120_000 });
      expect(await py.run<string>("import json.decoder\njson.decoder.__file__")).toBe("/lib/python314.zip/json/decoder.pyc");
    } finally {
      await page.close();
    }
  });

  it("a test page imports the stdlib from the .pyc files; tracebacks and inspect show the .py source", async () => {
    expect(compiledStdlib(), "global-setup made it in the cache").toBeDefined();
    const { py } = await fx.newPython({ reuse: true });
    const seen = await py.run<{ file: string; traceback: string; source: string }>(`
import inspect, json, traceback
try:
    json.loads("{")
except ValueError:
    text = traceback.format_exc()
{"file": json.decoder.__file__, "traceback": text, "source": inspect.getsource(json.decoder.JSONDecoder.raw_decode)}
`);
    expect(seen.file).toBe("/lib/python314.zip/json/decoder.pyc");
    // The frame names the .py file and quotes its line, as with the plain zip.
    expect(seen.traceback).toMatch(/File "\/lib\/python314\.zip\/json\/decoder\.py", line \d+, in raw_decode\n\s+obj, end = self\.scan_once\(s, idx\)/);
    expect(seen.source).toMatch(/^ {4}def raw_decode\(self, s, idx=0\):/);
  });
});
