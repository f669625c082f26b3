// Ordered delivery of socket events: Blob frames are read asynchronously, and everything behind them waits.
import { BlobBatches, isBlob, madeBytes, type BlobReader } from "./blob-reads.js";

export type { BlobReader };

/** The four events a WebSocket fires. */
export type SocketEventType = "open" | "message" | "error" | "close";

/** One event as delivered: the browser's event, and for messages the payload as `string` or `ArrayBuffer`. */
export interface Delivery {
  type: SocketEventType;
  event: Event;
  /** Text frames as `string`, binary frames as `ArrayBuffer` whatever `binaryType` was; absent for other events. */
  data?: string | ArrayBuffer;
}

interface Slot {
  type: SocketEventType;
  event: Event;
  data?: string | ArrayBuffer;
  /** False while a Blob read is in flight for this slot. */
  ready: boolean;
  /** Set when the Blob could not be read: delivered as an `error` event instead of the message. */
  failed?: unknown;
}

/**
 * Puts events back in arrival order before handing them to `deliver`.
 *
 * Events are delivered synchronously from `push` whenever nothing is waiting. A Blob frame wsbridge made itself
 * is taken as its bytes at once; any other Blob frame queues its read (batched per socket, a bounded number in
 * flight across sockets: see blob-reads.ts) and holds back every later event, including the close, until read.
 */
export class Receiver {
  private readonly queue: Slot[] = [];
  private delivering = false;
  private stopped = false;
  private readonly blobs: BlobBatches;

  constructor(
    private readonly deliver: (delivery: Delivery) => void,
    /** The read each queued Blob read performs (the platform's by default). */
    reader?: BlobReader,
    /** Called when `deliver` throws, so one bad delivery does not stop the ones behind it. */
    private readonly onDeliverError: (error: unknown) => void = (error) => console.error(error),
  ) {
    this.blobs = new BlobBatches(reader);
  }

  /** Number of events received but not yet delivered. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Accepts one event from the socket; `data` is the MessageEvent's data for messages. */
  push(type: SocketEventType, event: Event, data?: unknown): void {
    if (this.stopped) return;
    const slot: Slot = { type, event, ready: true };
    if (type === "message") {
      if (typeof data === "string" || data instanceof ArrayBuffer) slot.data = data;
      else if (ArrayBuffer.isView(data)) slot.data = copyView(data);
      else if (isBlob(data)) {
        const own = madeBytes(data);
        if (own) slot.data = own;
        else this.read(slot, data);
      } else slot.data = String(data);
    }
    this.queue.push(slot);
    this.flush();
  }

  /** Reads a Blob frame for `slot` (behind the reads already queued), then delivers what is ready. */
  private read(slot: Slot, blob: Blob): void {
    slot.ready = false;
    this.blobs.read(blob).then(
      (buffer) => { slot.data = buffer; },
      (error: unknown) => { slot.failed = error ?? new Error("Blob read failed"); },
    ).then(() => {
      slot.ready = true;
      this.flush();
    });
  }

  /** Drops everything still waiting; later pushes and finishing Blob reads deliver nothing. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** Delivers the ready events at the head of the queue, in order; re-entrant pushes wait for this loop. */
  private flush(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.stopped && this.queue.length > 0 && this.queue[0]!.ready) {
        const slot = this.queue.shift()!;
        try {
          if (slot.failed !== undefined) this.deliver({ type: "error", event: blobErrorEvent(slot.event) });
          else if (slot.type === "message") this.deliver({ type: slot.type, event: slot.event, data: slot.data });
          else this.deliver({ type: slot.type, event: slot.event });
        } catch (error) {
          this.onDeliverError(error);
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}

/** Copies the bytes a view covers into a fresh ArrayBuffer (the view may cover part of a larger buffer). */
function copyView(view: ArrayBufferView): ArrayBuffer {
  const copy = new Uint8Array(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return copy.buffer;
}

/** An `error` event standing in for a message whose Blob could not be read. */
function blobErrorEvent(original: Event): Event {
  return typeof Event === "function" ? new Event("error") : original;
}
