// Command-line parsing for `wsbridge test` (pure: no I/O): wsbridge's own options, and the rest handed to pytest.
import { BROWSER_NAMES, browserName, type BrowserName } from "../driver/driver.js";
import { traceOptionError } from "./ws-trace.js";

/** Thrown for a bad command line; the CLI prints its message and exits with pytest's usage code (4). */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface TestOptions {
  /** Everything that is not wsbridge's, in order, for pytest. */
  pytestArgs: string[];
  /** The positional arguments among `pytestArgs` (paths, `file.py::test`), as best pytest's options allow. */
  paths: string[];
  /** `pytestArgs` without the positional ones: what a worker page gets besides the test ids it runs. */
  optionArgs: string[];
  /** Per-test time limit in seconds (default 30). */
  timeout: number;
  /** Pages that run tests at once: a number, or "auto" (the number of cores); default 1, as pytest without -n. */
  workers?: number | "auto";
  /** `[index, total]` of `--shard i/n`, 1-based. */
  shard?: [number, number];
  /** `--browser`: the browser the pages run in (default chromium). */
  browser: BrowserName;
  browserPath?: string;
  requirements?: string;
  wheels?: string;
  pyodideIndex?: string;
  /** `--pyodide DIR`: the Pyodide distribution pages load (src/playwright/pyodide-release.ts); default the bundled one. */
  pyodide?: string;
  /** Seconds to wait for Pyodide and the packages to load in a page (default 120). */
  loadTimeout: number;
  help: boolean;
  /** `--watch`: rerun on every save (src/cli/watch.ts). */
  watch: boolean;
  /** `--pyscript`: pages where PyScript's `pyscript` package works, with the project's PyScript config (src/cli/pyscript.ts). */
  pyscript?: boolean;
  /** `--ws-trace on|off|retain-on-failure`, `--record-har DIR`, `--replay-har DIR` (src/cli/ws-trace.ts). */
  wsTrace?: string;
  recordHar?: string;
  replayHar?: string;
  /** `--headed`: Chromium shows its windows (for DevTools); `--slowmo MS`: Playwright waits MS before each of its calls. */
  headed?: boolean;
  slowMo?: number;
}

export const DEFAULT_TIMEOUT_S = 30;
export const DEFAULT_LOAD_TIMEOUT_S = 120;

type ValueKey = "browser" | "timeout" | "workers" | "shard" | "browserPath" | "requirements" | "wheels" | "pyodideIndex" | "pyodide" | "loadTimeout" | "wsTrace" | "recordHar" | "replayHar" | "slowMo";

/** wsbridge's options that take a value. */
const OWN_OPTIONS: Record<string, ValueKey> = {
  "--timeout": "timeout",
  "--workers": "workers",
  "--shard": "shard",
  "--browser": "browser",
  "--browser-path": "browserPath",
  "--requirements": "requirements",
  "--wheels": "wheels",
  "--pyodide-index": "pyodideIndex",
  "--pyodide": "pyodide",
  "--load-timeout": "loadTimeout",
  "--ws-trace": "wsTrace",
  "--record-har": "recordHar",
  "--replay-har": "replayHar",
  "--slowmo": "slowMo",
};

/** pytest's options that take a separate value, so that value is not mistaken for a path. */
const PYTEST_VALUE_OPTIONS = new Set([
  "-k", "-m", "-c", "-p", "-o", "-W", "-r", "--maxfail", "--tb", "--durations", "--durations-min", "--junitxml",
  "--junit-xml", "--junit-prefix", "--rootdir", "--basetemp", "--confcutdir", "--capture", "--color", "--deselect",
  "--ignore", "--ignore-glob", "--log-level", "--log-format", "--log-date-format", "--log-cli-level",
  "--log-cli-format", "--log-cli-date-format", "--log-file", "--log-file-level", "--log-file-format",
  "--log-file-date-format", "--import-mode", "--override-ini", "--pythonwarnings", "--last-failed-no-failures",
  "--lfnf", "--code-highlight", "--doctest-glob", "--show-capture", "--assert", "--inifile", "--config-file",
  "--verbosity", "--report-chars", "--cache-show", "--disable-plugin-autoload",
]);

