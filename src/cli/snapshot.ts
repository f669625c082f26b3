// The runner's page snapshot: Pyodide with the compiled stdlib, the page's wheels unpacked and pytest imported, taken
// once with Pyodide's memory snapshot and kept in the cache. A page restored from it is ready in about a quarter of a
// plain load's time (../shared/notes/pyodide-snapshot.md). A snapshot holds the interpreter's memory but not its files,
// so the wheels' files travel beside it as one bundle (src/pyodide/bundle.ts).
//
// Kept as `snapshots/KEY/{memory,files}.bin` and `meta.json` (each file's size and sha256). KEY hashes everything that
// goes into it, so a new Pyodide, stdlib, wheel or wsbridge makes a new one. An entry that fails its check (truncated,
// corrupt, half-written) is reported in one line and made again, never served.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DriverBrowser } from "../driver/driver.js";
import { attachPython, within } from "../playwright/attach.js";
import { cacheDir, sha256File } from "../playwright/cache.js";
import { distDir } from "../playwright/static-server.js";
import { pyodideRelease } from "../playwright/pyodide-release.js";
import { decodeBundle } from "../pyodide/bundle.js";
import type { RunnerPlumbing } from "../pyodide/page.js";

/** Bumped when what goes into a snapshot, or how, changes. */
const SNAPSHOT_FORMAT = 2;

/** Where the wheels are unpacked in a page of the bundled Pyodide (314's purelib); another release: its `sitePackages`. */
export const SITE_PACKAGES = pyodideRelease().sitePackages;

/**
 * What the snapshot has imported: pytest with its built-in plugins, and the stdlib modules pytest, asyncio tests and
 * wsbridge's pytest plugin import; then one small pytest session, so what a run builds lazily is there too; then
 * everything is frozen for the collector (gc.freeze). wsbridge's own Python is not
 * in it: it holds references to JS objects, which a memory snapshot cannot keep; it is installed after the restore.
 */
export const SNAPSHOT_IMPORTS = `
import importlib
import pytest
from _pytest.config import default_plugins
for _name in default_plugins:
    try:
        importlib.import_module("_pytest." + _name)
    except ImportError:
        pass
import asyncio, json, re, inspect, dataclasses, argparse, tempfile, pathlib, typing, unittest.mock, decimal, fractions
import logging, traceback, warnings, contextlib, functools, collections, enum, textwrap, pprint, difflib, shlex
del _name


def _warm_up():
    # One small session before the snapshot: what pytest imports and builds lazily during a run (plugin and
    # entry-point scans, assertion rewriting, the terminal's and the fixtures' machinery) is then in memory already.
    # It leaves no trace: its folder, its sys.path entry and its test module go again.
    import io, os, shutil, sys, tempfile
    folder = tempfile.mkdtemp(prefix="wsbridge-warm-")
    with open(os.path.join(folder, "test_warm.py"), "w") as fh:
        fh.write("import pytest\\n\\n@pytest.fixture\\ndef one():\\n    return 1\\n\\n"
                 "@pytest.mark.parametrize('n', [1])\\ndef test_warm(one, n):\\n    assert one == n\\n")
    path = list(sys.path)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", folder, folder])
    sys.path[:] = path
    for name in [m for m in sys.modules if m == "test_warm"]:
        del sys.modules[name]
    sys.path_importer_cache.pop(folder, None)
    shutil.rmtree(folder)
    importlib.invalidate_caches()


_warm_up()
del _warm_up
# What exists now lives as long as the page: out of the collector's sight, so every collection of a run (pytest
# collects at its end, as at each generation-2 threshold) walks only the run's own objects.
import gc
gc.collect()
gc.freeze()
`;

/** A snapshot's two files. */
export interface Snapshot {
  memory: string;
  files: string;
}

