// Every `examples/...` path that README.md, docs/*.md, worker/README.md and the examples' own READMEs cite exists
// and is in the package (`npm pack --dry-run --json` lists it), so a reader of the installed package finds it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const DOCS = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
  "worker/README.md",
  "examples/realtime/README.md",
];

/** The `examples/...` paths a Markdown text cites (a trailing `/` or `.` of the sentence dropped). */
export function citedExamples(text: string): string[] {
  return [...new Set([...text.matchAll(/\bexamples\/[\w./-]*/g)].map((m) => m[0].replace(/[/.]+$/, "")))].sort();
}

/** The files `npm pack` would put in the package, without running the build (`--ignore-scripts`). */
function packedFiles(): string[] {
  const run = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
}

describe("examples the docs cite", () => {
  it("finds citations: a trailing slash or full stop is not part of the path", () => {
    expect(citedExamples("see `examples/pyscript/`, examples/conftest.py. and examples/ alone")).toEqual(["examples", "examples/conftest.py", "examples/pyscript"]);
  });

  const cited = [...new Set(DOCS.flatMap((file) => citedExamples(readFileSync(join(root, file), "utf8"))))].filter((p) => p !== "examples").sort();

  it("the docs cite the examples (this check is not empty)", () => {
    expect(cited).toEqual(expect.arrayContaining(["examples/conftest.py", "examples/pyscript", "examples/test_starlette_mock.py"]));
  });

  it("every cited path exists in the repository", () => {
    expect(cited.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it("every cited path is in the packed package (a folder: with every file under it)", { timeout: 90_000 }, () => {
    const packed = new Set(packedFiles());
    const missing: string[] = [];
    for (const path of cited) {
      if (statSync(join(root, path)).isFile()) {
        if (!packed.has(path)) missing.push(path);
        continue;
      }
      const files = readdirSync(join(root, path), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !e.parentPath.includes("__pycache__") && !e.parentPath.includes(".pytest_cache"))
        .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
      missing.push(...files.filter((f) => !packed.has(f)));
    }
    expect(missing).toEqual([]);
  });
});
