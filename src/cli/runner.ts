// `wsbridge test`: real pytest in headless Chromium. The controller page runs the user's pytest session (collection,
// terminal output, JUnit, cache, exit code) and runs tests itself; with --workers N, N-1 worker pages run files too
// and send their reports back, which the controller replays. A page that a test blocks is killed from here and the
// test reported failed; a killed controller is replaced by one that replays what was reported and goes on.
// Pages start from a cached memory snapshot (./snapshot.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { BrowserNotFoundError } from "../playwright/browser.js";
import type { DriverBrowser as Browser } from "../driver/driver.js";
import { findBrowser, launchBrowser } from "../driver/launch.js";
import { startStaticServer, type StaticServer } from "../playwright/static-server.js";
import { startTestServer, type TestServer } from "../playwright/test-server.js";
import { parseTestArgs, UsageError, type TestOptions } from "./args.js";
import { choosePyodide } from "./pyodide-choice.js";
import { pyodideRelease } from "../playwright/pyodide-release.js";
import { snapshotRestorePatchable } from "../playwright/static-server.js";
import { TestPage, pyString, type PageEvents, type PageSetup } from "./page.js";
import { watchTests } from "./watch.js";
import { findRootdir, iniNorecursedirs, iniPythonFiles, mirrorFolder, wsbridgeSettings, type Mirror } from "./project.js";
import { countTestFiles } from "./test-files.js";
import { StatusLine } from "./status.js";
import { describeMemory, rendererMemory } from "./rss.js";
import { checkSnapshot, makeSnapshot, markUsed, pruneSnapshots, SNAPSHOTS_KEPT, snapshotDir, snapshotKey, uploadToken, type Snapshot } from "./snapshot.js";
import { encodeBundle, type BundleEntry } from "../pyodide/bundle.js";
import { BLOCKED_GRACE_S, PageRun, type PageRunHost } from "./page-run.js";
import { isPageMessage, TEST_MESSAGE_KINDS, type ControllerMessage, type ControllerStart, type Location, type PageMessages, type TestEvent, type WorkerStart } from "./protocol.js";
import { compiledStdlib, ensureCompiledStdlib } from "./stdlib.js";
import { pdbOption, TerminalInput, terminalRefusal, type InputHost } from "./terminal-input.js";
import { SetupError } from "./wheels.js";
import { resolvePagePackages } from "./page-packages.js";
import { checkCoverage, writeCoverageFiles } from "./coverage.js";
import { prepareTraces } from "./ws-trace.js";
import { findPyScript, mounts as pyscriptMounts, pageOptions as pyscriptPageOptions, type PyScriptProject } from "./pyscript.js";

/** Exit codes: pytest's own (0 passed, 1 failed, 2 interrupted, 3 internal, 4 usage, 5 no tests), 130 on Ctrl-C, 143 on SIGTERM. */
export const EXIT = { ok: 0, failed: 1, interrupted: 2, internal: 3, usage: 4, noTests: 5, sigint: 130, sigterm: 143 } as const;

/** Milliseconds a signalled run gets to print its partial summary before Chromium is closed anyway. */
const SIGNAL_GRACE_MS = 20_000;

/** Pages a core at most, whatever --workers says (each page is a renderer process with its own Pyodide). */
const MAX_PAGES_PER_CORE = 2;
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
  /**
   * The process exits right after the command (bin/wsbridge.mjs): Chromium is left to Playwright's exit handler,
   * which kills it and removes its profile, instead of a close that the user would wait for.
   */
  exitsAfter?: boolean;
  /** True when `err` is a terminal: a status line shows while Chromium and the page start. */
  errIsTTY?: boolean;
  /**
   * When the command started, on the monotonic clock (`performance.now()`): the times shown (pytest's summary, the
   * JUnit file) count from there. The process's own start for the command (0); a run's creation when not given.
   */
  startedMono?: number;
}

/** The run in progress, so Ctrl-C can ask it to finish with a partial summary. */
let current: Run | undefined;

/** Asks a running `wsbridge test` to stop (Ctrl-C: exit 130): pytest prints what ran and writes its files. False when none runs. */
export function interruptRun(code: number = EXIT.sigint): boolean {
  if (!current) return false;
  void current.interrupt(code);
  return true;
}

