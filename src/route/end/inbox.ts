// Awaitable receiving on one side of a route: frames queue here until `receive()` takes them; a close ends the
// queue (after its frames) with WebSocketClosed; every wait may have a timeout, so nothing hangs silently.
import { FrameTypeError, TimeoutError, WebSocketClosed } from "./errors.js";
import { checkTimeout, errorOf } from "../rules.js";

/** A frame as route code sees it. */
export type Message = string | Uint8Array;

/** Options of `receive()`: `timeout` in ms (absent or null: wait as long as the socket lives). `cancel`: aborting
 * it ends a pending wait (AbortError) and gives back a frame the call already took, even if its promise has
 * resolved: for callers whose await can be cancelled after resolution (Python's asyncio). Abort only when
 * the result was not used. */
export interface ReceiveOptions {
  timeout?: number | null;
  cancel?: AbortSignal;
}

/** Frames kept for `receive()` before anyone called it; beyond this they are dropped (with one warning). */
export const MAX_UNCLAIMED = 10_000;

/** Options of `sendJson` / `receiveJson`: text frames (default) or UTF-8 binary frames. */
export interface JsonOptions {
  mode?: "text" | "binary";
}

interface Waiter {
  resolve(message: Message): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The frames one side sent that route code has not received yet. */
export class Inbox {
  private readonly frames: Message[] = [];
  private readonly waiters: Waiter[] = [];
  /** True once route code asked to receive (from then on, frames stop being forwarded by default). */
  claimed = false;
  /** The close that ended this side, once it happened. */
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  private warned = false;

  constructor(private readonly from: string) {}

  /** Frames waiting to be received. */
  get size(): number {
    return this.frames.length;
  }

  /** A frame arrived. */
  push(message: Message): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (!waiter) {
      if (!this.claimed && this.frames.length >= MAX_UNCLAIMED) {
        if (!this.warned) console.warn(`wsbridge: more than ${MAX_UNCLAIMED} frames from the ${this.from} were never received (no on_message handler, no receive()); dropping further ones`);
        this.warned = true;
        return;
      }
      this.frames.push(message);
      return;
    }
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  /** The side closed: waiting receivers get WebSocketClosed; queued frames can still be received first. */
  close(code: number | undefined, reason: string | undefined): void {
    if (this.closed) return;
    this.closed = { code, reason };
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.reject(new WebSocketClosed(code, reason));
    }
  }

  /** The next frame; rejects with WebSocketClosed once the side closed, TimeoutError after `timeout` ms. */
  receive(options: ReceiveOptions = {}): Promise<Message> {
    const signal = options.cancel;
    if (!signal) return this.take(options);
    if (signal.aborted) return Promise.reject(new DOMException("receive() was cancelled", "AbortError"));
    let taken: { message: Message } | undefined;
    const result = this.take(options, (message) => { taken = { message }; });
    signal.addEventListener("abort", () => {
      // Cancelled after a frame was taken for it: the frame goes back to the front, nothing is lost.
      if (taken) this.giveBack(taken.message);
      else this.cancel(result);
    }, { once: true });
    return result;
  }

  /** Puts a frame back in front: to the next waiter, or first in the queue. */
  private giveBack(message: Message): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.frames.unshift(message);
      return;
    }
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  /** Pending waits' promises → their waiters, for cancelling. */
  private readonly pending = new WeakMap<Promise<Message>, Waiter>();

  /** Cancels a wait still pending. */
  private cancel(promise: Promise<Message>): void {
    const waiter = this.pending.get(promise);
    const index = waiter ? this.waiters.indexOf(waiter) : -1;
    if (!waiter || index < 0) return;
    this.waiters.splice(index, 1);
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.reject(new DOMException("receive() was cancelled", "AbortError"));
  }

  private take(options: ReceiveOptions, onTaken?: (message: Message) => void): Promise<Message> {
    this.claimed = true;
    const timeout = options.timeout ?? undefined;
    const broken = checkTimeout(timeout);
    if (broken) return Promise.reject(errorOf(broken));
    if (this.frames.length > 0) {
      const message = this.frames.shift()!;
      onTaken?.(message);
      return Promise.resolve(message);
    }
    if (this.closed) return Promise.reject(new WebSocketClosed(this.closed.code, this.closed.reason));
    let waiter!: Waiter;
    const promise = new Promise<Message>((resolve, reject) => {
      waiter = { resolve: (message) => { onTaken?.(message); resolve(message); }, reject, timer: undefined };
      if (timeout !== undefined) {
        waiter.timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new TimeoutError(`Timeout ${timeout}ms exceeded while waiting for a message from the ${this.from}`));
        }, timeout);
      }
      this.waiters.push(waiter);
    });
    this.pending.set(promise, waiter);
    return promise;
  }

  /** The next frame, which must be text. */
  async receiveText(options?: ReceiveOptions): Promise<string> {
    const message = await this.receive(options);
    if (typeof message !== "string") throw new FrameTypeError("text", message);
    return message;
  }

  /** The next frame, which must be binary. */
  async receiveBytes(options?: ReceiveOptions): Promise<Uint8Array> {
    const message = await this.receive(options);
    if (typeof message === "string") throw new FrameTypeError("binary", message);
    return message;
  }

  /** The next frame parsed as JSON: a text frame, or a UTF-8 binary frame with `mode: "binary"`. */
  async receiveJson(options: ReceiveOptions & JsonOptions = {}): Promise<unknown> {
    const mode = options.mode ?? "text";
    const text = mode === "binary" ? new TextDecoder("utf-8", { fatal: true }).decode(await this.receiveBytes(options)) : await this.receiveText(options);
    return JSON.parse(text);
  }

  /** Iterates frames until the side closes (then ends without error). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    while (true) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof WebSocketClosed) return;
        throw error;
      }
    }
  }
}

/** A JSON frame: compact text, or its UTF-8 bytes with `mode: "binary"`. */
export function jsonFrame(value: unknown, options: JsonOptions = {}): string | Uint8Array {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`sendJson: ${typeof value} is not JSON-serialisable`);
  return options.mode === "binary" ? new TextEncoder().encode(text) : text;
}
