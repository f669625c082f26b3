// `wsbridge wheels`: resolves the page's packages as `wsbridge test` does, fetching them into the cache (a CI pre-fetch).
import { resolve } from "node:path";
import { findChromium } from "../playwright/browser.js";
import type { RunIO } from "./runner.js";
import { ensureCompiledStdlibAlone } from "./stdlib.js";
import { resolvePagePackages, type PackageSources } from "./page-packages.js";
import { cacheDir, SetupError } from "./wheels.js";
import { findRootdir, wsbridgeSettings } from "./project.js";

export const WHEELS_HELP = `Usage: wsbridge wheels [--requirements FILE] [--wheels DIR] [--pyodide-index DIR|URL]

Resolves the page's packages exactly as \`wsbridge test\` does and fetches them
into $WSBRIDGE_CACHE (default ~/.cache/wsbridge), so later runs need no package
index: pytest's locked wheels (python/page-wheels.lock.json: exact versions,
sha256 checked), then the wheels of DIR, then FILE's requirements with their
dependencies (pure-Python wheels, by the host's pip), then the Pyodide index for
what pip has no pure-Python wheel of. Without options, the project's
pyproject.toml [tool.wsbridge] keys. With a Chromium at hand it also compiles
Pyodide's standard library to bytecode there (pages start faster).
Exit 0, or 4 with one line naming the wheel or requirement that cannot be had.
`;

/** wsbridge wheels' options, each `--opt VALUE` or `--opt=VALUE`. */
const OPTIONS = { "--requirements": "requirements", "--wheels": "wheels", "--pyodide-index": "pyodideIndex" } as const;

/** Runs `wsbridge wheels ARGS`; resolves to the exit code. */
export async function runWheelsCommand(argv: readonly string[], io: RunIO): Promise<number> {
  const given: PackageSources = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") { io.out(WHEELS_HELP); return 0; }
    const eq = arg.indexOf("=");
    const key = OPTIONS[(eq > 0 ? arg.slice(0, eq) : arg) as keyof typeof OPTIONS];
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (key === undefined) { io.err(`wsbridge wheels: unknown argument ${JSON.stringify(arg)} (see wsbridge wheels --help)\n`); return 4; }
    if (!value) { io.err(`wsbridge wheels: ${eq > 0 ? arg.slice(0, eq) : arg} needs a value\n`); return 4; }
    if (eq < 0) i++;
    given[key] = key === "pyodideIndex" && /^https?:/.test(value) ? value : resolve(io.cwd, value);
  }
  try {
    // As `wsbridge test` does: an option given wins over the project's [tool.wsbridge] key.
    const settings = wsbridgeSettings(findRootdir([], io.cwd).inifile);
    const sources = { requirements: given.requirements ?? settings.requirements, wheels: given.wheels ?? settings.wheels, pyodideIndex: given.pyodideIndex ?? settings.pyodideIndex };
    const packages = await resolvePagePackages(sources, io.env, (line) => io.err(`${line}\n`));
    const index = packages.pyodidePackages.length ? ` (and ${packages.pyodidePackages.length} from the Pyodide index)` : "";
    io.out(`wsbridge wheels: ${packages.wheelFiles.length} wheels ready in ${cacheDir(io.env)}${index}\n`);
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
