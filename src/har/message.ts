// One WebSocket frame as a HAR file records it (Chrome's `_webSocketMessages`): apart, so that the replay by request
// (./by-request.ts) and the HAR reader (./har.ts) share it without importing each other.

/** A frame in a HAR entry's `_webSocketMessages`: direction, time (epoch seconds), opcode (1 text, 2 binary), data. */
export interface HarWebSocketMessage {
  type: "send" | "receive";
  time: number;
  opcode: number;
  data: string;
}