/** Runs `wsbridge test ARGS`; resolves to the exit code. */
export async function runTestCommand(argv: readonly string[], io: RunIO): Promise<number> {
  let options: TestOptions;
  try {
    options = parseTestArgs(argv);
    if (!options.help) options.pyodide = choosePyodide(options, io.cwd).dir; // before Chromium starts
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
    executable = findBrowser(options.browser, options.browserPath, io.env);
  } catch (error) {
    if (error instanceof BrowserNotFoundError) { io.err(`wsbridge test: ${error.message}\n`); return EXIT.usage; }
    throw error;
  }
  if (options.headed && process.platform === "linux" && !io.env.DISPLAY && !io.env.WAYLAND_DISPLAY) {
    io.err("wsbridge test: --headed needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set (run it under xvfb-run, or drop --headed)\n");
    return EXIT.usage;
  }
  // Until the first output, a status line says what the run is waiting for (on a terminal only).
  const status = new StatusLine(io.err, io.errIsTTY === true && !options.watch);
  const plain = io;
  io = { ...io, out: (text) => { status.clear(); plain.out(text); }, err: (text) => { status.clear(); plain.err(text); } };
  const run = new Run(options, io, io.startedMono, status);
  status.show("starting Chromium…");
  run.launch(executable); // Chromium starts while the project is read and the wheels are resolved
  try {
    await run.prepare();
  } catch (error) {
    await run.stop();
    if (error instanceof SetupError) { io.err(`wsbridge test: ${error.message}\n`); return EXIT.usage; }
    throw error;
  }
  current = run;
  // SIGTERM is a Ctrl-C that exits 143: the partial summary and the JUnit file, then Chromium closed (Playwright's own
  // handlers are off); a session that does not end within SIGNAL_GRACE_MS is closed anyway.
  const onTerm = () => {
    void run.interrupt(EXIT.sigterm);
    setTimeout(() => void run.stop().finally(() => process.exit(EXIT.sigterm)), SIGNAL_GRACE_MS).unref();
  };
  process.once("SIGTERM", onTerm);
  try {
    return await (options.watch ? watchTests(run, options, io, executable, process.stdin) : run.execute(executable));
  } catch (error) {
    io.err(`wsbridge test: ${error instanceof SetupError ? error.message : `internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`}\n`);
    return error instanceof SetupError ? EXIT.usage : EXIT.internal;
  } finally {
    process.off("SIGTERM", onTerm);
    current = undefined;
    const t0 = Date.now();
    await run.stop();
    if (io.env.WSBRIDGE_TIMINGS === "1") io.err(`wsbridge: stopped in ${Date.now() - t0} ms\n`);
  }
}

/** What the controller's pytest session returns: its exit code, text files and (base64) pytest-cov files for the host. */
type SessionOutcome = { exit: number; files: Record<string, string>; binary?: Record<string, string> };

/** One file's tests as the controller planned them: run ids are `abs/path.py::rest`; `whole` when none was deselected. */
type Job = PageMessages["plan"][number];

/** What the sessions of a run share: Chromium, the servers, the pages' set-up and the project's files as served. */
export interface Environment {
  browser: Browser;
  staticServer: StaticServer;
  testServer: TestServer;
  setups: { controller: PageSetup; worker: PageSetup };
  /** The served bundles: `project-controller.bin` and `project-worker.bin` (replaced when the project changes). */
  blobs: Map<string, Uint8Array>;
  rootdir: string;
}

/** One page that runs tests (slot 0 is the controller's page): its page (reopened after a kill), its run. */
interface Slot {
  index: number;
  page?: TestPage;
  opening?: Promise<TestPage>;
  console: string[];
  line: string;
  run?: PageRun;
}

/** Everything one `wsbridge test` run holds. */
export class Run {
  private staticServer?: StaticServer;
  private testServer?: TestServer;
  private browser?: Browser;
  private launching?: Promise<Browser>;
  private controller?: TestPage;
  private rootdir = "";
  private inifile?: string;
  private mirror?: Mirror;
  private readonly blobs = new Map<string, Uint8Array>();
  private wheelFiles: string[] = [];
  private pyodidePackages: string[] = [];
  /** `--pyscript`: PyScript's core and the project's config (./pyscript.ts). */
  private pyscript?: PyScriptProject;
  private queue: Job[] = [];
  private stopping = false;
  private interrupted = false;
  private interruptCode: number = EXIT.sigint;
  private signalInterrupt: () => void = () => undefined;
  private readonly interruptedSignal = new Promise<void>((ok) => { this.signalInterrupt = ok; });
  private toController: Promise<void> = Promise.resolve();
  private planned?: (jobs: Job[]) => void;
  /** What the controller's pytest made of the arguments (its "options" message), for the workers. */
  private workerOptions?: { args: string[]; cache: boolean };
  private readonly started: number;
  /**
   * The same instant on the monotonic clock, which durations are measured with here and in the page: the wall clock
   * may be slewed (seen here: the page's pytest summary came out 40–120 ms above Node's wall-clock JUnit time).
   */
  private readonly startedMono: number;
  private collectionTimer?: NodeJS.Timeout;
  private collectionBlocked?: string;
  private ended: () => void = () => undefined;
  /** Settles when the controller's last output has arrived (messages and output come in one ordered stream). */
  private end = new Promise<void>((ok) => { this.ended = ok; });
  /**
   * Every test's events the controller's session has had, in order: a new controller replays them (a resume).
   * `printed`: on the terminal already (the controller's own tests, and what it replayed before its running job).
   */
  private readonly log: Array<{ events: TestEvent[]; printed: boolean }> = [];
  /** The log's length when the controller was handed its running job: what it replays later is not printed yet. */
  private runSentAt = 0;
  /** Log entries below this were handed to the current controller in its resume payload, not to be delivered again. */
  private resumedUpTo = 0;
  /** The current controller's pytest session: `{exit, files}` when it ends. */
  private pytestSession?: Promise<SessionOutcome>;
  /** Set while a new controller page replaces one that a blocked test killed. */
  private resuming?: Promise<void>;
  private slots: Slot[] = [];
  /** True when setUp() made the environment here (stop() then closes it). */
  private ownsEnvironment = false;
  /** A warm page that becomes the next controller (`--watch`). */
  private spare?: Promise<TestPage>;
  private setups?: { controller: PageSetup; worker: PageSetup };
  /** Files the controller has started importing: a worker page opens for each file after the first. */
  private collecting = 0;
  private planSeen = false;
  /** The terminal pdb reads in the controller page (./terminal-input.ts). */
  private readonly terminal = new TerminalInput(process.stdin);

