// Choosing the Pyodide distribution (src/playwright/pyodide-release.ts, src/cli/pyodide-choice.ts) and what follows
// the choice: the folder's checks, the Python version and site-packages, the Emscripten module's name, the wheels'
// Requires-Python, the cache keys, the patched module served for snapshot restores, and bad input as one line, exit 4,
// before Chromium starts. Fake distributions are folders of the files the checks read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { admitsPython, pyodideRelease, SUPPORTED_RELEASES } from "../../src/playwright/pyodide-release.js";
import { compiledStdlibPath } from "../../src/playwright/cache.js";
import { startStaticServer } from "../../src/playwright/static-server.js";
import { snapshotKey } from "../../src/cli/snapshot.js";
import { main } from "../../src/cli/main.js";
import { resolvePagePackages } from "../../src/cli/page-packages.js";

const root = mkdtempSync(join(tmpdir(), "wsbridge-release-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The statement the snapshot-restore patch rewrites (src/playwright/static-server.ts). */
const COPY = "return Module.HEAP8.set(t),l}";

/** A fake distribution of `version` (Python `python`) with the module named `asm`; returns its folder. */
function fakeRelease(name: string, version: string, python: string, asm = "pyodide.asm.js", skip: string[] = []): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    "pyodide.mjs": "export {}",
    "package.json": JSON.stringify({ name: "pyodide", version }),
    "pyodide-lock.json": JSON.stringify({ info: { python, version } }),
    [asm]: `var x=1;function f(t){${COPY};`,
    "pyodide.asm.wasm": "",
    "python_stdlib.zip": "",
  };
  for (const [file, text] of Object.entries(files)) if (!skip.includes(file)) writeFileSync(join(dir, file), text);
  return dir;
}

describe("pyodideRelease", () => {
  it("the bundled one is 314.x with Python 3.14, pyodide.asm.mjs and /lib/python3.14/site-packages", () => {
    const r = pyodideRelease();
    expect(r.version).toMatch(/^314\./);
    expect(r).toMatchObject({ python: "3.14", asm: "pyodide.asm.mjs", sitePackages: "/lib/python3.14/site-packages" });
  });
  it("an older release: its Python from pyodide-lock.json, pyodide.asm.js, its site-packages", () => {
    const r = pyodideRelease(fakeRelease("r0283", "0.28.3", "3.13.2"));
    expect(r).toMatchObject({ version: "0.28.3", python: "3.13", asm: "pyodide.asm.js", sitePackages: "/lib/python3.13/site-packages", series: { series: "0.28" } });
    expect(pyodideRelease(fakeRelease("r0278", "0.27.8", "3.12.7")).sitePackages).toBe("/lib/python3.12/site-packages");
  });
  it("an npm install folder is taken for its node_modules/pyodide; a relative folder is read from cwd", () => {
    const dir = fakeRelease("npmdir/node_modules/pyodide", "0.29.5", "3.13.2");
    expect(pyodideRelease(join(root, "npmdir")).dir).toBe(dir);
    expect(pyodideRelease("npmdir/node_modules/pyodide", root).dir).toBe(dir);
  });
  it("bad folders: missing, no pyodide.mjs, an unsupported or pre-release version, an incomplete package", () => {
    expect(() => pyodideRelease(join(root, "nowhere"))).toThrow(/^the Pyodide folder .*nowhere does not exist$/);
    expect(() => pyodideRelease(fakeRelease("nomjs", "0.28.3", "3.13.2", "pyodide.asm.js", ["pyodide.mjs"]))).toThrow(/has no pyodide\.mjs; name the folder of an npm pyodide package/);
    expect(() => pyodideRelease(fakeRelease("old", "0.26.4", "3.12.1"))).toThrow(/holds Pyodide 0\.26\.4, which wsbridge does not support \(supported: 0\.27\.x, 0\.28\.x, 0\.29\.x, 314\.x\)/);
    expect(() => pyodideRelease(fakeRelease("alpha", "315.0.0-alpha.2", "3.14.2"))).toThrow(/Pyodide 315\.0\.0-alpha\.2, which wsbridge does not support/);
    expect(() => pyodideRelease(fakeRelease("nowasm", "0.29.5", "3.13.2", "pyodide.asm.js", ["pyodide.asm.wasm"]))).toThrow(/has no pyodide\.asm\.wasm \(an incomplete Pyodide 0\.29\.5\)/);
    expect(() => pyodideRelease(fakeRelease("nolock", "0.29.5", "3.13.2", "pyodide.asm.js", ["pyodide-lock.json"]))).toThrow(/pyodide-lock\.json is missing/);
  });
  it("the supported series: 0.27 (3.12), 0.28 and 0.29 (3.13), 314 (3.14)", () => {
    expect(SUPPORTED_RELEASES.map((r) => [r.series, r.python])).toEqual([["0.27", "3.12"], ["0.28", "3.13"], ["0.29", "3.13"], ["314", "3.14"]]);
  });
});

