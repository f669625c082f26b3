// The README's install lines and its GitHub Actions workflow, checked against what wsbridge itself does: a GitHub
// runner cannot run here, so the workflow's commands go through wsbridge's own parsing, its cache path is the one
// wsbridge uses, and the install lines record nothing in package.json that breaks `npm ci` on another checkout.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTestArgs } from "../../src/cli/args.js";
import { cacheDir } from "../../src/playwright/cache.js";
import { fencedBlocks } from "../helpers/fenced-blocks.js";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = fencedBlocks("README.md", readme);
const workflow = blocks.find((b) => b.lang === "yaml" && b.code.includes("GitHub Actions"))!.code;

/** The `run:` commands of the workflow, in order. */
const runs = [...workflow.matchAll(/^\s*- run: (.+?)(\s+#.*)?$/gm)].map((m) => m[1]!.trim());
/** The actions it uses, in order. */
const uses = [...workflow.matchAll(/^\s*- uses: (\S+)/gm)].map((m) => m[1]!);

describe("README: install lines", () => {
  const installs = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.code.split("\n")).filter((l) => /\bnpm install\b/.test(l));

  it("no install line records a path outside the project (npm ci would fail on any other checkout)", () => {
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const line of installs) expect(line, line).not.toMatch(/npm install\s+(--save-dev\s+)?\.\.\//);
  });

  it("the git install names this package's repository", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { repository: { url: string } };
    expect(installs.some((l) => l.includes(`"${pkg.repository.url}#`))).toBe(true);
  });
});

describe("README: the GitHub Actions workflow", () => {
  it("is a whole workflow: trigger, job, runner, checkout, Node, Python (for pip), npm ci before wsbridge runs", () => {
    expect(workflow).toMatch(/^name: /m);
    expect(workflow).toMatch(/^on: /m);
    expect(workflow).toMatch(/^jobs:\n {2}[\w-]+:\n {4}runs-on: ubuntu-latest/m);
    expect(uses.slice(0, 3).map((u) => u.split("@")[0])).toEqual(["actions/checkout", "actions/setup-node", "actions/setup-python"]);
    expect(runs[0]).toBe("npm ci");
    expect(runs.slice(1).every((r) => r.startsWith("npx wsbridge "))).toBe(true);
  });

  it("caches the folder wsbridge keeps its wheels, compiled stdlib and snapshot in, before the first wsbridge command", () => {
    const path = /^\s*path: (\S+)$/m.exec(workflow)![1]!;
    expect(path.replace(/^~/, homedir())).toBe(cacheDir({ HOME: homedir() }));
    expect(workflow.indexOf("actions/cache@")).toBeLessThan(workflow.indexOf("npx wsbridge"));
    expect(workflow).toMatch(/key: .*hashFiles\('package-lock.json'/);
  });

  it("every shard of the matrix runs `wsbridge test` with options wsbridge accepts, and the shards cover 1..N", () => {
    const shards = JSON.parse(/matrix: \{ shard: (\[[\d, ]+\]) \}/.exec(workflow)![1]!) as number[];
    const test = runs.find((r) => r.startsWith("npx wsbridge test "))!;
    const seen: number[] = [];
    for (const shard of shards) {
      const argv = test.replaceAll("${{ matrix.shard }}", String(shard)).split(/\s+/).slice(3);
      const options = parseTestArgs(argv);
      expect(options.shard).toEqual([shard, shards.length]);
      expect(options.workers).toBe(2);
      expect(options.paths).toEqual(["tests"]);
      expect(options.pytestArgs).toContain(`--junitxml=report-${shard}.xml`);
      seen.push(options.shard![0]);
    }
    expect(seen).toEqual(shards.map((_, i) => i + 1));
  });

  it("`wsbridge wheels` gets the same requirements as `wsbridge test`", () => {
    const wheels = runs.find((r) => r.startsWith("npx wsbridge wheels"))!;
    const test = runs.find((r) => r.startsWith("npx wsbridge test "))!;
    const requirements = (cmd: string) => /--requirements[ =](\S+)/.exec(cmd)?.[1];
    expect(requirements(wheels)).toBeDefined();
    expect(requirements(wheels)).toBe(requirements(test));
  });
});
