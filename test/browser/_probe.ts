// The page-side probe shared by the Python routing tests: a plain page socket that logs what the page sees.
import { beforeAll, beforeEach } from "vitest";
import type { BrowserFixture } from "../helpers/browser.js";
import { newPython, type PythonPage } from "./_python.js";

/** Page JS: `__probe(url, sends, n, close, protocols)`: opens, sends after open, waits for n messages, closes; its log. */
export const PROBE = `globalThis.__probe = (url, sendsJson, n, closeJson, protocols) => new Promise((resolve) => {
  const log = []; const sends = JSON.parse(sendsJson); const close = JSON.parse(closeJson || 'null');
  const ws = protocols ? new WebSocket(url, JSON.parse(protocols)) : new WebSocket(url);
  ws.binaryType = 'arraybuffer'; let got = 0;
  const finish = () => resolve(JSON.stringify(log));
  const timer = setTimeout(() => { log.push(['timeout', ws.readyState]); finish(); }, 4000);
  ws.onopen = () => { log.push(['open', ws.protocol]); for (const s of sends) ws.send(typeof s === 'string' ? s : new Uint8Array(s)); if (n === 0 && close) ws.close(close[0], close[1]); };
  ws.onmessage = (e) => { log.push(typeof e.data === 'string' ? e.data : 'bin:' + Array.from(new Uint8Array(e.data)).join(',')); if (++got === n) { if (close) ws.close(close[0], close[1]); else { clearTimeout(timer); finish(); } } };
  ws.onerror = () => log.push(['error']);
  ws.onclose = (e) => { log.push(['close', e.code, e.reason, e.wasClean]); clearTimeout(timer); finish(); };
});`;

/**
 * One Python page per test file (a warm one from the shared fixture's pool) with the probe installed and wsbridge
 * reset before each test; returns `run(code)`, which runs `prelude` (its `${S}` replaced by the ws server's URL as a
 * Python string) then `code`.
 */
export function useProbePython(fx: BrowserFixture, prelude: string): <T>(code: string) => Promise<T> {
  let py: PythonPage;
  beforeAll(async () => {
    py = await newPython(fx, { reuse: true });
    await py.page.evaluate(PROBE);
  });
  beforeEach(async () => {
    await py.py.runAsync("import wsbridge._lifecycle\nwsbridge._lifecycle.reset()");
  });
  return <T>(code: string) => py.py.runAsync<T>(prelude.replace("${S}", JSON.stringify(fx.server.url)) + code);
}
