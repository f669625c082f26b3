// Unit tests of the PyScript plugin's logic (src/pyscript/index.ts) with fake hooks, documents and interpreters.
import { describe, expect, it } from "vitest";
import {
  findCoreURL, isPyodide, registerWsBridge, serveWorkerRoutes, syncWorkerMessage, unavailableStub, WORKER_ROUTES_MARK,
  type PyScriptHooks, type PyScriptInterpreter, type PyScriptWrap, type PyScriptXWorker,
} from "../../src/pyscript/index.js";

function fakeDoc(scripts: Array<{ src: string; attrs?: Record<string, string> }>, base = "http://h/app/"): Document {
  const els = scripts.map((s) => ({ src: s.src, getAttribute: (n: string) => s.attrs?.[n] ?? null }));
  return { baseURI: base, querySelectorAll: () => els } as unknown as Document;
}

function fakeHooks(): PyScriptHooks {
  return {
    main: { onReady: new Set(), onWorker: new Set() },
    worker: { onBeforeRunAsync: new Set(), codeBeforeRun: new Set(), codeBeforeRunAsync: new Set() },
  };
}

function fakeInterpreter(kind: "pyodide" | "micropython"): PyScriptInterpreter & { ran: string[]; installed: number } {
  const it = {
    ran: [] as string[],
    installed: 0,
    runPython(code: string) { it.ran.push(code); },
    runPythonAsync: async () => undefined,
    registerJsModule() {},
    FS: { mkdirTree() {}, writeFile() {} },
    ...(kind === "pyodide" ? { loadPackage: () => undefined, pyodide_py: {} } : {}),
  };
  return it;
}

/**
 * A wsbridge module stand-in: installWsBridge (Pyodide) and installMicroPython count calls on the interpreter they
 * are given, by face; routeThroughPort records the port it is given (on the interpreter last installed).
 */
const FAKE_WSBRIDGE = `data:text/javascript,${encodeURIComponent(
  "let last; export async function installWsBridge(p) { p.installed += 1; p.face = 'pyodide'; last = p; }\n" +
    "export function installMicroPython(p) { p.installed += 1; p.face = 'micropython'; last = p; }\n" +
    "export function routeThroughPort(port) { last.routedThrough = port; }",
)}`;

describe("findCoreURL", () => {
  it("finds PyScript's core.js among the page's scripts, absolute", () => {
    const doc = fakeDoc([{ src: "http://h/other.js" }, { src: "http://h/pyscript/core.js" }, { src: "http://h/wsbridge/pyscript.mjs" }]);
    expect(findCoreURL(doc, "http://h/wsbridge/pyscript.mjs")).toBe("http://h/pyscript/core.js");
    expect(findCoreURL(fakeDoc([{ src: "http://h/ps/core.js?v=2" }]), "x")).toBe("http://h/ps/core.js?v=2");
  });

  it("prefers data-pyscript on the plugin's own script, resolved against the page", () => {
    const doc = fakeDoc([{ src: "http://h/pyscript/core.js" }, { src: "http://h/wsbridge/pyscript.mjs", attrs: { "data-pyscript": "../vendor/ps.js" } }]);
    expect(findCoreURL(doc, "http://h/wsbridge/pyscript.mjs")).toBe("http://h/vendor/ps.js");
  });

  it("gives undefined when no core.js is on the page (not a lookalike such as score.js)", () => {
    expect(findCoreURL(fakeDoc([{ src: "http://h/score.js" }, { src: "http://h/core.jsx" }]), "x")).toBeUndefined();
  });
});

