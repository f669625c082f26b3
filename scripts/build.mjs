// Builds dist/: the browser bundle, the worker bundle, the Node modules, type declarations and the Python wheel.
import { rollup } from "rollup";
import esbuild from "rollup-plugin-esbuild";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, mkdirSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PYTHON_SOURCES = "virtual:python-sources";
const RUNNER_SOURCES = "virtual:python-runner-sources";
const MPY_SOURCES = "virtual:python-mpy-sources";
/** The test runner's own modules (and what only they use): embedded apart, so app bundles never ship them. */
const RUNNER_MODULES = new Set(["wsbridge/_coverage.py", "wsbridge/_pytest_session.py", "wsbridge/_runner_protocol.py", "wsbridge/pytest_plugin.py",
  "wsbridge/_ws_trace.py", "wsbridge/_pytest_debug.py", "wsbridge/_page_stdin.py", "wsbridge/_await_stack.py"]);

/** Every .py file under `base/package` (no __pycache__), keyed by its path relative to `base`. */
function pythonFilesUnder(base, packageDir) {
  const out = {};
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "__pycache__") walk(path);
      else if (entry.name.endsWith(".py")) out[relative(base, path)] = readFileSync(path, "utf8");
    }
  };
  walk(join(base, packageDir));
  return out;
}

/** Every .py file under python/wsbridge, keyed by its path relative to python/. */
function allPythonSources() {
  const out = pythonFilesUnder(join(root, "python"), "wsbridge");
  for (const path of RUNNER_MODULES) if (!(path in out)) throw new Error(`build: runner module ${path} is missing`);
  return out;
}

/** The MicroPython face (python/mpy/), keyed by its path relative to python/mpy/: src/pyodide/micropython/install.ts. */
function mpySources() {
  return pythonFilesUnder(join(root, "python/mpy"), "wsbridge");
}

/** The package's files for one embed: the runner's modules (`runner`) or all the others. */
function pythonSources(runner) {
  return Object.fromEntries(Object.entries(allPythonSources()).filter(([path]) => RUNNER_MODULES.has(path) === runner));
}

/**
 * Rollup plugin: `import sources from "virtual:python-sources"` gives the Python package as a map (path → text),
 * without the runner's modules; `"virtual:python-runner-sources"` gives those (src/pyodide/runner-python.ts);
 * `"virtual:python-mpy-sources"` the MicroPython face.
 */
const embedPython = {
  name: "embed-python",
  resolveId: (id) => (id === PYTHON_SOURCES || id === RUNNER_SOURCES || id === MPY_SOURCES ? id : null),
  load: (id) => {
    if (id === MPY_SOURCES) return `export default ${JSON.stringify(mpySources())};`;
    return id === PYTHON_SOURCES || id === RUNNER_SOURCES ? `export default ${JSON.stringify(pythonSources(id === RUNNER_SOURCES))};` : null;
  },
};

const browser = { platform: "browser", external: [] };
const node = { platform: "node", external: [/^node:/, "ws", "playwright-core", "puppeteer-core", "pyodide", /^pyodide\//] };

const bundles = [
  { input: "src/index.ts", file: "dist/wsbridge.mjs", ...browser },
  { input: "worker/client.ts", file: "dist/worker.mjs", ...browser },
  { input: "worker/runtime.ts", file: "dist/worker-runtime.mjs", ...browser },
  { input: "src/playwright/index.ts", file: "dist/playwright.mjs", ...node },
  { input: "src/cli/main.ts", file: "dist/cli.mjs", ...node },
  { input: "src/cli/compile-cache.ts", file: "dist/compile-cache.mjs", ...node },
  { input: "src/pyscript/index.ts", file: "dist/pyscript.mjs", ...browser },
  // attachPython evaluates this classic script in the page (src/pyodide/page.ts); it imports wsbridge.mjs by URL.
  { input: "src/pyodide/page.ts", file: "dist/page-python.js", ...browser, format: "iife", name: "__wsbridgePagePython" },
];

mkdirSync(join(root, "dist"), { recursive: true });
for (const b of bundles) {
  try { readFileSync(join(root, b.input)); } catch { continue; } // parts not written yet are skipped
  const bundle = await rollup({
    input: join(root, b.input),
    external: b.external,
    plugins: [embedPython, nodeResolve({ browser: b.platform === "browser", preferBuiltins: b.platform === "node" }), esbuild({ target: "es2022", tsconfig: join(root, "tsconfig.json") })],
    onwarn(warning, warn) { if (warning.code !== "CIRCULAR_DEPENDENCY") warn(warning); },
  });
  await bundle.write({ file: join(root, b.file), format: b.format ?? "es", name: b.name, sourcemap: true });
  await bundle.close();
}
// Declarations are emitted even when types are wrong; `npm run typecheck` (part of `npm test`) is the gate.
try {
  execFileSync("tsc", ["-p", "tsconfig.build.json"], { cwd: root, stdio: "pipe", env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` } });
} catch {
  console.warn("build: type errors (declarations emitted anyway); run `npm run typecheck`");
}
execFileSync("python3", ["scripts/build_wheel.py", "dist"], { cwd: root, stdio: "inherit" });
console.log("built dist/");
