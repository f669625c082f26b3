// The one Python → JS converter (src/pyodide/convert.ts) with stand-in PyProxies: the rule for each type, in both
// targets, and that the JSON result is always the structured-clone result with typed arrays → Array.from,
// BigInt → Number and Map → object. test/browser/convert-parity.test.ts checks the same with real Pyodide.
import { describe, expect, it, vi } from "vitest";
import { fromPython, toJSONable, type ConvertTarget } from "../../src/pyodide/convert.js";

/** A stand-in PyProxy whose toJs gives `js` (what Pyodide's deep conversion would). */
function proxy(type: string, js: unknown) {
  return { type, toJs: vi.fn(() => js), destroy: vi.fn() };
}

/** The documented JSON form of a structured-clone result. */
function asJSON(v: unknown, top = true): unknown {
  if (v === undefined || v === null) return top ? v : null;
  if (typeof v === "bigint") return Number(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, Number);
  if (Array.isArray(v)) return v.map((x) => asJSON(x, false));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), asJSON(x, false)]));
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJSON(x, false)]));
  return v;
}

/** Python values as Pyodide's toJs hands them over (dicts already objects via dict_converter). */
const CASES: Array<[string, () => unknown]> = [
  ["bytes", () => proxy("bytes", new Uint8Array([0, 1, 255]))],
  ["bytearray", () => proxy("bytearray", new Uint8Array([97, 98]))],
  ["memoryview of int32", () => proxy("memoryview", new Int32Array([-1, 7]))],
  ["dict with bytes and None", () => proxy("dict", { payload: new Uint8Array([16]), n: undefined, deep: { l: [undefined, 1] } })],
  ["tuple", () => proxy("tuple", [1, undefined, "x"])],
  ["set", () => proxy("set", new Set([3, 4]))],
  ["big int", () => 2n ** 70n],
  ["None", () => undefined],
  ["str", () => "héllo"],
  ["unconvertible object (str by default_converter)", () => proxy("T", "T!")],
  ["JS Map returned as is", () => new Map<unknown, unknown>([[1, new Uint8Array([5])]])],
];

describe("fromPython: one rule, two targets", () => {
  for (const [name, make] of CASES) {
    it(`${name}: the JSON result is the structured-clone result, JSON-ified`, () => {
      const clone = fromPython(make(), { to: "clone" }).value;
      const json = fromPython(make(), { to: "json" }).value;
      expect(json).toEqual(asJSON(clone));
      expect(JSON.parse(JSON.stringify(json ?? null))).toEqual(json ?? null);
    });
  }

  it("bytes: a Uint8Array whose buffer is transferred (clone), an array of ints (json)", () => {
    const b = proxy("bytes", new Uint8Array([0, 255]));
    const clone = fromPython(b, { to: "clone" });
    expect(clone.value).toBeInstanceOf(Uint8Array);
    expect(Array.from(clone.value as Uint8Array)).toEqual([0, 255]);
    expect(clone.transfer).toEqual([(clone.value as Uint8Array).buffer]);
    expect(b.destroy).toHaveBeenCalledTimes(1);
    expect(fromPython(proxy("bytes", new Uint8Array([0, 255])), { to: "json" })).toEqual({ value: [0, 255], transfer: [] });
  });

  it("None is undefined at the top level and null inside containers, in both targets", () => {
    for (const to of ["clone", "json"] as ConvertTarget[]) {
      expect(fromPython(undefined, { to }).value).toBeUndefined();
      expect(fromPython(proxy("list", [undefined]), { to }).value).toEqual([null]);
    }
  });

  it("a partial view or one on WebAssembly memory is copied, never transferred", () => {
    const heap = new ArrayBuffer(16);
    const onHeap = new Uint8Array(heap, 4, 2);
    const out = fromPython(onHeap, { to: "clone", wasmBuffer: heap });
    expect(out.transfer).toHaveLength(1);
    expect(out.transfer[0]).not.toBe(heap);
    expect((out.value as Uint8Array).byteLength).toBe(2);
    expect(fromPython(heap, { to: "clone", wasmBuffer: heap }).transfer[0]).not.toBe(heap);
  });

  it("destroy: false leaves the proxy to its owner (call arguments)", () => {
    const arg = proxy("bytes", new Uint8Array([1]));
    fromPython(arg, { to: "clone", destroy: false });
    expect(arg.destroy).not.toHaveBeenCalled();
  });

  it("a proxy whose conversion throws becomes its str(), and is still destroyed", () => {
    const bad = { type: "X", toJs: () => { throw new Error("no"); }, destroy: vi.fn(), toString: () => "<X>" };
    expect(fromPython(bad, { to: "clone" }).value).toBe("<X>");
    expect(bad.destroy).toHaveBeenCalledTimes(1);
  });

  it("a cycle survives structured-clone mode and is a TypeError in JSON mode", () => {
    const a: unknown[] = [1];
    a.push(a);
    const out = fromPython(a, { to: "clone" }).value as unknown[];
    expect(out[1]).toBe(out);
    expect(() => toJSONable(a)).toThrow(TypeError);
  });

  it("toJSONable is the JSON target", () => {
    expect(toJSONable(proxy("dict", { a: [1n, undefined] }))).toEqual({ a: [1, null] });
  });
});
