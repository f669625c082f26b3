// `wsbridge test` and `wsbridge wheels` resolve the page's packages as one set (src/cli/page-packages.ts): a
// requirement's dependency that pip has no pure-Python wheel of comes from a Pyodide index, a package both offer keeps
// pip's version with one line saying so, a wheel the index lists but lacks fails at start naming it, and a
// requirements file's --find-links reaches pip. Real pip (this machine's wheels-only index), real files.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compiledStdlib, compiledStdlibPath } from "../../src/cli/stdlib.js";
import { ensureLockedWheels } from "../../src/cli/wheels.js";
import { cliHarness, once, shown, tinyWheel, totals, wsbridge } from "./_runner-cli.js";

const { root, project } = cliHarness();

/** A fresh cache holding only the locked pytest wheels and the compiled stdlib, so pip really resolves here. */
function freshCache(): string {
  const cache = mkdtempSync(join(root, "cache-"));
  mkdirSync(join(cache, "wheels"));
  for (const file of ensureLockedWheels(process.env)) copyFileSync(file, join(cache, "wheels", basename(file)));
  const stdlib = compiledStdlib();
  if (stdlib) {
    mkdirSync(join(cache, "stdlib"));
    copyFileSync(stdlib, compiledStdlibPath({ WSBRIDGE_CACHE: cache }));
    copyFileSync(`${stdlib}.sha256`, `${compiledStdlibPath({ WSBRIDGE_CACHE: cache })}.sha256`);
  }
  return cache;
}

/** Runs the host's Python with `args`; rejects with its stderr. */
function python(args: string[]): Promise<void> {
  return new Promise((ok, fail) => execFile("python3", args, { maxBuffer: 16 << 20 }, (error, _out, err) => (error ? fail(new Error(`python3 ${args.join(" ")}: ${err}`)) : ok())));
}

/**
 * coverage as a pure-Python wheel in `dir`: this machine's index has only the host's compiled coverage wheel (the
 * public index has a py3-none-any one), so it is repacked without its optional C tracer, which coverage runs without.
 */
async function pureCoverage(dir: string): Promise<string> {
  const host = join(root, "coverage-host");
  await python(["-m", "pip", "download", "--disable-pip-version-check", "--retries", "1", "--no-deps", "--only-binary=:all:", "-d", host, "coverage==7.16.2"]);
  const file = join(dir, "coverage-7.16.2-py3-none-any.whl");
  await python(["-c", `import glob, sys, zipfile
with zipfile.ZipFile(glob.glob(sys.argv[1] + "/coverage-*.whl")[0]) as zin, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        if info.filename.endswith(".so"):
            continue
        data = zin.read(info)
        if info.filename.endswith(".dist-info/WHEEL"):
            data = b"".join(l + b"\\n" for l in data.splitlines() if not l.startswith(b"Tag:")) + b"Tag: py3-none-any\\n"
            data = data.replace(b"Root-Is-Purelib: false", b"Root-Is-Purelib: true")
        if info.filename.endswith(".dist-info/RECORD"):
            data = b"".join(l + b"\\n" for l in data.splitlines() if b".so," not in l)
        zout.writestr(info.filename, data)`, host, file]);
  return file;
}

/** A pyodide-lock.json listing `packages` (name → version), each file `NAME-VERSION-py3-none-any.whl`. */
function pyodideLock(packages: Record<string, string>): string {
  const entries = Object.entries(packages).map(([name, version]) => [name, {
    name, version, file_name: `${name}-${version}-py3-none-any.whl`, install_dir: "site", sha256: "", package_type: "package", imports: [name], depends: [],
  }]);
  return JSON.stringify({ info: { arch: "wasm32", python: "3.14" }, packages: Object.fromEntries(entries) });
}

