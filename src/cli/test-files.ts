// How many test files a run will have, guessed before pytest collects: with --workers N, worker pages start with
// the controller when the guess says there is work for them, instead of after the controller has started (a page
// costs a second to start). Only a guess: pytest decides, and pages its plan does not need are closed.
import { isAbsolute, posix, resolve } from "node:path";
import { globToRegExp, posix as posixPath } from "./project.js";

/** pytest's default `python_files`. */
export const DEFAULT_PYTHON_FILES = ["test_*.py", "*_test.py"];

/** pytest options (its own and common plugins') whose value is the next argument, so that argument is not a path. */
const VALUE_OPTIONS = new Set([
  "-k", "-m", "-p", "-o", "-c", "-W", "-r",
  "--rootdir", "--junitxml", "--junit-xml", "--junitprefix", "--basetemp", "--confcutdir", "--deselect", "--ignore",
  "--ignore-glob", "--override-ini", "--config-file", "--durations", "--durations-min", "--maxfail", "--tb",
  "--capture", "--import-mode", "--log-level", "--log-file", "--log-cli-level", "--log-format", "--log-date-format",
  "--cov", "--cov-report", "--cov-config", "--cov-fail-under", "--timeout", "--pythonwarnings", "--debug",
  "--show-capture", "--report-log", "--color", "--code-highlight", "--asyncio-mode",
]);

/** The arguments of `args` that name paths (positional ones, `::` test ids cut to their file), made absolute. */
export function pathArguments(args: readonly string[], cwd: string): string[] {
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") continue;
    if (arg.startsWith("-")) {
      if (VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    const path = arg.split("::")[0]!;
    paths.push(isAbsolute(path) ? resolve(path) : resolve(cwd, path));
  }
  return paths;
}

/**
 * The test files among `files` (the mirrored project's absolute POSIX paths) that pytest would collect for `args`
 * run in `cwd`: a named `.py` file counts whatever its name, a named folder (or `cwd`, when no path is named)
 * counts the files under it whose name matches `patterns`.
 */
export function countTestFiles(files: readonly string[], args: readonly string[], cwd: string, patterns: readonly string[] = DEFAULT_PYTHON_FILES): number {
  const matchers = patterns.filter((p) => !p.includes("/")).map(globToRegExp);
  const named = pathArguments(args, cwd).map(posixPath);
  const roots = named.length ? named : [posixPath(resolve(cwd))];
  const found = new Set<string>();
  for (const file of files) {
    for (const root of roots) {
      if (file === root ? file.endsWith(".py") : file.startsWith(`${root}/`) && matchers.some((m) => m.test(posix.basename(file)))) {
        found.add(file);
        break;
      }
    }
  }
  return found.size;
}
