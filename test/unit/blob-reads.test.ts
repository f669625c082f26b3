// Blob reads are bounded (Chromium fails Blob.arrayBuffer() beyond ~20,000 pending), start in call order, and
// Blobs wsbridge made are never read back; the Receiver keeps wire order on top of that.
import { describe, expect, it } from "vitest";
import { MAX_BATCH, MAX_BLOB_READS, BlobBatches, blobOf, blobReadStats, madeBytes, readBlob } from "../../src/socket/blob-reads.js";
import { Receiver, type Delivery } from "../../src/socket/receiver.js";

/** A reader whose reads finish only when the test says so; records the most reads ever in flight. */
function manualReader() {
  const pending: Array<{ blob: Blob; resolve: (b: ArrayBuffer) => void }> = [];
  const stats = { peak: 0, active: 0 };
  const reader = (blob: Blob) => {
    stats.active++;
    stats.peak = Math.max(stats.peak, stats.active);
    return new Promise<ArrayBuffer>((resolve) => pending.push({ blob, resolve }));
  };
  /** Finishes the read at `i` of those pending. */
  const finish = async (i: number) => {
    const [p] = pending.splice(i, 1);
    stats.active--;
    p!.resolve(await p!.blob.arrayBuffer());
  };
  return { reader, pending, stats, finish };
}

const flush = () => new Promise<void>((ok) => setImmediate(ok));
const blobOfInt = (i: number) => new Blob([new Uint32Array([i])]);
const intOf = (b: ArrayBuffer) => new Uint32Array(b)[0];

describe("readBlob", () => {
  it("starts at most MAX_BLOB_READS reads at once, the others in call order as slots free up", async () => {
    const m = manualReader();
    const n = MAX_BLOB_READS * 3;
    const results = Array.from({ length: n }, (_, i) => readBlob(blobOfInt(i), m.reader));
    expect(m.pending).toHaveLength(MAX_BLOB_READS);
    expect(blobReadStats()).toEqual({ active: MAX_BLOB_READS, waiting: n - MAX_BLOB_READS });
    await m.finish(5);
    await flush();
    // The freed slot went to the oldest waiting read.
    expect(intOf(await m.pending.at(-1)!.blob.arrayBuffer())).toBe(MAX_BLOB_READS);
    while (m.pending.length) {
      await m.finish(Math.floor(m.pending.length / 2)); // finish out of order
      await flush();
    }
    expect((await Promise.all(results)).map(intOf)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(m.stats.peak).toBe(MAX_BLOB_READS);
    expect(blobReadStats()).toEqual({ active: 0, waiting: 0 });
  });

  it("a failing or throwing read frees its slot", async () => {
    const failing = () => Promise.reject(new Error("NotReadableError"));
    const throwing = () => { throw new Error("sync"); };
    await expect(readBlob(blobOfInt(1), failing)).rejects.toThrow("NotReadableError");
    await expect(readBlob(blobOfInt(1), throwing)).rejects.toThrow("sync");
    expect(blobReadStats()).toEqual({ active: 0, waiting: 0 });
  });

  it("a Blob wsbridge made is not read: its bytes come back at once, as a fresh copy", async () => {
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    const blob = blobOf(bytes);
    const copy = madeBytes(blob)!;
    expect([...new Uint8Array(copy)]).toEqual([1, 2, 3]);
    expect(copy).not.toBe(bytes);
    const never = () => { throw new Error("must not read"); };
    expect([...new Uint8Array(await readBlob(blob, never))]).toEqual([1, 2, 3]);
    expect(madeBytes(new Blob([bytes]))).toBeUndefined();
  });
});

describe("BlobBatches", () => {
  it("reads per socket one at a time, combining the Blobs that waited; a failed combined read falls back to one read each", async () => {
    let reads = 0;
    let failNext = true;
    const reader = (blob: Blob) => {
      reads++;
      if (blob.size > 4 && failNext) {
        failNext = false;
        return Promise.reject(new Error("NotReadableError"));
      }
      return blob.arrayBuffer();
    };
    const b = new BlobBatches(reader);
    const first = b.read(blobOfInt(0));
    const rest = Array.from({ length: 10 }, (_, i) => b.read(blobOfInt(i + 1)));
    expect((await Promise.all([first, ...rest])).map(intOf)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(reads).toBe(1 + 1 + 10); // the first alone, the combined one (failed), then each of the ten
  });

  it("many sockets share the global bound", async () => {
    const m = manualReader();
    const batches = Array.from({ length: MAX_BLOB_READS * 2 }, () => new BlobBatches(m.reader));
    const results = batches.map((b, i) => b.read(blobOfInt(i)));
    expect(m.pending).toHaveLength(MAX_BLOB_READS);
    while (m.pending.length) {
      await m.finish(0);
      await flush();
    }
    expect((await Promise.all(results)).map(intOf)).toEqual(batches.map((_, i) => i));
    expect(m.stats.peak).toBe(MAX_BLOB_READS);
  });
});

describe("Receiver over batched reads", () => {
  it("10,000 Blob frames between texts: all delivered in order, in few combined reads", async () => {
    const m = manualReader();
    let reads = 0;
    const counting = (blob: Blob) => { reads++; return m.reader(blob); };
    const got: Array<string | number> = [];
    const r = new Receiver((d: Delivery) => got.push(d.type !== "message" ? d.type : typeof d.data === "string" ? d.data : intOf(d.data!)), counting);
    const n = 10_000;
    const want: Array<string | number> = [];
    for (let i = 0; i < n; i++) {
      if (i % 10 === 0) {
        r.push("message", new Event("message"), `t${i}`);
        want.push(`t${i}`);
      } else {
        r.push("message", new Event("message"), blobOfInt(i));
        want.push(i);
      }
    }
    r.push("close", new Event("close"));
    want.push("close");
    while (m.pending.length) {
      await m.finish(0);
      await flush();
    }
    expect(got).toEqual(want);
    expect(m.stats.peak).toBe(1);
    expect(reads).toBe(1 + Math.ceil((n - n / 10 - 1) / MAX_BATCH));
  });

  it("delivers a Blob wsbridge made synchronously, with no read", () => {
    const got: number[] = [];
    const never = () => { throw new Error("must not read"); };
    const r = new Receiver((d) => got.push(intOf(d.data as ArrayBuffer)), never);
    r.push("message", new Event("message"), blobOf(new Uint32Array([42]).buffer));
    expect(got).toEqual([42]);
  });
});
