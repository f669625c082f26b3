// The page's Python packages, the sources: pytest's locked wheels (fetched into a cache, like `npm ci`), `--wheels`
// folders, the host's pip (pure-Python wheels), and a Pyodide package index. src/cli/page-packages.ts resolves them.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, sha256File } from "../playwright/cache.js";
import { normalizeName, pipErrorLine, type IndexEntry } from "./requirements.js";

export { cacheDir } from "../playwright/cache.js";

/** A page setup problem the user can fix (missing wheel, bad requirement): one line, exit code 4. */
export class SetupError extends Error {
  override name = "SetupError";
}

export interface LockedWheel {
  name: string;
  version: string;
  file: string;
  sha256: string;
  /** The wheel's Requires-Python (its METADATA), checked against the chosen Pyodide's Python. */
  requires_python?: string;
}

/** The Python the runner resolves wheels with, and the Python version of the bundled Pyodide 314 (another release passes its own). */
export const PIP = { python: process.env.WSBRIDGE_PYTHON ?? "python3", pythonVersion: "3.14" };

/** wsbridge's package folder (holds python/page-wheels.lock.json), from dist/ or from src/cli/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, "python", "page-wheels.lock.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("wsbridge: python/page-wheels.lock.json not found beside the package");
}

/** The locked wheels pytest needs in the page. */
export function lockedWheels(root = packageRoot()): LockedWheel[] {
  return (JSON.parse(readFileSync(join(root, "python", "page-wheels.lock.json"), "utf8")) as { wheels: LockedWheel[] }).wheels;
}

/** What pip printed when it failed, stdout then stderr (a conflict's causes are on stdout), or that its Python is missing. */
export function pipStderr(error: unknown): string {
  const e = error as { stdout?: Buffer | string; stderr?: Buffer | string; message?: string; code?: string };
  if (e.code === "ENOENT") return `ERROR: ${PIP.python} not found (set WSBRIDGE_PYTHON to a Python with pip)`;
  return e.stderr === undefined ? String(e.message ?? error) : `${String(e.stdout ?? "")}\n${String(e.stderr)}`;
}

/** pip's error as one line, for messages. */
const pipError = (error: unknown): string => pipErrorLine(pipStderr(error));

/** Runs `pip download ARGS` into `dest` (pure-Python wheels for Pyodide's Python); throws execFileSync's error. */
export function pipDownload(args: string[], dest: string, pythonVersion: string = PIP.pythonVersion): void {
  execFileSync(PIP.python, [
    "-m", "pip", "download", "--disable-pip-version-check", "--retries", "1", "--timeout", "30",
    "--only-binary=:all:", "--platform", "any", "--implementation", "py", "--python-version", pythonVersion, "--abi", "none",
    "-d", dest, ...args,
  ], { stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The paths of the locked wheels, fetching the missing ones with pip into the cache (sha256 checked).
 * Throws SetupError naming the first wheel that is missing and how to provide it.
 */
export function ensureLockedWheels(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): string[] {
  const dir = join(cacheDir(env), "wheels");
  const wheels = lockedWheels();
  const missing = wheels.filter((w) => !existsSync(join(dir, w.file)) || sha256File(join(dir, w.file)) !== w.sha256);
  for (const w of missing.filter((w) => existsSync(join(dir, w.file)))) {
    log(`wsbridge: the page wheel ${w.file} in ${dir} is damaged (it does not match its sha256, truncated or corrupt); fetching it again`);
  }
  if (missing.length > 0) {
    mkdirSync(dir, { recursive: true });
    const temp = mkdtempSync(join(dir, ".fetch-"));
    try {
      log(`wsbridge: fetching ${missing.map((w) => w.file).join(", ")} into ${dir}`);
      try {
        pipDownload(["--no-deps", ...missing.map((w) => `${w.name}==${w.version}`)], temp);
      } catch (error) {
        const first = missing[0]!;
        throw new SetupError(
          `the page wheel ${first.file} is not in ${dir} and pip could not fetch it (${pipError(error)}); ` +
          `run \`npx wsbridge wheels\` where a package index is reachable, or copy the file there (sha256 ${first.sha256})`,
        );
      }
      for (const w of missing) {
        const got = join(temp, w.file);
        if (!existsSync(got)) throw new SetupError(`pip did not produce ${w.file} (locked in python/page-wheels.lock.json); copy it into ${dir}`);
        const sum = sha256File(got);
        if (sum !== w.sha256) throw new SetupError(`${w.file} from the package index has sha256 ${sum}, the lock says ${w.sha256}: refused`);
        renameSync(got, join(dir, w.file));
      }
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }
  return wheels.map((w) => join(dir, w.file));
}

/** The `.whl` files in a folder given with `--wheels`. */
export function wheelsIn(folder: string): string[] {
  let entries: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error("not a folder");
    entries = readdirSync(folder);
  } catch {
    throw new SetupError(`--wheels ${folder}: no such folder`);
  }
  return entries.filter((name) => name.endsWith(".whl")).sort().map((name) => join(folder, name));
}

/** A requirements file's text, or a SetupError naming it. */
export function readRequirements(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new SetupError(`--requirements ${file}: no such file`);
  }
}

/** A Pyodide index's packages by normalised name (its pyodide-lock.json, from a folder or a URL), and the lock's text. */
export async function readPyodideIndex(index: string): Promise<{ packages: Map<string, IndexEntry>; text: string }> {
  const lockPath = isIndexURL(index) ? new URL("pyodide-lock.json", index.endsWith("/") ? index : `${index}/`).href : join(index, "pyodide-lock.json");
  let text: string;
  let lock: { packages: Record<string, IndexEntry> };
  try {
    text = isIndexURL(index) ? await fetchText(lockPath) : readFileSync(lockPath, "utf8");
    lock = JSON.parse(text) as typeof lock;
  } catch (error) {
    throw new SetupError(`--pyodide-index ${index}: cannot read ${lockPath} (${error instanceof Error ? error.message : String(error)})`);
  }
  return { packages: new Map(Object.entries(lock.packages).map(([key, pkg]) => [normalizeName(pkg.name ?? key), { ...pkg, name: normalizeName(pkg.name ?? key) }])), text };
}

/** True for an index given as an http(s) URL (else it is a folder). */
export const isIndexURL = (index: string): boolean => /^https?:\/\//.test(index);

/** A URL's body as text; throws with the HTTP status. */
async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

/** Where a Pyodide index keeps a package's file: a URL beside its lock, or a path in its folder. */
export function indexFile(index: string, entry: IndexEntry): string {
  return isIndexURL(index) ? new URL(entry.file_name, index.endsWith("/") ? index : `${index}/`).href : join(index, basename(entry.file_name));
}

/** Throws a SetupError naming the first of `entries` whose file the index does not have (a missing file, an HTTP error). */
export async function checkIndexFiles(index: string, entries: readonly IndexEntry[]): Promise<void> {
  await Promise.all(entries.map(async (entry) => {
    const file = indexFile(index, entry);
    let problem: string | undefined;
    if (!isIndexURL(index)) problem = existsSync(file) ? undefined : "no such file";
    else {
      try {
        const response = await fetch(file, { method: "HEAD" });
        problem = response.ok ? undefined : `HTTP ${response.status}`;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
    }
    if (problem) throw new SetupError(`--pyodide-index ${index}: ${basename(entry.file_name)} (${entry.name} ${entry.version}, in its pyodide-lock.json) cannot be had: ${problem}`);
  }));
}
