// Firefox, driven by puppeteer-core over WebDriver BiDi: attachPython on a Firefox page (JSPI on, a socket to a real
// ws server), bindings that reach Node while the page is blocked, and `wsbridge test --browser firefox` on the socket
// and routing suites and the examples. Without Firefox these are skipped, except under CI=true, where they fail.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachPython } from "../../src/playwright/attach.js";
import { BrowserNotFoundError } from "../../src/playwright/browser.js";
import { findFirefox, launchFirefox } from "../../src/driver/firefox.js";
import type { PuppeteerBrowser } from "../../src/driver/puppeteer.js";
import { startTestServer, type TestServer } from "../../src/playwright/test-server.js";
import { testStaticServer } from "../helpers/browser.js";

/** The Firefox found, or undefined (BrowserNotFoundError). */
function firefoxOrNone(): string | undefined {
  try {
    return findFirefox();
  } catch (error) {
    if (error instanceof BrowserNotFoundError) return undefined;
    throw error;
  }
}

const firefox = firefoxOrNone();
const needed = process.env.CI === "true";
/** `describe`, or `describe.skip` when there is no Firefox and this is not CI (where a missing Firefox fails). */
const withFirefox = firefox || needed ? describe : describe.skip;

interface Run { code: number; out: string; err: string }

/** Runs `wsbridge ARGS` from the repository's root in a child process. */
function wsbridge(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve("bin/wsbridge.mjs"), ...args], { env: { ...process.env, ...env }, timeout: 900_000, maxBuffer: 32 << 20 }, (error, out, err) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err });
    });
  });
}

/** pytest's last line said only "N passed" (no failures, errors or skips); N. */
function passed(run: Run): number {
  const last = run.out.trimEnd().split("\n").at(-1) ?? "";
  const match = /^=* ?(\d+) passed in [\d.]+s(?: \([\d:]+\))? ?=*$/.exec(last);
  expect(match, `${run.out}\n${run.err}`).not.toBeNull();
  return Number(match![1]);
}

describe("a missing Firefox", () => {
  it("is one line naming the path and how to get Firefox, and exit code 4", async () => {
    const run = await wsbridge(["test", "--browser", "firefox", "--browser-path", "/nonexistent/firefox", "examples"]);
    expect(run.code).toBe(4);
    expect(run.err).toBe("wsbridge test: No Firefox at /nonexistent/firefox (--browser-path): install one (e.g. `apt-get install -y firefox-esr`) or pass --browser-path / set WSBRIDGE_FIREFOX.\n");
  });

  it("named by WSBRIDGE_FIREFOX is the same one line", async () => {
    const run = await wsbridge(["test", "--browser", "firefox", "examples"], { WSBRIDGE_FIREFOX: "/nonexistent/ff" });
    expect(run.code).toBe(4);
    expect(run.err).toMatch(/^wsbridge test: No Firefox at \/nonexistent\/ff \(WSBRIDGE_FIREFOX\): install one .*\n$/);
  });
});

