// A static file server on 127.0.0.1 that serves the local Pyodide package and wsbridge's dist/ to pages.
import { createServer, type Server } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";

/** MIME types by extension; `.wasm` must be `application/wasm` or `loadPyodide` hangs. */
const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".zip": "application/zip",
  ".whl": "application/zip",
  ".py": "text/x-python; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".toml": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** The folder that holds the npm `pyodide` package (pyodide.mjs, the wasm and the stdlib). */
export function pyodideDir(): string {
  return dirname(createRequire(import.meta.url).resolve("pyodide/package.json"));
}

/** wsbridge's dist/ folder: this module lives in it once built; run from source (src/playwright/), it is ../../dist. */
export function distDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, "wsbridge.mjs"))) return here;
  const fromSource = resolve(here, "..", "..", "dist");
  return existsSync(join(fromSource, "wsbridge.mjs")) ? fromSource : here;
}

/** The blank page served at `/`: a same-origin document for Pyodide to live in. */
export const BLANK_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>wsbridge</title></head><body></body></html>`;

export interface StaticServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** URL prefix (no slashes) → folder. `pyodide` and `wsbridge` are always mounted. */
  mounts?: Record<string, string>;
  /** Send COOP/COEP so pages are cross-origin isolated. */
  isolated?: boolean;
}

/** Starts a static server on 127.0.0.1, port 0. */
export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const mounts: Record<string, string> = { pyodide: pyodideDir(), wsbridge: distDir(), ...options.mounts };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const headers: Record<string, string> = { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" };
    if (options.isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "cross-origin";
    }
    if (path === "/favicon.ico") { res.writeHead(204, headers); res.end(); return; }
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { ...headers, "Content-Type": MIME[".html"] });
      res.end(BLANK_PAGE);
      return;
    }
    const [, prefix, ...rest] = path.split("/");
    const base = prefix === undefined ? undefined : mounts[prefix];
    const file = base === undefined ? undefined : resolve(base, normalize(rest.join("/")));
    if (base === undefined || file === undefined || !file.startsWith(resolve(base))) return notFound(res, headers);
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return notFound(res, headers);
      size = stat.size;
    } catch {
      return notFound(res, headers);
    }
    res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] ?? "application/octet-stream", "Content-Length": String(size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

function notFound(res: import("node:http").ServerResponse, headers: Record<string, string>): void {
  res.writeHead(404, { ...headers, "Content-Type": "text/plain" });
  res.end("not found");
}

