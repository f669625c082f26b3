// npm run bench: wsbridge against baselines run in the same process, reported as ratios (never asserted).
// Baselines: raw JS handlers on the browser's WebSocket, PyScript's own `pyscript.websocket` (its source from
// the local @pyscript/core package), and Playwright's page.routeWebSocket. Each case is the median of ROUNDS.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { WebSocketServer } from "ws";
import { attachPython, launchChromium } from "../dist/playwright.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N = Number(process.env.BENCH_MESSAGES ?? 10_000);

/** A ws server: "blast N SIZE text|binary" sends N frames; "count N" answers "counted" after N more frames. */
async function startBlastServer() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (ws) => {
    let expect = 0;
    ws.on("message", (data, isBinary) => {
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
  });
  await new Promise((ok) => http.listen(0, "127.0.0.1", ok));
  return { url: `ws://127.0.0.1:${http.address().port}/`, close: () => { wss.close(); http.close(); } };
}

/** PyScript's websocket module and what it imports, as files for Pyodide's FS (its shipped stdlib sources). */
function pyscriptSources() {
  const root = join(dirname(createRequire(import.meta.url).resolve("@pyscript/core/package.json")), "src/stdlib/pyscript");
  return {
    "/bench/pyscript/__init__.py": "config = {\"type\": \"py\"}\n",
    "/bench/pyscript/ffi.py": "from pyodide.ffi import create_proxy, to_js\n",
    "/bench/pyscript/util.py": readFileSync(join(root, "util.py"), "utf8"),
    "/bench/pyscript/websocket.py": readFileSync(join(root, "websocket.py"), "utf8").replace("from pyscript import WebSocket", ""),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `once` ROUNDS times after one warm-up; returns the median in ms. */
async function measure(once) {
  await once();
  const times = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await once());
  return median(times);
}

const PY_SETUP = `
import asyncio, js, sys
sys.path.insert(0, "/bench")
from pyscript.websocket import WebSocket as PyScriptWebSocket
from wsbridge import WebSocket, connect

async def receive_with(cls, url, n, kind, size):
    loop = asyncio.get_event_loop()
    opened, done = loop.create_future(), loop.create_future()
    count = 0
    def onmessage(event):
        nonlocal count
        event.data
        count += 1
        if count == n: done.set_result(js.performance.now())
    ws = cls(url, onopen=lambda e: opened.set_result(None), onmessage=onmessage)
    await opened
    start = js.performance.now()
    ws.send(f"blast {n} {size} {kind}")
    end = await done
    ws.close()
    return end - start

async def receive_connect(url, n, kind, size):
    async with connect(url) as ws:
        start = js.performance.now()
        await ws.send(f"blast {n} {size} {kind}")
        for _ in range(n):
            await ws.recv()
        return js.performance.now() - start

async def send_with(cls, url, n, size):
    loop = asyncio.get_event_loop()
    opened, done = loop.create_future(), loop.create_future()
    ws = cls(url, onopen=lambda e: opened.set_result(None), onmessage=lambda e: done.set_result(js.performance.now()))
    await opened
    payload = bytes(size)
    start = js.performance.now()
    ws.send(f"count {n}")
    for _ in range(n):
        ws.send(payload)
    end = await done
    ws.close()
    return end - start
`;

/** In-page raw JS: time to receive n frames with a plain onmessage handler. */
function rawReceive([url, n, kind, size]) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    let count = 0, start = 0;
    ws.onopen = () => { start = performance.now(); ws.send(`blast ${n} ${size} ${kind}`); };
    ws.onmessage = () => { if (++count === n) { resolve(performance.now() - start); ws.close(); } };
  });
}

/** In-page: time for a routed mock to deliver n text frames to a plain page handler (route sends on "go"). */
function routedReceive([url, n]) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let count = 0, start = 0;
    ws.onopen = () => { start = performance.now(); ws.send(`go ${n}`); };
    ws.onmessage = () => { if (++count === n) { resolve(performance.now() - start); ws.close(); } };
  });
}

const MOCK_HANDLER = `(ws) => { ws.onMessage((m) => { const n = Number(String(m).split(" ")[1]); for (let i = 0; i < n; i++) ws.send("x".repeat(100)); }); }`;

