// wsbridge/worker (dist/worker.mjs): start Python (Pyodide + wsbridge) in a module Web Worker, drive it through Comlink.
import * as Comlink from "comlink";
import type { ControlMessage, InitOptions, OutputCallback, WorkerAPI } from "./protocol.js";
import { PythonError, WorkerDiedError } from "./errors.js";
import { linkRoutesPort, type RoutesLink } from "../src/route/port-link.js";

// Comlink's `proxy` and `transfer` mark values with symbols private to one copy of Comlink, and this
// bundle carries its own copy: mark values with these exports (a function passed to setGlobal is
// wrapped with `proxy` automatically).
// Typed here, not re-exported from "comlink": the published declarations must not need comlink, which is bundled.
/** Marks a value to be passed to the other side by reference (a Comlink proxy) instead of cloned. */
export const proxy: <T extends object>(value: T) => T = Comlink.proxy;
/** Marks `value` so that `transfers` (ArrayBuffers, MessagePorts) are moved, not copied. */
export const transfer: <T>(value: T, transfers: Transferable[]) => T = Comlink.transfer;
/** The key of a Comlink remote's release method: `remote[releaseProxy]()` frees its side of the channel. */
export const releaseProxy: symbol = Comlink.releaseProxy;
export { PythonError, WorkerDiedError } from "./errors.js";
export type { WorkerAPI } from "./protocol.js";

export interface PythonWorkerOptions {
  /** URL of the folder that holds `pyodide.mjs` (relative URLs resolve against the page). */
  indexURL: string | URL;
  /** Milliseconds to wait for Pyodide and wsbridge to load (default 60000). */
  timeout?: number;
  /** The worker script (default: `worker-runtime.mjs` next to this module). */
  workerURL?: string | URL;
  /** Receives each line Python prints to stdout (default: the worker's console). */
  stdout?: (line: string) => void;
  /** Receives each line Python prints to stderr (default: the worker's console). */
  stderr?: (line: string) => void;
  /** The worker's name, shown in devtools (default "wsbridge-python"). */
  name?: string;
  /**
   * Route the worker's WebSockets with this thread's routes (JS `routeWebSocket`, Python `route_web_socket`),
   * after the worker's own routes (default true). With false, only routes registered in the worker apply.
   */
  routes?: boolean;
}

export interface PythonWorker {
  /** Runs Python in the worker; resolves to the last expression, structured-cloned (bytes → Uint8Array, transferred). */
  runPython<T = unknown>(code: string): Promise<T>;
  /** Runs Python with top-level `await`; resolves like `runPython`. */
  runPythonAsync<T = unknown>(code: string): Promise<T>;
  /**
   * Sets `name` in Python's `__main__` globals. Data is converted (object → dict, array → list,
   * ArrayBuffer/typed array → bytes; pass `transfer(value, [buffer])` to move rather than copy it).
   * A function becomes a Python callable that runs on the main thread and returns an awaitable:
   * `result = await name(arg, ...)` (arguments are converted like `runPython` results).
   */
  setGlobal(name: string, value: unknown): Promise<void>;
  /** Hands a MessagePort (transferred) to the worker-side service registered under `kind` (see worker/ports.ts). */
  attachPort(kind: string, port: MessagePort): Promise<void>;
  /** Stops the worker at once; pending and later calls reject with a WorkerDiedError. */
  terminate(): void;
  /** Resolves with the reason once the worker is gone (crash, terminate). */
  readonly closed: Promise<WorkerDiedError>;
  /** The Pyodide version running in the worker. */
  readonly pyodideVersion: string;
  /** The underlying Worker. */
  readonly worker: Worker;
  /** The raw Comlink remote: each method returns a promise; calls on it are not guarded against the worker dying. */
  readonly remote: WorkerAPI;
}

const DEFAULT_TIMEOUT = 60_000;
/** How long past `timeout` the client waits for the worker's own answer before giving up on it. */
const GRACE = 5_000;

