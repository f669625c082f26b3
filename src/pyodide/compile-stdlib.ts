// The in-page half of src/cli/stdlib.ts: a page script that loads plain Pyodide and rewrites its stdlib zip with an
// unchecked-hash .pyc (PEP 552) beside each .py, compiled by Pyodide's own CPython (the host's may be another
// version). Source text, so the Node side evaluates it as written (no bundler or test transform touches it).

/** Python: /tmp/in.zip (the sources) → /tmp/out.zip (each entry as it was, plus the .pyc of each .py). */
const COMPILE_PY = `
import importlib.util, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc
with zipfile.ZipFile("/tmp/in.zip") as src, zipfile.ZipFile("/tmp/out.zip", "w") as out:
    for info in src.infolist():
        data = src.read(info)
        out.writestr(info, data)
        if not info.filename.endswith(".py"):
            continue
        try:
            # The file name a module imported from the zip gets, so tracebacks read as before.
            code = compile(data, f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip/" + info.filename, "exec", dont_inherit=True)
        except SyntaxError:
            continue  # left to fail at import, as it does from source
        pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
        out.writestr(zipfile.ZipInfo(info.filename + "c", info.date_time), bytes(pyc))
`;

/** A page script (an expression) resolving to the compiled zip, base64, for the Pyodide served at `indexURL`. */
export function compileStdlibScript(indexURL: string): string {
  return `(async () => {
  const indexURL = ${JSON.stringify(indexURL)};
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL });
  pyodide.FS.writeFile("/tmp/in.zip", new Uint8Array(await (await fetch(indexURL + "python_stdlib.zip")).arrayBuffer()));
  pyodide.runPython(${JSON.stringify(COMPILE_PY)});
  const bytes = pyodide.FS.readFile("/tmp/out.zip");
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
})()`;
}
