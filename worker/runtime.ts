// The module worker script (dist/worker-runtime.mjs): loads Pyodide and wsbridge, exposes WorkerAPI through Comlink.
import * as Comlink from "comlink";
import { installWsBridge } from "../src/pyodide/install.js";
import { isPyProxy, type PyProxy, type PyodideLike } from "../src/pyodide/types.js";
import { toCloneable } from "./convert.js";
import { attachPort, registerPortService } from "./ports.js";
import { routeThroughPort } from "../src/route/port-link.js";
import type { ControlMessage, InitOptions, InitResult, OutputCallback, WorkerAPI } from "./protocol.js";
import { preserveErrorFields } from "./errors.js";

/** The parts of Pyodide the worker uses beyond what the rest of wsbridge needs. */
interface WorkerPyodide extends PyodideLike {
  version: string;
  runPython(code: string, options?: { globals?: unknown }): unknown;
  globals: { get(name: string): unknown; set(name: string, value: unknown): void };
  toPy(value: unknown): unknown;
  _module?: { HEAPU8?: Uint8Array };
}

type LoadPyodide = (options: { indexURL: string; stdout?: (line: string) => void; stderr?: (line: string) => void }) => Promise<WorkerPyodide>;

/** Python helpers used by `setGlobal`: JS buffers arrive as memoryview from `toPy`; give Python `bytes`. */
const HELPERS = `
def bytesify(value):
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, dict):
        return {k: bytesify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [bytesify(v) for v in value]
    return value
`;

const scope = globalThis as unknown as typeof globalThis & { addEventListener: typeof addEventListener };

preserveErrorFields(Comlink.transferHandlers, ["type"]);

let pyodide: WorkerPyodide | undefined;
let ready: Promise<WorkerPyodide> | undefined;
let bytesify: ((value: unknown) => unknown) | undefined;

async function load(options: InitOptions, output?: OutputCallback): Promise<WorkerPyodide> {
  const { indexURL, timeout } = options;
  const moduleURL = `${indexURL}pyodide.mjs`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`wsbridge worker: Pyodide did not load within ${timeout} ms from ${indexURL}`)), timeout);
  });
  const steps = async (): Promise<WorkerPyodide> => {
    let loadPyodide: LoadPyodide;
    try {
      ({ loadPyodide } = (await import(/* @vite-ignore */ moduleURL)) as { loadPyodide: LoadPyodide });
    } catch (error) {
      throw new Error(`wsbridge worker: could not import ${moduleURL} (is indexURL the folder that holds pyodide.mjs?): ${message(error)}`);
    }
    let py: WorkerPyodide;
    try {
      py = await loadPyodide({
        indexURL,
        ...(output ? { stdout: (line: string) => void output("stdout", line), stderr: (line: string) => void output("stderr", line) } : {}),
      });
    } catch (error) {
      throw new Error(`wsbridge worker: loading Pyodide from ${indexURL} failed: ${message(error)}`);
    }
    try {
      await installWsBridge(py);
    } catch (error) {
      throw new Error(`wsbridge worker: installing wsbridge failed: ${message(error)}`);
    }
    const ns = (py.globals.get("dict") as () => PyProxy & { get(key: string): unknown })();
    py.runPython(HELPERS, { globals: ns });
    bytesify = ns.get("bytesify") as (value: unknown) => unknown;
    ns.destroy();
    return py;
  };
  try {
    return await Promise.race([steps(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function python(): Promise<WorkerPyodide> {
  if (!ready) throw new Error("wsbridge worker: init() was not called");
  return ready;
}

/** Rethrows a Pyodide PythonError as a plain Error named PythonError (message: the traceback; `type`: the class name). */
function pythonError(error: unknown): Error {
  if (error instanceof Error && error.constructor.name === "PythonError") {
    return Object.assign(new Error(error.message), { name: "PythonError", type: (error as Error & { type?: string }).type });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Wraps a converted result so Comlink transfers its buffers instead of copying them. */
function outgoing(value: unknown): unknown {
  const raw = value !== null && typeof value === "object" && !isPyProxy(value) && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value);
  const converted = toCloneable(value, pyodide?._module?.HEAPU8?.buffer);
  if (raw || typeof converted.value === "function") {
    // A JS object Python returned as it is: say what cannot cross rather than Comlink's "Unserializable return value".
    try {
      structuredClone(converted.value);
    } catch (error) {
      throw new TypeError(`wsbridge worker: the result cannot be sent to the main thread (${message(error)}); return plain data, or convert a JsProxy with .to_py()`);
    }
  }
  return converted.transfer.length ? Comlink.transfer(converted.value, converted.transfer) : converted.value;
}

/** A Python-callable stand-in for a main-thread function: arguments are converted and their buffers transferred. */
function callback(remote: (...args: unknown[]) => Promise<unknown>): (...args: unknown[]) => Promise<unknown> {
  return (...args) =>
    remote(
      ...args.map((arg) => {
        const converted = toCloneable(arg, pyodide?._module?.HEAPU8?.buffer, { destroy: false });
        return converted.transfer.length ? Comlink.transfer(converted.value, converted.transfer) : converted.value;
      }),
    );
}

const api: WorkerAPI = {
  async init(options, output) {
    ready ??= load(options, output).then((py) => (pyodide = py));
    options.control.start();
    scope.addEventListener("messageerror", () => options.control.postMessage({ type: "messageerror" } satisfies ControlMessage));
    const py = await ready;
    return { pyodideVersion: py.version } satisfies InitResult;
  },
  async runPython(code) {
    const py = await python();
    let result: unknown;
    try {
      result = py.runPython(code);
    } catch (error) {
      throw pythonError(error);
    }
    return outgoing(result);
  },
  async runPythonAsync(code) {
    const py = await python();
    let result: unknown;
    try {
      result = await py.runPythonAsync(code);
    } catch (error) {
      throw pythonError(error);
    }
    return outgoing(result);
  },
  async setGlobal(name, value) {
    const py = await python();
    if (typeof value === "function") {
      // Only a Comlink proxy can arrive as a function: structured cloning cannot carry functions.
      py.globals.set(name, callback(value as (...args: unknown[]) => Promise<unknown>));
      return;
    }
    const converted = py.toPy(value);
    if (converted !== null && (typeof converted === "object" || typeof converted === "function") && "destroy" in converted) {
      const result = bytesify!(converted);
      py.globals.set(name, result);
      (converted as PyProxy).destroy();
      if (result !== null && typeof result === "object" && "destroy" in result) (result as PyProxy).destroy();
    } else {
      py.globals.set(name, converted);
    }
  },
  async attachPort(kind, port) {
    const py = await python();
    await attachPort(kind, port, { pyodide: py, scope: globalThis });
  },
};

// Routes across threads: the client attaches a "routes" port at start; sockets no worker route takes go to the main thread.
registerPortService("routes", (port) => routeThroughPort(port));

Comlink.expose(api);
