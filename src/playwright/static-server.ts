// A static file server on 127.0.0.1 that serves the local Pyodide package and wsbridge's dist/ to pages.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createReadStream, existsSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { bundledPyodideDir, pyodideRelease } from "./pyodide-release.js";

/** Bytes a served file is read in at a time: a page start fetches ~70 MB (the snapshot, the stdlib, the wasm), and
 * Node's 64 KiB default made that ~1,100 reads and socket writes (~0.1 s of the command's CPU). */
const READ_CHUNK = 1 << 20;

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

/** The folder that holds the bundled npm `pyodide` package (pyodide.mjs, the wasm and the stdlib). */
export function pyodideDir(): string {
  return bundledPyodideDir();
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
  /** The Pyodide folder served as `pyodide/` (default: the bundled one; src/playwright/pyodide-release.ts checks it). */
  pyodide?: string;
  /** Send COOP/COEP so pages are cross-origin isolated. */
  isolated?: boolean;
  /** Never keep the Node process alive: the server and each connection are `unref()`ed. */
  unref?: boolean;
  /** Port on 127.0.0.1 (default 0: any free port). A port in use rejects with the listen error (`code` EADDRINUSE). */
  port?: number;
  /** A file served as `pyodide/python_stdlib.zip` instead of Pyodide's own: the bytecode-compiled copy (src/cli/stdlib.ts). */
  stdlib?: string;
  /**
   * Serve the Emscripten module (`pyodide/pyodide.asm.mjs`, `pyodide.asm.js` up to 0.29) with the heap grown before a
   * memory snapshot is copied in: Pyodide 0.27 to 314 copy a snapshot over 30 MiB past the end of their initial memory
   * (pyodide/pyodide#6254). See `patchSnapshotRestore`.
   */
  snapshots?: boolean;
  /** POST `/__upload/TOKEN/NAME` (NAME: letters) writes `dir/NAME.upload`: how a page hands the runner a snapshot. */
  uploads?: { token: string; dir: string };
  /** Bytes served at `/__blob/NAME` (the runner's project bundles), looked up when requested: the map may change. */
  blobs?: Map<string, Uint8Array>;
}

/** Largest upload accepted (a memory snapshot is ~40 MB). */
const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

/**
 * The statement in the Emscripten module that copies a snapshot into the heap (the same text in 0.27.x, 0.28.x,
 * 0.29.x and 314.0.x), and the same after growing it.
 */
const SNAPSHOT_COPY = "return Module.HEAP8.set(t),l}";
const SNAPSHOT_COPY_GROWN = "return t.length>Module.HEAP8.length&&Module.growMemory(t.length),Module.HEAP8.set(t),l}";

/** pyodide.asm.mjs with the heap grown before a snapshot is copied in; undefined when the statement is not there. */
export function patchSnapshotRestore(source: string): string | undefined {
  const at = source.indexOf(SNAPSHOT_COPY);
  if (at < 0 || source.indexOf(SNAPSHOT_COPY, at + 1) >= 0) return undefined;
  return source.replace(SNAPSHOT_COPY, SNAPSHOT_COPY_GROWN);
}