describe("admitsPython", () => {
  it("reads Requires-Python as pip does for the forms the lock uses", () => {
    expect(admitsPython(">=3.10", "3.12")).toBe(true);
    expect(admitsPython(">=3.13", "3.12")).toBe(false);
    expect(admitsPython(">=3.9,<3.13", "3.13")).toBe(false);
    expect(admitsPython(">=3.9, <3.14", "3.13")).toBe(true);
    expect(admitsPython("==3.12.*", "3.12")).toBe(true);
    expect(admitsPython("!=3.13", "3.13")).toBe(false);
  });
});

describe("the locked pytest wheels and the chosen Python", () => {
  it("a Python below a locked wheel's Requires-Python is one line naming the wheel, before anything is fetched", async () => {
    await expect(resolvePagePackages({ python: "3.9" }, { WSBRIDGE_CACHE: join(root, "empty-cache") }, () => undefined))
      .rejects.toThrow(/^the locked (pytest|iniconfig)-[\d.]+-py3-none-any\.whl needs Python >=3\.10, and the chosen Pyodide has Python 3\.9$/);
  });
});

describe("what is keyed by the release", () => {
  it("the compiled stdlib and the page snapshot have a name of their own per release", () => {
    const a = fakeRelease("k1", "0.28.3", "3.13.2");
    const b = fakeRelease("k2", "0.29.5", "3.13.2");
    expect(compiledStdlibPath({ WSBRIDGE_CACHE: root }, a)).toMatch(/python_stdlib-0\.28\.3-/);
    expect(compiledStdlibPath({ WSBRIDGE_CACHE: root }, b)).toMatch(/python_stdlib-0\.29\.5-/);
    expect(snapshotKey({ wheelFiles: [], pyodide: a })).not.toBe(snapshotKey({ wheelFiles: [], pyodide: b }));
    expect(snapshotKey({ wheelFiles: [], pyodide: a })).not.toBe(snapshotKey({ wheelFiles: [] }));
  });
  it("the static server serves the chosen release, and its pyodide.asm.js patched for snapshot restores", async () => {
    const dir = fakeRelease("served", "0.27.8", "3.12.7");
    const server = await startStaticServer({ pyodide: dir, snapshots: true });
    const plain = await startStaticServer({ pyodide: dir });
    try {
      expect(JSON.parse(await (await fetch(`${server.url}pyodide/package.json`)).text()).version).toBe("0.27.8");
      expect(await (await fetch(`${server.url}pyodide/pyodide.asm.js`)).text()).toContain("Module.growMemory(t.length),Module.HEAP8.set(t)");
      expect(await (await fetch(`${plain.url}pyodide/pyodide.asm.js`)).text()).not.toContain("growMemory");
    } finally {
      await Promise.all([server.close(), plain.close()]);
    }
  });
});

describe("wsbridge test: the chosen Pyodide", () => {
  const project = join(root, "project");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "test_one.py"), "def test_one(): pass\n");
  const cli = async (argv: string[], cwd = project) => {
    let err = "";
    const code = await main(argv, { out: () => undefined, err: (t) => { err += t; }, cwd, env: { PATH: "" } });
    return { code, err };
  };

  it("a bad --pyodide is one line and exit 4, before Chromium is looked for", async () => {
    // --browser-path names no browser: the Pyodide error comes first, so nothing of Chromium ran.
    const r = await cli(["test", "--pyodide", "nowhere", "--browser-path", "/no/chromium"]);
    expect(r).toEqual({ code: 4, err: `wsbridge test: --pyodide nowhere: the Pyodide folder ${join(project, "nowhere")} does not exist (see wsbridge test --help)\n` });
    const old = await cli(["test", `--pyodide=${fakeRelease("cli-old", "0.25.1", "3.11.3")}`, "--browser-path", "/no/chromium"]);
    expect(old.code).toBe(4);
    expect(old.err).toMatch(/^wsbridge test: --pyodide .*cli-old: .* holds Pyodide 0\.25\.1, which wsbridge does not support \(supported: 0\.27\.x, 0\.28\.x, 0\.29\.x, 314\.x\) \(see wsbridge test --help\)\n$/);
  });
  it("[tool.wsbridge] pyodide is read relative to pyproject.toml, and named when it is bad", async () => {
    const withSetting = join(root, "setting");
    mkdirSync(withSetting, { recursive: true });
    writeFileSync(join(withSetting, "pyproject.toml"), `[tool.wsbridge]\npyodide = "vendor/pyodide"\n`);
    writeFileSync(join(withSetting, "test_one.py"), "def test_one(): pass\n");
    const r = await cli(["test", "--browser-path", "/no/chromium"], withSetting);
    expect(r).toEqual({ code: 4, err: `wsbridge test: [tool.wsbridge] pyodide: the Pyodide folder ${join(withSetting, "vendor/pyodide")} does not exist (see wsbridge test --help)\n` });
    fakeRelease("setting/vendor/pyodide", "0.28.3", "3.13.2");
    // A good setting gets past the choice: the missing browser is what stops this run.
    const ok = await cli(["test", "--browser-path", "/no/chromium"], withSetting);
    expect(ok.code).toBe(4);
    expect(ok.err).not.toMatch(/pyodide/i);
  });
});
