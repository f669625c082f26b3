// A main-thread route registered after a worker's socket already went to the real server (no route matched it
// when it opened) cannot route that socket any more: the page says so in the console instead of staying silent.
import { expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";

const fx = useBrowser();

it("warns once when a later main-thread route matches a worker socket that went native; not for other URLs", async () => {
  const page = await fx.newPage();
  const warnings: string[] = [];
  page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  const echo = `${fx.server.url}/echo`;
  const bundle = `${fx.baseURL}wsbridge/wsbridge.mjs`;
  const worker = `import * as WB from ${JSON.stringify(bundle)};
WB.routeFromMainThread();
self.onmessage = (e) => {
  const ws = new WebSocket(e.data);
  ws.onopen = () => ws.send("ping");
  ws.onmessage = (m) => postMessage("worker got " + m.data);
};`;
  // Source text, not a function: vitest would rewrite the import() inside a function handed to evaluate.
  const got = await page.evaluate(`(async () => {
    const WB = await import(${JSON.stringify(bundle)});
    globalThis.WB = WB;
    const w = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(worker)}], { type: "text/javascript" })), { type: "module" });
    WB.shareRoutesWith(w);
    const reply = new Promise((done) => { w.onmessage = (e) => done(e.data); });
    w.postMessage(${JSON.stringify(echo)});
    return reply;
  })()`);
  expect(got).toBe("worker got ping"); // the real echo server answered: no route existed
  expect(warnings).toEqual([]);
  await page.evaluate(`WB.routeWebSocket("**/elsewhere", () => {})`);
  expect(warnings).toEqual([]);
  await page.evaluate(`WB.routeWebSocket("**/echo", () => {})`);
  await expect.poll(() => warnings.length).toBe(1);
  expect(warnings[0]).toContain(`a route registered now matches ${echo}, which a worker already opened before any route matched it`);
  await page.evaluate(`WB.routeWebSocket("**/echo", () => {})`);
  await page.evaluate(`new Promise((r) => setTimeout(r, 50))`);
  expect(warnings).toHaveLength(1);
});
