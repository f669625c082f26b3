// One test page: a browser page + Pyodide + wsbridge + the page wheels + the project's files, and a message channel
// with the page's pytest (`__wsbridgeEmit` batches out, `__wsbridgeNext` in) and its stdout/stderr streamed as text.
import type { DriverBrowser, DriverContext, DriverPage } from "../driver/driver.js";
import { attachPython, within, type PythonHandle } from "../playwright/attach.js";
import type { RunnerPlumbing } from "../pyodide/page.js";
import type { PyScriptPageOptions } from "../pyodide/pyscript-page.js";
import { writeTrace } from "./ws-trace.js";

/** The page globals src/pyodide/page.ts leaves for the runner. */
interface RunnerGlobals {
  __wsbridgeRunner: RunnerPlumbing;
}

export interface PageSetup {
  /** Static server base URL (serves pyodide/ and wsbridge/ and the wheel mounts). */
  baseURL: string;
  /** A memory snapshot holding the wheels and pytest, and the bundle of its site-packages files (src/cli/snapshot.ts). */
  snapshot?: { memoryURL: string; filesURL: string };
  /** Pure-Python wheel URLs unpacked into site-packages, in order (when there is no snapshot). */
  wheelURLs: string[];
  /** Wheel URLs loaded with `pyodide.loadPackage` (compiled packages from a Pyodide index). */
  pyodidePackageURLs: string[];
  /** The project's files as one bundle (src/pyodide/bundle.ts). */
  projectURL: string;
  /** JSON payload for `_pytest_session.prepare` (cwd, env). */
  prepare: string;
  /** `--pyscript`: PyScript's package and the project's PyScript config go into the page (src/cli/pyscript.ts). */
  pyscript?: PyScriptPageOptions;
  /** Milliseconds for Pyodide and the packages to load. */
  loadTimeoutMs: number;
}

export interface PageEvents {
  /** A message the page's pytest sent (`kind`, JSON text). */
  message(kind: string, json: string): void;
  /** Text the page's Python wrote to stdout (`stream` "out") or stderr ("err"). */
  output(stream: "out" | "err", text: string): void;
  /** Console messages and page errors, for the report of a page that dies. */
  console(line: string): void;
}

/** A page ready to run pytest. */
export class TestPage {
  /** Milliseconds each start-up step took (Pyodide or its snapshot + wsbridge, packages, project files), for WSBRIDGE_TIMINGS. */
  readonly steps: Record<string, number> = {};

  private constructor(readonly context: DriverContext, readonly page: DriverPage, readonly py: PythonHandle, private events: PageEvents) {}

  /** Opens a context and page, loads Pyodide, wsbridge and the packages, and writes the project's files. */
  static async open(browser: DriverBrowser, setup: PageSetup, events: PageEvents): Promise<TestPage> {
    const opened = await TestPage.load(browser, setup, events);
    try {
      await opened.loadProject(setup);
      return opened;
    } catch (error) {
      await opened.close();
      throw error;
    }
  }

