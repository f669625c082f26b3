// The user's project as the page sees it: the folder pytest will take as rootdir (found as pytest finds it), its
// files mirrored byte-exact at the same absolute paths, and `[tool.wsbridge]` settings from pyproject.toml.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from "node:path";
import type { BundleEntry } from "../pyodide/bundle.js";

/** Limits for copying the project into the page (Pyodide's in-memory file system); one reached is reported. */
export const MIRROR_LIMITS = { maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, maxFiles: 50_000 };
/** Folders that cannot be the project's code: dependencies, caches (a virtualenv is found by its pyvenv.cfg). */
const NOT_CODE = new Set(["__pycache__", "node_modules"]);
/**
 * Hidden files and folders stay out (version control, tool caches, and secrets such as `.env` or `.npmrc`, which
 * a page has no business holding), except these, which pytest or its plugins read.
 */
const HIDDEN_KEPT = new Set([".pytest.ini", ".pytest.toml", ".coveragerc"]);
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

/** The project as the page gets it: every file byte-exact, and what was left out, in one line (empty when nothing). */
export interface Mirror {
  entries: BundleEntry[];
  files: number;
  bytes: number;
  /** What was left out and why, beyond version control, caches and node_modules; empty when nothing was. */
  leftOut: string;
}

/**
 * The files under `root`, byte-exact, keyed by absolute path (`.pytest_cache` only `withCache`), skipping what cannot
 * be code (NOT_CODE, hidden entries, virtualenvs) and folders `norecursedirs` names. Symlinks are followed only inside `root`.
 */
export function mirrorFolder(root: string, options: { withCache?: boolean; norecursedirs?: readonly string[] } = {}): Mirror {
  const entries: BundleEntry[] = [];
  const realRoot = realpathSync(root);
  const noted: string[] = [];
  const tooBig: string[] = [];
  let bytes = 0;
  let files = 0;
  let overLimit = "";
  const patterns = (options.norecursedirs ?? []).map(globToRegExp);
  const inside = (path: string) => {
    try {
      const real = realpathSync(path);
      return real === realRoot || real.startsWith(realRoot + sep);
    } catch {
      return false;
    }
  };
  const walk = (dir: string) => {
    let names;
    try { names = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    entries.push({ path: posix(dir) });
    for (const entry of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink() && !inside(full)) continue;
      let stat;
      try { stat = statSync(full); } catch { continue; }
      const hidden = entry.name.startsWith(".");
      if (stat.isDirectory()) {
        const cache = entry.name === ".pytest_cache" && options.withCache;
        if ((NOT_CODE.has(entry.name) || hidden) && !cache) continue;
        if (existsSync(join(full, "pyvenv.cfg"))) { noted.push(`${relative(root, full)}/ (a virtualenv)`); continue; }
        if (patterns.some((re) => re.test(entry.name))) { noted.push(`${relative(root, full)}/ (norecursedirs)`); continue; }
        walk(full);
        continue;
      }
      if (!stat.isFile() || (hidden && !HIDDEN_KEPT.has(entry.name))) continue;
      if (stat.size > MIRROR_LIMITS.maxFileBytes) { tooBig.push(relative(root, full)); continue; }
      if (files >= MIRROR_LIMITS.maxFiles || bytes + stat.size > MIRROR_LIMITS.maxTotalBytes) {
        overLimit ||= `files past the limit of ${MIRROR_LIMITS.maxFiles} files or ${MIRROR_LIMITS.maxTotalBytes / 1024 / 1024} MiB, from ${relative(root, full)}`;
        continue;
      }
      entries.push({ path: posix(full), data: readFileSync(full) });
      bytes += stat.size;
      files++;
    }
  };
  walk(root);
  if (tooBig.length) noted.push(`${tooBig.length} file${tooBig.length > 1 ? "s" : ""} over ${MIRROR_LIMITS.maxFileBytes / 1024 / 1024} MiB (${tooBig.slice(0, 3).join(", ")}${tooBig.length > 3 ? ", ..." : ""})`);
  if (overLimit) noted.push(overLimit);
  return { entries, files, bytes, leftOut: noted.join("; ") };
}

/** A path with `/` separators (the page's file system is POSIX). */
export function posix(path: string): string {
  return path.split(sep).join("/");
}

/** pytest's fnmatch-style pattern for one folder name (`*`, `?`, `[...]`) as a RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) { out += "\\["; continue; }
      const body = pattern.slice(i + 1, end);
      out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** The `norecursedirs` the ini file sets (pytest.ini/tox.ini/setup.cfg lines, or pyproject's string or array). */
export function iniNorecursedirs(inifile: string | undefined): string[] | undefined {
  return iniList(inifile, "norecursedirs");
}

/** The `python_files` patterns the ini file sets, as `iniNorecursedirs` reads its key. */
export function iniPythonFiles(inifile: string | undefined): string[] | undefined {
  return iniList(inifile, "python_files");
}

/** A whitespace-separated list option of pytest's ini file (pytest.ini/tox.ini/setup.cfg, or pyproject's string or array). */
function iniList(inifile: string | undefined, key: string): string[] | undefined {
  if (!inifile) return undefined;
  let text: string;
  try { text = readFileSync(inifile, "utf8"); } catch { return undefined; }
  if (parse(inifile).base.endsWith(".toml")) {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(\\[[^\\]]*\\]|"[^"]*"|'[^']*')`, "m").exec(text);
    if (!m) return undefined;
    const value = m[1]!;
    if (value.startsWith("[")) return [...value.matchAll(/["']([^"']*)["']/g)].map((x) => x[1]!);
    return value.slice(1, -1).split(/\s+/).filter(Boolean);
  }
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(.*(?:\\n[ \\t]+.*)*)`, "m").exec(text);
  return m ? m[1]!.split(/\s+/).filter(Boolean) : undefined;
}

/**
 * `[tool.wsbridge]` keys in pyproject.toml: `requirements`, `wheels`, `pyodide-index`, `pyodide` (strings, relative to
 * it), and `pyscript` (`true`, or the PyScript config file's path, relative to it).
 */
export function wsbridgeSettings(inifile: string | undefined): { requirements?: string; wheels?: string; pyodideIndex?: string; pyodide?: string; pyscript?: true | string } {
  if (!inifile || parse(inifile).base !== "pyproject.toml") return {};
  const text = readFileSync(inifile, "utf8");
  const section = /^\[tool\.wsbridge\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? "";
  const value = (key: string) => {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(["'])(.*?)\\1\\s*(#.*)?$`, "m").exec(section);
    return m ? (isAbsolute(m[2]!) || /^https?:/.test(m[2]!) ? m[2]! : resolve(dirname(inifile), m[2]!)) : undefined;
  };
  const pyscript = /^\s*pyscript\s*=\s*true\s*(#.*)?$/m.test(section) ? true : value("pyscript");
  return { requirements: value("requirements"), wheels: value("wheels"), pyodideIndex: value("pyodide-index"), pyodide: value("pyodide"), ...(pyscript ? { pyscript } : {}) };
}

/** `path` relative to `cwd` for messages, or absolute when outside it. */
export function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
