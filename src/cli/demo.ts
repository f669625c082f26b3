// `wsbridge demo`: the worker-based real-time demo (examples/realtime). A `ws` server on 127.0.0.1 streams a live
// price feed (binary ticks and JSON text), a static server serves the page, Pyodide and dist/; the page runs the
// Python aggregation in a worker (createPythonWorker) and draws the results.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";
import { startStaticServer } from "../playwright/static-server.js";
import { closeServers } from "../playwright/test-server.js";
import type { RunIO } from "./runner.js";

/** The feed's instruments: index on the wire → name, starting price, volatility per tick. */
export const SYMBOLS = [
  { name: "ALPHA", start: 182.4, vol: 0.0009 },
  { name: "BETA", start: 1012.0, vol: 0.0006 },
  { name: "GAMMA", start: 23.7, vol: 0.0015 },
] as const;

/** Binary tick: kind (1) u8, seq u32, t (ms since the epoch) f64, symbol index u8, price f64 — big-endian, 22 bytes. */
export function encodeTick(seq: number, t: number, symbol: number, price: number): Buffer {
  const frame = Buffer.alloc(22);
  frame.writeUInt8(1, 0);
  frame.writeUInt32BE(seq >>> 0, 1);
  frame.writeDoubleBE(t, 5);
  frame.writeUInt8(symbol, 13);
  frame.writeDoubleBE(price, 14);
  return frame;
}

/** Most clients the feed streams to at once: each costs `rate` messages a second on this one Node thread. */
export const MAX_FEED_CLIENTS = 50;
/** Close code for a client past `MAX_FEED_CLIENTS`: 1013, try again later. */
export const FEED_FULL_CODE = 1013;
/** A client more than this many bytes behind in reading skips ahead instead of queueing without bound. */
const SLOW_READER_BYTES = 1 << 20;

/** The close reason a client past the limit gets. */
export function feedFullReason(max: number): string {
  return `wsbridge demo: the feed serves at most ${max} clients at once; try again later`;
}

/**
 * The ticks to send now, `[from, due)`: everything due since `seq`, unless the client reads too slowly (`buffered`
 * past 1 MiB: none, it skips to `due`) or the timer came too late (more than a tenth of a second's worth: only
 * that much), so one tick's work stays bounded however far behind the process fell.
 */
export function ticksToSend(seq: number, due: number, rate: number, buffered: number): { from: number; due: number } {
  if (buffered > SLOW_READER_BYTES) return { from: due, due };
  return { from: Math.max(seq, due - Math.ceil(rate / 10)), due };
}

export interface FeedServer {
  /** `ws://127.0.0.1:PORT/feed`. */
  url: string;
  close(): Promise<void>;
}

export interface FeedOptions {
  /** Port of the feed's WebSocket server on 127.0.0.1 (0: any free port). */
  port?: number;
  /** Messages per second per connection (default 300). */
  rate?: number;
  /** Most clients streamed at once (default `MAX_FEED_CLIENTS`); more are closed with `FEED_FULL_CODE`. */
  maxClients?: number;
}

/**
 * Starts the live feed. Each connection gets `{"type":"hello","feed":"live",...}`, then `rate` ticks a second
 * (three in four binary, one in four JSON `{"type":"tick",...}`) and a JSON `{"type":"status",...}` each second.
 * Past `maxClients` streaming at once, a new client is closed at once with 1013 and a reason saying so.
 */
