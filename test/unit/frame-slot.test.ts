// The frame slot's layout and limits (src/pyodide/frame-slot.ts), over a plain ArrayBuffer standing in for the
// Python bytearray; python/wsbridge/websocket.py reads the same layout in the real page (test/python/socket/test_frame_slot.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FrameSlot, SLOT_BINARY, SLOT_HEAD_BYTES, SLOT_MAX_FRAMES, SLOT_TEXT, type SlotSource } from "../../src/pyodide/frame-slot.js";

/** A source over `size` bytes; `detach()` detaches its current buffer as a grown Wasm memory does, keeping the bytes. */
function source(size: number) {
  let memory = new ArrayBuffer(size);
  let released = 0;
  const src = {
    type: "memoryview",
    destroy() {},
    toJs: () => undefined,
    getBuffer: () => ({ data: new Uint8Array(memory), release: () => void released++ }),
  } as unknown as SlotSource;
  return {
    src,
    words: () => new Int32Array(memory, 0, SLOT_HEAD_BYTES / 4),
    bytes: () => new Uint8Array(memory),
    detach() {
      memory = structuredClone(memory, { transfer: [memory] });
    },
    released: () => released,
  };
}

/** The frames the slot holds, read as Python does. */
function read(words: Int32Array, bytes: Uint8Array): Array<string | number[]> {
  const out: Array<string | number[]> = [];
  let start = words[1]!;
  for (let i = 0; i < words[0]!; i++) {
    const kind = words[2 + 2 * i]!;
    const piece = bytes.slice(start, start + words[3 + 2 * i]!);
    out.push(kind === SLOT_TEXT ? new TextDecoder().decode(piece) : [...piece]);
    start += piece.length;
  }
  return out;
}

describe("FrameSlot", () => {
  it("writes text as UTF-8 and binary as its bytes, with a count, the body start and a kind and length each", () => {
    const s = source(SLOT_HEAD_BYTES + 64);
    const slot = new FrameSlot(s.src);
    slot.begin();
    expect([slot.put("é😀"), slot.put(new Uint8Array([1, 2, 3]).buffer), slot.put(""), slot.put(new ArrayBuffer(0))]).toEqual([true, true, true, true]);
    const words = s.words();
    expect([...words.slice(0, 10)]).toEqual([4, SLOT_HEAD_BYTES, SLOT_TEXT, 6, SLOT_BINARY, 3, SLOT_TEXT, 0, SLOT_BINARY, 0]);
    expect(read(words, s.bytes())).toEqual(["é😀", [1, 2, 3], "", []]);
    slot.begin();
    expect(slot.count).toBe(0);
    expect(s.words()[0]).toBe(0);
  });

  it("refuses a frame that does not fit and keeps the ones before it", () => {
    const s = source(SLOT_HEAD_BYTES + 10);
    const slot = new FrameSlot(s.src);
    slot.begin();
    expect(slot.put("12345678")).toBe(true);
    expect(slot.put("abc")).toBe(false); // 3 bytes, 2 left
    expect(slot.put("éé")).toBe(false); // 2 units but 4 bytes
    expect(slot.put(new ArrayBuffer(3))).toBe(false);
    expect(slot.put("é")).toBe(true); // exactly the 2 bytes left
    expect(slot.put(new Blob(["x"]))).toBe(false); // only str and ArrayBuffer cross through the slot
    expect(read(s.words(), s.bytes())).toEqual(["12345678", "é"]);
  });

  it(`holds at most ${SLOT_MAX_FRAMES} frames per call (the pairs its head has room for)`, () => {
    const s = source(SLOT_HEAD_BYTES + 4096);
    const slot = new FrameSlot(s.src);
    slot.begin();
    let n = 0;
    while (slot.put("x")) n++;
    expect(n).toBe(SLOT_MAX_FRAMES);
    expect(read(s.words(), s.bytes())).toHaveLength(SLOT_MAX_FRAMES);
  });

  it("takes new views of the same bytes when a grown memory detached the old ones", () => {
    const s = source(SLOT_HEAD_BYTES + 64);
    const slot = new FrameSlot(s.src);
    s.detach();
    slot.begin();
    expect(slot.put("after growth")).toBe(true);
    expect(read(s.words(), s.bytes())).toEqual(["after growth"]);
    expect(s.released()).toBe(1);
  });

  it("gives views of the whole heap for sendHeap, checked against its bounds and taken anew after growth", () => {
    const s = source(SLOT_HEAD_BYTES + 64);
    const slot = new FrameSlot(s.src);
    s.bytes().set([5, 6, 7], 10);
    expect([...slot.heap(10, 3)]).toEqual([5, 6, 7]);
    expect(slot.heap(SLOT_HEAD_BYTES + 64, 0).length).toBe(0);
    for (const [address, length] of [[-1, 1], [SLOT_HEAD_BYTES + 60, 5], [1.5, 1], [0, Number.NaN]]) {
      expect(() => slot.heap(address!, length!)).toThrow(RangeError);
    }
    s.detach();
    s.bytes().set([8], 10);
    expect([...slot.heap(10, 1)]).toEqual([8]);
  });

  it("rejects a slot with no room past its head", () => {
    expect(() => new FrameSlot(source(SLOT_HEAD_BYTES).src)).toThrow(/larger than its 4096-byte head/);
  });

  it("has the head size python/wsbridge/websocket.py writes sends after", () => {
    // Python sends from byte _SLOT_HEAD of its slot (sendSlot), where FrameSlot.body() starts.
    const source = readFileSync("python/wsbridge/websocket.py", "utf8");
    expect(/^_SLOT_HEAD: Final = (\d+)$/m.exec(source)?.[1]).toBe(String(SLOT_HEAD_BYTES));
  });
});
