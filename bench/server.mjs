// The bench's one local server: static files for the page (Pyodide, the built wsbridge, the bench page), a ws
// endpoint that blasts or counts frames, and a job queue the page pulls from (GET /next) and answers (POST
// /result). The page needs no DevTools connection, so a Chromium spawned without CDP can run the benchmarks.
import { createServer } from "node:http";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const MOUNTS = {
  pyodide: dirname(require.resolve("pyodide/package.json")),
  wsbridge: join(here, "..", "dist"),
  bench: here,
};
const MIME = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".py": "text/plain", ".zip": "application/zip", ".whl": "application/zip" };

/** PyScript's websocket module and what it imports, as files for Pyodide's FS (its shipped stdlib sources). */
export function pyscriptSources() {
  const root = join(dirname(require.resolve("@pyscript/core/package.json")), "src/stdlib/pyscript");
  return {
    "/bench/pyscript/__init__.py": 'config = {"type": "py"}\n',
    "/bench/pyscript/ffi.py": "from pyodide.ffi import create_proxy, to_js\n",
    "/bench/pyscript/util.py": readFileSync(join(root, "util.py"), "utf8"),
    "/bench/pyscript/websocket.py": readFileSync(join(root, "websocket.py"), "utf8").replace("from pyscript import WebSocket", ""),
  };
}

/** Handles one ws connection: "blast N SIZE text|binary" sends N frames; "count N" answers "counted" after N more. */
function blast(ws) {
  let expect = 0;
  ws.on("message", (data) => {
    if (expect > 0) {
      if (--expect === 0) ws.send("counted");
      return;
    }
    const [cmd, n, size, kind] = String(data).split(" ");
    if (cmd === "count") expect = Number(n);
    if (cmd !== "blast") return;
    const frame = kind === "binary" ? Buffer.alloc(Number(size), 7) : "x".repeat(Number(size));
    for (let i = 0; i < Number(n); i++) ws.send(frame, { binary: kind === "binary" });
  });
}

/** Starts the server; `run(job)` hands a job to the page and resolves with its result. */
export async function startBenchServer() {
  const waiting = []; // pages waiting for a job
  const jobs = []; // jobs waiting for a page
  const pending = new Map(); // job id → {resolve, reject}
  let nextId = 0;
  let onReady;
  const ready = new Promise((ok) => { onReady = ok; });

  const handOut = () => {
    while (waiting.length && jobs.length) {
      const res = waiting.shift();
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(JSON.stringify(jobs.shift()));
    }
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/next") {
      waiting.push(res);
      handOut();
      return;
    }
    if (url.pathname === "/result" || url.pathname === "/ready" || url.pathname === "/log") {
      let body = "";
      req.on("data", (c) => { body += c; });
      req.on("end", () => {
        res.writeHead(204);
        res.end();
        const msg = body ? JSON.parse(body) : {};
        if (url.pathname === "/ready") return onReady(msg);
        if (url.pathname === "/log") return console.error(`page: ${msg.text}`);
        const entry = pending.get(msg.id);
        pending.delete(msg.id);
        if (!entry) return;
        if (msg.error) entry.reject(new Error(`${msg.kind}: ${msg.error}`));
        else entry.resolve(msg.value);
      });
      return;
    }
    if (url.pathname === "/" || url.pathname === "/index.html") {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end('<!doctype html><meta charset="utf-8"><title>wsbridge bench</title><script type="module" src="/bench/page.mjs"></script>');
      return;
    }
    if (url.pathname === "/pyscript-sources.json") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(pyscriptSources()));
      return;
    }
    const [, mount, ...rest] = decodeURIComponent(url.pathname).split("/");
    const root = MOUNTS[mount];
    const file = root && normalize(join(root, ...rest));
    let size = -1;
    try {
      if (file && file.startsWith(root + sep)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch { /* not found */ }
    if (size < 0) {
      res.writeHead(404);
      res.end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": MIME[extname(file)] ?? "application/octet-stream", "Content-Length": String(size) });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", blast);
  await new Promise((ok) => http.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${http.address().port}`;
  return {
    origin,
    wsURL: `ws://127.0.0.1:${http.address().port}/`,
    /** Resolves once a page reported that Pyodide and wsbridge are loaded. */
    ready,
    /** Runs a job in the page that pulls jobs; resolves with its value. */
    run(job) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        jobs.push({ ...job, id });
        handOut();
      });
    },
    close() {
      for (const res of waiting.splice(0)) { res.writeHead(200, { "Content-Type": "application/json" }); res.end('{"kind":"stop"}'); }
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections?.();
      http.close();
    },
  };
}