export async function startFeedServer(options: FeedOptions = {}): Promise<FeedServer> {
  const rate = options.rate ?? 300;
  const maxClients = options.maxClients ?? MAX_FEED_CLIENTS;
  const streaming = new Set<WebSocket>();
  const http = createServer((_req, res) => {
    res.writeHead(426, { "Content-Type": "text/plain" });
    res.end("wsbridge demo feed: connect with a WebSocket to /feed\n");
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on("upgrade", (req: IncomingMessage, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/feed") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("error", () => {}); // an invalid frame: `ws` closes that connection; unheard, it would end the demo
      if (streaming.size >= maxClients) {
        ws.close(FEED_FULL_CODE, feedFullReason(maxClients));
        return;
      }
      streaming.add(ws);
      ws.on("close", () => streaming.delete(ws));
      stream(ws, rate, () => streaming.size);
    });
  });
  await new Promise<void>((ok, fail) => {
    http.once("error", (error) => fail(portError(error, "--feed-port")));
    http.listen(options.port ?? 0, "127.0.0.1", () => ok());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/feed`,
    close: () => closeServers(http, wss),
  };
}

/** Streams the live feed to one client until it goes away. */
function stream(ws: WebSocket, rate: number, clients: () => number): void {
  const prices: number[] = SYMBOLS.map((s) => s.start);
  const started = Date.now();
  let seq = 0;
  let lastStatus = started;
  ws.send(JSON.stringify({ type: "hello", feed: "live", source: "ws server on 127.0.0.1", symbols: SYMBOLS.map((s) => s.name), rate }));
  const timer = setInterval(() => {
    const now = Date.now();
    const next = ticksToSend(seq, Math.floor(((now - started) * rate) / 1000), rate, ws.bufferedAmount);
    seq = next.from;
    while (seq < next.due) {
      const symbol = seq % SYMBOLS.length;
      const { start, vol } = SYMBOLS[symbol]!;
      // A random walk pulled gently back towards its start, with an occasional jump.
      const shock = gaussian() * vol + (Math.random() < 0.002 ? (Math.random() - 0.5) * 0.02 : 0);
      prices[symbol] = prices[symbol]! * Math.exp(shock) + (start - prices[symbol]!) * 0.0005;
      const price = Math.round(prices[symbol]! * 100) / 100;
      if (seq % 4 === 3) ws.send(JSON.stringify({ type: "tick", seq, t: now, sym: SYMBOLS[symbol]!.name, price }));
      else ws.send(encodeTick(seq, now, symbol, price), { binary: true });
      seq++;
    }
    if (now - lastStatus >= 1000) {
      lastStatus = now;
      ws.send(JSON.stringify({ type: "status", clients: clients(), sent: seq, uptime: Math.round((now - started) / 1000) }));
    }
  }, 10);
  ws.on("close", () => clearInterval(timer));
}

/** A standard normal sample (Box–Muller). */
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

/** The folder holding the demo page: examples/realtime, from dist/cli.mjs or from src/cli/demo.ts. */
export function demoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, "..", "examples", "realtime"), resolve(here, "..", "..", "examples", "realtime")]) {
    if (existsSync(join(candidate, "index.html"))) return candidate;
  }
  throw new Error(`wsbridge demo: the demo page (examples/realtime/index.html) was not found next to ${here}`);
}

export interface Demo {
  /** The page to open: `http://127.0.0.1:PORT/demo/index.html?feed=ws://…`. */
  url: string;
  /** The live feed's WebSocket URL. */
  feedURL: string;
  close(): Promise<void>;
}

/** A listen error as one line naming the port and the option that chose it (EADDRINUSE, EACCES). */
export function portError(error: unknown, option: string): Error {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code === "EADDRINUSE") return new Error(`port ${e.port} on 127.0.0.1 is already in use (${option}): choose another port, or leave ${option} out for any free one`);
  if (e?.code === "EACCES") return new Error(`port ${e.port} on 127.0.0.1 is not allowed for this user (${option}): choose a port above 1023`);
  return e instanceof Error ? e : new Error(String(e));
}

export interface DemoOptions extends FeedOptions {
  /** Port of the page's HTTP server on 127.0.0.1 (0: any free port). `port` is the feed's. */
  pagePort?: number;
}

/** Starts the feed and the static server (page under `/demo/`, Pyodide under `/pyodide/`, dist/ under `/wsbridge/`). */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const feed = await startFeedServer(options);
  try {
    // Cross-origin isolated (COOP/COEP), as docs/pyscript.md advises for worker pages; everything is same-origin.
    const web = await startStaticServer({ mounts: { demo: demoDir() }, port: options.pagePort ?? 0, isolated: true }).catch((error: unknown) => {
      throw portError(error, "--port");
    });
    return {
      url: `${web.url}demo/index.html?feed=${encodeURIComponent(feed.url)}`,
      feedURL: feed.url,
      close: async () => {
        await Promise.all([web.close(), feed.close()]);
      },
    };
  } catch (error) {
    await feed.close();
    throw error;
  }
}

