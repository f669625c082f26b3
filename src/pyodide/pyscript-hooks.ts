// What PyScript's hooks do to an interpreter, kept with the rest of the interpreter adapters: telling Pyodide from
// MicroPython, installing wsbridge's Pyodide face or its MicroPython face (main thread and workers) and the
// `import wsbridge` stubs that raise ImportError where wsbridge cannot run (synchronous workers). src/pyscript/index.ts only registers these on PyScript's hooks.
// Nothing here imports the engine: the page's wsbridge.mjs is loaded by URL, so page and hooks share one instance.

/** What PyScript hands to hooks: the interpreter (Pyodide's or MicroPython's JS API) and the script type. */
export interface PyScriptWrap {
  type: string;
  interpreter: PyScriptInterpreter;
}

export interface PyScriptInterpreter {
  runPython(code: string): unknown;
  runPythonAsync(code: string): Promise<unknown>;
  registerJsModule(name: string, module: object): void;
  FS: { mkdirTree(path: string): void; writeFile(path: string, data: string | Uint8Array): void };
  loadPackage?: unknown;
  pyodide_py?: unknown;
}

/** The part of wsbridge.mjs the hooks use. */
export type WsBridgeModule = {
  installWsBridge(pyodide: unknown): Promise<void>;
  installMicroPython(interpreter: unknown): void;
  linkRoutesPort(port: MessagePort): { close(): void };
};

/**
 * The ImportError message of the Pyodide package's own guard (python/wsbridge/__init__.py) when its wheel is
 * unpacked into MicroPython: the MicroPython face comes with the plugin instead.
 */
export const MICROPYTHON_MESSAGE =
  "this wsbridge package is the Pyodide face and does not run on MicroPython: under MicroPython " +
  '(<script type="mpy">) wsbridge comes with its PyScript plugin; add <script type="module" ' +
  'src=".../wsbridge/pyscript.mjs"> after PyScript\'s core.js instead of the wheel.';

/** The ImportError message in a synchronous (async="false") worker of `type` ("py" or "mpy"). */
export function syncWorkerMessage(type: "py" | "mpy"): string {
  return (
    `wsbridge cannot be installed in a synchronous PyScript worker (<script type="${type}" worker async="false">): ` +
    'the JS engine loads asynchronously; drop async="false" (workers are async by default).'
  );
}

/** The ImportError message in a synchronous Pyodide worker. */
export const SYNC_WORKER_MESSAGE = syncWorkerMessage("py");

/** Folder that holds the stub `wsbridge` module raising ImportError (interpreters where wsbridge cannot run). */
const STUB_DIR = "/lib/wsbridge-unavailable";

/**
 * Python (valid in CPython and MicroPython) that makes `import wsbridge` raise ImportError(message): a one-line
 * module in its own folder at the front of sys.path. Only for `when` ("micropython" / "cpython") interpreters.
 */
export function unavailableStub(when: "micropython" | "cpython", message: string): string {
  const body = `raise ImportError(${JSON.stringify(message)})\n`;
  return [
    "import sys as _wsb_sys",
    `if _wsb_sys.implementation.name == ${JSON.stringify(when)} and "wsbridge" not in _wsb_sys.modules:`,
    "    import os as _wsb_os",
    `    for _wsb_d in ("/lib", ${JSON.stringify(STUB_DIR)}):`,
    "        try:",
    "            _wsb_os.mkdir(_wsb_d)",
    "        except OSError:",
    "            pass",
    `    with open(${JSON.stringify(`${STUB_DIR}/wsbridge.py`)}, "w") as _wsb_f:`,
    `        _wsb_f.write(${JSON.stringify(body)})`,
    `    if ${JSON.stringify(STUB_DIR)} not in _wsb_sys.path:`,
    `        _wsb_sys.path.insert(0, ${JSON.stringify(STUB_DIR)})`,
    "    del _wsb_os, _wsb_d, _wsb_f",
    "del _wsb_sys",
    "",
  ].join("\n");
}

/** True for Pyodide's JS API (MicroPython's has neither `loadPackage` nor `pyodide_py`). */
export function isPyodide(interpreter: PyScriptInterpreter): boolean {
  return typeof interpreter.loadPackage === "function" && interpreter.pyodide_py !== undefined;
}

/** Main thread: installs wsbridge's Pyodide face into a Pyodide interpreter, its MicroPython face into MicroPython. */
export async function installInInterpreter(interpreter: PyScriptInterpreter, load: () => Promise<WsBridgeModule>): Promise<void> {
  const wsbridge = await load();
  if (isPyodide(interpreter)) await wsbridge.installWsBridge(interpreter);
  else wsbridge.installMicroPython(interpreter);
}

/**
 * The worker install hook: PyScript stringifies worker hooks into the worker, so it is built from source text with
 * no closures (the bundle URL and the port mark are literals). In a Pyodide or MicroPython worker it imports
 * `wsbridgeURL`, installs the matching face and, with `shareRoutes`, routes the worker's sockets through one end of
 * a new channel and posts the other end to the main thread under `mark`, before user code runs.
 */
export function workerInstallHook(wsbridgeURL: string, shareRoutes: boolean, mark: string): (wrap: PyScriptWrap) => Promise<void> {
  return Function(`return async ({ interpreter }) => {
  const wsbridge = await import(${JSON.stringify(wsbridgeURL)});
  // isPyodide(interpreter), restated: the hook cannot reach this module's functions.
  if (typeof interpreter.loadPackage === "function" && interpreter.pyodide_py !== undefined) await wsbridge.installWsBridge(interpreter);
  else wsbridge.installMicroPython(interpreter);
  if (${shareRoutes}) {
    const channel = new MessageChannel();
    wsbridge.routeThroughPort(channel.port1);
    globalThis.postMessage({ ${JSON.stringify(mark)}: channel.port2 }, [channel.port2]);
  }
}`)() as (wrap: PyScriptWrap) => Promise<void>;
}

/** Python run in synchronous workers before user code: the ImportError stubs (Pyodide and MicroPython). */
export const WORKER_CODE_BEFORE_RUN: readonly string[] = [unavailableStub("micropython", syncWorkerMessage("mpy")), unavailableStub("cpython", SYNC_WORKER_MESSAGE)];

/** Python run in async workers before user code: none (the install hook has installed wsbridge). */
export const WORKER_CODE_BEFORE_RUN_ASYNC: readonly string[] = [];
