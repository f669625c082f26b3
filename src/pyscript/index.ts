// wsbridge for PyScript (dist/pyscript.mjs): one <script type="module"> after PyScript's core.js makes
// `import wsbridge` work in every <script type="py">, on the main thread and in workers.
//
// How it wires in: it imports PyScript's `hooks` from the page's own core.js (found by its <script src>, or given
// with `data-pyscript` on this module's <script>), then
// - main thread: `hooks.main.onReady` (awaited by PyScript before a script's code runs) loads ./wsbridge.mjs, the
//   same module instance the page itself can import, and calls `installWsBridge(interpreter)` once per interpreter;
// - workers: hooks are stringified into the worker, so they carry this bundle's absolute URL as text:
//   `onBeforeRunAsync` (a JS hook, awaited before async worker code) does the same install there; sync workers
//   (`async="false"`) cannot await a module load, so `codeBeforeRun` leaves a `wsbridge` that fails at import
//   with a message saying so;
// - routes across threads: main-thread routes (JS `routeWebSocket`, Python `route_web_socket`) also route the
//   sockets PyScript workers open. The worker install hook, before user code runs, makes a MessageChannel, routes
//   the worker's sockets through one end (`routeThroughPort`) and posts the other end to the main thread, marked;
//   `hooks.main.onWorker` listens on each XWorker for it and serves it with the page's routes (`linkRoutesPort`).
//   The worker makes the channel (not the main thread, as `shareRoutesWith` does) because the main thread cannot
//   post a port the worker is sure to catch: the worker listens only once Pyodide has loaded, and by then
//   PyScript's own worker `message` listener comes first (a worker's global scope runs listeners in registration
//   order, capture or not), so it would see the port and hand it to Python's `xworker.onmessage`. The worker's own
//   end works at once: sockets opened before the main thread serves it wait (CONNECTING) in the port's queue. URLs
//   no main-thread route matches come back as passthrough and behave natively.
// - MicroPython (`<script type="mpy">`, main or worker): the same hooks install the MicroPython face
//   (src/pyodide/micropython/) instead of the Pyodide one.

import {
  installInInterpreter,
  workerInstallHook,
  WORKER_CODE_BEFORE_RUN,
  WORKER_CODE_BEFORE_RUN_ASYNC,
  type PyScriptInterpreter,
  type PyScriptWrap,
  type WsBridgeModule,
} from "../pyodide/pyscript-hooks.js";

// What touches the interpreter (Pyodide or MicroPython, the install, the ImportError stubs) is src/pyodide/pyscript-hooks.ts.
export { isPyodide, unavailableStub, syncWorkerMessage, MICROPYTHON_MESSAGE, SYNC_WORKER_MESSAGE, type PyScriptInterpreter, type PyScriptWrap } from "../pyodide/pyscript-hooks.js";

/** The subset of PyScript's `hooks` export that this plugin uses. */
export interface PyScriptHooks {
  main: {
    onReady: Set<(wrap: PyScriptWrap, element?: Element) => unknown>;
    /** Called with each XWorker PyScript creates (a real `Worker`; its `postMessage` passes transfer lists on). */
    onWorker?: Set<(interpreter: unknown, xworker: PyScriptXWorker) => unknown>;
  };
  worker: {
    onBeforeRunAsync: Set<(wrap: PyScriptWrap, xworker?: unknown) => unknown>;
    codeBeforeRun: Set<string>;
    codeBeforeRunAsync: Set<string>;
  };
}

/** The part of PyScript's XWorker (a `Worker` subclass) that the plugin uses. */
export interface PyScriptXWorker {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  terminate?(): void;
}

/** Marks the message that carries a PyScript worker's routes port to the main thread. */
export const WORKER_ROUTES_MARK = "wsbridge.pyscript-routes-port";

export interface RegisterOptions {
  /** Absolute URL of wsbridge's browser bundle; default: `wsbridge.mjs` next to this module. */
  wsbridgeURL?: string;
}

/**
 * Main thread, per XWorker: when the worker posts its routes port (its install hook did so before user code),
 * serve it with this page's routes (`linkRoutesPort` of the page's wsbridge module instance). The message never
 * reaches the page's own `xworker.onmessage`. `terminate()` also closes the link: the worker's live routed
 * sockets' routes see a page close (1006) and are released.
 */
