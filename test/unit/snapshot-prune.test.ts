// Pruning the page snapshots (src/cli/snapshot.ts): the run's own and the most recently used stay, older ones and
// half-made entries of makers that are gone are removed, a half-made entry of a live maker stays.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { markUsed, pruneSnapshots } from "../../src/cli/snapshot.js";

const root = mkdtempSync(join(tmpdir(), "wsb-prune-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A snapshot folder `name` last used `daysAgo` days ago. */
function snapshot(name: string, daysAgo: number): void {
  mkdirSync(join(root, name));
  const meta = join(root, name, "meta.json");
  writeFileSync(meta, "{}");
  const when = new Date(Date.now() - daysAgo * 86_400_000);
  utimesSync(meta, when, when);
}

describe("pruneSnapshots", () => {
  it("keeps the current and the most recently used, removes the rest and dead makers' half-made entries", () => {
    for (const [name, days] of [["a", 9], ["b", 1], ["c", 5], ["d", 2], ["current", 30]] as const) snapshot(name, days);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!; // exited: its pid is free
    mkdirSync(join(root, `e.partial-${dead}`));
    mkdirSync(join(root, `f.partial-${process.pid}`));
    const removed = pruneSnapshots(root, join(root, "current"), 3);
    expect(removed.sort()).toEqual(["a", "c", `e.partial-${dead}`].sort());
    expect(readdirSync(root).sort()).toEqual(["b", "current", "d", `f.partial-${process.pid}`].sort());
  });

  it("markUsed makes a snapshot the most recent", () => {
    markUsed(join(root, "d"));
    snapshot("g", 0.5);
    pruneSnapshots(root, join(root, "current"), 2);
    expect(existsSync(join(root, "d"))).toBe(true);
    expect(existsSync(join(root, "b"))).toBe(false);
    expect(existsSync(join(root, "g"))).toBe(false);
  });
});
