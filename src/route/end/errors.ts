// Errors and route code: the errors the awaitable route API (and inspection's waits) rejects with, each naming what
// was awaited and why it failed; and errors route code throws (handlers, fault functions, inspection listeners),
// reported as uncaught and never thrown into the engine, so one broken handler does not stop routing.

/** Waiting took longer than its timeout (Playwright's `TimeoutError`). */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** The side a route was receiving from closed: `code` and `reason` are its close's (undefined when none was given). */
export class WebSocketClosed extends Error {
  constructor(readonly code: number | undefined, readonly reason: string | undefined) {
    super(`WebSocket closed with code ${code ?? "(none)"}${reason ? `: ${reason}` : ""}`);
    this.name = "WebSocketClosed";
  }
}

/** `receiveText` got a binary frame, or `receiveBytes` a text frame; the frame (consumed) is `frame`. */
export class FrameTypeError extends TypeError {
  constructor(readonly expected: "text" | "binary", readonly frame: string | Uint8Array) {
    const got = typeof frame === "string" ? `a text frame (${frame.length} characters)` : `a binary frame (${frame.byteLength} bytes)`;
    super(`expected a ${expected} frame, got ${got}`);
    this.name = "FrameTypeError";
  }
}

/** Reports an error from user code as uncaught, without throwing. */
export function report(error: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === "function") g.reportError(error);
  else console.error(error);
}

/** Runs a user handler; an exception (or a rejected promise) is reported and does not stop routing. */
export function runHandler(fn: () => unknown): void {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
