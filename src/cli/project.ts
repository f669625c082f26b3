// The user's project as the page sees it: the folder pytest will take as rootdir (found as pytest finds it), its text
// files mirrored at the same absolute paths, and `[tool.wsbridge]` settings from pyproject.toml.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from "node:path";

/** Limits for copying the project into the page (Pyodide's in-memory file system). */
export const MIRROR_LIMITS = { maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 32 * 1024 * 1024, maxFiles: 5_000 };
/** Folders never copied: dependencies, caches, builds, virtualenvs (dot-folders are skipped too). */
const SKIP_DIRS = new Set(["node_modules", "__pycache__", "venv", "site-packages", "dist", "build"]);
/** Files that make a folder pytest's rootdir, in pytest's order of preference. */
const INI_FILES = ["pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"];

/** True when `file` is an ini file pytest would take (pyproject.toml, tox.ini and setup.cfg only with a pytest section). */
function isPytestIni(file: string): boolean {
  const name = parse(file).base;
  if (["pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml"].includes(name)) return true;
  let text: string;
  try { text = readFileSync(file, "utf8"); } catch { return false; }
  if (name === "pyproject.toml") return /^\[tool\.pytest(\.ini_options)?\]/m.test(text);
  if (name === "tox.ini") return /^\[pytest\]/m.test(text);
  return /^\[tool:pytest\]/m.test(text);
}

function isFile(path: string): boolean {
  try { return statSync(path).isFile(); } catch { return false; }
}

/**
 * pytest's `locate_config`: the first folder upward from each of `dirs` with a pytest ini file; failing that, the
 * first pyproject.toml seen on the way (pytest takes one even without a pytest table when nothing else is found).
 */
function locateConfig(dirs: readonly string[]): { rootdir: string; inifile: string } | undefined {
  let pyproject: string | undefined;
  for (const start of dirs) {
    for (let dir = start; ; dir = dirname(dir)) {
      for (const name of INI_FILES) {
        const file = join(dir, name);
        if (!isFile(file)) continue;
        if (name === "pyproject.toml") pyproject ??= file;
        if (isPytestIni(file)) return { rootdir: dir, inifile: file };
      }
      if (dirname(dir) === dir) break;
    }
  }
  return pyproject ? { rootdir: dirname(pyproject), inifile: pyproject } : undefined;
}

/** The deepest folder containing every path in `paths` (absolute). */
export function commonAncestor(paths: readonly string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

/**
 * The folder pytest will use as rootdir, found as pytest's `determine_setup` finds it (without `-c`/`--rootdir`): an ini
 * file upward from the arguments' common ancestor; else a pyproject.toml on the way; else a folder with setup.py; else
 * an ini file upward from each argument; else the common ancestor of the working folder and the arguments.
 */
export function findRootdir(paths: readonly string[], cwd: string): { rootdir: string; inifile?: string } {
  const dirs = paths
    .filter((p) => !p.startsWith("-"))
    .map((p) => resolve(cwd, p.split("::")[0]!))
    .filter((p) => existsSync(p))
    .map((p) => (statSync(p).isDirectory() ? p : dirname(p)));
  const ancestor = dirs.length ? commonAncestor(dirs) : cwd;
  const found = locateConfig([ancestor]);
  if (found) return found;
  for (let dir = ancestor; ; dir = dirname(dir)) {
    if (isFile(join(dir, "setup.py"))) return { rootdir: dir };
    if (dirname(dir) === dir) break;
  }
  if (dirs.some((d) => d !== ancestor)) {
    const again = locateConfig(dirs);
    if (again) return again;
  }
  const rootdir = commonAncestor([cwd, ancestor]);
  return { rootdir: dirname(rootdir) === rootdir ? ancestor : rootdir };
}

/** Thrown when a named path does not exist (pytest would say "file or directory not found"; we say it first). */
export class ProjectError extends Error {
  override name = "ProjectError";
}

/**
 * The text files under `root` (dot-files and dot-folders skipped except `.pytest_cache` when asked, binaries and
 * oversized files skipped), keyed by absolute path. Symlinks are followed only when they stay inside `root`.
 */
export function mirrorFolder(root: string, options: { withCache?: boolean } = {}): Record<string, string> {
  const files: Record<string, string> = {};
  const realRoot = realpathSync(root);
  let total = 0;
  let count = 0;
  const inside = (path: string) => {
    try {
      const real = realpathSync(path);
      return real === realRoot || real.startsWith(realRoot + sep);
    } catch {
      return false;
    }
  };
  const walk = (dir: string) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const hidden = entry.name.startsWith(".");
      if (entry.isSymbolicLink() && !inside(full)) continue;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try { const s = statSync(full); isDir = s.isDirectory(); isFile = s.isFile(); } catch { continue; }
      }
      if (isDir) {
        if ((hidden && !(options.withCache && entry.name === ".pytest_cache")) || SKIP_DIRS.has(entry.name)) continue;
        walk(full);
        continue;
      }
      if (!isFile || (hidden && !options.withCache) || count >= MIRROR_LIMITS.maxFiles) continue;
      if (hidden && !full.includes(`${sep}.pytest_cache${sep}`)) continue;
      const size = statSync(full).size;
      if (size > MIRROR_LIMITS.maxFileBytes || total + size > MIRROR_LIMITS.maxTotalBytes) continue;
      const data = readFileSync(full);
      if (data.includes(0)) continue; // binary: text files only
      files[full.split(sep).join("/")] = data.toString("utf8");
      total += size;
      count++;
    }
  };
  walk(root);
  return files;
}

/** `[tool.wsbridge]` keys in pyproject.toml: `requirements`, `wheels`, `pyodide-index` (strings, relative to it). */
export function wsbridgeSettings(inifile: string | undefined): { requirements?: string; wheels?: string; pyodideIndex?: string } {
  if (!inifile || parse(inifile).base !== "pyproject.toml") return {};
  const text = readFileSync(inifile, "utf8");
  const section = /^\[tool\.wsbridge\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? "";
  const value = (key: string) => {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(["'])(.*?)\\1\\s*(#.*)?$`, "m").exec(section);
    return m ? (isAbsolute(m[2]!) || /^https?:/.test(m[2]!) ? m[2]! : resolve(dirname(inifile), m[2]!)) : undefined;
  };
  return { requirements: value("requirements"), wheels: value("wheels"), pyodideIndex: value("pyodide-index") };
}

/** `path` relative to `cwd` for messages, or absolute when outside it. */
export function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
