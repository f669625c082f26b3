// One test page: Chromium page + Pyodide + wsbridge + the page wheels + the project's files, and a message channel
// with the page's pytest (`__wsbridgeEmit` out, `__wsbridgeNext` in) and its stdout/stderr streamed as text.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { attachPython, within, type PythonHandle } from "../playwright/attach.js";
import type { RunnerPlumbing } from "../pyodide/page.js";

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
  /** Milliseconds each start-up step took (Pyodide or its snapshot + wsbridge, packages and project files), for WSBRIDGE_TIMINGS. */
  readonly steps: Record<string, number> = {};

  private constructor(readonly context: BrowserContext, readonly page: Page, readonly py: PythonHandle) {}

  /** Opens a context and page, loads Pyodide, wsbridge and the packages, and writes the project's files. */
  static async open(browser: Browser, setup: PageSetup, events: PageEvents): Promise<TestPage> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.on("console", (m) => events.console(`[console.${m.type()}] ${m.text()}`));
      page.on("pageerror", (e) => events.console(`[pageerror] ${e.message}`));
      await page.exposeBinding("__wsbridgeEmit", (_source, kind: string, json: string) => {
        if (kind === "out" || kind === "err") events.output(kind, json);
        else events.message(kind, json);
      });
      const started = Date.now();
      const steps: Record<string, number> = {};
      let mark = started;
      const step = (name: string) => { const now = Date.now(); steps[name] = now - mark; mark = now; };
      const snapshot = setup.snapshot;
      const py = await attachPython(page, { baseURL: setup.baseURL, timeout: setup.loadTimeoutMs, ...(snapshot ? { snapshot: { load: snapshot.memoryURL } } : {}) });
      step(snapshot ? "restore+wsbridge" : "pyodide+wsbridge");
      // The in-page side lives in src/pyodide/page.ts (the only code that talks to Pyodide).
      const left = Math.max(1_000, setup.loadTimeoutMs - (Date.now() - started));
      await within(
        page.evaluate(async ({ snapshot, wheelURLs, pyodidePackageURLs, projectURL }) => {
          const runner = (globalThis as unknown as RunnerGlobals).__wsbridgeRunner;
          runner.connect();
          if (snapshot) await runner.installBundle(snapshot.filesURL);
          await runner.installWheels({ wheelURLs: snapshot ? [] : wheelURLs, pyodidePackageURLs });
          await runner.installBundle(projectURL);
        }, { snapshot: snapshot ?? null, wheelURLs: setup.wheelURLs, pyodidePackageURLs: setup.pyodidePackageURLs, projectURL: setup.projectURL }),
        left,
        () => new Error(`installing the page's packages and the project's files did not finish within ${Math.round(setup.loadTimeoutMs / 1000)} s (--load-timeout)`),
      );
      step("packages+project");
      await py.run(`from wsbridge import _pytest_session\n_pytest_session.prepare(${pyString(setup.prepare)})`);
      step("prepare");
      const opened = new TestPage(context, page, py);
      Object.assign(opened.steps, steps);
      return opened;
    } catch (error) {
      await context.close().catch(() => undefined);
      throw error;
    }
  }

  /** Drops (true) or sends again the page's output: a resumed controller starts muted. */
  async mute(on: boolean): Promise<void> {
    await this.page.evaluate((on) => (globalThis as unknown as RunnerGlobals).__wsbridgeRunner.mute(on), on);
  }

  /** Hands a message to the page's `__wsbridgeNext()` reader. */
  async deliver(message: unknown): Promise<void> {
    await this.page.evaluate((text) => (globalThis as unknown as { __wsbridgeDeliver(t: string): void }).__wsbridgeDeliver(text), JSON.stringify(message));
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

/** A Python string literal for `text` (a JSON string literal is one: same escapes). */
export function pyString(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
