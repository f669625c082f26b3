// The runner's page snapshot (src/cli/snapshot.ts): made once per cache, restored by every page, and a damaged entry
// (truncated, corrupt, half-written) is reported in one line and made again, never served. Also the check that the
// pyodide/pyodide#6254 work-around (the patched pyodide.asm.mjs) is still needed.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkSnapshot } from "../../src/cli/snapshot.js";
import { compiledStdlib, compiledStdlibPath } from "../../src/cli/stdlib.js";
import { ensureLockedWheels } from "../../src/cli/wheels.js";
import { attachPython } from "../../src/playwright/attach.js";
import { patchSnapshotRestore, pyodideDir, startStaticServer } from "../../src/playwright/static-server.js";
import { useBrowser } from "../helpers/browser.js";
import { cliHarness, shown, wsbridge } from "./_runner-cli.js";

const { root, project } = cliHarness();
const fx = useBrowser();

/** A cache of its own holding the locked wheels and the compiled stdlib (so only the snapshot is made here). */
function freshCache(): string {
  const cache = mkdtempSync(join(root, "snapcache-"));
  mkdirSync(join(cache, "wheels"));
  for (const file of ensureLockedWheels(process.env)) copyFileSync(file, join(cache, "wheels", basename(file)));
  const stdlib = compiledStdlib();
  if (stdlib) {
    const target = compiledStdlibPath({ WSBRIDGE_CACHE: cache });
    mkdirSync(join(cache, "stdlib"));
    copyFileSync(stdlib, target);
    copyFileSync(`${stdlib}.sha256`, `${target}.sha256`);
  }
  return cache;
}

/** The one snapshot folder of a cache. */
function snapshotFolder(cache: string): string {
  const names = readdirSync(join(cache, "snapshots")).filter((n) => !n.startsWith("."));
  expect(names).toHaveLength(1);
  return join(cache, "snapshots", names[0]!);
}

describe("the page snapshot", () => {
  const cache = freshCache();
  const env = { WSBRIDGE_CACHE: cache, WSBRIDGE_TIMINGS: "1" };
  // wsbridge's Python arrives as bytecode with the snapshot's files (unchecked-hash pycs, flags 1), not compiled in
  // the page at import (timestamp pycs, flags 0).
  const dir = project("snap", { "test_snap.py": "import importlib.util, pytest, sys\nimport wsbridge._pytest_session as session\n\n" +
    "def test_snap():\n    assert 'pytest' in sys.modules\n\n" +
    "def test_wsbridge_bytecode_came_with_the_snapshot():\n    with open(importlib.util.cache_from_source(session.__file__), 'rb') as fh:\n" +
    "        assert fh.read(8)[4:8] == b'\\x01\\x00\\x00\\x00'\n\n" +
    // The snapshot's objects are frozen for the collector (gc.freeze): pytest's collections at the session's end walk
    // only the run's own.
    "def test_the_snapshot_objects_are_frozen():\n    import gc\n    assert gc.get_freeze_count() > 10000\n" });
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it("is made by the first run and restored by the next, which make no other", async () => {
    const first = await wsbridge(["test", "--workers", "1", "-q"], dir, env);
    expect(first.code, shown(first)).toBe(0);
    expect(first.err).toMatch(/page snapshot made in \d+ ms/);
    const second = await wsbridge(["test", "--workers", "1", "-q"], dir, env);
    expect(second.code, shown(second)).toBe(0);
    expect(second.err).not.toMatch(/snapshot made|damaged/);
    expect(second.err).toMatch(/controller page ready in \d+ ms \{"restore\+wsbridge"/);
  }, 150_000);

  const damages: Array<[string, (folder: string) => void, RegExp]> = [
    ["truncated memory", (f) => truncateSync(join(f, "memory.bin"), 1000), /memory\.bin has 1000 bytes, \d+ expected \(truncated\)/],
    ["corrupt files", (f) => { const b = readFileSync(join(f, "files.bin")); b[b.length - 1] ^= 0xff; writeFileSync(join(f, "files.bin"), b); }, /files\.bin does not match its sha256 \(corrupt\)/],
    ["half-written (no meta.json)", (f) => rmSync(join(f, "meta.json")), /meta\.json is missing/],
  ];
  for (const [what, damage, reason] of damages) {
    it(`a ${what} entry is reported in one line and made again, and the run passes`, async () => {
      const folder = snapshotFolder(cache);
      damage(folder);
      expect(typeof checkSnapshot(folder)).toBe("string");
      const r = await wsbridge(["test", "--workers", "1", "-q"], dir, env);
      expect(r.code, shown(r)).toBe(0);
      const lines = r.err.split("\n").filter((l) => l.includes("damaged"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^wsbridge: the page snapshot in ${folder.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is damaged \\(`));
      expect(lines[0]).toMatch(reason);
      expect(typeof checkSnapshot(folder)).toBe("object");
    }, 150_000);
  }

  it("a damaged page wheel in the cache is reported in one line and fetched again, and the run passes", async () => {
    const wheel = ensureLockedWheels(process.env).map((f) => join(cache, "wheels", basename(f)))[0]!;
    const whole = readFileSync(wheel);
    truncateSync(wheel, 100);
    const r = await wsbridge(["test", "--workers", "1", "-q"], dir, env);
    expect(r.code, shown(r)).toBe(0);
    const lines = r.err.split("\n").filter((l) => l.includes("damaged"));
    expect(lines).toEqual([`wsbridge: the page wheel ${basename(wheel)} in ${join(cache, "wheels")} is damaged (it does not match its sha256, truncated or corrupt); fetching it again`]);
    expect(readFileSync(wheel).equals(whole)).toBe(true);
  }, 150_000);

  it("pyodide/pyodide#6254 is still there: without the patched pyodide.asm.mjs the snapshot does not restore", async () => {
    // When this fails, Pyodide restores large snapshots by itself: drop patchSnapshotRestore and `snapshots: true`.
    expect(patchSnapshotRestore(readFileSync(join(pyodideDir(), "pyodide.asm.mjs"), "utf8"))).toBeDefined();
    const folder = snapshotFolder(cache);
    expect(readFileSync(join(folder, "memory.bin")).length).toBeGreaterThan(30 * 1024 * 1024);
    const plain = await startStaticServer({ mounts: { snapshot: folder } });
    const page = await fx.browser.newPage();
    try {
      await expect(attachPython(page, { baseURL: plain.url, timeout: 60_000, snapshot: { load: `${plain.url}snapshot/memory.bin` } })).rejects.toThrow(/offset is out of bounds|RangeError/);
    } finally {
      await page.close();
      await plain.close();
    }
  }, 150_000);
});
