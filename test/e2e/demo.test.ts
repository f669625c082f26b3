// The real-time demo (examples/realtime, `wsbridge demo`) in headless Chromium: the worker's statistics and the chart
// update over time, the mock switch replaces the live feed (label and values follow the mock's script), and back.
// Saves a screenshot to test-results/demo.png. `npx wsbridge demo`: its URL, its feed's bound on clients, Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../src/playwright/browser.js";
import { FEED_FULL_CODE, MAX_FEED_CLIENTS, feedFullReason, startDemo, type Demo } from "../../src/cli/demo.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface SymbolStats { last: number; mean: number; min: number; max: number; rate: number; n: number }
interface Snapshot { feed: string; mode: string; connected: boolean; rate: number; binaryShare: number; messages: number; symbols: Record<string, SymbolStats | undefined> }

describe("the real-time demo page", () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const external: string[] = [];

  beforeAll(async () => {
    demo = await startDemo();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.route(/^(?!https?:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|blob:|data:)/, (route) => {
      external.push(route.request().url());
      return route.abort();
    });
    await page.goto(demo.url);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  const latest = () => page.evaluate(() => (window as unknown as { demo: { latest: Snapshot } }).demo.latest);
  const count = () => page.evaluate(() => (window as unknown as { demo: { snapshots: number } }).demo.snapshots);
  const chartPixels = () => page.evaluate(() => Array.from(document.querySelectorAll("canvas"), (c) => c.toDataURL()).join("|"));
  const text = (selector: string) => page.locator(selector).first().textContent();
  const field = (symbol: string, name: string) => text(`[data-symbol="${symbol}"] [data-field="${name}"]`);
  const number = (s: string | null) => Number((s ?? "").replace(/,/g, ""));

  it("starts the worker, connects to the live feed and updates figures and chart over time", async () => {
    await page.waitForFunction(() => {
      const d = (window as unknown as { demo: { snapshots: number; latest?: Snapshot } }).demo;
      return d.snapshots > 10 && d.latest?.connected && d.latest.feed === "live" && d.latest.symbols.GAMMA;
    }, undefined, { timeout: 90_000 });
    expect(await page.locator("#feed-badge").getAttribute("data-feed")).toBe("live");
    expect(await text("#feed-badge")).toBe("live");

    const [n0, snap0, pixels0, last0] = [await count(), await latest(), await chartPixels(), await field("ALPHA", "mean")];
    // Twelve more snapshots and 300 more messages, a redrawn chart and a new mean: what the figures below compare.
    await page.waitForFunction(([n, messages, pixels, mean]) => {
      const d = (window as unknown as { demo: { snapshots: number; latest: Snapshot } }).demo;
      const shown = Array.from(document.querySelectorAll("canvas"), (c) => c.toDataURL()).join("|");
      const alphaMean = document.querySelector('[data-symbol="ALPHA"] [data-field="mean"]')?.textContent;
      return d.snapshots >= n + 12 && d.latest.messages > messages + 300 && shown !== pixels && alphaMean !== mean;
    }, [n0, snap0.messages, pixels0, last0] as const, { timeout: 30_000, polling: 100 });
    const [n1, snap1, pixels1, last1] = [await count(), await latest(), await chartPixels(), await field("ALPHA", "mean")];
    // Ten snapshots a second from the worker; the feed runs at ~300 messages/s, a quarter of them JSON text.
    expect(n1 - n0).toBeGreaterThanOrEqual(12);
    expect(snap1.messages - snap0.messages).toBeGreaterThan(300);
    expect(snap1.rate).toBeGreaterThan(150);
    expect(snap1.binaryShare).toBeGreaterThan(0.6);
    expect(snap1.binaryShare).toBeLessThan(0.85);
    expect(pixels1).not.toBe(pixels0);
    expect(last1).not.toBe(last0);
    // The live feed walks around its starting prices (ALPHA 182.40, BETA 1012, GAMMA 23.70).
    expect(snap1.symbols.ALPHA!.last).toBeGreaterThan(120);
    expect(snap1.symbols.ALPHA!.last).toBeLessThan(260);
    expect(snap1.symbols.BETA!.last).toBeGreaterThan(700);
    // The figure shown is the latest snapshot's: read both in one turn of the page, so no snapshot lands between.
    const [shown, snapshotLast] = await page.evaluate(() => [
      document.querySelector('[data-symbol="ALPHA"] [data-field="last"]')?.textContent ?? "",
      (window as unknown as { demo: { latest: Snapshot } }).demo.latest.symbols.ALPHA!.last,
    ] as const);
    expect(number(shown)).toBeCloseTo(snapshotLast, 0);
    expect(Number(await text("#rate"))).toBeGreaterThan(150);
    // Drawing is not held up: the page keeps animating while the worker does the work.
    expect(await page.evaluate(() => (window as unknown as { demo: { fps: number } }).demo.fps)).toBeGreaterThanOrEqual(20);
  });

  it("the switch replaces the live feed with the scripted mock: the label changes and the values follow the script", async () => {
    await page.click("label.switch");
    await page.waitForFunction(() => document.querySelector("#feed-badge")?.getAttribute("data-feed") === "mock", undefined, { timeout: 10_000 });
    expect(await text("#feed-badge")).toBe("mock");
    // Until the script has shown both of ALPHA's levels (a 42/58 square wave, 2 s) and a good part of BETA's sine
    // (100..140); GAMMA is a triangle in 70..80. The figures shown follow the same snapshot.
    await page.waitForFunction(() => {
      const snap = (window as unknown as { demo: { latest: Snapshot } }).demo.latest;
      const text = (name: string) => document.querySelector(`[data-symbol="ALPHA"] [data-field="${name}"]`)?.textContent;
      const { ALPHA: alpha, BETA: beta } = snap.symbols;
      return snap.mode === "mock" && alpha?.min === 42 && alpha.max === 58 && beta != null && beta.max - beta.min > 20 &&
        text("min") === "42.00" && text("max") === "58.00";
    }, undefined, { timeout: 30_000, polling: 100 });
    const snap = await latest();
    expect(snap.mode).toBe("mock");
    expect(snap.feed).toBe("mock");
    expect(snap.symbols.ALPHA).toMatchObject({ min: 42, max: 58 });
    expect([42, 58]).toContain(snap.symbols.ALPHA!.last);
    expect(snap.symbols.BETA!.min).toBeGreaterThanOrEqual(100);
    expect(snap.symbols.BETA!.max).toBeLessThanOrEqual(140);
    expect(snap.symbols.BETA!.max - snap.symbols.BETA!.min).toBeGreaterThan(20);
    expect(snap.symbols.GAMMA!.min).toBeGreaterThanOrEqual(70);
    expect(snap.symbols.GAMMA!.max).toBeLessThanOrEqual(80);
    expect(snap.rate).toBeGreaterThan(100);
    expect(await field("ALPHA", "min")).toBe("42.00");
    expect(await field("ALPHA", "max")).toBe("58.00");
    expect(await page.evaluate(() => (window as unknown as { demo: { fps: number } }).demo.fps)).toBeGreaterThanOrEqual(20);
    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: `${ROOT}test-results/demo.png` });
  });

  it("switching back reconnects to the live server", async () => {
    await page.click("label.switch");
    await page.waitForFunction(() => document.querySelector("#feed-badge")?.getAttribute("data-feed") === "live", undefined, { timeout: 10_000 });
    await page.waitForFunction(() => {
      const alpha = (window as unknown as { demo: { latest: Snapshot } }).demo.latest.symbols.ALPHA;
      return alpha != null && alpha.min > 100; // null or missing until the live feed's first ALPHA after the switch
    }, undefined, { timeout: 10_000 });
    const snap = await latest();
    expect(snap).toMatchObject({ mode: "live", feed: "live", connected: true });
    expect(snap.symbols.ALPHA!.last).toBeGreaterThan(120);
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });
});

