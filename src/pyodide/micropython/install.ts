// installMicroPython: makes `import wsbridge` work in a MicroPython interpreter (PyScript's `mpy`), with no network:
// the MicroPython face's sources (python/mpy/wsbridge/) ship inside the bundle.
import mpySources from "virtual:python-mpy-sources";
import { installRouting } from "../../route/engine.js";
import type { MicroPythonLike } from "./types.js";
import { microPythonModule } from "./bridge.js";

/** Folder in MicroPython's file system that holds the face; put first on sys.path. */
export const MPY_HOME = "/lib/wsbridge-mpy";
/** Name of the JS module the MicroPython face imports the engine from. */
export const MPY_MODULE_NAME = "_wsbridge_mpy";

/** Writes the face into the interpreter's FS, registers `_wsbridge_mpy` and imports wsbridge. */
export function installMicroPython(interpreter: MicroPythonLike): void {
  installRouting(); // globalThis.WebSocket is the routed class before any user Python runs
  for (const [path, source] of Object.entries(mpySources)) {
    const full = `${MPY_HOME}/${path}`;
    interpreter.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
    interpreter.FS.writeFile(full, source);
  }
  interpreter.registerJsModule(MPY_MODULE_NAME, microPythonModule(interpreter));
  interpreter.runPython(`
import sys
if ${JSON.stringify(MPY_HOME)} not in sys.path:
    sys.path.insert(0, ${JSON.stringify(MPY_HOME)})
import wsbridge
`);
}
