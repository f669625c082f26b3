// npm run bench: wsbridge against baselines in the same browser, as medians of interleaved rounds (never asserted).
//
// Two browsers:
// - Chromium spawned directly (bench/direct.mjs), no DevTools connection: the page pulls jobs from bench/server.mjs
//   over HTTP. Real-socket figures come from here, because Playwright's CDP session mirrors every WebSocket frame
//   to the driver and slows the page's own receive 1.5–4×. Also handler cost, memory and install time.
// - Chromium launched by Playwright, only for the mocked round trips: the baseline is page.routeWebSocket.
//
// Writes bench/results.json ({"figures": [...]}, ratio = how many times better wsbridge is than the baseline) and
// rewrites the README's table (bench/readme-table.mjs).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { attachPython, launchChromium } from "../dist/playwright.mjs";
import { openBenchPage } from "./direct.mjs";
import { writeReadmeTable } from "./readme-table.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 21));
/** Exploration: BENCH_ONLY=handler,send runs only the direct cases whose names start so, prints them, writes nothing. */
const ONLY = process.env.BENCH_ONLY?.split(",").filter(Boolean);
const HANDLER_EVENTS = 100_000; // per implementation and round, alternating in chunks
const HANDLER_CHUNK = 2_000;
const FRAMES = 20_000;
const SENDS = 200;
const SEND_SIZE = 64 * 1024;
const MEMORY_MESSAGES = 100_000;
/**
 * Back-to-back pairs per round for the real-socket figures: a 20,000-frame receive varies by ±30 % with how the two
 * cores schedule the server, the network service and the renderer, and a send run lasts only ~60 ms.
 */
const PAIRS = { receive: 3, send: 5 };
const ROUND_TRIPS = { playwright: 300, js: 3000, python: 3000 };

/** `group` written `times` times over (each copy a pair of its own in the paired ratios). */
const repeated = (times, group) => Array.from({ length: times }, () => group).flat();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (text) => console.error(`bench: ${text}`);

/** Samples per case name, filled round by round. */
const samples = new Map();
const add = (name, value) => {
  if (!samples.has(name)) samples.set(name, []);
  samples.get(name).push(value);
};
/** Per round, the wsbridge case's value over its baseline's (run back to back in that round), as "better" reads it. */
const pairedRatios = (f) => {
  const ours = samples.get(f.ours) ?? [], base = samples.get(f.base) ?? [];
  return ours.map((v, i) => (f.better === "higher" ? v / base[i] : base[i] / v)).filter(Number.isFinite);
};
const stats = (name) => {
  const xs = samples.get(name) ?? [];
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
};

/** The figures the README and results.json carry: each a wsbridge case against a baseline case. */
const FIGURES = [
  { name: "handler cost binary 1 KiB", unit: "µs/msg", better: "lower", ours: "handler wsbridge binary", base: "handler pyscript binary", baseline: "pyscript.websocket", target: 2, gross: true },
  { name: "handler cost text 100 B", unit: "µs/msg", better: "lower", ours: "handler wsbridge text", base: "handler pyscript text", baseline: "pyscript.websocket", target: 2, gross: true },
  { name: "receive binary 1 KiB direct", unit: "msgs/s", better: "higher", ours: "receive onmessage binary", base: "receive raw binary", baseline: "raw JS onmessage", target: 0.9 },
  { name: "receive text 100 B direct", unit: "msgs/s", better: "higher", ours: "receive onmessage text", base: "receive raw text", baseline: "raw JS onmessage", target: 0.9 },
  { name: "receive async for direct", unit: "msgs/s", better: "higher", ours: "receive asyncfor text", base: "receive raw text", baseline: "raw JS onmessage", target: 0.8 },
  { name: "send 64 KiB direct", unit: "MB/s", better: "higher", ours: "send python", base: "send raw", baseline: "raw JS send", target: 0.9 },
  { name: "mocked round trip JS route", unit: "round trips/s", better: "higher", ours: "round trip js", base: "round trip playwright", baseline: "Playwright page.routeWebSocket", target: 100 },
  { name: "mocked round trip Python route", unit: "round trips/s", better: "higher", ours: "round trip python", base: "round trip playwright", baseline: "Playwright page.routeWebSocket", target: 30 },
  { name: "memory growth 100k messages", unit: "MB", better: "lower", ours: "memory", base: null, baseline: "limit", baselineValue: 5, target: 1 },
  { name: "install time", unit: "ms", better: "lower", ours: "install", base: null, baseline: "limit", baselineValue: 50, target: 1 },
];

