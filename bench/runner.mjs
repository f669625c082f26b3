// `npm run bench:runner`: `wsbridge test` against host CPython pytest (the same pytest 9.1.1, from the locked page
// wheels, in a venv of its own) on the same files, medians of ROUNDS interleaved rounds (default 5), min and max kept.
// Merges its figures into bench/results.json (the socket figures of `npm run bench` stay) and rewrites the README table.
//   runner one test       one trivial test, --workers 1 (target ≤ 2 s)
//   runner 200 tests      200 small tests in 4 files: parametrize, a fixture, json (target ≤ 3 s)
//   runner first result   seconds from the command's start to the first PASSED line with -v (target ≤ 1.5 s)
//   runner workers speed-up  40 tests that each await asyncio.sleep(0.25), 4 files: --workers 1 / --workers 2 (≥ 1.8×)
//   watch rerun           seconds from saving a test file to its result under --watch (target ≤ 0.5 s)
// Also checks that both runners give the same outcome for every test, and reports each page's start-up steps.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeReadmeTable } from "./readme-table.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "bin", "wsbridge.mjs");
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CACHE = process.env.WSBRIDGE_CACHE ?? join(homedir(), ".cache", "wsbridge");

/** A venv with pytest 9.1.1 and its locked dependencies from the page wheels (no index needed). */
function hostPython() {
  const venv = join(CACHE, "bench-host-venv");
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) {
    execFileSync("python3", ["-m", "venv", venv]);
    const wheels = readdirSync(join(CACHE, "wheels")).filter((w) => /^(pytest|pluggy|iniconfig|packaging|pygments)-/.test(w)).map((w) => join(CACHE, "wheels", w));
    execFileSync(python, ["-m", "pip", "install", "-q", "--no-index", ...wheels]);
  }
  return python;
}

/** Writes `files` ({name: text}) into a new temporary folder with a pytest.ini; returns it. */
function suite(files) {
  const dir = mkdtempSync(join(tmpdir(), "wsb-bench-runner-"));
  writeFileSync(join(dir, "pytest.ini"), "[pytest]\n");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ONE = { "test_one.py": "def test_one():\n    assert 1 + 1 == 2\n" };

/** 4 files × 50 tests: parametrize, a fixture, json. */
const TWO_HUNDRED = Object.fromEntries([0, 1, 2, 3].map((f) => [`test_small_${f}.py`, `import json
import pytest

@pytest.fixture
def record():
    return {"file": ${f}, "items": list(range(5))}

@pytest.mark.parametrize("n", range(30))
def test_square(n):
    assert n * n == n ** 2

@pytest.mark.parametrize("n", range(10))
def test_json_round_trip(record, n):
    record["n"] = n
    assert json.loads(json.dumps(record)) == record

@pytest.mark.parametrize("word", ["a", "bb", "ccc", "dddd", "eeeee", "f", "gg", "hhh", "iiii", "jjjjj"])
def test_words(word):
    assert word == word[0] * len(word)
`]));

/** 4 files × 10 tests that each wait 0.25 s on the event loop (what I/O-bound tests do). */
const SLEEPERS = Object.fromEntries([0, 1, 2, 3].map((f) => [`test_sleep_${f}.py`, `import asyncio
import pytest

@pytest.mark.parametrize("n", range(10))
async def test_sleeps(n):
    await asyncio.sleep(0.25)
`]));

/**
 * Runs a command in `cwd`; resolves to {ms, firstResultMs, code, out, err}. `firstResultMs`: when the first
 * `PASSED` appeared on stdout.
 */
function timed(command, args, cwd, env = {}) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let out = "", err = "", firstResultMs;
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (firstResultMs === undefined && out.includes("PASSED")) firstResultMs = performance.now() - t0;
    });
    child.stderr.on("data", (chunk) => { err += chunk; });
    child.on("close", (code) => done({ ms: performance.now() - t0, firstResultMs, code, out, err }));
  });
}

const wsbridge = (dir, args) => timed(process.execPath, [CLI, "test", "-p", "no:cacheprovider", ...args], dir, { WSBRIDGE_TIMINGS: "1" });
const host = (python, dir, args) => timed(python, ["-m", "pytest", "-p", "no:cacheprovider", ...args], dir);

/** Each test's outcome from pytest's -rA short summary (PASSED/FAILED/SKIPPED lines). */
function outcomes(out) {
  return new Map([...out.matchAll(/^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)/gm)].map((m) => [m[2], m[1]]));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round3 = (x) => Math.round(x * 1000) / 1000;

