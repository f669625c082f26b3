// attachPython's load deadline: the timeout option bounds every step, and the error names the step that was slow
// (download of pyodide.mjs, loadPyodide, wsbridge install) with its time, blaming the MIME type only when it is wrong.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { attachPython, PyodideLoadError } from "../../src/playwright/attach.js";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();
const servers: Server[] = [];
afterAll(() => { for (const s of servers) { s.closeAllConnections(); s.close(); } });

/** A fresh page whose requests for URLs matching `glob` are held forever (HEAD requests get `head`, if given). */
async function pageHolding(glob: string, head?: { contentType: string }): Promise<Page> {
  const page = await fx.browser.newPage();
  await page.route(glob, async (route) => {
    if (head && route.request().method() === "HEAD") await route.fulfill({ status: 200, headers: { "Content-Type": head.contentType }, body: "" });
    // otherwise: never answered
  });
  return page;
}

async function loadError(page: Page, timeout: number): Promise<PyodideLoadError> {
  const error = await attachPython(page, { baseURL: fx.baseURL, timeout }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PyodideLoadError);
  return error as PyodideLoadError;
}

// Concurrent: each test has its own page and mostly waits for its deadline (the longest 40 s), so the file takes about
// as long as that one test instead of the sum.
describe.concurrent("attachPython load timeout", () => {
  it("a pyodide.mjs that never arrives: the message names that download, the timeout and the elapsed time", async () => {
    const page = await pageHolding("**/pyodide/pyodide.mjs");
    const error = await loadError(page, 2_500);
    expect(error.message).toContain("did not load within 2500 ms");
    expect(error.message).toMatch(/download of pyodide\.mjs was still running after \d+ ms, \d+ ms in all/);
    expect(error.message).toContain("attachPython(page, { timeout })");
    expect(error.message).not.toContain("application/wasm");
    await page.close();
  });

  it("a loadPyodide that does not finish is named as such, after the finished pyodide.mjs download, with no MIME blame", async () => {
    const page = await pageHolding("**/pyodide/pyodide.asm.wasm");
    const error = await loadError(page, 8_000);
    expect(error.message).toContain("did not load within 8000 ms");
    expect(error.message).toMatch(/loadPyodide \(download \+ compile[^)]*\) was still running after \d+ ms/);
    expect(error.message).toMatch(/finished before it: download of pyodide\.mjs \d+ ms/);
    expect(error.message).not.toContain("application/wasm");
    await page.close();
  });

  it("the MIME type is blamed when the server really sends the .wasm with the wrong one", async () => {
    const page = await pageHolding("**/pyodide/pyodide.asm.wasm", { contentType: "application/octet-stream" });
    const error = await loadError(page, 8_000);
    expect(error.message).toContain('pyodide.asm.wasm as "application/octet-stream", which must be application/wasm');
    await page.close();
  });

  it("a wsbridge install that does not finish is named as such, after loadPyodide finished", { timeout: 120_000 }, async () => {
    const page = await pageHolding("**/wsbridge/wsbridge.mjs");
    const error = await loadError(page, 40_000);
    expect(error.message).toMatch(/wsbridge install \(import of \S+wsbridge\.mjs and installWsBridge\) was still running after \d+ ms/);
    expect(error.message).toMatch(/finished before it: download of pyodide\.mjs \d+ ms, loadPyodide \([^)]*\) \d+ ms/);
    await page.close();
  });

  it("a server that does not answer the page itself: the message says so, within the timeout given", async () => {
    const server = createServer(() => { /* never answers */ });
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const page = await fx.browser.newPage();
    const error = (await attachPython(page, { baseURL: url, timeout: 1_500 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PyodideLoadError);
    expect(error.message).toBe(`attachPython: cannot open ${url}: the server did not answer the page request within 1500 ms`);
    await page.close();
  });

  it("a timeout that is not a positive number is refused at the call", async () => {
    const page = await fx.browser.newPage();
    await expect(attachPython(page, { timeout: 0 })).rejects.toThrow(/timeout must be a positive number/);
    await expect(attachPython(page, { timeout: Number.NaN })).rejects.toThrow(/timeout must be a positive number/);
    await page.close();
  });
});
