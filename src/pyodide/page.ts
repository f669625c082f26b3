// In-page entry for attachPython (built on its own as dist/page-python.js, a classic script with no imports):
// starts Pyodide in the page through ./runtime.ts and leaves `__wsbridgeRun(code, isAsync)` for Playwright to call.
// It is separate from wsbridge.mjs so that the load steps keep their order (pyodide.mjs, loadPyodide, then the
// import of wsbridge.mjs as the install step) and so that a server without wsbridge still fails at pyodide.mjs.
import { fetchBytes, startPython, writeBundle, LoadError, type PythonRuntime, type SnapshotOption } from "./runtime.js";
import { decodeBundle, encodeBundle, type BundleEntry } from "./bundle.js";
import { PythonError } from "./errors.js";
import { installRunnerPython } from "./runner-python.js";
import { PYTHON_HOME } from "./python-home.js";
import { Outbox, DEFERRABLE } from "./outbox.js";
import type { PyodideLike } from "./types.js";
import { installPyScript, type PyScriptPageOptions } from "./pyscript-page.js";

/** What attachPython passes to `startPagePython`. */
export interface PageStartOptions {
  /** Base URL of the server with `pyodide/` and `wsbridge/`, with a trailing slash. */
  baseURL: string;
  /** Milliseconds for the whole load, as the user gave it. */
  timeout: number;
  /** Milliseconds of it already used (opening the page). */
  spent: number;
  /** Added to a timeout message. */
  advice: string;
  /** Start from a memory snapshot's URL, or load a page to make one (the runner's pages: src/cli/snapshot.ts). */
  snapshot?: SnapshotOption;
}

/** The answer to Playwright: a value (JSON mode), or an error that is a Python exception (`python`) or not. */
export type PageOutcome =
  | { ok: true; value: unknown }
  | { ok: false; error: string; type?: string; python?: boolean; timedOut?: boolean };

/** The wheels a test runner page installs: pure ones unpacked into site-packages, compiled ones through loadPackage. */
export interface PageWheels {
  wheelURLs: string[];
  pyodidePackageURLs: string[];
}

/** The in-page side of `wsbridge test` (src/cli/page.ts drives it through Playwright; it never touches Pyodide). */
export interface RunnerPlumbing {
  /** Streams Python's raw stdout/stderr to the runner (kinds "out" and "err") and opens the controller's inbox. */
  connect(): void;
  /**
   * Sends one message to the runner. Messages go in batches, one `__wsbridgeEmit([[kind, text], ...])` call each: a
   * test's reports, its finish and pytest's terminal output wait for the next message that cannot wait (the next
   * test's start, the end), the test's teardown (`flush`) or the event loop's next turn, whichever comes first. A
   * page that blocks has always told the runner which test it was in, and whether its call had passed.
   */
  send(kind: string, text: string): void;
  /** Sends what is queued now (before a test's teardown, which may block the page). */
  flush(): void;
  /** Output is sent as it is written (true: `-s`, where a test's own prints must show even if it then blocks). */
  liveOutput(on: boolean): void;
  /** Fetches and installs the wheels. */
  installWheels(wheels: PageWheels): Promise<void>;
  /** `wsbridge test --pyscript`: PyScript's `pyscript` package and the project's PyScript config (./pyscript-page.ts). */
  installPyScript(options: PyScriptPageOptions): Promise<void>;
  /** Fetches a file bundle (./bundle.ts) and writes its files at their paths; resolves to the number of files. */
  installBundle(url: string): Promise<number>;
  /**
   * In a page loaded to make a snapshot: runs `imports`, then uploads the memory snapshot to `${uploadURL}memory` and
   * the files under `keep` (which a snapshot does not hold), with the bytecode of wsbridge's Python (installed from
   * `wsbridgeURL` after the memory is taken), as a bundle to `${uploadURL}files`.
   */
  makeSnapshot(options: { imports: string; keep: string[]; uploadURL: string; wsbridgeURL: string }): Promise<{ memory: number; files: number }>;
  /** Output muted (true) is dropped, not sent: a resumed session replays what was already printed. */
  mute(on: boolean): void;
  /**
   * Python's handler for Ctrl-C (an "interrupt" message): called as the message arrives, while a test awaits, so the
   * test can be stopped; the message is queued as well. The handler is a PyProxy kept for the page's life.
   */
  onInterrupt(handler: () => void): void;
}