  /** `startedMono`: when the command started (RunIO.startedMono); a rerun (--watch) starts at its creation. */
  constructor(private options: TestOptions, private io: RunIO, startedMono = performance.now(), private readonly status = new StatusLine(() => undefined, false)) {
    this.startedMono = startedMono;
    this.started = Date.now() - (performance.now() - startedMono);
  }

  /** The project's files as pages get them (the controller's bundle holds `.pytest_cache` too). */
  static projectBundles(entries: readonly BundleEntry[]): { controller: Uint8Array; worker: Uint8Array } {
    return {
      controller: encodeBundle(entries),
      worker: encodeBundle(entries.filter((e) => !e.path.includes("/.pytest_cache/") && !e.path.endsWith("/.pytest_cache"))),
    };
  }

  /** Starts Chromium (setUp waits for it); Playwright's signal handlers are off so Ctrl-C can finish pytest's summary. */
  launch(executable: string): Promise<Browser> {
    this.launching = launchBrowser(this.options.browser, executable, { handleSignals: false, ...(this.options.headed ? { headed: true } : {}), ...(this.options.slowMo ? { slowMo: this.options.slowMo } : {}) });
    this.launching.catch(() => undefined);
    return this.launching;
  }

  /** Finds the project and resolves the page's packages (errors here are one line). */
  async prepare(): Promise<void> {
    const { rootdir, inifile } = findRootdir(this.options.paths, this.io.cwd);
    this.rootdir = rootdir;
    this.inifile = inifile;
    const settings = wsbridgeSettings(inifile);
    const requirements = this.options.requirements ? resolve(this.io.cwd, this.options.requirements) : settings.requirements;
    const wheels = this.options.wheels ? resolve(this.io.cwd, this.options.wheels) : settings.wheels;
    const index = this.options.pyodideIndex ?? settings.pyodideIndex;
    // One resolution, the same as `wsbridge wheels` (src/cli/page-packages.ts).
    if (this.options.pyscript || settings.pyscript) this.pyscript = findPyScript(rootdir, this.io.cwd, typeof settings.pyscript === "string" ? settings.pyscript : undefined);
    const python = pyodideRelease(this.options.pyodide).python;
    const packages = await resolvePagePackages({ requirements, wheels, pyodideIndex: index && !/^https?:/.test(index) ? resolve(this.io.cwd, index) : index, python }, this.io.env, (line) => this.io.err(`${line}\n`));
    [this.wheelFiles, this.pyodidePackages] = [packages.wheelFiles, packages.pyodidePackages];
    checkCoverage(this.options.pytestArgs, [...this.wheelFiles, ...this.pyodidePackages]);
    this.mirror = mirrorFolder(rootdir, { withCache: true, ...(iniNorecursedirs(inifile) ? { norecursedirs: iniNorecursedirs(inifile)! } : {}) });
    if (this.mirror.leftOut) this.io.err(`wsbridge: not copied into the page: ${this.mirror.leftOut}\n`);
  }

  /** Starts Chromium, the servers and the snapshot, then runs the session. */
  async execute(executable: string): Promise<number> {
    return this.session(await this.setUp(executable));
  }

