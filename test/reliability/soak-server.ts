// A ws server for the reliability tests, with flow control: `/soak?n=N&k=K` sends N numbered frames (every
// third binary: 4-byte big-endian sequence number plus padding; the others text "t:<seq>"), waits for the
// client's "ack:<seq>" after every K frames, then sends "end"; other paths echo.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { closeServers } from "../../src/playwright/test-server.js";

export interface SoakServer {
  url: string;
  /** Close codes the server saw, per path, in order. */
  closes: Array<{ path: string; code: number }>;
  /** Acks received so far, per path. */
  acks: Map<string, number>;
  close(): Promise<void>;
}

/** Soak frame `seq`: text, or binary with the sequence number first. */
export function soakFrame(seq: number): string | Buffer {
  if (seq % 3 !== 0) return `t:${seq}`;
  const frame = Buffer.alloc(4 + (seq % 64), seq % 251);
  frame.writeUInt32BE(seq);
  return frame;
}

/** Sends frames `from..to-1`, waiting for drain when the socket buffers more than 1 MiB. */
async function sendRange(ws: WebSocket, from: number, to: number): Promise<void> {
  for (let seq = from; seq < to && ws.readyState === ws.OPEN; seq++) {
    const frame = soakFrame(seq);
    if (ws.bufferedAmount > 1 << 20) await new Promise<void>((ok) => ws.send(frame, () => ok()));
    else ws.send(frame);
  }
}

/** Runs the soak on one connection: K frames, then wait for the ack of the last of them; `acked` counts acks. */
function soak(ws: WebSocket, n: number, k: number, acked: () => void): void {
  let sent = 0;
  const next = async () => {
    const to = Math.min(n, sent + k);
    await sendRange(ws, sent, to);
    sent = to;
    if (sent === n && ws.readyState === ws.OPEN) ws.send("end");
  };
  ws.on("message", (data) => {
    if (data.toString() !== `ack:${sent - 1}`) return;
    acked();
    if (sent < n) void next();
  });
  void next();
}

/** Starts the server on 127.0.0.1. */
export async function startSoakServer(): Promise<SoakServer> {
  const http: Server = createServer((_req, res) => { res.writeHead(426); res.end(); });
  const wss = new WebSocketServer({ noServer: true });
  const closes: SoakServer["closes"] = [];
  const acks: SoakServer["acks"] = new Map();
  http.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://x");
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("close", (code) => closes.push({ path: url.pathname, code }));
      const n = Number(url.searchParams.get("n") ?? 0);
      const key = url.pathname + url.search;
      if (url.pathname === "/soak") soak(ws, n, Number(url.searchParams.get("k") ?? 500), () => acks.set(key, (acks.get(key) ?? 0) + 1));
      else ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((ok) => http.listen(0, "127.0.0.1", ok));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    closes,
    acks,
    close: () => closeServers(http, wss),
  };
}
