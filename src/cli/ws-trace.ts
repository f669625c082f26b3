// `wsbridge test --ws-trace on|off|retain-on-failure`, `--record-har DIR`, `--replay-har DIR` on the host: the pages'
// environment for python/wsbridge/_ws_trace.py, the HAR files the pages send (the `__wsbridgeTrace` binding, see
// ./page.ts) written under the trace or record folder, and the recordings served to the pages for a replay.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { SetupError } from "./wheels.js";

/** The values of `--ws-trace`. */
export const WS_TRACE_MODES = ["on", "off", "retain-on-failure"] as const;
export type WsTraceMode = (typeof WS_TRACE_MODES)[number];
/** Where failing tests' HARs go, under the working folder (as Playwright's test-results/). */
export const DEFAULT_TRACE_DIR = join("test-results", "ws-traces");

/** The options this part reads (from ./args.ts). */
export interface TraceOptions {
  wsTrace?: string;
  recordHar?: string;
  replayHar?: string;
}

/** Where the pages' HAR files are written now (set by `prepareTraces`, one run at a time). */
let writeDir: string | undefined;

/** Checks the options; a bad value is a UsageError's message, else undefined (pure). */
export function traceOptionError(options: TraceOptions): string | undefined {
  if (options.wsTrace !== undefined && !(WS_TRACE_MODES as readonly string[]).includes(options.wsTrace)) {
    return `--ws-trace needs one of ${WS_TRACE_MODES.join(", ")}, got ${JSON.stringify(options.wsTrace)}`;
  }
  if (options.recordHar !== undefined && options.replayHar !== undefined) return "--record-har and --replay-har cannot be used together";
  return undefined;
}

/**
 * Prepares a run: the folder HARs are written to (created when the first arrives), the recordings of `--replay-har`
 * put in `blobs` (served at /__blob/wsbridge-har/NAME), and the pages' environment. A replay folder that does not
 * exist, or holds no HAR file, is a SetupError (one line, exit 4).
 */
export function prepareTraces(options: TraceOptions, cwd: string, blobs: Map<string, Uint8Array>): Record<string, string> {
  const mode: WsTraceMode = (options.wsTrace as WsTraceMode | undefined) ?? "retain-on-failure";
  if (options.replayHar !== undefined) loadReplays(resolve(cwd, options.replayHar), blobs);
  const folder = options.recordHar !== undefined ? resolve(cwd, options.recordHar) : resolve(cwd, DEFAULT_TRACE_DIR);
  writeDir = folder;
  return {
    WSBRIDGE_WS_TRACE: mode,
    WSBRIDGE_WS_TRACE_DIR: relative(cwd, folder) || ".",
    ...(options.recordHar !== undefined ? { WSBRIDGE_RECORD_HAR: "1" } : {}),
    ...(options.replayHar !== undefined ? { WSBRIDGE_REPLAY_HAR: "1" } : {}),
  };
}

/** Puts every `*.har` file of `dir` into `blobs`; a folder that is missing or has none is a SetupError. */
function loadReplays(dir: string, blobs: Map<string, Uint8Array>): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SetupError(`--replay-har: ${dir} is not a folder (record one with --record-har ${dir})`);
  const files = readdirSync(dir).filter((name) => name.endsWith(".har"));
  if (files.length === 0) throw new SetupError(`--replay-har: ${dir} holds no .har file (record them with --record-har ${dir})`);
  for (const name of files) blobs.set(`wsbridge-har/${name}`, readFileSync(join(dir, name)));
}

/** Writes one HAR a page sent (the `__wsbridgeTrace` binding); a name with a path in it is refused. */
export function writeTrace(name: string, text: string): void {
  if (writeDir === undefined || !/^[A-Za-z0-9._-]+\.har$/.test(name)) return;
  mkdirSync(writeDir, { recursive: true });
  writeFileSync(join(writeDir, name), text);
}
