// A `ws` server on 127.0.0.1 with scripted behaviours by path, for tests and examples.
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { isValidCloseCode as isPageCloseCode } from "../socket/validation.js";
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
/** Close code for a request the server cannot honour (a bad `n`): 1008, policy violation. */
export const BAD_REQUEST_CODE = 1008;
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
 * An N that is not a whole number in range closes the connection at once with 1008 and a reason naming the limit.
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
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/hang") {
      hanging.add(socket);
      socket.on("error", () => {}); // the client giving up resets the connection: nothing to report
      socket.on("close", () => hanging.delete(socket));
      return;
    }
    if (path === "/reject") {
      const status = rejectStatus(new URL(req.url ?? "/", "http://x").searchParams.get("status"));
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Refused"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => behave(ws, req, options.record ? received : undefined, logs));
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

/** The HTTP status `/reject` answers with: `value` when it is a whole number 400..599, else 400. */
export function rejectStatus(value: string | null): number {
  const status = countParam(value, 400, 599);
  return status === undefined || status < 400 ? 400 : status;
}

/** A close code a server may send (1000, or an application code 3000..4999), or undefined. */
export function closeCodeParam(value: string): number | undefined {
  const code = countParam(value, 1000, 4999);
  return code !== undefined && isPageCloseCode(code) ? code : undefined;
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
function behave(ws: WebSocket, req: IncomingMessage, received: TestServer["received"] | undefined, logs: Logs): void {
  const url = new URL(req.url ?? "/", "http://x");
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
      const code = Number(q.get("code") ?? 1000);
      const reason = q.get("reason") ?? "";
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
      if (utf8Length(reason) > MAX_REASON_BYTES) return ws.close(BAD_REQUEST_CODE, `reason must be at most ${MAX_REASON_BYTES} bytes`);
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