/** Starts Pyodide with wsbridge in a module worker; resolves once `from wsbridge import ...` works there. */
export async function createPythonWorker(options: PythonWorkerOptions): Promise<PythonWorker> {
  if (!options || options.indexURL === undefined) throw new TypeError("createPythonWorker: options.indexURL is required (the URL of the folder holding pyodide.mjs)");
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const indexURL = folderURL(options.indexURL);
  const scriptURL = new URL(options.workerURL ?? new URL("./worker-runtime.mjs", import.meta.url), pageURL()).href;
  const { worker, revoke } = startWorker(scriptURL, options.name ?? "wsbridge-python");
  const remote = Comlink.wrap<WorkerAPI>(worker);
  const control = new MessageChannel();
  let routes: RoutesLink | undefined;

  const pending = new Set<(error: Error) => void>();
  let dead: WorkerDiedError | undefined;
  let markClosed!: (error: WorkerDiedError) => void;
  const closed = new Promise<WorkerDiedError>((resolve) => (markClosed = resolve));

  const die = (error: WorkerDiedError): void => {
    if (dead) return;
    dead = error;
    worker.terminate();
    worker.removeEventListener("error", onError);
    worker.removeEventListener("messageerror", onMessageError);
    control.port1.close();
    routes?.close();
    revoke();
    for (const fail of [...pending]) fail(error);
    markClosed(error);
  };
  const failPending = (error: Error): void => {
    for (const fail of [...pending]) fail(error);
  };
  /** Runs one remote call, rejecting it if the worker dies first. */
  const guard = <T>(start: () => Promise<T>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => {
        pending.delete(fail);
        reject(error);
      };
      pending.add(fail);
      let call: Promise<T>;
      try {
        call = start();
      } catch (error) {
        call = Promise.reject(error);
      }
      call.then(
        (value) => {
          if (!pending.delete(fail)) return;
          resolve(value);
        },
        (error: unknown) => {
          if (!pending.delete(fail)) return;
          reject(publicError(error));
        },
      );
    });
  };

  const onError = (event: Event): void => {
    event.preventDefault();
    const e = event as ErrorEvent;
    const where = e.filename ? ` (${e.filename}:${e.lineno}:${e.colno})` : "";
    die(new WorkerDiedError(
      e.message
        ? `wsbridge worker crashed: ${e.message}${where}`
        : `wsbridge worker failed: could not run ${scriptURL} (not found, not served as JavaScript, or it failed to import)`,
      { cause: e.error },
    ));
  };
  const onMessageError = (): void => failPending(new Error("wsbridge worker: a reply from the worker could not be deserialized"));
  worker.addEventListener("error", onError);
  worker.addEventListener("messageerror", onMessageError);
  control.port1.onmessage = (event: MessageEvent<ControlMessage>) => {
    if (event.data?.type === "messageerror") failPending(new Error("wsbridge worker: a call could not be deserialized in the worker"));
  };

  const output: OutputCallback | undefined =
    options.stdout || options.stderr
      ? (stream, text) => (stream === "stdout" ? options.stdout ?? console.log : options.stderr ?? console.error)(text)
      : undefined;
  const init: InitOptions = { indexURL, timeout, control: control.port2 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pyodideVersion: string;
  try {
    timer = setTimeout(
      () => die(new WorkerDiedError(`wsbridge worker: no answer from ${scriptURL} within ${timeout + GRACE} ms while loading Pyodide from ${indexURL}`)),
      timeout + GRACE,
    );
    ({ pyodideVersion } = await guard(() => remote.init(Comlink.transfer(init, [control.port2]), output ? Comlink.proxy(output) : undefined)));
    if (options.routes !== false) {
      // Main-thread routes reach the worker's sockets before any user code runs there.
      const channel = new MessageChannel();
      routes = linkRoutesPort(channel.port1);
      await guard(() => remote.attachPort("routes", Comlink.transfer(channel.port2, [channel.port2])));
    }
  } catch (error) {
    die(error instanceof WorkerDiedError ? error : new WorkerDiedError(error instanceof Error ? error.message : String(error), { cause: error }));
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    runPython: <T>(code: string) => guard(() => remote.runPython(code) as Promise<T>),
    runPythonAsync: <T>(code: string) => guard(() => remote.runPythonAsync(code) as Promise<T>),
    setGlobal: (name, value) => {
      const marked = typeof value === "function" && !(value as unknown as Record<symbol, unknown>)[Comlink.proxyMarker] ? Comlink.proxy(value) : value;
      return guard(() => remote.setGlobal(name, marked));
    },
    attachPort: (kind, port) => guard(() => remote.attachPort(kind, Comlink.transfer(port, [port]))),
    terminate: () => die(new WorkerDiedError("wsbridge worker was terminated")),
    closed,
    pyodideVersion,
    worker,
    remote: remote as unknown as WorkerAPI,
  };
}

/** The page's URL (relative URLs resolve against it), or this module's when there is no page. */
function pageURL(): string {
  return typeof location !== "undefined" ? location.href : import.meta.url;
}

/** Absolute folder URL with a trailing slash; a URL naming pyodide.mjs itself is taken as its folder. */
function folderURL(indexURL: string | URL): string {
  let url = new URL(indexURL, pageURL()).href;
  if (/\/pyodide\.m?js$/.test(url)) url = url.slice(0, url.lastIndexOf("/") + 1);
  return url.endsWith("/") ? url : `${url}/`;
}

/** Starts a module worker; a cross-origin script is started through a same-origin blob that imports it. */
function startWorker(scriptURL: string, name: string): { worker: Worker; revoke: () => void } {
  const sameOrigin = typeof location === "undefined" || new URL(scriptURL).origin === location.origin;
  if (sameOrigin) return { worker: new Worker(scriptURL, { type: "module", name }), revoke: () => {} };
  const blob = URL.createObjectURL(new Blob([`import ${JSON.stringify(scriptURL)};`], { type: "text/javascript" }));
  return { worker: new Worker(blob, { type: "module", name }), revoke: () => URL.revokeObjectURL(blob) };
}

/** Rebuilds a Python exception as a PythonError; other errors pass through. */
function publicError(error: unknown): unknown {
  if (error instanceof Error && error.name === "PythonError") return new PythonError(error.message, (error as Error & { type?: string }).type);
  return error;
}
