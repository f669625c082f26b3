// Converts values leaving the worker into structured-clone-able ones, collecting ArrayBuffers to transfer.
import { isPyProxy, type PyProxy } from "../src/pyodide/types.js";

/** A converted value and the buffers to put in the transfer list (each once). */
export interface Cloneable {
  value: unknown;
  transfer: ArrayBuffer[];
}

interface ConvertiblePyProxy extends PyProxy {
  toJs(options?: {
    dict_converter?: (entries: Iterable<[unknown, unknown]>) => unknown;
    create_pyproxies?: boolean;
    default_converter?: (value: PyProxy) => unknown;
  }): unknown;
}

/**
 * Deep-converts a Python value (or a JS value Python returned) to structured-clone-able JS:
 * dict → object, list/tuple/set → array, bytes/bytearray/memoryview → Uint8Array (a fresh copy),
 * big ints → BigInt, other Python objects → their `str()`. The PyProxy is destroyed.
 *
 * Binary data is not copied again: every ArrayBuffer reached is listed in `transfer`. A view that covers
 * only part of its buffer (or lives in WebAssembly memory) is first copied into a buffer of its own.
 * ArrayBuffers that JS code returned as they are will be detached in the worker once transferred.
 */
export function toCloneable(value: unknown, wasmBuffer?: ArrayBufferLike, options: { destroy?: boolean } = {}): Cloneable {
  const destroy = options.destroy ?? true;
  const transfer = new Set<ArrayBuffer>();
  const walk = (v: unknown): unknown => {
    if (isPyProxy(v)) return walk(fromPython(v, v === value ? destroy : true));
    if (v instanceof ArrayBuffer) {
      if (v === wasmBuffer) return v.slice(0);
      transfer.add(v);
      return v;
    }
    if (ArrayBuffer.isView(v)) {
      const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
      if (whole && v.buffer instanceof ArrayBuffer && v.buffer !== wasmBuffer) {
        transfer.add(v.buffer);
        return v;
      }
      // Partial views and views on shared or WebAssembly memory: copy the bytes into a buffer of their own.
      const copy = new Uint8Array(v.byteLength);
      copy.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      transfer.add(copy.buffer);
      if (v instanceof DataView) return new DataView(copy.buffer);
      return new (v.constructor as new (buffer: ArrayBuffer) => ArrayBufferView)(copy.buffer);
    }
    if (v instanceof Set) return [...v].map(walk);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [walk(k), walk(x)]));
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const result = walk(value);
  return { value: result, transfer: [...transfer] };
}

/** One deep `toJs` of a PyProxy (destroyed unless `destroy` is false: Pyodide owns call arguments); unconvertible objects become their `str()`. */
function fromPython(proxy: PyProxy, destroy: boolean): unknown {
  try {
    return (proxy as ConvertiblePyProxy).toJs({
      dict_converter: Object.fromEntries,
      create_pyproxies: false,
      default_converter: (obj) => String(obj),
    });
  } catch {
    return String(proxy);
  } finally {
    if (destroy) proxy.destroy();
  }
}
