// Chromium spawned directly (no Playwright, no DevTools protocol): Playwright's CDP connection mirrors every
// WebSocket frame to the driver, which slows the page's own receive 1.5–4×. The page talks to the bench server
// over plain HTTP instead.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM_ARGS } from "../dist/playwright.mjs";
import { startBenchServer } from "./server.mjs";

export const CHROMIUM = process.env.WSBRIDGE_CHROMIUM ?? "/usr/bin/chromium";

/** Opens `url` in a headless Chromium of its own; `close()` ends that process (and only it) and removes its profile. */
export function spawnChromium(url) {
  const profile = mkdtempSync(join(tmpdir(), "wsbridge-bench-"));
  const child = spawn(CHROMIUM, [
    "--headless",
    ...CHROMIUM_ARGS, // the same quiet, offline flags wsbridge launches Chromium with
    "--enable-precise-memory-info",
    "--js-flags=--expose-gc",
    `--user-data-dir=${profile}`,
    url,
  ], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const exited = new Promise((ok) => child.once("exit", ok));
  return {
    exited,
    stderr: () => stderr,
    async close() {
      if (child.exitCode === null) {
        try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ } }, 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The bench server and a directly spawned Chromium on its page, once Pyodide and wsbridge loaded there (within
 * 180 s); `close()` ends both. Jobs go through `server.run(job)`.
 */
export async function openBenchPage() {
  const server = await startBenchServer();
  const browser = spawnChromium(`${server.origin}/`);
  const close = async () => {
    server.close();
    await browser.close();
  };
  try {
    const ready = await Promise.race([
      server.ready,
      browser.exited.then(() => { throw new Error(`Chromium exited: ${browser.stderr()}`); }),
      new Promise((_, fail) => setTimeout(() => fail(new Error("the bench page did not load in 180 s")), 180_000).unref()),
    ]);
    if (ready.error) throw new Error(`bench page: ${ready.error}`);
  } catch (error) {
    await close();
    throw error;
  }
  return { server, close };
}