/** A positive whole number, or a UsageError naming the option and the rule. */
function wholeNumber(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} needs a whole number of at least ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A number of seconds above 0 (fractions allowed). */
function seconds(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${name} needs a number of seconds above 0, got ${JSON.stringify(value)}`);
  return n;
}

/** `i/n` with 1 <= i <= n. */
export function parseShard(value: string): [number, number] {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) throw new UsageError(`--shard needs INDEX/TOTAL (e.g. 1/3), got ${JSON.stringify(value)}`);
  const [index, total] = [Number(match[1]), Number(match[2])];
  if (total < 1 || index < 1 || index > total) throw new UsageError(`--shard ${value}: INDEX must be between 1 and TOTAL (${total})`);
  return [index, total];
}

/** pytest-xdist's process options (`-n 2`, `-n2`, `-nauto`, `--numprocesses`, `--dist`): the option's name, or undefined. */
export function xdistOption(arg: string): string | undefined {
  if (/^-n(\d+|auto|logical)?$/.test(arg)) return "-n";
  const name = arg.split("=")[0]!;
  return ["--numprocesses", "--dist", "--maxprocesses", "--tx"].includes(name) ? name : undefined;
}

/** `--browser`'s value: one of BROWSER_NAMES. */
function parseBrowser(value: string): BrowserName {
  const name = browserName(value);
  if (!name) throw new UsageError(`--browser needs one of ${BROWSER_NAMES.join(", ")}, got ${JSON.stringify(value)}`);
  return name;
}

/** Parses the arguments after `test`: wsbridge's options (`--opt value` or `--opt=value`) anywhere; the rest is pytest's. */
export function parseTestArgs(argv: readonly string[]): TestOptions {
  const options: TestOptions = { pytestArgs: [], paths: [], optionArgs: [], timeout: DEFAULT_TIMEOUT_S, loadTimeout: DEFAULT_LOAD_TIMEOUT_S, help: false, watch: false, browser: "chromium" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      const rest = argv.slice(i + 1);
      options.pytestArgs.push(...rest);
      options.paths.push(...rest);
      break;
    }
    if (arg === "-h" || arg === "--help") { options.help = true; continue; }
    if (arg === "--watch") { options.watch = true; continue; }
    if (arg === "--pyscript") { options.pyscript = true; continue; }
    if (arg === "--headed") { options.headed = true; continue; }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = OWN_OPTIONS[name];
    if (key === undefined) {
      const xdist = xdistOption(arg);
      if (xdist) throw new UsageError(`${xdist} is pytest-xdist's option, which cannot run in a page (it starts processes); wsbridge test runs files in parallel pages with --workers N (or --workers auto)`);
      options.pytestArgs.push(arg);
      if (!arg.startsWith("-") || arg === "-") { options.paths.push(arg); continue; }
      options.optionArgs.push(arg);
      if (eq < 0 && PYTEST_VALUE_OPTIONS.has(arg) && i + 1 < argv.length) {
        options.pytestArgs.push(argv[++i]!);
        options.optionArgs.push(argv[i]!);
      }
      continue;
    }
    let value = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      value = argv[++i]!;
    }
    if (value === "") throw new UsageError(`${name} needs a value`);
    switch (key) {
      case "timeout": options.timeout = seconds(name, value); break;
      case "loadTimeout": options.loadTimeout = seconds(name, value); break;
      case "workers": options.workers = value === "auto" ? "auto" : wholeNumber(name, value, 1); break;
      case "shard": options.shard = parseShard(value); break;
      case "browser": options.browser = parseBrowser(value); break;
      case "slowMo": options.slowMo = wholeNumber(name, value, 0); break;
      default: options[key] = value;
    }
  }
  const traceError = traceOptionError(options);
  if (traceError) throw new UsageError(traceError);
  return options;
}