  /** Chromium, the static and ws test servers, the compiled stdlib and the snapshot: what every session of a run uses. */
  async setUp(executable: string): Promise<Environment> {
    const mounts: Record<string, string> = {};
    const dirs = [...new Set([...this.wheelFiles, ...this.pyodidePackages.filter((p) => !/^https?:/.test(p))].map((f) => dirname(f)))];
    dirs.forEach((dir, i) => { mounts[`wheels${i}`] = dir; });
    const launching = this.launching ?? this.launch(executable);
    // The cache's checks (hashing the stdlib, the wheels and the snapshot) run while Chromium starts.
    const pyodide = pyodideRelease(this.options.pyodide); // --pyodide: all that follows is keyed by this release
    const cachedStdlib = compiledStdlib(this.io.env, pyodide.dir);
    const folderFor = (stdlib: string | undefined) => snapshotDir(snapshotKey({ wheelFiles: this.wheelFiles, pyodide: pyodide.dir, ...(stdlib ? { stdlib } : {}) }), this.io.env);
    const checked = cachedStdlib ? { folder: folderFor(cachedStdlib), found: checkSnapshot(folderFor(cachedStdlib)) } : undefined;
    try {
      this.browser = await launching;
    } catch (error) {
      throw new SetupError(`could not start ${this.options.browser === "firefox" ? "Firefox" : "Chromium"} at ${executable}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
    // Made once per cache (a first run takes a few seconds more); without it pages load Pyodide's own stdlib.
    if (!cachedStdlib) this.status.show("compiling the standard library (once per cache)…");
    const stdlib = cachedStdlib ?? (await ensureCompiledStdlib(this.browser, this.io.env, { timeoutMs: this.options.loadTimeout * 1000, warn: (text) => this.io.err(`${text}\n`), pyodide: pyodide.dir }));
    const snapshotFolder = checked && stdlib === cachedStdlib ? checked.folder : folderFor(stdlib);
    const uploads = { token: uploadToken(), dir: mkdtempSync(join(tmpdir(), "wsbridge-upload-")) };
    mounts.snapshot = snapshotFolder;
    if (this.pyscript) Object.assign(mounts, pyscriptMounts(this.pyscript));
    const bundles = Run.projectBundles(this.mirror?.entries ?? []);
    this.blobs.set("project-controller.bin", bundles.controller);
    this.blobs.set("project-worker.bin", bundles.worker);
    [this.staticServer, this.testServer] = await Promise.all([
      // --pyscript pages are cross-origin isolated, as PyScript apps are served: its workers reach the page's DOM then.
      startStaticServer({ mounts, pyodide: pyodide.dir, snapshots: true, uploads, blobs: this.blobs, ...(stdlib ? { stdlib } : {}), ...(this.pyscript ? { isolated: true } : {}) }),
      startTestServer(),
    ]);
    const urlOf = (file: string) => (/^https?:/.test(file) ? file : `${this.staticServer!.url}wheels${dirs.indexOf(dirname(file))}/${encodeURIComponent(file.slice(dirname(file).length + 1))}`);
    const snapshot = await this.ensureSnapshot(snapshotFolder, uploads, this.wheelFiles.map(urlOf), checked?.folder === snapshotFolder ? checked.found : checkSnapshot(snapshotFolder));
    rmSync(uploads.dir, { recursive: true, force: true });
    this.timing(`set up in ${Math.round(this.elapsedMs())} ms (Chromium, servers, cache checks)`);
    this.status.show(snapshot ? "loading the page…" : "loading Pyodide and pytest in the page…");
    const base = this.staticServer.url;
    const env = {
      ...prepareTraces(this.options, this.io.cwd, this.blobs), // --ws-trace, --record-har, --replay-har
      WSBRIDGE_TEST_SERVER: this.testServer.url,
      WSBRIDGE_TIMEOUT: String(this.options.timeout),
      WSBRIDGE_STDIN_REFUSAL: terminalRefusal(process.stdin, this.io.env, this.options.watch),
      COLUMNS: String(this.io.columns ?? 80),
      ...(this.io.env.PY_COLORS !== undefined ? { PY_COLORS: this.io.env.PY_COLORS } : {}),
      ...(this.io.env.NO_COLOR !== undefined ? { NO_COLOR: this.io.env.NO_COLOR } : {}),
      ...(this.io.env.FORCE_COLOR !== undefined ? { FORCE_COLOR: this.io.env.FORCE_COLOR } : {}),
    };
    const setupFor = (project: string): PageSetup => ({
      baseURL: base,
      ...(snapshot ? { snapshot: { memoryURL: `${base}snapshot/memory.bin`, filesURL: `${base}snapshot/files.bin` } } : {}),
      wheelURLs: this.wheelFiles.map(urlOf),
      pyodidePackageURLs: this.pyodidePackages.map(urlOf),
      projectURL: `${base}__blob/${project}`,
      prepare: JSON.stringify({ cwd: this.io.cwd, env }),
      loadTimeoutMs: this.options.loadTimeout * 1000,
      ...(this.pyscript ? { pyscript: pyscriptPageOptions(this.pyscript, base, this.io.cwd) } : {}),
    });
    this.setups = { controller: setupFor("project-controller.bin"), worker: setupFor("project-worker.bin") };
    this.ownsEnvironment = true;
    return { browser: this.browser, staticServer: this.staticServer, testServer: this.testServer, setups: this.setups, blobs: this.blobs, rootdir: this.rootdir };
  }

  /**
   * Runs one pytest session in `env` (this run's own, or one `wsbridge test --watch` keeps): the controller page is
   * `spare` when given (a warm page, loaded but without the project), else a new one.
   */
  async session(env: Environment, spare?: Promise<TestPage>): Promise<number> {
    ({ browser: this.browser, staticServer: this.staticServer, testServer: this.testServer, setups: this.setups, rootdir: this.rootdir } = env);
    this.spare = spare;
    const workers = this.pageCount();
    this.slots = Array.from({ length: workers }, (_, index) => ({ index, console: [], line: "" }));
    const plan = new Promise<Job[]>((ok) => { this.planned = ok; });
    // Worker pages start with the controller when the project has the files for them (the plan closes any unneeded).
    const guessed = this.mirror ? countTestFiles(this.mirror.entries.filter((e) => e.data).map((e) => e.path), this.options.pytestArgs, this.io.cwd, iniPythonFiles(this.inifile)) : 0;
    for (const slot of this.slots.slice(1, guessed)) this.openSlot(slot, "with the controller");
    await this.startController([]);
    this.armCollectionWatchdog();
    const work = plan.then(async (jobs) => {
      clearTimeout(this.collectionTimer);
      this.queue = jobs;
      const used = this.slots.slice(0, Math.max(1, Math.min(this.slots.length, jobs.length)));
      for (const slot of this.slots.slice(used.length)) void this.closeSlot(slot);
      await Promise.all(used.map((slot) => this.workLoop(slot, used.length === 1)));
      this.sendToController({ t: "done" });
    });
    work.catch(() => undefined);
    let outcome: SessionOutcome;
    try {
      outcome = await this.sessionOutcome();
      if (this.timings) this.timing(`page memory at the end: ${describeMemory(rendererMemory())}`);
    } catch (error) {
      this.stopping = true;
      if (this.collectionBlocked !== undefined) {
        this.io.err(`wsbridge test: ${this.collectionBlocked}\n`);
        return EXIT.interrupted;
      }
      throw new Error(`pytest failed in the controller page: ${error instanceof Error ? error.message : String(error)}\n${this.slots[0]?.console.join("\n") ?? ""}`);
    } finally {
      clearTimeout(this.collectionTimer);
      this.stopping = true;
      this.planned?.([]);
      await Promise.all(this.slots.slice(1).map((slot) => this.closeSlot(slot)));
    }
    await Promise.race([this.end, new Promise((ok) => setTimeout(ok, END_WAIT_MS).unref())]);
    this.writeBack(outcome.files);
    writeCoverageFiles(outcome.binary ?? {}, this.io.err);
    return this.interrupted ? this.interruptCode : outcome.exit;
  }

  /**
   * Pages that run tests: --workers (default 1: a second page costs a second of CPU at start, which only pays when
   * tests wait; `auto`: the cores), at most MAX_PAGES_PER_CORE a core, said in one line.
   */
  private pageCount(): number {
    const cores = Math.max(1, availableParallelism());
    const workers = this.options.workers ?? 1;
    const asked = workers === "auto" ? cores : workers;
    const pdb = pdbOption(this.options.pytestArgs);
    if (pdb && asked > 1) {
      this.io.err(`wsbridge: ${pdb}: one page runs the tests, not ${asked} (pdb opens in this terminal, in the controller page)\n`);
      return 1;
    }
    const most = cores * MAX_PAGES_PER_CORE;
    if (asked <= most) return asked;
    this.io.err(`wsbridge: --workers ${asked} is more than ${MAX_PAGES_PER_CORE} pages a core (${cores} cores here): ${most} pages run the tests\n`);
    return most;
  }

  /** The cached snapshot, made (or made again, when it fails its check) if need be; undefined when it cannot be made. */
  private async ensureSnapshot(dir: string, uploads: { token: string; dir: string }, wheelURLs: string[], found: ReturnType<typeof checkSnapshot>): Promise<Snapshot | undefined> {
    const release = pyodideRelease(this.options.pyodide);
    if (!snapshotRestorePatchable(release.dir)) {
      this.io.err(`wsbridge: no page snapshot on Pyodide ${release.version} (its ${release.asm} lacks the statement wsbridge patches to restore snapshots over 30 MiB); pages load Pyodide in full, which starts slower\n`);
      return undefined;
    }
    if (typeof found === "object") {
      markUsed(dir);
      return found;
    }
    if (typeof found === "string") this.io.err(`wsbridge: the page snapshot in ${dir} is damaged (${found}); making it again\n`);
    const t0 = Date.now();
    this.status.show("making the page snapshot (once per cache and wsbridge version, a few seconds)…");
    try {
      const made = await makeSnapshot(dir, { browser: this.browser!, baseURL: this.staticServer!.url, uploads, wheelURLs, timeoutMs: this.options.loadTimeout * 1000, sitePackages: pyodideRelease(this.options.pyodide).sitePackages });
      this.timing(`page snapshot made in ${Date.now() - t0} ms`);
      const removed = pruneSnapshots(dirname(dir), dir);
      if (removed.length) this.timing(`removed ${removed.length} older page snapshot${removed.length === 1 ? "" : "s"} (${SNAPSHOTS_KEPT} are kept)`);
      return made;
    } catch (error) {
      this.io.err(`wsbridge: no page snapshot (${reason(error)}); pages load Pyodide in full, which starts slower\n`);
      return undefined;
    }
  }

  /** Opens a controller page and starts the user's pytest session in it, replaying `resume` first (muted). */
  private async startController(resume: ControllerStart["resume"]): Promise<void> {
    const slot = this.slots[0]!;
    slot.console = [];
    const t0 = Date.now();
    const events: PageEvents = {
      message: (kind, json) => this.fromController(kind, json),
      // pytest's stderr (its usage errors, warnings printed by plugins) stays stderr, as when pytest runs on the host.
      output: (stream, text) => (stream === "err" ? this.io.err(text) : this.io.out(text)),
      console: (line) => keep(slot.console, line),
    };
    const spare = this.spare;
    this.spare = undefined;
    try {
      if (spare) {
        const page = await spare;
        page.listen(events);
        await page.loadProject(this.setups!.controller);
        this.controller = page;
      } else {
        this.controller = await TestPage.open(this.browser!, this.setups!.controller, events);
      }
    } catch (error) {
      throw new SetupError(`the controller page did not start: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
    slot.page = this.controller;
    if (resume.length) await this.controller.mute(true);
    this.timing(`controller page ready in ${Date.now() - t0} ms ${JSON.stringify(this.controller.steps)}`);
    if (this.timings) this.timing(`page memory at ready: ${describeMemory(rendererMemory())}`);
    this.end = new Promise<void>((ok) => { this.ended = ok; });
    const payload: ControllerStart = { args: [...this.colorArgs(), ...this.options.pytestArgs], shard: this.options.shard ?? null, elapsed: this.elapsedMs() / 1000, resume };
    this.pytestSession = this.controller.py.runAsync<SessionOutcome>(
      `from wsbridge import _pytest_session\n_pytest_session.run_controller(${pyString(JSON.stringify(payload))})`,
    );
    this.pytestSession.catch(() => undefined);
  }

  /** The controller session's outcome; a controller killed for a blocked test is replaced and its successor awaited. */
  private async sessionOutcome(): Promise<SessionOutcome> {
    for (;;) {
      const session = this.pytestSession!;
      try {
        return await session;
      } catch (error) {
        if (!this.resuming) throw error;
        await this.resuming;
        if (this.pytestSession === session) throw error;
      }
    }
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

  /** Messages from the controller: the plan, its own tests' events (to its PageRun), "stop" (-x, --maxfail), "end". */
  private fromController(kind: string, json: string): void {
    if (!isPageMessage(kind)) return;
    const data = JSON.parse(json) as PageMessages[typeof kind];
    if (TEST_MESSAGE_KINDS.has(kind) && this.planSeen) {
      this.slots[0]?.run?.receive(kind, data);
      return;
    }
    (this.controllerSays[kind] as ((data: unknown) => void) | undefined)?.(data);
  }

  /** The controller's own messages, one handler each (its tests' messages go to its PageRun once it has planned). */
  private readonly controllerSays: { [K in keyof PageMessages]?: (data: PageMessages[K]) => void } = {
    collecting: (file) => {
      this.armCollectionWatchdog(file);
      // A second file means work for a second page: it loads while the controller collects (never more than files).
      const slot = this.slots[++this.collecting - 1];
      if (slot && slot.index > 0) this.openSlot(slot, "as the controller collects a second file");
    },
    end: () => this.ended(),
    options: (options) => { this.workerOptions = options; },
    plan: (jobs) => {
      // A resumed controller plans again: the first plan stands.
      if (!this.planSeen) { this.planSeen = true; this.planned?.(jobs); }
    },
    stop: () => { this.stopping = true; },
    stdin: () => void this.terminal.answer(this.inputHost()),
  };

  /** What answering pdb's "stdin" needs: the controller's watchdogs to stand still, and the way to it. */
  private inputHost(): InputHost {
    const run = this.slots[0]?.run;
    return {
      pause: () => { run?.pause(); if (!this.planSeen) clearTimeout(this.collectionTimer); },
      resume: () => { run?.resume(); if (!this.planSeen) this.armCollectionWatchdog(); },
      send: (line) => this.sendToController({ t: "input", line }),
      interrupted: this.interruptedSignal,
    };
  }

  /** Delivers to the controller in order; a test's events are kept for a resume, and not delivered twice. */
  private sendToController(message: ControllerMessage): void {
    let seq: number | undefined;
    if (message.t === "test") {
      seq = this.log.length;
      this.log.push({ events: message.events, printed: false });
    }
    this.toController = this.toController
      .then(() => this.resuming)
      .then(() => (seq !== undefined && seq < this.resumedUpTo ? undefined : this.controller?.deliver(message)))
      .catch(() => undefined);
  }

  /** Takes files from the queue until it is empty or the run stops; a single page takes them all at once. */
  private async workLoop(slot: Slot, alone: boolean): Promise<void> {
    while (this.queue.length && !this.stopping) {
      const jobs = alone || slot.index === 0 ? this.queue.splice(0, alone ? this.queue.length : 1) : this.queue.splice(0, 1);
      await this.runJobs(slot, jobs);
    }
  }

  /** Starts opening a worker slot's page unless it has one or is opening it; `when` is for WSBRIDGE_TIMINGS. */
  private openSlot(slot: Slot, when: string): void {
    if (slot.page || slot.opening) return;
    this.timing(`worker page ${slot.index + 1} opening ${when}`);
    slot.opening = this.openWorker(slot);
    slot.opening.catch(() => undefined);
  }

  /** Opens (or reopens) a worker slot's page. */
  private openWorker(slot: Slot): Promise<TestPage> {
    slot.console = [];
    const t0 = Date.now();
    return TestPage.open(this.browser!, this.setups!.worker, {
      message: (kind, json) => {
        // A worker's pytest-cov data goes to the controller, which combines it (./coverage.ts).
        if (kind === "coverage") this.sendToController({ t: "coverage", ...(JSON.parse(json) as PageMessages["coverage"]) });
        else if (isPageMessage(kind)) slot.run?.receive(kind, JSON.parse(json) as PageMessages[typeof kind]);
      },
      output: (_stream, text) => this.workerOutput(slot, text),
      console: (line) => keep(slot.console, line),
    }).then((page) => { this.timing(`worker page ${slot.index + 1} ready in ${Date.now() - t0} ms ${JSON.stringify(page.steps)}`); return page; });
  }

  /** With WSBRIDGE_TIMINGS=1, one line on stderr per page start-up (for `npm run bench:runner`). */
  /** WSBRIDGE_TIMINGS=1: each start-up step's time and the pages' memory go to stderr. */
  private get timings(): boolean {
    return this.io.env.WSBRIDGE_TIMINGS === "1";
  }

  private timing(line: string): void {
    if (this.timings) this.io.err(`wsbridge: ${line}\n`);
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

  /** Runs jobs on the slot, reopening the page (a new controller, for slot 0) when a test blocks or crashes it. */
  private async runJobs(slot: Slot, jobs: Job[]): Promise<void> {
    let remaining = jobs.flatMap((job) => job.ids);
    const whole = jobs.length === 1 && jobs[0]!.whole === true;
    const own = slot.index === 0;
    while (remaining.length > 0 && !this.stopping) {
      let page: TestPage;
      try {
        if (own) {
          await this.resuming;
          page = this.controller!;
        } else {
          page = slot.page ?? (await (slot.opening ?? this.openWorker(slot)));
          slot.page = page;
          slot.opening = undefined;
        }
      } catch (error) {
        slot.opening = undefined;
        for (const id of remaining) this.lost(id, `the worker page did not start: ${error instanceof Error ? error.message : String(error)}`, "");
        return;
      }
      const before = remaining.length;
      const run = new PageRun(this.pageRunHost(), page, remaining, own, slot.console, whole && remaining.length === before ? jobs[0]!.file : undefined);
      slot.run = run;
      remaining = await run.done;
      slot.run = undefined;
      if (run.dropped && !own) slot.page = undefined;
      if (remaining.length === before) {
        // The page died before any test started (twice would be a loop): report the file's tests instead.
        for (const id of remaining) this.lost(id, "not run: the page died before this file's first test started", slot.console.join("\n"));
        return;
      }
    }
  }

  /** What a PageRun needs of this run. */
  private pageRunHost(): PageRunHost {
    const run = this;
    return {
      timeoutS: this.options.timeout,
      loadTimeoutS: this.options.loadTimeout,
      keep: (events, printed) => { this.log.push({ events, printed }); },
      send: (message) => this.sendToController(message),
      lost: (id, message, output) => this.lost(id, message, output),
      stop: () => { this.stopping = true; },
      get stopping() { return run.stopping; },
      replaceController: (lostLast) => this.replaceController(lostLast),
      runInController: (ids) => { this.runSentAt = this.log.length; this.sendToController({ t: "run", ids }); },
      runInWorker: (page, ids) => {
        const start: WorkerStart = { args: this.workerArgs(), ids, roots: [this.rootdir] };
        return page.py.runAsync<number>(`_pytest_session.run_worker(${pyString(JSON.stringify(start))})`);
      },
    };
  }

  /**
   * The controller page was killed (a test blocked it): a new one collects again, replays every test's events the
   * old one saw (output muted: the terminal has it) and runs the rest.
   */
  private replaceController(lostLast: boolean): void {
    const old = this.controller;
    this.controller = undefined;
    void old?.close();
    // Replayed in the order the terminal needs: what it shows (muted), the lost test (its start shown), the rest.
    const lost = lostLast ? this.log.at(-1) : undefined;
    const before = (lost ? this.log.slice(0, -1) : this.log).map((entry, seq) => ({ ...entry, printed: entry.printed || seq < this.runSentAt }));
    const resume = [
      ...before.filter((e) => e.printed).map((e) => ({ events: e.events, shown: e.events.length })),
      ...(lost ? [{ events: lost.events, shown: 1 }] : []),
      ...before.filter((e) => !e.printed).map((e) => ({ events: e.events, shown: 0 })),
    ];
    for (const entry of this.log) entry.printed = true;
    this.resumedUpTo = this.log.length;
    this.resuming = this.startController(resume);
    this.resuming.catch(() => undefined);
  }

  /** Reports a test that could not run (its page died before it started): one failed report to the controller. */
  private lost(id: string, message: string, output: string): void {
    const nodeid = nodeIdOf(id, this.rootdir);
    const location: Location = [nodeid.split("::")[0]!, null, nodeid.split("::").slice(1).join("::")];
    this.sendToController({ t: "test", events: [
      { t: "start", nodeid, location },
      { t: "lost", nodeid, location, message, duration: 0, output },
      { t: "finish", nodeid, location },
    ] });
  }

  /** Milliseconds since the command started, on the monotonic clock. */
  private elapsedMs(): number {
    return performance.now() - this.startedMono;
  }

  /** The absolute paths of the files with a failed test in this run (for `--watch`: failed files first, `f`). */
  failedFiles(): string[] {
    const files = new Set<string>();
    for (const { events } of this.log) {
      for (const event of events) {
        const nodeid = event.t === "report" ? String(event.data.outcome === "failed" ? event.data.nodeid : "") : event.t === "lost" ? event.nodeid : "";
        if (nodeid) files.add(resolve(this.rootdir, nodeid.split("::")[0]!));
      }
    }
    return [...files];
  }

  /** The ini file pytest will read (found as pytest finds it), if any. */
  get iniFile(): string | undefined {
    return this.inifile;
  }

  /** Settles when the run is interrupted (Ctrl-C, SIGTERM). */
  whenInterrupted(): Promise<void> {
    return this.interruptedSignal;
  }

  /** Ctrl-C (exit 130) or SIGTERM (143): no more files; the controller stops, pytest prints the partial summary and writes its files. */
  async interrupt(code: number = EXIT.sigint): Promise<void> {
    this.interruptCode = code;
    this.signalInterrupt();
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
        writeFileSync(target, target === junit ? withRunTimes(text, this.started, this.elapsedMs() / 1000) : text);
      } catch (error) {
        this.io.err(`wsbridge test: cannot write ${target}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }

  /** Closes what this run started: its pages, and Chromium and the servers unless they are a shared environment's. */
  async stop(): Promise<void> {
    if (!this.ownsEnvironment && !this.launching) {
      await this.controller?.close();
      await Promise.all(this.slots.map((slot) => this.closeSlot(slot)));
      return;
    }
    const browser = this.browser ?? (await this.launching?.catch(() => undefined));
    const closing = browser?.close().catch(() => undefined);
    if (!this.io.exitsAfter) await closing;
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

/** An error in one line: a Python traceback's last line (the exception), else the message's first. */
function reason(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).trim().split("\n");
  if (!lines[0]!.includes("Traceback (most recent call last)")) return lines[0]!;
  return lines.filter((line) => /^[\w.]*(Error|Exception|Exit|Interrupt)\b/.test(line)).at(-1)?.trim() ?? lines[0]!;
}

/** Keeps the last CONSOLE_KEEP lines. */
function keep(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > CONSOLE_KEEP * 2) lines.splice(0, lines.length - CONSOLE_KEEP);
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
  --workers N|auto     pages that run test files at once (default 1; auto: the
                       number of cores, at most 2 pages a core); one summary,
                       one JUnit file, same exit code
  --shard I/N          run only shard I of N (files split deterministically),
                       for CI matrices
  --timeout SECONDS    per-test time limit (default 30; a test can set its own
                       with @pytest.mark.timeout(S)). A hung await fails the
                       test; a test that blocks the page is killed with its
                       page and the rest continues in a new page
  --requirements FILE  packages for the page, resolved with their
                       dependencies by the host's pip (pure-Python wheels;
                       cached; installed once per page)
  --wheels DIR         a folder of .whl files installed into every page as
                       given (their versions win over the requirements)
  --pyodide-index P    a Pyodide package index (folder or URL with
                       pyodide-lock.json) for what the requirements need and
                       pip has no pure-Python wheel of (pip's wheels first)
  --pyodide DIR        the Pyodide distribution pages load (a folder with
                       pyodide.mjs, e.g. node_modules/pyodide of
                       \`npm install pyodide@0.28.3\`; 0.27.x-0.29.x, 314.x);
                       default: the one wsbridge is installed with
  --load-timeout S     seconds for a page to load Pyodide and the packages
                       (default 120)
  --pyscript           pages where PyScript's \`pyscript\` package works (from the
                       local @pyscript/core), with the project's pyscript.toml
                       or pyscript.json (files, fetch, js_modules, packages)
  --headed             show Chromium's windows (for its DevTools; needs a
                       display: xvfb-run on a machine without one)
  --slowmo MS          wait MS milliseconds before each browser call
  --watch              keep the pages warm and rerun on every save under the
                       rootdir: the changed test files and those importing a
                       changed module (else all), failed files first, each in
                       a fresh interpreter; keys a (all), f (failed), q (quit)
  --browser NAME       chromium (default) or firefox: the browser the pages
                       run in (Firefox is driven by puppeteer-core over
                       WebDriver BiDi; see the README for its limits)
  --ws-trace MODE      on, off or retain-on-failure (default): a failing
                       test's report lists its WebSockets and their last
                       frames; its traffic is also written as a HAR file under
                       test-results/ws-traces/ (on: every test's)
  --record-har DIR     save each test's WebSocket traffic as DIR/<test>.har
  --replay-har DIR     run each test against its recording in DIR, offline,
                       answered by request; a message that differs fails it
  --browser-path P     the browser to use; otherwise $WSBRIDGE_CHROMIUM, then
                       /usr/bin/chromium, chromium, chromium-browser,
                       google-chrome on PATH (Firefox: $WSBRIDGE_FIREFOX, then
                       firefox-esr, firefox)
  -h, --help           this text

The same keys in pyproject.toml:
  [tool.wsbridge]
  requirements = "requirements-page.txt"
  wheels = "wheels/"
  pyodide-index = "https://..."
  pyodide = "node_modules/pyodide"
  pyscript = true                (or the config's path: "web/pyscript.toml")

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

