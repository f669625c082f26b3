// `wsbridge test --pyscript`, in the page: makes PyScript's `pyscript` package work in the runner's own Pyodide as it
// does in an app. PyScript installs that package by running its `stdlib` Python (exported by core.js) before a
// script's code, after registering two JS modules, `polyscript` and `_pyscript`; this does the same to the runner's
// (snapshot-restored) interpreter, after applying the project's config (`files`, `fetch`, `js_modules`, `packages`).
// Workers are PyScript's own: the page's core.js starts them, from a `<py-config>` that names the local Pyodide.

/** What the runner sends (src/cli/pyscript.ts makes it). */
export interface PyScriptPageOptions {
  /** URL of `@pyscript/core/dist/core.js` as the runner serves it. */
  coreURL: string;
  /** URL of the local `pyodide.mjs`: workers load it instead of the CDN's. */
  interpreterURL: string;
  /** URL of the project's folder as served: relative URLs mean it when there is no config. */
  appURL: string;
  /** The project's config file: its text, format and URL as served (relative URLs in it resolve against that). */
  config: { text: string; format: "json" | "toml"; url: string; name: string } | null;
}

/** The parts of PyScript's core.js used here. */
interface PyScriptCore {
  stdlib: string;
  hooks: { main: { onWorker: Set<(wrap: unknown, xworker: XWorkerLike) => void> } };
}

/** The parts of a PyScript XWorker used here. */
interface XWorkerLike {
  ready: Promise<{ sync: unknown }>;
}

/** The parts of Pyodide used here. */
interface PyScriptPyodide {
  FS: { mkdirTree(path: string): void; writeFile(path: string, data: Uint8Array): void };
  runPython(code: string, options?: { globals?: unknown }): unknown;
  toPy(value: unknown): unknown;
  registerJsModule(name: string, module: object): void;
  unpackArchive(buffer: ArrayBuffer, format: string, options: { extractDir: string }): void;
}

type Config = Record<string, unknown>;

/** Where PyScript puts its package and the config's files in an app: the interpreter's home. */
const HOME = "/home/pyodide";
/** The element `display()` writes to when no target is named (a test's `innerHTML` may replace it; it comes back). */
const TARGET_ID = "wsbridge-pyscript-target";

/** Thrown for a config the page cannot honour; the runner shows its message as one line. */
class ConfigError extends Error {}

/** Installs PyScript's `pyscript` package and the config's files and modules into `pyodide`. */
export async function installPyScript(pyodide: PyScriptPyodide, options: PyScriptPageOptions): Promise<void> {
  const config = options.config ? parseConfig(pyodide, options.config) : {};
  const base = options.config?.url ?? options.appURL;
  const name = options.config?.name ?? "the PyScript config";
  // Relative URLs the app's code uses (a worker's src, fetch("data.json")) mean the config's folder, as next to the
  // app's page; the runner's own URLs are absolute.
  const element = document.createElement("base");
  element.href = new URL(".", base).href;
  document.head.prepend(element);
  addPageConfig(workerConfig(config, base, options.interpreterURL));
  const core = (await import(/* @vite-ignore */ options.coreURL)) as PyScriptCore;
  const jsModules = await importModules(section(config.js_modules, "js_modules", name).main, base, name);
  await writeFiles(pyodide, config, base, name);
  checkPackages(pyodide, config, name);
  pyodide.registerJsModule("polyscript", {
    config,
    js_modules: jsModules,
    workers: namedWorkers(core),
    currentScript: null,
    lazy_py_modules: () => Promise.reject(new Error("pyscript.py_import: packages cannot be installed while tests run: list them in the config's packages or --requirements")),
    storage: pageStorage,
    JSON,
  });
  pyodide.registerJsModule("_pyscript", {
    PyWorker: () => { throw new Error("pyscript.PyWorker is not available under wsbridge test --pyscript: use pyscript.create_named_worker (or a <script type=\"py\" worker name=...>) and pyscript.workers"); },
    fs: { ERROR: "storage permissions not granted", NAMESPACE: "@pyscript.fs" },
    interpreter: pyodide,
    js_import: (...urls: string[]) => Promise.all(urls.map((url) => import(/* @vite-ignore */ new URL(url, base).href))),
    get target() { return displayTarget(); },
  });
  // PyScript's stdlib writes the package under the working folder and imports it; the home folder stays on sys.path
  // so the package, and the config's files, import from any working folder, as the app's do.
  pyodide.runPython(`import os as _os, sys as _sys\n_os.makedirs(${JSON.stringify(HOME)}, exist_ok=True)\n_sys.path.insert(1, ${JSON.stringify(HOME)}) if ${JSON.stringify(HOME)} not in _sys.path else None\n_here = _os.getcwd()\n_os.chdir(${JSON.stringify(HOME)})\ndel _os, _sys`);
  try {
    pyodide.runPython(core.stdlib);
  } finally {
    pyodide.runPython("import os as _os\n_os.chdir(_here)\ndel _os, _here");
  }
}

