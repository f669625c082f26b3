// V8's code cache for the CommonJS files the command loads (playwright-core's two bundles, 7 MB of JavaScript): the
// command starts by importing them, about 0.3 s of compiling on every run. Node 22.1+ has this built in
// (module.enableCompileCache), and it is used where it exists; on Node 20 the same is done here, for those files only.
// Loaded by bin/wsbridge.mjs before anything else (built as dist/compile-cache.mjs).
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import Module from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { cacheDir, writeWhole } from "../playwright/cache-dir.js";

/** Bumped when what is stored, or how, changes. */
const FORMAT = 3;

/** Files whose compiled code is kept: the big bundles every run loads. */
const CACHED = /[\\/]node_modules[\\/]playwright-core[\\/]/;

/** The folder in wsbridge's cache for this Node's compiled code. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), "v8", `${process.version}-${process.arch}`);
}

/**
 * The cache file of one source: its path, size and modification time decide it, so an edited (or reinstalled) file
 * never reuses old code. Not its contents: hashing 7 MB cost 45 ms a run, a tenth of what the cache saves. The name
 * starts with the path's own hash, so the entries of older versions of the same file can be found (`storeEntry`).
 */
export function cacheFileOf(dir: string, filename: string, stat: { size: number; mtimeMs: number }): string {
  return join(dir, `${shortHash(`${FORMAT}\0${filename}`)}-${shortHash(`${stat.size}\0${stat.mtimeMs}`)}`);
}

/** Writes one source's code to its cache file and removes the entries of that source's older versions (and the
 * entries of earlier formats, whose names have no "-"). */
export function storeEntry(file: string, data: Buffer): void {
  writeWhole(file, data);
  const name = basename(file);
  const source = name.slice(0, name.indexOf("-") + 1);
  for (const other of readdirSync(dirname(file))) {
    if (other !== name && (other.startsWith(source) || !other.includes("-"))) rmSync(join(dirname(file), other), { force: true });
  }
}

/** 16 hex digits of sha256. */
function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

type Compile = (this: NodeModule & { require: NodeJS.Require }, content: string, filename: string) => unknown;
type ModulePrototype = { _compile: Compile };
type ModuleStatics = { wrap(source: string): string; prototype: ModulePrototype; enableCompileCache?: (dir?: string) => unknown };

/**
 * Turns the code cache on: Node's own where it has one, else a `_compile` hook that compiles the cached files with
 * their stored code and stores what is missing at exit. Never throws: without a cache the command only starts slower.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (env.WSBRIDGE_NO_COMPILE_CACHE) return;
  const dir = compileCacheDir(env);
  const statics = Module as unknown as ModuleStatics;
  try {
    if (statics.enableCompileCache) {
      statics.enableCompileCache(dir);
      return;
    }
    mkdirSync(dir, { recursive: true });
  } catch {
    return;
  }
  const original = statics.prototype._compile;
  const fresh: Array<{ script: Script; file: string }> = [];
  statics.prototype._compile = function (this: NodeModule & { require: NodeJS.Require }, content: string, filename: string): unknown {
    if (!CACHED.test(filename)) return original.call(this, content, filename);
    let file: string;
    let cachedData: Buffer | undefined;
    try {
      file = cacheFileOf(dir, filename, statSync(filename));
    } catch {
      return original.call(this, content, filename);
    }
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(statics.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) fresh.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = makeRequire(this);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  // Stored at exit, after the run: the code V8 compiled lazily while running is in it too.
  process.once("exit", () => {
    for (const { script, file } of fresh) {
      try {
        storeEntry(file, script.createCachedData());
      } catch {
        // a read-only cache only costs speed
      }
    }
  });
}

/** The `require` a CommonJS module sees: Node's own for that module. */
function makeRequire(module: NodeModule & { require: NodeJS.Require }): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  const internal = Module as unknown as {
    _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: unknown): string;
    _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
    _cache: NodeJS.Require["cache"];
    _extensions: NodeJS.Require["extensions"];
  };
  const resolve = ((request: string, options?: unknown) => internal._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => internal._resolveLookupPaths(request, module);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.cache = internal._cache;
  require.extensions = internal._extensions;
  return require;
}
