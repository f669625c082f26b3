// The one Python → JS conversion for values leaving Pyodide: run() results of attachPython (JSON, through
// Playwright), of the worker (structured clone, through Comlink) and arguments of worker callbacks.
//
// One walk, one rule; `to` only decides how the two things JSON cannot carry are written:
//
// | Python (or JS value Python returned)     | to: "clone" (worker)                        | to: "json" (Playwright)           |
// |-------------------------------------------|---------------------------------------------|-----------------------------------|
// | None at the top level                      | undefined                                   | undefined                         |
// | None inside a list/dict                    | null                                        | null                              |
// | bool, str, float, int within ±2**53        | boolean, string, number                     | the same                          |
// | int beyond ±2**53                          | BigInt                                      | Number(bigint) (nearest double)   |
// | dict                                       | plain object (keys as strings)              | the same                          |
// | list, tuple, set, frozenset                | array                                       | the same                          |
// | bytes, bytearray, memoryview               | Uint8Array (typed array of the view's       | Array.from(that typed array):     |
// |                                            | format), a fresh copy, buffer transferred   | ints 0..255 for bytes             |
// | other Python objects                       | str(obj)                                    | the same                          |
// | JS ArrayBuffer / typed array / DataView    | as is, buffer transferred (copied first    | Array.from of its bytes/elements  |
// |                                            | if partial or in WebAssembly memory)        |                                   |
// | JS Map                                     | Map                                         | plain object (keys as strings)    |
// | other JS objects                           | as is (the caller checks it can be cloned)  | JSON.parse(JSON.stringify(v))     |
//
// In short: the JSON result is the structured-clone result with typed arrays → Array.from, BigInt → Number and
// Map → object. Every PyProxy met is destroyed (the top-level one unless `destroy: false`, for call arguments
// Pyodide still owns). A cycle is kept in structured-clone mode and is a TypeError in JSON mode.
import { isPyProxy, type PyProxy } from "./types.js";

/** Where the converted value goes: "json" (Playwright's evaluate) or "clone" (postMessage / Comlink). */
export type ConvertTarget = "json" | "clone";

export interface ConvertOptions {
  /** Where the value goes. */
  to: ConvertTarget;
  /** Destroy the top-level PyProxy once converted (default true; false for arguments Pyodide owns). */
  destroy?: boolean;
  /** WebAssembly memory's buffer: a view on it is copied, never transferred (that would detach Pyodide's heap). */
  wasmBuffer?: ArrayBufferLike;
}

/** A converted value and, in "clone" mode, the buffers to put in the transfer list (each once). */
export interface Converted {
  value: unknown;
  transfer: ArrayBuffer[];
}

/** PyProxy.toJs with the options this conversion passes. */
interface ConvertiblePyProxy extends PyProxy {
  toJs(options?: {
    dict_converter?: (entries: Iterable<[unknown, unknown]>) => unknown;
    create_pyproxies?: boolean;
    default_converter?: (value: PyProxy, convert: (child: unknown) => unknown) => unknown;
  }): unknown;
}

/** Converts a Python value (or a JS value Python returned) by the rule above. */
export function fromPython(value: unknown, options: ConvertOptions): Converted {
  const json = options.to === "json";
  const destroyTop = options.destroy ?? true;
  const wasm = options.wasmBuffer;
  const transfer = new Set<ArrayBuffer>();
  // Converted containers, so shared and cyclic structure survives structured cloning.
  const done = new Map<object, unknown>();
  const open = new Set<object>();

  const walk = (v: unknown, top: boolean): unknown => {
    if (isPyProxy(v)) return walk(pythonToJs(v, top ? destroyTop : true), top);
    if (v === undefined || v === null) return top ? v : null;
    if (typeof v === "bigint") return json ? Number(v) : v;
    if (typeof v === "function" || typeof v === "symbol") return json ? (top ? undefined : null) : v;
    if (typeof v !== "object") return v;
    if (done.has(v)) {
      if (json && open.has(v)) throw new TypeError("the result refers to itself (a cycle), which JSON cannot carry");
      return done.get(v);
    }
    if (v instanceof ArrayBuffer) return json ? Array.from(new Uint8Array(v)) : keep(v, buffer(v));
    if (ArrayBuffer.isView(v)) return json ? elements(v) : keep(v, view(v));
    if (Array.isArray(v) || v instanceof Set) {
      const out: unknown[] = [];
      done.set(v, out);
      open.add(v);
      for (const x of v) out.push(walk(x, false));
      open.delete(v);
      return out;
    }
    if (v instanceof Map) {
      const out: Map<unknown, unknown> | Record<string, unknown> = json ? {} : new Map();
      done.set(v, out);
      open.add(v);
      for (const [k, x] of v) {
        if (out instanceof Map) out.set(walk(k, false), walk(x, false));
        else out[String(k)] = walk(x, false);
      }
      open.delete(v);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      done.set(v, out);
      open.add(v);
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, false);
      open.delete(v);
      return out;
    }
    // Other JS objects (Date, class instances, DOM objects): structured clone decides; JSON takes what JSON takes.
    return json ? jsonOf(v) : v;
  };

  /** Records a converted buffer or view (so a second reference gives the same object). */
  const keep = (original: object, converted: unknown): unknown => {
    done.set(original, converted);
    return converted;
  };
  /** An ArrayBuffer to send: transferred, or copied when it is WebAssembly memory. */
  const buffer = (b: ArrayBuffer): ArrayBuffer => {
    const out = b === wasm ? b.slice(0) : b;
    transfer.add(out);
    return out;
  };
  /** A view to send: transferred when it covers its own buffer; else its bytes are copied into one of their own. */
  const view = (v: ArrayBufferView): ArrayBufferView => {
    const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
    if (whole && v.buffer instanceof ArrayBuffer && v.buffer !== wasm) {
      transfer.add(v.buffer);
      return v;
    }
    const copy = new Uint8Array(v.byteLength);
    copy.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    transfer.add(copy.buffer);
    if (v instanceof DataView) return new DataView(copy.buffer);
    return new (v.constructor as new (buffer: ArrayBuffer) => ArrayBufferView)(copy.buffer);
  };

  const result = walk(value, true);
  return { value: result, transfer: json ? [] : [...transfer] };
}

/** JSON-mode shorthand: the value as plain JSON-able JS (see the rule above). */
export function toJSONable(value: unknown): unknown {
  return fromPython(value, { to: "json" }).value;
}

/** One deep `toJs` of a PyProxy, destroyed afterwards when `destroy`; objects with no JS equivalent become `str()`. */
function pythonToJs(proxy: PyProxy, destroy: boolean): unknown {
  try {
    return (proxy as ConvertiblePyProxy).toJs({
      dict_converter: Object.fromEntries,
      create_pyproxies: false,
      // toJs leaves frozenset to us; every other object with no JS equivalent becomes its str().
      default_converter: (obj, convert) => (obj.type === "frozenset" ? Array.from(obj as unknown as Iterable<unknown>, convert) : String(obj)),
    });
  } catch {
    return String(proxy);
  } finally {
    if (destroy) proxy.destroy();
  }
}

/** A typed array's elements (BigInts as numbers), or a DataView's bytes, as a plain array. */
function elements(v: ArrayBufferView): number[] {
  if (v instanceof DataView) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return Array.from(v as unknown as ArrayLike<number | bigint>, Number);
}

/** What JSON makes of a JS object that is not plain data (its toJSON, its own fields), or its text. */
function jsonOf(v: object): unknown {
  try {
    return JSON.parse(JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? Number(x) : x))) as unknown;
  } catch {
    return String(v);
  }
}