withFirefox("attachPython on a Firefox page (puppeteer-core)", () => {
  let browser: PuppeteerBrowser;
  let server: TestServer;
  beforeAll(async () => {
    expect(firefox, "Firefox is missing: CI installs it (apt-get install -y firefox-esr, .ci/run)").toBeDefined();
    [browser, server] = await Promise.all([launchFirefox(), startTestServer({ record: true })]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("runs Python, and run_sync works inside runAsync (JSPI, which launchFirefox turns on)", async () => {
    const page = await browser.browser.newPage();
    const py = await attachPython(page, { baseURL: (await testStaticServer()).url });
    expect(await py.run("sum(range(10))")).toBe(45);
    const value = await py.runAsync(`from pyodide.ffi import run_sync
import asyncio
async def later():
    await asyncio.sleep(0)
    return "resumed"
run_sync(later())`);
    expect(value).toBe("resumed");
    await page.close();
  });

  it("a wsbridge.WebSocket talks to a real ws server", async () => {
    const page = await browser.browser.newPage();
    const py = await attachPython(page, { baseURL: (await testStaticServer()).url });
    const echoed = await py.runAsync(`import asyncio, wsbridge
got = asyncio.get_running_loop().create_future()
ws = wsbridge.WebSocket(${JSON.stringify(`${server.url}/echo?tag=ffx`)})
ws.onopen = lambda e: ws.send("from firefox")
ws.onmessage = lambda e: got.set_result(e.data)
text = await asyncio.wait_for(got, 20)
ws.close()
text`);
    expect(echoed).toBe("from firefox");
    expect(server.received.find((r) => r.path.includes("tag=ffx"))?.frames).toContain("from firefox");
    await page.close();
  });

  it("has no JSPI without the preference launchFirefox sets (why it sets it)", async () => {
    const plain = await puppeteer.launch({ browser: "firefox", executablePath: firefox!, headless: true });
    try {
      const page = await plain.newPage();
      expect(await page.evaluate("typeof WebAssembly.Suspending")).toBe("undefined");
      const ours = await browser.browser.newPage();
      expect(await ours.evaluate("typeof WebAssembly.Suspending")).toBe("function");
      await ours.close();
    } finally {
      await plain.close();
    }
  });

  it("gives every context's page a window of its own: visible, with timers at full speed", async () => {
    // As tabs of one window, one of two pages would be a background tab: hidden, waiting 1 s per timer (40 s here,
    // past this test's time-out). The driver opens each page in a window, as visible as Chromium's pages.
    const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
    try {
      const pages = await Promise.all(contexts.map((context) => context.newPage()));
      const chain = "new Promise((done) => { let n = 0; const tick = () => (++n === 40 ? done(document.visibilityState) : setTimeout(tick, 10)); tick(); })";
      expect(await Promise.all(pages.map((page) => page.evaluate(chain)))).toEqual(["visible", "visible"]);
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  }, 20_000);

  it("connects at once after refused handshakes to the same server (no growing reconnect delay)", async () => {
    // Firefox's default delays each new connection to a host:port whose handshakes failed, 1.5x longer each time:
    // 16 refusals in a row would take minutes, past this test's time-out; launchFirefox turns the delay off.
    const page = await browser.browser.newPage();
    try {
      await page.goto((await testStaticServer()).url, { timeout: 30_000 });
      const codes = await page.evaluate(`(async () => {
        const codes = [];
        for (let i = 0; i < 16; i++) {
          codes.push(await new Promise((done) => { const ws = new WebSocket(${JSON.stringify(`${server.url}/reject`)}); ws.onclose = (e) => done(e.code); }));
        }
        return codes;
      })()`);
      expect(codes).toEqual(Array(16).fill(1006));
    } finally {
      await page.close();
    }
  }, 30_000);

  it("a binding reaches Node before the page's next statement runs, even when that statement blocks the page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto((await testStaticServer()).url, 30_000);
    let called!: (arg: string) => void;
    const call = new Promise<string>((resolve) => { called = resolve; });
    await page.expose("__ffxProbe", (arg: string) => called(arg));
    let settled = false;
    // The page calls the binding, then stays busy for up to 30 s (the test ends it sooner by closing the context).
    const busy = page.evaluate("__ffxProbe('before the loop'); const end = Date.now() + 30000; while (Date.now() < end); 'done'");
    busy.then(() => { settled = true; }, () => { settled = true; });
    expect(await call).toBe("before the loop");
    expect(settled).toBe(false);
    await context.close();
  });
});

withFirefox("wsbridge test --browser firefox", () => {
  it("passes the socket and routing suites", async () => {
    expect(firefox, "Firefox is missing: CI installs it (apt-get install -y firefox-esr, .ci/run)").toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "wsbridge-ffx-"));
    try {
      const junit = join(dir, "junit.xml");
      const run = await wsbridge(["test", "--browser", "firefox", "test/python/socket", "test/python/routing", "-q", "-p", "no:cacheprovider", "--workers", "2", "--junitxml", junit]);
      expect(passed(run)).toBeGreaterThan(200);
      expect(run.code).toBe(0);
      expect(existsSync(junit) && readFileSync(junit, "utf8")).toMatch(/test_socket/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);

  it("passes the examples", async () => {
    expect(firefox, "Firefox is missing: CI installs it (apt-get install -y firefox-esr, .ci/run)").toBeDefined();
    const run = await wsbridge(["test", "--browser", "firefox", "examples", "-q", "-p", "no:cacheprovider"]);
    expect(passed(run)).toBeGreaterThan(20);
    expect(run.code).toBe(0);
  }, 900_000);
});
