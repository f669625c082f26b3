// `wsbridge test --cov`: pytest-cov runs in the pages (python/wsbridge/_coverage.py). Here: the check at start that
// the page has pytest-cov, and the files the controller's pytest-cov wrote (data file, reports) written on the host.
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { SetupError } from "./wheels.js";

/** True for one of pytest-cov's options (`--cov`, `--cov=PKG`, `--cov-report=…`, `--no-cov`…). */
export function isCoverageOption(arg: string): boolean {
  return /^--(no-)?cov(-[a-z-]+)?(=|$)/.test(arg);
}

/** True when one of the page's wheels (by file name or URL) is pytest-cov's. */
function hasPytestCov(wheels: readonly string[]): boolean {
  return wheels.some((wheel) => /^pytest[-_]cov-/i.test(basename(decodeURIComponent(wheel))));
}

/** Throws a one-line SetupError when pytest-cov's options are given and the page will not have pytest-cov. */
export function checkCoverage(pytestArgs: readonly string[], wheels: readonly string[]): void {
  const option = pytestArgs.find(isCoverageOption);
  if (option === undefined || hasPytestCov(wheels)) return;
  throw new SetupError(`${option.split("=")[0]} needs pytest-cov in the page: add pytest-cov to the page's requirements (--requirements FILE, or requirements = "FILE" under [tool.wsbridge] in pyproject.toml)`);
}

/** Writes the files the controller's pytest-cov wrote (absolute path → base64) at the same paths on the host. */
export function writeCoverageFiles(files: Readonly<Record<string, string>>, err: (line: string) => void): void {
  for (const [path, data] of Object.entries(files)) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.from(data, "base64"));
    } catch (error) {
      err(`wsbridge test: cannot write ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}
