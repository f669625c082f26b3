// The page's packages resolved as one set, the same for `wsbridge test` and `wsbridge wheels`. The precedence
// (src/cli/requirements.ts): the locked pytest wheels, then `--wheels` files, both fixed; then the requirements,
// resolved by the host's pip with their dependencies (pure-Python wheels); then a Pyodide index for what pip has no
// pure-Python wheel of that fits. pip is the one resolver: the fixed wheels and the index's packages are offered to
// it as placeholder wheels (metadata only), so a dependency of a requirement can come from any source.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { cacheDir } from "../playwright/cache.js";
import { admitsPython } from "../playwright/pyodide-release.js";
import {
  indexConflict, placeholderFile, placeholderOf, pipErrorLine, requirementNames, requirementsForPip, unmetDecision,
  unmetRequirement, versionsSeen, wheelNameVersion, type IndexEntry,
} from "./requirements.js";
import { checkIndexFiles, ensureLockedWheels, indexFile, lockedWheels, PIP, pipDownload, pipStderr, readPyodideIndex, readRequirements, SetupError, wheelsIn } from "./wheels.js";

/** Where the page's packages come from: absolute paths (the index may be a URL), each optional. */
export interface PackageSources {
  requirements?: string | undefined;
  wheels?: string | undefined;
  pyodideIndex?: string | undefined;
  /** The page's Python version ("3.13"): the chosen Pyodide's (default: the bundled one's, PIP.pythonVersion). */
  python?: string | undefined;
}

/** The resolved set: wheel files unpacked into site-packages, files (or URLs) for `pyodide.loadPackage`. */
export interface PagePackages {
  wheelFiles: string[];
  pyodidePackages: string[];
}

/** What a resolution keeps in the cache beside pip's wheels. */
interface Resolution {
  /** Normalised names the Pyodide index provides. */
  index: string[];
  /** One line each: a package two sources offer at different versions, and which one the rule took. */
  notes: string[];
}

/** Bumped when the resolution changes, so an entry made the old way is resolved again. */
const RESOLUTION_FORMAT = 2;

/** A fixed wheel: its file, and the source named in messages. */
interface Fixed {
  file: string;
  version: string;
  source: string;
}

/**
 * Resolves the page's packages; `log` gets one line per conflict between sources (every run, cached or not).
 * Throws a SetupError naming the requirement or file that cannot be had.
 */
