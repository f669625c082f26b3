// One-step set-up for a fresh clone: npm packages, then Chromium (Debian's, via apt) when none is found. With --full
// (npm test) also what only the whole suite needs: Firefox ESR and xvfb (apt), the pinned mypy of
// python/requirements-typecheck.txt in a venv in the cache folder (the contract test), and the older Pyodide releases.
// Uses only Node built-ins, so it runs before `npm ci`.
import { execFileSync, execSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";

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

/** True when `name` is on PATH. */
const onPath = (name) => (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, name)));

// `--full` (npm test): what the whole suite needs besides Chromium, Firefox ESR (test/browser/firefox.test.ts) and
// xvfb (--headed in test/browser/runner-debug.test.ts); `npm run examples` does not need them.
if (process.argv.includes("--full")) {
  const missing = [];
  if (!process.env.WSBRIDGE_FIREFOX && !onPath("firefox-esr") && !onPath("firefox")) missing.push("firefox-esr");
  if (!onPath("xvfb-run")) missing.push("xvfb");
  if (missing.length && existsSync("/usr/bin/apt-get")) {
    const sudo = process.getuid?.() === 0 ? "" : "sudo ";
    console.log(`setup: installing ${missing.join(" and ")} with apt-get`);
    run(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(" ")}`);
  } else if (missing.length) {
    console.error(`setup: ${missing.join(" and ")} missing (no apt-get): the tests that need them fail under CI=true`);
  }
}

/** The cache folder, as src/playwright/cache.ts finds it: $WSBRIDGE_CACHE, else $XDG_CACHE_HOME/wsbridge, else ~/.cache/wsbridge. */
function cacheDir() {
  if (process.env.WSBRIDGE_CACHE) return resolve(process.env.WSBRIDGE_CACHE);
  return join(process.env.XDG_CACHE_HOME ? resolve(process.env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "wsbridge");
}

/**
 * Makes CACHE/mypy, a venv holding exactly the packages of python/requirements-typecheck.txt, unless it was made
 * from the same file already. A failure is one warning: the contract test then fails under CI and skips elsewhere.
 */
function ensureMypy() {
  const requirements = resolve("python/requirements-typecheck.txt");
  const wanted = readFileSync(requirements, "utf8");
  const venv = join(cacheDir(), "mypy");
  const stamp = join(venv, "made-from.txt"); // written last: a half-made venv has none and is made again
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return;
  console.log(`setup: installing the pinned mypy (python/requirements-typecheck.txt) into ${venv}`);
  try {
    rmSync(venv, { recursive: true, force: true });
    mkdirSync(cacheDir(), { recursive: true });
    execFileSync(process.env.WSBRIDGE_PYTHON ?? "python3", ["-m", "venv", venv], { stdio: "inherit" });
    execFileSync(join(venv, "bin", "python"), [
      "-m", "pip", "install", "--disable-pip-version-check", "-qq", "--retries", "1", "--timeout", "30", "-r", requirements,
    ], { stdio: "inherit" });
    writeFileSync(stamp, wanted);
  } catch (error) {
    console.warn(`setup: the pinned mypy could not be installed (${error.message.split("\n")[0]}); test/unit/contract.test.ts fails its mypy checks under CI and skips them elsewhere`);
  }
}

// The rest only the whole suite needs (`--full`: npm test), not the main job (npm run examples).
if (process.argv.includes("--full")) {
  ensureMypy();

  // The older Pyodide releases the compatibility lane runs on (test/compat/pyodide-releases.test.ts), from the npm
  // registry into the cache. A failure is one warning here: the lane's tests fail under CI and skip elsewhere.
  const { LANE_RELEASES, ensurePyodideRelease } = await import("./pyodide-releases.mjs");
  for (const version of LANE_RELEASES) {
    try {
      ensurePyodideRelease(version);
    } catch (error) {
      console.warn(`setup: ${error.message}; test/compat/pyodide-releases.test.ts fails under CI and skips elsewhere`);
    }
  }
}