/** The config file's object (JSON or, through Python's tomllib, TOML); a ConfigError naming the file otherwise. */
function parseConfig(pyodide: PyScriptPyodide, config: NonNullable<PyScriptPageOptions["config"]>): Config {
  let parsed: unknown;
  try {
    if (config.format === "json") parsed = JSON.parse(config.text);
    else {
      const globals = pyodide.toPy({ text: config.text });
      parsed = JSON.parse(String(pyodide.runPython("import json, tomllib\njson.dumps(tomllib.loads(text))", { globals })));
      (globals as { destroy?(): void }).destroy?.();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${config.name}: not valid ${config.format.toUpperCase()}: ${message.trim().split("\n").at(-1)}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`${config.name}: the config must be a table (an object)`);
  return parsed as Config;
}

/** `value` as a string-to-string table (a config section), or a ConfigError naming it. */
function table(value: unknown, what: string, name: string): Record<string, string> {
  if (value === undefined) return {};
  if (!value || typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new ConfigError(`${name}: ${what} must be a table of strings`);
  }
  return value as Record<string, string>;
}

/** `js_modules`' `main` and `worker` tables. */
function section(value: unknown, what: string, name: string): { main: Record<string, string>; worker: Record<string, string> } {
  if (value === undefined) return { main: {}, worker: {} };
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ConfigError(`${name}: ${what} must be a table`);
  const v = value as Record<string, unknown>;
  return { main: table(v.main, `${what}.main`, name), worker: table(v.worker, `${what}.worker`, name) };
}

/** The config workers get: the local Pyodide as the interpreter, and every URL in it absolute (workers run from blobs). */
function workerConfig(config: Config, base: string, interpreterURL: string): Config {
  const absolute = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).map(([url, v]) => [new URL(url, base).href, v]));
  const out: Config = { ...config, interpreter: interpreterURL };
  if (config.files && typeof config.files === "object") out.files = absolute(config.files as Record<string, string>);
  const modules = config.js_modules as { main?: Record<string, string>; worker?: Record<string, string> } | undefined;
  if (modules && typeof modules === "object") out.js_modules = { ...(modules.main ? { main: absolute(modules.main) } : {}), ...(modules.worker ? { worker: absolute(modules.worker) } : {}) };
  if (Array.isArray(config.fetch)) out.fetch = config.fetch.map((f: { from?: string }) => ({ ...f, from: new URL(f.from ?? "", base).href }));
  return out;
}

/** A `<py-config>` in the head: PyScript's workers without a config of their own take it, so they stay offline. */
function addPageConfig(config: Config): void {
  const element = document.createElement("py-config");
  element.textContent = JSON.stringify(config);
  document.head.append(element);
}

