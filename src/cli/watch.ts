// `wsbridge test --watch`: the first run as usual, then Chromium, the servers and a warm page stay up; each save under
// the rootdir reruns the changed test files (and the test files that import a changed module, when their imports say
// so; else all), failed files first, in a page restored from the snapshot (a pristine interpreter, never a reload).
// A newer save cancels a running rerun. Keys: a (all), f (failed), q (quit).
import { watch, type FSWatcher } from "node:fs";
import { basename, extname, relative, sep } from "node:path";
import { TestPage, type PageEvents } from "./page.js";
import { mirrorFolder, iniNorecursedirs } from "./project.js";
import type { TestOptions } from "./args.js";
import { EXIT, Run, type Environment, type RunIO } from "./runner.js";

/** Milliseconds of quiet after a save before the rerun starts (editors write a file in several steps). */
const SETTLE_MS = 20;

/** What a rerun runs: the named test files (absolute), or everything the command named. */
type Selection = { files: string[] } | "all";

/** A page event sink for a warm page that has not joined a run yet. */
const IDLE: PageEvents = { message: () => undefined, output: () => undefined, console: () => undefined };

/** True for pytest's default test file names (`test_*.py`, `*_test.py`). */
export function isTestFile(path: string): boolean {
  const name = basename(path);
  return name.endsWith(".py") && (name.startsWith("test_") || name.endsWith("_test.py"));
}

/** Names a module at `path` may be imported by: its dotted path from the rootdir (and from `src/`), and its stem. */
export function moduleNames(path: string, rootdir: string): string[] {
  const rel = relative(rootdir, path).split(sep).join("/").replace(/\.py$/, "").replace(/\/__init__$/, "");
  const dotted = rel.split("/").join(".");
  const names = new Set([dotted, basename(rel)]);
  if (dotted.startsWith("src.")) names.add(dotted.slice(4));
  return [...names].filter(Boolean);
}

/** True when `source` imports one of `names` (`import a.b`, `from a.b import c`, `from a import b`). */
export function importsAny(source: string, names: readonly string[]): boolean {
  for (const m of source.matchAll(/^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ()*]+)|import\s+([\w., ]+))/gm)) {
    const imported = m[3] ? m[3].split(",").map((x) => x.trim().split(/\s+/)[0]!) : [m[1]!, ...m[2]!.replace(/[()]/g, "").split(",").map((x) => `${m[1]}.${x.trim()}`)];
    if (imported.some((mod) => names.some((name) => mod === name || mod.startsWith(`${name}.`) || name.startsWith(`${mod}.`)))) return true;
  }
  return false;
}

/**
 * The test files to rerun for `changed` paths: changed test files, and test files that import a changed module.
 * A change that no import explains (a conftest.py, a data file, a module nothing names) reruns everything.
 */
export function selectFiles(changed: readonly string[], testFiles: ReadonlyMap<string, string>, rootdir: string): Selection {
  const files = new Set<string>();
  for (const path of changed) {
    if (testFiles.has(path)) { files.add(path); continue; }
    if (extname(path) !== ".py" || basename(path) === "conftest.py") return "all";
    const names = moduleNames(path, rootdir);
    const importers = [...testFiles].filter(([, source]) => importsAny(source, names)).map(([file]) => file);
    if (importers.length === 0) return "all";
    for (const file of importers) files.add(file);
  }
  return { files: [...files] };
}