  /**
   * Opens a context and page and loads Pyodide, wsbridge and the packages, but not the project: `wsbridge test --watch`
   * keeps such a page warm and hands it the project's files as they are when a rerun starts.
   */
  static async load(browser: DriverBrowser, setup: PageSetup, events: PageEvents): Promise<TestPage> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      let opened: TestPage | undefined;
      const listeners = () => opened?.events ?? events;
      page.onConsole((line) => listeners().console(line));
      // The page sends its messages and output in batches, in order (src/pyodide/page.ts, Outbox).
      await page.expose("__wsbridgeEmit", (batch: Array<[string, string]>) => {
        for (const [kind, text] of batch) {
          if (kind === "out" || kind === "err") listeners().output(kind, text);
          else listeners().message(kind, text);
        }
      });
      await page.expose("__wsbridgeTrace", ([name, text]: [string, string]) => writeTrace(name, text)); // ./ws-trace.ts
      const started = Date.now();
      const snapshot = setup.snapshot;
      const py = await attachPython(page, { baseURL: setup.baseURL, timeout: setup.loadTimeoutMs, ...(snapshot ? { snapshot: { load: snapshot.memoryURL, files: snapshot.filesURL } } : {}) });
      const loaded = Date.now();
      // The in-page side lives in src/pyodide/page.ts (the only code that talks to Pyodide).
      const left = Math.max(1_000, setup.loadTimeoutMs - (Date.now() - started));
      await within(
        page.call(async ({ snapshot, wheelURLs, pyodidePackageURLs }: { snapshot: PageSetup["snapshot"] | null; wheelURLs: string[]; pyodidePackageURLs: string[] }) => {
          const runner = (globalThis as unknown as RunnerGlobals).__wsbridgeRunner;
          runner.connect();
          await runner.installWheels({ wheelURLs: snapshot ? [] : wheelURLs, pyodidePackageURLs });
        }, { snapshot: snapshot ?? null, wheelURLs: setup.wheelURLs, pyodidePackageURLs: setup.pyodidePackageURLs }),
        left,
        () => new Error(`installing the page's packages did not finish within ${Math.round(setup.loadTimeoutMs / 1000)} s (--load-timeout)`),
      );
      const pyscriptStarted = Date.now();
      if (setup.pyscript) {
        // A config the page cannot honour is an answer, not a throw: its message is the line the runner shows.
        const refused = await within(
          page.call((options: NonNullable<PageSetup["pyscript"]>) => (globalThis as unknown as RunnerGlobals).__wsbridgeRunner.installPyScript(options).then(() => null, (e: unknown) => (e instanceof Error ? e.message : String(e))), setup.pyscript),
          Math.max(1_000, setup.loadTimeoutMs - (Date.now() - started)),
          () => new Error(`installing PyScript did not finish within ${Math.round(setup.loadTimeoutMs / 1000)} s (--load-timeout)`),
        );
        if (refused !== null) throw new Error(refused);
      }
      const pyscriptMs = Date.now() - pyscriptStarted;
      // The runner's Python is imported now: a warm page (--watch) has it before a save.
      await py.run("from wsbridge import _pytest_session");
      opened = new TestPage(context, page, py, events);
      opened.steps[snapshot ? "restore+wsbridge" : "pyodide+wsbridge"] = loaded - started;
      opened.steps.packages = Date.now() - loaded - pyscriptMs;
      if (setup.pyscript) opened.steps.pyscript = pyscriptMs;
      return opened;
    } catch (error) {
      await context.close().catch(() => undefined);
      throw error;
    }
  }

  /** Writes the project's files (one bundle) and sets the working folder and the environment. */
  async loadProject(setup: PageSetup): Promise<void> {
    const started = Date.now();
    await within(
      this.page.call((url: string) => (globalThis as unknown as RunnerGlobals).__wsbridgeRunner.installBundle(url), setup.projectURL),
      setup.loadTimeoutMs,
      () => new Error(`writing the project's files did not finish within ${Math.round(setup.loadTimeoutMs / 1000)} s (--load-timeout)`),
    );
    await this.py.run(`from wsbridge import _pytest_session\n_pytest_session.prepare(${pyString(setup.prepare)})`);
    this.steps.project = Date.now() - started;
  }

  /** Sends the page's messages, output and console lines to `events` from now on (a warm page joins a run). */
  listen(events: PageEvents): void {
    this.events = events;
  }

  /** Drops (true) or sends again the page's output: a resumed controller starts muted. */
  async mute(on: boolean): Promise<void> {
    await this.page.call((on: boolean) => (globalThis as unknown as RunnerGlobals).__wsbridgeRunner.mute(on), on);
  }

  /** Hands a message to the page's `__wsbridgeNext()` reader. */
  async deliver(message: unknown): Promise<void> {
    await this.page.call((text: string) => (globalThis as unknown as { __wsbridgeDeliver(t: string): void }).__wsbridgeDeliver(text), JSON.stringify(message));
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

/** A Python string literal for `text` (a JSON string literal is one: same escapes). */
export function pyString(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