/** Real sockets, handler cost, memory and install time, in a Chromium without a DevTools connection. */
async function direct() {
  const { server, close } = await openBenchPage();
  try {
    log("direct Chromium ready (Pyodide + wsbridge loaded)");
    const mbps = (ms) => (SENDS * SEND_SIZE) / 1e6 / (ms / 1000);
    const rate = (ms) => FRAMES / (ms / 1000);
    // One round: each baseline right next to its wsbridge case, so load changes hit both.
    const cases = [
      ["handler binary", { kind: "handler", payload: "binary", n: HANDLER_EVENTS, chunk: HANDLER_CHUNK }, null, true],
      ["handler text", { kind: "handler", payload: "text", n: HANDLER_EVENTS, chunk: HANDLER_CHUNK }, null, true],
      ...repeated(PAIRS.receive, [
        ["receive raw binary", { kind: "receive", impl: "raw", payload: "binary", size: 1024, n: FRAMES }, rate],
        ["receive onmessage binary", { kind: "receive", impl: "onmessage", payload: "binary", size: 1024, n: FRAMES }, rate],
      ]),
      ...repeated(PAIRS.receive, [
        ["receive raw text", { kind: "receive", impl: "raw", payload: "text", size: 100, n: FRAMES }, rate],
        ["receive onmessage text", { kind: "receive", impl: "onmessage", payload: "text", size: 100, n: FRAMES }, rate],
        ["receive asyncfor text", { kind: "receive", impl: "asyncfor", payload: "text", size: 100, n: FRAMES }, rate],
      ]),
      ...repeated(PAIRS.send, [
        ["send raw", { kind: "send", impl: "raw", n: SENDS, size: SEND_SIZE }, mbps],
        ["send python", { kind: "send", impl: "python", n: SENDS, size: SEND_SIZE }, mbps],
      ]),
    ];
    if (ONLY) cases.splice(0, cases.length, ...cases.filter(([name]) => ONLY.some((prefix) => name.startsWith(prefix))));
    log("warm-up round");
    for (const [, job] of cases) await server.run(job);
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      // Every other round runs the cases backwards, so neither side of a pair always runs first (after the other
      // side's leftovers: garbage, socket buffers).
      for (const [name, job, convert, pair] of round % 2 ? cases : [...cases].reverse()) {
        const value = await server.run(job);
        if (pair) {
          for (const [impl, v] of Object.entries(value)) {
            add(name.replace(" ", ` ${impl} `), v.net);
            add(name.replace(" ", ` ${impl} gross `), v.gross);
          }
        }
        else add(name, convert ? convert(value) : value);
      }
    }
    // Memory and install have no baseline to interleave with, and each install leaves a whole Pyodide instance
    // for the garbage collector: they run after the paired rounds, so those never pay for that collection.
    for (let round = 1; round <= ROUNDS && !ONLY; round++) {
      log(`memory and install round ${round}/${ROUNDS}`);
      const memory = await server.run({ kind: "memory", n: MEMORY_MESSAGES });
      if (memory.received !== MEMORY_MESSAGES || memory.live_proxies !== 0) throw new Error(`memory run: ${JSON.stringify(memory)}`);
      add("memory", Math.max(0, memory.js + memory.wasm) / 1e6);
      add("install", await server.run({ kind: "install" }));
    }
  } finally {
    await close();
  }
}

/** In-page: `n` sequential round trips (send, wait for the answer) on a socket to `url`; returns ms. */
function roundTrips([url, n]) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let left = n, start = 0;
    ws.onerror = () => reject(new Error("socket error"));
    ws.onopen = () => { start = performance.now(); ws.send("ping"); };
    ws.onmessage = () => {
      if (--left > 0) return ws.send("ping");
      resolve(performance.now() - start);
      ws.close();
    };
  });
}

/** Mocked round trips: Playwright's routeWebSocket, wsbridge's JS route and its Python route, in one browser. */
async function mocked() {
  const browser = await launchChromium();
  try {
    const url = "ws://mock.invalid/echo";
    const pw = await browser.newPage();
    const py = await attachPython(pw); // also serves the pages below
    // Playwright's route on a page without wsbridge (its handler runs in Node; each frame crosses CDP twice).
    const plain = await browser.newPage();
    await plain.routeWebSocket(url, (ws) => { ws.onMessage((m) => ws.send(m)); });
    await plain.goto(py.baseURL);
    const jsPage = await browser.newPage();
    await jsPage.goto(py.baseURL);
    await jsPage.evaluate(async ([base, target]) => {
      const { routeWebSocket } = await import(`${base}wsbridge/wsbridge.mjs`);
      await routeWebSocket(target, (ws) => { ws.onMessage((m) => ws.send(m)); });
    }, [py.baseURL, url]);
    await py.runAsync(`
from wsbridge import route_web_socket
def _echo(route):
    route.on_message(route.send)
route_web_socket(${JSON.stringify(url)}, _echo)
None
`);
    const cases = [
      ["round trip playwright", plain, ROUND_TRIPS.playwright],
      ["round trip js", jsPage, ROUND_TRIPS.js],
      ["round trip python", pw, ROUND_TRIPS.python],
    ];
    for (const [, page, n] of cases) await page.evaluate(roundTrips, [url, Math.min(n, 100)]);
    for (let round = 1; round <= ROUNDS; round++) {
      log(`mocked round ${round}/${ROUNDS}`);
      for (const [name, page, n] of cases) add(name, n / ((await page.evaluate(roundTrips, [url, n])) / 1000));
    }
  } finally {
    await browser.close();
  }
}

