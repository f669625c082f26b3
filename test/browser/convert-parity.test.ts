// One converter, one rule (src/pyodide/convert.ts): the same Python values run through attachPython (JSON, in the
// page) and through createPythonWorker (structured clone, in a worker) must agree. The JSON result is the
// worker's with typed arrays → Array.from, BigInt → Number and Map → object; bytes are a Uint8Array in the worker.
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

const VALUES = [
  "b'\\x00\\x01\\xff'",
  "bytearray(b'ab')",
  "memoryview(b'xyz')[1:]",
  "{'payload': b'\\x10', 'views': [memoryview(b'ab'), bytearray(b'c')], 'n': None}",
  "{'nested': {'deep': [b'\\x07', None, (1, 2)]}}",
  "(1, None, 'x')",
  "{3}",
  "frozenset({4})",
  "2 ** 70",
  "None",
  "{1: 'int key', 'k': True}",
  "[type('T', (), {'__str__': lambda self: 'T!'})()]",
  "type('T', (), {'__str__': lambda self: 'T!'})()",
];

describe("attachPython and the worker convert Python values by one rule", () => {
  it("bytes, bytearray, memoryview, dicts, sets, tuples, big ints, None and other objects agree", async () => {
    const { page, py } = await fx.newPython();
    const viaPage: unknown[] = [];
    for (const code of VALUES) viaPage.push(await py.run(code));

    // The same values through a worker started from this page (its result seen in the page, then described).
    await page.evaluate(`(async () => { globalThis.W = await import(${JSON.stringify(py.baseURL + "wsbridge/worker.mjs")}); })()`);
    const viaWorker = (await page.evaluate(`(async () => {
      const worker = await W.createPythonWorker({ indexURL: ${JSON.stringify(py.baseURL + "pyodide/")}, timeout: 60000 });
      // The documented JSON form of a structured-clone result.
      const asJSON = (v, top) => {
        if (v === undefined || v === null) return top ? v : null;
        if (typeof v === "bigint") return Number(v);
        if (ArrayBuffer.isView(v)) return Array.from(v, Number);
        if (Array.isArray(v)) return v.map((x) => asJSON(x, false));
        if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), asJSON(x, false)]));
        if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJSON(x, false)]));
        return v;
      };
      // Where the worker gave typed arrays, and of which kind.
      const kinds = (v) => ArrayBuffer.isView(v) ? v.constructor.name : Array.isArray(v) ? v.map(kinds) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, kinds(x)])) : typeof v;
      const out = [];
      for (const code of ${JSON.stringify(VALUES)}) {
        const v = await worker.runPython(code);
        out.push({ json: asJSON(v, true), kinds: kinds(v), undef: v === undefined });
      }
      worker.terminate();
      return out;
    })()`)) as Array<{ json: unknown; kinds: unknown; undef: boolean }>;

    expect(viaWorker.map((w) => w.json)).toEqual(viaPage);
    // Spelled out, so a rule changed in both places at once still shows up here.
    expect(viaPage).toEqual([
      [0, 1, 255],
      [97, 98],
      [121, 122],
      { payload: [16], views: [[97, 98], [99]], n: null },
      { nested: { deep: [[7], null, [1, 2]] } },
      [1, null, "x"],
      [3],
      [4],
      2 ** 70,
      undefined,
      { "1": "int key", k: true },
      ["T!"],
      "T!",
    ]);
    expect(viaWorker.map((w) => w.kinds).slice(0, 5)).toEqual([
      "Uint8Array",
      "Uint8Array",
      "Uint8Array",
      { payload: "Uint8Array", views: ["Uint8Array", "Uint8Array"], n: "object" },
      { nested: { deep: ["Uint8Array", "object", ["number", "number"]] } },
    ]);
    expect(viaWorker[8]!.kinds).toBe("bigint");
    expect(viaWorker[9]!.undef).toBe(true);
  });
});
