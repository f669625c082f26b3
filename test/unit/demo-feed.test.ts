// `wsbridge demo`'s live feed: it streams to a bounded number of clients (one more is closed at once with 1013 and
// a reason saying so, and is let in once a place is free), and one tick's work stays bounded however late it comes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FEED_FULL_CODE, feedFullReason, startFeedServer, ticksToSend, type FeedServer } from "../../src/cli/demo.js";

let feed: FeedServer;
beforeAll(async () => { feed = await startFeedServer({ maxClients: 2, rate: 50 }); });
afterAll(async () => { await feed?.close(); });

/** A client and its messages as they arrive (JSON text parsed; binary ticks as "tick"). */
function client(): { ws: WebSocket; next: (match: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>; first: Promise<string> } {
  const ws = new WebSocket(feed.url);
  const waiting: Array<{ match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  ws.on("message", (data, isBinary) => {
    const message = isBinary ? { type: "tick" } : (JSON.parse(data.toString()) as Record<string, unknown>);
    for (const w of waiting.filter((w) => w.match(message))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(message);
    }
  });
  const first = new Promise<string>((resolve) => {
    ws.once("message", () => resolve("hello"));
    ws.once("close", (code, reason) => resolve(`${code} ${reason.toString()}`));
    ws.once("error", (error) => resolve(`error: ${error.message}`));
  });
  return { ws, first, next: (match) => new Promise((resolve) => waiting.push({ match, resolve })) };
}

describe("the demo feed's clients", () => {
  it("past maxClients a client is closed at once with 1013 and a reason; once one leaves, the next is let in", async () => {
    const [a, b] = [client(), client()];
    expect([await a.first, await b.first]).toEqual(["hello", "hello"]);
    const c = client();
    expect(await c.first).toBe(`${FEED_FULL_CODE} ${feedFullReason(2)}`);
    expect(feedFullReason(50).length).toBeLessThanOrEqual(123); // a close reason's limit (ASCII: bytes = characters)
    // The feed's status message counts the clients it streams to: one, once `b` has gone on the server's side.
    const counted = a.next((m) => m.type === "status" && m.clients === 1);
    b.ws.close();
    await counted;
    const d = client();
    expect(await d.first).toBe("hello");
    a.ws.close();
    d.ws.close();
  });
});

describe("ticksToSend: one tick's work is bounded", () => {
  it("sends what is due; a late timer sends a tenth of a second's worth; a slow reader skips ahead", () => {
    expect(ticksToSend(10, 13, 300, 0)).toEqual({ from: 10, due: 13 });
    expect(ticksToSend(0, 3000, 300, 0)).toEqual({ from: 2970, due: 3000 }); // 10 s late: the last 30 only
    expect(ticksToSend(10, 13, 300, 2 << 20)).toEqual({ from: 13, due: 13 });
    expect(ticksToSend(13, 13, 300, 0)).toEqual({ from: 13, due: 13 });
  });
});
