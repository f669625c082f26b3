import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";
import { findChromium, BrowserNotFoundError } from "../../src/playwright/browser.js";

describe("static server", () => {
  let server: StaticServer;
  beforeAll(async () => { server = await startStaticServer(); });
  afterAll(() => server.close());

  it("serves Pyodide's wasm as application/wasm", async () => {
    const res = await fetch(`${server.url}pyodide/pyodide.asm.wasm`, { method: "GET" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/wasm");
    await res.arrayBuffer();
  });

  it("refuses paths that climb out of a mount", async () => {
    const res = await fetch(`${server.url}pyodide/..%2F..%2Fpackage.json`);
    expect(res.status).toBe(404);
  });
});

describe("findChromium", () => {
  it("prefers the explicit path, then WSBRIDGE_CHROMIUM", () => {
    expect(findChromium(process.execPath, {})).toBe(process.execPath);
    expect(findChromium(undefined, { WSBRIDGE_CHROMIUM: process.execPath, PATH: "" })).toBe(process.execPath);
  });
  it("fails with a one-line hint when the explicit path is missing", () => {
    expect(() => findChromium("/nope/chromium", {})).toThrow(BrowserNotFoundError);
    expect(() => findChromium("/nope/chromium", {})).toThrow(/apt-get install -y chromium/);
  });
});
