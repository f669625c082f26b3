// The runner's protocol: every message between Node (./runner.ts, ./page-run.ts) and the pages' pytest
// (python/wsbridge/_pytest_session.py), one typed list per direction. python/wsbridge/_runner_protocol.py mirrors it
// with TypedDicts; test/unit/runner-protocol.test.ts fails when the two disagree (a kind or a field on one side only).

/** pytest's location of a test: file (relative to rootdir), line (0-based, or null), the name in its file. */
export type Location = [string, number | null, string];

/** A page → Node: `[kind, json]` pairs in `__wsbridgeEmit` batches, one ordered stream with the page's stdout and stderr. */
export interface PageMessages {
  /** The controller's pytest options as it parsed them (for the worker pages), and whether the cache plugin is on. */
  options: { args: string[]; cache: boolean };
  /** A test file is being imported (collection): the runner names it if the page blocks. */
  collecting: string;
  /** Collection is over, with this many tests. */
  collected: number;
  /** The controller's plan: each file's run ids (`/abs/file.py::rest`), and whether the whole file runs. */
  plan: Array<{ file: string; ids: string[]; whole: boolean }>;
  /** -x / --maxfail reached: no more files start. */
  stop: null;
  /** The controller's session has written its last output. */
  end: null;
  /** A test starts, with its time limit in seconds (the runner's watchdog allows it that, plus a grace). */
  start: { nodeid: string; location: Location; timeout: number };
  /** One of a test's reports (setup, call, teardown), as pytest serialises it. */
  report: { nodeid: string; data: Record<string, unknown> };
  /** A test is over. */
  finish: { nodeid: string; location: Location };
  /** A warning a test raised (recorded after its finish). */
  warning: { nodeid: string; category: string; message: string; filename: string; lineno: number };
  /** pytest.exit() in a worker page: the session ends with this message and code. */
  exit: { msg: string; returncode: number };
  /** KeyboardInterrupt raised in a worker page: the session is interrupted. */
  interrupt: null;
  /** A file that collected in the controller failed to collect in a worker page. */
  collecterror: { nodeid: string; text: string };
  /** A worker page's pytest-cov data files after its session (path → base64), for the controller (./coverage.ts). */
  coverage: { files: Record<string, string> };
  /** The controller has run the tests of its "run" message. */
  ran: null;
  /** pdb waits for a line of the runner's terminal (answered with "input"; time limits stand still meanwhile). */
  stdin: null;
}

/** One event of a test, as the controller replays it (a worker page's, or one the runner made for a killed page). */
export type TestEvent =
  | { t: "start"; nodeid: string; location: Location }
  | { t: "report"; data: Record<string, unknown> }
  | { t: "finish"; nodeid: string; location: Location }
  | { t: "lost"; nodeid: string; location: Location; message: string; duration: number; output: string; afterCall?: boolean }
  | ({ t: "warning" } & PageMessages["warning"]);

/** Node → the controller page: `__wsbridgeDeliver(json)`, read in order by `__wsbridgeNext()`; `t` is the kind. */
export interface ControllerMessages {
  /** Run these tests of the plan in this page's session, then say "ran". */
  run: { ids: string[] };
  /** Replay one test's events (a worker page ran it). */
  test: { events: TestEvent[] };
  /** Every file has run: the session ends. */
  done: object;
  /** Ctrl-C, SIGTERM, or KeyboardInterrupt in a worker page. */
  interrupt: object;
  /** pytest.exit() in a worker page. */
  exit: { msg: string; returncode: number };
  /** A worker page's coverage data files, combined by the controller's pytest-cov. */
  coverage: { files: Record<string, string> };
  /** The terminal's next line for pdb, without its newline; null at its end. */
  input: { line: string | null };
}

/** A message to the controller, its kind in `t`. */
export type ControllerMessage = { [K in keyof ControllerMessages]: { t: K } & ControllerMessages[K] }[keyof ControllerMessages];

/** The kinds of each direction, as lists (for checks at run time and against the Python side). */
export const PAGE_MESSAGE_KINDS = ["options", "collecting", "collected", "plan", "stop", "end", "start", "report", "finish", "warning", "exit", "interrupt", "collecterror", "ran", "coverage", "stdin"] as const;
export const CONTROLLER_MESSAGE_KINDS = ["run", "test", "done", "interrupt", "exit", "coverage", "input"] as const;

// Compile-time: the lists hold exactly the interfaces' keys.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const pageKindsMatch: Same<(typeof PAGE_MESSAGE_KINDS)[number], keyof PageMessages> = true;
const controllerKindsMatch: Same<(typeof CONTROLLER_MESSAGE_KINDS)[number], keyof ControllerMessages> = true;
void pageKindsMatch;
void controllerKindsMatch;

/** What a page's pytest sends about the tests it runs (the rest is the controller's own business). */
export const TEST_MESSAGE_KINDS: ReadonlySet<keyof PageMessages> = new Set(["start", "report", "finish", "warning", "exit", "interrupt", "collecterror", "collecting", "collected", "ran"]);

/** True when `kind` is one of the page's message kinds. */
export function isPageMessage(kind: string): kind is keyof PageMessages {
  return (PAGE_MESSAGE_KINDS as readonly string[]).includes(kind);
}

/** The payloads of the calls that start pytest in a page. */
export interface ControllerStart {
  args: string[];
  shard: [number, number] | null;
  /**
   * Seconds since the command started, as Node measured them when it started this session: pytest's summary shows the
   * command's wall time (the page adds its own monotonic time since; the page's wall clock is not Node's).
   */
  elapsed: number;
  /** A new controller replaying a killed one's tests: each entry's first `shown` events are on the terminal already. */
  resume: Array<{ events: TestEvent[]; shown: number }>;
}
export interface WorkerStart {
  args: string[];
  /** Run ids, or one file's path when the whole file runs. */
  ids: string[];
  /** Folders whose modules are dropped after the run, so the next file starts afresh. */
  roots: string[];
}
