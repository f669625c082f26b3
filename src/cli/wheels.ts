// The page's Python packages: pytest's locked wheels (fetched into a cache, like `npm ci`), the user's wheels and
// requirements (resolved with the host's pip to pure-Python wheels), and packages from a Pyodide package index.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, sha256File } from "../playwright/cache.js";

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
}

/** The Python the runner resolves wheels with, and the tags of Pyodide 314's interpreter. */
const PIP = { python: process.env.WSBRIDGE_PYTHON ?? "python3", pythonVersion: "3.14" };

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

/** The last meaningful line pip printed (its error), for one-line messages. */
function pipError(error: unknown): string {
  const e = error as { stderr?: Buffer | string; message?: string; code?: string };
  if (e.code === "ENOENT") return `${PIP.python} not found (set WSBRIDGE_PYTHON to a Python with pip)`;
  const text = String(e.stderr ?? e.message ?? error);
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("WARNING"));
  return (lines.filter((l) => l.startsWith("ERROR")).at(-1) ?? lines.at(-1) ?? "pip failed").replace(/^ERROR:\s*/, "");
}

/** Runs `pip download ARGS` into `dest` (pure-Python wheels for Pyodide's Python); throws pip's error line. */
function pipDownload(args: string[], dest: string): void {
  execFileSync(PIP.python, [
    "-m", "pip", "download", "--disable-pip-version-check", "--retries", "1", "--timeout", "30",
    "--only-binary=:all:", "--platform", "any", "--implementation", "py", "--python-version", PIP.pythonVersion, "--abi", "none",
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

/** The requirement names in a requirements file (for matching against a Pyodide index), lower-case, normalised. */
export function requirementNames(text: string): string[] {
  return text.split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line && !line.startsWith("-"))
    .map((line) => normalizeName(/^[A-Za-z0-9._-]+/.exec(line)?.[0] ?? line));
}

/** PEP 503 name normalisation. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Pure-Python wheels for a requirements file, resolved with dependencies by the host's pip and cached by the file's
 * content (so a later offline run reuses them). `skip` names requirements another source provides.
 */
export function resolveRequirements(file: string, skip: ReadonlySet<string>, env: NodeJS.ProcessEnv = process.env): string[] {
  const { body, includes } = requirementsForPip(readRequirements(file), dirname(resolve(file)), skip);
  if (requirementNames(body).length === 0 && includes.length === 0) return [];
  // The key covers the files `-r`/`-c` name too, so editing one of them fetches again.
  const hash = createHash("sha256").update(body);
  for (const text of includedTexts(includes)) hash.update("\0").update(text);
  const dest = join(cacheDir(env), "requirements", hash.digest("hex").slice(0, 16));
  if (!existsSync(join(dest, ".complete"))) {
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    const copy = join(dest, ".requirements.txt");
    writeFileSync(copy, body);
    try {
      pipDownload(["-r", copy], dest);
    } catch (error) {
      rmSync(dest, { recursive: true, force: true });
      throw new SetupError(`--requirements ${file}: ${pipError(error)} (pure-Python wheels only; compiled packages come from --pyodide-index)`);
    }
    writeFileSync(join(dest, ".complete"), new Date().toISOString());
  }
  return wheelsIn(dest);
}

/** `-r`/`-c` (and their long forms) at the start of a requirements line, and the path they name. */
const INCLUDE = /^(\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+))(\S+)/;

/**
 * A requirements file's text as pip gets it from the cache folder: lines naming a package in `skip` dropped,
 * options dropped except `-r`/`-c`, whose relative paths are made absolute against `base` (the folder of the
 * original file, which pip would have resolved them against). Also returns those absolute paths.
 */
export function requirementsForPip(text: string, base: string, skip: ReadonlySet<string>): { body: string; includes: string[] } {
  const includes: string[] = [];
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    const include = INCLUDE.exec(line);
    if (include) {
      const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(include[2]!) ? include[2]! : resolve(base, include[2]!);
      includes.push(target);
      kept.push(include[1] + target);
      continue;
    }
    const names = requirementNames(line);
    if (names.length === 0 ? !/^\s*-/.test(line) : !skip.has(names[0]!)) kept.push(line);
  }
  return { body: kept.join("\n"), includes };
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
    texts.push(text, ...includedTexts(requirementsForPip(text, dirname(path), new Set()).includes, seen));
  }
  return texts;
}

/** A requirements file's text, or a SetupError naming it. */
export function readRequirements(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new SetupError(`--requirements ${file}: no such file`);
  }
}

/** One package of a Pyodide index (pyodide-lock.json). */
interface IndexPackage {
  name: string;
  file_name: string;
  depends?: string[];
}

/** The file URLs (or paths) of `names` and their dependencies in a Pyodide package index (a folder or a URL). */
export async function pyodideIndexPackages(index: string, names: readonly string[]): Promise<{ urls: string[]; provided: Set<string> }> {
  const isURL = /^https?:\/\//.test(index);
  const lockPath = isURL ? new URL("pyodide-lock.json", index.endsWith("/") ? index : `${index}/`).href : join(index, "pyodide-lock.json");
  let lock: { packages: Record<string, IndexPackage> };
  try {
    lock = isURL ? await (await fetch(lockPath)).json() as typeof lock : JSON.parse(readFileSync(lockPath, "utf8"));
  } catch (error) {
    throw new SetupError(`--pyodide-index ${index}: cannot read ${lockPath} (${error instanceof Error ? error.message : String(error)})`);
  }
  const byName = new Map(Object.entries(lock.packages).map(([key, pkg]) => [normalizeName(pkg.name ?? key), pkg]));
  const provided = new Set<string>();
  const order: IndexPackage[] = [];
  const visit = (name: string) => {
    const key = normalizeName(name);
    const pkg = byName.get(key);
    if (!pkg || provided.has(key)) return;
    provided.add(key);
    for (const dep of pkg.depends ?? []) visit(dep);
    order.push(pkg);
  };
  for (const name of names) visit(name);
  const urls = order.map((pkg) => (isURL ? new URL(pkg.file_name, lockPath).href : join(index, basename(pkg.file_name))));
  return { urls, provided };
}
