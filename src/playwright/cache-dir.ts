// Where wsbridge keeps its cache: apart from ./cache.ts so that the command's first module (src/cli/compile-cache.ts)
// can find it without loading anything else.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The cache folder: $WSBRIDGE_CACHE, else $XDG_CACHE_HOME/wsbridge, else ~/.cache/wsbridge. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WSBRIDGE_CACHE) return resolve(env.WSBRIDGE_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "wsbridge");
}