/** Starts a static server on 127.0.0.1, on `options.port` (default: any free port). */
export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const pyodide = options.pyodide ?? pyodideDir();
  const asm = `/pyodide/${pyodideRelease(pyodide).asm}`;
  const mounts: Record<string, string> = { pyodide, wsbridge: distDir(), ...options.mounts };
  const server: Server = createServer((req, res) => {
    const headers: Record<string, string> = { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" };
    if (options.isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "cross-origin";
    }
    const path = decodedPath(req.url);
    if (path === undefined) return plain(res, headers, 400, "bad request");
    if (path === "/favicon.ico") { res.writeHead(204, headers); res.end(); return; }
    if (options.uploads && path.startsWith("/__upload/")) return receiveUpload(req, res, headers, path, options.uploads);
    if (options.blobs && path.startsWith("/__blob/")) {
      const blob = options.blobs.get(path.slice("/__blob/".length));
      if (!blob) return plain(res, headers, 404, "not found");
      res.writeHead(200, { ...headers, "Content-Type": "application/octet-stream", "Content-Length": String(blob.length) });
      res.end(blob);
      return;
    }
    if (options.snapshots && path === asm) {
      const patched = patchedAsm(pyodide, asm);
      if (patched) {
        res.writeHead(200, { ...headers, "Content-Type": MIME[".mjs"], "Content-Length": String(Buffer.byteLength(patched)) });
        res.end(patched);
        return;
      }
    }
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { ...headers, "Content-Type": MIME[".html"] });
      res.end(BLANK_PAGE);
      return;
    }
    const found = options.stdlib && path === "/pyodide/python_stdlib.zip" ? fileAt(options.stdlib) : fileInMount(mounts, path);
    if (!found) return plain(res, headers, 404, "not found");
    res.writeHead(200, { ...headers, "Content-Type": MIME[extname(found.file)] ?? "application/octet-stream", "Content-Length": String(found.size) });
    // A file removed between the stat and the read must end this response, not the process.
    createReadStream(found.file, { highWaterMark: READ_CHUNK }).on("error", () => res.destroy()).pipe(res);
  });
  if (options.unref) {
    server.unref();
    server.on("connection", (socket) => socket.unref());
  }
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", () => { server.off("error", fail); ok(); });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** The request's path, percent-decoded; undefined when it cannot be decoded or holds a NUL byte. */
export function decodedPath(rawUrl: string | undefined): string | undefined {
  try {
    const path = decodeURIComponent(new URL(rawUrl ?? "/", "http://x").pathname);
    return path.includes("\0") ? undefined : path;
  } catch {
    return undefined; // e.g. `%E0%A4%A`: a truncated escape
  }
}

/** True when `path` is `root` itself or below it (a separator after the root, so `/x/site-secret` is not in `/x/site`). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The regular file a decoded path names inside its mount, or undefined. Checked twice: the path as written
 * (`..`, also when it was encoded as `%2e%2e` or `%2f`), then the real paths, so a symlink in the mount
 * cannot lead outside it.
 */
export function fileInMount(mounts: Record<string, string>, path: string): { file: string; size: number } | undefined {
  const [, prefix, ...rest] = path.split("/");
  if (prefix === undefined || !Object.hasOwn(mounts, prefix)) return undefined;
  const root = resolve(mounts[prefix]!);
  const file = resolve(root, rest.join("/"));
  if (!isInside(root, file)) return undefined;
  let real: string;
  try {
    real = realpathSync(file);
    if (!isInside(realpathSync(root), real)) return undefined;
  } catch {
    return undefined; // missing, or unreadable
  }
  return fileAt(real);
}

/** A regular file's path and size, or undefined (missing, unreadable, or not a regular file). */
function fileAt(file: string): { file: string; size: number } | undefined {
  try {
    const stat = statSync(file);
    return stat.isFile() ? { file, size: stat.size } : undefined;
  } catch {
    return undefined;
  }
}

/** True when the Pyodide in `dir` can restore large snapshots as served here (its module takes the patch). */
export function snapshotRestorePatchable(dir: string): boolean {
  return patchedAsm(dir, `/pyodide/${pyodideRelease(dir).asm}`) !== undefined;
}

const patchedAsmText = new Map<string, string | undefined>();

/** A Pyodide's Emscripten module patched for snapshot restores (read once a folder); undefined when it cannot be patched. */
function patchedAsm(dir: string, asm: string): string | undefined {
  const file = join(dir, asm.slice("/pyodide/".length));
  if (!patchedAsmText.has(file)) patchedAsmText.set(file, patchSnapshotRestore(readFileSync(file, "utf8")));
  return patchedAsmText.get(file);
}

/** Writes a POSTed body to `dir/NAME.upload` when the token matches; bounded in size. */
function receiveUpload(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, path: string, uploads: { token: string; dir: string }): void {
  const [, , token, name] = path.split("/");
  if (req.method !== "POST" || token !== uploads.token || !name || !/^[a-z]+$/.test(name)) return plain(res, headers, 404, "not found");
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_UPLOAD_BYTES) { plain(res, headers, 413, "too large"); req.destroy(); return; }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (size > MAX_UPLOAD_BYTES) return;
    try {
      writeFileSync(join(uploads.dir, `${name}.upload`), Buffer.concat(chunks));
      plain(res, headers, 200, String(size));
    } catch (error) {
      plain(res, headers, 500, error instanceof Error ? error.message : String(error));
    }
  });
}

/** Ends the response with a short plain-text status. */
function plain(res: ServerResponse, headers: Record<string, string>, status: number, text: string): void {
  res.writeHead(status, { ...headers, "Content-Type": "text/plain" });
  res.end(text);
}
