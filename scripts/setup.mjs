// One-step set-up for a fresh clone: npm packages, then Chromium (Debian's, via apt) when none is found.
// Uses only Node built-ins, so it runs before `npm ci`.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** True when a Chromium that wsbridge would use is present. */
function haveChromium() {
  if (process.env.WSBRIDGE_CHROMIUM && existsSync(process.env.WSBRIDGE_CHROMIUM)) return true;
  const names = ["chromium", "chromium-browser", "google-chrome"];
  return existsSync("/usr/bin/chromium") || (process.env.PATH ?? "").split(delimiter).some((dir) => dir && names.some((n) => existsSync(join(dir, n))));
}

const run = (cmd) => execSync(cmd, { stdio: "inherit" });

if (!existsSync("node_modules/.package-lock.json")) run("npm ci --no-audit --no-fund");
if (!haveChromium()) {
  const isRoot = process.getuid?.() === 0;
  if (existsSync("/usr/bin/apt-get")) {
    const sudo = isRoot ? "" : "sudo ";
    console.log("setup: installing Chromium with apt-get");
    run(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium`);
  } else {
    console.error("setup: no Chromium found; install one, or set WSBRIDGE_CHROMIUM to its path");
    process.exit(2);
  }
}
