// The shipped example (examples/pyscript/) loaded headless: PyScript + local Pyodide + wsbridge, echo chat
// against the `ws` test server, and not one request leaves 127.0.0.1.
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { usePyScript } from "./fixture.js";

const fx = usePyScript();

const logLines = (page: Page) => page.locator("#log li").allTextContents();

it("echoes text and binary frames, then a message typed into the form", async () => {
  const ws = `${fx.server.url}/echo?from=example`;
  const { page, console, errors } = await fx.open(`example/index.html?ws=${encodeURIComponent(ws)}`);
  await page.waitForFunction(() => document.querySelectorAll("#log li").length >= 2, undefined, { timeout: 30_000 });
  expect(await page.locator("#status").textContent()).toBe(`connected to ${ws}`);
  expect(await logLines(page)).toEqual(["echo: hello", "echo (binary): 00 01 fe ff"]);

  await page.fill("#message", "typed by the test");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#log li").length >= 3);
  expect((await logLines(page))[2]).toBe("echo: typed by the test");

  // The server saw exactly these frames, binary as binary.
  const conn = fx.server.received.find((r) => r.path === "/echo?from=example");
  expect(conn?.frames).toEqual(["hello", Buffer.from([0, 1, 0xfe, 0xff]), "typed by the test"]);
  expect(errors).toEqual([]);
  expect(console.filter((l) => l.startsWith("error:"))).toEqual([]);
  await page.close();
});

it("made no request outside 127.0.0.1 (each one would have been aborted and recorded)", async () => {
  expect(fx.external).toEqual([]);
  // The recorder works: a request to a CDN from a page of this context is caught.
  const page = await fx.context.newPage();
  await page.goto(fx.web.url);
  await page.evaluate(() => fetch("https://cdn.jsdelivr.net/npm/probe").catch(() => undefined));
  expect(fx.external).toEqual(["https://cdn.jsdelivr.net/npm/probe"]);
  await page.close();
});
