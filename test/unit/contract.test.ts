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

/** Splits `text` at `separator` outside (), [], {} and <> (the `>` of `=>` does not close anything). */
function splitTopLevel(text: string, separator = ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ("([{<".includes(c)) depth++;
    else if (")]}".includes(c) || (c === ">" && text[i - 1] !== "=")) depth--;
    else if (c === separator && depth === 0) {
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

// --- parameter names and types: of the module's functions, and of the members Python reaches on each handle ---

/** A parameter's or result's type as the boundary sees it: which of str, number, bool, none and object (anything
 * else JS holds: arrays, buffers, option objects, handles, proxies, Promises) it admits, sorted and joined by "|". */
type Kinds = string;
interface Param {
  name: string;
  kinds: Kinds;
  optional: boolean;
}
/** A function, or a handle's member: its parameters and result (a property has none and `property` set). */
interface Member {
  params: Param[];
  result: Kinds;
  property: boolean;
}
type Members = Record<string, Member>;

function kinds(parts: string[], optional: boolean, kindOf: (part: string) => string): Kinds {
  const set = new Set(parts.map(kindOf));
  if (optional) set.add("none");
  return [...set].sort().join("|");
}

/** The kinds of a TypeScript type written in contract.ts. */
function tsKinds(type: string, optional = false): Kinds {
  return kinds(splitTopLevel(type, "|"), optional, (part) => {
    if (part === "string" || /^["'`]/.test(part)) return "str";
    if (part === "number" || /^-?\d/.test(part)) return "number";
    if (["boolean", "true", "false"].includes(part)) return "bool";
    if (["undefined", "null", "void"].includes(part)) return "none";
    return "object";
  });
}

/** The kinds of a Python annotation in the stub (`int` and `float` are JS numbers). */
function pyKinds(annotation: string, optional = false): Kinds {
  return kinds(splitTopLevel(annotation, "|"), optional, (part) => {
    const bare = part.replace(/^["']|["']$/g, "");
    return ({ str: "str", int: "number", float: "number", bool: "bool", None: "none" } as Record<string, string>)[bare] ?? "object";
  });
}

/** The members written in contract.ts lines, `name: (params) => result;` or `readonly name: type;`. */
function tsMembers(lines: string[], where: string): Members {
  const members: Members = {};
  for (const raw of lines) {
    const line = raw.replace(/\s+\/\/.*$/, "");
    if (/^\s*$/.test(line)) continue;
    const m = /^\s+(?:readonly\s+)?(\w+): (.*);$/.exec(line);
    if (!m) throw new Error(`contract.ts ${where}: a member not written as \`name: (params) => result;\` or \`name: type;\`: ${line.trim()}`);
    const [, name, type] = m;
    if (!type.startsWith("(")) {
      members[name] = { params: [], result: tsKinds(type), property: true };
      continue;
    }
    let depth = 0;
    let end = 0;
    for (; end < type.length; end++) {
      if (type[end] === "(") depth++;
      else if (type[end] === ")" && --depth === 0) break;
    }
    const params = splitTopLevel(type.slice(1, end)).map((param) => {
      const p = /^(\w+)(\?)?: (.*)$/.exec(param);
      if (!p) throw new Error(`contract.ts ${where}.${name}: a parameter not written as \`name: type\`: ${param}`);
      return { name: p[1], kinds: tsKinds(p[3], p[2] === "?"), optional: p[2] === "?" };
    });
    members[name] = { params, result: tsKinds(type.slice(end + 1).replace(/^\s*=>\s*/, "")), property: false };
  }
  return members;
}

/** contract.ts's `WsBridgeModule` functions, and its `HandleMembers`: each handle's members by the stub's name. */
function tsContract(source: string): { functions: Members; handles: Record<string, Members> } {
  const module = /export interface WsBridgeModule \{\n([\s\S]*?)\n\}/.exec(source)?.[1];
  const body = /export interface HandleMembers \{\n([\s\S]*?)\n\}/.exec(source)?.[1];
  if (module === undefined || body === undefined) throw new Error("contract.ts has no `export interface WsBridgeModule {` or `HandleMembers {`");
  const handles: Record<string, Members> = {};
  let handle: string | undefined;
  let lines: string[] = [];
  for (const line of body.split("\n")) {
    const open = /^ {2}(\w+): \{$/.exec(line);
    if (open) [handle, lines] = [open[1], []];
    else if (/^ {2}\};$/.test(line) && handle) [handles[handle], handle] = [tsMembers(lines, handle), undefined];
    else if (handle) lines.push(line);
  }
  return { functions: tsMembers(module.split("\n").filter((l) => !/^\s*\/\//.test(l)), "WsBridgeModule"), handles };
}

/** The stub's module functions and its Protocols' members (without `self`), read with Python's own parser. */
function pyContract(source: string): { functions: Members; handles: Record<string, Members> } {
  const script = [
    "import ast, json, sys",
    "def member(fn, method):",
    "    a = fn.args",
    "    params = a.posonlyargs + a.args",
    "    first_optional = len(params) - len(a.defaults)",
    "    out = [{'name': p.arg, 'annotation': ast.unparse(p.annotation) if p.annotation else 'object', 'optional': i >= first_optional} for i, p in enumerate(params)]",
    "    prop = any(isinstance(d, ast.Name) and d.id == 'property' for d in fn.decorator_list)",
    "    return {'params': out[1:] if method else out, 'result': ast.unparse(fn.returns) if fn.returns else 'None', 'property': prop}",
    "tree = ast.parse(sys.stdin.read())",
    "functions = {n.name: member(n, False) for n in tree.body if isinstance(n, ast.FunctionDef)}",
    "handles = {n.name: {f.name: member(f, True) for f in n.body if isinstance(f, ast.FunctionDef)} for n in tree.body",
    "           if isinstance(n, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id == 'Protocol' for b in n.bases)}",
    "print(json.dumps({'functions': functions, 'handles': handles}))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script], { input: source, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 could not read the stub: ${r.stderr}`);
  type Raw = Record<string, { params: { name: string; annotation: string; optional: boolean }[]; result: string; property: boolean }>;
  const raw = JSON.parse(r.stdout) as { functions: Raw; handles: Record<string, Raw> };
  const convert = (members: Raw): Members =>
    Object.fromEntries(Object.entries(members).map(([name, m]) => [name, {
      params: m.params.map((p) => ({ name: p.name, kinds: pyKinds(p.annotation, p.optional), optional: p.optional })),
      result: pyKinds(m.result),
      property: m.property,
    }]));
  return { functions: convert(raw.functions), handles: Object.fromEntries(Object.entries(raw.handles).map(([h, m]) => [h, convert(m)])) };
}

/** Where two sides' members differ in names, parameter names, parameter types or results, in words. */
function memberDifferences(ts: Members, py: Members, prefix = "", tsName = "contract.ts", pyName = "_wsbridge_js.pyi"): string[] {
  const out: string[] = [];
  for (const name of Object.keys(ts)) if (!(name in py)) out.push(`${prefix}${name} is in ${tsName} but not in ${pyName}`);
  for (const name of Object.keys(py)) if (!(name in ts)) out.push(`${prefix}${name} is in ${pyName} but not in ${tsName}`);
  for (const [name, a] of Object.entries(ts)) {
    const b = py[name];
    if (!b) continue;
    const what = `${prefix}${name}`;
    if (a.property !== b.property) out.push(`${what} is a ${a.property ? "property" : "method"} in ${tsName}, a ${b.property ? "property" : "method"} in ${pyName}`);
    if (a.params.length !== b.params.length) out.push(`${what}: ${a.params.length} parameters in ${tsName}, ${b.params.length} in ${pyName}`);
    a.params.forEach((p, i) => {
      const q = b.params[i];
      if (!q) return;
      if (p.name !== q.name) out.push(`${what}: parameter ${i + 1} is ${p.name} in ${tsName}, ${q.name} in ${pyName}`);
      else if (p.kinds !== q.kinds || p.optional !== q.optional) {
        out.push(`${what}(${p.name}): ${p.kinds}${p.optional ? " (optional)" : ""} in ${tsName}, ${q.kinds}${q.optional ? " (optional)" : ""} in ${pyName}`);
      }
    });
    if (a.result !== b.result) out.push(`${what} gives ${a.result} in ${tsName}, ${b.result} in ${pyName}`);
  }
  return out;
}

/** memberDifferences for every function and every handle of the two contracts. */
function contractDifferences(ts: ReturnType<typeof tsContract>, py: ReturnType<typeof pyContract>): string[] {
  const out = memberDifferences(ts.functions, py.functions);
  for (const handle of Object.keys(ts.handles)) if (!(handle in py.handles)) out.push(`handle ${handle} is in contract.ts but not in _wsbridge_js.pyi`);
  for (const handle of Object.keys(py.handles)) if (!(handle in ts.handles)) out.push(`handle ${handle} is in _wsbridge_js.pyi but not in contract.ts`);
  for (const [handle, members] of Object.entries(ts.handles)) {
    if (py.handles[handle]) out.push(...memberDifferences(members, py.handles[handle], `${handle}.`));
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
    const optional = pySignatures(stubText.replace("def routeClose(target: RoutedSocketHandle, code: int | None, reason: str | None, /)", "def routeClose(target: RoutedSocketHandle, code: int | None, reason: str | None = ..., /)"));
    expect(differences(ts, optional)).toEqual(["routeClose: 3 required parameters in contract.ts, 2 in _wsbridge_js.pyi"]);
  });

  it("gives each function the same parameter names and types (str, number, bool, None, object) and result on both sides", () => {
    const ts = tsContract(contractText);
    expect(Object.keys(ts.functions).length).toBeGreaterThanOrEqual(20);
    expect(contractDifferences(ts, pyContract(stubText))).toEqual([]);
  });

  it("lists on each handle the members Python reaches, with the same parameter names and types and results", () => {
    const ts = tsContract(contractText);
    expect(Object.keys(ts.handles).sort()).toEqual(["InspectHandle", "RecorderHandle", "RoutedSocketHandle", "SocketHandle"]);
    expect(Object.keys(ts.handles.RoutedSocketHandle)).toContain("receiveText");
    expect(ts.handles.SocketHandle.sendFrame).toEqual({ params: [{ name: "data", kinds: "object|str", optional: false }], result: "number", property: false });
    expect(ts.handles.RoutedSocketHandle.closeCode).toEqual({ params: [], result: "none|number", property: true });
  });

  it("fails when a parameter is renamed or retyped, a result changes, or a handle member is on one side only", () => {
    const ts = tsContract(contractText);
    const py = (edit: (text: string) => string) => contractDifferences(ts, pyContract(edit(stubText)));
    const swap = (from: string, to: string) => (text: string) => {
      expect(text).toContain(from);
      return text.replace(from, to);
    };
    expect(py(swap("def checkUrl(url: str, /)", "def checkUrl(href: str, /)"))).toEqual(["checkUrl: parameter 1 is url in contract.ts, href in _wsbridge_js.pyi"]);
    expect(py(swap("def sendSlot(socket: SocketHandle, length: int, /)", "def sendSlot(socket: SocketHandle, length: str, /)"))).toEqual(["sendSlot(length): number in contract.ts, str in _wsbridge_js.pyi"]);
    expect(py(swap("def routeClose(target: RoutedSocketHandle, code: int | None,", "def routeClose(target: RoutedSocketHandle, code: int,"))).toEqual(["routeClose(code): none|number in contract.ts, number in _wsbridge_js.pyi"]);
    expect(py(swap("def isClosed(self) -> bool: ...", "def isClosed(self) -> str: ..."))).toEqual(["InspectHandle.isClosed gives bool in contract.ts, str in _wsbridge_js.pyi"]);
    expect(py(swap("    def receiveText(self, options: JsProxy | None = ..., /) -> JsPromise[str]: ...\n", ""))).toEqual(["RoutedSocketHandle.receiveText is in contract.ts but not in _wsbridge_js.pyi"]);
    expect(py(swap("def sendFrame(self, data: str | JsProxy, /)", "def sendFrame(self, data: str | JsProxy, flush: bool, /)"))).toEqual(["SocketHandle.sendFrame: 1 parameters in contract.ts, 2 in _wsbridge_js.pyi"]);
    const tsEdited = tsContract(contractText.replace("    isRouted: () => boolean;\n", ""));
    expect(contractDifferences(tsEdited, pyContract(stubText))).toEqual(["InspectHandle.isRouted is in _wsbridge_js.pyi but not in contract.ts"]);
  });

  it("has _js.py as the one importer of js, pyodide and _wsbridge_js in the package", () => {
    // Other modules take them from _js (one place that knows Pyodide).
    const pkg = dirname(STUB);
    const script = [
      "import ast, json, sys",
      "found = {}",
      "for path in sys.argv[1:]:",
      "    for node in ast.walk(ast.parse(open(path).read())):",
      "        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ''] if isinstance(node, ast.ImportFrom) and not node.level else []",
      "        if any(n.split('.')[0] in ('js', 'pyodide', 'pyodide_js', '_wsbridge_js') for n in names): found.setdefault(path.rsplit('/', 1)[-1], []).extend(names)",
      "print(json.dumps(found))",
    ].join("\n");
    const files = readdirSync(pkg).filter((f) => f.endsWith(".py") && f !== "_js.py");
    const r = spawnSync("python3", ["-c", script, ...files.map((f) => join(pkg, f))], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({});
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
  // pytest modules are left out (they need pytest's own types, which the page has and this venv need not), and
  // _ws_trace.py, which imports them.
  mypyIt(`the Python face passes mypy --strict against the stub (Python 3.13, as Pyodide's; ${shown})`, () => {
    const [command, ...prefix] = requireMypy(mypy);
    const pkg = dirname(STUB);
    const face = readdirSync(pkg).filter((f) => f.endsWith(".py") && !/^(pytest_plugin|_pytest_\w+|_coverage|_ws_trace)\.py$/.test(f));
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
