// The TS/Python boundary has one contract on each side: `WsBridgeModule` (src/pyodide/contract.ts), which tsc holds
// bridgeModule() to, and python/wsbridge/_wsbridge_js.pyi. These tests fail when the two disagree: a function on
// one side only, or a different number of (required) parameters. mypy --strict checks the stub and the Python face
// with the pinned mypy that scripts/setup.mjs installs; without a mypy they are skipped, but fail under CI.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheDir } from "../../src/playwright/cache.js";
import { bridgeModule } from "../../src/pyodide/bridge.js";
import type { PyodideLike } from "../../src/pyodide/types.js";

const CONTRACT = resolve("src/pyodide/contract.ts");
const STUB = resolve("python/wsbridge/_wsbridge_js.pyi");
/** Where the pinned mypy of python/requirements-typecheck.txt lives once scripts/setup.mjs has installed it. */
const PINNED_MYPY = join(cacheDir(), "mypy", "bin", "mypy");

/** Parameter counts of one function: all of them, and those without a default / `?`. */
interface Arity {
  total: number;
  required: number;
}
type Signatures = Record<string, Arity>;

/** Splits `text` at commas outside (), [], {} and <> (the `>` of `=>` does not close anything). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ("([{<".includes(c)) depth++;
    else if (")]}".includes(c) || (c === ">" && text[i - 1] !== "=")) depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The members of `export interface WsBridgeModule` in contract.ts text, each `name: (params) => result;`. */