/** `wsbridge test --watch`: resolves to the last run's exit code when the user quits. */
export async function watchTests(first: Run, options: TestOptions, io: RunIO, executable: string, input: NodeJS.ReadStream): Promise<number> {
  const env = await first.setUp(executable);
  let code = await first.session(env).catch((error: unknown) => report(io, error));
  let failed = new Set(first.failedFiles());
  let running: { run: Run; done: Promise<number> } | undefined;
  const warm = () => TestPage.load(env.browser, env.setups.controller, IDLE);
  let spare: Promise<TestPage> | undefined = warm();
  spare.catch(() => undefined);
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let quit: (code: number) => void = () => undefined;
  const quitting = new Promise<number>((ok) => { quit = ok; });
  const prompt = () => io.err(`\nwsbridge --watch: waiting for changes (a: run all, f: run failed, q: quit)\n`);

  /** Reruns `selection` (cancelling a rerun still going) in the warm page, then warms the next. */
  const rerun = async (selection: Selection, why: string): Promise<void> => {
    if (running) { const old = running; running = undefined; await old.run.stop(); }
    const mirror = mirrorFolder(env.rootdir, { withCache: true, ...(norecurse ? { norecursedirs: norecurse } : {}) });
    const bundles = Run.projectBundles(mirror.entries);
    env.blobs.set("project-controller.bin", bundles.controller);
    env.blobs.set("project-worker.bin", bundles.worker);
    const files = selection === "all" ? undefined : [...selection.files].sort((a, b) => Number(failed.has(b)) - Number(failed.has(a)));
    if (files && files.length === 0) { prompt(); return; }
    io.err(`\nwsbridge --watch: ${why}: running ${files ? files.map((f) => relative(io.cwd, f)).join(" ") : "all tests"}\n`);
    const args: TestOptions = files
      ? { ...options, pytestArgs: [...options.optionArgs, ...files], paths: files, workers: 1 }
      : { ...options, workers: 1 };
    const run = new Run(args, io);
    // The next warm page loads once this rerun is over: loading it now would take the CPU the rerun needs.
    const page = spare ?? warm();
    spare = undefined;
    const done = run.session(env, page).catch((error: unknown) => (running?.run === run ? report(io, error) : EXIT.interrupted));
    running = { run, done };
    const result = await done;
    if (running?.run !== run) return; // cancelled by a newer save: its page was closed under it
    running = undefined;
    code = result;
    const nowFailed = new Set(run.failedFiles());
    // Files that ran and passed leave the failed set; files that failed join it.
    for (const file of files ?? [...failed]) failed.delete(file);
    failed = new Set([...failed, ...nowFailed]);
    await run.stop();
    spare ??= warm();
    spare.catch(() => undefined);
    prompt();
  };

  const norecurse = iniNorecursedirs(first.iniFile);
  const watcher: FSWatcher = watch(env.rootdir, { recursive: true }, (_event, name) => {
    if (!name) return;
    const path = `${env.rootdir}${sep}${name}`;
    if (/(^|[/\\])(\.[^/\\]*|__pycache__|node_modules)([/\\]|$)/.test(name)) return;
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changed = [...pending];
      pending = new Set();
      const testFiles = new Map(mirrorFolder(env.rootdir).entries.filter((e) => e.data && isTestFile(e.path)).map((e) => [e.path, Buffer.from(e.data!).toString("utf8")]));
      void rerun(selectFiles(changed.filter((p) => testFiles.has(p) || !isTestFile(p)), testFiles, env.rootdir), `changed ${changed.map((p) => relative(io.cwd, p)).join(" ")}`);
    }, SETTLE_MS);
  });

  const onKey = (chunk: Buffer | string) => {
    for (const key of String(chunk)) {
      if (key === "q" || key === "\u0003") quit(code);
      else if (key === "a") void rerun("all", "all tests");
      else if (key === "f") void rerun({ files: [...failed] }, failed.size ? "failed tests" : "no failed tests");
    }
  };
  if (input.isTTY) input.setRawMode(true);
  input.on("data", onKey);
  input.resume();
  prompt();
  try {
    return await Promise.race([quitting, first.whenInterrupted().then(() => code)]);
  } finally {
    watcher.close();
    clearTimeout(timer);
    input.off("data", onKey);
    if (input.isTTY) input.setRawMode(false);
    input.pause();
    await running?.run.stop();
    await (await spare?.catch(() => undefined))?.close();
  }
}

/** A rerun that failed outside pytest: one line, and exit 3 (the watch goes on). */
function report(io: RunIO, error: unknown): number {
  io.err(`wsbridge test: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.internal;
}

export type { Environment };