/** A "lower is better" figure in seconds: ours, the baseline's, their ratio (baseline / ours), spread and target. */
function secondsFigure(name, ours, baseline, baselineName, target) {
  const value = median(ours) / 1000, base = median(baseline) / 1000;
  return {
    figure: { name, value: round3(value), unit: "s", baseline: baselineName, baseline_value: round3(base), ratio: round3(base / value), better: "lower" },
    spread: { min: round3(Math.min(...ours) / 1000), max: round3(Math.max(...ours) / 1000), baseline_min: round3(Math.min(...baseline) / 1000), baseline_max: round3(Math.max(...baseline) / 1000), target: `≤ ${target} s`, target_met: value <= target },
  };
}

const python = hostPython();
const dirs = { one: suite(ONE), many: suite(TWO_HUNDRED), sleepers: suite(SLEEPERS) };
const samples = { one: [], oneHost: [], many: [], manyHost: [], first: [], firstHost: [], w1: [], w2: [] };
const differences = [];
const pages = [];
const memory = [];
for (let round = 0; round < ROUNDS; round++) {
  const one = await wsbridge(dirs.one, ["--workers", "1", "-q"]);
  samples.one.push(one.ms);
  samples.oneHost.push((await host(python, dirs.one, ["-q"])).ms);
  const many = await wsbridge(dirs.many, ["-q", "-rA"]);
  const manyHost = await host(python, dirs.many, ["-q", "-rA"]);
  samples.many.push(many.ms);
  samples.manyHost.push(manyHost.ms);
  const ours = outcomes(many.out), theirs = outcomes(manyHost.out);
  if (ours.size !== 200 || theirs.size !== 200 || [...theirs].some(([id, o]) => ours.get(id) !== o)) differences.push(`round ${round + 1}: 200 tests: ${ours.size} outcomes here, ${theirs.size} on the host, or an outcome differs`);
  const first = await wsbridge(dirs.many, ["-v", "--workers", "1"]);
  const firstHost = await host(python, dirs.many, ["-v"]);
  samples.first.push(first.firstResultMs ?? first.ms);
  samples.firstHost.push(firstHost.firstResultMs ?? firstHost.ms);
  const w1 = await wsbridge(dirs.sleepers, ["--workers", "1", "-q"]);
  const w2 = await wsbridge(dirs.sleepers, ["--workers", "2", "-q"]);
  samples.w1.push(w1.ms);
  samples.w2.push(w2.ms);
  for (const r of [one, many, first, w1, w2]) {
    if (r.code !== 0) differences.push(`round ${round + 1}: exit ${r.code}: ${r.err.trim().split("\n").at(-1)}`);
    pages.push(...[...r.err.matchAll(/page(?: \d+)? ready in (\d+) ms (\{.*\})/g)].map((m) => ({ ms: Number(m[1]), steps: JSON.parse(m[2]) })));
    // The pages' resident memory when the controller is ready and at the session's end (src/cli/rss.ts).
    const atReady = /page memory at ready: (\d+) renderers?, (\d+) MiB/.exec(r.err), atEnd = /page memory at the end: (\d+) renderers?, (\d+) MiB/.exec(r.err);
    if (atReady && atEnd) memory.push({ run: r === one ? "one" : r === many ? "200" : r === first ? "first" : r === w1 ? "workers 1" : "workers 2", ready: Number(atReady[2]) / Number(atReady[1]), end: Number(atEnd[2]) / Number(atEnd[1]) });
  }
  console.error(`round ${round + 1}/${ROUNDS}: one ${(one.ms / 1000).toFixed(2)} s, 200 ${(many.ms / 1000).toFixed(2)} s, first ${((first.firstResultMs ?? 0) / 1000).toFixed(2)} s, workers ${(w1.ms / 1000).toFixed(1)}/${(w2.ms / 1000).toFixed(1)} s`);
}
/** `--watch`: seconds from saving a test file to its rerun's summary line, once per round (the pages stay warm). */
async function watchReruns(dir, rounds) {
  const child = spawn(process.execPath, [CLI, "test", "--watch", "-q", "-p", "no:cacheprovider"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { err += d; });
  const until = (test) => new Promise((ok) => { const t = setInterval(() => { if (test()) { clearInterval(t); ok(); } }, 2); });
  const prompts = () => (err.match(/waiting for changes/g) ?? []).length;
  await until(() => prompts() >= 1);
  const times = [];
  for (let round = 0; round < rounds; round++) {
    // A quiet moment, so the warm page for this save is ready (as between two saves of someone working).
    await new Promise((ok) => setTimeout(ok, 1500));
    const mark = out.length, before = prompts();
    const t0 = performance.now();
    writeFileSync(join(dir, "test_one.py"), `def test_one():\n    assert ${round} + 1 == ${round + 1}\n`);
    await until(() => / passed in /.test(out.slice(mark)));
    times.push(performance.now() - t0);
    await until(() => prompts() > before);
  }
  child.stdin.write("q");
  await new Promise((ok) => child.on("close", ok));
  return times;
}
samples.watch = await watchReruns(dirs.one, ROUNDS);
for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });

