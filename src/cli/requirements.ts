// The pure rules of the page's packages (no I/O): reading requirements files as pip does, wheel file names, pip's
// errors, and the precedence between the four sources (src/cli/page-packages.ts runs it with pip):
//   1. wsbridge's locked pytest wheels, fixed;
//   2. `--wheels DIR` files, fixed, installed as given;
//   3. the requirements, resolved by pip together with their dependencies, pure-Python wheels only;
//   4. a Pyodide index, for each package pip has no pure-Python wheel of that fits.
// A package two sources offer takes the first source's version; a different version elsewhere is one line.
import { isAbsolute, resolve } from "node:path";

/** PEP 503 name normalisation. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The project name at the start of a requirement (`Starlette[full]>=1 ; ...` → `starlette`), normalised. */
export function requirementName(requirement: string): string {
  return normalizeName(/^\s*[A-Za-z0-9._-]+/.exec(requirement)?.[0]?.trim() ?? requirement.trim());
}

/** The requirement names in a requirements file's text, lower-case, normalised; options and comments skipped. */
export function requirementNames(text: string): string[] {
  return text.split("\n")
    .map((line) => line.replace(/(^|\s)#.*/, "").trim())
    .filter((line) => line && !line.startsWith("-"))
    .map(requirementName);
}

/** A requirements-file option that names a path, and the path (`-r`, `-c`, `-f` and their long forms; `=` or a space). */
const PATH_OPTION = /^(\s*(-r|-c|-f|--requirement|--constraint|--find-links)(?:\s*=\s*|\s+))(\S+)/;

/** True for a URL (`https://...`, `file:///...`) rather than a path. */
const isURL = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/**
 * A requirements file's text as pip gets it from a copy in the cache: every line kept (options such as
 * `--index-url` and `--find-links` reach pip), with the relative paths of `-r`/`-c` made absolute against `base`
 * (the original file's folder, as pip resolves them) and those of `--find-links` too when `exists` says the path
 * is there (pip's own rule: relative to the file when it exists there, else to the working folder).
 * Also returns the paths `-r`/`-c` name, and the local `--find-links` folders (their listings key the cache).
 */
export function requirementsForPip(text: string, base: string, exists: (path: string) => boolean = () => true): { body: string; includes: string[]; findLinks: string[] } {
  const includes: string[] = [];
  const findLinks: string[] = [];
  const kept = text.split("\n").map((line) => {
    const option = PATH_OPTION.exec(line);
    if (!option) return line;
    const [, head, flag, value] = option as unknown as [string, string, string, string];
    const links = /^-(f|-find-links)$/.test(flag);
    if (isURL(value) || isAbsolute(value)) {
      if (!links) includes.push(value);
      else if (!isURL(value)) findLinks.push(value);
      return line;
    }
    const absolute = resolve(base, value);
    if (links) {
      if (!exists(absolute)) return line;
      findLinks.push(absolute);
    } else includes.push(absolute);
    return head + absolute + line.slice(option[0].length);
  });
  return { body: kept.join("\n"), includes, findLinks };
}

/** A wheel's project name (normalised) and version, from its file name (`pytest-9.1.1-py3-none-any.whl`). */
export function wheelNameVersion(file: string): { name: string; version: string } | undefined {
  const m = /^([^-/\\]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(file.replace(/^.*[/\\]/, ""));
  return m ? { name: normalizeName(m[1]!), version: m[2]! } : undefined;
}

/** The source a placeholder wheel stands for, as its build tag: fixed wheels, or the Pyodide index. */
export type PlaceholderSource = "fixed" | "pyodide";

/**
 * The file name of a placeholder wheel: metadata only, offered to pip so it resolves against a package another
 * source provides (a build tag marks it, and makes pip prefer it over the same version elsewhere).
 */
export function placeholderFile(name: string, version: string, source: PlaceholderSource): string {
  return `${name.replace(/[-_.]+/g, "_")}-${version}-0${source}-py3-none-any.whl`;
}

/** The source and name of a placeholder wheel's file name, or undefined for a real wheel. */
export function placeholderOf(file: string): { source: PlaceholderSource; name: string } | undefined {
  const m = /^([^-]+)-[^-]+-0(fixed|pyodide)-py3-none-any\.whl$/.exec(file.replace(/^.*[/\\]/, ""));
  return m ? { source: m[2] as PlaceholderSource, name: normalizeName(m[1]!) } : undefined;
}

/** The requirement pip found no distribution for (`No matching distribution found for coverage[toml]>=7`), or undefined. */
export function unmetRequirement(pipStderr: string): string | undefined {
  return /No matching distribution found for (\S+)/.exec(pipStderr)?.[1];
}

/** The versions pip saw of the requirement it could not meet (`(from versions: 1.0, 2.0)`; `none` → []). */
export function versionsSeen(pipStderr: string): string[] {
  const list = /\(from versions: ([^)]*)\)/.exec(pipStderr)?.[1]?.trim() ?? "none";
  return list === "none" ? [] : list.split(/,\s*/);
}

/** pip's error as one line: its last ERROR line, with the causes of a resolution conflict when it lists them. */
export function pipErrorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim());
  const causes: string[] = [];
  const at = lines.indexOf("The conflict is caused by:");
  if (at >= 0) for (const line of lines.slice(at + 1)) { if (!line) break; causes.push(line); }
  const errors = lines.filter((l) => l.startsWith("ERROR"));
  const shown = (causes.length ? errors.find((l) => !/ResolutionImpossible/.test(l)) : errors.at(-1)) ?? lines.filter((l) => l && !l.startsWith("WARNING")).at(-1) ?? "pip failed";
  return shown.replace(/^ERROR:\s*/, "") + (causes.length ? ` (${causes.join("; ")})` : "");
}

/** One package of a Pyodide index (an entry of its pyodide-lock.json). */
export interface IndexEntry {
  name: string;
  version: string;
  file_name: string;
  depends?: string[];
}

/**
 * What the precedence makes of a requirement pip could not meet (`requirement`, seen in `versions`): "index" when
 * the Pyodide index is to provide it (rule 4), else the one-line reason it cannot be had.
 */
export function unmetDecision(requirement: string, versions: readonly string[], sources: {
  fixed: ReadonlyMap<string, { version: string; source: string }>;
  index: ReadonlyMap<string, IndexEntry> | undefined;
  fromIndex: ReadonlySet<string>;
}): "index" | string {
  const name = requirementName(requirement);
  const fixed = sources.fixed.get(name);
  if (fixed) return `${requirement} cannot be had: ${name} is fixed at ${fixed.version} by ${fixed.source}`;
  const seen = versions.length ? `pip found ${versions.join(", ")}, none fits` : "pip found no pure-Python wheel of it";
  if (!sources.index) return `${requirement} cannot be had: ${seen} (compiled packages come from --pyodide-index)`;
  const entry = sources.index.get(name);
  if (!entry) return `${requirement} cannot be had: ${seen}, and the Pyodide index does not list ${name}`;
  if (sources.fromIndex.has(name)) return `${requirement} cannot be had: ${seen}, and the Pyodide index has ${name} ${entry.version}`;
  return "index";
}

/** The one-line note for a package pip resolved that the Pyodide index offers at another version (rule 3 before 4). */
export function indexConflict(name: string, version: string, index: ReadonlyMap<string, IndexEntry> | undefined): string | undefined {
  const entry = index?.get(name);
  if (!entry || entry.version === version) return undefined;
  return `${name} ${version} from pip, not the Pyodide index's ${entry.version} (pip's pure-Python wheels come before the index)`;
}
