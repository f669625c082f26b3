// The `wsbridge` command line: `wsbridge test ...` (and the list of commands in `--help`).
import { runTestCommand, interruptRun, EXIT, type RunIO } from "./runner.js";
import { runWheelsCommand } from "./wheels-command.js";
import { runDemoCommand } from "./demo.js";

export { runTestCommand, interruptRun, EXIT, TEST_HELP } from "./runner.js";

const VERSION = "0.1.0";

/** Commands, in the order `--help` lists them. */
const COMMANDS: Array<{ name: string; summary: string; run: (argv: string[], io: RunIO) => Promise<number> }> = [
  { name: "test", summary: "run real pytest in headless Chromium (options: wsbridge test --help)", run: runTestCommand },
  { name: "wheels", summary: "fetch the page's locked pytest wheels (and --requirements FILE) into the cache", run: runWheelsCommand },
  { name: "demo", summary: "serve the worker-based real-time demo on 127.0.0.1", run: runDemoCommand },
];

export const HELP = `Usage: wsbridge <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)}${c.summary}`).join("\n")}

Run \`wsbridge <command> --help\` for a command's options.
Options: -h, --help (this text), --version.
`;

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: RunIO = processIO()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    (command === undefined ? io.err : io.out)(HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === "--version" || command === "-V") { io.out(`wsbridge ${VERSION}\n`); return EXIT.ok; }
  const entry = COMMANDS.find((c) => c.name === command);
  if (!entry) {
    io.err(`wsbridge: unknown command ${JSON.stringify(command)}. Commands: ${COMMANDS.map((c) => c.name).join(", ")} (see wsbridge --help).\n`);
    return EXIT.usage;
  }
  return entry.run([...rest], io);
}

/** Real stdout/stderr, working folder and environment. */
export function processIO(): RunIO {
  return {
    out: (text) => void process.stdout.write(text),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
    err: (text) => void process.stderr.write(text),
    errIsTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
    exitsAfter: true,
    startedMono: 0, // the process's start: Node's own start-up is part of the time the user waits
  };
}
