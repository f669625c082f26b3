// The harness of the `wsbridge test` end-to-end files (runner.test.ts, runner-runs.test.ts): the real CLI in a
// child process on temp projects, and readers of what it prints and writes. Each file calls `cliHarness()` once,
// which gives it a temp root of its own, removed after that file.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, expect } from "vitest";

const BIN = resolve("bin/wsbridge.mjs");

export interface Run { code: number; out: string; err: string; ms: number }

/** Runs `wsbridge ARGS` in `cwd` (a child process; a run that hangs is killed and fails the test). */
export function wsbridge(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const t0 = Date.now();
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, timeout: 150_000, killSignal: "SIGKILL", maxBuffer: 16 << 20 }, (error, out, err) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({ code, out, err, ms: Date.now() - t0 });
    });
  });
}

/** `start` called once, on first use; every caller gets the same promise. */
export function once<T>(start: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= start());
}

/** A temp root for the calling test file (removed after it) and `project(name, files)` writing folders under it. */
export function cliHarness(): { root: string; project: (name: string, files: Record<string, string | Buffer>) => string } {
  const root = mkdtempSync(join(tmpdir(), "wsbridge-runner-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** Writes `files` (relative path → text or bytes) under a new folder `name` of the temp root; returns the folder. */
  const project = (name: string, files: Record<string, string | Buffer>): string => {
    const dir = join(root, name);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return dir;
  };
  return { root, project };
}

/** Runs a Python script on the host (building wheels). */
function python(script: string, ...args: string[]): Promise<void> {
  return new Promise<void>((ok, fail) => execFile("python3", ["-c", script, ...args], (e) => (e ? fail(e) : ok())));
}

/** A minimal pure-Python wheel `DIR/NAME-1.0-py3-none-any.whl` holding `NAME/__init__.py` with `source`. */
export function tinyWheel(dir: string, name: string, source: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  return python(`import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(sys.argv[2] + "/__init__.py", sys.argv[3])
    z.writestr(sys.argv[2] + "-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: " + sys.argv[2] + "\\nVersion: 1.0\\n")
    z.writestr(sys.argv[2] + "-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(sys.argv[2] + "-1.0.dist-info/RECORD", "")`, join(dir, `${name}-1.0-py3-none-any.whl`), name, source);
}

/** What a run shows, for assertion messages. */
export const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`;

export interface XmlNode { tag: string; attrs: Record<string, string>; children: XmlNode[] }

/** Parses an XML file with Python's expat (a strict parser) on the host. */
function parseXml(path: string): Promise<XmlNode> {
  const script = `
import json, sys, xml.etree.ElementTree as ET
def walk(e): return {"tag": e.tag, "attrs": dict(e.attrib), "children": [walk(c) for c in e]}
print(json.dumps(walk(ET.parse(sys.argv[1]).getroot())))`;
  return new Promise((done, fail) => {
    execFile("python3", ["-c", script, path], (error, out, err) => (error ? fail(new Error(err)) : done(JSON.parse(out) as XmlNode)));
  });
}

/** The <testsuite> of a pytest JUnit file. */
export async function testsuite(path: string): Promise<XmlNode> {
  const top = await parseXml(path);
  const suite = top.tag === "testsuite" ? top : top.children.find((c) => c.tag === "testsuite");
  expect(suite, JSON.stringify(top).slice(0, 500)).toBeDefined();
  return suite!;
}

/** The numbers of pytest's final summary line ("2 failed, 3 passed, 1 skipped in 0.5s"). */
export function totals(out: string): Record<string, number> {
  const line = out.trimEnd().split("\n").at(-1) ?? "";
  const counts: Record<string, number> = {};
  for (const m of line.matchAll(/(\d+) (failed|passed|skipped|xfailed|xpassed|errors?|deselected|warnings?)\b/g)) counts[m[2]!.replace(/s$/, "")] = Number(m[1]);
  return counts;
}

/** The lines of `out` that start with `id ` (pytest -v: one per test reported). */
export const linesOf = (out: string, id: string) => out.split("\n").filter((l) => l.startsWith(`${id} `));

/**
 * coverage 7.16.2 as a pure-Python wheel in `dir`: this machine's index has only the host's compiled coverage wheel
 * (the public index has a py3-none-any one), so it is repacked without its optional C tracer, which coverage runs
 * without (test/browser/runner-packages.test.ts does the same for its own folder). Resolves to the wheel's path.
 */
export async function pureCoverageWheel(dir: string): Promise<string> {
  const host = mkdtempSync(join(tmpdir(), "wsbridge-coverage-host-"));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "coverage-7.16.2-py3-none-any.whl");
  await new Promise<void>((ok, fail) => execFile("python3", ["-m", "pip", "download", "--disable-pip-version-check", "--retries", "1", "--no-deps", "--only-binary=:all:", "-d", host, "coverage==7.16.2"], (e, _o, err) => (e ? fail(new Error(err)) : ok())));
  await python(`import glob, sys, zipfile
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
        zout.writestr(info.filename, data)`, host, file);
  rmSync(host, { recursive: true, force: true });
  return file;
}
