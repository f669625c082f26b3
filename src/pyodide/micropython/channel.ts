// The byte channel between the engine and one MicroPython interpreter: a character device in its file system.
// MicroPython 1.27's FFI has no bulk buffer transfer (a bytes object crosses as a proxy, a Uint8Array is read one
// element per FFI call) and its build exports no view of the Wasm heap; Emscripten, though, calls a device's
// read/write with the heap itself and the Python buffer's address. So a frame crosses with one copy each way and
// no JS object or Python proxy is made for it: Python `readinto`s a bytearray of the offered frame's size, and a
// `write` of any bytes-like object hands its raw bytes, where they lie, to the sink armed for it.

import type { MicroPythonLike } from "./types.js";

/** Where the device appears in MicroPython's file system (python/mpy/wsbridge/_ffi.py opens it). */
export const CHANNEL_PATH = "/dev/wsbridge";

/** One interpreter's channel: `offer` bytes for Python's next read, `arm` a sink for Python's next write. */
export class ByteChannel {
  #pending: Uint8Array | undefined;
  #sink: ((bytes: Uint8Array) => void) | undefined;
  #error: unknown;

  constructor(fs: MicroPythonLike["FS"]) {
    if (fs.analyzePath(CHANNEL_PATH).exists) throw new Error(`wsbridge: ${CHANNEL_PATH} exists already`);
    // Major 64 is unused by Emscripten's own devices (1 mem, 5 tty, 6 urandom...); one device per interpreter's FS.
    const device = fs.makedev(64, 0);
    fs.registerDevice(device, {
      open: () => undefined,
      close: () => undefined,
      read: (_stream, heap, address, length) => this.#read(heap, address, length),
      write: (_stream, heap, address, length) => this.#write(heap, address, length),
    });
    fs.mkdev(CHANNEL_PATH, device);
  }

  /** Makes `bytes` what Python's next read gets; returns their length, the size Python allocates. */
  offer(bytes: Uint8Array): number {
    this.#pending = bytes;
    return bytes.byteLength;
  }

  /** Hands the bytes of Python's next write to `sink` (a view of the heap: the sink copies what it keeps). */
  arm(sink: (bytes: Uint8Array) => void): void {
    this.#sink = sink;
    this.#error = undefined;
  }

  /** The error the last armed sink threw (the device must not throw into MicroPython), once. */
  takeError(): unknown {
    const error = this.#error;
    this.#error = undefined;
    return error;
  }

  /** Copies the offered bytes into the Python buffer at `address` (a partial read leaves the rest offered). */
  #read(heap: Int8Array, address: number, length: number): number {
    const pending = this.#pending;
    if (!pending) return 0;
    const n = Math.min(length, pending.byteLength);
    new Uint8Array(heap.buffer, heap.byteOffset + address, n).set(pending.subarray(0, n));
    this.#pending = n < pending.byteLength ? pending.subarray(n) : undefined;
    return n;
  }

  /** Gives the armed sink a view of the `length` bytes Python wrote at `address`; disarms it. */
  #write(heap: Int8Array, address: number, length: number): number {
    const sink = this.#sink;
    this.#sink = undefined;
    try {
      sink?.(new Uint8Array(heap.buffer, heap.byteOffset + address, length));
    } catch (error) {
      this.#error = error;
    }
    return length;
  }
}
