// The module worker script (dist/worker-runtime.mjs): wires Comlink and the port services to the Python runtime of
// src/pyodide/runtime.ts (which loads Pyodide, installs wsbridge, runs code and converts results). No Pyodide here.
import * as Comlink from "comlink";
import { installWsBridge } from "../src/pyodide/install.js";
import { startPython, type PythonRuntime } from "../src/pyodide/runtime.js";
import type { Converted } from "../src/pyodide/convert.js";
import { PythonError } from "../src/pyodide/errors.js";
import { attachPort, registerPortService } from "./ports.js";
import { routeThroughPort } from "../src/route/port-link.js";
import type { ControlMessage, InitOptions, InitResult, OutputCallback, WorkerAPI } from "./protocol.js";
import { preserveErrorFields } from "./errors.js";

const scope = globalThis as unknown as typeof globalThis & { addEventListener: typeof addEventListener };

preserveErrorFields(Comlink.transferHandlers, ["type"]);

let ready: Promise<PythonRuntime> | undefined;

/** Starts the runtime, naming this worker in every load error. */
async function load(options: InitOptions, output?: OutputCallback): Promise<PythonRuntime> {
  try {
    return await startPython({
      indexURL: options.indexURL,
      timeout: options.timeout,
      install: { name: "wsbridge install", doing: "installing wsbridge", run: (pyodide) => installWsBridge(pyodide) },
      ...(output ? { stdout: (line: string) => void output("stdout", line), stderr: (line: string) => void output("stderr", line) } : {}),
    });
  } catch (error) {
    throw new Error(`wsbridge worker: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function python(): Promise<PythonRuntime> {
  if (!ready) throw new Error("wsbridge worker: init() was not called");
  return ready;
}

/** A converted value marked so Comlink transfers its buffers instead of copying them. */
function marked(converted: Converted): unknown {
  return converted.transfer.length ? Comlink.transfer(converted.value, converted.transfer) : converted.value;
}

/** Runs Python and sends the structured-clone-mode result; a result that cannot cross says so, naming the worker. */
async function run(code: string, isAsync: boolean): Promise<unknown> {
  const runtime = await python();
  try {
    return marked(await runtime.run(code, { async: isAsync, to: "clone" }));
  } catch (error) {
    if (error instanceof PythonError || !(error instanceof Error)) throw error;
    const text = `wsbridge worker: ${error.message}`;
    throw Object.assign(error instanceof TypeError ? new TypeError(text) : new Error(text), { name: error.name });
  }
}

const api: WorkerAPI = {
  async init(options, output) {
    ready ??= load(options, output);
    options.control.start();
    scope.addEventListener("messageerror", () => options.control.postMessage({ type: "messageerror" } satisfies ControlMessage));
    const runtime = await ready;
    return { pyodideVersion: runtime.version } satisfies InitResult;
  },
  runPython: (code) => run(code, false),
  runPythonAsync: (code) => run(code, true),
  async setGlobal(name, value) {
    const runtime = await python();
    if (typeof value === "function") {
      // Only a Comlink proxy can arrive as a function: structured cloning cannot carry functions.
      const remote = value as (...args: unknown[]) => Promise<unknown>;
      runtime.setCallable(name, (...args) => remote(...args.map(marked)), "clone");
      return;
    }
    runtime.setGlobal(name, value);
  },
  async attachPort(kind, port) {
    const runtime = await python();
    await attachPort(kind, port, { runtime, scope: globalThis });
  },
};

// Routes across threads: the client attaches a "routes" port at start; sockets no worker route takes go to the main thread.
registerPortService("routes", (port) => routeThroughPort(port));

Comlink.expose(api);