describe("npx wsbridge demo", () => {
  /** Demo processes started here: one still running when the file ends (a failed test) is killed. */
  const spawned: ChildProcess[] = [];
  afterAll(() => { for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL"); });

  it("prints the URL, serves the page and the feed, and stops on Ctrl-C", async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/wsbridge.mjs`, "demo", "--rate", "50"], { stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(child);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the demo ended (${code}) before printing its URL: ${out}`)));
      child.stdout.on("data", () => {
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/demo\/index\.html\?feed=\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Scripted mock");
    expect((await fetch(new URL("feed.py", url))).status).toBe(200);
    expect((await fetch(new URL("/wsbridge/worker.mjs", url))).status).toBe(200);
    const feedURL = decodeURIComponent(new URL(url).searchParams.get("feed")!);
    expect(feedURL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/feed$/);
    const { WebSocket } = await import("ws");
    const first = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(feedURL);
      ws.once("message", (data) => { resolve(data.toString()); ws.close(); });
      ws.once("error", reject);
    });
    expect(JSON.parse(first)).toMatchObject({ type: "hello", feed: "live", rate: 50 });
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGINT");
    });
    expect(code).toBe(130); // bin/wsbridge.mjs: Ctrl-C ends with the conventional 130
    await expect(fetch(url)).rejects.toThrow();
  });

  it(`streams to at most ${MAX_FEED_CLIENTS} clients: of 1,000 at once the rest are closed with 1013 saying so, and Ctrl-C ends it at once`, async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/wsbridge.mjs`, "demo", "--rate", "50"], { stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(child);
    let out = "";
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const feedURL = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the demo ended (${code}) before printing its feed: ${out}`)));
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /live feed: (ws:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    expect(out).toContain(`at most ${MAX_FEED_CLIENTS} clients`);
    const { WebSocket } = await import("ws");
    const clients = Array.from({ length: 1000 }, () => new WebSocket(feedURL));
    try {
      // Each client's first answer: the feed's hello, or the close that turns it away.
      const answers = await Promise.all(clients.map((ws) => new Promise<string>((resolve) => {
        ws.once("message", () => resolve("hello"));
        ws.once("close", (code, reason) => resolve(`${code} ${reason.toString()}`));
        ws.once("error", (error) => resolve(`error: ${error.message}`));
      })));
      const tally = Object.fromEntries([...new Set(answers)].map((a) => [a, answers.filter((b) => b === a).length]));
      expect(tally).toEqual({ hello: MAX_FEED_CLIENTS, [`${FEED_FULL_CODE} ${feedFullReason(MAX_FEED_CLIENTS)}`]: 1000 - MAX_FEED_CLIENTS });
      // Ctrl-C with the streamed clients still reading: the process ends, and their sockets with it.
      const streamed = clients.filter((_, i) => answers[i] === "hello");
      const dropped = Promise.all(streamed.map((ws) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)))));
      const code = await new Promise<number | null>((resolve) => {
        child.once("exit", (c) => resolve(c));
        child.kill("SIGINT");
      });
      expect(code).toBe(130);
      expect(new Set(await dropped)).toEqual(new Set([1006])); // no closing handshake: the sockets were dropped
    } finally {
      for (const ws of clients) ws.terminate();
    }
  });

  it("stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/wsbridge.mjs`, "demo"], { stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(child);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => child.stdout.on("data", () => { if (out.includes("Ctrl-C")) resolve(); }));
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
    expect(out).toContain("wsbridge demo: stopped");
  });

  it("rejects a bad option with exit code 2", async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/wsbridge.mjs`, "demo", "--port", "x"], { stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(child);
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(err).toContain("--port needs a whole number");
  });
});
