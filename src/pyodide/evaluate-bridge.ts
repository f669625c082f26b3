// The evaluation part of `_wsbridge_js`: what `page.evaluate(expression, arg)` (python/wsbridge/route.py) calls.
// Values cross as the serialized values of Playwright's protocol, in JSON text: python/wsbridge/_evaluate.py
// writes the argument and reads the result, so both convert as in Playwright for Python (None ↔ null, NaN,
// ±Infinity and -0, datetime ↔ Date, cycles, Window/Document/Node as "ref: <...>", an Error as its message, name
// and stack). The expression runs in this realm's global scope: the page's, or a worker's for a worker's Python.
import type { BridgePart } from "./contract.js";
import type { PyodideLike } from "./types.js";

/** A value in Playwright's serialized form; primitives that JSON carries as they are stay bare in results. */
type Serialized = string | number | boolean | { [tag: string]: unknown };

/** What Python gets back: the serialized result, or the text of what the expression threw. */
type Outcome = { value: Serialized } | { error: string };

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = {
  i8: Int8Array, ui8: Uint8Array, ui8c: Uint8ClampedArray, i16: Int16Array, ui16: Uint16Array, i32: Int32Array,
  ui32: Uint32Array, f32: Float32Array, f64: Float64Array, bi64: BigInt64Array, bui64: BigUint64Array,
};

/** The JS value of an argument Python serialized (its tags: v n s b d u bi e a o ref). */
function revive(value: unknown, refs = new Map<number, unknown>()): unknown {
  if (typeof value !== "object" || value === null) return value;
  const tagged = value as Record<string, unknown>;
  if ("ref" in tagged) return refs.get(tagged.ref as number);
  if ("v" in tagged) return ({ null: null, NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 } as Record<string, unknown>)[tagged.v as string];
  if ("n" in tagged) return tagged.n;
  if ("s" in tagged) return tagged.s;
  if ("b" in tagged) return tagged.b;
  if ("d" in tagged) return new Date(tagged.d as string);
  if ("u" in tagged) return new URL(tagged.u as string);
  if ("bi" in tagged) return BigInt(tagged.bi as string);
  if ("e" in tagged) {
    const { m, n, s } = tagged.e as { m: string; n: string; s: string };
    return Object.assign(new Error(m), { name: n, stack: s });
  }
  if ("a" in tagged) {
    const array: unknown[] = [];
    refs.set(tagged.id as number, array);
    for (const item of tagged.a as unknown[]) array.push(revive(item, refs));
    return array;
  }
  if ("o" in tagged) {
    const object: Record<string, unknown> = {};
    refs.set(tagged.id as number, object);
    for (const { k, v } of tagged.o as { k: string; v: unknown }[]) if (k !== "__proto__") object[k] = revive(v, refs);
    return object;
  }
  return undefined;
}

/** The `[object X]` tag: true for objects of another realm too (an iframe's Date is still a Date). */
function tagOf(value: object): string {
  try {
    return Object.prototype.toString.call(value).slice(8, -1);
  } catch {
    return "";
  }
}

