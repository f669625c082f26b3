// wsbridge's cache folder (~/.cache/wsbridge or $WSBRIDGE_CACHE) and what Node-side loaders look up in it: the page
// wheels (src/cli/wheels.ts fetches them) and the bytecode-compiled stdlib (src/cli/stdlib.ts makes it). Lookups
// only: attachPython serves what is there and never makes anything.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pyodideDir } from "./static-server.js";
import { cacheDir } from "./cache-dir.js";

export { cacheDir };

/** Hashes taken in this process, by path, with the size, mtime and inode they were taken at. */
const hashed = new Map<string, { stamp: string; sha256: string }>();

/**
 * sha256 of a file, hex. A run asks for the same files more than once (the stdlib, the wheels: for the cache's names,
 * its checks and the snapshot's key): a file unchanged since (same size, mtime and inode) is not read again.
 */
export function sha256File(path: string): string {
  const { size, mtimeMs, ino } = statSync(path);
  const stamp = `${size}:${mtimeMs}:${ino}`;
  const known = hashed.get(path);
  if (known?.stamp === stamp) return known.sha256;
  const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
  // A file changed in the last second may change again within its timestamp's granularity: never remembered (as git
  // treats a "racily clean" file).
  if (Date.now() - mtimeMs > 1000) hashed.set(path, { stamp, sha256 });
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