describe("registerWsBridge", () => {
  it("tells Pyodide from MicroPython", () => {
    expect(isPyodide(fakeInterpreter("pyodide"))).toBe(true);
    expect(isPyodide(fakeInterpreter("micropython"))).toBe(false);
  });

  it("installs once per interpreter however many scripts become ready: Pyodide's face or MicroPython's", async () => {
    const hooks = fakeHooks();
    registerWsBridge(hooks, { wsbridgeURL: FAKE_WSBRIDGE });
    registerWsBridge(hooks, { wsbridgeURL: FAKE_WSBRIDGE }); // idempotent
    expect(hooks.main.onReady.size).toBe(1);
    const [onReady] = [...hooks.main.onReady];
    const py = fakeInterpreter("pyodide");
    const other = fakeInterpreter("pyodide");
    const mpy = fakeInterpreter("micropython");
    const wrap = (interpreter: PyScriptInterpreter): PyScriptWrap => ({ type: "py", interpreter });
    await Promise.all([onReady!(wrap(py)), onReady!(wrap(py)), onReady!(wrap(other)), onReady!(wrap(mpy))]);
    await onReady!(wrap(py));
    expect([py.installed, other.installed, mpy.installed]).toEqual([1, 1, 1]);
    expect([py, other, mpy].map((i) => (i as unknown as { face: string }).face)).toEqual(["pyodide", "pyodide", "micropython"]);
    expect(mpy.ran).toEqual([]);
  });

  it("worker hooks are self-contained: the stringified install hook carries the absolute URL and still works", async () => {
    const hooks = fakeHooks();
    registerWsBridge(hooks, { wsbridgeURL: FAKE_WSBRIDGE });
    const [hook] = [...hooks.worker.onBeforeRunAsync];
    const source = String(hook);
    expect(source).toContain(JSON.stringify(FAKE_WSBRIDGE));
    // What PyScript does in the worker: rebuild the function from its text, with no closure. (Node's Function()
    // code has no dynamic-import host hook, so `import(` is handed in; everything else comes from the text.)
    expect(source.match(/\bimport\(/g)).toHaveLength(1);
    const rebuilt = Function("importModule", `return (${source.replace("import(", "importModule(")})`)(
      (url: string) => import(url),
    ) as (wrap: { interpreter: PyScriptInterpreter }) => Promise<void>;
    const py = fakeInterpreter("pyodide") as ReturnType<typeof fakeInterpreter> & { routedThrough?: MessagePort; face?: string };
    const mpy = fakeInterpreter("micropython") as ReturnType<typeof fakeInterpreter> & { routedThrough?: MessagePort; face?: string };
    const posted: Array<[unknown, unknown]> = [];
    const scope = globalThis as { postMessage?: unknown };
    const saved = scope.postMessage;
    scope.postMessage = (message: unknown, transfer: unknown) => void posted.push([message, transfer]);
    try {
      await rebuilt({ interpreter: py });
      await rebuilt({ interpreter: mpy });
    } finally {
      scope.postMessage = saved;
    }
    expect([py.installed, mpy.installed, py.face, mpy.face]).toEqual([1, 1, "pyodide", "micropython"]);
    // Each worker routes through one end of a channel and posts the other end, marked, transferred.
    expect(posted).toHaveLength(2);
    for (const [i, worker] of [py, mpy].entries()) {
      expect(worker.routedThrough).toBeInstanceOf(MessagePort);
      const [message, transfer] = posted[i]!;
      const port = (message as Record<string, unknown>)[WORKER_ROUTES_MARK];
      expect(port).toBeInstanceOf(MessagePort);
      expect(transfer).toEqual([port]);
      worker.routedThrough!.close();
    }
    // Async workers need no stub; synchronous ones, Pyodide's and MicroPython's, get one each.
    expect([...hooks.worker.codeBeforeRunAsync]).toEqual([]);
    expect([...hooks.worker.codeBeforeRun]).toEqual([unavailableStub("micropython", syncWorkerMessage("mpy")), unavailableStub("cpython", syncWorkerMessage("py"))]);
  });

  it("the stub is one Python module that raises ImportError with the message, for the named implementation only", () => {
    const stub = unavailableStub("micropython", 'say "why"');
    expect(stub).toContain('_wsb_sys.implementation.name == "micropython"');
    expect(stub).toContain(JSON.stringify(`raise ImportError(${JSON.stringify('say "why"')})\n`));
  });

  it("main thread: serves the port a worker posts, hides that message from the page, closes the link on terminate", async () => {
    const hooks = fakeHooks();
    const links: Array<{ port: MessagePort; closed: boolean }> = [];
    registerWsBridge(hooks, { wsbridgeURL: FAKE_WSBRIDGE });
    expect(hooks.main.onWorker?.size).toBe(1);
    const target = new EventTarget();
    let terminated = 0;
    const xworker = Object.assign(target, {
      postMessage() {},
      terminate() { terminated += 1; },
    }) as unknown as PyScriptXWorker & EventTarget;
    serveWorkerRoutes(xworker, async () => ({
      installWsBridge: async () => undefined,
      installMicroPython: () => undefined,
      linkRoutesPort: (port: MessagePort) => {
        const link = { port, closed: false };
        links.push(link);
        return { close: () => void (link.closed = true) };
      },
    }));
    const page: unknown[] = [];
    target.addEventListener("message", (e) => page.push((e as MessageEvent).data)); // the page's own onmessage
    const { port1, port2 } = new MessageChannel();
    target.dispatchEvent(new MessageEvent("message", { data: "user message" }));
    target.dispatchEvent(new MessageEvent("message", { data: { [WORKER_ROUTES_MARK]: port2 } }));
    await expect.poll(() => links.length).toBe(1); // the port is linked once the services resolved
    expect(page).toEqual(["user message"]);
    expect(links.map((l) => l.port)).toEqual([port2]);
    xworker.terminate!();
    expect([terminated, links[0]!.closed]).toEqual([1, true]);
    port1.close();
  });
});
