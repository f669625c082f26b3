// The frame slot: a Python bytearray that JS writes received frames into, so that a frame crosses into Python as
// a dispatch call without arguments. Pyodide makes such a call several times cheaper than one that converts a
// str or wraps an ArrayBuffer (measured: 100 B text 2.1 → 1.6 µs, 1 KiB binary 2.9 → 1.3 µs per frame), and
// one call can carry a burst. Python copies every frame out before any handler runs, so a re-entrant delivery
// (a handler whose code makes another socket receive) may overwrite the slot at once.
//
// Layout, in little-endian Int32 words: [count, bodyStart, kind₀, length₀, kind₁, length₁, ...], then from byte
// `bodyStart` the frames' bytes back to back (text as UTF-8). Python's reader: python/wsbridge/websocket.py
// (`_take_frames`, `_copied`); Python writes a frame to send at the body's start (`sendSlot`).
import type { PyProxy } from "./types.js";

/** Bytes of the slot's head: the count, the body's start and a (kind, length) pair per frame. */
export const SLOT_HEAD_BYTES = 4096;
/** Most frames one call carries (the pairs that fit in the head after its two leading words). */
export const SLOT_MAX_FRAMES = SLOT_HEAD_BYTES / 8 - 1;
/** Frame kinds in the head. */
export const SLOT_TEXT = 0;
export const SLOT_BINARY = 1;

/** The Python object Python hands over (a PyProxy of a memoryview over its bytearray), read in place. */
export interface SlotSource extends PyProxy {
  getBuffer(type: "u8"): { data: Uint8Array; release(): void };
}

const encoder = new TextEncoder();

/** One Pyodide instance's slot: `begin()`, `put()` frames while they fit, then the zero-argument dispatch call. */
export class FrameSlot {
  #source: SlotSource;
  #buffer: { data: Uint8Array; release(): void };
  #bytes: Uint8Array;
  /** The body from its start: where a call's first frame goes (no view to make for it). */
  #body: Uint8Array;
  #words: Int32Array;
  #count = 0;
  #end = SLOT_HEAD_BYTES;

  constructor(source: SlotSource) {
    this.#source = source;
    this.#buffer = source.getBuffer("u8");
    if (this.#buffer.data.byteLength <= SLOT_HEAD_BYTES) {
      this.#buffer.release();
      throw new RangeError(`the frame slot must be larger than its ${SLOT_HEAD_BYTES}-byte head`);
    }
    this.#bytes = this.#buffer.data;
    this.#body = this.#bytes.subarray(SLOT_HEAD_BYTES);
    this.#words = this.#wordsOf(this.#bytes);
  }

  /** Frames put since `begin()`. */
  get count(): number {
    return this.#count;
  }

  /** Starts a new call's frames (checking the views: a grown Wasm memory detaches them). */
  begin(): void {
    this.#checkViews();
    this.#count = 0;
    this.#end = SLOT_HEAD_BYTES;
    this.#words[0] = 0;
    this.#words[1] = SLOT_HEAD_BYTES;
  }

  /**
   * The first `length` bytes of the body, where Python wrote a frame to send (`sendSlot`): a view the browser
   * copies out of once when sending. Checks the views first, as `begin()` does.
   */
  body(length: number): Uint8Array {
    this.#checkViews();
    if (!(length >= 0 && length <= this.#body.length)) throw new RangeError(`a frame of ${length} bytes does not fit the slot's ${this.#body.length}`);
    return this.#body.subarray(0, length);
  }

  /**
   * `length` bytes of the Wasm heap from `address` (a Python bytes object's data, sent in place by `sendHeap`): the
   * slot's views are views of the whole heap, so no other handle on Pyodide's memory is needed.
   */
  heap(address: number, length: number): Uint8Array {
    this.#checkViews();
    const memory = this.#bytes.buffer;
    if (!(Number.isSafeInteger(address) && Number.isSafeInteger(length) && address >= 0 && length >= 0 && address + length <= memory.byteLength)) {
      throw new RangeError(`${length} bytes at ${address} are not inside the Wasm heap's ${memory.byteLength}`);
    }
    return new Uint8Array(memory, address, length);
  }

  /** Appends one frame's data (str or ArrayBuffer) when it fits; false leaves the slot as it was. */
  put(data: unknown): boolean {
    const count = this.#count;
    if (count === SLOT_MAX_FRAMES) return false;
    const bytes = this.#bytes;
    const start = this.#end;
    let kind: number;
    let length: number;
    if (typeof data === "string") {
      // Each UTF-16 unit takes at least one UTF-8 byte; encodeInto says whether all of it was read.
      if (data.length > bytes.length - start) return false;
      const result = encoder.encodeInto(data, start === SLOT_HEAD_BYTES ? this.#body : bytes.subarray(start));
      if (result.read !== data.length) return false;
      kind = SLOT_TEXT;
      length = result.written;
    } else if (data instanceof ArrayBuffer) {
      length = data.byteLength;
      if (length > bytes.length - start) return false;
      bytes.set(new Uint8Array(data), start);
      kind = SLOT_BINARY;
    } else {
      return false;
    }
    const words = this.#words;
    words[2 + 2 * count] = kind;
    words[3 + 2 * count] = length;
    this.#end = start + length;
    this.#count = words[0] = count + 1;
    return true;
  }

  /** Takes new views when a grown Wasm memory detached the current ones. */
  #checkViews(): void {
    if (this.#bytes.byteLength === 0) this.#refresh();
  }

  /** New views of the same Python bytes (its address does not move: Python holds an export of the bytearray). */
  #refresh(): void {
    this.#buffer.release();
    this.#buffer = this.#source.getBuffer("u8");
    this.#bytes = this.#buffer.data;
    this.#body = this.#bytes.subarray(SLOT_HEAD_BYTES);
    this.#words = this.#wordsOf(this.#bytes);
  }

  #wordsOf(bytes: Uint8Array): Int32Array {
    return new Int32Array(bytes.buffer, bytes.byteOffset, SLOT_HEAD_BYTES / 4);
  }
}
