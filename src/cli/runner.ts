// `wsbridge test`: runs Python test files in headless Chromium, one fresh page per file, one browser per run.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { attachPython, PythonError, type PythonHandle } from "../playwright/attach.js";
import { findChromium, launchChromium, BrowserNotFoundError } from "../playwright/browser.js";
import { startStaticServer, type StaticServer } from "../playwright/static-server.js";
import { startTestServer, type TestServer } from "../playwright/test-server.js";
import { parseTestArgs, UsageError, type TestOptions } from "./args.js";
import { discoverTestFiles, DiscoveryError, type TestFile } from "./discover.js";
import { compileK, KExpressionError } from "./kexpr.js";
import { junitXml, type TestResult } from "./junit.js";

/** Exit codes of `wsbridge test` (also listed in `--help`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** Extra milliseconds the Node side waits past `--timeout` before it declares the page blocked. */
const BLOCKED_GRACE_MS = 3_000;
/** Limits for copying a test file's folder into the page (Pyodide's in-memory file system). */
const MIRROR = { maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 16 * 1024 * 1024, maxFiles: 2_000 };
const MIRROR_SKIP = new Set(["node_modules", "__pycache__", "venv", "dist", "build"]);

export interface RunIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Runs `wsbridge test ARGS`; resolves to the exit code. */
export async function runTestCommand(argv: readonly string[], io: RunIO): Promise<number> {
  let options: TestOptions;
  let select: (id: string) => boolean = () => true;
  let files: TestFile[];
  try {
    options = parseTestArgs(argv);
    if (options.help) { io.out(TEST_HELP); return EXIT.ok; }
    if (options.k !== undefined) select = compileK(options.k);
    files = discoverTestFiles(options.paths, io.cwd);
  } catch (error) {
    if (error instanceof UsageError || error instanceof KExpressionError || error instanceof DiscoveryError) {
      io.err(`wsbridge test: ${error.message}\nRun \`wsbridge test --help\` for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (files.length === 0) {
    io.err(`wsbridge test: no test files (test_*.py) found in ${options.paths.length ? options.paths.join(" ") : "."}\n`);
    io.out("0 passed, 0 failed\n");
    return EXIT.usage;
  }
  let executable: string;
  try {
    executable = findChromium(options.browserPath, io.env);
  } catch (error) {
    if (error instanceof BrowserNotFoundError) { io.err(`wsbridge test: ${error.message}\n`); return EXIT.usage; }
    throw error;
  }

  const started = new Date().toISOString();
  const session = new Session(options, io, select);
  try {
    await session.start(executable);
  } catch (error) {
    await session.stop();
    io.err(`wsbridge test: could not start Chromium at ${executable}: ${message(error).split("\n")[0]}\n`);
    return EXIT.usage;
  }
  try {
    for (const file of files) await session.runFile(file);
  } catch (error) {
    io.err(`wsbridge test: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    await session.stop();
    return EXIT.internal;
  }
  await session.stop();
  const results = session.results;

  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  let junitFailed = false;
  if (options.junit) {
    const target = resolve(io.cwd, options.junit);
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, junitXml(results, started));
    } catch (error) {
      io.err(`wsbridge test: cannot write the JUnit report ${options.junit}: ${message(error)}\n`);
      junitFailed = true;
    }
  }
  if (failed > 0) {
    io.out(`\nFailed:\n`);
    for (const r of results) if (!r.passed) io.out(`  ${testId(r)}\n`);
  }
  if (results.length === 0) {
    io.err(`wsbridge test: no tests ran${options.k !== undefined ? ` (-k ${JSON.stringify(options.k)} matched none)` : " (no test_* functions found)"}\n`);
    io.out("0 passed, 0 failed\n");
    return EXIT.usage;
  }
  io.out(`${passed} passed, ${failed} failed\n`);
  return junitFailed ? EXIT.usage : failed > 0 ? EXIT.failed : EXIT.ok;
}

const testId = (r: { file: string; name: string }) => (r.name ? `${r.file}::${r.name}` : r.file);

/** Indents every line of `text` by four spaces. */
const indent = (text: string) => text.replace(/\s+$/, "").split("\n").map((l) => `    ${l}`).join("\n") + "\n";

/** One run: the browser, the servers, and the page of the file being run. */
class Session {
  results: TestResult[] = [];
  private browser?: Browser;
  private staticServer?: StaticServer;
  private testServer?: TestServer;
  private context?: BrowserContext;
  private page?: Page;
  private py?: PythonHandle;
  private output: string[] = [];
  private mirrors = new Map<string, Record<string, string>>();

