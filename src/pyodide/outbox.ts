// The runner page's messages to Node, in batches (src/pyodide/page.ts sends them; src/cli/page.ts receives them).

/** Messages that may wait for the next batch: nothing in the runner acts on them at once. */
export const DEFERRABLE = new Set(["report", "finish", "warning"]);

/**
 * The page's messages to the runner, sent in batches: each Playwright binding call costs both sides about a quarter
 * of a millisecond, and a test sends five messages and its output. A message that cannot wait sends the batch at once;
 * the rest goes on the event loop's next turn (a MessageChannel task: timers are clamped when nested).
 */
export class Outbox {
  private batch: Array<[string, string]> = [];
  private scheduled = false;
  private readonly channel = new MessageChannel();

  constructor(private readonly deliver: (batch: Array<[string, string]>) => void) {
    this.channel.port1.onmessage = () => {
      this.scheduled = false;
      this.flush();
    };
  }

  /** Queues `[kind, text]`; sends the batch now when `now`. */
  add(kind: string, text: string, now: boolean): void {
    const last = this.batch.at(-1);
    // Output written in pieces ("PASSED", " [ 50%]", "\n") goes as one text.
    if (last && last[0] === kind && (kind === "out" || kind === "err")) last[1] += text;
    else this.batch.push([kind, text]);
    if (now) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.channel.port2.postMessage(null);
    }
  }

  /** Sends what is queued, in order. */
  flush(): void {
    if (!this.batch.length) return;
    const batch = this.batch;
    this.batch = [];
    this.deliver(batch);
  }
}
