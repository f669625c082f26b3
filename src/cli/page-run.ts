// One pytest run over some tests on one page (the controller's session, or a worker page's own pytest), watched from
// Node: each message the page's pytest sends about its tests has its method here (the shape of pytest-xdist's
// WorkerController), and a page that blocks longer than a test's limit (plus a grace) is killed and its test reported.
import type { ControllerMessage, Location, PageMessages, TestEvent } from "./protocol.js";
import type { TestPage } from "./page.js";

/** Seconds the runner waits past a test's own time limit before it declares the page blocked. */
export const BLOCKED_GRACE_S = 5;

/** What a run on a page needs from the whole run (./runner.ts). */
export interface PageRunHost {
  /** --timeout and --load-timeout, in seconds. */
  timeoutS: number;
  loadTimeoutS: number;
  /** The controller's own test, kept for a resume (`printed`: on the terminal already). */
  keep(events: TestEvent[], printed: boolean): void;
  /** Delivers to the controller, in order. */
  send(message: ControllerMessage): void;
  /** A test that could not run: one failed report to the controller. */
  lost(id: string, message: string, output: string): void;
  /** No more files start (-x, pytest.exit, an interrupt). */
  stop(): void;
  /** True once the run is stopping. */
  readonly stopping: boolean;
  /** The controller page was killed: a new one takes over (`lostLast`: the log's last entry is its lost test). */
  replaceController(lostLast: boolean): void;
  /** Tells the controller to run `ids` (remembering what it has replayed so far). */
  runInController(ids: string[]): void;
  /** Starts a worker page's pytest on `ids` (run ids, or a file); resolves to pytest's exit code. */
  runInWorker(page: TestPage, ids: string[]): Promise<number>;
}

/** The test a page is running. */
interface Running {
  nodeid: string;
  location: Location;
  started: number;
  consoleFrom: number;
  /** Its time limit in seconds. */
  limit: number;
}

/** The part of a test id after the file: `test_x[1]`, `TestA::test_b` (the key a run id and a node id share). */
export function restOf(id: string): string {
  const at = id.indexOf("::");
  return at < 0 ? id : id.slice(at + 2);
}

/** One run on one page; `done` resolves to the ids still to run after a killed page (none when it ended). */
export class PageRun {
  readonly done: Promise<string[]>;
  private resolve: (rest: string[]) => void = () => undefined;
  private readonly left: Map<string, string>;
  private events: TestEvent[] = [];
  /** A worker page's finished tests, replayed together when its file ends: one progress line per file. */
  private pending: TestEvent[][] = [];
  private running?: Running;
  private collecting = false;
  private collectErrors = "";
  private timer?: NodeJS.Timeout;
  private finished = false;
  /** Set as soon as the page is dropped: its pytest call then rejects, and must not report a test twice. */
  private killed = false;
  private ranInController: () => void = () => undefined;

  /**
   * Starts the run: `own` when the page is the controller (its session has the reports already); `file` when a worker
   * page runs a whole file instead of its ids; `console` the page's console lines (for a killed page's report).
   */
  constructor(private host: PageRunHost, private page: TestPage, private ids: string[], private own: boolean, private console: string[], file?: string) {
    this.left = new Map(ids.map((id) => [restOf(id), id]));
    this.done = new Promise<string[]>((ok) => { this.resolve = ok; });
    const call: Promise<unknown> = own
      ? new Promise<void>((ok) => { this.ranInController = ok; host.runInController(ids); })
      : host.runInWorker(page, file ? [file] : ids);
    this.idle();
    call.then((code) => this.ended(code), (error: unknown) => this.failed(error));
  }

  /** True when the page was dropped (killed, or died): the slot needs a new one. */
  get dropped(): boolean {
    return this.killed;
  }

  /** The page's message `kind`: each has its method; unknown kinds are ignored. */
  receive<K extends keyof PageMessages>(kind: K, data: PageMessages[K]): void {
    const handler = (this as unknown as Record<string, ((data: unknown) => void) | undefined>)[`on_${kind}`];
    handler?.call(this, data);
  }

  on_start(data: PageMessages["start"]): void {
    const limit = Number(data.timeout) || this.host.timeoutS;
    this.running = { nodeid: data.nodeid, location: data.location, started: Date.now(), consoleFrom: this.console.length, limit };
    this.events = [{ t: "start", nodeid: data.nodeid, location: data.location }];
    this.armTest(this.running);
  }

