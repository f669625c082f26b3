// Reading Blob frames back into bytes. Chromium fails Blob.arrayBuffer() with NotReadableError once about
// 20,000 reads are pending, so reads start a bounded number at a time (first come, first started); each read
// costs about as much whatever its size, so a socket's waiting Blobs are read together as one combined Blob;
// and a Blob wsbridge made itself from bytes it still holds is never read back at all.

/** Most Blob reads in flight at once in this realm, shared by every socket and by inspection. */
export const MAX_BLOB_READS = 64;

/** Most Blob frames one combined read covers. */
export const MAX_BATCH = 256;

/** Reads a Blob into an ArrayBuffer (injectable so the queueing is testable without a browser). */
export type BlobReader = (blob: Blob) => Promise<ArrayBuffer>;

/** Reads waiting for a free slot, oldest first; `head` avoids shifting a long array one item at a time. */
interface ReadQueue {
  active: number;
  waiting: Array<(() => void) | undefined>;
  head: number;
}

/** State shared by every copy of wsbridge on this global (like the routing engine), so the bound is global. */
interface Shared {
  reads: ReadQueue;
  /** Blobs wsbridge made, and the bytes they hold. */
  made: WeakMap<Blob, ArrayBuffer>;
}

const KEY = Symbol.for("wsbridge.blobReads");

/** This realm's shared state. */
function shared(): Shared {
  const g = globalThis as Record<symbol, Shared | undefined>;
  return (g[KEY] ??= { reads: { active: 0, waiting: [], head: 0 }, made: new WeakMap() });
}

/** True for a Blob (false where there is no Blob class). */
export function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

/** A Blob of `bytes`, remembered so reading it back needs no Blob read; `bytes` must not change afterwards. */
export function blobOf(bytes: ArrayBuffer): Blob {
  const blob = new Blob([bytes]);
  shared().made.set(blob, bytes);
  return blob;
}

/** A fresh copy of the bytes of a Blob wsbridge made, or undefined for any other Blob. */
export function madeBytes(blob: Blob): ArrayBuffer | undefined {
  return shared().made.get(blob)?.slice(0);
}

/** The platform's read. */
const platformRead: BlobReader = (blob) => blob.arrayBuffer();

/**
 * Reads `blob`: at once for a Blob wsbridge made, else once fewer than `MAX_BLOB_READS` reads are in flight.
 * Reads start in call order; they may finish in any order (callers that need order queue the promises).
 */
export function readBlob(blob: Blob, read: BlobReader = platformRead): Promise<ArrayBuffer> {
  const own = madeBytes(blob);
  if (own) return Promise.resolve(own);
  const queue = shared().reads;
  return new Promise<ArrayBuffer>((resolve, reject) => {
    const start = () => {
      queue.active++;
      let reading: Promise<ArrayBuffer>;
      try {
        reading = read(blob);
      } catch (error) {
        reading = Promise.reject(error);
      }
      reading.then(resolve, reject).finally(() => {
        queue.active--;
        startNext(queue);
      });
    };
    if (queue.active < MAX_BLOB_READS) start();
    else queue.waiting.push(start);
  });
}

/** Starts the oldest waiting read, if any; drops the consumed front of the array once it is large. */
function startNext(queue: ReadQueue): void {
  if (queue.head >= queue.waiting.length) return;
  const start = queue.waiting[queue.head];
  queue.waiting[queue.head++] = undefined;
  if (queue.head > 1024 && queue.head * 2 > queue.waiting.length) {
    queue.waiting = queue.waiting.slice(queue.head);
    queue.head = 0;
  }
  start?.();
}

/** Reads in flight and waiting right now (for tests). */
export function blobReadStats(): { active: number; waiting: number } {
  const queue = shared().reads;
  return { active: queue.active, waiting: queue.waiting.length - queue.head };
}

interface Waiter {
  blob: Blob;
  resolve: (bytes: ArrayBuffer) => void;
  reject: (error: unknown) => void;
}

/**
 * One socket's Blob reads: one read in flight at a time; the Blobs that arrive meanwhile are read next as one
 * combined Blob (up to `MAX_BATCH`) and split by their sizes. If a combined read fails, each Blob is read alone,
 * so one unreadable frame fails only itself.
 */
export class BlobBatches {
  private waiting: Waiter[] = [];
  private busy = false;

  constructor(private readonly reader: BlobReader = platformRead) {}

  /** The bytes of `blob`; a Blob wsbridge made resolves without a read. */
  read(blob: Blob): Promise<ArrayBuffer> {
    const own = madeBytes(blob);
    if (own) return Promise.resolve(own);
    return new Promise((resolve, reject) => {
      this.waiting.push({ blob, resolve, reject });
      this.pump();
    });
  }

  /** Starts the next combined read unless one is in flight. */
  private pump(): void {
    if (this.busy || this.waiting.length === 0) return;
    this.busy = true;
    const batch = this.waiting.splice(0, MAX_BATCH);
    void this.readBatch(batch).then(() => {
      this.busy = false;
      this.pump();
    });
  }

  /** Reads `batch` as one Blob and hands out the parts; falls back to one read per Blob. */
  private async readBatch(batch: Waiter[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const parts = splitBySize(await readBlob(new Blob(batch.map((w) => w.blob)), this.reader), batch.map((w) => w.blob.size));
        batch.forEach((w, i) => w.resolve(parts[i]!));
        return;
      } catch {
        // Read them one by one below.
      }
    }
    await Promise.all(batch.map((w) => readBlob(w.blob, this.reader).then(w.resolve, w.reject)));
  }
}

/** Cuts `bytes` into fresh buffers of `sizes`; throws when they do not add up. */
function splitBySize(bytes: ArrayBuffer, sizes: number[]): ArrayBuffer[] {
  if (sizes.reduce((a, b) => a + b, 0) !== bytes.byteLength) throw new Error("combined Blob read returned a different size");
  let offset = 0;
  return sizes.map((size) => bytes.slice(offset, (offset += size)));
}
