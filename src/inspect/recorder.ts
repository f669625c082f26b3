// Recording: a HAR 1.2 document of the sockets the page opens (native, passed through and routed), built on
// inspection, with Chrome's `_webSocketMessages` so `routeWebSocketFromHAR` can replay it.
import { documentBase, urlMatches, checkUrlMatch, type UrlMatch } from "../route/match/match.js";
import type { Har, HarEntry, HarWebSocketMessage } from "../har/har.js";
import { toBase64 } from "../har/har.js";
import { pageInspection } from "./api.js";
import type { Frame, InspectedWebSocket } from "./websocket.js";

/** What `recordWebSocket` returns. */
export interface WebSocketRecorder {
  /** The HAR so far (a fresh copy). */
  har(): Har;
  /** Stops recording sockets and frames; returns the final HAR. */
  stop(): Har;
}

/** Seconds since the epoch, from the high-resolution clock. */
function now(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/** Records every socket whose URL matches `url` (glob, RegExp or predicate) opened from now on. */
export function recordWebSocket(url: UrlMatch): WebSocketRecorder {
  checkUrlMatch(url, documentBase());
  const entries: Array<{ entry: HarEntry; started: number; ended?: number; messages: HarWebSocketMessage[] }> = [];
  const stops: Array<() => void> = [];
  let stopped = false;

  const onSocket = (ws: InspectedWebSocket) => {
    if (stopped || !urlMatches(url, ws.url(), documentBase())) return;
    const started = now();
    const messages: HarWebSocketMessage[] = [];
    const record = { started, messages, ended: undefined as number | undefined, entry: {
      startedDateTime: new Date(started * 1000).toISOString(),
      request: { method: "GET", url: ws.url(), httpVersion: "HTTP/1.1", headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
      response: { status: 101, statusText: "Switching Protocols", httpVersion: "HTTP/1.1", headers: [], cookies: [], content: { size: 0, mimeType: "" }, redirectURL: "", headersSize: -1, bodySize: 0 },
      _resourceType: "websocket",
    } as HarEntry };
    entries.push(record);
    const frame = (type: "send" | "receive") => (f: Frame) => {
      const text = typeof f.payload === "string";
      messages.push({ type, time: now(), opcode: text ? 1 : 2, data: text ? (f.payload as string) : toBase64(f.payload as Uint8Array) });
    };
    const sent = frame("send");
    const received = frame("receive");
    const closed = () => { record.ended = now(); off(); };
    const off = () => {
      ws.off("framesent", sent);
      ws.off("framereceived", received);
      ws.off("close", closed);
    };
    ws.on("framesent", sent);
    ws.on("framereceived", received);
    ws.on("close", closed);
    stops.push(off);
  };
  pageInspection.on("websocket", onSocket);

  const har = (): Har => ({
    log: {
      version: "1.2",
      creator: { name: "wsbridge", version: "0.1.0" },
      pages: [],
      entries: entries.map(({ entry, started, ended, messages }) => ({
        ...entry,
        time: Math.max(0, ((ended ?? now()) - started) * 1000),
        cache: {},
        timings: { send: 0, wait: 0, receive: 0 },
        _webSocketMessages: messages.map((m) => ({ ...m })),
      })),
    },
  });

  return {
    har,
    stop() {
      if (!stopped) {
        stopped = true;
        pageInspection.off("websocket", onSocket);
        stops.splice(0).forEach((off) => off());
      }
      return har();
    },
  };
}
