// A `ws` server on 127.0.0.1 with scripted behaviours by path, for tests and examples.
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { MAX_REASON_BYTES } from "../socket/constants.js";
import { utf8Length } from "../socket/validation.js";

/** Most frames one `/burst` or `/die` sends (4-byte frames: a few MiB on the wire). */
export const MAX_BURST = 1_000_000;
/** Most frames one `/mixed` sends (every sixth is 200 kB: about 33 MB at the cap). */
export const MAX_MIXED = 1_000;
/** A burst pauses while more than this many bytes wait to be written to the connection. */
export const BURST_HIGH_WATER = 1 << 20;
/** A burst yields to the event loop after this many frames, so other connections are served meanwhile. */
export const BURST_SLICE = 1_000;
/** `/die` waits this long after its last frame was written before it drops the connection. */
const DIE_GRACE_MS = 50;
/** Close code for a request the server cannot honour (a bad `n`, close code or reason): 1008, policy violation. */
export const BAD_REQUEST_CODE = 1008;
/** Close code when a behaviour fails on the server's side (a bug, not bad input): 1011, internal error. */
export const SERVER_ERROR_CODE = 1011;
/** Most `?log=KEY` keys the server keeps; past it the oldest key's log is dropped. */
export const MAX_LOGS = 1_000;

/** One connection opened with `?log=KEY`, as `/received` reports it: text frames as strings, binary as base64. */
export interface LoggedConnection {
  path: string;
  frames: Array<string | { base64: string }>;
  closed: { code: number; reason: string } | null;
}

export interface TestServerOptions {
  /** Keep every frame received, per connection, in `received` (off by default: a long run would keep them all). */
  record?: boolean;
}

export interface TestServer {
  /** `ws://127.0.0.1:PORT` (no trailing slash); append a path such as `/echo`. */
  url: string;
  /** With `record`: every connection, the frames it received in order (text as string, binary as Buffer) and its close. Else empty. */
  received: Array<{ path: string; frames: Array<string | Buffer>; closed?: { code: number; reason: string } }>;
  close(): Promise<void>;
}

/** The part of a `ws` socket that `sendFrames` drives (a fake one in unit tests). */
export interface FrameSink {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer, options: { binary: boolean }, written?: (error?: Error) => void): void;
}

/**
 * Paths:
 * - `/echo`: echoes each frame with its type.
 * - `/close?code=N&reason=R`: closes with that code and reason after the first message (or at once with `now=1`).
 *   N is a code a server may send (1000-1003, 1007-1014, 3000-4999; 1000 when absent), R at most 123 UTF-8 bytes.
 * - `/burst?n=N&binary=1`: sends N numbered frames (`"0".."N-1"`, or 4-byte big-endian ints), then echoes
 *   (frames received meanwhile are echoed after the burst). N ≤ `MAX_BURST`. With `close=C[&reason=R]` (C 1000
 *   or 3000..4999) it closes with C and R right behind the last frame instead of echoing.
 * - `/die?after=N`: sends N frames, then drops the TCP connection without a close frame. N ≤ `MAX_BURST`.
 * - `/reject?status=S`: refuses the handshake with HTTP S (400..599; 400 when absent or out of range).
 * - `/hang`: accepts the TCP connection and never answers the handshake (a client's open timeout); `close()` drops it.
 * - `/mixed?n=N`: sends N frames, every third binary (`i` repeated, 200 kB for even i, 10 bytes for odd), the others
 *   text `"t<i>"`, then closes with 4100 "done". N ≤ `MAX_MIXED`.
 * - `/received?log=KEY`: sends one text frame, the JSON array of the connections opened so far with `log=KEY` in
 *   their query (`LoggedConnection`: path with query, frames received in order, close code and reason once the
 *   close arrived, else null), then closes with 1000. Unknown key: `[]`.
 * - any path: a requested subprotocol is accepted (the first one offered), and the path echoes.
 *
 * `log=KEY` in any other path's query keeps that connection's frames and close under KEY, for `/received` (always,
 * whatever `record` says; only the last `MAX_LOGS` keys are kept, and every frame of a logged connection is).
 *
 * An N that is not a whole number in range, a close code or reason that may not be sent, closes the connection at
 * once with 1008 and a reason naming the rule. Bad input never ends the process: an invalid frame from a client
 * closes that connection (`ws` sends 1002, 1007 or 1009), a request target that is not a URL is refused with
 * HTTP 400, and a behaviour that throws closes its connection with 1011 and the error's message.
 * Bursts respect backpressure and yield to the event loop, so a slow client never makes the server buffer
 * everything nor stalls the other connections.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const http = createServer((_req, res) => { res.writeHead(426); res.end(); });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });
  const received: TestServer["received"] = [];
  const logs: Logs = new Map();
  const hanging = new Set<Duplex>();
  http.on("upgrade", (req: IncomingMessage, socket, head) => {
    // Node drops its own error listener from an upgraded socket: a client that resets it would end the process.
    socket.on("error", () => {});
    const url = requestURL(req.url);
    if (url === undefined) {
      socket.end(httpRefusal(400, "the request target is not a valid URL path"));
      return;
    }
    if (url.pathname === "/hang") {
      hanging.add(socket);
      socket.on("close", () => hanging.delete(socket));
      return;
    }
    if (url.pathname === "/reject") {
      socket.end(httpRefusal(rejectStatus(url.searchParams.get("status"))));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // `ws` closes with 1002/1007/1009 on an invalid frame and reports it here; unheard, it would end the process.
      ws.on("error", () => {});
      try {
        behave(ws, url, options.record ? received : undefined, logs);
      } catch (error) {
        ws.close(SERVER_ERROR_CODE, closeReason(`test server: ${(error as Error).message}`));
      }
    });
  });
  await new Promise<void>((ok) => http.listen(0, "127.0.0.1", ok));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    close: () => {
      for (const socket of hanging) socket.destroy();
      return closeServers(http, wss);
    },
  };
}

/** Drops every client at once, then closes the ws server and its HTTP server. */
export function closeServers(http: Server, wss: { close(): void; clients: Iterable<{ terminate(): void }> }): Promise<void> {
  return new Promise<void>((ok) => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    http.closeAllConnections();
    http.close(() => ok());
  });
}

