// Bindings for Firefox that reach Node while the page's main thread stays busy. puppeteer-core's exposeFunction
// (a WebDriver BiDi channel) hands the call to Firefox's remote agent, which runs on the content process's event loop:
// a page that calls the binding and then blocks (a test's endless loop) never delivers the call. A synchronous
// XMLHttpRequest is on the wire, and answered, before the page's next statement runs, as Chromium's bindings are.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

/** One HTTP server on 127.0.0.1 that calls the registered functions with the JSON body POSTed to their URL. */
export class SyncBindingServer {
  private readonly handlers = new Map<string, (arg: unknown) => unknown>();

  private constructor(private readonly server: Server, readonly origin: string) {}

  /** Starts the server (never keeping the process alive). */
  static async start(): Promise<SyncBindingServer> {
    let self: SyncBindingServer | undefined;
    const server = createServer((req, res) => void self?.handle(req, res));
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
    server.unref();
    server.on("connection", (socket) => socket.unref());
    self = new SyncBindingServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Registers `fn`; returns the URL the page POSTs its argument to. */
  register(fn: (arg: unknown) => unknown): string {
    const token = randomBytes(12).toString("hex");
    this.handlers.set(token, fn);
    return `${this.origin}/${token}`;
  }

  /** Calls the function of the request's path with its body; answers `{ok, value}` or `{ok: false, error}`. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fn = this.handlers.get((req.url ?? "").slice(1));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let answer: unknown;
    try {
      if (!fn || req.method !== "POST") throw new Error("no such binding");
      answer = { ok: true, value: (await fn(JSON.parse(Buffer.concat(chunks).toString("utf8")))) ?? null };
    } catch (error) {
      answer = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    // The page is on another origin (the static server's): a text/plain POST needs no preflight, only this header.
    res.writeHead(fn ? 200 : 404, { "content-type": "application/json", "access-control-allow-origin": "*" });
    res.end(JSON.stringify(answer));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The page script defining `globalThis[name](arg)`: a synchronous POST of `arg` as JSON to `url`, resolving to what
 * the Node function returned (so the page's code runs on only once Node has the call, as with Chromium's bindings).
 */
export function syncBindingScript(name: string, url: string): string {
  return `globalThis[${JSON.stringify(name)}] = (arg) => {
  const request = new XMLHttpRequest();
  request.open("POST", ${JSON.stringify(url)}, false);
  request.setRequestHeader("content-type", "text/plain");
  request.send(JSON.stringify(arg === undefined ? null : arg));
  const answer = JSON.parse(request.responseText);
  return answer.ok ? Promise.resolve(answer.value) : Promise.reject(new Error(answer.error));
};`;
}
