#!/usr/bin/env node
// The `wsbridge` command: a thin launcher for the built dist/cli.mjs.
let cli;
try {
  // First, before playwright-core loads: V8's code cache for it (src/cli/compile-cache.ts).
  (await import("../dist/compile-cache.mjs")).enableCompileCache();
  cli = await import("../dist/cli.mjs");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && /cli\.mjs|compile-cache\.mjs/.test(String(error.message))) {
    process.stderr.write("wsbridge: dist/cli.mjs is missing; run `npm ci && npm run build` in the wsbridge folder first.\n");
    process.exit(2);
  }
  throw error;
}
let stopping = false;
process.on("SIGINT", () => {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write("\nwsbridge: interrupted\n");
  // A test run finishes pytest's partial summary and JUnit file first; a second Ctrl-C (or 20 s) exits at once.
  if (cli.interruptRun?.()) setTimeout(() => process.exit(130), 20_000).unref();
  else process.exit(130);
});
const code = await cli.main(process.argv.slice(2));
process.exit(code);