const built = [
  secondsFigure("runner one test", samples.one, samples.oneHost, "host pytest 9.1.1", 2),
  secondsFigure("runner 200 tests", samples.many, samples.manyHost, "host pytest 9.1.1", 3),
  secondsFigure("runner first result", samples.first, samples.firstHost, "host pytest 9.1.1", 1.5),
];
built.push({
  figure: { name: "watch rerun", value: round3(median(samples.watch) / 1000), unit: "s", baseline: "runner one test", baseline_value: round3(median(samples.one) / 1000), ratio: round3(median(samples.one) / median(samples.watch)), better: "lower" },
  spread: { min: round3(Math.min(...samples.watch) / 1000), max: round3(Math.max(...samples.watch) / 1000), target: "≤ 0.5 s", target_met: median(samples.watch) / 1000 <= 0.5 },
});
const speedups = samples.w1.map((w1, i) => w1 / samples.w2[i]);
const speedup = median(samples.w1) / median(samples.w2);
built.push({
  figure: { name: "runner workers speed-up", value: round3(median(samples.w2) / 1000), unit: "s", baseline: "--workers 1", baseline_value: round3(median(samples.w1) / 1000), ratio: round3(speedup), better: "lower" },
  spread: { ratio_min: round3(Math.min(...speedups)), ratio_max: round3(Math.max(...speedups)), target_ratio: 1.8 },
});

const file = join(ROOT, "bench", "results.json");
const results = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { figures: [], details: {} };
const names = new Set(built.map((b) => b.figure.name));
results.figures = [...results.figures.filter((f) => !names.has(f.name)), ...built.map((b) => b.figure)];
results.details ??= {};
results.details.spread ??= {};
for (const b of built) results.details.spread[b.figure.name] = b.spread;
const stepNames = [...new Set(pages.flatMap((p) => Object.keys(p.steps)))];
results.details.runner = {
  date: new Date().toISOString(),
  rounds: ROUNDS,
  command: "npm run bench:runner",
  page_ready_ms: { median: median(pages.map((p) => p.ms)), min: Math.min(...pages.map((p) => p.ms)), max: Math.max(...pages.map((p) => p.ms)) },
  page_steps_median_ms: Object.fromEntries(stepNames.map((s) => [s, median(pages.map((p) => p.steps[s] ?? 0))])),
  // Resident MiB per renderer (Chromium's page processes, shared pages counted in each) at ready and at the end.
  page_memory_mib: Object.fromEntries(["one", "200", "first", "workers 1", "workers 2"].map((run) => {
    const rows = memory.filter((m) => m.run === run);
    return [run, rows.length ? { ready: median(rows.map((m) => m.ready)), end: median(rows.map((m) => m.end)) } : null];
  })),
  differences,
};
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeReadmeTable(results);
for (const b of built) {
  const f = b.figure;
  console.log(`${f.name}: ${f.value} ${f.unit} (${b.spread.min ?? ""}–${b.spread.max ?? ""}) vs ${f.baseline} ${f.baseline_value} ${f.unit}; ratio ${f.ratio}${b.spread.target ? `; target ${b.spread.target}: ${b.spread.target_met ? "met" : "NOT met"}` : `; target ≥ ${b.spread.target_ratio}×: ${f.ratio >= b.spread.target_ratio ? "met" : "NOT met"}`}`);
}
console.log(`page ready: median ${results.details.runner.page_ready_ms.median} ms; steps ${JSON.stringify(results.details.runner.page_steps_median_ms)}`);
console.log(`page memory (MiB per renderer, at ready → at the end): ${JSON.stringify(results.details.runner.page_memory_mib)}`);
if (differences.length) { console.error(`bench:runner: ${differences.join("; ")}`); process.exit(1); }
