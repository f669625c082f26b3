// Constants of the WebSocket protocol and API, in one place.

/** `readyState` values, as on the browser's WebSocket. */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** The largest close reason a page may send, in UTF-8 bytes (a control frame holds 125, minus the 2-byte code). */
export const MAX_REASON_BYTES = 123;

/** Close code for a normal closure. */
export const NORMAL_CLOSURE = 1000;
/** Close code for an endpoint going away. */
export const GOING_AWAY = 1001;
/** Close code reported when no status was given. */
export const NO_STATUS = 1005;
/** Close code reported when the connection dropped without a close frame. */
export const ABNORMAL_CLOSURE = 1006;
/** Close code for a message too big to process. */
export const MESSAGE_TOO_BIG = 1009;

/** Close codes a page may pass to `close()`: 1000, or the range reserved for libraries and applications. */
export const APPLICATION_CODES = { min: 3000, max: 4999 } as const;
