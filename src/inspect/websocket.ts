// Playwright's `WebSocket` inspection object, for every socket the page opens: native, passed through or routed.
// Frames are reported in wire order per socket: a Blob payload is read before any later event is emitted.
import { BlobBatches, isBlob } from "../socket/blob-reads.js";
import { Emitter, InspectionError, waitFor, type WaitOptions } from "./emitter.js";

/** A frame as Playwright reports it: `payload` is a string for text frames and bytes for binary ones. */
export interface Frame {
  payload: string | Uint8Array;
}

/** The events of an inspected socket and what their listeners receive. */
export interface InspectedEvents extends Record<string, unknown> {
  framesent: Frame;
  framereceived: Frame;
  close: InspectedWebSocket;
  socketerror: string;
}

/** Event names of an inspected socket. */
export type InspectedEvent = keyof InspectedEvents & string;

/** The same names at run time (the type below fails to compile if the list and `InspectedEvents` drift apart). */
export const INSPECTED_EVENTS = ["framesent", "framereceived", "close", "socketerror"] as const;
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
/** The named keys of `T`, without its index signature. */
type NamedKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
const _sameNames: Exactly<(typeof INSPECTED_EVENTS)[number], NamedKeys<InspectedEvents>> = true;
void _sameNames;

/** A RangeError naming the known events, unless `event` is one of an inspected socket's. */
export function checkInspectedEvent(event: string): void {
  if (!(INSPECTED_EVENTS as readonly string[]).includes(event)) {
    throw new RangeError(`unknown WebSocket event '${event}': expected one of ${INSPECTED_EVENTS.join(", ")}`);
  }
}

/** A payload before conversion: what the page sent or received. */
export type RawPayload = string | ArrayBuffer | ArrayBufferView | Blob;

/** Frame bytes as a fresh Uint8Array, or a string; a Blob gives a promise (read through the socket's `blobs`). */
function payloadOf(data: RawPayload, blobs: BlobBatches): string | Uint8Array | Promise<Uint8Array> {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (isBlob(data)) return blobs.read(data).then((b) => new Uint8Array(b));
  return String(data);
}

/** One socket the page opened, as inspection sees it. */
export class InspectedWebSocket extends Emitter<InspectedEvents> {
  private closed = false;
  private closedWith: { code: number; reason: string } | undefined;
  private routed: boolean;
  /** Events waiting behind a payload that is still being read. */
  private pending: Promise<void> | undefined;
  /** This socket's Blob payload reads (batched, bounded). */
  private readonly blobs = new BlobBatches();

  constructor(private readonly socketUrl: string, routed: boolean) {
    super();
    this.routed = routed;
  }

  /** The socket's URL (normalised as the page's `WebSocket.url`). */
  url(): string {
    return this.socketUrl;
  }

  /** True once the socket's `close` was reported. */
  isClosed(): boolean {
    return this.closed;
  }

  /** The code and reason of the page's `close` event, once closed (wsbridge's own: traces show it). */
  closeInfo(): { code: number; reason: string } | undefined {
    return this.closedWith;
  }

  /** True when a route handles this socket (Playwright never shows those; wsbridge does). */
  isRouted(): boolean {
    return this.routed;
  }

  /**
   * Waits for `event`; rejects with a TimeoutError after `timeout` ms (default 30000, 0: none), and with
   * "Socket closed" / "Socket error" when the socket closes or fails first (unless that is the awaited event).
   * On a socket already closed it settles at once: `close` resolves, anything else rejects with "Socket closed".
   * An event name it never emits rejects with a RangeError naming the known ones.
   */
  waitForEvent<K extends InspectedEvent>(event: K, optionsOrPredicate?: ((value: InspectedEvents[K]) => unknown) | WaitOptions<InspectedEvents[K]>): Promise<InspectedEvents[K]> {
    try {
      checkInspectedEvent(event); // an event that never comes would only end in a timeout
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closed && !this.pending) {
      return event === "close" ? Promise.resolve(this as InspectedEvents[K]) : Promise.reject(new InspectionError("Socket closed"));
    }
    return waitFor(this, event, optionsOrPredicate, [["close", "Socket closed"], ["socketerror", "Socket error"]]);
  }

  // --- reports from the socket (engine side) ---

  /** The page sent a frame. */
  sent(data: RawPayload | Promise<RawPayload>): void {
    this.frame("framesent", data);
  }

  /** The page received a frame. */
  received(data: RawPayload | Promise<RawPayload>): void {
    this.frame("framereceived", data);
  }

  /** The socket reported an error. */
  error(message: string): void {
    this.queue(() => { this.emit("socketerror", message); });
  }

  /** The socket closed (with the code and reason the page's `close` event had, when known). */
  close(code?: number, reason?: string): void {
    this.queue(() => {
      if (this.closed) return;
      if (code !== undefined) this.closedWith = { code, reason: reason ?? "" };
      this.closed = true;
      this.emit("close", this);
      this.removeAllListeners();
    });
  }

  /** No route took the socket after all. */
  passedThrough(): void {
    this.routed = false;
  }

  /** A frame: converted only when someone listens, emitted in order with every other event. */
  private frame(event: "framesent" | "framereceived", data: RawPayload | Promise<RawPayload>): void {
    if (this.listenerCount(event) === 0) return;
    const payload = data instanceof Promise ? data.then((d) => payloadOf(d, this.blobs)) : payloadOf(data, this.blobs);
    if (payload instanceof Promise) {
      const ready = payload.then((p) => () => { this.emit(event, { payload: p }); }, () => () => {});
      this.queue(ready);
    } else {
      this.queue(() => { this.emit(event, { payload }); });
    }
  }

  /** Runs `emit` now, or after the payloads still being read. */
  private queue(emit: (() => void) | Promise<() => void>): void {
    if (!this.pending && !(emit instanceof Promise)) return emit();
    const next = (this.pending ?? Promise.resolve()).then(() => emit).then((fn) => fn());
    this.pending = next;
    void next.then(() => { if (this.pending === next) this.pending = undefined; });
  }
}
