// Frame data on its way through the routing engine: what is copied and what is handed over as it is.
import { describe, expect, it } from "vitest";
import { handOver, handlerDataToWire, pageDataToWire, wireToPageData } from "../../src/route/data.js";

describe("route frame data", () => {
  it("a wire buffer reaches the page as it is (no copy on delivery); a second delivery of it gets a copy", () => {
    const wire = new Uint8Array([1, 2, 3]).buffer;
    const first = wireToPageData(wire, "arraybuffer");
    expect(first).toBe(wire);
    const second = wireToPageData(wire, "arraybuffer") as ArrayBuffer;
    expect(second).not.toBe(wire);
    expect([...new Uint8Array(second)]).toEqual([1, 2, 3]);
    expect(wireToPageData("text", "arraybuffer")).toBe("text");
  });

  it("data entering the engine is copied once, so later writes by the sender do not reach the wire", () => {
    const sent = new Uint8Array([7, 8, 9]);
    const wire = handlerDataToWire(sent) as ArrayBuffer;
    sent[0] = 0;
    expect([...new Uint8Array(wire)]).toEqual([7, 8, 9]);
    const page = new Uint8Array([4, 5]);
    const fromPage = pageDataToWire(page) as ArrayBuffer;
    page[0] = 0;
    expect([...new Uint8Array(fromPage)]).toEqual([4, 5]);
  });

  it("a handed-over Uint8Array (a bridge's fresh copy) goes on the wire as it is, once; partial views are copied", () => {
    const fresh = handOver(new Uint8Array([1, 2]));
    expect(handlerDataToWire(fresh)).toBe(fresh.buffer);
    expect(handlerDataToWire(fresh)).not.toBe(fresh.buffer); // handed over once: a second send copies
    const whole = new Uint8Array([5, 6, 7, 8]);
    const part = handOver(whole.subarray(1, 3));
    const wire = handlerDataToWire(part) as ArrayBuffer;
    expect(wire).not.toBe(whole.buffer);
    expect([...new Uint8Array(wire)]).toEqual([6, 7]);
  });
});
