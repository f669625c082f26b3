// `wsbridge test`: real pytest in headless Chromium. One controller page runs the user's pytest session (collection,
// terminal output, JUnit, cache, exit code); N worker pages run the tests file by file and send their reports back,
// which the controller replays. A worker page that blocks is killed from here and its test reported failed.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve, sep } from "node:path";
import type { Browser } from "playwright-core";
import { findChromium, launchChromium, BrowserNotFoundError } from "../playwright/browser.js";
import { startStaticServer, type StaticServer } from "../playwright/static-server.js";
import { startTestServer, type TestServer } from "../playwright/test-server.js";
import { parseTestArgs, UsageError, type TestOptions } from "./args.js";
import { TestPage, pyString, type PageSetup } from "./page.js";
import { findRootdir, mirrorFolder, wsbridgeSettings } from "./project.js";
import { ensureCompiledStdlib } from "./stdlib.js";
import { ensureLockedWheels, pyodideIndexPackages, readRequirements, requirementNames, resolveRequirements, SetupError, wheelsIn } from "./wheels.js";

/** Exit codes: pytest's own (0 passed, 1 failed, 2 interrupted, 3 internal, 4 usage, 5 no tests), 130 on Ctrl-C. */
export const EXIT = { ok: 0, failed: 1, interrupted: 2, internal: 3, usage: 4, noTests: 5, sigint: 130 } as const;

/** Seconds the runner waits past a test's own time limit before it declares the page blocked. */
const BLOCKED_GRACE_S = 5;
/** Milliseconds to wait for the controller's last output after pytest returned. */
const END_WAIT_MS = 5_000;
/** Console lines kept per page for the report of a test whose page died. */
const CONSOLE_KEEP = 50;

export interface RunIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when `out` is a terminal (pytest then prints in colour). */
  isTTY?: boolean;
  /** Terminal width for pytest's lines. */
  columns?: number;
}

/** The run in progress, so Ctrl-C can ask it to finish with a partial summary. */
let current: Run | undefined;

/** Asks a running `wsbridge test` to stop (Ctrl-C): pytest prints what ran and writes its files. False when none runs. */
export function interruptRun(): boolean {
  if (!current) return false;
  void current.interrupt();
  return true;
}