  constructor(private options: TestOptions, private io: RunIO, private select: (id: string) => boolean) {}

  async start(executable: string): Promise<void> {
    [this.staticServer, this.testServer] = await Promise.all([startStaticServer(), startTestServer()]);
    this.browser = await launchChromium(executable);
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    await this.testServer?.close().catch(() => undefined);
    await this.staticServer?.close().catch(() => undefined);
  }

  /** Opens a fresh context and page with Pyodide, the test files and the environment in place. */
  private async openPage(file: TestFile): Promise<PythonHandle> {
    await this.closePage();
    this.context = await this.browser!.newContext();
    const page = (this.page = await this.context.newPage());
    page.on("console", (message) => {
      const type = message.type();
      this.output.push(type === "log" || type === "info" ? message.text() : `[${type}] ${message.text()}`);
    });
    page.on("pageerror", (error) => this.output.push(`[pageerror] ${error.message}`));
    const py = await attachPython(page, { baseURL: this.staticServer!.url, timeout: 60_000 });
    const root = dirname(file.path);
    const payload = {
      files: this.mirrors.get(root) ?? this.mirrors.set(root, mirror(root)).get(root)!,
      roots: [root],
      path_entry: root,
      cwd: this.io.cwd,
      env: { WSBRIDGE_TEST_SERVER: this.testServer!.url },
    };
    await py.run(`import wsbridge.testing as _wsbridge_testing\n_wsbridge_testing._setup(${pyString(JSON.stringify(payload))})`);
    this.output = [];
    this.py = py;
    return py;
  }

  private async closePage(): Promise<void> {
    const context = this.context;
    this.context = this.page = this.py = undefined;
    await context?.close().catch(() => undefined);
  }

  private record(result: TestResult): void {
    this.results.push(result);
    const id = testId(result);
    if (result.passed) {
      this.io.out(`PASS ${id} (${Math.round(result.durationMs)} ms)\n`);
      return;
    }
    let text = `FAIL ${id} (${Math.round(result.durationMs)} ms)\n${indent(result.error ?? "failed")}`;
    if (result.output) text += `    ----- output -----\n${indent(result.output)}`;
    this.io.out(text);
  }

  private takeOutput(): string {
    const text = this.output.join("\n");
    this.output = [];
    return text;
  }

  async runFile(file: TestFile): Promise<void> {
    const t0 = performance.now();
    let py: PythonHandle;
    let names: string[];
    try {
      py = await this.openPage(file);
    } catch (error) {
      this.record({ file: file.display, name: "", passed: false, durationMs: performance.now() - t0, error: `could not start the page for this file:\n${message(error)}`, output: this.takeOutput() });
      await this.closePage();
      return;
    }
    try {
      const collected = await deadline(
        py.run<{ ok: boolean; names?: string[]; error?: string }>(`_wsbridge_testing._collect(${pyString(file.path)})`),
        this.options.timeout + BLOCKED_GRACE_MS,
        `Timeout: importing the file did not finish within ${this.options.timeout} ms and blocked the page`,
      );
      if (!collected.ok) throw new Error(collected.error);
      names = collected.names ?? [];
    } catch (error) {
      this.record({ file: file.display, name: "", passed: false, durationMs: performance.now() - t0, error: `could not load the file:\n${message(error)}`, output: this.takeOutput() });
      await this.closePage();
      return;
    }
    if (file.only) {
      const unknown = file.only.filter((n) => !names.includes(n));
      for (const name of unknown) {
        this.record({ file: file.display, name, passed: false, durationMs: 0, error: `no test function ${name} in ${file.display}` });
      }
      names = names.filter((n) => file.only!.includes(n));
    }
    names = names.filter((n) => this.select(`${file.display}::${n}`));
    for (const name of names) {
      if (!this.py) {
        try {
          py = await this.openPage(file);
        } catch (error) {
          this.record({ file: file.display, name, passed: false, durationMs: 0, error: `could not restart the page:\n${message(error)}` });
          continue;
        }
      }
      await this.runTest(file, name, this.py!);
    }
    await this.closePage();
  }