export async function resolvePagePackages(sources: PackageSources, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<PagePackages> {
  const fixed = new Map<string, Fixed>();
  const python = sources.python ?? PIP.pythonVersion;
  const unfit = lockedWheels().find((w) => w.requires_python && !admitsPython(w.requires_python, python));
  if (unfit) throw new SetupError(`the locked ${unfit.file} needs Python ${unfit.requires_python}, and the chosen Pyodide has Python ${python}`);
  const locked = ensureLockedWheels(env, log);
  lockedWheels().forEach((w, i) => fixed.set(w.name, { file: locked[i]!, version: w.version, source: "wsbridge's lock (python/page-wheels.lock.json)" }));
  for (const file of sources.wheels ? wheelsIn(sources.wheels) : []) {
    const parsed = wheelNameVersion(file);
    if (!parsed) throw new SetupError(`--wheels ${sources.wheels}: ${basename(file)} is not a wheel file name (NAME-VERSION-PY-ABI-PLATFORM.whl)`);
    const first = fixed.get(parsed.name);
    if (first) { log(`wsbridge: ${basename(file)} left out: ${parsed.name} is fixed at ${first.version} by ${first.source}`); continue; }
    fixed.set(parsed.name, { file, version: parsed.version, source: `--wheels ${sources.wheels}` });
  }
  const wheelFiles = [...fixed.values()].map((f) => f.file);
  if (!sources.requirements) return { wheelFiles, pyodidePackages: [] };
  const index = sources.pyodideIndex ? await readPyodideIndex(sources.pyodideIndex) : undefined;
  const { dir, resolution } = resolveWithPip(sources.requirements, fixed, index, env, python);
  for (const note of resolution.notes) log(`wsbridge: ${note}`);
  const entries = resolution.index.map((name) => index?.packages.get(name)).filter((e): e is IndexEntry => e !== undefined);
  if (sources.pyodideIndex) await checkIndexFiles(sources.pyodideIndex, entries);
  return { wheelFiles: [...wheelFiles, ...wheelsIn(dir)], pyodidePackages: entries.map((e) => indexFile(sources.pyodideIndex!, e)) };
}

/**
 * pip's wheels for `file` in the cache (keyed by everything that goes into the resolution), resolving on a miss:
 * pip runs with the fixed wheels pinned and offered as placeholders; each requirement it cannot meet is taken from
 * the index when the precedence says so, and pip runs again with that package offered, until it succeeds.
 */
function resolveWithPip(file: string, fixed: ReadonlyMap<string, Fixed>, index: { packages: Map<string, IndexEntry>; text: string } | undefined, env: NodeJS.ProcessEnv, python: string): { dir: string; resolution: Resolution } {
  const { body, includes, findLinks } = requirementsForPip(readRequirements(file), dirname(resolve(file)), existsSync);
  const pins = [...fixed].map(([name, f]) => `${name}==${f.version}`).join("\n");
  // The Python version keys it only when it is not the bundled one's, so existing entries stay valid.
  const hash = createHash("sha256").update(`${RESOLUTION_FORMAT}\0${body}\0${pins}\0${index?.text ?? ""}${python === PIP.pythonVersion ? "" : `\0python ${python}`}`);
  // The files `-r`/`-c` name and the local --find-links folders' listings key it too: editing either resolves again.
  for (const text of includedTexts(includes)) hash.update("\0").update(text);
  for (const folder of findLinks) hash.update("\0").update(listing(folder));
  const dest = join(cacheDir(env), "requirements", hash.digest("hex").slice(0, 16));
  const saved = join(dest, "resolution.json");
  if (existsSync(saved)) return { dir: dest, resolution: JSON.parse(readFileSync(saved, "utf8")) as Resolution };
  if (requirementNames(body).length === 0 && includes.length === 0) return { dir: emptyEntry(dest), resolution: { index: [], notes: [] } };
  const work = `${dest}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const [placeholders, out] = [join(work, "placeholders"), join(work, "wheels")];
  mkdirSync(placeholders, { recursive: true });
  writeFileSync(join(work, "requirements.txt"), body);
  writeFileSync(join(work, "pins.txt"), `${pins}\n`);
  writePlaceholders(placeholders, [...fixed].map(([name, f]) => ({ file: placeholderFile(name, f.version, "fixed"), name, version: f.version, requires: [] })));
  const fromIndex = new Set<string>();
  try {
    for (;;) {
      rmSync(out, { recursive: true, force: true });
      try {
        pipDownload(["-r", join(work, "requirements.txt"), "-c", join(work, "pins.txt"), "--find-links", placeholders], out, python);
        break;
      } catch (error) {
        const stderr = pipStderr(error);
        const unmet = unmetRequirement(stderr);
        if (!unmet) throw new SetupError(`--requirements ${file}: ${pipErrorLine(stderr)}`);
        const decision = unmetDecision(unmet, versionsSeen(stderr).filter((v) => !isIndexPlaceholder(unmet, v, index, fromIndex)), { fixed, index: index?.packages, fromIndex });
        if (decision !== "index") throw new SetupError(`--requirements ${file}: ${decision}`);
        const entry = index!.packages.get(unmetName(unmet))!;
        fromIndex.add(entry.name);
        writePlaceholders(placeholders, [{ file: placeholderFile(entry.name, entry.version, "pyodide"), name: entry.name, version: entry.version, requires: entry.depends ?? [] }]);
      }
    }
    const notes: string[] = [];
    const taken: string[] = [];
    for (const name of readdirSync(out)) {
      const placeholder = placeholderOf(name);
      if (placeholder?.source === "pyodide") taken.push(placeholder.name);
      if (placeholder || !name.endsWith(".whl")) { rmSync(join(out, name)); continue; }
      const got = wheelNameVersion(name);
      if (got && fixed.has(got.name)) { rmSync(join(out, name)); continue; } // the fixed file itself is installed
      const note = got && indexConflict(got.name, got.version, index?.packages);
      if (note) notes.push(note);
    }
    const resolution: Resolution = { index: taken.sort(), notes };
    writeFileSync(join(out, "resolution.json"), JSON.stringify(resolution, null, 1));
    rmSync(dest, { recursive: true, force: true });
    renameSync(out, dest);
    return { dir: dest, resolution };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The normalised name of a requirement pip could not meet. */
const unmetName = (requirement: string) => requirementNames(requirement)[0] ?? requirement;

/** True when `version` is the placeholder of a package already taken from the index (not a version pip has). */
function isIndexPlaceholder(requirement: string, version: string, index: { packages: Map<string, IndexEntry> } | undefined, fromIndex: ReadonlySet<string>): boolean {
  const name = unmetName(requirement);
  return fromIndex.has(name) && index?.packages.get(name)?.version === version;
}

/** A cache entry with no wheels (a requirements file that names nothing). */
function emptyEntry(dest: string): string {
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, "resolution.json"), JSON.stringify({ index: [], notes: [] }));
  return dest;
}

/** A placeholder wheel to write: its file name, project name, version and `Requires-Dist` names. */
interface Placeholder {
  file: string;
  name: string;
  version: string;
  requires: string[];
}

/** Writes metadata-only wheels (METADATA, WHEEL, RECORD) into `dir` with the host's Python, which runs pip anyway. */
function writePlaceholders(dir: string, wheels: readonly Placeholder[]): void {
  const script = `import json, sys, zipfile
for w in json.load(sys.stdin):
    info = w["file"].split("-")[0] + "-" + w["version"] + ".dist-info/"
    meta = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (w["name"], w["version"]) + "".join("Requires-Dist: %s\\n" % r for r in w["requires"])
    with zipfile.ZipFile(sys.argv[1] + "/" + w["file"], "w") as z:
        z.writestr(info + "METADATA", meta)
        z.writestr(info + "WHEEL", "Wheel-Version: 1.0\\nGenerator: wsbridge\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
        z.writestr(info + "RECORD", "")
`;
  execFileSync(PIP.python, ["-c", script, dir], { input: JSON.stringify(wheels), stdio: ["pipe", "pipe", "pipe"] });
}

/** A folder's file names and sizes, one a line (a local --find-links folder, for the cache key); empty when missing. */
function listing(folder: string): string {
  try {
    return readdirSync(folder).sort().map((name) => `${name} ${statSync(join(folder, name)).size}`).join("\n");
  } catch {
    return "";
  }
}

/** The texts of included requirements files and of the files they include in turn (each once; URLs and missing files skipped: pip reports them). */
function includedTexts(paths: readonly string[], seen = new Set<string>()): string[] {
  const texts: string[] = [];
  for (const path of paths) {
    if (seen.has(path) || !isAbsolute(path)) continue;
    seen.add(path);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue;
    }
    texts.push(text, ...includedTexts(requirementsForPip(text, dirname(path)).includes, seen));
  }
  return texts;
}
