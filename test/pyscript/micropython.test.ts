// MicroPython (<script type="mpy">): wsbridge needs Pyodide, so `import wsbridge` must fail at import with a message
// that says so — through the PyScript plugin (main thread and worker) and through the wheel unpacked by `files`
// without the plugin (the guard at the top of python/wsbridge/__init__.py). Needs PyScript's MicroPython build.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { micropythonDir, usePyScript } from "./fixture.js";

const fx = usePyScript();
const MESSAGE =
  'ImportError: wsbridge needs Pyodide and does not run on MicroPython (<script type="mpy">): ' +
  'use <script type="py"> for code that imports wsbridge, or pyscript.WebSocket under MicroPython.';
const dist = join(dirname(fileURLToPath(import.meta.url)), "../../dist");

it("with the plugin: import wsbridge raises ImportError naming MicroPython, main thread and worker", async () => {
  const { page, errors } = await fx.open("t/mpy.html");
  const main = await page.waitForFunction(() => (window as unknown as { __mpyMain?: string }).__mpyMain, undefined, { timeout: 30_000 });
  expect(await main.jsonValue()).toBe(`micropython | ${MESSAGE}`);
  expect(await page.evaluate(() => (window as unknown as { __mpyWorker: Promise<string> }).__mpyWorker)).toBe(`micropython | ${MESSAGE}`);
  expect(errors).toEqual([]);
  await page.close();
});

it("without the plugin, the wheel unpacked by `files`: the package's own guard raises the same ImportError", async () => {
  const wheel = readdirSync(dist).find((f) => /^wsbridge-.*\.whl$/.test(f));
  expect(wheel).toBeDefined();
  const config = JSON.stringify({ interpreter: "/mpy/micropython.mjs", files: { [`/wsbridge/${wheel}`]: "./*" } });
  const html = `<!doctype html><meta charset="utf-8"><script type="module" src="/pyscript/core.js"></script>
<script type="mpy" config='${config}'>
import os
from pyscript import window
try:
    import wsbridge
    result = "imported"
except Exception as error:
    result = type(error).__name__ + ": " + str(error)
window.__mpyWheel = str("wsbridge" in os.listdir()) + " | " + result
</script>`;
  const path = "t/generated-mpy-wheel.html";
  await fx.context.route(fx.web.url + path, (route) => route.fulfill({ body: html, contentType: "text/html" }));
  const { page } = await fx.open(path);
  const result = await page.waitForFunction(() => (window as unknown as { __mpyWheel?: string }).__mpyWheel, undefined, { timeout: 30_000 });
  // The wheel was unpacked (so the import really reached wsbridge/__init__.py) and failed there, clearly.
  expect(await result.jsonValue()).toBe(`True | ${MESSAGE}`);
  await page.close();
});

it("no request left 127.0.0.1", () => {
  expect(fx.external).toEqual([]);
});