/** Imports the config's main-thread `js_modules` (URL → name), as `pyscript.js_modules.NAME`. */
async function importModules(modules: Record<string, string>, base: string, name: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [url, as] of Object.entries(modules)) {
    const href = new URL(url, base).href;
    try {
      out[as] = await import(/* @vite-ignore */ href);
    } catch (error) {
      throw new ConfigError(`${name}: js_modules: cannot import ${url} (${href}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return out;
}

/** Fetches the config's `files` (URL → path; `dir/*` unpacks an archive) and `fetch` entries into the home folder. */
async function writeFiles(pyodide: PyScriptPyodide, config: Config, base: string, name: string): Promise<void> {
  const jobs: Array<[string, string]> = Object.entries(table(config.files, "files", name));
  if (config.fetch !== undefined) {
    if (!Array.isArray(config.fetch)) throw new ConfigError(`${name}: fetch must be an array of tables`);
    for (const entry of config.fetch as Array<{ from?: string; files?: string[]; to_folder?: string; to_file?: string }>) {
      const from = entry.from ?? "";
      for (const file of entry.files ?? [""]) {
        const target = entry.to_file ?? `${entry.to_folder ?? "."}/${file.split("/").pop()}`;
        jobs.push([`${from}${from && !from.endsWith("/") && file ? "/" : ""}${file}`, target]);
      }
    }
  }
  for (const [url, target] of jobs) {
    if (/[{}]/.test(url + target)) throw new ConfigError(`${name}: files: {NAME} templates are not supported by wsbridge test --pyscript (${url})`);
    const href = new URL(url, base).href;
    const response = await fetch(href).catch(() => undefined);
    if (!response?.ok) throw new ConfigError(`${name}: files: cannot fetch ${url} (${href}${response ? `: HTTP ${response.status}` : ""})`);
    const data = await response.arrayBuffer();
    const path = target.startsWith("/") ? target : `${HOME}/${target || url.split("/").pop()}`;
    if (path.endsWith("/*")) {
      const format = /\.(zip|whl|tar\.gz|tgz)$/.exec(url)?.[1];
      if (!format) throw new ConfigError(`${name}: files: ${url} is not an archive (zip, whl, tar.gz, tgz) to unpack into ${target}`);
      pyodide.unpackArchive(data, format === "whl" ? "wheel" : format === "zip" ? "zip" : "gztar", { extractDir: path.slice(0, -2) });
      continue;
    }
    const file = path.endsWith("/") ? `${path}${url.split("/").pop()}` : path;
    pyodide.FS.mkdirTree(file.slice(0, file.lastIndexOf("/")) || "/");
    pyodide.FS.writeFile(file, new Uint8Array(data));
  }
}

/** The config's `packages` must already be in the page (the runner's packages): a ConfigError names those missing. */
function checkPackages(pyodide: PyScriptPyodide, config: Config, name: string): void {
  if (config.packages === undefined) return;
  if (!Array.isArray(config.packages) || config.packages.some((p) => typeof p !== "string")) throw new ConfigError(`${name}: packages must be an array of strings`);
  const globals = pyodide.toPy({ wanted: config.packages });
  const missing = String(pyodide.runPython(`import importlib.metadata as m, re
def _has(spec):
    try:
        m.distribution(re.split(r"[<>=!~\\[ ;@]", spec.strip(), maxsplit=1)[0])
        return True
    except m.PackageNotFoundError:
        return False
", ".join(p for p in wanted if not _has(p))`, { globals }));
  (globals as { destroy?(): void }).destroy?.();
  if (missing) throw new ConfigError(`${name}: packages not in the page: ${missing} (wsbridge test installs no packages at run time: list them in --requirements or [tool.wsbridge] requirements)`);
}

/** The id of `display()`'s default target, made (again) at the end of the body when missing. */
function displayTarget(): string {
  if (!document.getElementById(TARGET_ID)) {
    const element = document.createElement("div");
    element.id = TARGET_ID;
    document.body.append(element);
  }
  return TARGET_ID;
}

/**
 * `pyscript.workers[name]`: a promise of the named worker's `sync` once its code has run. The page's core.js starts
 * a `<script type="py" worker name=...>` (also the one `create_named_worker` adds) and sets its `xworker`.
 */
function namedWorkers(core: PyScriptCore): object {
  const waiting = new Map<string, Array<(w: unknown) => void>>();
  const settle = () => {
    for (const [name, resolvers] of waiting) {
      const element = document.querySelector(`script[worker][name="${CSS.escape(name)}"]`) as (Element & { xworker?: XWorkerLike }) | null;
      if (!element?.xworker) continue;
      waiting.delete(name);
      const sync = element.xworker.ready.then((w) => w.sync);
      for (const resolve of resolvers) resolve(sync);
    }
  };
  // The element gets its xworker right after the worker is made, so look once that call has returned.
  core.hooks.main.onWorker.add(() => void Promise.resolve().then(settle));
  const ignored = new Set(["__dict__", "constructor", "get", "has", "includes", "next", "set", "then"]);
  return new Proxy(Object.freeze({}), {
    get(_, name) {
      if (typeof name !== "string" || ignored.has(name)) return undefined;
      return new Promise((resolve) => {
        waiting.set(name, [...(waiting.get(name) ?? []), resolve]);
        settle();
      });
    },
  });
}

/** A page's stores for `pyscript.storage(name)`: one Map a name, shared by every open of it in the page. */
const stores = new Map<string, Map<unknown, unknown> & { sync(): Promise<void>; close(): Promise<void> }>();

/** `polyscript.storage`: an in-page store (a runner page's browser profile is new, so nothing would persist anyway). */
async function pageStorage(name: string): Promise<unknown> {
  let store = stores.get(name);
  if (!store) {
    store = Object.assign(new Map<unknown, unknown>(), { sync: async () => undefined, close: async () => undefined });
    stores.set(name, store);
  }
  return store;
}