export const DEMO_HELP = `Usage: wsbridge demo [--port N] [--feed-port N] [--rate N]

Serves the worker-based real-time demo on 127.0.0.1 and prints its URL; runs until Ctrl-C.
A ws server streams a live price feed (binary and JSON frames); Python in a Web Worker aggregates it;
the page draws it, and a switch replaces the feed with a scripted mock (route_web_socket in Python).
The feed streams to at most ${MAX_FEED_CLIENTS} clients at once; another is closed with 1013 (try again later).

Options:
  --port N       port of the page (the URL to open; default: any free port)
  --feed-port N  port of the feed's WebSocket server (default: any free port)
  --rate N       feed messages per second (default 300)
  -h, --help     this text
`;

/** Parses `demo` arguments; throws a message for a bad command line. */
export function parseDemoArgs(argv: readonly string[]): { port: number; feedPort: number; rate: number; help: boolean } {
  const options = { port: 0, feedPort: 0, rate: 300, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") { options.help = true; continue; }
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (name !== "--port" && name !== "--feed-port" && name !== "--rate") throw new Error(`unknown option: ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${name} needs a whole number, got ${JSON.stringify(value ?? "")}`);
    const n = Number(value);
    if (name === "--port" || name === "--feed-port") {
      if (n > 65535) throw new Error(`${name} must be at most 65535, got ${n}`);
      if (name === "--port") options.port = n;
      else options.feedPort = n;
    } else {
      if (n < 1 || n > 5000) throw new Error(`--rate must be between 1 and 5000, got ${n}`);
      options.rate = n;
    }
  }
  return options;
}

/** The exit code after Ctrl-C, as every wsbridge command has it (`bin/wsbridge.mjs` exits with it too). */
const EXIT_INTERRUPTED = 130;

/** Runs `wsbridge demo ARGS` until SIGINT/SIGTERM; resolves to the exit code (130 after SIGINT, 0 after SIGTERM). */
export async function runDemoCommand(argv: readonly string[], io: RunIO): Promise<number> {
  let options: ReturnType<typeof parseDemoArgs>;
  try {
    options = parseDemoArgs(argv);
  } catch (error) {
    io.err(`wsbridge demo: ${(error as Error).message} (see wsbridge demo --help)\n`);
    return 2;
  }
  if (options.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  // Signal handlers go in before anything starts, so a signal that comes early still stops the demo cleanly.
  let requestStop: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((done) => { requestStop = done; });
  const onInterrupt = () => requestStop("SIGINT");
  const onTerminate = () => requestStop("SIGTERM");
  const unlisten = () => { process.off("SIGINT", onInterrupt); process.off("SIGTERM", onTerminate); };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onTerminate);
  let demo: Demo;
  try {
    demo = await startDemo({ pagePort: options.port, port: options.feedPort, rate: options.rate });
  } catch (error) {
    unlisten();
    io.err(`wsbridge demo: ${(error as Error).message}\n`);
    return 1;
  }
  io.out(`wsbridge demo: open ${demo.url}\n  live feed: ${demo.feedURL} (${options.rate} messages/s, at most ${MAX_FEED_CLIENTS} clients)\n  Ctrl-C to stop\n`);
  const signal = await stopRequested;
  unlisten();
  // Every socket is terminated, not closed with a handshake: a client that reads slowly cannot hold the stop up.
  await demo.close();
  io.out("wsbridge demo: stopped\n");
  return signal === "SIGINT" ? EXIT_INTERRUPTED : 0;
}