function tsSignatures(source: string): Signatures {
  const body = /export interface WsBridgeModule \{\n([\s\S]*?)\n\}/.exec(source)?.[1];
  if (body === undefined) throw new Error("no `export interface WsBridgeModule {` in contract.ts");
  const signatures: Signatures = {};
  for (const line of body.split("\n")) {
    if (/^\s*(\/\/.*)?$/.test(line)) continue;
    const head = /^\s+(\w+): \(/.exec(line);
    if (!head) throw new Error(`contract.ts: a WsBridgeModule member not written as \`name: (params) => result;\`: ${line.trim()}`);
    // The parameter list: from the first "(" to its matching ")".
    let depth = 0;
    let end = head[0].length - 1;
    for (; end < line.length; end++) {
      if (line[end] === "(") depth++;
      else if (line[end] === ")" && --depth === 0) break;
    }
    const params = splitTopLevel(line.slice(head[0].length, end));
    signatures[head[1]] = { total: params.length, required: params.filter((p) => !/^\w+\?:/.test(p)).length };
  }
  return signatures;
}

/** The module-level functions of a .pyi text, read with Python's own parser. */
function pySignatures(source: string): Signatures {
  const script = [
    "import ast, json, sys",
    "tree = ast.parse(sys.stdin.read())",
    "out = {}",
    "for node in tree.body:",
    "    if isinstance(node, ast.FunctionDef):",
    "        a = node.args",
    "        if a.vararg or a.kwarg or a.kwonlyargs: raise SystemExit(f'{node.name}: JS functions take positional parameters only')",
    "        total = len(a.posonlyargs) + len(a.args)",
    "        out[node.name] = {'total': total, 'required': total - len(a.defaults)}",
    "print(json.dumps(out))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script], { input: source, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 could not read the stub: ${r.stderr}`);
  return JSON.parse(r.stdout) as Signatures;
}

/** What differs between two sides, in words; empty when they agree. */
function differences(ts: Signatures, py: Signatures, tsName = "contract.ts", pyName = "_wsbridge_js.pyi"): string[] {
  const out: string[] = [];
  for (const name of Object.keys(ts)) if (!(name in py)) out.push(`${name} is in ${tsName} but not in ${pyName}`);
  for (const name of Object.keys(py)) if (!(name in ts)) out.push(`${name} is in ${pyName} but not in ${tsName}`);
  for (const name of Object.keys(ts)) {
    const a = ts[name];
    const b = py[name];
    if (!b) continue;
    if (a.total !== b.total) out.push(`${name}: ${a.total} parameters in ${tsName}, ${b.total} in ${pyName}`);
    else if (a.required !== b.required) out.push(`${name}: ${a.required} required parameters in ${tsName}, ${b.required} in ${pyName}`);
  }
  return out;
}

const contractText = readFileSync(CONTRACT, "utf8");
const stubText = readFileSync(STUB, "utf8");

describe("the _wsbridge_js contract", () => {
  it("lists the same functions with the same parameter counts in contract.ts and _wsbridge_js.pyi", () => {
    const ts = tsSignatures(contractText);
    expect(Object.keys(ts).length).toBeGreaterThanOrEqual(20);
    expect(differences(ts, pySignatures(stubText))).toEqual([]);
  });

  it("is what bridgeModule() registers: the same names, each function taking that many parameters", () => {
    const module = bridgeModule({} as PyodideLike) as unknown as Record<string, unknown>;
    const ts = tsSignatures(contractText);
    expect(Object.keys(module).sort()).toEqual(Object.keys(ts).sort());
    for (const [name, value] of Object.entries(module)) {
      expect(typeof value, name).toBe("function");
      expect({ name, length: (value as (...args: unknown[]) => unknown).length }).toEqual({ name, length: ts[name].total });
    }
  });

  it("fails when a function is added or removed on one side only, or changes its arity", () => {
    const ts = tsSignatures(contractText);
    const py = pySignatures(stubText);
    const added = pySignatures(`${stubText}\ndef routeExtra(token: int, /) -> None: ...\n`);
    expect(differences(ts, added)).toEqual(["routeExtra is in _wsbridge_js.pyi but not in contract.ts"]);
    const removed = tsSignatures(contractText.replace(/\n\s+harReady: .*/, ""));
    expect(differences(removed, py)).toEqual(["harReady is in _wsbridge_js.pyi but not in contract.ts"]);
    const widened = pySignatures(stubText.replace("def checkUrl(url: str, /)", "def checkUrl(url: str, base: str, /)"));
    expect(differences(ts, widened)).toEqual(["checkUrl: 1 parameters in contract.ts, 2 in _wsbridge_js.pyi"]);
    const optional = pySignatures(stubText.replace("def routeClose(target: RouteHandle, code: int | None, reason: str | None, /)", "def routeClose(target: RouteHandle, code: int | None, reason: str | None = ..., /)"));
    expect(differences(ts, optional)).toEqual(["routeClose: 3 required parameters in contract.ts, 2 in _wsbridge_js.pyi"]);
  });

  // mypy from $WSBRIDGE_MYPY (a mypy executable), else the pinned one setup installed in the cache, else `mypy` on
  // PATH, else `python3 -m mypy`. Without one the checks are skipped, except under CI, where they fail.
  const mypy = findMypy();
  const mypyIt = mypyCheck(mypy !== undefined, process.env) === "skip" ? it.skip : it;
  const shown = mypy ? mypy.version : "mypy not installed: skipped";

  it("the mypy checks fail under CI when mypy is missing, and are skipped only elsewhere", () => {
    expect(mypyCheck(true, { CI: "true" })).toBe("run");
    expect(mypyCheck(false, { CI: "true" })).toBe("fail");
    expect(mypyCheck(false, { CI: "1" })).toBe("fail");
    expect(mypyCheck(false, {})).toBe("skip");
    expect(mypyCheck(false, { CI: "false" })).toBe("skip");
  });

  mypyIt(`_wsbridge_js.pyi passes mypy --strict (${shown})`, () => {
    const [command, ...prefix] = requireMypy(mypy);
    // --follow-imports=silent: the stub's package (wsbridge) is imported but only the stub's own errors count.
    const r = spawnSync(command, [...prefix, "--strict", "--follow-imports=silent", "--no-incremental", STUB], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/^Success: no issues found in 1 source file/m);
    expect(r.status).toBe(0);
  });

  // The face is checked against the stub: a call with the wrong arguments or a misused result fails here. The
  // pytest modules are left out (they need pytest's own types, which the page has and this venv need not).
  mypyIt(`the Python face passes mypy --strict against the stub (Python 3.13, as Pyodide's; ${shown})`, () => {
    const [command, ...prefix] = requireMypy(mypy);
    const pkg = dirname(STUB);
    const face = readdirSync(pkg).filter((f) => f.endsWith(".py") && !/^(pytest_plugin|_pytest_session)\.py$/.test(f));
    expect(face).toContain("websocket.py");
    const r = spawnSync(command, [...prefix, "--strict", "--python-version", "3.13", "--no-incremental", ...face.map((f) => join(pkg, f))], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/^Success: no issues found in \d+ source files/m);
    expect(r.status).toBe(0);
  });
});

/** The first mypy that answers `--version`: its command and what it printed. */
function findMypy(): { command: string[]; version: string } | undefined {
  const candidates = [process.env.WSBRIDGE_MYPY ? [process.env.WSBRIDGE_MYPY] : [], [PINNED_MYPY], ["mypy"], ["python3", "-m", "mypy"]];
  for (const candidate of candidates) {
    if (candidate.length === 0) continue;
    const r = spawnSync(candidate[0]!, [...candidate.slice(1), "--version"], { encoding: "utf8" });
    if (r.status === 0 && /mypy/.test(r.stdout)) return { command: candidate, version: r.stdout.trim() };
  }
  return undefined;
}

/** Whether the mypy checks run, are skipped (no mypy, not CI) or fail (no mypy under CI: setup should have installed it). */
function mypyCheck(found: boolean, env: NodeJS.ProcessEnv): "run" | "skip" | "fail" {
  if (found) return "run";
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  return ci ? "fail" : "skip";
}

/** The mypy command, or the error a CI run reports when there is none. */
function requireMypy(mypy: { command: string[] } | undefined): string[] {
  if (!mypy) {
    throw new Error(`mypy not found: scripts/setup.mjs (run by npm test) installs the pinned one of python/requirements-typecheck.txt into ${PINNED_MYPY}; or set WSBRIDGE_MYPY`);
  }
  return mypy.command;
}