describe("the page's packages as one set", () => {
  const cache = freshCache();
  const dir = project("one-set", {
    // pytest-cov needs coverage, which pip has no pure-Python wheel of: the index provides it. The index also offers
    // a Starlette 1.0 that pip's 1.7.0 must win over, with one line saying so.
    "requirements-page.txt": "pytest-cov\nstarlette\n",
    "index/pyodide-lock.json": pyodideLock({ coverage: "7.16.2", starlette: "1.0" }),
    // The case: the index lists coverage, its folder lacks the file.
    "coverage.txt": "coverage\n",
    "empty-index/pyodide-lock.json": pyodideLock({ coverage: "7.16.2" }),
    // A local --find-links folder in a requirements file (relative to the file, as pip reads it).
    "reqs/links.txt": "--find-links ../links\nlinkpkg\n",
    "mod.py": "def double(x):\n    if x > 100:\n        return 0\n    return 2 * x\n",
    "test_mod.py": "from mod import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
    "pins.txt": "pytest<9\n",
    "links_test/test_link.py": "def test_link():\n    import linkpkg\n    assert linkpkg.VALUE == 'from the link folder'\n",
  });
  const ready = once(() => Promise.all([
    pureCoverage(join(dir, "index")),
    tinyWheel(join(dir, "index"), "starlette", "BROKEN = 'the index build'\n"),
    tinyWheel(join(dir, "links"), "linkpkg", "VALUE = 'from the link folder'\n"),
    tinyWheel(join(dir, "clash"), "pytest", "BROKEN = 'not the locked pytest'\n"),
  ]));
  const covRun = once(async () => {
    await ready();
    return wsbridge(["test", "test_mod.py", "--requirements", "requirements-page.txt", "--pyodide-index", "index", "--cov=mod", "--cov-report=term-missing"], dir, { WSBRIDGE_CACHE: cache });
  });

  it("a requirement's dependency pip has no pure-Python wheel of comes from the Pyodide index (pytest-cov's coverage), and pytest-cov measures in the page", async () => {
    const r = await covRun();
    expect(r.code, shown(r)).toBe(0);
    expect(totals(r.out)).toEqual({ passed: 1 });
    expect(r.out).toMatch(/^page packages: .*\bcoverage-7\.16\.2\b.*\bpytest[-_]cov-\d/m);
    expect(r.out).toMatch(/^plugins: .*\bcov-\d/m);
    expect(r.out).toMatch(/^mod\.py\s+4\s+1\s+75%\s+3$/m);
  }, 150_000);

  it("a package pip and the index both offer keeps pip's version (the rule), and one line says so", async () => {
    const r = await covRun();
    expect(r.out, shown(r)).toMatch(/^page packages: .*\bstarlette-1\.7\.0\b/m);
    expect(r.err.split("\n").filter((l) => /starlette/.test(l))).toEqual(["wsbridge: starlette 1.7.0 from pip, not the Pyodide index's 1.0 (pip's pure-Python wheels come before the index)"]);
  }, 150_000);

  it("wsbridge wheels resolves the same set (the index's coverage counted, the same line for Starlette)", async () => {
    await ready();
    const r = await wsbridge(["wheels", "--requirements", "requirements-page.txt", "--pyodide-index", "index"], dir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(0);
    expect(r.out).toMatch(/wheels ready in .* \(and 1 from the Pyodide index\)/);
    expect(r.err).toMatch(/^wsbridge: starlette 1\.7\.0 from pip, not the Pyodide index's 1\.0 /m);
  }, 150_000);

  it("a wheel the index lists but its folder lacks: exit 4 at start, one line naming it (test and wheels alike)", async () => {
    await ready();
    for (const command of ["test", "wheels"]) {
      const r = await wsbridge([command, "--requirements", "coverage.txt", "--pyodide-index", "empty-index"], dir, { WSBRIDGE_CACHE: cache });
      expect(r.code, shown(r)).toBe(4);
      expect(r.err.trimEnd().split("\n"), r.err).toEqual([expect.stringMatching(new RegExp(`^wsbridge ${command}: --pyodide-index .*empty-index: coverage-7\\.16\\.2-py3-none-any\\.whl \\(coverage 7\\.16\\.2, in its pyodide-lock\\.json\\) cannot be had: no such file$`))]);
      expect(r.out).toBe("");
    }
  }, 150_000);

  it("a requirement neither pip nor an index can provide: exit 4, one line naming it", async () => {
    const r = await wsbridge(["test", "--requirements", "coverage.txt"], dir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(4);
    expect(r.err.trimEnd().split("\n"), r.err).toEqual([expect.stringMatching(/^wsbridge test: --requirements .*coverage\.txt: coverage cannot be had: pip found no pure-Python wheel of it \(compiled packages come from --pyodide-index\)$/)]);
  }, 150_000);

  it("a --find-links folder named in a requirements file reaches pip", async () => {
    await ready();
    const r = await wsbridge(["test", "links_test", "--requirements", "reqs/links.txt"], dir, { WSBRIDGE_CACHE: cache });
    expect(r.code, shown(r)).toBe(0);
    expect(totals(r.out)).toEqual({ passed: 1 });
    expect(r.out).toMatch(/^page packages: linkpkg-1\.0$/m);
  }, 150_000);

  it("the locked pytest wheels are fixed: a --wheels pytest is left out with one line, a requirement for another pytest stops at start", async () => {
    await ready();
    const left = await wsbridge(["wheels", "--wheels", "clash"], dir, { WSBRIDGE_CACHE: cache });
    expect(left.code, shown(left)).toBe(0);
    expect(left.err.split("\n").filter((l) => /pytest-1\.0/.test(l))).toEqual(["wsbridge: pytest-1.0-py3-none-any.whl left out: pytest is fixed at 9.1.1 by wsbridge's lock (python/page-wheels.lock.json)"]);
    const pinned = await wsbridge(["wheels", "--requirements", "pins.txt"], dir, { WSBRIDGE_CACHE: cache });
    expect(pinned.code, shown(pinned)).toBe(4);
    expect(pinned.err.trimEnd().split("\n"), pinned.err).toEqual([expect.stringMatching(/^wsbridge wheels: --requirements .*pins\.txt: .*pytest<9.*pytest==9\.1\.1/)]);
  }, 150_000);
});