/** Runs `wsbridge test ARGS`; resolves to the exit code. */
export async function runTestCommand(argv: readonly string[], io: RunIO): Promise<number> {
  let options: TestOptions;
  try {
    options = parseTestArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`wsbridge test: ${error.message} (see wsbridge test --help)\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (options.help) { io.out(TEST_HELP); return EXIT.ok; }
  let executable: string;
  try {
    executable = findChromium(options.browserPath, io.env);
  } catch (error) {
    if (error instanceof BrowserNotFoundError) { io.err(`wsbridge test: ${error.message}\n`); return EXIT.usage; }
    throw error;
  }
  const run = new Run(options, io);
  try {
    await run.prepare();
  } catch (error) {
    if (error instanceof SetupError) { io.err(`wsbridge test: ${error.message}\n`); return EXIT.usage; }
    throw error;
  }
  current = run;
  // SIGTERM: close Chromium before going (Playwright's own handler is off so Ctrl-C can finish pytest's summary).
  const onTerm = () => void run.stop().finally(() => process.exit(143));
  process.once("SIGTERM", onTerm);
  try {
    return await run.execute(executable);
  } catch (error) {
    io.err(`wsbridge test: ${error instanceof SetupError ? error.message : `internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`}\n`);
    return error instanceof SetupError ? EXIT.usage : EXIT.internal;
  } finally {
    process.off("SIGTERM", onTerm);
    current = undefined;
    await run.stop();
  }
}

/** One file's tests as the controller planned them: run ids are `abs/path.py::rest`. */
interface Job {
  file: string;
  ids: string[];
}

/** A worker event as the controller replays it. */
type Event = Record<string, unknown> & { t: string };

/** One worker slot: its page (reopened after a kill) and the test in progress. */
interface Slot {
  index: number;
  page?: TestPage;
  opening?: Promise<TestPage>;
  console: string[];
  line: string;
  onMessage?: (kind: string, data: Record<string, unknown>) => void;
}

/** Everything one `wsbridge test` run holds. */
class Run {
  private staticServer?: StaticServer;
  private testServer?: TestServer;
  private browser?: Browser;
  private controller?: TestPage;
  private rootdir = "";
  private files: Record<string, string> = {};
  private wheelFiles: string[] = [];
  private pyodidePackages: string[] = [];
  private queue: Job[] = [];
  private stopping = false;
  private interrupted = false;
  private toController: Promise<void> = Promise.resolve();
  private planned?: (jobs: Job[]) => void;
  /** What the controller's pytest made of the arguments (its "options" message), for the workers. */
  private workerOptions?: { args: string[]; cache: boolean };
  private readonly started = Date.now();
  private collectionTimer?: NodeJS.Timeout;
  private collectionBlocked?: string;
  private ended: () => void = () => undefined;
  /** Settles when the controller's last output has arrived (messages and output come in one ordered stream). */
  private readonly end = new Promise<void>((ok) => { this.ended = ok; });

  constructor(private options: TestOptions, private io: RunIO) {}

  /** Finds the project and resolves the page's packages before any browser starts (errors here are one line). */
  async prepare(): Promise<void> {
    const { rootdir, inifile } = findRootdir(this.options.paths, this.io.cwd);
    this.rootdir = rootdir;
    const settings = wsbridgeSettings(inifile);
    const requirements = this.options.requirements ? resolve(this.io.cwd, this.options.requirements) : settings.requirements;
    const wheels = this.options.wheels ? resolve(this.io.cwd, this.options.wheels) : settings.wheels;
    const index = this.options.pyodideIndex ?? settings.pyodideIndex;
    this.wheelFiles = ensureLockedWheels(this.io.env, (line) => this.io.err(`${line}\n`));
    if (wheels) this.wheelFiles.push(...wheelsIn(wheels));
    let provided = new Set<string>();
    if (index && requirements) {
      const names = requirementNames(readRequirements(requirements));
      const found = await pyodideIndexPackages(/^https?:/.test(index) ? index : resolve(this.io.cwd, index), names);
      this.pyodidePackages = found.urls;
      provided = found.provided;
    }
    if (requirements) this.wheelFiles.push(...resolveRequirements(requirements, provided, this.io.env));
    this.files = mirrorFolder(rootdir, { withCache: true });
  }

  async execute(executable: string): Promise<number> {
    const mounts: Record<string, string> = {};
    const dirs = [...new Set([...this.wheelFiles, ...this.pyodidePackages.filter((p) => !/^https?:/.test(p))].map((f) => dirname(f)))];
    dirs.forEach((dir, i) => { mounts[`wheels${i}`] = dir; });
    try {
      this.browser = await launchChromium(executable, { handleSignals: false });
    } catch (error) {
      throw new SetupError(`could not start Chromium at ${executable}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
    // Made once per cache (a first run takes a few seconds more); without it pages load Pyodide's own stdlib.
    const stdlib = await ensureCompiledStdlib(this.browser, this.io.env, { timeoutMs: this.options.loadTimeout * 1000, warn: (text) => this.io.err(`${text}\n`) });
    [this.staticServer, this.testServer] = await Promise.all([startStaticServer({ mounts, ...(stdlib ? { stdlib } : {}) }), startTestServer()]);
    const urlOf = (file: string) => (/^https?:/.test(file) ? file : `${this.staticServer!.url}wheels${dirs.indexOf(dirname(file))}/${encodeURIComponent(file.slice(dirname(file).length + 1))}`);
    const base: Omit<PageSetup, "prepare"> = {
      baseURL: this.staticServer.url,
      wheelURLs: this.wheelFiles.map(urlOf),
      pyodidePackageURLs: this.pyodidePackages.map(urlOf),
      loadTimeoutMs: this.options.loadTimeout * 1000,
    };
    const env = {
      WSBRIDGE_TEST_SERVER: this.testServer.url,
      WSBRIDGE_TIMEOUT: String(this.options.timeout),
      COLUMNS: String(this.io.columns ?? 80),
      ...(this.io.env.PY_COLORS !== undefined ? { PY_COLORS: this.io.env.PY_COLORS } : {}),
      ...(this.io.env.NO_COLOR !== undefined ? { NO_COLOR: this.io.env.NO_COLOR } : {}),
      ...(this.io.env.FORCE_COLOR !== undefined ? { FORCE_COLOR: this.io.env.FORCE_COLOR } : {}),
    };
    const workerFiles = Object.fromEntries(Object.entries(this.files).filter(([path]) => !path.includes("/.pytest_cache/")));
    const setupFor = (files: Record<string, string>): PageSetup => ({ ...base, prepare: JSON.stringify({ files, cwd: this.io.cwd, env }) });
    const slots: Slot[] = Array.from({ length: this.options.workers ?? Math.max(1, availableParallelism()) }, (_, index) => ({ index, console: [], line: "" }));
    // Worker pages load while the controller loads and collects.
    for (const slot of slots) { slot.opening = this.openWorker(slot, setupFor(workerFiles)); slot.opening.catch(() => undefined); }
    const plan = new Promise<Job[]>((ok) => { this.planned = ok; });
    const controllerConsole: string[] = [];
    const t0 = Date.now();
    try {
      this.controller = await TestPage.open(this.browser, setupFor(this.files), {
        message: (kind, json) => this.fromController(kind, json),
        // pytest's stderr (its usage errors, warnings printed by plugins) stays stderr, as when pytest runs on the host.
        output: (stream, text) => (stream === "err" ? this.io.err(text) : this.io.out(text)),
        console: (line) => keep(controllerConsole, line),
      });
    } catch (error) {
      throw new SetupError(`the controller page did not start: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
    this.timing(`controller page ready in ${Date.now() - t0} ms ${JSON.stringify(this.controller.steps)}`);
    const color = this.colorArgs();
    const result = this.controller.py.runAsync<{ exit: number; files: Record<string, string> }>(
      `from wsbridge import _pytest_session\n_pytest_session.run_controller(${pyString(JSON.stringify({ args: [...color, ...this.options.pytestArgs], shard: this.options.shard ?? null }))})`,
    );
    result.catch(() => undefined);
    this.armCollectionWatchdog();
    const work = plan.then(async (jobs) => {
      clearTimeout(this.collectionTimer);
      this.queue = jobs;
      const used = slots.slice(0, Math.max(1, Math.min(slots.length, jobs.length)));
      for (const slot of slots.slice(used.length)) void this.closeSlot(slot);
      await Promise.all(used.map((slot) => this.workLoop(slot, setupFor(workerFiles))));
      this.sendToController({ t: "done" });
    });
    work.catch(() => undefined);
    let outcome: { exit: number; files: Record<string, string> };
    try {
      outcome = await result;
    } catch (error) {
      this.stopping = true;
      if (this.collectionBlocked !== undefined) {
        this.io.err(`wsbridge test: ${this.collectionBlocked}\n`);
        return EXIT.interrupted;
      }
      throw new Error(`pytest failed in the controller page: ${error instanceof Error ? error.message : String(error)}\n${controllerConsole.join("\n")}`);
    } finally {
      clearTimeout(this.collectionTimer);
      this.stopping = true;
      this.planned?.([]);
      await Promise.all(slots.map((slot) => this.closeSlot(slot)));
    }
    await Promise.race([this.end, new Promise((ok) => setTimeout(ok, END_WAIT_MS).unref())]);
    this.writeBack(outcome.files);
    return this.interrupted ? EXIT.sigint : outcome.exit;
  }

  /**
   * Until the plan arrives, the controller imports conftest files and test modules: one that never returns (a
   * `while True` at import) would block the page. Each file started re-arms the limit (--timeout + grace).
   */
  private armCollectionWatchdog(file?: string): void {
    clearTimeout(this.collectionTimer);
    const limit = this.options.timeout + BLOCKED_GRACE_S;
    this.collectionTimer = setTimeout(() => {
      const what = file ? `importing ${file}` : "loading conftest.py files and plugins";
      this.collectionBlocked = `${what} did not finish within ${limit} s and blocked the page (code that never returns at import time); nothing ran`;
      void this.controller?.close();
    }, limit * 1000);
  }

  /** The colour flag the runner puts before the user's arguments: on a terminal, unless they chose one. */
  private colorArgs(): string[] {
    return !this.options.pytestArgs.some((a) => a.startsWith("--color")) && this.io.isTTY ? ["--color=yes"] : [];
  }

  /**
   * A worker's pytest options: the controller's as its pytest parsed them (so a conftest option's separate value
   * stays with it), less the runner's colour flag; a cache of the worker's own only when the cache plugin is on
   * (with `-p no:cacheprovider`, `cache_dir` is an unknown ini key, which `-W error` turns into an error).
   */
  private workerArgs(): string[] {
    const parsed = this.workerOptions;
    const options = parsed ? parsed.args.slice(this.colorArgs().length) : this.options.optionArgs;
    const cache = parsed ? parsed.cache : true;
    return ["--capture=sys", ...(cache ? ["-o", "cache_dir=/tmp/wsbridge-worker-cache"] : []), ...options.map(sysCapture)];
  }

  /** Messages from the controller: the plan of files to run, or "stop" (-x, --maxfail). */
  private fromController(kind: string, json: string): void {
    if (kind === "collecting") this.armCollectionWatchdog(JSON.parse(json) as string);
    else if (kind === "end") this.ended();
    else if (kind === "options") this.workerOptions = JSON.parse(json) as { args: string[]; cache: boolean };
    else if (kind === "plan") this.planned?.(JSON.parse(json) as Job[]);
    else if (kind === "stop") this.stopping = true;
  }

  /** Delivers to the controller in order. */
  private sendToController(message: unknown): void {
    this.toController = this.toController.then(() => this.controller?.deliver(message)).catch(() => undefined);
  }

  /** Takes files from the queue until it is empty or the run stops. */
  private async workLoop(slot: Slot, setup: PageSetup): Promise<void> {
    for (let job = this.queue.shift(); job && !this.stopping; job = this.queue.shift()) await this.runJob(slot, job, setup);
  }

  /** Opens (or reopens) the slot's page. */
  private openWorker(slot: Slot, setup: PageSetup): Promise<TestPage> {
    slot.console = [];
    const t0 = Date.now();
    return TestPage.open(this.browser!, setup, {
      message: (kind, json) => slot.onMessage?.(kind, JSON.parse(json) as Record<string, unknown>),
      output: (_stream, text) => this.workerOutput(slot, text),
      console: (line) => keep(slot.console, line),
    }).then((page) => { this.timing(`worker page ${slot.index + 1} ready in ${Date.now() - t0} ms ${JSON.stringify(page.steps)}`); return page; });
  }

  /** With WSBRIDGE_TIMINGS=1, one line on stderr per page start-up (for `npm run bench:runner`). */
  private timing(line: string): void {
    if (this.io.env.WSBRIDGE_TIMINGS === "1") this.io.err(`wsbridge: ${line}\n`);
  }

  /** Uncaptured worker output (`-s`): whole lines only, so it never splits another line. */
  private workerOutput(slot: Slot, text: string): void {
    slot.line += text;
    const end = slot.line.lastIndexOf("\n");
    if (end < 0) return;
    this.io.out(slot.line.slice(0, end + 1));
    slot.line = slot.line.slice(end + 1);
  }

  private async closeSlot(slot: Slot): Promise<void> {
    const page = slot.page ?? (await slot.opening?.catch(() => undefined));
    slot.page = slot.opening = undefined;
    await page?.close();
  }

  /** Runs one file's tests on the slot, reopening the page when a test blocks or crashes it. */
  private async runJob(slot: Slot, job: Job, setup: PageSetup): Promise<void> {
    let remaining = [...job.ids];
    while (remaining.length > 0 && !this.stopping) {
      let page: TestPage;
      try {
        page = slot.page ?? (await (slot.opening ?? this.openWorker(slot, setup)));
        slot.page = page;
        slot.opening = undefined;
      } catch (error) {
        slot.opening = undefined;
        for (const id of remaining) this.lost(id, `the worker page did not start: ${error instanceof Error ? error.message : String(error)}`, 0, "");
        return;
      }
      const before = remaining.length;
      remaining = await this.runOnPage(slot, page, job, remaining);
      if (remaining.length === before) {
        // The page died before any test started (twice would be a loop): report the file's tests instead.
        for (const id of remaining) this.lost(id, "not run: the worker page died before this file's first test started", 0, slot.console.join("\n"));
        return;
      }
    }
  }

  /** One pytest run in a worker page over `ids`; resolves to the ids still to run after a killed page. */
  private runOnPage(slot: Slot, page: TestPage, job: Job, ids: string[]): Promise<string[]> {
    const left = new Map(ids.map((id) => [restOf(id), id]));
    let events: Event[] = [];
    let running: { nodeid: string; location: unknown; started: number; consoleFrom: number } | undefined;
    let collectErrors = "";
    let timer: NodeJS.Timeout | undefined;
    return new Promise<string[]>((done) => {
      let finished = false;
      // Set as soon as the watchdog kills the page: the worker's pytest call then rejects (page closed), and that
      // rejection must not report the same test a second time.
      let killed = false;
      const finish = (rest: string[]) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        slot.onMessage = undefined;
        done(rest);
      };
      const kill = async (why: string) => {
        if (finished || killed || !running) return;
        killed = true;
        const test = running;
        running = undefined;
        slot.onMessage = undefined;
        const output = slot.console.slice(test.consoleFrom).join("\n");
        events.push({ t: "lost", nodeid: test.nodeid, location: test.location, message: why, duration: (Date.now() - test.started) / 1000, output });
        events.push({ t: "finish", nodeid: test.nodeid, location: test.location });
        this.sendToController({ t: "test", events });
        events = [];
        left.delete(restOf(test.nodeid));
        slot.page = undefined;
        await page.close();
        finish([...left.values()]);
      };
      // Outside a test (importing the file, between tests) the page may block too: the same limit applies.
      const idle = () => {
        clearTimeout(timer);
        const limit = this.options.timeout + BLOCKED_GRACE_S;
        timer = setTimeout(() => {
          if (finished || killed || running) return;
          killed = true;
          slot.onMessage = undefined;
          slot.page = undefined;
          void page.close();
          for (const id of left.values()) this.lost(id, `not run: the worker page blocked for ${limit} s outside any test (importing the file or a conftest.py)`, 0, slot.console.join("\n"));
          finish([]);
        }, limit * 1000);
      };
      slot.onMessage = (kind, data) => {
        if (kind === "start") {
          const limit = Number(data.timeout) || this.options.timeout;
          running = { nodeid: String(data.nodeid), location: data.location, started: Date.now(), consoleFrom: slot.console.length };
          events = [{ t: "start", nodeid: data.nodeid, location: data.location }];
          clearTimeout(timer);
          timer = setTimeout(() => void kill(
            `Timeout: ${running?.nodeid} did not finish within ${limit} s and blocked the page (a synchronous loop or wait never ` +
            `returned). The page was killed; a new page runs the rest of this file.`,
          ), (limit + BLOCKED_GRACE_S) * 1000);
        } else if (kind === "report") {
          events.push({ t: "report", data: data.data });
        } else if (kind === "finish") {
          idle();
          events.push({ t: "finish", nodeid: data.nodeid, location: data.location });
          this.sendToController({ t: "test", events });
          events = [];
          left.delete(restOf(String(data.nodeid)));
          running = undefined;
        } else if (kind === "warning") {
          // Recorded after the test's finish (pytest's warnings plugin wraps the whole protocol): sent on its own.
          this.sendToController({ t: "test", events: [{ t: "warning", ...data }] });
        } else if (kind === "exit") {
          // pytest.exit() in this page: no more files start, and the controller's session ends with its code.
          this.stopping = true;
          this.sendToController({ t: "exit", msg: data.msg, returncode: data.returncode });
        } else if (kind === "collecterror") {
          collectErrors += `${String(data.text)}\n`;
        }
      };
      const call = page.py.runAsync<number>(
        `_pytest_session.run_worker(${pyString(JSON.stringify({ args: this.workerArgs(), ids, roots: [this.rootdir] }))})`,
      );
      idle();
      call.then((code) => {
        if (finished || killed) return;
        if (left.size > 0 && !this.stopping && code !== 1) {
          for (const id of left.values()) this.lost(id, `not run: pytest in the worker page exited with code ${code}${collectErrors ? `:\n${collectErrors}` : ""}`, 0, "");
        }
        finish([]);
      }, (error: unknown) => {
        if (finished || killed) return;
        if (running) void kill(`the page died while this test ran: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
        else { slot.page = undefined; void page.close(); finish([...left.values()]); }
      });
    });
  }

  /** Reports a test that could not run (its page died before it started): one failed report to the controller. */
  private lost(id: string, message: string, duration: number, output: string): void {
    const nodeid = nodeIdOf(id, this.rootdir);
    const location = [nodeid.split("::")[0], null, nodeid.split("::").slice(1).join("::")];
    this.sendToController({ t: "test", events: [
      { t: "start", nodeid, location },
      { t: "lost", nodeid, location, message, duration, output },
      { t: "finish", nodeid, location },
    ] });
  }

  /** Ctrl-C: no more files; the controller stops and pytest prints the partial summary and writes its files. */
  async interrupt(): Promise<void> {
    this.interrupted = this.stopping = true;
    this.queue = [];
    this.planned?.([]);
    this.sendToController({ t: "interrupt" });
  }

  /** Writes the files the controller's session produced: the JUnit report and `.pytest_cache`, nothing else. */
  private writeBack(files: Record<string, string>): void {
    const cache = `${this.rootdir}${sep}.pytest_cache${sep}`;
    const junit = junitPath(this.options.pytestArgs, this.io.cwd);
    for (const [path, text] of Object.entries(files)) {
      const target = resolve(path);
      if (!target.startsWith(cache) && target !== junit) continue;
      try {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, target === junit ? withRunTimes(text, this.started, (Date.now() - this.started) / 1000) : text);
      } catch (error) {
        this.io.err(`wsbridge test: cannot write ${target}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    await this.testServer?.close().catch(() => undefined);
    await this.staticServer?.close().catch(() => undefined);
  }
}

/**
 * The JUnit report with each testsuite's `time` set to the run's wall time (page start-up included: what users
 * wait) and its `timestamp` to when the run started (the controller's session starts only once its page has
 * loaded), in pytest's format: local time, microseconds, UTC offset.
 */
export function withRunTimes(xml: string, startedMs: number, seconds: number): string {
  return xml
    .replace(/(<testsuite\b[^>]*?\stime=")[^"]*(")/g, `$1${seconds.toFixed(3)}$2`)
    .replace(/(<testsuite\b[^>]*?\stimestamp=")[^"]*(")/g, `$1${localIsoTime(new Date(startedMs))}$2`);
}

/** `2026-11-28T01:44:06.087000+00:00`: Python's `datetime.astimezone().isoformat()` of the same instant. */
export function localIsoTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}000`;
  return `${day}T${time}${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
}

/** Keeps the last CONSOLE_KEEP lines. */
function keep(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > CONSOLE_KEEP * 2) lines.splice(0, lines.length - CONSOLE_KEEP);
}

/** The part of a test id after the file: `test_x[1]`, `TestA::test_b`. */
function restOf(id: string): string {
  const at = id.indexOf("::");
  return at < 0 ? id : id.slice(at + 2);
}

/** A run id (`/abs/file.py::rest`) as pytest's node id (relative to rootdir, `/` separators). */
export function nodeIdOf(id: string, rootdir: string): string {
  const at = id.indexOf("::");
  const file = at < 0 ? id : id.slice(0, at);
  const rel = file.startsWith(rootdir + sep) ? file.slice(rootdir.length + 1).split(sep).join("/") : file;
  return at < 0 ? rel : `${rel}::${id.slice(at + 2)}`;
}

/** `--capture=fd` hangs in Pyodide (no real file descriptors to redirect): workers capture at the sys level. */
function sysCapture(arg: string): string {
  return arg === "--capture=fd" ? "--capture=sys" : arg;
}

/** The absolute path of `--junitxml`/`--junit-xml`, if given. */
export function junitPath(args: readonly string[], cwd: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--junit-?xml=(.*)$/.exec(a);
    if (m) return resolve(cwd, m[1]!);
    if ((a === "--junitxml" || a === "--junit-xml") && i + 1 < args.length) return resolve(cwd, args[i + 1]!);
  }
  return undefined;
}

export const TEST_HELP = `Usage: wsbridge test [wsbridge options] [pytest options] [PATH...]

Runs real pytest inside headless Chromium, with real Pyodide and wsbridge. Every
option that is not one of wsbridge's below is pytest's and does what pytest does
(-k, -m, -x, --maxfail, -v, -q, -rA, --durations, --lf, --ff, --junitxml, -p,
-o, --tb...); pytest.ini, pyproject.toml [tool.pytest.ini_options], conftest.py
and the pythonpath ini option work. The output and the exit code are pytest's.

wsbridge's options:
  --workers N          pages that run test files at once (default: the number
                       of cores); one summary, one JUnit file, same exit code
  --shard I/N          run only shard I of N (files split deterministically),
                       for CI matrices
  --timeout SECONDS    per-test time limit (default 30; a test can set its own
                       with @pytest.mark.timeout(S)). A hung await fails the
                       test; a test that blocks the page is killed with its
                       page and the rest continues in a new page
  --requirements FILE  pure-Python packages for the page, resolved with the
                       host's pip (cached; installed once per page)
  --wheels DIR         a folder of .whl files installed into every page
  --pyodide-index P    a Pyodide package index (folder or URL with
                       pyodide-lock.json) for compiled packages named in
                       --requirements
  --load-timeout S     seconds for a page to load Pyodide and the packages
                       (default 120)
  --browser-path P     the Chromium to use; otherwise $WSBRIDGE_CHROMIUM, then
                       /usr/bin/chromium, chromium, chromium-browser,
                       google-chrome on PATH
  -h, --help           this text

The same keys in pyproject.toml:
  [tool.wsbridge]
  requirements = "requirements-page.txt"
  wheels = "wheels/"
  pyodide-index = "https://..."

In the page: fixtures ws_server (the runner's real ws server:
ws_server.url("/echo")), page and context (wsbridge's routing faces); async def
tests and async fixtures run on the page's event loop; after every test routes,
sockets and listeners are reset, and an exception in a socket or route handler
fails the test (opt out: @pytest.mark.allow_handler_errors).

pytest's wheels are locked (python/page-wheels.lock.json) and fetched into
$WSBRIDGE_CACHE (default ~/.cache/wsbridge) by \`wsbridge wheels\` or on first use.

Exit codes: pytest's (0 all passed, 1 some failed, 2 interrupted, 3 internal
error, 4 usage error — also a missing browser or package, 5 no tests
collected); 130 after Ctrl-C (pytest's partial summary is printed first).
`;

