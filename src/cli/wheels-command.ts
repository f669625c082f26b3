// `wsbridge wheels`: fetches the page's locked pytest wheels (and a requirements file's wheels) into the cache.
import { resolve } from "node:path";
import { findChromium } from "../playwright/browser.js";
import type { RunIO } from "./runner.js";
import { ensureCompiledStdlibAlone } from "./stdlib.js";
import { cacheDir, ensureLockedWheels, resolveRequirements, SetupError } from "./wheels.js";
import { findRootdir, wsbridgeSettings } from "./project.js";

export const WHEELS_HELP = `Usage: wsbridge wheels [--requirements FILE]

Fetches the wheels pytest needs in the page (python/page-wheels.lock.json: exact
versions, sha256 checked) with the host's pip into $WSBRIDGE_CACHE (default
~/.cache/wsbridge), and the pure-Python wheels of FILE (default: the project's
pyproject.toml [tool.wsbridge] requirements, as wsbridge test reads), so later
\`wsbridge test\` runs need no package index. With a Chromium at hand it also
compiles Pyodide's standard library to bytecode there (pages start faster).
Exit 0, or 4 with one line saying which wheel is missing.
`;

/** Runs `wsbridge wheels ARGS`; resolves to the exit code. */
export async function runWheelsCommand(argv: readonly string[], io: RunIO): Promise<number> {
  let requirements: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") { io.out(WHEELS_HELP); return 0; }
    if (arg === "--requirements" && i + 1 < argv.length) requirements = argv[++i];
    else if (arg.startsWith("--requirements=")) requirements = arg.slice("--requirements=".length);
    else { io.err(`wsbridge wheels: unknown argument ${JSON.stringify(arg)} (see wsbridge wheels --help)\n`); return 4; }
  }
  try {
    const files = ensureLockedWheels(io.env, (line) => io.err(`${line}\n`));
    // As `wsbridge test` does: without --requirements, the project's [tool.wsbridge] requirements.
    const file = requirements ? resolve(io.cwd, requirements) : wsbridgeSettings(findRootdir([], io.cwd).inifile).requirements;
    if (file) files.push(...resolveRequirements(file, new Set(), io.env));
    io.out(`wsbridge wheels: ${files.length} wheels ready in ${cacheDir(io.env)}\n`);
    if (await compileStdlib(io.env, (text) => io.err(`${text}\n`))) io.out(`wsbridge wheels: Pyodide's standard library compiled to bytecode in ${cacheDir(io.env)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SetupError) { io.err(`wsbridge wheels: ${error.message}\n`); return 4; }
    throw error;
  }
}

/** Makes the compiled stdlib (src/cli/stdlib.ts) when a Chromium can be found; false when there is none or it failed. */
async function compileStdlib(env: NodeJS.ProcessEnv, warn: (text: string) => void): Promise<boolean> {
  let executable: string;
  try {
    executable = findChromium(undefined, env);
  } catch {
    return false; // `wsbridge test` makes it on its first run instead
  }
  return (await ensureCompiledStdlibAlone(executable, env, { warn })) !== undefined;
}
