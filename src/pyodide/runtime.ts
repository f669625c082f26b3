// The one place that starts Pyodide and runs Python for a host (the worker, attachPython's page): load with a
// deadline that names the slow step, install wsbridge, run code and convert the result (./convert.ts), turn
// Python exceptions into the one PythonError (./errors.ts), route output, destroy every PyProxy it makes.
// Hosts only wire their transport (Comlink, Playwright) to a PythonRuntime; none of them touches Pyodide.
import type { PyodideLike, PyProxy } from "./types.js";
import { fromPython, type ConvertTarget, type Converted } from "./convert.js";
import { PythonError } from "./errors.js";
import { decodeBundle, type BundleEntry } from "./bundle.js";

/** The parts of Pyodide the runtime uses beyond what the bridges need. */
interface RuntimePyodide extends PyodideLike {
  version: string;
  runPython(code: string, options?: { globals?: unknown }): unknown;
  globals: { get(name: string): unknown; set(name: string, value: unknown): void };
  toPy(value: unknown): unknown;
  ffi?: PyodideLike["ffi"] & { PythonError?: abstract new (...args: never[]) => Error };
  _module?: { HEAPU8?: Uint8Array };
}

type LoadPyodide = (options: {
  indexURL: string;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  _makeSnapshot?: boolean;
  _loadSnapshot?: PromiseLike<Uint8Array | ArrayBuffer>;
}) => Promise<RuntimePyodide>;

/**
 * A memory snapshot to start from (`load`: its URL; `files`: the URL of the bundle of files it needs, written before
 * wsbridge is installed), or a page that will make one (`make`: no wsbridge install).
 */
export interface SnapshotOption {
  load?: string;
  files?: string;
  make?: boolean;
}

/** How the host installs wsbridge into the loaded Pyodide (a step of the load, timed and named like the others). */
export interface InstallStep {
  /** The step's name in a timeout message, e.g. "wsbridge install". */
  name: string;
  /** What a failure says it was doing ("failed " + doing), e.g. "installing wsbridge". */
  doing: string;
  /** Installs wsbridge; may say what it is doing now through `now` (shown if it fails). */
  run(pyodide: PyodideLike, now: (doing: string) => void): Promise<void>;
}

export interface StartOptions {
  /** Absolute URL of the folder holding pyodide.mjs, with a trailing slash. */
  indexURL: string;
  /** Milliseconds for the whole load (import, loadPyodide, install), as the user gave it. */
  timeout: number;
  /** Milliseconds of `timeout` the host already used (opening a page); the load gets the rest. */
  spent?: number;
  /** The wsbridge install step (skipped when making a snapshot: a snapshot cannot hold JS references). */
  install: InstallStep;
  /** Start from a memory snapshot, or make the interpreter one can be taken of (src/cli/snapshot.ts). */
  snapshot?: SnapshotOption;
  /** Added to a timeout message: what the user can do (e.g. "A slow machine needs a longer ...(timeout)"). */
  advice?: string;
  /** Receives each line Python writes to stdout (default: Pyodide's, the console). */
  stdout?: (line: string) => void;
  /** Receives each line Python writes to stderr (default: Pyodide's, the console). */
  stderr?: (line: string) => void;
}

/** Pyodide or wsbridge could not be loaded: the message names the step that failed or was still running. */
export class LoadError extends Error {
  /** True when the deadline passed (rather than a step failing). */
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean) {
    super(message);
    this.name = "LoadError";
    this.timedOut = timedOut;
  }
}

/** A started Pyodide with wsbridge, as hosts see it. */
export interface PythonRuntime {
  /** The Pyodide version. */
  readonly version: string;
  /** Runs Python (with top-level `await` when `async`); the last expression converted for `to`. Rejects with PythonError. */
  run(code: string, options: { async: boolean; to: ConvertTarget }): Promise<Converted>;
  /** Sets `name` in `__main__`: data converted to Python (object → dict, array → list, buffers → bytes). */
  setGlobal(name: string, value: unknown): void;
  /** Sets `name` in `__main__` to a callable whose arguments reach `call` converted for `to` (buffers to transfer). */
  setCallable(name: string, call: (...args: Converted[]) => unknown, to: ConvertTarget): void;
  /** The Pyodide instance, for hosts' own in-page plumbing that predates this module (the test runner's page). */
  readonly pyodide: unknown;
}

