// attachPython in real Chromium with real Pyodide: results, Python errors, and clear load failures.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { attachPython, PythonError, PyodideLoadError } from "../../src/playwright/attach.js";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

/** An HTTP server on 127.0.0.1: `hang` never answers /pyodide/ requests, otherwise they are 404. */
async function fakeServer(mode: "404" | "hang"): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (!req.url?.startsWith("/pyodide/")) { res.writeHead(200, { "Content-Type": "text/html" }); res.end("<!doctype html><title>x</title>"); return; }
    if (mode === "404") { res.writeHead(404, { "Access-Control-Allow-Origin": "*" }); res.end("not found"); }
    // "hang": keep the request open
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
const servers: Server[] = [];
afterAll(() => { for (const s of servers) { s.closeAllConnections(); s.close(); } });

describe("attachPython", () => {
  it("run and runAsync return the last expression converted to JSON-able values", async () => {
    const { py } = await fx.newPython();
    expect(await py.run("1 + 1")).toBe(2);
    expect(await py.run("None")).toBeUndefined();
    expect(await py.run("{'a': [1, 2.5, 'x', True, None], 'b': {'c': (3, 4)}}")).toEqual({ a: [1, 2.5, "x", true, null], b: { c: [3, 4] } });
    expect(await py.run("{1: 'int keys become strings'}")).toEqual({ "1": "int keys become strings" });
    expect(await py.run("b'\\x00\\xff'")).toEqual([0, 255]);
    expect(await py.run("x = 41\nx + 1")).toBe(42);
    expect(await py.run("x")).toBe(41); // globals persist between calls in one page
    expect(await py.runAsync("import asyncio\nawait asyncio.sleep(0.01)\n'awaited'")).toBe("awaited");
    expect(await py.run("import wsbridge; wsbridge.__version__")).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("a Python exception rejects with PythonError carrying the traceback and the exception type", async () => {
    const { py } = await fx.newPython();
    const error = await py.run("def f():\n    raise ValueError('bad value 17')\nf()").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonError);
    const e = error as PythonError;
    expect(e.pythonType).toBe("ValueError");
    expect(e.message).toContain("Traceback (most recent call last):");
    expect(e.message).toMatch(/line 2, in f/);
    expect(e.message).toMatch(/ValueError: bad value 17\s*$/);
    const asyncError = (await py.runAsync("import asyncio\nawait asyncio.sleep(0)\n1/0").catch((e: unknown) => e)) as PythonError;
    expect(asyncError).toBeInstanceOf(PythonError);
    expect(asyncError.pythonType).toBe("ZeroDivisionError");
    expect(asyncError.message).toContain("ZeroDivisionError: division by zero");
    expect(await py.run("'still usable'")).toBe("still usable");
  });

  it("a page that navigated away says Python is gone instead of a confusing evaluate error", async () => {
    const { page, py } = await fx.newPython();
    await page.reload();
    const error = (await py.run("1").catch((e: unknown) => e)) as Error;
    expect(error).not.toBeInstanceOf(PythonError);
    expect(error.message).toMatch(/Python is not loaded in this page any more/);
  });

  it("a server without Pyodide fails fast with PyodideLoadError naming the URL", async () => {
    const fake = await fakeServer("404");
    servers.push(fake.server);
    const page = await fx.browser.newPage();
    const t0 = Date.now();
    const error = (await attachPython(page, { baseURL: fake.url, timeout: 20_000 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PyodideLoadError);
    expect(error.message).toContain(`failed importing ${fake.url}pyodide/pyodide.mjs`);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await page.close();
  });

  it("a server that never answers fails with a timeout error within the timeout", async () => {
    const fake = await fakeServer("hang");
    servers.push(fake.server);
    const page = await fx.browser.newPage();
    const t0 = Date.now();
    const error = (await attachPython(page, { baseURL: fake.url, timeout: 1_500 }).catch((e: unknown) => e)) as Error;
    const took = Date.now() - t0;
    expect(error).toBeInstanceOf(PyodideLoadError);
    expect(error.message).toMatch(/did not load within \d+ ms from http:\/\/127\.0\.0\.1:\d+\/pyodide\//);
    expect(error.message).toContain("pyodide.mjs");
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(4_000 + 2_000);
    await page.close();
  });

  it("an unreachable base URL is a PyodideLoadError too", async () => {
    const fake = await fakeServer("404");
    const url = fake.url;
    await new Promise<void>((ok) => fake.server.close(() => ok()));
    const page = await fx.browser.newPage();
    const error = (await attachPython(page, { baseURL: url, timeout: 5_000 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PyodideLoadError);
    expect(error.message).toContain(`cannot open ${url}`);
    await page.close();
  });
});