  private async runTest(file: TestFile, name: string, py: PythonHandle): Promise<void> {
    const timeout = this.options.timeout;
    this.output = [];
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const blocked = new Promise<"blocked">((ok) => { timer = setTimeout(() => ok("blocked"), timeout + BLOCKED_GRACE_MS); });
    const call = py.runAsync<{ passed: boolean; error: string | null; ms: number }>(
      `await _wsbridge_testing._run(${pyString(file.path)}, ${pyString(name)}, ${timeout})`,
    );
    call.catch(() => undefined); // a killed page rejects it after we stopped waiting
    let outcome: Awaited<typeof call> | "blocked";
    try {
      outcome = await Promise.race([call, blocked]);
    } catch (error) {
      clearTimeout(timer);
      const why = error instanceof PythonError ? `the runner failed inside the page:\n${error.message}` : `the page failed (it was restarted for the remaining tests):\n${message(error)}`;
      this.record({ file: file.display, name, passed: false, durationMs: performance.now() - t0, error: why, output: this.takeOutput() });
      await this.closePage();
      return;
    }
    clearTimeout(timer);
    if (outcome === "blocked") {
      const output = this.takeOutput();
      await this.closePage();
      this.record({
        file: file.display, name, passed: false, durationMs: performance.now() - t0, output,
        error: `Timeout: ${name} did not finish within ${timeout} ms and blocked the page (a synchronous loop or wait never returned); the page was closed and a new one runs the remaining tests of this file.`,
      });
      return;
    }
    this.record({ file: file.display, name, passed: outcome.passed, durationMs: outcome.ms, error: outcome.error ?? undefined, output: this.takeOutput() });
  }
}

/** Rejects with `why` when `promise` has not settled within `ms`. */
async function deadline<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(why)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A Python string literal for `text` (a JSON string literal is one: same escapes). */
export function pyString(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** The text files under `root` (recursively, within MIRROR limits) so tests can import helpers and read data. */
export function mirror(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  let total = 0;
  let count = 0;
  const walk = (dir: string) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && !MIRROR_SKIP.has(entry.name)) walk(full);
        continue;
      }
      if (!entry.isFile() || count >= MIRROR.maxFiles) continue;
      const size = statSync(full).size;
      if (size > MIRROR.maxFileBytes || total + size > MIRROR.maxTotalBytes) continue;
      const data = readFileSync(full);
      if (data.includes(0)) continue; // binary: not copied (text only)
      files[full.split(sep).join("/")] = data.toString("utf8");
      total += size;
      count++;
    }
  };
  walk(root);
  return files;
}

export const TEST_HELP = `Usage: wsbridge test [options] [PATH...]

Runs Python tests inside headless Chromium with real Pyodide and wsbridge.
PATH is a folder (searched recursively for test_*.py), a .py file, or
file.py::test_name. Default: the current folder. Every test_* function
(plain or async def) is a test; it passes when it returns without raising.

Isolation: one browser per run, a fresh page (fresh Pyodide) per file, a fresh
import of the test file and its folder's modules per test (module globals never
carry over), and wsbridge._lifecycle.reset() after each test (routes removed,
sockets closed); tasks a test left running are cancelled. Other interpreter
state (builtins, sys.modules of other packages) lasts for the file's page.
Bare asserts are rewritten to show values (assert [1, 2] == [1, 3]);
tests take no arguments (no fixtures).

A real WebSocket server runs for the whole run; tests reach it with
  from wsbridge.testing import server_url
  server_url("/echo")                      # ws://127.0.0.1:PORT/echo
or os.environ["WSBRIDGE_TEST_SERVER"] (ws://127.0.0.1:PORT). Paths: /echo,
/close?code=N&reason=R[&now=1], /burst?n=N[&binary=1], /die?after=N, /reject.
The test file's folder is copied into the page (text files), the folder is
first on sys.path, and the working folder is the one wsbridge test ran in.

Options:
  -k EXPR             run tests whose "path::name" contains EXPR (case-
                      insensitive); combine with not, and, or, ( )
  --timeout MS        per-test (and per-file import) time limit, default
                      30000. A hung async test is cancelled; a test that
                      blocks the page is killed with its page, and a new
                      page runs the rest of the file
  --junit FILE        also write a JUnit XML report to FILE
  --browser-path P    the Chromium to use; otherwise $WSBRIDGE_CHROMIUM, then
                      /usr/bin/chromium, chromium, chromium-browser,
                      google-chrome on PATH
  -h, --help          show this help

Output: "PASS path::name (N ms)" or "FAIL path::name (N ms)" with the Python
traceback and the page's console output (print) of the failed test; the last
line is exactly "N passed, N failed".

Exit codes:
  0  every test passed
  1  at least one test failed (a file that cannot be imported counts as one)
  2  usage error: bad option or path, no browser found (or it does not
     start), no tests found, or the --junit file cannot be written
  3  internal error of the runner
`;
