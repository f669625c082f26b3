// The demo's page side: starts Python in a worker, hands it a `publish` callback, and draws what it publishes.
// Nothing here touches the feed: parsing and statistics run in the worker, so drawing stays smooth.
import { createPythonWorker } from "/wsbridge/worker.mjs";

const SYMBOLS = ["ALPHA", "BETA", "GAMMA"];
const COLORS = { ALPHA: "#58a6ff", BETA: "#bc8cff", GAMMA: "#39c5cf" };
const MOCK = "#d29922";
const HISTORY_MS = 30_000;

const params = new URLSearchParams(location.search);
const feedURL = params.get("feed") ?? `ws://${location.hostname}:8765/feed`;
const $ = (id) => document.getElementById(id);

/** What the page knows; `window.demo` for the curious (and the e2e test). */
const state = {
  snapshots: 0,
  latest: null,
  /** Per symbol: [{ t, price, mean, min, max, feed }] for the last HISTORY_MS. */
  history: Object.fromEntries(SYMBOLS.map((s) => [s, []])),
  /** Arrival times of snapshots in the last second. */
  arrivals: [],
  fps: 0,
  dirty: true,
};
window.demo = state;

// --- layout ---

const panels = {};
for (const symbol of SYMBOLS) {
  const el = document.createElement("article");
  el.className = "symbol";
  el.dataset.symbol = symbol;
  el.innerHTML = `
    <div class="head">
      <div class="name"><span class="swatch" style="background:${COLORS[symbol]}"></span>${symbol}</div>
      <div class="last" data-field="last">–</div>
      <div class="change" data-field="change">&nbsp;</div>
      <dl class="stats">
        <dt>mean</dt><dd data-field="mean">–</dd>
        <dt>min</dt><dd data-field="min">–</dd>
        <dt>max</dt><dd data-field="max">–</dd>
        <dt>ticks / s</dt><dd data-field="rate">–</dd>
      </dl>
    </div>
    <canvas></canvas>`;
  $("symbols").append(el);
  const field = (name) => el.querySelector(`[data-field="${name}"]`);
  panels[symbol] = { el, canvas: el.querySelector("canvas"), last: field("last"), change: field("change"), mean: field("mean"), min: field("min"), max: field("max"), rate: field("rate") };
}

// --- figures (on each snapshot, ten times a second) ---