/** What a snapshot is made of; its key hashes all of it. */
export interface SnapshotInputs {
  /** Wheel files unpacked into site-packages, in order. */
  wheelFiles: readonly string[];
  /** The compiled stdlib zip served to the page, if any. */
  stdlib?: string;
  /** The Pyodide folder pages load (default: the bundled one). */
  pyodide?: string;
}

/** The cache key of a snapshot of `inputs`: format, Pyodide (its release and lock), stdlib, wheels, the page code and the imports. */
export function snapshotKey(inputs: SnapshotInputs): string {
  const hash = createHash("sha256");
  const pyodide = pyodideRelease(inputs.pyodide).dir;
  hash.update(`format ${SNAPSHOT_FORMAT}\n`);
  // The release (package.json) and its build's packages (pyodide-lock.json, small: a rebuilt distribution differs there).
  hash.update(readFileSync(join(pyodide, "package.json")));
  hash.update(readFileSync(join(pyodide, "pyodide-lock.json")));
  hash.update(`stdlib ${inputs.stdlib ? sha256File(inputs.stdlib) : "pyodide's own"}\n`);
  for (const wheel of inputs.wheelFiles) hash.update(`wheel ${sha256File(wheel)}\n`);
  // Both carry Python the snapshot's files hold as bytecode: the runner's (page-python.js) and the package's.
  hash.update(readFileSync(join(distDir(), "page-python.js")));
  hash.update(readFileSync(join(distDir(), "wsbridge.mjs")));
  hash.update(SNAPSHOT_IMPORTS);
  return hash.digest("hex").slice(0, 24);
}

/** The folder of the snapshot with `key`. */
export function snapshotDir(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), "snapshots", key);
}

/** Snapshots kept in the cache: the most recently used ones (a run marks the one it uses); each is ~45 MB. */
export const SNAPSHOTS_KEPT = 3;

/** Marks the snapshot in `dir` as used now (its meta.json's time), so pruning keeps it. */
export function markUsed(dir: string): void {
  const now = new Date();
  try {
    utimesSync(join(dir, "meta.json"), now, now);
  } catch {
    // a read-only cache keeps everything
  }
}

/** True when process `pid` is alive here. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes from the snapshots folder all but the `kept` most recently used snapshots (`current` always stays), and
 * half-made entries whose maker is gone; returns the names removed. Without it every wsbridge, Pyodide or
 * requirements change would leave ~45 MB behind for good.
 */
