// Installed straight from git (no npm pack, no dist/ in the repository): npm runs `prepare`, which builds dist/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "wsb-git-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("npm install git+file://<this repository> gets dist/ (the bundles and the CLI) built by prepare", () => {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", `git+file://${resolve(".")}`], { cwd: dir, stdio: "pipe", timeout: 240_000 });
  const pkg = join(dir, "node_modules", "wsbridge");
  for (const file of ["dist/wsbridge.mjs", "dist/pyscript.mjs", "dist/playwright.mjs", "dist/cli.mjs", "python/page-wheels.lock.json"]) {
    expect(existsSync(join(pkg, file)), file).toBe(true);
  }
  const help = execFileSync(process.execPath, [join(pkg, "bin", "wsbridge.mjs"), "test", "--help"], { encoding: "utf8" });
  expect(help).toMatch(/^Usage: wsbridge test /);
}, 300_000);
