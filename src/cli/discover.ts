// Finds test files: `test_*.py` under folders (recursively), or files named explicitly, optionally `file.py::name`.
import { readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/** Folders never searched: VCS, caches, virtualenvs and node_modules. */
const SKIP_DIRS = new Set(["node_modules", "__pycache__", "venv", "site-packages", "dist", "build"]);

export interface TestFile {
  /** Absolute path. */
  path: string;
  /** What the output shows: relative to the working folder with `/`, or absolute when outside it. */
  display: string;
  /** Names picked with `file.py::name` (all `test_*` functions when absent). */
  only?: string[];
}

/** Thrown for a path that does not exist; the CLI reports it as a usage error (exit 2). */
export class DiscoveryError extends Error {
  override name = "DiscoveryError";
}

/** True for a file the runner collects when it meets it inside a folder. */
export function isTestFileName(name: string): boolean {
  return /^test_.*\.py$/.test(name);
}

/** `path` as shown in output: relative to `cwd` with `/`, or absolute when outside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return path.split(sep).join("/");
  return rel.split(sep).join("/");
}

/** Every `test_*.py` under `dir`, sorted, skipping hidden folders and SKIP_DIRS. */
function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Files of a folder before its subfolders, each group by name.
  entries.sort((a, b) => Number(a.isDirectory()) - Number(b.isDirectory()));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name.startsWith(".") || SKIP_DIRS.has(entry.name)) continue;
      walk(full, out);
    } else if (entry.isFile() && isTestFileName(entry.name)) out.push(full);
  }
}

/**
 * Resolves PATH arguments (default: `cwd`) into test files, in argument order, each file once.
 * Folders are searched recursively for `test_*.py`; a file given by name is taken whatever its name
 * (it must end in `.py`); `file.py::test_name` picks one function.
 */
export function discoverTestFiles(args: readonly string[], cwd: string): TestFile[] {
  const byPath = new Map<string, TestFile>();
  const add = (path: string, only?: string) => {
    const existing = byPath.get(path);
    if (!existing) {
      byPath.set(path, { path, display: displayPath(path, cwd), ...(only ? { only: [only] } : {}) });
    } else if (existing.only) {
      if (only) { if (!existing.only.includes(only)) existing.only.push(only); } else delete existing.only;
    }
  };
  for (const arg of args.length ? args : ["."]) {
    const sepAt = arg.indexOf("::");
    const target = sepAt >= 0 ? arg.slice(0, sepAt) : arg;
    const only = sepAt >= 0 ? arg.slice(sepAt + 2) : undefined;
    const full = resolve(cwd, target);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      throw new DiscoveryError(`no such file or folder: ${target}`);
    }
    if (stat.isDirectory()) {
      if (only !== undefined) throw new DiscoveryError(`"::" needs a file, not a folder: ${arg}`);
      const found: string[] = [];
      walk(full, found);
      for (const f of found) add(f);
    } else if (stat.isFile()) {
      if (!full.endsWith(".py")) throw new DiscoveryError(`not a Python file: ${target}`);
      if (only !== undefined && !/^[A-Za-z_]\w*$/.test(only)) throw new DiscoveryError(`not a test function name: ${arg}`);
      add(full, only);
    } else throw new DiscoveryError(`not a file or folder: ${target}`);
  }
  return [...byPath.values()];
}

