// The runner's protocol is declared once on each side: src/cli/protocol.ts (which runner.ts and page-run.ts are typed
// by) and python/wsbridge/_runner_protocol.py (which _pytest_session.py is typed by). This test fails when they
// disagree: a message kind on one side only, or a field that one side sends and the other does not know.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTROLLER_MESSAGE_KINDS, PAGE_MESSAGE_KINDS } from "../../src/cli/protocol.js";

const TS = readFileSync(resolve("src/cli/protocol.ts"), "utf8");
const PY = readFileSync(resolve("python/wsbridge/_runner_protocol.py"), "utf8");

/** A message's data as both sides can say it: a scalar, or an object's (sorted) field names, maybe in a list. */
type Shape = string;

/** The text between `open` (ending in "{") and its matching "}". */
function block(text: string, open: string): string {
  const at = text.indexOf(open);
  if (at < 0) throw new Error(`not found: ${open}`);
  let depth = 0;
  for (let i = at + open.length - 1; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(at + open.length, i);
  }
  throw new Error(`unclosed: ${open}`);
}

/** Top-level `name: type;` members of a TS interface body (comments dropped). */
function tsMembers(body: string): Record<string, string> {
  const text = `${body.replace(/\/\*\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "")};`; // the last member may lack its ";"
  const members: Record<string, string> = {};
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ("{[(<".includes(c!)) depth++;
    else if ("}])>".includes(c!)) depth--;
    else if (c === ";" && depth === 0) {
      const member = text.slice(start, i).trim();
      const colon = member.indexOf(":");
      if (colon > 0) members[member.slice(0, colon).trim()] = member.slice(colon + 1).trim();
      start = i + 1;
    }
  }
  return members;
}

/** The shape of a TS type: `{ a; b }` → "{a,b}", `Array<{...}>` → "[{...}]", scalars by name. */
function tsShape(type: string): Shape {
  const t = type.trim();
  if (t.startsWith("Array<")) return `[${tsShape(t.slice(6, -1))}]`;
  if (t.startsWith("{")) return `{${Object.keys(tsMembers(t.slice(1, -1))).sort().join(",")}}`;
  if (t === "object" || t === "Record<string, never>") return "{}";
  if (t === "string") return "str";
  if (t === "number") return "number";
  if (t === "null") return "none";
  if (t.startsWith("Record<")) return "dict";
  if (t.endsWith("[]")) return `[${tsShape(t.slice(0, -2))}]`;
  return t;
}

/** Each `class Name(TypedDict):` of the Python text, as its field names. */
function pyTypedDicts(text: string): Record<string, string[]> {
  const classes: Record<string, string[]> = {};
  for (const m of text.matchAll(/^class (\w+)\(TypedDict\):\n((?:    .*\n|\n)*)/gm)) {
    classes[m[1]!] = [...m[2]!.matchAll(/^    (\w+): /gm)].map((f) => f[1]!);
  }
  return classes;
}

/** The shape of a Python annotation in the dict: a TypedDict, `list[...]`, a scalar. */
function pyShape(type: string, classes: Record<string, string[]>): Shape {
  const t = type.trim();
  if (t.startsWith("list[")) return `[${pyShape(t.slice(5, -1), classes)}]`;
  if (classes[t]) return `{${[...classes[t]].sort().join(",")}}`;
  if (t === "str") return "str";
  if (t === "int" || t === "float") return "number";
  if (t === "None") return "none";
  if (t.startsWith("dict[")) return "dict";
  return t;
}

/** `NAME: dict[str, object] = { "kind": Type, ... }` of the Python text, as kind → shape. */
function pyMessages(text: string, name: string): Record<string, Shape> {
  const classes = pyTypedDicts(text);
  const body = block(text, `${name}: dict[str, object] = {`);
  return Object.fromEntries([...body.matchAll(/^\s+"(\w+)": (.+),$/gm)].map((m) => [m[1]!, pyShape(m[2]!, classes)]));
}

/** `export interface NAME {` of the TS text, as kind → shape. */
function tsMessages(text: string, name: string): Record<string, Shape> {
  return Object.fromEntries(Object.entries(tsMembers(block(text, `export interface ${name} {`))).map(([k, v]) => [k, tsShape(v)]));
}

/** Where the two sides differ, one line each. */
function differences(ts: string, py: string): string[] {
  const out: string[] = [];
  for (const [tsName, pyName] of [["PageMessages", "PAGE_MESSAGES"], ["ControllerMessages", "CONTROLLER_MESSAGES"]] as const) {
    const a = tsMessages(ts, tsName), b = pyMessages(py, pyName);
    for (const kind of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[kind] !== b[kind]) out.push(`${kind}: TS ${a[kind] ?? "(none)"}, Python ${b[kind] ?? "(none)"}`);
    }
  }
  const classes = pyTypedDicts(py);
  for (const name of ["ControllerStart", "WorkerStart"]) {
    const a = Object.keys(tsMembers(block(ts, `export interface ${name} {`))).sort().join(",");
    const b = [...(classes[name] ?? [])].sort().join(",");
    if (a !== b) out.push(`${name}: TS {${a}}, Python {${b}}`);
  }
  return out;
}

describe("the runner's protocol, TS and Python", () => {
  it("both sides declare the same messages with the same fields", () => {
    expect(differences(TS, PY)).toEqual([]);
  });

  it("the kind lists and Python's PageKind are the declared messages", () => {
    expect([...PAGE_MESSAGE_KINDS].sort()).toEqual(Object.keys(tsMessages(TS, "PageMessages")).sort());
    expect([...CONTROLLER_MESSAGE_KINDS].sort()).toEqual(Object.keys(tsMessages(TS, "ControllerMessages")).sort());
    const literal = block(PY.replace("PageKind = Literal[", "PageKind = Literal{").replace(/\n\]\n/, "\n}\n"), "PageKind = Literal{");
    expect([...literal.matchAll(/"(\w+)"/g)].map((m) => m[1]).sort()).toEqual(Object.keys(pyMessages(PY, "PAGE_MESSAGES")).sort());
  });

  it("the check fails when the sides disagree: a field, a message, a start payload", () => {
    expect(differences(TS, PY.replace("    cache: bool\n", ""))).toEqual(["options: TS {args,cache}, Python {args}"]);
    expect(differences(TS, PY.replace('    "ran": None,\n', ""))).toEqual(["ran: TS none, Python (none)"]);
    expect(differences(TS.replace("  roots: string[];\n", ""), PY)).toEqual(["WorkerStart: TS {args,ids}, Python {args,ids,roots}"]);
  });
});
