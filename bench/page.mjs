// The bench page: loads Pyodide + wsbridge, then runs the jobs bench/server.mjs hands out (GET /next) and posts
// each result back (POST /result). No DevTools involvement, so it runs the same in a Chromium spawned directly.
import { loadPyodide } from "/pyodide/pyodide.mjs";
import { installWsBridge } from "/wsbridge/wsbridge.mjs";

const wsURL = `ws://${location.host}/`;
const post = (path, body) => fetch(path, { method: "POST", body: JSON.stringify(body) });
const log = (text) => post("/log", { text });

async function bootPython() {
  const pyodide = await loadPyodide({ indexURL: "/pyodide/" });
  await installWsBridge(pyodide);
  const files = await (await fetch("/pyscript-sources.json")).json();
  files["/bench/bench_helpers.py"] = await (await fetch("/bench/bench_helpers.py")).text();
  pyodide.FS.mkdirTree("/bench/pyscript");
  for (const [path, text] of Object.entries(files)) pyodide.FS.writeFile(path, text);
  await pyodide.runPythonAsync("import sys\nsys.path.insert(0, '/bench')\nfrom bench_helpers import *");
  return pyodide;
}

let pyodide;
const py = (code) => pyodide.runPythonAsync(code);
const q = JSON.stringify;

/** Bytes of JS heap (precise with --enable-precise-memory-info) plus the Wasm memory Pyodide uses. */
async function memoryNow() {
  await py("import gc; gc.collect()");
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((ok) => setTimeout(ok, 20));
  }
  const wasm = pyodide._module?.HEAP8?.buffer?.byteLength ?? 0;
  return { js: performance.memory?.usedJSHeapSize ?? 0, wasm };
}

const jobs = {
  /** Exploration only (BENCH_EVAL): runs an async function body with `pyodide`, `py` and `wsURL` in scope. */
  async eval({ code }) {
    return new Function("pyodide", "py", "wsURL", `return (async () => { ${code} })()`)(pyodide, py, wsURL);
  },

  /**
   * µs per synthetic message event dispatched on a socket's browser object: a raw JS onmessage, pyscript.websocket
   * and wsbridge (each Python onmessage reads event.data once). Each implementation gets one MessageEvent, made
   * before timing and dispatched again and again (a dispatched event may be dispatched anew), so the time is the
   * browser's dispatch plus the handler path, not the harness making events. The three rotate in chunks of
   * `chunk` events, so a change in machine load hits all; returns, per implementation, the median chunk (gross)
   * and the median of its chunks minus the raw JS chunk of the same rotation (net: without the browser's own
   * dispatch, which every implementation pays alike).
   */
  async handler({ payload, n, chunk }) {
    const data = payload === "binary" ? new ArrayBuffer(1024) : "x".repeat(100);
    const sockets = {};
    const browserSocket = await py("browser_socket");
    for (const impl of ["pyscript", "wsbridge"]) {
      const ws = await py(`await open_socket(${q(impl)}, ${q(wsURL)})`);
      sockets[impl] = { ws, target: browserSocket(ws), times: [] };
    }
    browserSocket.destroy();
    const raw = new WebSocket(wsURL);
    raw.binaryType = "arraybuffer";
    await new Promise((ok) => { raw.onopen = ok; });
    let rawCount = 0;
    raw.onmessage = (e) => { e.data; rawCount++; };
    sockets.raw = { target: raw, times: [] };
    const impls = ["raw", "pyscript", "wsbridge"];
    for (const impl of impls) sockets[impl].event = new MessageEvent("message", { data });
    for (let done = 0, turn = 0; done < n; done += chunk, turn++) {
      // Rotate the order too, so no implementation always runs right after another.
      for (let k = 0; k < impls.length; k++) {
        const { target, times, event } = sockets[impls[(k + turn) % impls.length]];
        const start = performance.now();
        for (let i = 0; i < chunk; i++) target.dispatchEvent(event);
        times.push(((performance.now() - start) * 1000) / chunk);
      }
    }
    raw.close();
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const expected = Math.ceil(n / chunk) * chunk;
    if (rawCount !== expected) throw new Error(`raw handled ${rawCount} of ${expected}`);
    const out = { raw: { gross: med(sockets.raw.times), net: 0 } };
    for (const impl of ["pyscript", "wsbridge"]) {
      // Every event must have reached the handler (a plain handler: nothing is left running).
      const got = await py(`counted[${q(impl)}]`);
      if (got !== expected) throw new Error(`${impl} handled ${got} of ${expected}`);
      sockets[impl].ws.close();
      sockets[impl].ws.destroy();
      const times = sockets[impl].times;
      out[impl] = { gross: med(times), net: med(times.map((t, i) => t - sockets.raw.times[i])) };
    }
    return out;
  },

  /** ms to receive n frames: raw JS onmessage, a Python onmessage, or connect() + async for. */
  async receive({ impl, payload: kind, size, n }) {
    if (impl === "raw") {
      return new Promise((resolve) => {
        const ws = new WebSocket(wsURL);
        ws.binaryType = "arraybuffer";
        let count = 0, start = 0;
        ws.onopen = () => { start = performance.now(); ws.send(`blast ${n} ${size} ${kind}`); };
        ws.onmessage = (e) => { e.data; if (++count === n) { resolve(performance.now() - start); ws.close(); } };
      });
    }
    const fn = impl === "onmessage" ? "receive_onmessage" : "receive_async_for";
    return py(`await ${fn}(${q(wsURL)}, ${n}, ${q(kind)}, ${size})`);
  },

  /** ms to send n frames of `size` bytes and have the server count them. */
  async send({ impl, n, size }) {
    if (impl === "raw") {
      const payload = new Uint8Array(size);
      return new Promise((resolve) => {
        const ws = new WebSocket(wsURL);
        let start = 0;
        ws.onopen = () => {
          start = performance.now();
          ws.send(`count ${n}`);
          for (let i = 0; i < n; i++) ws.send(payload);
        };
        ws.onmessage = () => { resolve(performance.now() - start); ws.close(); };
      });
    }
    return py(`await send_bytes(${q(wsURL)}, ${n}, ${size})`);
  },

  /** Growth of JS heap + Wasm memory over n frames from a Python route into a Python handler, after GC. */
  async memory({ n }) {
    const url = "ws://mock.invalid/memory";
    await py(`await memory_run(${q(url)}, 2000)`); // warm-up: first-use allocations are not growth
    const before = await memoryNow();
    const result = (await py(`await memory_run(${q(url)}, ${n})`)).toJs({ dict_converter: Object.fromEntries });
    const after = await memoryNow();
    return { ...result, js: after.js - before.js, wasm: after.wasm - before.wasm };
  },

  /** ms for installWsBridge into a freshly loaded Pyodide. */
  async install() {
    const fresh = await loadPyodide({ indexURL: "/pyodide/" });
    const start = performance.now();
    await installWsBridge(fresh);
    return performance.now() - start;
  },
};

try {
  pyodide = await bootPython();
  await post("/ready", { memory: await memoryNow() });
} catch (error) {
  await post("/ready", { error: String(error?.stack ?? error) });
}
for (;;) {
  const job = await (await fetch("/next", { cache: "no-store" })).json();
  if (job.kind === "stop") break;
  try {
    const value = await jobs[job.kind](job);
    await post("/result", { id: job.id, value });
  } catch (error) {
    await log(String(error?.stack ?? error));
    await post("/result", { id: job.id, kind: job.kind, error: String(error?.message ?? error) });
  }
}
