import { describe, expect, it } from "vitest";
import { Receiver, type Delivery } from "../../src/socket/receiver.js";

/** A Blob reader whose reads finish only when the test says so, in any order. */
function manualReader() {
  const pending: Array<{ blob: Blob; resolve: (b: ArrayBuffer) => void; reject: (e: unknown) => void }> = [];
  const reader = (blob: Blob) => new Promise<ArrayBuffer>((resolve, reject) => pending.push({ blob, resolve, reject }));
  const finish = async (i: number) => {
    const p = pending[i]!;
    p.resolve(await p.blob.arrayBuffer());
    await flushMicrotasks();
  };
  return { reader, pending, finish };
}

const flushMicrotasks = () => new Promise<void>((ok) => setImmediate(ok));
const ev = (type: string) => new Event(type);
const show = (d: Delivery) => (d.type !== "message" ? d.type : typeof d.data === "string" ? d.data : `bin:${[...new Uint8Array(d.data!)].join(",")}`);

describe("Receiver", () => {
  it("delivers synchronously when nothing waits", () => {
    const got: string[] = [];
    const r = new Receiver((d) => got.push(show(d)));
    r.push("open", ev("open"));
    r.push("message", ev("message"), "a");
    expect(got).toEqual(["open", "a"]);
    r.push("message", ev("message"), new Uint8Array([1, 2]).buffer);
    r.push("close", ev("close"));
    expect(got).toEqual(["open", "a", "bin:1,2", "close"]);
    expect(r.waiting).toBe(0);
  });

  it("holds later frames and the close behind a Blob; Blobs that arrive during a read are read next, together", async () => {
    const got: string[] = [];
    const m = manualReader();
    const r = new Receiver((d) => got.push(show(d)), m.reader);
    r.push("open", ev("open"));
    r.push("message", ev("message"), new Blob([new Uint8Array([1])]));
    r.push("message", ev("message"), "text");
    r.push("message", ev("message"), new Blob([new Uint8Array([2])]));
    r.push("message", ev("message"), new Blob([new Uint8Array([3, 4])]));
    r.push("error", ev("error"));
    r.push("close", ev("close"));
    expect(got).toEqual(["open"]);
    expect(r.waiting).toBe(6);
    expect(m.pending).toHaveLength(1); // one read per socket at a time
    await m.finish(0);
    expect(got).toEqual(["open", "bin:1", "text"]);
    expect(m.pending).toHaveLength(2); // the two Blobs that waited: one combined read
    await m.finish(1);
    expect(got).toEqual(["open", "bin:1", "text", "bin:2", "bin:3,4", "error", "close"]);
    expect(r.waiting).toBe(0);
  });

  it("copies typed-array views to exactly their bytes", () => {
    const got: string[] = [];
    const r = new Receiver((d) => got.push(show(d)));
    const big = new Uint8Array([9, 1, 2, 3, 9]);
    r.push("message", ev("message"), big.subarray(1, 4));
    expect(got).toEqual(["bin:1,2,3"]);
  });

  it("turns a failed Blob read into an error event in the same place", async () => {
    const got: string[] = [];
    const m = manualReader();
    const r = new Receiver((d) => got.push(show(d)), m.reader);
    r.push("message", ev("message"), new Blob(["x"]));
    r.push("message", ev("message"), "after");
    m.pending[0]!.reject(new Error("nope"));
    await flushMicrotasks();
    expect(got).toEqual(["error", "after"]);
  });

  it("keeps delivering after the sink throws, and reports the error", () => {
    const got: string[] = [];
    const errors: unknown[] = [];
    const r = new Receiver((d) => { got.push(show(d)); if (show(d) === "boom") throw new Error("x"); }, undefined, (e) => errors.push(e));
    r.push("message", ev("message"), "boom");
    r.push("message", ev("message"), "next");
    expect(got).toEqual(["boom", "next"]);
    expect(errors).toHaveLength(1);
  });

  it("queues pushes made during a delivery instead of nesting them", () => {
    const got: string[] = [];
    let r!: Receiver;
    r = new Receiver((d) => {
      got.push(`start ${show(d)}`);
      if (show(d) === "first") r.push("message", ev("message"), "second");
      got.push(`end ${show(d)}`);
    });
    r.push("message", ev("message"), "first");
    expect(got).toEqual(["start first", "end first", "start second", "end second"]);
  });

  it("delivers nothing after stop(), also from Blob reads in flight", async () => {
    const got: string[] = [];
    const m = manualReader();
    const r = new Receiver((d) => got.push(show(d)), m.reader);
    r.push("message", ev("message"), new Blob(["x"]));
    r.push("close", ev("close"));
    r.stop();
    await m.finish(0);
    r.push("message", ev("message"), "late");
    expect(got).toEqual([]);
    expect(r.waiting).toBe(0);
  });

  it("reads real Blobs with the default reader", async () => {
    const got: string[] = [];
    const r = new Receiver((d) => got.push(show(d)));
    r.push("message", ev("message"), new Blob([new Uint8Array([7, 8])]));
    r.push("message", ev("message"), "t");
    expect(got).toEqual([]);
    await expect.poll(() => got.length).toBe(2); // the Blob's read ends, then both are delivered in order
    expect(got).toEqual(["bin:7,8", "t"]);
  });
});
