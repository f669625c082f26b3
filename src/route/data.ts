// Frame data conversions between the page's types, the wire (string | ArrayBuffer) and route handlers.
import { blobOf, isBlob, madeBytes, readBlob } from "../socket/blob-reads.js";
import type { Wire } from "./protocol.js";

/** Copies the bytes of a view into a fresh ArrayBuffer. */
function copyBytes(view: ArrayBufferView): ArrayBuffer {
  const out = new ArrayBuffer(view.byteLength);
  new Uint8Array(out).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out;
}

/** What a page `send(data)` puts on the wire; a Blob gives a promise (read in order by the caller). */
export function pageDataToWire(data: unknown): Wire | Promise<Wire> {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return data.slice(0);
  if (ArrayBuffer.isView(data)) return copyBytes(data);
  if (isBlob(data)) return madeBytes(data) ?? readBlob(data);
  if (Object.prototype.toString.call(data) === "[object SharedArrayBuffer]") return copyBytes(new Uint8Array(data as ArrayBufferLike));
  return String(data);
}

/** Byte size the browser counts for `data` in `bufferedAmount`. */
export function byteSize(data: unknown): number {
  if (typeof data === "string") return new TextEncoder().encode(data).byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size;
  return new TextEncoder().encode(String(data)).byteLength;
}

/**
 * Wire buffers already handed to a page as they are. A safeguard: each wire buffer is made for one delivery (see
 * below), but should one reach a page again, that delivery gets a copy, so no two MessageEvents share a buffer.
 */
const delivered = new WeakSet<ArrayBuffer>();

/**
 * The `MessageEvent.data` the page gets for a wire frame, following its current `binaryType`. Every wire buffer
 * was made for this one frame when it entered the engine (a copy of the sender's data, or a server event's own
 * buffer), and inspection copies what it keeps, so the page gets the buffer itself: no copy on delivery. A Blob
 * keeps `data` (nothing else writes to a delivered frame) so wsbridge's own readers take the bytes without a
 * Blob read.
 */
export function wireToPageData(data: Wire, binaryType: BinaryType): string | ArrayBuffer | Blob {
  if (typeof data === "string") return data;
  if (binaryType !== "arraybuffer") return blobOf(data);
  if (delivered.has(data)) return data.slice(0);
  delivered.add(data);
  return data;
}

/** What a route handler receives for a wire frame: a string for text, a Uint8Array for binary. */
export function wireToHandler(data: Wire): string | Uint8Array {
  return typeof data === "string" ? data : new Uint8Array(data.slice(0));
}

/** Buffers handed over with `handOver`: nobody else holds them, so they go on the wire without a copy. */
const handedOver = new WeakSet<ArrayBufferLike>();

/**
 * Marks a fresh Uint8Array (one covering its whole buffer, that its maker drops) as the engine's to keep: the
 * next `route.send` of it puts its buffer on the wire as it is. For bridges whose data was just copied out of
 * another heap (a Python route's bytes): that copy is then the only one.
 */
export function handOver(view: Uint8Array): Uint8Array {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) handedOver.add(view.buffer);
  return view;
}

/** What `route.send(message)` puts on the wire: strings as text, ArrayBuffer and views (Uint8Array, Buffer) as binary. */
export function handlerDataToWire(message: unknown): Wire {
  if (typeof message === "string") return message;
  if (message instanceof ArrayBuffer) return message.slice(0);
  if (message instanceof Uint8Array && handedOver.delete(message.buffer)) return message.buffer as ArrayBuffer;
  if (ArrayBuffer.isView(message)) return copyBytes(message);
  throw new TypeError(`WebSocketRoute.send: expected a string or binary data (ArrayBuffer, Uint8Array), got ${describe(message)}`);
}

/** A short description of a value's type for error messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return Object.prototype.toString.call(value).slice(8, -1);
  return typeof value;
}
