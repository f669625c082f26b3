// The Pyodide releases the compatibility lane tests (test/compat/pyodide-releases.test.ts), installed from the npm
// registry into the cache: CACHE/pyodide/VERSION holds the npm package's files (pyodide.mjs at its top), so reruns
// are offline. The bundled release (node_modules/pyodide, 314.x) is the main suite's. Node built-ins only: it runs
// from scripts/setup.mjs before anything is built. `node scripts/pyodide-releases.mjs` installs them all.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One release per older series wsbridge supports: the newest on npm when the lane was set up. */
export const LANE_RELEASES = ["0.27.8", "0.28.3", "0.29.5"];

/** The cache folder, as src/playwright/cache-dir.ts finds it. */
export function cacheDir(env = process.env) {
  if (env.WSBRIDGE_CACHE) return resolve(env.WSBRIDGE_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "wsbridge");
}

/** Where `version` is kept. */
export function releaseDir(version, env = process.env) {
  return join(cacheDir(env), "pyodide", version);
}

/** True when the folder holds the whole package of `version` (its package.json says so, the wasm is there). */
function whole(dir, version) {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version === version && existsSync(join(dir, "pyodide.asm.wasm"));
  } catch {
    return false;
  }
}

/**
 * The folder of Pyodide `version`, fetched with `npm pack` (npm checks the registry's integrity hash) when the cache
 * lacks it; unpacked beside the target and renamed into place, so a half-made one is never used. Throws with npm's
 * or tar's message.
 */
export function ensurePyodideRelease(version, env = process.env) {
  const dir = releaseDir(version, env);
  if (whole(dir, version)) return dir;
  mkdirSync(join(dir, ".."), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), `wsbridge-pyodide-${version}-`));
  try {
    execFileSync("npm", ["pack", `pyodide@${version}`, "--loglevel", "error", "--pack-destination", work], { stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack pyodide@${version} wrote no tarball`);
    const unpacked = join(work, "package");
    execFileSync("tar", ["xzf", join(work, tarball), "-C", work], { stdio: ["ignore", "pipe", "pipe"] });
    if (!whole(unpacked, version)) throw new Error(`the npm tarball of pyodide@${version} is not a whole Pyodide package`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(unpacked, dir);
    return dir;
  } catch (error) {
    // npm's own reason (e.g. "No matching version found for pyodide@0.1.99."), else the first line of the failure.
    const lines = String(error?.stderr ?? "").split("\n").map((line) => line.replace(/^npm (error|ERR!)\s*/, "").trim()).filter(Boolean);
    const detail = lines.find((line) => !/^(code|A complete log)/.test(line)) ?? error.message.split("\n")[0];
    throw new Error(`cannot install pyodide@${version} from the npm registry: ${detail}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const version of LANE_RELEASES) console.log(`${version}: ${ensurePyodideRelease(version)}`);
}
