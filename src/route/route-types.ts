// The types route code sees: handlers, close options, and the server side returned by `connectToServer()`.
import type { JsonOptions, Message, ReceiveOptions } from "./inbox.js";
import type { CloseOptions } from "./rules.js";

export type { CloseOptions } from "./rules.js";

/** What a route sends: a string for a text frame, bytes in any buffer for a binary one. */
export type RouteData = string | ArrayBuffer | ArrayBufferView;

/** A handler for frames: a string for text, a Uint8Array for binary. */
export type MessageHandler = (message: string | Uint8Array) => unknown;
/** A handler for closes: code and reason as given (undefined when none). */
export type CloseHandler = (code: number | undefined, reason: string | undefined) => unknown;

/** Awaitable receiving and JSON sending, on both sides of a route (wsbridge's, not Playwright's). */
export interface AwaitableSide extends AsyncIterable<Message> {
  /** The next frame from the other end (the page, or the server on the server side). */
  receive(options?: ReceiveOptions): Promise<Message>;
  /** The next frame, which must be text (FrameTypeError otherwise). */
  receiveText(options?: ReceiveOptions): Promise<string>;
  /** The next frame, which must be binary (FrameTypeError otherwise). */
  receiveBytes(options?: ReceiveOptions): Promise<Uint8Array>;
  /** The next frame parsed as JSON. */
  receiveJson(options?: ReceiveOptions & JsonOptions): Promise<unknown>;
  /** Sends `value` as compact JSON (a text frame, or UTF-8 bytes with `mode: "binary"`). */
  sendJson(value: unknown, options?: JsonOptions): void;
  /** The close code of the other end, once it closed. */
  readonly closeCode: number | undefined;
  /** The close reason of the other end, once it closed. */
  readonly closeReason: string | undefined;
}

/** The server side of a route, returned by `connectToServer()`. */
export interface WebSocketRouteServer extends AwaitableSide {
  url(): string;
  protocols(): string[];
  onMessage(handler: MessageHandler): void;
  onClose(handler: CloseHandler): void;
  send(message: RouteData): void;
  close(options?: CloseOptions): Promise<void>;
  connectToServer(): never;
  [Symbol.asyncDispose](): Promise<void>;
}
