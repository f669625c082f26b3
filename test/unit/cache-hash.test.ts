// sha256File (src/playwright/cache.ts) remembers the hashes it took, in this process and, in the cache's hashes.json,
// for the next runs: a file that changed since — other bytes, the same size — is hashed again, never answered from
// memory; one whose size, mtime and inode are unchanged is not read again.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { sha256File } from "../../src/playwright/cache.js";

const root = mkdtempSync(join(tmpdir(), "wsb-hash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("sha256File", () => {
  it("answers again for an unchanged file, and hashes a changed one (same size, in place or replaced)", () => {
    const file = join(root, "a.bin");
    writeFileSync(file, "aaaa");
    expect(sha256File(file)).toBe(sha("aaaa"));
    expect(sha256File(file)).toBe(sha("aaaa"));
    writeFileSync(file, "bbbb");
    expect(sha256File(file)).toBe(sha("bbbb"));
    const other = join(root, "b.bin");
    writeFileSync(other, "cccc");
    renameSync(other, file);
    expect(sha256File(file)).toBe(sha("cccc"));
  });

  it("remembers across runs (hashes.json in the cache): an unchanged stamp is not read again, a new mtime is", async () => {
    const cache = join(root, "cache");
    const saved = process.env.WSBRIDGE_CACHE;
    process.env.WSBRIDGE_CACHE = cache;
    try {
      const file = join(root, "old.bin");
      writeFileSync(file, "old!");
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(file, hourAgo, hourAgo);
      vi.resetModules();
      expect((await import("../../src/playwright/cache.js")).sha256File(file)).toBe(sha("old!"));
      expect(existsSync(join(cache, "hashes.json"))).toBe(true);
      // The same size, mtime and inode in a new process (a fresh module): answered from hashes.json, unread.
      writeFileSync(file, "new!");
      utimesSync(file, hourAgo, hourAgo);
      vi.resetModules();
      expect((await import("../../src/playwright/cache.js")).sha256File(file)).toBe(sha("old!"));
      // Any ordinary write moves the mtime: hashed again.
      writeFileSync(file, "new!");
      vi.resetModules();
      expect((await import("../../src/playwright/cache.js")).sha256File(file)).toBe(sha("new!"));
    } finally {
      if (saved === undefined) delete process.env.WSBRIDGE_CACHE;
      else process.env.WSBRIDGE_CACHE = saved;
    }
  });
});
