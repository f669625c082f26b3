// Command-line parsing for `wsbridge test` (pure: no I/O), so usage errors are unit-tested.

/** Thrown for a bad command line; the CLI prints its message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface TestOptions {
  paths: string[];
  browserPath?: string;
  junit?: string;
  k?: string;
  /** Per-test timeout in milliseconds. */
  timeout: number;
  help: boolean;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Options that take a value, by every spelling. */
const VALUE_OPTIONS: Record<string, "browserPath" | "junit" | "k" | "timeout"> = {
  "--browser-path": "browserPath",
  "--junit": "junit",
  "--junit-xml": "junit",
  "-k": "k",
  "--timeout": "timeout",
};

/** Parses the arguments after `test`: options anywhere, `--` ends them, `--opt=value` and `-kEXPR` work. */
export function parseTestArgs(argv: readonly string[]): TestOptions {
  const options: TestOptions = { paths: [], timeout: DEFAULT_TIMEOUT_MS, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") { options.paths.push(...argv.slice(i + 1)); break; }
    if (arg === "-h" || arg === "--help") { options.help = true; continue; }
    if (!arg.startsWith("-") || arg === "-") { options.paths.push(arg); continue; }
    let name = arg;
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) { name = arg.slice(0, eq); value = arg.slice(eq + 1); }
    else if (arg.startsWith("-k") && arg.length > 2) { name = "-k"; value = arg.slice(2); }
    const key = VALUE_OPTIONS[name];
    if (!key) throw new UsageError(`unknown option: ${name}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      value = argv[++i]!;
    }
    if (key === "timeout") {
      if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`--timeout needs a whole number of milliseconds above 0, got ${JSON.stringify(value)}`);
      options.timeout = Number(value);
    } else {
      if (value === "") throw new UsageError(`${name} needs a value`);
      options[key] = value;
    }
  }
  return options;
}
