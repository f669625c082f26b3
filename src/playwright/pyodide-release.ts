// Which Pyodide distribution pages load, and what follows from its release: the Python version (site-packages path,
// the wheels' Requires-Python), the name of its Emscripten module (pyodide.asm.js up to 0.29, pyodide.asm.mjs from 314)
// and what it lacks. The bundled npm `pyodide` is the default; `wsbridge test --pyodide DIR`, `[tool.wsbridge] pyodide`
// and `attachPython(page, { pyodide: DIR })` name another. Everything keyed by the Pyodide (the compiled stdlib, the
// page snapshot, the snapshot-restore patch) takes its folder from here.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";

/** A supported release series, what Python it carries and what it lacks against the newest (shown in messages and the README). */
export interface ReleaseSeries {
  /** The version's leading part, e.g. "0.28" or "314". */
  series: string;
  python: string;
  lacks: readonly string[];
}

/** The supported releases, oldest first (measured in real pages: /work/shared/notes/pyodide-releases.md). */
export const SUPPORTED_RELEASES: readonly ReleaseSeries[] = [
  { series: "0.27", python: "3.12", lacks: ["pyodide.ffi.jsnull (JS null arrives as None)", "JsBigInt"] },
  { series: "0.28", python: "3.13", lacks: ["JsBigInt"] },
  { series: "0.29", python: "3.13", lacks: ["JsBigInt"] },
  { series: "314", python: "3.14", lacks: [] },
];

/** One Pyodide distribution folder, checked. */
export interface PyodideRelease {
  /** Absolute folder holding pyodide.mjs. */
  dir: string;
  /** Its package.json version, e.g. "0.28.3". */
  version: string;
  /** "3.12", "3.13" or "3.14": from its pyodide-lock.json. */
  python: string;
  /** Its Emscripten module's file name: where the snapshot-restore statement lives. */
  asm: "pyodide.asm.js" | "pyodide.asm.mjs";
  /** Where wheels are unpacked in the page: `/lib/python3.X/site-packages`. */
  sitePackages: string;
  /** Its series in SUPPORTED_RELEASES. */
  series: ReleaseSeries;
}

/** A folder that is no supported Pyodide distribution: one line naming the rule. */
export class PyodideReleaseError extends Error {
  override name = "PyodideReleaseError";
}

/** The folder of the npm `pyodide` package wsbridge is installed with. */
export function bundledPyodideDir(): string {
  return dirname(createRequire(import.meta.url).resolve("pyodide/package.json"));
}

/** The supported range in words, for messages. */
export function supportedRange(): string {
  return SUPPORTED_RELEASES.map((r) => `${r.series}.x`).join(", ");
}

const checked = new Map<string, PyodideRelease>();

/**
 * The release in `dir` (default: the bundled one): a folder with pyodide.mjs, its Emscripten module, package.json and
 * pyodide-lock.json, of a supported series. An npm install folder (holding `node_modules/pyodide`) is taken too.
 * Throws PyodideReleaseError naming what is wrong.
 */
export function pyodideRelease(dir?: string, cwd = process.cwd()): PyodideRelease {
  const asked = dir === undefined ? bundledPyodideDir() : resolve(cwd, dir);
  const known = checked.get(asked);
  if (known) return known;
  const folder = !existsSync(join(asked, "pyodide.mjs")) && existsSync(join(asked, "node_modules", "pyodide", "pyodide.mjs")) ? join(asked, "node_modules", "pyodide") : asked;
  const where = `the Pyodide folder ${asked}`;
  if (!existsSync(folder)) throw new PyodideReleaseError(`${where} does not exist`);
  if (!existsSync(join(folder, "pyodide.mjs"))) throw new PyodideReleaseError(`${where} has no pyodide.mjs; name the folder of an npm pyodide package, e.g. node_modules/pyodide`);
  const version = jsonField(join(folder, "package.json"), (j) => (j as { version?: unknown }).version, where);
  const series = SUPPORTED_RELEASES.find((r) => version.startsWith(`${r.series}.`));
  if (!series || /-/.test(version)) throw new PyodideReleaseError(`${where} holds Pyodide ${version}, which wsbridge does not support (supported: ${supportedRange()})`);
  const full = jsonField(join(folder, "pyodide-lock.json"), (j) => (j as { info?: { python?: unknown } }).info?.python, where);
  const python = full.split(".").slice(0, 2).join(".");
  const asm = existsSync(join(folder, "pyodide.asm.mjs")) ? "pyodide.asm.mjs" : "pyodide.asm.js";
  for (const file of [asm, "pyodide.asm.wasm", "python_stdlib.zip"]) {
    if (!existsSync(join(folder, file))) throw new PyodideReleaseError(`${where} has no ${file} (an incomplete Pyodide ${version})`);
  }
  const release: PyodideRelease = { dir: folder, version, python, asm, sitePackages: `/lib/python${python}/site-packages`, series };
  checked.set(asked, release);
  return release;
}

/** A string field of a JSON file, or PyodideReleaseError naming the file. */
function jsonField(file: string, pick: (json: unknown) => unknown, where: string): string {
  let value: unknown;
  try {
    value = pick(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    throw new PyodideReleaseError(`${where}: ${basename(file)} ${existsSync(file) ? "is not valid JSON" : "is missing"}`);
  }
  if (typeof value !== "string" || !value) throw new PyodideReleaseError(`${where}: ${basename(file)} names no version`);
  return value;
}

/** True when a `Requires-Python` specifier such as ">=3.10" or ">=3.9,<3.14" admits Python `version` ("3.12"). */
export function admitsPython(specifier: string, version: string): boolean {
  const have = version.split(".").map(Number);
  return specifier.split(",").map((s) => s.trim()).filter(Boolean).every((clause) => {
    const m = /^(>=|<=|==|!=|>|<|~=)\s*([\d.]+)(\.\*)?$/.exec(clause);
    if (!m) return true; // a form the lock does not use: pip decided when it was locked
    const want = m[2]!.split(".").map(Number);
    const cmp = compare(have.slice(0, Math.max(2, want.length)), want);
    switch (m[1]) {
      case ">=": case "~=": return cmp >= 0;
      case "<=": return cmp <= 0;
      case ">": return cmp > 0;
      case "<": return cmp < 0;
      case "==": return m[3] ? compare(have.slice(0, want.length), want) === 0 : cmp === 0;
      default: return cmp !== 0;
    }
  });
}

/** Compares two version tuples, missing parts as 0. */
function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}
