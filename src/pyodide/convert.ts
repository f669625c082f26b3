// Converts Python results into JSON-able JS values for callers outside Pyodide (Playwright, Comlink).
import { isPyProxy } from "./types.js";

/** Deep-converts a Python value to plain JS (dicts → objects) and releases the proxy; falls back to repr. */
export function toJSONable(value: unknown): unknown {
  if (!isPyProxy(value)) return value;
  try {
    const converted = value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    return plain(converted);
  } catch {
    return String(value);
  } finally {
    value.destroy();
  }
}

/** Turns Maps, Sets and typed arrays left by conversion into JSON-able values. */
function plain(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (value instanceof Set) return [...value].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  if (typeof value === "bigint") return Number(value);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