function figures() {
  return FIGURES.map((f) => {
    const ours = stats(f.ours);
    const base = f.base ? stats(f.base) : { median: f.baselineValue };
    // Floor at 0.01 so a zero growth still gives a finite ratio.
    const value = ours.median, baseValue = base.median;
    // With a baseline measured in the same rounds: the median of the per-pair ratios. Each pair runs
    // back to back, so a change in the machine's load between rounds (this machine is shared) cancels out in the
    // pair instead of widening both medians; the ratio of the medians is kept in the spread for comparison.
    const paired = f.base ? pairedRatios(f) : [];
    const ofMedians = f.better === "higher" ? value / baseValue : baseValue / Math.max(value, 0.01);
    const ratio = paired.length ? median(paired) : ofMedians;
    return {
      figure: { name: f.name, value: round(value), unit: f.unit, baseline: f.baseline, baseline_value: round(baseValue), ratio: round(ratio), better: f.better },
      spread: {
        min: round(ours.min), max: round(ours.max),
        ...(f.base ? { baseline_min: round(base.min), baseline_max: round(base.max) } : {}),
        samples: ours.n, target_ratio: f.target,
        ...(paired.length ? { ratio_min: round(Math.min(...paired)), ratio_max: round(Math.max(...paired)), ratio_of_medians: round(ofMedians) } : {}),
        ...(f.gross ? gross(f) : {}),
      },
    };
  });
}

/** Handler cost including the browser's dispatch of the synthetic MessageEvent (raw JS pays it too). */
function gross(f) {
  const ours = stats(f.ours.replace(/ (binary|text)$/, " gross $1")).median;
  const base = stats(f.base.replace(/ (binary|text)$/, " gross $1")).median;
  const raw = stats(f.ours.replace("wsbridge", "raw gross")).median;
  return { gross_value: round(ours), gross_baseline_value: round(base), gross_ratio: round(base / ours), raw_js_gross: round(raw) };
}

function round(x) {
  return Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 1000) / 1000;
}

function printTable(rows) {
  const lines = [
    `wsbridge bench: medians of ${ROUNDS} interleaved rounds (real sockets: receive ${PAIRS.receive}, send ${PAIRS.send} pairs a round) (min–max), Chromium headless, Pyodide, ws server on 127.0.0.1`,
    "",
    `${"figure".padEnd(32)} ${"wsbridge".padStart(12)} ${"(min–max)".padEnd(20)} ${"baseline".padStart(12)} ${"(min–max)".padEnd(20)} ${"ratio".padStart(8)}  target  unit / baseline`,
  ];
  for (const { figure: f, spread: s } of rows) {
    const span = (lo, hi) => (lo === undefined ? "" : `(${lo}–${hi})`);
    const met = f.ratio >= s.target_ratio ? "met" : "NOT met";
    const ratioSpan = s.ratio_min === undefined ? "" : ` (${s.ratio_min.toFixed(2)}–${s.ratio_max.toFixed(2)})`;
    lines.push(`${f.name.padEnd(32)} ${String(f.value).padStart(12)} ${span(s.min, s.max).padEnd(20)} ${String(f.baseline_value).padStart(12)} ${span(s.baseline_min, s.baseline_max).padEnd(20)} ${f.ratio.toFixed(2).padStart(7)}×${ratioSpan.padEnd(14)}  ≥${s.target_ratio}× ${met}  ${f.unit} / ${f.baseline}`);
  }
  for (const { figure: f, spread: s } of rows) {
    if (s.gross_value !== undefined) lines.push(`  ${f.name}: net of the browser's dispatch of the event (raw JS ${s.raw_js_gross} µs/msg); gross wsbridge ${s.gross_value}, pyscript ${s.gross_baseline_value} µs/msg (${s.gross_ratio}×)`);
  }
  lines.push("", "ratio: how many times better wsbridge is than the baseline: the median of the per-pair ratios (min–max), each pair run back to back (limit figures: the limit over the value).");
  console.log(lines.join("\n"));
}

const started = Date.now();
await direct();
if (ONLY) {
  printTable(figures().filter((r) => Number.isFinite(r.figure.value) && Number.isFinite(r.figure.baseline_value)));
  process.exit(0);
}
await mocked();
const rows = figures();
printTable(rows);
const results = {
  figures: rows.map((r) => r.figure),
  details: {
    command: "npm run bench",
    date: new Date().toISOString().slice(0, 10),
    rounds: ROUNDS,
    pairs_per_round: PAIRS,
    seconds: Math.round((Date.now() - started) / 1000),
    spread: Object.fromEntries(rows.map((r) => [r.figure.name, r.spread])),
  },
};
writeFileSync(join(here, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
writeReadmeTable(results);
log(`wrote bench/results.json and the README table (${results.details.seconds} s)`);
process.exit(0);