/** A whole number 0..max from a query value (`fallback` when absent), or undefined. */
export function countParam(value: string | null, fallback: number, max: number): number | undefined {
  if (value === null) return fallback;
  const n = Number(value);
  return value.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

/** The path and query of an upgrade request's target, or undefined when it is not a URL (`GET http://[ HTTP/1.1`). */
export function requestURL(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://x");
  } catch {
    return undefined;
  }
}

/** A raw HTTP response refusing a handshake with `status`, and `text` as its body when given. */
export function httpRefusal(status: number, text = ""): string {
  const body = Buffer.from(text);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Refused"}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${text}`;
}

/** The HTTP status `/reject` answers with: `value` when it is a whole number 400..599, else 400. */
export function rejectStatus(value: string | null): number {
  const status = countParam(value, 400, 599);
  return status === undefined || status < 400 ? 400 : status;
}

/** A `/burst?close=` code (1000, or an application code 3000..4999), or undefined. */
export function closeCodeParam(value: string): number | undefined {
  const code = countParam(value, 1000, 4999);
  return code !== undefined && (code === 1000 || code >= 3000) ? code : undefined;
}

/** The rule `/close?code=` follows, as its refusal names it. */
export const WIRE_CODE_RULE = "code must be 1000-1003, 1007-1014 or 3000-4999 (a code a server may send)";

/** A `/close?code=` code: any a server may put in a close frame (RFC 6455 7.4; `ws` throws on others), 1000 when absent. */
export function wireCloseCodeParam(value: string | null): number | undefined {
  const code = countParam(value, 1000, 4999);
  if (code === undefined) return undefined;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || code >= 3000 ? code : undefined;
}

/** The rule a close reason follows, as a refusal names it. */
export const REASON_RULE = `reason must be at most ${MAX_REASON_BYTES} bytes`;

/** `text` cut to at most `MAX_REASON_BYTES` UTF-8 bytes on a character boundary, so `ws.close` takes it as a reason. */
export function closeReason(text: string): string {
  let out = "";
  for (const char of text) {
    if (utf8Length(out + char) > MAX_REASON_BYTES) break;
    out += char;
  }
  return out;
}

/** Numbered frame `i` of a burst: its decimal text, or 4 big-endian bytes. */
function numbered(i: number, binary: boolean): Buffer | string {
  if (!binary) return String(i);
  const frame = Buffer.alloc(4);
  frame.writeUInt32BE(i);
  return frame;
}

/** Frame `i` of `/mixed`. */
function mixed(i: number): Buffer | string {
  return i % 3 === 0 ? Buffer.alloc(i % 2 === 0 ? 200_000 : 10, i % 256) : `t${i}`;
}

/**
 * Sends `count` frames made by `frameAt`, in order, without blocking: waits for the writes to drain while more
 * than `BURST_HIGH_WATER` bytes are buffered, and yields every `BURST_SLICE` frames. Stops early when the socket
 * leaves OPEN; resolves once the last frame was written (or the socket went away).
 */
export async function sendFrames(ws: FrameSink, count: number, frameAt: (i: number) => Buffer | string): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (ws.readyState !== 1) return;
    const frame = frameAt(i);
    const last = i === count - 1;
    if (last || ws.bufferedAmount > BURST_HIGH_WATER) {
      // Wait for this frame's write: everything before it has left too.
      await new Promise<void>((ok) => ws.send(frame, { binary: typeof frame !== "string" }, () => ok()));
    } else {
      ws.send(frame, { binary: typeof frame !== "string" });
      if ((i + 1) % BURST_SLICE === 0) await new Promise<void>((ok) => setImmediate(ok));
    }
  }
}

