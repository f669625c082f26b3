// `wsbridge test --pyscript`, on the host: finds `@pyscript/core` and the project's PyScript config, says what the
// static server mounts for them, and makes the options each page gets (src/pyodide/pyscript-page.ts applies them).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import type { PyScriptPageOptions } from "../pyodide/pyscript-page.js";
import { shown } from "./project.js";
import { SetupError } from "./wheels.js";

/** Config files looked for in the rootdir when none is named, in this order (one of them at most). */
export const CONFIG_NAMES = ["pyscript.toml", "pyscript.json"] as const;

/** What a run with --pyscript serves and sends. */
export interface PyScriptProject {
  /** `@pyscript/core/dist` (mounted as `pyscript/`). */
  coreDir: string;
  /** The folder mounted as `app/`: the rootdir, or the config's folder when the config lies outside it. */
  appDir: string;
  /** The config file, read; absent when the project has none. */
  config?: { file: string; text: string; format: "json" | "toml" };
}

/** Finds `@pyscript/core` and the config (`named`: a path from `[tool.wsbridge] pyscript`); a SetupError says what is wrong. */
export function findPyScript(rootdir: string, cwd: string, named?: string): PyScriptProject {
  const coreDir = findCore([rootdir, cwd]);
  const file = named ?? findConfig(rootdir, cwd);
  if (!file) return { coreDir, appDir: rootdir };
  const format = file.endsWith(".json") ? "json" : file.endsWith(".toml") ? "toml" : undefined;
  if (!format) throw new SetupError(`--pyscript: ${shown(file, cwd)}: a PyScript config is a .toml or .json file`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SetupError(`--pyscript: cannot read ${shown(file, cwd)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (format === "json") {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the config must be an object");
    } catch (error) {
      throw new SetupError(`--pyscript: ${shown(file, cwd)}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const inside = !relative(rootdir, file).startsWith("..");
  return { coreDir, appDir: inside ? rootdir : dirname(file), config: { file, text, format } };
}

/** The options a page gets, for a static server at `baseURL` that mounts `pyscript/` and `app/` as `mounts()` says. */
export function pageOptions(project: PyScriptProject, baseURL: string, cwd: string): PyScriptPageOptions {
  const config = project.config;
  return {
    coreURL: `${baseURL}pyscript/core.js`,
    interpreterURL: `${baseURL}pyodide/pyodide.mjs`,
    appURL: `${baseURL}app/`,
    config: config
      ? { text: config.text, format: config.format, name: shown(config.file, cwd), url: `${baseURL}app/${relative(project.appDir, config.file).split(sep).map(encodeURIComponent).join("/")}` }
      : null,
  };
}

/** The static server's mounts for PyScript and the project's files that the config names. */
export function mounts(project: PyScriptProject): Record<string, string> {
  return { pyscript: project.coreDir, app: project.appDir };
}

/** The one config file in the rootdir, or undefined; two of them is an error (name one in pyproject.toml). */
function findConfig(rootdir: string, cwd: string): string | undefined {
  const found = CONFIG_NAMES.map((name) => join(rootdir, name)).filter((file) => existsSync(file));
  if (found.length > 1) throw new SetupError(`--pyscript: both ${found.map((f) => shown(f, cwd)).join(" and ")} exist: name one with [tool.wsbridge] pyscript = "..." in pyproject.toml`);
  return found[0];
}

/** `@pyscript/core/dist` as the project resolves it (from the rootdir or the working folder), else wsbridge's own. */
function findCore(from: readonly string[]): string {
  for (const dir of [...from.map((d) => join(d, "package.json")), import.meta.url]) {
    try {
      const dist = join(dirname(createRequire(dir).resolve("@pyscript/core/package.json")), "dist");
      if (existsSync(join(dist, "core.js"))) return dist;
    } catch {
      // not installed there: try the next place
    }
  }
  throw new SetupError("--pyscript needs the npm package @pyscript/core (npm install --save-dev @pyscript/core)");
}
