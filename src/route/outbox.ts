// Ordered posting of one socket's messages to the route end: a message whose data is still being read
// (a page-sent Blob) holds back every later message of that socket, so nothing is reordered.
import type { PageMessage, Receiver } from "./protocol.js";

/** A message, or a promise of one. */
type Pending = PageMessage | Promise<PageMessage | undefined>;

/** Posts messages in the order they were pushed, waiting for any that are still being prepared. */
export class Outbox {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(private readonly post: Receiver<PageMessage>) {}

  /** Queues `message`; ready messages go out at once when nothing is waiting before them. */
  push(message: Pending): void {
    if (!this.draining && !(message instanceof Promise)) {
      this.post(message);
      return;
    }
    this.queue.push(message);
    if (!this.draining) void this.drain();
  }

  /** Posts queued messages in order; a failed read drops only that message. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      let message: PageMessage | undefined;
      try {
        message = await next;
      } catch {
        message = undefined;
      }
      if (message) this.post(message);
    }
    this.draining = false;
  }
}
