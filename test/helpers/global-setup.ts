// Builds dist/ once before the browser tests unless WSBRIDGE_SKIP_BUILD is set (npm test already built it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export default function setup(): void {
  if (process.env.WSBRIDGE_SKIP_BUILD && existsSync("dist/wsbridge.mjs")) return;
  if (!existsSync("dist/wsbridge.mjs") || process.env.WSBRIDGE_REBUILD) execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
}
