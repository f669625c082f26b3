// binaryType "blob" under bursts: Chromium fails Blob.arrayBuffer() once ~20,000 reads are pending, so wsbridge
// must bound its reads (and not read back the Blobs it made itself). Nothing may be lost, reordered or doubled.
// The JS face here; the Python socket's blob bursts (real server, Python route) are test/python/socket/test_blob_burst.py.
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

/** Burst size from a real server (inspection): above Chromium's ~20,000 pending-read limit. */
const BURST = 25_000;
/**
 * Frames a mocked route sends in one go: also above the ~20,000 pending-read limit (the issue saw losses at 200,000;
 * each Blob the page gets costs ~0.3 ms to make, so this keeps the file short).
 */
const MOCKED = 25_000;

describe("blob-mode bursts lose nothing", () => {
  it(`${MOCKED.toLocaleString("en")} frames from a mocked route into a blob-mode BridgeSocket`, async () => {
    const page = await fx.newBundlePage();
    const got = await page.evaluate(`(async () => {
      const n = ${MOCKED};
      let blobMode;
      const blobModeSet = new Promise((ok) => { blobMode = ok; });
      await wsb.routeWebSocket("**/mock-blob", async (route) => {
        await blobModeSet; // the page has set binaryType
        for (let i = 0; i < n; i++) route.send(new Uint32Array([i]));
        route.close({ code: 4000, reason: "done" });
      });
      return await new Promise((resolve) => {
        const s = { next: 0, bad: 0, errors: 0, blobs: 0 };
        const bs = new wsb.BridgeSocket("ws://mock.invalid/mock-blob", undefined, (type, e, data) => {
          if (type === "message") { if (new Uint32Array(data)[0] !== s.next) s.bad++; s.next++; }
          else if (type === "error") s.errors++;
          else if (type === "close") resolve({ ...s, code: e.code });
        });
        bs.socket.binaryType = "blob";
        bs.socket.addEventListener("message", (e) => { if (e.data instanceof Blob) s.blobs++; });
        blobMode();
      });
    })()`);
    expect(got).toEqual({ next: MOCKED, bad: 0, errors: 0, blobs: MOCKED, code: 4000 });
  });

  it(`inspection of a native blob-mode socket reports all ${BURST.toLocaleString("en")} frames, in order`, async () => {
    const page = await fx.newBundlePage();
    const got = await page.evaluate(`(async () => {
      const n = ${BURST};
      const inspected = new Promise((resolve) => wsb.page.on("websocket", (ws) => {
        const s = { next: 0, bad: 0 };
        ws.on("framereceived", (f) => { if (new DataView(f.payload.buffer).getUint32(0) !== s.next) s.bad++; s.next++; });
        ws.on("close", () => resolve(s));
      }));
      const page = await new Promise((resolve) => {
        const s = { messages: 0, errors: 0 };
        const ws = new WebSocket(${JSON.stringify(fx.server.url)} + "/burst?n=" + n + "&binary=1");
        ws.onmessage = (e) => { if (++s.messages === n) ws.close(1000); };
        ws.onerror = () => s.errors++;
        ws.onclose = () => resolve({ ...s, binaryType: ws.binaryType });
      });
      return { page, inspected: await inspected };
    })()`);
    expect(got).toEqual({ page: { messages: BURST, errors: 0, binaryType: "blob" }, inspected: { next: BURST, bad: 0 } });
  });
});
