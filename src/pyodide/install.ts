// installWsBridge: makes `import wsbridge` work in a Pyodide instance, with no network.
import pythonSources from "virtual:python-sources";
import type { PyodideLike } from "./types.js";
import { bridgeModule } from "./bridge.js";
import { installRouting } from "../route/engine.js";
import { PYTHON_HOME } from "./python-home.js";

export { PYTHON_HOME };

/** Name of the JS module the Python package imports its TypeScript engine from. */
export const JS_MODULE_NAME = "_wsbridge_js";

/** Writes the embedded Python sources (all but the test runner's: ./runner-python.ts) into `pyodide.FS`, registers the JS engine, and imports wsbridge. */
export async function installWsBridge(pyodide: PyodideLike): Promise<void> {
  installRouting(); // globalThis.WebSocket is the routed class before any user Python runs
  for (const [path, source] of Object.entries(pythonSources)) {
    const full = `${PYTHON_HOME}/${path}`;
    pyodide.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
    pyodide.FS.writeFile(full, source);
  }
  pyodide.registerJsModule(JS_MODULE_NAME, bridgeModule(pyodide));
  // Only PYTHON_HOME's cached finder is dropped (a reinstall wrote its files again): the global
  // importlib.invalidate_caches() imports importlib.metadata on a fresh interpreter, about 40 ms, most of install.
  // runPython, not runPythonAsync: the import is synchronous, and a fresh interpreter's first runPythonAsync costs
  // 13-16 ms of Pyodide's own set-up, paid by the page's first async code either way.
  pyodide.runPython(`
import sys
if ${JSON.stringify(PYTHON_HOME)} not in sys.path:
    sys.path.insert(0, ${JSON.stringify(PYTHON_HOME)})
sys.path_importer_cache.pop(${JSON.stringify(PYTHON_HOME)}, None)
import wsbridge
`);
}