function base64(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** An Error's stack as Playwright reports it: starting with "Name: message". */
function stackOf(error: Error): string {
  const head = `${error.name}: ${error.message}`;
  return typeof error.stack === "string" && error.stack.startsWith(head) ? error.stack : `${head}\n${error.stack ?? ""}`;
}

/** `value` in serialized form; objects seen before are `{ref: id}`, so cycles survive. */
function serialize(value: unknown, seen = new Map<object, number>()): Serialized {
  switch (typeof value) {
    case "undefined": case "symbol": case "function": return { v: "undefined" };
    case "boolean": case "string": return value;
    case "bigint": return { bi: value.toString() };
    case "number":
      if (Number.isNaN(value)) return { v: "NaN" };
      if (value === Infinity) return { v: "Infinity" };
      if (value === -Infinity) return { v: "-Infinity" };
      return Object.is(value, -0) ? { v: "-0" } : value;
  }
  if (value === null) return { v: "null" };
  const object = value as object;
  // DOM objects have no useful serialized form; Playwright names them.
  for (const name of ["Window", "Document", "Node"] as const) {
    const type = (globalThis as Record<string, unknown>)[name];
    if (typeof type === "function" && object instanceof type) return `ref: <${name}>`;
  }
  const tag = tagOf(object);
  if (object instanceof Error || tag === "Error") {
    const error = object as Error;
    return { e: { n: error.name, m: error.message, s: stackOf(error) } };
  }
  if (tag === "Date") return { d: (object as Date).toJSON() as string };
  if (tag === "URL") return { u: (object as URL).href };
  if (tag === "RegExp") return { r: { p: (object as RegExp).source, f: (object as RegExp).flags } };
  for (const [kind, type] of Object.entries(TYPED_ARRAYS)) {
    if (tag === type.name) return { ta: { b: base64(object as ArrayBufferView), k: kind } };
  }
  if (tag === "ArrayBuffer") return { ab: { b: base64(new Uint8Array(object as ArrayBuffer)) } };
  const id = seen.get(object);
  if (id !== undefined) return { ref: id };
  const own = seen.size + 1;
  seen.set(object, own);
  if (Array.isArray(object)) return { a: object.map((item) => serialize(item, seen)), id: own };
  const entries: { k: string; v: Serialized }[] = [];
  for (const key of Object.keys(object)) {
    let item: unknown;
    try {
      item = (object as Record<string, unknown>)[key];
    } catch {
      continue; // a getter that throws: left out
    }
    entries.push({ k: key, v: serialize(item, seen) });
  }
  // An object with nothing of its own but a toJSON() (a class instance, say) is what toJSON() gives.
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (entries.length === 0 && typeof toJSON === "function") {
    try {
      return serialize(toJSON.call(object), seen);
    } catch {
      // fall through: an empty object
    }
  }
  return { o: entries, id: own };
}

/** What the expression threw, as the DevTools protocol describes it to Playwright: an Error's stack, else its text. */
function thrownText(thrown: unknown): string {
  if (thrown instanceof Error) return stackOf(thrown);
  try {
    return String(thrown);
  } catch {
    return tagOf(thrown as object);
  }
}

const outcome = (result: unknown): string => JSON.stringify({ value: serialize(result) } satisfies Outcome);
const failure = (thrown: unknown): string => JSON.stringify({ error: thrownText(thrown) } satisfies Outcome);

/**
 * Evaluates `expression` in the global scope, as Playwright's `page.evaluate` does: a function (arrow, `function`,
 * `async`) is called with the argument, anything else is the result; a thenable result is awaited. Gives the
 * outcome's JSON at once, or a Promise of it when the result is a thenable. Never throws: a throw is an outcome.
 */
function pageEvaluate(expression: string, arg: string): string | Promise<string> {
  let result: unknown;
  try {
    let source = String(expression).trim();
    // A function declaration is not an expression: in parentheses it is one (Playwright's rule).
    if (/^(async)?\s*function(\s|\()/.test(source)) source = `(${source})`;
    result = globalThis.eval(source); // indirect: the global scope, not this module's
    if (typeof result === "function") result = (result as (value: unknown) => unknown)(revive(JSON.parse(arg)));
  } catch (thrown) {
    return failure(thrown);
  }
  const then = typeof result === "object" && result !== null ? (result as { then?: unknown }).then : undefined;
  if (typeof then === "function") return Promise.resolve(result).then(outcome, failure);
  try {
    return outcome(result);
  } catch (thrown) {
    return failure(thrown);
  }
}

/** Entry points for `page.evaluate`. */
export function evaluateBridge(_pyodide: PyodideLike): BridgePart<"pageEvaluate"> {
  return { pageEvaluate };
}