/** Closes with 1008 and a reason naming the allowed range of `name`. */
function refuse(ws: WebSocket, name: string, max: number): void {
  ws.close(BAD_REQUEST_CODE, `${name} must be a whole number 0..${max}`);
}

/** The `?log=KEY` logs of one server, oldest key first. */
type Logs = Map<string, LoggedConnection[]>;

/**
 * Runs the behaviour named by the request path on one connection; `received` is the log when recording, `logs`
 * the server's `?log=KEY` logs.
 */
function behave(ws: WebSocket, url: URL, received: TestServer["received"] | undefined, logs: Logs): void {
  const q = url.searchParams;
  const echo = (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary });
  if (received) record(ws, url, received);
  const key = q.get("log");
  if (url.pathname === "/received") {
    ws.send(JSON.stringify(key === null ? [] : logs.get(key) ?? []), () => ws.close(1000));
    return;
  }
  if (key !== null) logUnder(ws, url, key, logs);
  switch (url.pathname) {
    case "/close": {
      const code = wireCloseCodeParam(q.get("code"));
      const reason = q.get("reason") ?? "";
      // Checked now: `ws.close` would throw later, inside the message listener, where nothing catches it.
      if (code === undefined) return ws.close(BAD_REQUEST_CODE, WIRE_CODE_RULE);
      if (utf8Length(reason) > MAX_REASON_BYTES) return ws.close(BAD_REQUEST_CODE, REASON_RULE);
      if (q.get("now")) ws.close(code, reason);
      else ws.once("message", () => ws.close(code, reason));
      return;
    }
    case "/burst": {
      const n = countParam(q.get("n"), 100, MAX_BURST);
      if (n === undefined) return refuse(ws, "n", MAX_BURST);
      const binary = q.get("binary") === "1";
      const closeWith = q.get("close");
      const code = closeWith === null ? undefined : closeCodeParam(closeWith);
      const reason = q.get("reason") ?? "";
      if (closeWith !== null && code === undefined) return ws.close(BAD_REQUEST_CODE, "close must be 1000 or 3000..4999");
      // A close reason is at most 123 bytes: `ws` would throw later, inside the burst's promise.
      if (utf8Length(reason) > MAX_REASON_BYTES) return ws.close(BAD_REQUEST_CODE, REASON_RULE);
      const done = sendFrames(ws, n, (i) => numbered(i, binary));
      if (code !== undefined) {
        // The close goes out right behind the last frame: a client must deliver every frame before it.
        void done.then(() => { if (ws.readyState === 1) ws.close(code, reason); });
        return;
      }
      // Frames that arrive during the burst are echoed after it, in order.
      ws.on("message", (data, isBinary) => { void done.then(() => echo(data, isBinary)); });
      return;
    }
    case "/die": {
      const after = countParam(q.get("after"), 3, MAX_BURST);
      if (after === undefined) return refuse(ws, "after", MAX_BURST);
      // Every frame is written before the reset: the page must still see them all, then 1006.
      void sendFrames(ws, after, (i) => String(i)).then(() => setTimeout(() => ws.terminate(), DIE_GRACE_MS));
      return;
    }
    case "/mixed": {
      const n = countParam(q.get("n"), 30, MAX_MIXED);
      if (n === undefined) return refuse(ws, "n", MAX_MIXED);
      void sendFrames(ws, n, mixed).then(() => { if (ws.readyState === 1) ws.close(4100, "done"); });
      return;
    }
    default:
      ws.on("message", echo);
  }
}

/** Logs the connection's frames and close into `received`. */
function record(ws: WebSocket, url: URL, received: TestServer["received"]): void {
  const log: TestServer["received"][number] = { path: url.pathname + url.search, frames: [] };
  received.push(log);
  ws.on("close", (code, reason) => { log.closed = { code, reason: reason.toString() }; });
  ws.on("message", (data, isBinary) => { log.frames.push(isBinary ? Buffer.from(data as Buffer) : data.toString()); });
}

/** Keeps the connection's frames and close in `logs` under `key`, dropping the oldest key past `MAX_LOGS`. */
function logUnder(ws: WebSocket, url: URL, key: string, logs: Logs): void {
  let connections = logs.get(key);
  if (!connections) {
    connections = [];
    logs.set(key, connections);
    for (const oldest of logs.keys()) {
      if (logs.size <= MAX_LOGS) break;
      logs.delete(oldest);
    }
  }
  const log: LoggedConnection = { path: url.pathname + url.search, frames: [], closed: null };
  connections.push(log);
  ws.on("close", (code, reason) => { log.closed = { code, reason: reason.toString() }; });
  ws.on("message", (data, isBinary) => {
    log.frames.push(isBinary ? { base64: rawBuffer(data).toString("base64") } : data.toString());
  });
}

/** The bytes of a received frame (`ws` gives a Buffer unless binaryType says otherwise). */
function rawBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