export function serveWorkerRoutes(xworker: PyScriptXWorker, load: () => Promise<WsBridgeModule>): void {
  const onPort = (event: MessageEvent) => {
    const port = (event.data as Record<string, unknown> | null)?.[WORKER_ROUTES_MARK];
    if (!(port instanceof MessagePort)) return;
    event.stopImmediatePropagation();
    xworker.removeEventListener("message", onPort);
    void load().then(
      (wsbridge) => {
        const link = wsbridge.linkRoutesPort(port);
        const terminate = xworker.terminate;
        if (typeof terminate === "function") {
          xworker.terminate = function (this: PyScriptXWorker) {
            link.close();
            return terminate.call(this);
          };
        }
      },
      (error: unknown) => console.error("wsbridge/pyscript.mjs: cannot route a worker's sockets:", error),
    );
  };
  // Added when PyScript creates the XWorker: before any `onmessage` the page sets (PyScript's own listener there
  // only takes errors and its "done" message).
  xworker.addEventListener("message", onPort);
}

const registered = new WeakSet<PyScriptHooks>();

/**
 * Registers wsbridge's hooks on PyScript's `hooks` (idempotent per hooks object). Call it synchronously, before
 * PyScript creates interpreters and workers: worker hooks are read when a worker starts.
 */
export function registerWsBridge(hooks: PyScriptHooks, options: RegisterOptions = {}): void {
  if (registered.has(hooks)) return;
  registered.add(hooks);
  const wsbridgeURL = options.wsbridgeURL ?? new URL("./wsbridge.mjs", import.meta.url).href;
  const installs = new WeakMap<PyScriptInterpreter, Promise<void>>();

  const load = () => import(/* @vite-ignore */ wsbridgeURL) as Promise<WsBridgeModule>;
  hooks.main.onReady.add(async ({ interpreter }: PyScriptWrap) => {
    let done = installs.get(interpreter);
    if (!done) {
      done = installInInterpreter(interpreter, load);
      installs.set(interpreter, done);
    }
    await done;
  });

  // A PyScript without `main.onWorker` would never answer: its workers then keep their native sockets.
  const shareRoutes = hooks.main.onWorker !== undefined;
  hooks.main.onWorker?.add((_interpreter, xworker) => serveWorkerRoutes(xworker, load));

  hooks.worker.onBeforeRunAsync.add(workerInstallHook(wsbridgeURL, shareRoutes, WORKER_ROUTES_MARK));
  for (const code of WORKER_CODE_BEFORE_RUN_ASYNC) hooks.worker.codeBeforeRunAsync.add(code);
  for (const code of WORKER_CODE_BEFORE_RUN) hooks.worker.codeBeforeRun.add(code);
}

/** Absolute URL of PyScript's core.js on this page: `data-pyscript` on our <script>, else a `core.js` script. */
export function findCoreURL(doc: Document, selfURL: string): string | undefined {
  const scripts = [...doc.querySelectorAll<HTMLScriptElement>("script[src]")];
  const self = scripts.find((s) => s.src === selfURL);
  const explicit = self?.getAttribute("data-pyscript");
  if (explicit) return new URL(explicit, doc.baseURI).href;
  return scripts.find((s) => /\/core\.js(?:[?#].*)?$/.test(s.src))?.src;
}

/** The promise of the automatic registration made when this module loads in a page (rejects if core.js is missing). */
export const ready: Promise<void> = (async () => {
  if (typeof document === "undefined") return;
  const core = findCoreURL(document, import.meta.url);
  if (!core) {
    throw new Error(
      'wsbridge/pyscript.mjs: PyScript\'s core.js not found on this page; add <script type="module" src=".../core.js"> ' +
        'or name it with data-pyscript="..." on the wsbridge script',
    );
  }
  const { hooks } = (await import(/* @vite-ignore */ core)) as { hooks: PyScriptHooks };
  registerWsBridge(hooks);
})();
// An unhandled rejection still reaches the console; keep it visible but don't make importers handle it.
ready.catch((error: unknown) => console.error(error));