export function pruneSnapshots(root: string, current: string, kept = SNAPSHOTS_KEPT): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const remove = (name: string) => {
    try {
      rmSync(join(root, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // in use or read-only: left for a later run
    }
  };
  const whole: Array<{ name: string; used: number }> = [];
  for (const name of names) {
    const partial = /\.partial-(\d+)$/.exec(name);
    if (partial) {
      if (!alive(Number(partial[1]))) remove(name);
      continue;
    }
    if (join(root, name) === current) continue;
    try {
      whole.push({ name, used: statSync(join(root, name, "meta.json")).mtimeMs });
    } catch {
      whole.push({ name, used: 0 }); // no meta.json: never whole, and made again if its key comes back
    }
  }
  whole.sort((a, b) => b.used - a.used);
  for (const { name } of whole.slice(Math.max(0, kept - 1))) remove(name);
  return removed;
}

/** What `meta.json` records of each file. */
interface FileCheck {
  size: number;
  sha256: string;
}

/** Size and sha256 of a file's bytes. */
function checkOf(bytes: Uint8Array): FileCheck {
  return { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/**
 * The cached snapshot in `dir` when whole: undefined when there is none, else its files, else (a bad entry) the
 * reason in a few words.
 */
export function checkSnapshot(dir: string): Snapshot | string | undefined {
  const meta = join(dir, "meta.json");
  if (!existsSync(meta)) return existsSync(dir) ? "meta.json is missing" : undefined;
  let recorded: { memory: FileCheck; files: FileCheck };
  try {
    recorded = JSON.parse(readFileSync(meta, "utf8")) as typeof recorded;
  } catch {
    return "meta.json is not valid JSON";
  }
  for (const name of ["memory", "files"] as const) {
    const path = join(dir, `${name}.bin`);
    if (!existsSync(path)) return `${name}.bin is missing`;
    const size = statSync(path).size;
    const want = recorded[name];
    if (!want || size !== want.size) return `${name}.bin has ${size} bytes, ${want?.size ?? "?"} expected (truncated)`;
    if (sha256File(path) !== want.sha256) return `${name}.bin does not match its sha256 (corrupt)`;
  }
  return { memory: join(dir, "memory.bin"), files: join(dir, "files.bin") };
}

/** How a snapshot is made: a page of `browser` on a static server that accepts the upload. */
export interface MakeOptions {
  browser: DriverBrowser;
  /** The static server's base URL (serving the patched pyodide.asm.mjs). */
  baseURL: string;
  /** Its upload slot: POSTs to `${baseURL}__upload/${token}/NAME` land in `dir/NAME.upload`. */
  uploads: { token: string; dir: string };
  /** URLs of the wheels to unpack, in order. */
  wheelURLs: string[];
  timeoutMs: number;
  /** The page's site-packages (the served Pyodide's `sitePackages`; default: the bundled one's). */
  sitePackages?: string;
}

/** A fresh upload token. */
export function uploadToken(): string {
  return randomBytes(12).toString("hex");
}

/**
 * Makes the snapshot into `dir` (replacing a bad one): a page loads Pyodide for snapshotting, unpacks the wheels,
 * imports SNAPSHOT_IMPORTS and uploads memory and files; both are checked before they are kept.
 */
export async function makeSnapshot(dir: string, options: MakeOptions): Promise<Snapshot> {
  const context = await options.browser.newContext();
  try {
    const page = await context.newPage();
    const made = (async () => {
      await attachPython(page, { baseURL: options.baseURL, timeout: options.timeoutMs, snapshot: { make: true } });
      return page.call(async ({ wheelURLs, imports, uploadURL, site, wsbridgeURL }: { wheelURLs: string[]; imports: string; uploadURL: string; site: string; wsbridgeURL: string }) => {
        const runner = (globalThis as unknown as { __wsbridgeRunner: RunnerPlumbing }).__wsbridgeRunner;
        await runner.installWheels({ wheelURLs, pyodidePackageURLs: [] });
        return runner.makeSnapshot({ imports, keep: [site], uploadURL, wsbridgeURL });
      }, { wheelURLs: options.wheelURLs, imports: SNAPSHOT_IMPORTS, uploadURL: `${options.baseURL}__upload/${options.uploads.token}/`, site: options.sitePackages ?? SITE_PACKAGES, wsbridgeURL: `${options.baseURL}wsbridge/wsbridge.mjs` });
    })();
    await within(made, options.timeoutMs, () => new Error(`the page snapshot was not made within ${Math.round(options.timeoutMs / 1000)} s (--load-timeout)`));
    const memory = readFileSync(join(options.uploads.dir, "memory.upload"));
    const files = readFileSync(join(options.uploads.dir, "files.upload"));
    decodeBundle(files); // a bundle that does not read back is never kept
    // Made whole beside the entry, then renamed into place: a run reading the cache never sees half an entry, and
    // two runs making it at once each end with a whole one (the second keeps the first's when it is whole).
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    writeFileSync(join(partial, "memory.bin"), memory);
    writeFileSync(join(partial, "files.bin"), files);
    writeFileSync(join(partial, "meta.json"), JSON.stringify({ memory: checkOf(memory), files: checkOf(files), format: SNAPSHOT_FORMAT }));
    if (typeof checkSnapshot(dir) !== "object") rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(partial, dir);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (typeof checkSnapshot(dir) !== "object") throw error;
    }
    return { memory: join(dir, "memory.bin"), files: join(dir, "files.bin") };
  } finally {
    await context.close().catch(() => undefined);
  }
}
