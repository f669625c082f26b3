// Errors of the awaitable route API (and inspection's waits): each names what was awaited and why it failed.

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
