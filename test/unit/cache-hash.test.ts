// sha256File (src/playwright/cache.ts) remembers the hashes it took in this process: a file that changed since —
// other bytes, the same size — is hashed again, never answered from memory.
import { createHash } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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
});
