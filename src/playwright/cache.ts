// wsbridge's cache folder (~/.cache/wsbridge or $WSBRIDGE_CACHE) and what Node-side loaders look up in it: the page
// wheels (src/cli/wheels.ts fetches them) and the bytecode-compiled stdlib (src/cli/stdlib.ts makes it). Lookups
// only: attachPython serves what is there and never makes anything.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pyodideDir } from "./static-server.js";
import { cacheDir, writeWhole } from "./cache-dir.js";

export { cacheDir };

/** A hash taken, with the size, mtime and inode of the file when it was taken. */
interface Hashed { stamp: string; sha256: string }

/** Hashes taken by this process or, read from the cache's `hashes.json`, by earlier runs. */
let hashed: Map<string, Hashed> | undefined;

/** The file earlier runs' hashes are kept in. */
function memoFile(): string {
  return join(cacheDir(), "hashes.json");
}

/** The hashes known so far (read once a process; a missing or damaged file is an empty memo). */
function memo(): Map<string, Hashed> {
  if (!hashed) {
    hashed = new Map();
    try {
      const stored = JSON.parse(readFileSync(memoFile(), "utf8")) as Record<string, Hashed>;
      for (const [path, entry] of Object.entries(stored)) if (typeof entry?.stamp === "string" && typeof entry.sha256 === "string") hashed.set(path, entry);
    } catch {
      // none yet, or unreadable: every file is hashed
    }
  }
  return hashed;
}

/** Writes the memo (entries of files that are gone are dropped); a cache that cannot be written only costs speed. */
function saveMemo(entries: Map<string, Hashed>): void {
  try {
    const file = memoFile();
    mkdirSync(dirname(file), { recursive: true });
    const kept = Object.fromEntries([...entries].filter(([path]) => existsSync(path)));
    writeWhole(file, JSON.stringify(kept));
  } catch {
    // read-only cache
  }
}

/**
 * sha256 of a file, hex. Every run checks the same big files (the snapshot's 44 MB, the stdlib, the wheels: for the
 * cache's names, its checks and the snapshot's key): a file unchanged since a hash was taken (same size, mtime and
 * inode), in this process or an earlier run, is not read again. Any write changes the mtime, so a truncated or edited
 * file is hashed again; only a change that keeps size, mtime and inode (bit rot, a forged mtime) would go unseen.
 */
export function sha256File(path: string): string {
  const { size, mtimeMs, ino } = statSync(path);
  const stamp = `${size}:${mtimeMs}:${ino}`;
  const entries = memo();
  const known = entries.get(path);
  if (known?.stamp === stamp) return known.sha256;
  const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
  // A file changed in the last second may change again within its timestamp's granularity: never remembered (as git
  // treats a "racily clean" file).
  if (Date.now() - mtimeMs > 1000) {
    entries.set(path, { stamp, sha256 });
    saveMemo(entries);
  }
  return sha256;
}

/** Bumped when the way the compiled stdlib is made changes, so a copy made the old way is not used. */
const STDLIB_FORMAT = 2;

const stdlibNames = new Map<string, string>();

/**
 * Where the compiled copy of the stdlib of the Pyodide in `pyodide` (default: the bundled one) lives, named by its
 * version, the source zip's hash and the format: each release has its own.
 */
export function compiledStdlibPath(env: NodeJS.ProcessEnv = process.env, pyodide = pyodideDir()): string {
  if (!stdlibNames.has(pyodide)) stdlibNames.set(pyodide, nameFor(pyodide));
  return join(cacheDir(env), "stdlib", stdlibNames.get(pyodide)!);
}

/** The compiled stdlib's file name for the Pyodide in `dir`. */
function nameFor(dir: string): string {
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  return `python_stdlib-${version}-${sha256File(join(dir, "python_stdlib.zip")).slice(0, 16)}-pyc${STDLIB_FORMAT}.zip`;
}

/** The compiled stdlib of the Pyodide in `pyodide` when the cache holds it whole, else undefined (pages then load Pyodide's own zip). */
export function compiledStdlib(env: NodeJS.ProcessEnv = process.env, pyodide = pyodideDir()): string | undefined {
  const path = compiledStdlibPath(env, pyodide);
  return stdlibDamage(path) === undefined ? path : undefined;
}

/**
 * Why the compiled stdlib at `path` cannot be served (missing, or not matching the sha256 written beside it when it
 * was made: truncated or corrupt), in a few words; undefined when it is whole.
 */
export function stdlibDamage(path: string): string | undefined {
  if (!existsSync(path)) return "missing";
  const sidecar = `${path}.sha256`;
  if (!existsSync(sidecar)) return "its .sha256 is missing";
  return sha256File(path) === readFileSync(sidecar, "utf8").trim() ? undefined : "it does not match its sha256 (truncated or corrupt)";
}
