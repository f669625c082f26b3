// Fault injection on a route: per-message delay (fixed ms or a function) and drop (a predicate), on frames to
// the page, from the page, or both. Deterministic: frames of one direction keep their order; a frame is
// delivered no earlier than its arrival plus its delay, and never before the frame ahead of it. A close waits
// behind the frames ahead of it (it is never dropped or reordered).
import type { Message } from "./inbox.js";
import { report } from "./errors.js";

/** Which frames a fault applies to, seen from the page. */
export type FaultDirection = "toPage" | "fromPage" | "both";

/** Fault settings of a route. */
export interface FaultOptions {
  /** Extra latency per frame in ms: a number, or a function of the frame (and its direction). */
  delay?: number | ((message: Message, direction: "toPage" | "fromPage") => number);
  /** Frames for which this returns true vanish. */
  drop?: (message: Message, direction: "toPage" | "fromPage") => unknown;
  /** Frames affected (default "both"). */
  direction?: FaultDirection;
}

interface Held {
  due: number;
  deliver: () => void;
}

/** One direction's queue of held frames and closes. */
class Lane {
  private readonly held: Held[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDue = 0;

  /** Delivers now when nothing is held and `delay` is 0; else holds until its time. */
  push(delay: number, deliver: () => void): void {
    const now = performance.now();
    if (this.held.length === 0 && delay <= 0) {
      deliver();
      return;
    }
    const due = Math.max(now + Math.max(0, delay), this.lastDue);
    this.lastDue = due;
    this.held.push({ due, deliver });
    if (this.held.length === 1) this.schedule();
  }

  /** Forgets held frames (the socket was reset). */
  clear(): void {
    this.held.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const head = this.held[0];
    if (!head) return;
    // Timers may fire a fraction of a ms early against performance.now(): round up, and re-check on firing.
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.ceil(head.due - performance.now())));
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.held.length > 0 && this.held[0]!.due <= now) this.held.shift()!.deliver();
    this.schedule();
  }
}

/** The faults of one route: a lane per direction. */
export class Faults {
  private readonly lanes = { toPage: new Lane(), fromPage: new Lane() };
  private options: FaultOptions = {};

  /** Replaces the settings; frames already held keep their place and time. */
  configure(options: FaultOptions): void {
    const d = options.delay;
    if (d !== undefined && typeof d !== "function" && !(typeof d === "number" && d >= 0)) throw new (typeof d === "number" ? RangeError : TypeError)(`delay must be ms >= 0 or a function, got ${String(d)}`);
    if (options.drop !== undefined && typeof options.drop !== "function") throw new TypeError("drop must be a function");
    const dir = options.direction ?? "both";
    if (dir !== "toPage" && dir !== "fromPage" && dir !== "both") throw new TypeError(`direction must be "toPage", "fromPage" or "both", got ${String(dir)}`);
    this.options = { ...options };
  }

  /** Passes a frame through the faults of `direction`: maybe dropped, maybe delayed, else delivered in order. */
  frame(direction: "toPage" | "fromPage", message: Message, deliver: () => void): void {
    const lane = this.lanes[direction];
    if (!this.applies(direction)) return lane.push(0, deliver);
    const { drop, delay } = this.options;
    if (drop && guarded(() => drop(message, direction), false)) return;
    const ms = typeof delay === "function" ? Number(guarded(() => delay(message, direction), 0)) : (delay ?? 0);
    lane.push(Number.isFinite(ms) ? ms : 0, deliver);
  }

  /** A close (or anything that must not overtake frames): delivered once the frames ahead of it were. */
  after(direction: "toPage" | "fromPage", deliver: () => void): void {
    this.lanes[direction].push(0, deliver);
  }

  /** Drops everything held. */
  clear(): void {
    this.lanes.toPage.clear();
    this.lanes.fromPage.clear();
  }

  private applies(direction: "toPage" | "fromPage"): boolean {
    const dir = this.options.direction ?? "both";
    return dir === "both" || dir === direction;
  }
}

/** Runs user code; an exception is reported and `fallback` used. */
function guarded<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    report(error);
    return fallback;
  }
}
