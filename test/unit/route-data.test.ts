// Frame data on its way through the routing engine: what is copied and what is handed over as it is.
import { describe, expect, it } from "vitest";
import { handlerDataToWire, pageDataToWire, wireToPageData } from "../../src/route/data.js";

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
});
