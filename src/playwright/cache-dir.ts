// Where wsbridge keeps its cache, and how a file is written into it: apart from ./cache.ts so that the command's first
// module (src/cli/compile-cache.ts) can use them without loading anything else.
import { renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The cache folder: $WSBRIDGE_CACHE, else $XDG_CACHE_HOME/wsbridge, else ~/.cache/wsbridge. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WSBRIDGE_CACHE) return resolve(env.WSBRIDGE_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "wsbridge");
}

/** Writes `file` beside itself and renames it into place: a run that reads it never sees half a file. */
export function writeWhole(file: string, data: string | Uint8Array): void {
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}