/** The page's globals this entry sets. */
interface PageGlobals {
  __wsbridgePyodide?: unknown;
  __wsbridgeRun?: (code: string, isAsync: boolean) => Promise<PageOutcome>;
  __wsbridgeRunner?: RunnerPlumbing;
  __wsbridgeEmit?: (batch: Array<[string, string]>) => void;
  __wsbridgeDeliver?: (message: string) => void;
  __wsbridgeNext?: () => Promise<string>;
}

/** The parts of Pyodide's file system the runner's plumbing uses. */
interface RunnerFS {
  mkdirTree(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  readdir(path: string): string[];
  stat(path: string): { mode: number };
  isDir(mode: number): boolean;
}

/** The parts of Pyodide the runner's plumbing uses. */
interface RunnerPyodide {
  FS: RunnerFS;
  makeMemorySnapshot(): Uint8Array;
  setStdout(options: { write(bytes: Uint8Array): number }): void;
  setStderr(options: { write(bytes: Uint8Array): number }): void;
  unpackArchive(buffer: ArrayBuffer, format: string, options: { extractDir: string }): void;
  loadPackage(urls: string[], options: { messageCallback: (message: string) => void }): Promise<unknown>;
  runPython(code: string): unknown;
}

/** The runner's plumbing over one Pyodide. */
function runnerPlumbing(pyodide: RunnerPyodide, g: PageGlobals): RunnerPlumbing {
  let muted = false;
  let live = false;
  let interrupt: (() => void) | undefined;
  const outbox = new Outbox((batch) => g.__wsbridgeEmit?.(batch));
  return {
    connect() {
      // Raw bytes, decoded as they come: no line buffering, so progress dots and prompts show at once.
      const stream = (name: "out" | "err") => {
        const decoder = new TextDecoder();
        return {
          write(bytes: Uint8Array): number {
            const text = decoder.decode(bytes, { stream: true });
            if (text && !muted) outbox.add(name, text, live);
            return bytes.length;
          },
        };
      };
      pyodide.setStdout(stream("out"));
      pyodide.setStderr(stream("err"));
      const queue: string[] = [];
      const waiting: Array<(message: string) => void> = [];
      g.__wsbridgeDeliver = (message) => {
        if (interrupt && (JSON.parse(message) as { t?: string }).t === "interrupt") interrupt();
        const waiter = waiting.shift();
        if (waiter) waiter(message);
        else queue.push(message);
      };
      g.__wsbridgeNext = () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((ok) => waiting.push(ok)));
    },
    async installWheels({ wheelURLs, pyodidePackageURLs }) {
      if (!wheelURLs.length && !pyodidePackageURLs.length) return;
      const purelib = String(pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']"));
      const buffers = await Promise.all(wheelURLs.map(async (url) => {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
        return response.arrayBuffer();
      }));
      for (const buffer of buffers) pyodide.unpackArchive(buffer, "wheel", { extractDir: purelib });
      if (pyodidePackageURLs.length) await pyodide.loadPackage(pyodidePackageURLs, { messageCallback: () => {} });
      pyodide.runPython("import importlib; importlib.invalidate_caches()");
    },
    installPyScript: (options) => installPyScript(pyodide as unknown as Parameters<typeof installPyScript>[0], options),
    async installBundle(url) {
      const files = writeBundle(pyodide.FS, decodeBundle(await fetchBytes(url)));
      pyodide.runPython("import importlib; importlib.invalidate_caches()");
      return files;
    },
    async makeSnapshot({ imports, keep, uploadURL, wsbridgeURL }) {
      pyodide.runPython(imports);
      const memory = pyodide.makeMemorySnapshot();
      // After the memory is taken (it must hold no JS references): wsbridge's Python is installed and compiled, and
      // its bytecode travels with the files, so a restored page imports wsbridge without compiling it.
      const wsbridge = (await import(/* @vite-ignore */ wsbridgeURL)) as { installWsBridge(p: PyodideLike): Promise<void> };
      await wsbridge.installWsBridge(pyodide as unknown as PyodideLike);
      installRunnerPython(pyodide as unknown as PyodideLike);
      pyodide.runPython(compileAll(`${PYTHON_HOME}/wsbridge`));
      const files = [...keep.flatMap((dir) => filesUnder(pyodide.FS, dir)), ...filesUnder(pyodide.FS, `${PYTHON_HOME}/wsbridge/__pycache__`)];
      await upload(`${uploadURL}files`, encodeBundle(files));
      await upload(`${uploadURL}memory`, memory);
      return { memory: memory.length, files: files.length };
    },
    send(kind, text) {
      outbox.add(kind, text, !DEFERRABLE.has(kind));
    },
    flush() {
      outbox.flush();
    },
    liveOutput(on) {
      live = on;
    },
    mute(on) {
      muted = on;
    },
    onInterrupt(handler) {
      interrupt = handler;
    },
  };
}

/**
 * Python that compiles the modules in `dir` to bytecode that is used without checking the source (unchecked-hash
 * pycs): the snapshot's key covers the sources (src/cli/snapshot.ts), so bytecode and source always match.
 */
function compileAll(dir: string): string {
  return `import compileall, py_compile\ncompileall.compile_dir(${JSON.stringify(dir)}, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)`;
}

/** Every file and folder under `dir` in Pyodide's file system, as bundle entries (folders first). */
function filesUnder(fs: RunnerFS, dir: string): BundleEntry[] {
  const entries: BundleEntry[] = [{ path: dir }];
  for (const name of fs.readdir(dir)) {
    if (name === "." || name === ".." || name === "__pycache__") continue;
    const path = `${dir}/${name}`;
    if (fs.isDir(fs.stat(path).mode)) entries.push(...filesUnder(fs, path));
    else entries.push({ path, data: fs.readFile(path) });
  }
  return entries;
}

/** POSTs `bytes` to `url` (the runner's upload slot on its static server). */
async function upload(url: string, bytes: Uint8Array): Promise<void> {
  const response = await fetch(url, { method: "POST", body: bytes as Uint8Array<ArrayBuffer> });
  if (!response.ok) throw new Error(`cannot upload to ${url}: HTTP ${response.status}`);
}

/** Loads Pyodide and wsbridge into this page (once) and installs `__wsbridgeRun`; never rejects. */
export async function startPagePython(options: PageStartOptions): Promise<PageOutcome> {
  const g = globalThis as typeof globalThis & PageGlobals;
  if (g.__wsbridgePyodide) return { ok: true, value: null };
  const wsbridgeURL = `${options.baseURL}wsbridge/wsbridge.mjs`;
  let runtime: PythonRuntime;
  try {
    runtime = await startPython({
      indexURL: `${options.baseURL}pyodide/`,
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
      timeout: options.timeout,
      spent: options.spent,
      advice: options.advice,
      install: {
        name: `wsbridge install (import of ${wsbridgeURL} and installWsBridge)`,
        doing: `importing ${wsbridgeURL}`,
        // The page's own wsbridge.mjs: the same module instance page code imports, so routes are shared.
        async run(pyodide, now) {
          const wsbridge = (await import(/* @vite-ignore */ wsbridgeURL)) as { installWsBridge(p: PyodideLike): Promise<void> };
          now("in installWsBridge(pyodide)");
          await wsbridge.installWsBridge(pyodide);
          // The runner's Python (pytest plugin, session) comes with this entry, not with wsbridge.mjs: attachPython
          // pages, `wsbridge test`'s among them, can run pytest; apps that bundle wsbridge.mjs do not carry it.
          installRunnerPython(pyodide);
        },
      },
    });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), timedOut: error instanceof LoadError && error.timedOut };
  }
  g.__wsbridgePyodide = runtime.pyodide;
  g.__wsbridgeRunner = runnerPlumbing(runtime.pyodide as RunnerPyodide, g);
  g.__wsbridgeRun = async (code, isAsync) => {
    try {
      return { ok: true, value: (await runtime.run(code, { async: isAsync, to: "json" })).value };
    } catch (error) {
      if (error instanceof PythonError) return { ok: false, error: error.message, type: error.type, python: true };
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return { ok: true, value: null };
}
