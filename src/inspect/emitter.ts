// A small typed event emitter with Playwright's method names (on, once, off/removeListener, listenerCount) and
// waitForEvent with Playwright's errors. Listener exceptions are reported as uncaught and never stop delivery.
import { report } from "../route/end/errors.js";

/** Options of `waitForEvent`: a predicate (may return a promise or thenable), a timeout in ms (0: none), and a
 * `signal` whose abort ends the wait (an AbortError) and drops its listeners. */
export interface WaitOptions<T> {
  predicate?: (value: T) => unknown;
  timeout?: number;
  signal?: AbortSignal;
}

/** Playwright's default timeout for waiting on events, in ms. */
export const DEFAULT_TIMEOUT = 30_000;

import { TimeoutError } from "../route/end/errors.js";

export { TimeoutError };

/** A wait ended because the socket closed ("Socket closed") or failed ("Socket error") first. Its name stays
 * "Error", as Playwright's; the class lets the Python bridge tell it apart (Python's InspectionError). */
export class InspectionError extends Error {}

/** The timeout error text Playwright uses for `waitForEvent`. */
export function timeoutMessage(ms: number, event: string): string {
  return `Timeout ${ms}ms exceeded while waiting for event "${event}"`;
}

/** Normalises `waitForEvent`'s second argument (a predicate, or options). */
export function waitOptions<T>(arg: ((value: T) => unknown) | WaitOptions<T> | undefined): { predicate?: (value: T) => unknown; timeout: number; signal?: AbortSignal } {
  const options = typeof arg === "function" ? { predicate: arg } : (arg ?? {});
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  if (typeof timeout !== "number" || !(timeout >= 0)) throw new (typeof timeout === "number" ? RangeError : TypeError)(`timeout must be a number of ms >= 0, got ${String(timeout)}`);
  return { predicate: options.predicate, timeout, signal: options.signal };
}

type Listener = (value: never) => unknown;

/** Listeners per event name; `changed` runs whenever a listener is added or removed. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Array<{ fn: Listener; once: boolean }>>();

  constructor(private readonly changed: () => void = () => {}) {}

  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => unknown): this {
    return this.add(event, listener, false);
  }

  once<K extends keyof Events>(event: K, listener: (value: Events[K]) => unknown): this {
    return this.add(event, listener, true);
  }

  addListener<K extends keyof Events>(event: K, listener: (value: Events[K]) => unknown): this {
    return this.add(event, listener, false);
  }

  off<K extends keyof Events>(event: K, listener: (value: Events[K]) => unknown): this {
    const list = this.listeners.get(event);
    const index = list ? list.findIndex((entry) => entry.fn === listener) : -1;
    if (list && index >= 0) {
      list.splice(index, 1);
      if (list.length === 0) this.listeners.delete(event);
      this.changed();
    }
    return this;
  }

  removeListener<K extends keyof Events>(event: K, listener: (value: Events[K]) => unknown): this {
    return this.off(event, listener);
  }

  /** Removes every listener (of `event`, or of all events). */
  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    this.changed();
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Total listeners over all events. */
  totalListeners(): number {
    let n = 0;
    for (const list of this.listeners.values()) n += list.length;
    return n;
  }

  /** Calls the listeners of `event` in registration order; returns whether there were any. */
  emit<K extends keyof Events>(event: K, value: Events[K]): boolean {
    const list = this.listeners.get(event);
    if (!list) return false;
    const snapshot = [...list];
    let removed = false;
    for (const entry of snapshot) {
      if (entry.once) {
        const index = list.indexOf(entry);
        if (index >= 0) { list.splice(index, 1); removed = true; }
      }
      try {
        const result = (entry.fn as (v: Events[K]) => unknown)(value);
        if (result instanceof Promise) result.catch(report);
      } catch (error) {
        report(error);
      }
    }
    if (removed) {
      if (list.length === 0) this.listeners.delete(event);
      this.changed();
    }
    return true;
  }

  private add(event: keyof Events, listener: Listener, once: boolean): this {
    if (typeof listener !== "function") throw new TypeError(`listener must be a function, got ${typeof listener}`);
    const list = this.listeners.get(event) ?? [];
    list.push({ fn: listener, once });
    this.listeners.set(event, list);
    this.changed();
    return this;
  }
}

/**
 * Waits for `event` on `emitter`. Rejects with a TimeoutError after `timeout` ms (0: never), with an
 * InspectionError(text) when one of `failOn` ([event, text]) is emitted first, and with an AbortError on `signal`.
 */
export function waitFor<Events extends Record<string, unknown>, K extends keyof Events & string>(
  emitter: Emitter<Events>,
  event: K,
  arg: ((value: Events[K]) => unknown) | WaitOptions<Events[K]> | undefined,
  failOn: Array<[keyof Events & string, string]> = [],
): Promise<Events[K]> {
  let options: ReturnType<typeof waitOptions<Events[K]>>;
  try {
    options = waitOptions(arg);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<Events[K]>((resolve, reject) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanups: Array<() => void> = [];
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      cleanups.forEach((c) => c());
      fn();
    };
    const listener = (value: Events[K]) => {
      if (done) return;
      if (!options.predicate) return finish(() => resolve(value));
      let verdict: unknown;
      try {
        verdict = options.predicate(value);
      } catch (error) {
        return finish(() => reject(error));
      }
      // A thenable too: a Python async predicate crosses as an awaitable proxy, not a Promise.
      if (isThenable(verdict)) Promise.resolve(verdict).then((ok) => { if (ok) finish(() => resolve(value)); }, (error) => finish(() => reject(error)));
      else if (verdict) finish(() => resolve(value));
    };
    emitter.on(event, listener);
    cleanups.push(() => emitter.off(event, listener));
    for (const [other, text] of failOn) {
      if (other === event) continue;
      const fail = () => finish(() => reject(new InspectionError(text)));
      emitter.on(other, fail);
      cleanups.push(() => emitter.off(other, fail));
    }
    const signal = options.signal;
    if (signal) {
      const abort = () => finish(() => reject(new DOMException("the wait was cancelled", "AbortError")));
      if (signal.aborted) return abort();
      signal.addEventListener("abort", abort, { once: true });
      cleanups.push(() => signal.removeEventListener("abort", abort));
    }
    if (options.timeout > 0) timer = setTimeout(() => finish(() => reject(new TimeoutError(timeoutMessage(options.timeout, event)))), options.timeout);
  });
}

/** True for a Promise or any object with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
