// Builds dist/ once before the browser tests unless WSBRIDGE_SKIP_BUILD is set (npm test already built it), and
// makes the bytecode-compiled Pyodide stdlib the pages load when the cache lacks it (`wsbridge wheels` in npm test
// already made it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { compiledStdlib, ensureCompiledStdlibAlone } from "../../src/cli/stdlib.js";

export default async function setup(): Promise<void> {
  const skipBuild = process.env.WSBRIDGE_SKIP_BUILD && existsSync("dist/wsbridge.mjs");
  if (!skipBuild && (!existsSync("dist/wsbridge.mjs") || process.env.WSBRIDGE_REBUILD)) execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
  if (!compiledStdlib()) await ensureCompiledStdlibAlone();
}
