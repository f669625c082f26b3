// What the main thread and the module worker say to each other. Both sides import only types from here.

/** Where Python output goes: called once per line, on the main thread. */
export type OutputCallback = (stream: "stdout" | "stderr", text: string) => void;

/** Options the client sends to the worker's `init`. */
export interface InitOptions {
  /** Absolute URL of the folder holding `pyodide.mjs`, with a trailing slash. */
  indexURL: string;
  /** Milliseconds to wait for Pyodide to load. */
  timeout: number;
  /** The worker reports events that belong to no call (see `ControlMessage`) on this port. */
  control: MessagePort;
}

/** What `init` resolves to. */
export interface InitResult {
  pyodideVersion: string;
}

/**
 * Events the worker posts on the control port.
 * - `messageerror`: a call message from the main thread could not be deserialized; its answer never comes.
 */
export type ControlMessage = { type: "messageerror" };

/** The object the worker exposes through Comlink. */
export interface WorkerAPI {
  /**
   * Loads Pyodide from `options.indexURL` and installs wsbridge; rejects with a clear error on failure or timeout.
   * With `output` (a Comlink proxy), Python's stdout/stderr lines go to the main thread instead of the worker's console.
   */
  init(options: InitOptions, output?: OutputCallback): Promise<InitResult>;
  /** Runs Python; resolves to the last expression converted to structured-clone-able values. */
  runPython(code: string): Promise<unknown>;
  /** Runs Python with top-level `await`; resolves like `runPython`. */
  runPythonAsync(code: string): Promise<unknown>;
  /**
   * Sets a global in Python's `__main__`. Plain data is converted to Python (objects → dict, arrays → list,
   * ArrayBuffer / typed arrays → bytes); a function (a `proxy(fn)` from the main thread) becomes a Python
   * callable whose arguments are converted to structured-clone-able values and which returns an awaitable.
   */
  setGlobal(name: string, value: unknown): Promise<void>;
  /**
   * Hands the worker a MessagePort for a named service (for instance the routing channel that makes
   * main-thread routes reach the worker's sockets). Rejects when no service of that kind is installed.
   */
  attachPort(kind: string, port: MessagePort): Promise<void>;
}