const price = (v) => (v === null || v === undefined ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

function onSnapshot(snap) {
  const now = performance.now();
  state.snapshots++;
  state.latest = snap;
  state.arrivals.push(now);
  while (state.arrivals[0] < now - 1000) state.arrivals.shift();

  const badge = $("feed-badge");
  const feed = snap.connected ? snap.feed : "offline";
  if (badge.dataset.feed !== feed) {
    badge.dataset.feed = feed;
    badge.textContent = feed;
  }
  $("source").textContent = snap.connected ? `${snap.source} · statistics over the last ${snap.window} s` : snap.error;
  $("rate").textContent = snap.rate.toFixed(0);
  $("bytes").textContent = `${(snap.bytesRate / 1024).toFixed(1)} kB/s`;
  $("binary").textContent = `${(snap.binaryShare * 100).toFixed(0)} %`;
  $("latency").textContent = snap.latency == null ? "–" : `${snap.latency.toFixed(1)} ms`;
  $("updates").textContent = `${state.arrivals.length} / s`;

  for (const symbol of SYMBOLS) {
    const s = snap.symbols[symbol];
    const p = panels[symbol];
    if (!s) continue;
    const series = state.history[symbol];
    const first = series.find((point) => point.feed === snap.feed && point.t > snap.t - snap.window * 1000);
    series.push({ t: snap.t, price: s.last, mean: s.mean, min: s.min, max: s.max, feed: snap.feed });
    while (series.length && series[0].t < snap.t - HISTORY_MS) series.shift();
    p.last.textContent = price(s.last);
    p.mean.textContent = price(s.mean);
    p.min.textContent = price(s.min);
    p.max.textContent = price(s.max);
    p.rate.textContent = s.rate.toFixed(1);
    if (first) {
      const change = ((s.last - first.price) / first.price) * 100;
      p.change.textContent = `${change >= 0 ? "▲" : "▼"} ${Math.abs(change).toFixed(2)} % in ${snap.window} s`;
      p.change.className = `change ${change >= 0 ? "up" : "down"}`;
    }
  }
  state.dirty = true;
}

// --- charts (on animation frames) ---

function draw(symbol, now) {
  const { canvas } = panels[symbol];
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const series = state.history[symbol];
  const axis = 58;
  const plotW = width - axis;
  const top = 8;
  const plotH = height - top - 18;
  const x = (t) => ((t - (now - HISTORY_MS)) / HISTORY_MS) * plotW;

  ctx.font = "11px ui-sans-serif, system-ui, sans-serif";
  ctx.fillStyle = "#8b949e";
  ctx.textBaseline = "alphabetic";
  for (const seconds of [30, 20, 10, 0]) {
    const px = x(now - seconds * 1000);
    ctx.fillText(seconds ? `−${seconds}s` : "now", Math.min(px, plotW - 22), height - 3);
  }
  if (series.length === 0) return;

  // The price axis fits the current feed's points; earlier feeds are drawn faded (and clipped).
  let from = series.length - 1;
  while (from > 0 && series[from - 1].feed === series[series.length - 1].feed) from--;
  const current = series.slice(from);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of current) {
    lo = Math.min(lo, p.min, p.price);
    hi = Math.max(hi, p.max, p.price);
  }
  const pad = (hi - lo) * 0.12 || Math.abs(hi) * 0.001 || 1;
  lo -= pad;
  hi += pad;
  const y = (v) => top + (1 - (v - lo) / (hi - lo)) * plotH;

  // Feed periods: mock shaded, each labelled at the bottom (earlier feeds may be off this scale).
  for (let i = 0; i < series.length; i++) {
    let j = i;
    while (j + 1 < series.length && series[j + 1].feed === series[i].feed) j++;
    const x0 = Math.max(0, x(series[i].t));
    const x1 = j + 1 < series.length ? x(series[j + 1].t) : x(now);
    if (series[i].feed === "mock") {
      ctx.fillStyle = "rgba(210, 153, 34, 0.10)";
      ctx.fillRect(x0, top, x1 - x0, plotH);
    }
    if (x1 - x0 > 40) {
      ctx.fillStyle = series[i].feed === "mock" ? MOCK : "#3fb95099";
      ctx.fillText(i < from ? `${series[i].feed} (off scale)` : series[i].feed, x0 + 5, top + plotH - 5);
    }
    i = j;
  }

  // Grid and price axis.
  ctx.strokeStyle = "#262d36";
  ctx.lineWidth = 1;
  ctx.fillStyle = "#8b949e";
  for (let k = 0; k <= 3; k++) {
    const v = lo + ((hi - lo) * k) / 3;
    const py = Math.round(y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(0, py);
    ctx.lineTo(plotW, py);
    ctx.stroke();
    ctx.fillText(price(v), plotW + 6, Math.min(Math.max(py + 4, top + 8), top + plotH));
  }

  const color = COLORS[symbol];
  const line = (points, value) => {
    ctx.beginPath();
    points.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p[value])) : ctx.moveTo(x(p.t), y(p[value]))));
  };
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, top, plotW, plotH);
  ctx.clip();
  // Earlier feeds, faded.
  if (from > 0) {
    ctx.globalAlpha = 0.3;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.2;
    line(series.slice(0, from + 1), "price");
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  // The window's min–max band.
  ctx.beginPath();
  current.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.max)) : ctx.moveTo(x(p.t), y(p.max))));
  for (let i = current.length - 1; i >= 0; i--) ctx.lineTo(x(current[i].t), y(current[i].min));
  ctx.closePath();
  ctx.fillStyle = `${color}26`;
  ctx.fill();
  // The window mean, dashed.
  ctx.setLineDash([4, 4]);
  ctx.strokeStyle = `${color}aa`;
  ctx.lineWidth = 1.2;
  line(current, "mean");
  ctx.stroke();
  ctx.setLineDash([]);
  // The price.
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.8;
  ctx.lineJoin = "round";
  line(current, "price");
  ctx.stroke();
  ctx.restore();
  const last = current[current.length - 1];
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x(last.t), y(last.price), 3, 0, Math.PI * 2);
  ctx.fill();
}

let frames = 0;
let frameWindow = performance.now();
function frame(t) {
  frames++;
  if (t - frameWindow >= 1000) {
    state.fps = Math.round((frames * 1000) / (t - frameWindow));
    $("fps").textContent = `${state.fps} fps`;
    frames = 0;
    frameWindow = t;
  }
  // Time runs on the worker's clock (snapshot t); between snapshots, extrapolate so the chart scrolls smoothly.
  if (state.latest) {
    const now = state.latest.t + (performance.now() - state.arrivals[state.arrivals.length - 1]);
    for (const symbol of SYMBOLS) draw(symbol, now);
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// --- the worker ---

async function main() {
  const started = performance.now();
  const py = await createPythonWorker({ indexURL: "/pyodide/", name: "realtime-feed" });
  $("status").textContent = `Python ${py.pyodideVersion} started in a worker in ${((performance.now() - started) / 1000).toFixed(1)} s; connecting to ${feedURL}`;
  const source = await (await fetch("feed.py")).text();
  await py.runPythonAsync(source);
  await py.setGlobal("publish", onSnapshot);
  await py.setGlobal("FEED_URL", feedURL);
  await py.runPython("feed = start(FEED_URL, publish)");
  window.py = py;

  const toggle = $("mock-switch");
  toggle.disabled = false;
  toggle.addEventListener("change", async () => {
    toggle.disabled = true;
    try {
      await py.runPython(`feed.set_mode(${JSON.stringify(toggle.checked ? "mock" : "live")})`);
    } finally {
      toggle.disabled = false;
    }
  });
  $("status").textContent = `Python ${py.pyodideVersion} in a Web Worker · feed ${feedURL}`;
}

main().catch((error) => {
  $("status").textContent = `Failed: ${error.message}`;
  console.error(error);
});