  /** The watchdog of the running test: its limit plus a grace, then the page is killed. */
  private armTest(test: Running): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kill(
      `Timeout: ${test.nodeid} did not finish within ${test.limit} s and blocked the page (a synchronous loop or wait never ` +
      `returned). The page was killed; a new page runs the rest of this file.`,
    ), (test.limit + BLOCKED_GRACE_S) * 1000);
  }

  /** pdb waits for the terminal: the page is not blocked, whatever the time (./terminal-input.ts). */
  pause(): void {
    clearTimeout(this.timer);
  }

  /** pdb has its line: the running test's watchdog (or the one between tests) starts afresh. */
  resume(): void {
    if (this.finished || this.killed) return;
    if (this.running) this.armTest(this.running);
    else this.idle();
  }

  on_report(data: PageMessages["report"]): void {
    this.events.push({ t: "report", data: data.data });
  }

  on_finish(data: PageMessages["finish"]): void {
    this.events.push({ t: "finish", nodeid: data.nodeid, location: data.location });
    this.record(this.events);
    this.events = [];
    this.left.delete(restOf(data.nodeid));
    this.running = undefined;
    this.idle();
  }

  /** Recorded after the test's finish (pytest's warnings plugin wraps the whole protocol): kept on its own. */
  on_warning(data: PageMessages["warning"]): void {
    this.record([{ t: "warning", ...data }]);
  }

  /** pytest.exit() in a worker page: no more files start, and the controller's session ends with its code. */
  on_exit(data: PageMessages["exit"]): void {
    if (this.own) return;
    this.host.stop();
    this.flush();
    this.host.send({ t: "exit", msg: data.msg, returncode: data.returncode });
  }

  /** KeyboardInterrupt raised in a worker page's test: the controller's session is interrupted (exit 2). */
  on_interrupt(): void {
    if (this.own) return;
    this.host.stop();
    this.flush();
    this.host.send({ t: "interrupt" });
  }

  on_collecterror(data: PageMessages["collecterror"]): void {
    this.collectErrors += `${data.text}\n`;
  }

  /** A page collecting a big file is not blocked: --load-timeout applies until "collected". */
  on_collecting(): void {
    this.collecting = true;
    this.idle();
  }

  on_collected(): void {
    this.collecting = false;
    this.idle();
  }

  on_ran(): void {
    this.ranInController();
  }

  /** A finished test: the controller's own is kept for a resume; a worker page's waits for its file's end. */
  private record(group: TestEvent[]): void {
    if (this.own) this.host.keep(group, true);
    else this.pending.push(group);
  }

  /** Hands a worker page's finished tests to the controller. */
  private flush(): void {
    for (const events of this.pending) this.host.send({ t: "test", events });
    this.pending = [];
  }

  private finish(rest: string[]): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.flush();
    this.resolve(rest);
  }

  /** Closes a worker page, or has the controller replaced. */
  private dropPage(lostLast: boolean): void {
    this.killed = true;
    if (this.own) this.host.replaceController(lostLast);
    else void this.page.close();
  }

  /** The running test blocked the page: it is reported failed, the page dropped, the rest run elsewhere. */
  private kill(why: string): void {
    const test = this.running;
    if (this.finished || this.killed || !test) return;
    this.running = undefined;
    const output = this.console.slice(test.consoleFrom).join("\n");
    const events: TestEvent[] = [...this.events,
      // A page that dies after the test's call was reported (in its teardown) fails the teardown, as pytest would.
      { t: "lost", nodeid: test.nodeid, location: test.location, message: why, duration: (Date.now() - test.started) / 1000, output,
        afterCall: this.events.some((e) => e.t === "report" && e.data.when === "call") },
      { t: "finish", nodeid: test.nodeid, location: test.location }];
    // The controller's own lost test is replayed by its successor; a worker page's goes to the controller.
    if (this.own) this.host.keep(events, false);
    else this.pending.push(events);
    this.events = [];
    this.left.delete(restOf(test.nodeid));
    this.dropPage(this.own);
    this.finish([...this.left.values()]);
  }

  /** Outside a test (importing the file, between tests) the page may block too: the same limit applies. */
  private idle(): void {
    clearTimeout(this.timer);
    const between = this.host.timeoutS + BLOCKED_GRACE_S;
    const limit = this.collecting ? Math.max(this.host.loadTimeoutS, between) : between;
    this.timer = setTimeout(() => {
      if (this.finished || this.killed || this.running) return;
      this.dropPage(false);
      const where = this.collecting ? "collecting the file" : "outside any test (importing the file or a conftest.py)";
      for (const id of this.left.values()) this.host.lost(id, `not run: the page blocked for ${limit} s ${where}`, this.console.join("\n"));
      this.finish([]);
    }, limit * 1000);
  }

  /** The page's pytest returned: tests it never reached (a worker page's collection failed) are reported. */
  private ended(code: unknown): void {
    if (this.finished || this.killed) return;
    if (!this.own && this.left.size > 0 && !this.host.stopping && code !== 1) {
      const why = `not run: pytest in the worker page exited with code ${String(code)}${this.collectErrors ? `:\n${this.collectErrors}` : ""}`;
      for (const id of this.left.values()) this.host.lost(id, why, "");
    }
    this.finish([]);
  }

  /** The page died (crashed, or closed under it). */
  private failed(error: unknown): void {
    if (this.finished || this.killed) return;
    if (this.running) this.kill(`the page died while this test ran: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    else { this.dropPage(false); this.finish([...this.left.values()]); }
  }
}
