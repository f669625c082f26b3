// Which Pyodide a `wsbridge test` run loads, decided before Chromium starts: `--pyodide DIR`, else `[tool.wsbridge]
// pyodide` in the rootdir's pyproject.toml (relative to it), else the bundled one. A folder that is no supported
// distribution is a usage error (exit 4) naming the rule (src/playwright/pyodide-release.ts).
import { pyodideRelease, PyodideReleaseError, type PyodideRelease } from "../playwright/pyodide-release.js";
import { UsageError, type TestOptions } from "./args.js";
import { findRootdir, wsbridgeSettings } from "./project.js";

/** The chosen release; UsageError naming the option or setting and what is wrong with its folder. */
export function choosePyodide(options: Pick<TestOptions, "pyodide" | "paths">, cwd: string): PyodideRelease {
  const fromSettings = options.pyodide === undefined ? wsbridgeSettings(findRootdir(options.paths, cwd).inifile).pyodide : undefined;
  const source = options.pyodide !== undefined ? `--pyodide ${options.pyodide}` : fromSettings !== undefined ? "[tool.wsbridge] pyodide" : undefined;
  try {
    return pyodideRelease(options.pyodide ?? fromSettings, cwd);
  } catch (error) {
    if (error instanceof PyodideReleaseError) throw new UsageError(source ? `${source}: ${error.message}` : error.message);
    throw error;
  }
}
