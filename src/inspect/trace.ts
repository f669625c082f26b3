// A test's WebSocket trace: every socket the page opens while it runs (native, passed through, routed), with its
// frames kept as they came (no conversion while recording) and its close code. Text and HAR are built only when
// asked (for a failing test); `stop()` removes every listener it added.
import type { Har, HarEntry } from "../har/har.js";
import { toBase64 } from "../har/har.js";
import { pageInspection } from "./api.js";
import type { Frame, InspectedWebSocket } from "./websocket.js";

/** One frame as recorded: direction, time (epoch seconds) and the payload as inspection gave it. */
interface TracedFrame {
  sent: boolean;
  time: number;
  payload: string | Uint8Array;
}

/** One socket as recorded. */
interface TracedSocket {
  url: string;
  ws: InspectedWebSocket;
  started: number;
  ended?: number;
  frames: TracedFrame[];
  error?: string;
  off: () => void;
}

/** What `startTrace` returns. */
export interface Trace {
  /** The sockets recorded so far, as a HAR 1.2 document (Chrome's `_webSocketMessages`, plus `_wsbridge` facts). */
  har(): Har;
  /** The compact text of the sockets and their last `last` frames each way ("" when no socket was opened). */
  text(last: number): string;
  /** Stops recording and removes every listener (idempotent). */
  stop(): void;
}

/** Seconds since the epoch, from the high-resolution clock. */
function now(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/** Starts recording every socket the page opens from now on. */
export function startTrace(): Trace {
  const sockets: TracedSocket[] = [];
  const onSocket = (ws: InspectedWebSocket) => sockets.push(watch(ws));
  pageInspection.on("websocket", onSocket);
  let stopped = false;
  return {
    har: () => traceHar(sockets),
    text: (last) => traceText(sockets, last),
    stop() {
      if (stopped) return;
      stopped = true;
      pageInspection.off("websocket", onSocket);
      for (const socket of sockets) socket.off();
    },
  };
}

/** Records one socket's frames, error and close until it closes or the trace stops. */
function watch(ws: InspectedWebSocket): TracedSocket {
  const socket: TracedSocket = { url: ws.url(), ws, started: now(), frames: [], off: () => undefined };
  const sent = (f: Frame) => { socket.frames.push({ sent: true, time: now(), payload: f.payload }); };
  const received = (f: Frame) => { socket.frames.push({ sent: false, time: now(), payload: f.payload }); };
  const failed = (message: string) => { socket.error = message; };
  const closed = () => { socket.ended = now(); socket.off(); };
  socket.off = () => {
    ws.off("framesent", sent);
    ws.off("framereceived", received);
    ws.off("socketerror", failed);
    ws.off("close", closed);
  };
  ws.on("framesent", sent);
  ws.on("framereceived", received);
  ws.on("socketerror", failed);
  ws.on("close", closed);
  return socket;
}

/** The HAR of the recorded sockets: loadable by Chrome DevTools and by `routeWebSocketFromHAR`. */
function traceHar(sockets: TracedSocket[]): Har {
  return {
    log: {
      version: "1.2",
      creator: { name: "wsbridge", version: "0.1.0" },
      pages: [],
      entries: sockets.map((socket) => harEntry(socket)),
    },
  };
}

/** One socket as a HAR entry. */
function harEntry(socket: TracedSocket): HarEntry {
  const close = socket.ws.closeInfo();
  const entry: Record<string, unknown> = {
    startedDateTime: new Date(socket.started * 1000).toISOString(),
    time: Math.max(0, ((socket.ended ?? now()) - socket.started) * 1000),
    request: { method: "GET", url: socket.url, httpVersion: "HTTP/1.1", headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
    response: { status: 101, statusText: "Switching Protocols", httpVersion: "HTTP/1.1", headers: [], cookies: [], content: { size: 0, mimeType: "" }, redirectURL: "", headersSize: -1, bodySize: 0 },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    _resourceType: "websocket",
    _webSocketMessages: socket.frames.map((f) => {
      const text = typeof f.payload === "string";
      return { type: f.sent ? "send" : "receive", time: f.time, opcode: text ? 1 : 2, data: text ? (f.payload as string) : toBase64(f.payload as Uint8Array) };
    }),
    _wsbridge: { routed: socket.ws.isRouted(), ...(close ? { closeCode: close.code, closeReason: close.reason } : {}), ...(socket.error ? { error: socket.error } : {}) },
  };
  return entry as HarEntry;
}

/** Characters of a text frame shown, and bytes of a binary one. */
const TEXT_SHOWN = 60;
const BYTES_SHOWN = 16;

/** A frame's size in bytes on the wire (text as UTF-8). */
function sizeOf(payload: string | Uint8Array): number {
  return typeof payload === "string" ? new TextEncoder().encode(payload).length : payload.length;
}

/** A short preview of a frame: quoted text, or hex bytes. */
function preview(payload: string | Uint8Array): string {
  if (typeof payload === "string") {
    const points = Array.from(payload);
    return JSON.stringify(points.length > TEXT_SHOWN ? points.slice(0, TEXT_SHOWN).join("") : payload) + (points.length > TEXT_SHOWN ? "…" : "");
  }
  const hex = Array.from(payload.subarray(0, BYTES_SHOWN), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return payload.length > BYTES_SHOWN ? `${hex} …` : hex;
}

/** How the socket ended, in words. */
function ending(socket: TracedSocket): string {
  const close = socket.ws.closeInfo();
  const error = socket.error ? `, error: ${socket.error}` : "";
  if (close) return `closed ${close.code}${close.reason ? ` ${JSON.stringify(close.reason)}` : ""}${error}`;
  return socket.ws.isClosed() ? `closed${error}` : `still open${error}`;
}

/** One socket's block of the text: header, then its last frames each way in order. */
function socketText(socket: TracedSocket, index: number, last: number, origin: number): string[] {
  const sent = socket.frames.filter((f) => f.sent);
  const received = socket.frames.filter((f) => !f.sent);
  const kind = socket.ws.isRouted() ? "routed" : "native";
  const lines = [`[${index + 1}] ${socket.url} (${kind}): ${sent.length} sent, ${received.length} received, ${ending(socket)}`];
  const hidden = [sent.length - last, received.length - last].map((n) => Math.max(0, n));
  if (hidden[0]! + hidden[1]! > 0) lines.push(`    (earlier frames not shown: ${hidden[0]} sent, ${hidden[1]} received)`);
  const shown = new Set([...sent.slice(-last), ...received.slice(-last)]);
  for (const f of socket.frames) {
    if (!shown.has(f)) continue;
    const type = typeof f.payload === "string" ? "text  " : "binary";
    const at = `+${(f.time - origin).toFixed(3)}s`;
    lines.push(`    ${at.padStart(9)} ${f.sent ? "→ sent    " : "← received"} ${type} ${String(sizeOf(f.payload)).padStart(6)} B  ${preview(f.payload)}`);
  }
  return lines;
}

/** The text of every recorded socket ("" when none). */
function traceText(sockets: TracedSocket[], last: number): string {
  if (sockets.length === 0) return "";
  const origin = sockets[0]!.started;
  const head = `${sockets.length} WebSocket${sockets.length === 1 ? "" : "s"} (last ${last} frames each way; times from the first socket's start)`;
  return [head, ...sockets.flatMap((socket, i) => socketText(socket, i, last, origin))].join("\n");
}
