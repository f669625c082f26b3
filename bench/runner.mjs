// `npm run bench:runner`: `wsbridge test` sequential (--workers 1) against --workers 2, on the examples and on a
// generated suite of 200 small tests. Prints wall time, start-up per page and checks both give identical results
// (every test id with the same outcome, from the JUnit files). Writes bench/runner-results.json.
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "bin", "wsbridge.mjs");
const ROUNDS = Number(process.env.ROUNDS ?? 2);

/** 20 files × 10 tests: sync, async that wait 20–80 ms, parametrized, a class, one skip and one xfail per file. */
function generateSuite(dir) {
  for (let f = 0; f < 20; f++) {
    writeFileSync(join(dir, `test_gen_${String(f).padStart(2, "0")}.py`), `import asyncio
import pytest

@pytest.mark.parametrize("n", range(1))
def test_square_${f}(n):
    assert n * n == n ** 2

@pytest.mark.parametrize("ms", [20, 40, 60, 80])
async def test_waits_${f}(ms):
    await asyncio.sleep(ms / 1000)  # what real tests do: wait on I/O

async def test_echo_${f}(ws_server):
    from wsbridge import connect
    async with connect(ws_server.url("/echo")) as ws:
        await ws.send("${f}")
        assert await ws.recv(timeout=5) == "${f}"

class TestGroup${f}:
    def test_a(self):
        assert "${f}".isdigit()
    def test_b(self):
        assert sorted([3, 1, 2]) == [1, 2, 3]

@pytest.mark.skip(reason="shows skips")
def test_skipped_${f}():
    pass

@pytest.mark.xfail(reason="shows xfails", strict=True)
def test_xfail_${f}():
    assert False
`);
  }
}

/** Runs the CLI; resolves to {ms, code, pages: [ms...], outcomes: Map(id → outcome)}. */
function run(args, cwd) {
  const dir = mkdtempSync(join(tmpdir(), "wsb-bench-"));
  const xml = join(dir, "out.xml");
  const t0 = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, [CLI, "test", ...args, "-q", "-p", "no:cacheprovider", `--junitxml=${xml}`], { cwd, env: { ...process.env, WSBRIDGE_TIMINGS: "1" }, maxBuffer: 64 << 20 }, (error, out, err) => {
      const ms = performance.now() - t0;
      const pages = [...err.matchAll(/page(?: \d+)? ready in (\d+) ms/g)].map((m) => Number(m[1]));
      const outcomes = new Map();
      try {
        const text = readFileSync(xml, "utf8");
        for (const m of text.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
          const body = m[4] ?? "";
          outcomes.set(`${m[1]}::${m[2]}`, /<failure/.test(body) ? "failed" : /<error/.test(body) ? "error" : /<skipped/.test(body) ? "skipped" : "passed");
        }
      } catch { /* no report: counted as a difference below */ }
      rmSync(dir, { recursive: true, force: true });
      done({ ms, code: error ? error.code : 0, pages, outcomes, summary: out.trim().split("\n").at(-1) });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const suites = [];
const generated = mkdtempSync(join(tmpdir(), "wsb-gen-"));
mkdirSync(generated, { recursive: true });
generateSuite(generated);
suites.push({ name: "examples", cwd: ROOT, args: ["examples"] });
suites.push({ name: "generated 200 tests", cwd: generated, args: ["."] });

const results = [];
for (const suite of suites) {
  const runs = { 1: [], 2: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const workers of [1, 2]) runs[workers].push(await run([...suite.args, "--workers", String(workers)], suite.cwd));
  }
  const [a, b] = [runs[1][0], runs[2][0]];
  const same = a.outcomes.size > 0 && a.outcomes.size === b.outcomes.size && [...a.outcomes].every(([id, o]) => b.outcomes.get(id) === o) && a.code === b.code;
  const row = {
    suite: suite.name,
    tests: a.outcomes.size,
    sequential_ms: Math.round(median(runs[1].map((x) => x.ms))),
    workers2_ms: Math.round(median(runs[2].map((x) => x.ms))),
    page_startup_ms: Math.round(median([...runs[1], ...runs[2]].flatMap((x) => x.pages))),
    identical_results: same,
    summary: a.summary,
  };
  row.speedup = +(row.sequential_ms / row.workers2_ms).toFixed(2);
  results.push(row);
}
rmSync(generated, { recursive: true, force: true });
console.log(`wsbridge test, sequential vs --workers 2 (medians of ${ROUNDS} interleaved rounds; wall time includes start-up)`);
console.log("| suite | tests | --workers 1 | --workers 2 | speed-up | start-up per page | identical results |");
console.log("|---|---|---|---|---|---|---|");
for (const r of results) console.log(`| ${r.suite} | ${r.tests} | ${(r.sequential_ms / 1000).toFixed(1)} s | ${(r.workers2_ms / 1000).toFixed(1)} s | ${r.speedup}× | ${(r.page_startup_ms / 1000).toFixed(1)} s | ${r.identical_results ? "yes" : "NO"} |`);
writeFileSync(join(ROOT, "bench", "runner-results.json"), JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, results }, null, 2) + "\n");
if (results.some((r) => !r.identical_results)) { console.error("bench:runner: results differ between sequential and --workers 2"); process.exit(1); }