/** Python helper for setGlobal: JS buffers arrive from `toPy` as memoryview; Python code expects `bytes`. */
const BYTESIFY = `
def bytesify(value):
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, dict):
        return {k: bytesify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [bytesify(v) for v in value]
    return value
`;

const LOAD_PYODIDE_STEP = "loadPyodide (download + compile of pyodide.asm.wasm and the standard library)";

/** Loads Pyodide from `indexURL` and installs wsbridge within the deadline; rejects with a LoadError naming the step. */
export async function startPython(options: StartOptions): Promise<PythonRuntime> {
  const { indexURL, timeout } = options;
  const spent = options.spent ?? 0;
  const t0 = performance.now() - spent;
  const ms = (t: number): string => `${Math.round(t)} ms`;
  const done: string[] = [];
  let step = { name: "", doing: "", at: performance.now() };
  const begin = (name: string, doing: string): void => {
    if (step.name) done.push(`${step.name} ${ms(performance.now() - step.at)}`);
    step = { name, doing, at: performance.now() };
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const now = performance.now();
      const slow = step;
      const hint = slow.name === LOAD_PYODIDE_STEP ? wasmHint(indexURL) : Promise.resolve("");
      void hint.then((h) => {
        const before = done.length ? ` (finished before it: ${done.join(", ")})` : "";
        reject(new LoadError(
          `Pyodide and wsbridge did not load within ${timeout} ms from ${indexURL}: ${slow.name} was still running after ` +
            `${ms(now - slow.at)}, ${ms(now - t0)} in all${before}${h}${options.advice ? `. ${options.advice}` : ""}`,
          true,
        ));
      });
    }, Math.max(1, timeout - spent));
  });

  const load = async (): Promise<RuntimePyodide> => {
    const moduleURL = `${indexURL}pyodide.mjs`;
    const snapshot = options.snapshot;
    // The snapshot and its files download while pyodide.mjs is imported.
    const snapshotBytes = snapshot?.load ? fetchBytes(snapshot.load) : undefined;
    snapshotBytes?.catch(() => undefined);
    const snapshotFiles = snapshot?.load && snapshot.files ? fetchBytes(snapshot.files) : undefined;
    snapshotFiles?.catch(() => undefined);
    begin("download of pyodide.mjs", `importing ${moduleURL}`);
    const { loadPyodide } = (await import(/* @vite-ignore */ moduleURL)) as { loadPyodide: LoadPyodide };
    begin(LOAD_PYODIDE_STEP, `in loadPyodide({ indexURL: '${indexURL}'${snapshot?.load ? `, _loadSnapshot: ${snapshot.load}` : ""} })`);
    const py = await loadPyodide({
      indexURL,
      ...(options.stdout ? { stdout: options.stdout } : {}),
      ...(options.stderr ? { stderr: options.stderr } : {}),
      ...(snapshot?.make ? { _makeSnapshot: true } : {}),
      ...(snapshotBytes ? { _loadSnapshot: snapshotBytes } : {}),
    });
    if (snapshot?.make) return py;
    if (snapshotFiles) {
      begin("the snapshot's files", `writing ${snapshot?.files}`);
      writeBundle(py.FS, decodeBundle(await snapshotFiles));
    }
    begin(options.install.name, options.install.doing);
    await options.install.run(py, (doing) => (step.doing = doing));
    return py;
  };

  const work = load();
  work.catch(() => undefined); // a step that fails after the deadline has nothing left to tell
  let py: RuntimePyodide;
  try {
    py = await Promise.race([work, deadline]);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(`failed ${step.doing} after ${ms(performance.now() - step.at)}: ${messageOf(error)}`, false);
  } finally {
    clearTimeout(timer);
  }
  return runtimeOf(py);
}

