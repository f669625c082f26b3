// A `ws` server on 127.0.0.1 with scripted behaviours by path, for tests and examples.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket, type RawData } from "ws";

export interface TestServer {
  /** `ws://127.0.0.1:PORT` (no trailing slash); append a path such as `/echo`. */
  url: string;
  /** Every frame the server received, per connection, in order (text as string, binary as Buffer). */
  received: Array<{ path: string; frames: Array<string | Buffer>; closed?: { code: number; reason: string } }>;
  close(): Promise<void>;
}

/**
 * Paths:
 * - `/echo`: echoes each frame with its type.
 * - `/close?code=N&reason=R`: closes with that code and reason after the first message (or at once with `now=1`).
 * - `/burst?n=N&binary=1`: sends N numbered frames at once (`"0".."N-1"`, or 4-byte big-endian ints), then echoes.
 * - `/die?after=N`: sends N frames, then drops the TCP connection without a close frame.
 * - `/reject`: refuses the handshake with HTTP 400.
 * - `/mixed?n=N`: sends N frames, every third binary (`i` repeated, 200 kB for even i, 10 bytes for odd), the others
 *   text `"t<i>"`, then closes with 4100 "done".
 * - any path: a requested subprotocol is accepted (the first one offered), and the path echoes.
 */
export async function startTestServer(): Promise<TestServer> {
  const http = createServer((_req, res) => { res.writeHead(426); res.end(); });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });
  const received: TestServer["received"] = [];
  http.on("upgrade", (req: IncomingMessage, socket, head) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/reject") {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => behave(ws, req, received));
  });
  await new Promise<void>((ok) => http.listen(0, "127.0.0.1", ok));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    close: () => closeServers(http, wss),
  };
}

/** Drops every client at once, then closes the ws server and its HTTP server. */
export function closeServers(http: Server, wss: WebSocketServer): Promise<void> {
  return new Promise<void>((ok) => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    http.closeAllConnections();
    http.close(() => ok());
  });
}

/** Runs the behaviour named by the request path on one connection. */
function behave(ws: WebSocket, req: IncomingMessage, received: TestServer["received"]): void {
  const url = new URL(req.url ?? "/", "http://x");
  const q = url.searchParams;
  const log: TestServer["received"][number] = { path: url.pathname + url.search, frames: [] };
  received.push(log);
  const echo = (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary });
  ws.on("close", (code, reason) => { log.closed = { code, reason: reason.toString() }; });
  ws.on("message", (data, isBinary) => { log.frames.push(isBinary ? Buffer.from(data as Buffer) : data.toString()); });
  switch (url.pathname) {
    case "/close": {
      const code = Number(q.get("code") ?? 1000);
      const reason = q.get("reason") ?? "";
      if (q.get("now")) ws.close(code, reason);
      else ws.once("message", () => ws.close(code, reason));
      return;
    }
    case "/burst": {
      const n = Number(q.get("n") ?? 100);
      const binary = q.get("binary") === "1";
      for (let i = 0; i < n; i++) {
        if (binary) {
          const frame = Buffer.alloc(4);
          frame.writeUInt32BE(i);
          ws.send(frame, { binary: true });
        } else ws.send(String(i));
      }
      ws.on("message", echo);
      return;
    }
    case "/die": {
      const after = Number(q.get("after") ?? 3);
      for (let i = 0; i < after; i++) ws.send(String(i));
      // Let the frames leave before the reset: the page must still see them, then 1006.
      setTimeout(() => ws.terminate(), 50);
      return;
    }
    case "/mixed": {
      const n = Number(q.get("n") ?? 30);
      for (let i = 0; i < n; i++) {
        if (i % 3 === 0) ws.send(Buffer.alloc(i % 2 === 0 ? 200_000 : 10, i % 256), { binary: true });
        else ws.send(`t${i}`);
      }
      ws.close(4100, "done");
      return;
    }
    default:
      ws.on("message", echo);
  }
}
