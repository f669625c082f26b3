// The package as a user gets it: `npm pack` (whose prepack builds dist/), installed into a fresh project outside
// this repository that has nothing but wsbridge (its runtime dependencies linked from this repo's node_modules, so
// no network is needed) and @types/node (playwright-core's own declarations need it). Strict TypeScript with
// skipLibCheck false must accept every entry point's declarations, and a Node script must run Python in Chromium.
// npm pack runs in a copy of the working tree (git's files, committed or not): its prepack rebuilds that copy's
// dist/, not the one the other test files load meanwhile.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const modules = join(root, "node_modules");
let work: string;
let project: string;
let tarball: string;
let packed: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "wsbridge-consumer-"));
  const source = join(work, "wsbridge");
  const tree = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  for (const file of tree.split("\0")) {
    if (file && file !== "node_modules" && existsSync(join(root, file))) cpSync(join(root, file), join(source, file));
  }
  symlinkSync(modules, join(source, "node_modules"), "dir");
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: source, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const info = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info[0]!.filename);
  packed = info[0]!.files.map((f) => f.path);
  project = join(work, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
  const deps = ["playwright-core", "pyodide", "ws"].map((name) => join(modules, name));
  execFileSync("npm", ["install", tarball, ...deps, "--offline", "--no-audit", "--no-fund"], { cwd: project, stdio: "pipe" });
  mkdirSync(join(project, "node_modules", "@types"), { recursive: true });
  symlinkSync(join(modules, "@types", "node"), join(project, "node_modules", "@types", "node"), "dir");
}, 240_000);

afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

describe("a consumer project with only wsbridge installed", () => {
  it("the tarball holds the built dist/, the LICENSE and the docs the README links to", () => {
    for (const file of ["dist/wsbridge.mjs", "dist/playwright.mjs", "dist/pyscript.mjs", "dist/worker.mjs", "dist/cli.mjs", "dist/types/src/playwright/index.d.ts",
      "dist/types/src/pyscript/index.d.ts", "LICENSE", "README.md", "docs/socket.md", "docs/routing.md", "docs/pyscript.md", "worker/README.md", "examples/realtime/index.html", "bin/wsbridge.mjs"]) {
      expect(packed, file).toContain(file);
    }
  });

  it("has neither comlink nor @types/ws, and strict tsc (skipLibCheck false) accepts all four entry points", () => {
    expect(existsSync(join(project, "node_modules", "comlink"))).toBe(false);
    expect(readdirSync(join(project, "node_modules", "@types"))).toEqual(["node"]);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", types: ["node"] },
      include: ["check.ts"],
    }));
    writeFileSync(join(project, "check.ts"), [
      `import { launchChromium, attachPython, PythonError, PyodideLoadError, startTestServer, type PythonHandle } from "wsbridge/playwright";`,
      `import { routeWebSocket, installWsBridge, type WebSocketRoute } from "wsbridge";`,
      `import { createPythonWorker, proxy, transfer, type PythonWorker } from "wsbridge/worker";`,
      `import { registerWsBridge } from "wsbridge/pyscript";`,
      `export async function main(): Promise<number> {`,
      `  const browser = await launchChromium();`,
      `  const py: PythonHandle = await attachPython(await browser.newPage(), { timeout: 120_000 });`,
      `  const n = await py.run<number>("1 + 1");`,
      `  await browser.close();`,
      `  return n;`,
      `}`,
      `export { PythonError, PyodideLoadError, startTestServer, routeWebSocket, installWsBridge, createPythonWorker, proxy, transfer, registerWsBridge };`,
      `export type { WebSocketRoute, PythonWorker };`,
      "",
    ].join("\n"));
    const tsc = spawnSync(join(modules, ".bin", "tsc"), ["-p", project], { cwd: project, encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("a Node script imports wsbridge/playwright, runs one Python line in Chromium and exits", { timeout: 120_000 }, () => {
    writeFileSync(join(project, "run.mjs"), [
      `import { launchChromium, attachPython } from "wsbridge/playwright";`,
      `const browser = await launchChromium();`,
      `const py = await attachPython(await browser.newPage(), { timeout: 90_000 });`,
      `console.log("python says", await py.run("import wsbridge, sys; f'{sys.version_info[0]} {wsbridge.__name__}'"));`,
      `await browser.close();`,
      "",
    ].join("\n"));
    const run = spawnSync(process.execPath, ["run.mjs"], { cwd: project, encoding: "utf8", timeout: 110_000 });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("python says 3 wsbridge\n");
    expect(run.status).toBe(0);
  });
});