/** The PythonRuntime over a loaded Pyodide with wsbridge installed. */
function runtimeOf(py: RuntimePyodide): PythonRuntime {
  let bytesify: ((value: unknown) => unknown) | undefined;
  /** Views on Pyodide's heap must be copied, never transferred; the heap's buffer changes when memory grows. */
  const wasmBuffer = (): ArrayBufferLike | undefined => py._module?.HEAPU8?.buffer;

  /** Runs `body`, rethrowing a Pyodide PythonError as wsbridge's PythonError (traceback and type kept). */
  const python = async <T>(body: () => T | Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      throw pythonError(py, error);
    }
  };

  return {
    version: py.version,
    pyodide: py,
    async run(code, { async, to }) {
      const result = await python(() => (async ? py.runPythonAsync(code) : py.runPython(code)));
      const converted = fromPython(result, { to, wasmBuffer: wasmBuffer() });
      if (to === "clone") assertCloneable(result, converted.value);
      return converted;
    },
    setGlobal(name, value) {
      const converted = py.toPy(value);
      if (!isProxy(converted)) {
        py.globals.set(name, converted);
        return;
      }
      if (!bytesify) {
        const dict = py.globals.get("dict") as () => PyProxy & { get(key: string): unknown };
        const ns = dict();
        py.runPython(BYTESIFY, { globals: ns });
        bytesify = ns.get("bytesify") as (value: unknown) => unknown;
        ns.destroy();
      }
      const result = bytesify(converted);
      py.globals.set(name, result);
      converted.destroy();
      if (isProxy(result) && result !== converted) result.destroy();
    },
    setCallable(name, call, to) {
      // Pyodide owns the arguments of a call into JS: convert them, never destroy them.
      const callable = (...args: unknown[]): unknown => call(...args.map((arg) => fromPython(arg, { to, destroy: false, wasmBuffer: wasmBuffer() })));
      py.globals.set(name, callable);
    },
  };
}

/** A structured-clone-mode result that is a JS object Python returned as it is: say what cannot cross. */
function assertCloneable(raw: unknown, converted: unknown): void {
  const jsObject = raw !== null && typeof raw === "object" && !isProxy(raw) && !(raw instanceof ArrayBuffer) && !ArrayBuffer.isView(raw);
  if (!jsObject && typeof converted !== "function") return;
  try {
    structuredClone(converted);
  } catch (error) {
    throw new TypeError(`the result cannot be sent to the main thread (${messageOf(error)}); return plain data, or convert a JsProxy with .to_py()`);
  }
}

/** wsbridge's PythonError for a Pyodide PythonError; other errors pass through as Errors. */
function pythonError(py: RuntimePyodide, error: unknown): Error {
  const PyError = py.ffi?.PythonError;
  const isPython = error instanceof Error && ((PyError && error instanceof PyError) || error.constructor.name === "PythonError");
  if (isPython) return new PythonError(error.message, (error as Error & { type?: unknown }).type as string | undefined);
  return error instanceof Error ? error : new Error(String(error));
}

/** True for a PyProxy (anything Pyodide hands out with a `destroy`). */
function isProxy(value: unknown): value is PyProxy {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as PyProxy).destroy === "function";
}

/** Only when it is really wrong: a .wasm served with another MIME type makes loadPyodide hang. */
async function wasmHint(indexURL: string): Promise<string> {
  const url = `${indexURL}pyodide.asm.wasm`;
  const abort = new AbortController();
  const stop = setTimeout(() => abort.abort(), 1000);
  try {
    const response = await fetch(url, { method: "HEAD", signal: abort.signal, cache: "no-store" });
    const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
    if (!response.ok) return `; ${url} answers HTTP ${response.status}`;
    if (type !== "application/wasm") return `; the server sends pyodide.asm.wasm as ${JSON.stringify(type)}, which must be application/wasm`;
    return "";
  } catch {
    return "";
  } finally {
    clearTimeout(stop);
  }
}

/** The bytes at `url` (a memory snapshot), or an error naming the URL and the HTTP status. */
export async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** An error's message, or the thrown value as text. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The parts of Pyodide's file system a bundle is written with. */
export interface BundleFS {
  mkdirTree(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
}

/** Writes a bundle's folders and files at their paths (./bundle.ts); returns the number of files. */
export function writeBundle(fs: BundleFS, entries: readonly BundleEntry[]): number {
  let files = 0;
  for (const { path, data } of entries) {
    if (!data) { fs.mkdirTree(path); continue; }
    fs.mkdirTree(path.slice(0, path.lastIndexOf("/")) || "/");
    fs.writeFile(path, data);
    files++;
  }
  return files;
}