async function main() {
  const browser = await launchChromium();
  const server = await startBlastServer();
  const rows = [];
  const row = (group, name, ms, base) => {
    rows.push({ group, name, ms, ratio: base ? ms / base : 1 });
    console.error(`bench: ${group} / ${name}: ${ms.toFixed(1)} ms`);
  };
  try {
    const page = await browser.newPage();
    page.on("crash", () => console.error("bench: the page crashed"));
    const py = await attachPython(page);
    await page.evaluate((files) => {
      const fs = globalThis.__wsbridgePyodide.FS;
      fs.mkdirTree("/bench/pyscript");
      for (const [path, text] of Object.entries(files)) fs.writeFile(path, text);
    }, pyscriptSources());
    await py.runAsync(PY_SETUP);

    for (const [kind, size] of [["text", 100], ["binary", 1024]]) {
      const group = `receive ${N} × ${size} B ${kind}`;
      const base = await measure(() => page.evaluate(rawReceive, [server.url, N, kind, size]));
      row(group, "raw JS onmessage", base, base);
      const pyscript = await measure(() => py.runAsync(`await receive_with(PyScriptWebSocket, ${JSON.stringify(server.url)}, ${N}, "${kind}", ${size})`));
      row(group, "pyscript.websocket", pyscript, base);
      const ours = await measure(() => py.runAsync(`await receive_with(WebSocket, ${JSON.stringify(server.url)}, ${N}, "${kind}", ${size})`));
      row(group, "wsbridge.WebSocket", ours, base);
      row(group, "wsbridge vs pyscript", ours, pyscript);
      const client = await measure(() => py.runAsync(`await receive_connect(${JSON.stringify(server.url)}, ${N}, "${kind}", ${size})`));
      row(group, "wsbridge connect().recv()", client, base);
    }

    const sends = 20, size = 64 * 1024;
    const group = `send ${sends} × 64 KiB binary from Python`;
    const pyscriptSend = await measure(() => py.runAsync(`await send_with(PyScriptWebSocket, ${JSON.stringify(server.url)}, ${sends}, ${size})`));
    row(group, "pyscript.websocket", pyscriptSend, pyscriptSend);
    const oursSend = await measure(() => py.runAsync(`await send_with(WebSocket, ${JSON.stringify(server.url)}, ${sends}, ${size})`));
    row(group, "wsbridge.WebSocket", oursSend, pyscriptSend);

    // Routing: a mock that answers "go N" with N text frames, under Playwright's routing and under ours.
    const routeGroup = `routed mock → page, ${N} × 100 B text`;
    const mockURL = "ws://mock.invalid/feed";
    const pwPage = await browser.newPage();
    await pwPage.routeWebSocket(mockURL, eval(MOCK_HANDLER));
    await pwPage.goto(py.baseURL);
    const playwright = await measure(() => pwPage.evaluate(routedReceive, [mockURL, N]));
    row(routeGroup, "Playwright page.routeWebSocket", playwright, playwright);
    const jsPage = await browser.newPage();
    await jsPage.goto(py.baseURL);
    await jsPage.evaluate(async ([base, handler]) => {
      const { routeWebSocket } = await import(`${base}wsbridge/wsbridge.mjs`);
      await routeWebSocket("ws://mock.invalid/feed", (0, eval)(handler));
    }, [py.baseURL, MOCK_HANDLER]);
    const oursJS = await measure(() => jsPage.evaluate(routedReceive, [mockURL, N]));
    row(routeGroup, "wsbridge routeWebSocket (JS)", oursJS, playwright);
    await py.runAsync(`
from wsbridge import route_web_socket
def _mock(ws):
    def on_message(m):
        for _ in range(int(str(m).split(" ")[1])):
            ws.send("x" * 100)
    ws.on_message(on_message)
route_web_socket("ws://mock.invalid/feed", _mock)
None
`);
    const oursPy = await measure(() => page.evaluate(routedReceive, [mockURL, N]));
    row(routeGroup, "wsbridge route_web_socket (Python)", oursPy, playwright);
  } finally {
    server.close();
    await browser.close();
  }

  console.log(`wsbridge bench — median of ${ROUNDS} rounds, Chromium headless, Pyodide, ws server on 127.0.0.1\n`);
  let last = "";
  for (const r of rows) {
    if (r.group !== last) console.log(`\n${(last = r.group)}`);
    console.log(`  ${r.name.padEnd(38)} ${r.ms.toFixed(1).padStart(9)} ms   ${r.ratio.toFixed(2).padStart(7)}×`);
  }
  console.log("\nratio: time divided by the first line of its group (lower is faster), except 'wsbridge vs pyscript'.");
}

await main();
process.exit(0);
