// The command's code cache (src/cli/compile-cache.ts): the first run stores V8's code for playwright-core's files, the
// next run uses it (nothing is stored again: a rejected cache would be), an edited file gets its own entry, and a
// cache that cannot be written only costs speed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cacheFileOf, compileCacheDir, storeEntry } from "../../src/cli/compile-cache.js";

const root = mkdtempSync(join(tmpdir(), "wsb-ccache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs Node with the cache on and playwright-core imported, as bin/wsbridge.mjs does; returns what it printed. */
function importWithCache(cache: string): string {
  const script = `const { enableCompileCache } = await import(${JSON.stringify(new URL("../../dist/compile-cache.mjs", import.meta.url).href)});
enableCompileCache();
const { chromium } = (await import("node:module")).createRequire(import.meta.url)("playwright-core");
console.log(typeof chromium.launch);`;
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: new URL("../..", import.meta.url).pathname, env: { ...process.env, WSBRIDGE_CACHE: cache }, encoding: "utf8", timeout: 50_000 });
}

/** Each cache file's modification time. */
const times = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]));

describe("the command's code cache", () => {
  it("is stored by the first run and used by the next", () => {
    const cache = join(root, "one");
    expect(importWithCache(cache).trim()).toBe("function");
    const dir = compileCacheDir({ WSBRIDGE_CACHE: cache });
    const first = times(dir);
    expect(Object.keys(first).length).toBeGreaterThan(0);
    expect(importWithCache(cache).trim()).toBe("function");
    expect(times(dir)).toEqual(first);
  }, 60_000);

  it("keys each file by its path, size and modification time (an edited file gets its own entry)", () => {
    const dir = "/c";
    const a = cacheFileOf(dir, "/x/a.js", { size: 3, mtimeMs: 1000 });
    expect(cacheFileOf(dir, "/x/a.js", { size: 3, mtimeMs: 1000 })).toBe(a);
    expect(cacheFileOf(dir, "/x/a.js", { size: 3, mtimeMs: 2000 })).not.toBe(a);
    expect(cacheFileOf(dir, "/x/a.js", { size: 4, mtimeMs: 1000 })).not.toBe(a);
    expect(cacheFileOf(dir, "/x/b.js", { size: 3, mtimeMs: 1000 })).not.toBe(a);
  });

  it("keeps one entry a source: storing a newer version's code removes the older versions' and earlier formats' (a reinstall does not grow it)", () => {
    const dir = mkdtempSync(join(root, "entries-"));
    const v1 = cacheFileOf(dir, "/x/a.js", { size: 3, mtimeMs: 1000 });
    const other = cacheFileOf(dir, "/x/b.js", { size: 3, mtimeMs: 1000 });
    writeFileSync(join(dir, "0123456789abcdef0123456789abcdef"), "an entry of the earlier format");
    storeEntry(v1, Buffer.from("one"));
    storeEntry(other, Buffer.from("other"));
    const v2 = cacheFileOf(dir, "/x/a.js", { size: 3, mtimeMs: 2000 });
    storeEntry(v2, Buffer.from("two"));
    expect(readdirSync(dir).sort()).toEqual([basename(other), basename(v2)].sort());
  });

  it("is for the way the command loads playwright-core: require, never an ESM import (Node would scan its 7 MB for export names)", () => {
    for (const file of ["cli.mjs", "playwright.mjs"]) {
      const source = readFileSync(new URL(`../../dist/${file}`, import.meta.url), "utf8");
      expect(source, file).not.toMatch(/from ['"]playwright-core['"]|import\(['"]playwright-core['"]\)/);
    }
  });

  it("a cache that cannot be written: the command still loads", () => {
    const file = join(root, "a-file");
    writeFileSync(file, "not a folder");
    expect(importWithCache(join(file, "cache")).trim()).toBe("function");
  }, 60_000);
});
