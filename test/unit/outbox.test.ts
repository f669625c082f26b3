// The runner page's outbox (src/pyodide/outbox.ts): messages that cannot wait send the batch at once, in order; the
// rest go on the event loop's next turn; output written in pieces goes as one text.
import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/pyodide/outbox.js";

/** An outbox and the batches it delivered. */
function outbox(): { box: Outbox; sent: Array<Array<[string, string]>> } {
  const sent: Array<Array<[string, string]>> = [];
  return { box: new Outbox((batch) => sent.push(batch)), sent };
}

/** Resolves after the MessageChannel task the outbox schedules has run. */
const nextTurn = () => new Promise<void>((ok) => { const c = new MessageChannel(); c.port1.onmessage = () => { c.port1.close(); ok(); }; c.port2.postMessage(null); });

describe("Outbox", () => {
  it("holds deferrable messages until one that cannot wait, then sends them all in one batch, in order", () => {
    const { box, sent } = outbox();
    box.add("report", "r1", false);
    box.add("out", ".", false);
    box.add("finish", "f1", false);
    expect(sent).toEqual([]);
    box.add("start", "s2", true);
    expect(sent).toEqual([[["report", "r1"], ["out", "."], ["finish", "f1"], ["start", "s2"]]]);
  });

  it("sends what waits on the event loop's next turn when nothing urgent comes", async () => {
    const { box, sent } = outbox();
    box.add("report", "r1", false);
    box.add("finish", "f1", false);
    await nextTurn();
    expect(sent).toEqual([[["report", "r1"], ["finish", "f1"]]]);
    box.add("warning", "w", false);
    await nextTurn();
    expect(sent).toHaveLength(2);
  });

  it("joins output written in pieces, but never across another message or stream", () => {
    const { box, sent } = outbox();
    box.add("out", "PASSED", false);
    box.add("out", " [ 50%]\n", false);
    box.add("err", "warn\n", false);
    box.add("out", "x", false);
    box.add("report", "r", false);
    box.add("out", "y", true);
    expect(sent).toEqual([[["out", "PASSED [ 50%]\n"], ["err", "warn\n"], ["out", "x"], ["report", "r"], ["out", "y"]]]);
  });

  it("sends nothing for an empty flush", () => {
    const { box, sent } = outbox();
    box.flush();
    expect(sent).toEqual([]);
  });
});
