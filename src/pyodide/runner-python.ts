// installRunnerPython: adds the test runner's Python (wsbridge.pytest_plugin, _pytest_session, _runner_protocol) to
// a Pyodide that installWsBridge set up. Embedded apart from the package (scripts/build.mjs) so that only the runner's
// page entry (dist/page-python.js) carries it, never dist/wsbridge.mjs and the apps that bundle it.
import runnerSources from "virtual:python-runner-sources";
import { PYTHON_HOME } from "./python-home.js";
import type { PyodideLike } from "./types.js";

/** Writes the runner's modules beside the installed wsbridge package; safe to call again. */
export function installRunnerPython(pyodide: PyodideLike): void {
  for (const [path, source] of Object.entries(runnerSources)) {
    const full = `${PYTHON_HOME}/${path}`;
    pyodide.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
    pyodide.FS.writeFile(full, source);
  }
  // The package's folder may have a cached finder from `import wsbridge` that would not see files written in the same
  // clock tick: dropping that one entry is cheap, unlike importlib.invalidate_caches() on a fresh interpreter.
  pyodide.runPython(`import sys\nsys.path_importer_cache.pop(${JSON.stringify(`${PYTHON_HOME}/wsbridge`)}, None)`);
}
