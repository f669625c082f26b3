// Conformance scenarios: a page script (knows nothing of wsbridge) and route handler sources.
import { expect } from "vitest";
import type { RunResult, Scenario } from "./harness.js";

/** A mock that echoes every page frame. */
const echoHandler = `ws => ws.onMessage(m => ws.send(m))`;

export const scenarios: Record<string, Scenario> = {
  "mock: echo text, page closes": {
    routes: [{ url: `'**/mock'`, handler: echoHandler }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      state('constructed', ws);
      await next(ws, 'open');
      ws.send('hello'); ws.send('world');
      await next(ws, 'message'); await next(ws, 'message');
      ws.close(); state('after close()', ws);
      await closed(ws); state('end', ws);`,
  },
  "mock: binary each way, both binaryTypes": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.onMessage(m => { ws.send('got:' + h.tag(m)); ws.send(m); })` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open');
      ws.send(bin([1, 2, 3]).buffer);
      ws.send(bin([4, 5]));
      ws.send(new DataView(bin([9, 8, 7, 6]).buffer, 1, 2));
      for (let i = 0; i < 6; i++) await next(ws, 'message');
      ws.binaryType = 'arraybuffer';
      ws.send(bin([255, 0]));
      ws.send('ünïcødé ✓');
      for (let i = 0; i < 4; i++) await next(ws, 'message');
      state('end', ws);`,
  },
  "mock: reply on connect opens the socket first": {
    routes: [{ url: `'**/mock'`, handler: `ws => { ws.send('welcome'); ws.send(h.bin([1])); }` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      ws.binaryType = 'arraybuffer';
      await next(ws, 'open'); await next(ws, 'message'); await next(ws, 'message');
      await sleep(50); state('end', ws);`,
  },
  "mock: async handler opens after it completes": {
    routes: [{ url: `'**/mock'`, handler: `async ws => { await h.sleep(100); ws.onMessage(m => ws.send('late:' + h.tag(m))); }` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await sleep(30); state('still connecting', ws);
      await next(ws, 'open'); ws.send('a'); await next(ws, 'message');`,
  },
  "mock: handler that never completes leaves the socket CONNECTING": {
    routes: [{ url: `'**/mock'`, handler: `ws => new Promise(() => {})` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await sleep(300); state('end', ws);`,
  },
  "mock: empty handler opens, drops page messages, loops close back": {
    routes: [{ url: `'**/mock'`, handler: `ws => {}` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open');
      ws.send('dropped'); await sleep(100);
      ws.close(4000, 'bye'); state('after close()', ws);
      await closed(ws); state('end', ws);`,
  },
  "mock: page close() without code": {
    routes: [{ url: `'**/mock'`, handler: `ws => {}` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.close(); await closed(ws);`,
  },
  "mock: modify messages both ways": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.onMessage(m => ws.send(h.text(m).toUpperCase() + '!'))` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.send('abc'); ws.send(bin([104, 105])); await next(ws, 'message'); await next(ws, 'message');`,
  },
  "mock: route.close with code and reason": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.onMessage(m => ws.close({ code: 4002, reason: 'by route' }))` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.send('x'); await closed(ws); state('end', ws);`,
  },
  "mock: route.close without code gives code 0": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.onMessage(m => ws.close())` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.send('x'); await closed(ws);`,
  },
  "mock: route.close with a code pages may not use (1002)": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.onMessage(m => ws.close({ code: 1002, reason: 'protocol' }))` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.send('x'); await closed(ws);`,
  },
  "mock: route.send after the page closed is dropped": {
    routes: [{ url: `'**/mock'`, handler: `ws => { ws.onClose(() => { ws.send('after'); ws.close({ code: 4005 }); ws.send('after2'); }); }` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.close(4000); await closed(ws); await sleep(100);`,
  },
  "mock: page-side onClose keeps the page CLOSING until the route closes it": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.onClose((code, reason) => setTimeout(() => ws.close({ code: code + 1, reason: reason + '!' }), 200))` }],
    page: `
      const ws = track(new WebSocket(S + '/mock'));
      await next(ws, 'open'); ws.close(4000, 'bye'); state('after close()', ws);
      await sleep(100); state('still closing', ws); await closed(ws); state('end', ws);`,
  },
  "mock: protocols list, first one reported": {
    routes: [{ url: `'**/mock'`, handler: `ws => ws.send(JSON.stringify({ url: ws.url(), protocols: ws.protocols() }))` }],
    page: `
      const a = track(new WebSocket(S + '/mock', ['p1', 'p2']), 'a');
      const b = track(new WebSocket(S + '/mock', 'solo'), 'b');
      const c = track(new WebSocket(S + '/mock'), 'c');
      await next(a, 'message'); await next(b, 'message'); await next(c, 'message');
      state('a', a); state('b', b); state('c', c);`,
  },
  "server: default forwarding both ways, text and binary": {
    routes: [{ url: `'**/echo'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); state('open', ws);
      ws.send('one'); ws.send(bin([1, 2, 3]));
      await next(ws, 'message'); await next(ws, 'message');
      ws.binaryType = 'arraybuffer'; ws.send(bin([7])); await next(ws, 'message');
      ws.close(4000, 'page done'); await closed(ws); state('end', ws);`,
  },
  "server: per-side handlers rewrite both directions": {
    routes: [{ url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer();
      ws.onMessage(m => { if (h.text(m) !== 'block') server.send('to-server:' + h.text(m)); });
      server.onMessage(m => ws.send('from-server:' + h.text(m))); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.send('a'); ws.send('block'); ws.send('b');
      await next(ws, 'message'); await next(ws, 'message'); await sleep(100);`,
  },
  "server: page closes with code and reason": {
    routes: [{ url: `'**/echo'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.close(4321, 'page reason'); state('after close()', ws); await closed(ws);`,
  },
  "server: page closes without code": {
    routes: [{ url: `'**/echo'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.close(); await closed(ws);`,
  },
  "server: server closes with 1008 oops": {
    routes: [{ url: `'**/close*'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/close?code=1008&reason=oops'));
      await next(ws, 'open'); ws.send('x'); await closed(ws); state('end', ws);`,
  },
  "server: server-side onClose gets code and reason; the page stays open": {
    routes: [{ url: `'**/close*'`, handler: `ws => { const server = ws.connectToServer(); server.onClose((code, reason) => ws.send('server closed ' + code + ' ' + reason)); }` }],
    page: `
      const ws = track(new WebSocket(S + '/close?code=4003&reason=srv'));
      await next(ws, 'open'); ws.send('x'); await next(ws, 'message'); state('still open', ws);
      ws.close(4000); await closed(ws, 500); state('end', ws);`,
  },
  "server: page-side onClose gets code and reason; route closes the server itself": {
    routes: [{ url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer(); ws.onClose((code, reason) => server.close({ code: code + 1, reason: 'via route ' + reason })); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.close(4000, 'r'); await closed(ws, 1000); state('end', ws);`,
  },
  // The page-side onClose calls server.close(); the server's close comes back to the page (no server-side onClose),
  // and the page's CLOSING → CLOSED close is reported to the route once more, so onClose runs a second time with
  // the server's code and reason. Playwright's mock does exactly this (onClosePage from close(), again from
  // closePage); wsbridge matches it — see docs/routing.md.
  "server: page-side onClose that closes the server runs again for the page's final close (as in Playwright)": {
    routes: [
      { url: `'**/echo'`, handler: `(() => { h.pageCloses = []; return ws => { const server = ws.connectToServer();
        ws.onClose((code, reason) => { h.pageCloses.push(code + ' ' + reason); server.close({ code: 4001, reason: 'via route' }); }); }; })()` },
      { url: `'**/count'`, handler: `ws => ws.send(JSON.stringify(h.pageCloses))` },
    ],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.close(4000, 'r'); await closed(ws, 1000); state('end', ws); await sleep(200);
      const count = track(new WebSocket(S + '/count'), 'count'); await next(count, 'message');`,
  },
  "server: server-side onClose that closes the page runs once": {
    routes: [
      { url: `'**/close*'`, handler: `(() => { h.serverCloses = []; return ws => { const server = ws.connectToServer();
        server.onClose((code, reason) => { h.serverCloses.push(code + ' ' + reason); ws.close({ code: 4002, reason: 'route closes page' }); }); }; })()` },
      { url: `'**/count'`, handler: `ws => ws.send(JSON.stringify(h.serverCloses))` },
    ],
    page: `
      const ws = track(new WebSocket(S + '/close?code=4003&reason=srv'));
      await next(ws, 'open'); ws.send('x'); await closed(ws, 1000); state('end', ws); await sleep(200);
      const count = track(new WebSocket(S + '/count'), 'count'); await next(count, 'message');`,
  },
  "server: route closes the page; the server gets the same close": {
    routes: [{ url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer(); server.onMessage(m => ws.close({ code: 4100, reason: 'enough' })); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.send('x'); await closed(ws); await sleep(100);`,
  },
  "server: handshake failure": {
    routes: [{ url: `'**/reject'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/reject'));
      await closed(ws); state('end', ws);`,
    compare: ["playwright", "native"],
    nativeDiffers: {
      why: "at `error` a native socket is already CLOSED (3); under Playwright (and wsbridge) it is still CONNECTING (0), because the server-side route decides what the page sees next (a server-side onClose may close it with any code, or keep it)",
      check(ours, native) {
        const errorRs = (r: RunResult) => r.log.filter((e) => (e as { ev: string }).ev === "error").map((e) => (e as { rs: number }).rs);
        expect(errorRs(ours)).toEqual([0]);
        expect(errorRs(native)).toEqual([3]);
        const withoutErrorRs = (r: RunResult) => r.log.map((e) => ((e as { ev: string }).ev === "error" ? { ...(e as object), rs: "?" } : e));
        expect(withoutErrorRs(ours)).toEqual(withoutErrorRs(native));
        expect(ours.server).toEqual(native.server);
      },
    },
  },
  "server: handshake failure reaches the server-side onClose": {
    routes: [{ url: `'**/reject'`, handler: `ws => { const server = ws.connectToServer(); server.onClose((code, reason) => ws.close({ code: code >= 1000 ? 4010 : 4011, reason: 'handshake' })); }` }],
    page: `
      const ws = track(new WebSocket(S + '/reject'));
      await closed(ws); state('end', ws);`,
  },
  "server: connection reset after open": {
    routes: [{ url: `'**/die*'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/die?after=2'));
      await closed(ws); state('end', ws);`,
  },
  "server: negotiated protocol is copied": {
    routes: [{ url: `'**/echo'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo', ['chat', 'superchat']));
      await next(ws, 'open'); state('open', ws); ws.close(); await closed(ws);`,
  },
  "server: connectToServer twice, and on the server side": {
    routes: [{ url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer();
      try { ws.connectToServer(); } catch (e) { ws.send('twice: ' + e.message); }
      try { server.connectToServer(); } catch (e) { ws.send('server side: ' + e.message); } }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'message'); await next(ws, 'message'); state('after messages', ws);
      ws.send('echo me'); await next(ws, 'message');`,
  },
  "server: burst of frames keeps order": {
    routes: [{ url: `'**/burst*'`, handler: `ws => { ws.connectToServer(); }` }],
    page: `
      const ws = new WebSocket(S + '/burst?n=200');
      const got = []; ws.onmessage = (e) => got.push(e.data);
      await new Promise((r) => { const t = setInterval(() => { if (got.length >= 200) { clearInterval(t); r(); } }, 10); });
      log({ count: got.length, inOrder: got.every((d, i) => d === String(i)) }); ws.close(); await closed(ws);`,
  },
  "matching: relative URL, explicit http:, relative glob": {
    routes: [{ url: `'/rel'`, handler: `ws => ws.send('routed ' + ws.url().replace(/:\\d+/, ':PORT'))` }],
    page: `
      const a = track(new WebSocket('/rel'), 'a'); await next(a, 'message');
      const b = track(new WebSocket(location.origin + '/rel'), 'b'); await next(b, 'message');
      log({ a: a.url === location.origin.replace('http', 'ws') + '/rel', b: b.url === a.url });`,
  },
  "matching: document base URL": {
    routes: [{ url: `'**/sub/x'`, handler: `ws => ws.send(ws.url())` }],
    page: `
      const base = document.createElement('base'); base.href = 'http://127.0.0.1:1/sub/'; document.head.append(base);
      const ws = track(new WebSocket('x')); await next(ws, 'message'); state('end', ws);`,
  },
  "matching: glob without trailing slash matches the root URL": {
    routes: [{ url: `h.S`, handler: `ws => ws.send('root ' + ws.url().endsWith('/'))` }],
    page: `
      const ws = track(new WebSocket(S)); await next(ws, 'message');
      const other = track(new WebSocket(S + '/echo'), 'other'); await next(other, 'open'); other.send('passthrough'); await next(other, 'message');`,
  },
  "matching: glob stars, braces and escapes": {
    routes: [{ url: `'**/chat/{one,two}*'`, handler: `ws => ws.send('glob')` }, { url: `'**/lit\\\\*'`, handler: `ws => ws.send('escaped')` }],
    page: `
      for (const path of ['/chat/one', '/chat/two-x', '/lit*']) {
        const ws = track(new WebSocket(S + path), path); await next(ws, 'message'); ws.close(); await closed(ws);
      }
      const miss = track(new WebSocket(S + '/chat/three'), 'miss'); await next(miss, 'open'); miss.close(); await closed(miss);`,
  },
  "matching: RegExp and predicate": {
    routes: [{ url: `/\\/re(gex)?$/g`, handler: `ws => ws.send('regex')` }, { url: `u => u.searchParams.get('p') === '1'`, handler: `ws => ws.send('predicate')` }],
    page: `
      for (const path of ['/re', '/regex', '/echo?p=1', '/re']) {
        const ws = track(new WebSocket(S + path), path); await next(ws, 'message'); ws.close(); await closed(ws);
      }`,
  },
  "matching: last registered wins; page before context": {
    routes: [
      { url: `'**/multi'`, handler: `ws => ws.send('first page route')` },
      { url: `'**/multi'`, handler: `ws => ws.send('second page route')` },
      { url: `'**/multi'`, handler: `ws => ws.send('context route')`, scope: "context" },
      { url: `'**/ctx'`, handler: `ws => ws.send('context only')`, scope: "context" },
    ],
    page: `
      const a = track(new WebSocket(S + '/multi'), 'multi'); await next(a, 'message');
      const b = track(new WebSocket(S + '/ctx'), 'ctx'); await next(b, 'message');`,
  },
  // Timed (a route cannot see the page's progress without taking over): the handlers come 1.5 s after the route
  // started, well after the first two echoes and well before 'b' (sent 2 s after them), even on a loaded machine
  // (with 400 ms / 600 ms the first echoes came back too late once).
  "server: handlers set later take over forwarding from then on": {
    // The page says when: a socket to /switch, whose route sets the handlers (an event, where a timer would race).
    routes: [
      { url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer();
        h.takeOver = () => { ws.onMessage(m => server.send('late:' + h.text(m))); server.onMessage(m => ws.send('srv:' + h.text(m))); }; }` },
      { url: `'**/switch'`, handler: `ws => { h.takeOver(); ws.close({ code: 4001 }); }` },
    ],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'open'); ws.send('a'); ws.send(bin([1])); await next(ws, 'message'); await next(ws, 'message');
      await closed(new WebSocket(S + '/switch')); ws.send('b'); await next(ws, 'message'); ws.close(4000); await closed(ws);`,
  },
  "server: the route opens the page before connecting; page frames are buffered for the server": {
    routes: [{ url: `'**/echo'`, handler: `ws => { ws.send('hi'); ws.connectToServer(); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'message'); ws.send('x'); ws.send(bin([2, 3])); await next(ws, 'message'); await next(ws, 'message');
      ws.close(4000, 'done'); await closed(ws);`,
  },
  "server: text-only buffering before the server opens": {
    routes: [{ url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer(); server.send('early1'); server.send('early2'); }` }],
    page: `
      const ws = track(new WebSocket(S + '/echo'));
      await next(ws, 'message'); await next(ws, 'message');
      ws.send('late'); await next(ws, 'message');`,
  },
  "pass-through: no route matches": {
    routes: [{ url: `'**/nomatch'`, handler: `ws => ws.send('never')` }],
    page: `
      const ws = track(new WebSocket(S + '/echo', ['chat']));
      state('constructed', ws);
      await next(ws, 'open'); state('open', ws);
      ws.send('text'); ws.send(bin([1, 2])); ws.send(blob([3, 4]));
      for (let i = 0; i < 3; i++) await next(ws, 'message');
      ws.close(4000, 'bye'); state('after close()', ws); await closed(ws); state('end', ws);`,
    compare: ["playwright", "native"],
  },
  "many concurrent routed sockets": {
    routes: [{ url: `'**/many/*'`, handler: `ws => ws.onMessage(m => { ws.send(ws.url().split('/').pop() + ':' + h.text(m)); if (h.text(m) === 'last') ws.close({ code: 4000 }); })` }],
    page: `
      const results = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const ws = new WebSocket(S + '/many/' + i); const got = [];
        ws.onmessage = (e) => got.push(e.data); ws.onclose = (e) => got.push('close ' + e.code);
        await new Promise((r) => ws.onopen = r);
        for (let k = 0; k < 5; k++) ws.send(String(k)); ws.send('last');
        await new Promise((r) => ws.addEventListener('close', r));
        return got.join(',');
      }));
      log(results);`,
  },
  "page API: instanceof, constants, handlers, binaryType": {
    routes: [{ url: `'**/mock'`, handler: `ws => {}` }],
    page: `
      const ws = new WebSocket(S + '/mock');
      const seen = [];
      ws.onopen = () => seen.push('onopen');
      ws.addEventListener('open', () => seen.push('listener'));
      log({ instance: ws instanceof WebSocket, eventTarget: ws instanceof EventTarget, constants: [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED, ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED],
        onmessage: ws.onmessage, binaryType: ws.binaryType, bufferedAmount: ws.bufferedAmount, extensions: ws.extensions });
      await next(ws, 'open'); log(seen);`,
  },
};

/** The `data` of a log's message entries, in order. */
function messages(result: RunResult): unknown[] {
  return result.log.filter((e) => (e as { ev?: string }).ev === "message").map((e) => (e as { data: unknown }).data);
}

/** The error names of a log's `attempt` entries, by label. */
function errorNames(result: RunResult): Record<string, unknown> {
  return Object.fromEntries(result.log.filter((e) => (e as { ev?: string }).ev === "call").map((e) => [(e as { label: string }).label, (e as { name?: string }).name ?? "ok"]));
}

// --- scenarios where wsbridge follows the browser (or keeps order) and Playwright does not ---

scenarios["divergence: send while CONNECTING throws InvalidStateError (Playwright: a DOMException named Error)"] = {
  routes: [{ url: `'**/mock'`, handler: `async ws => { await h.sleep(100); }` }],
  page: `
    const ws = track(new WebSocket(S + '/mock'));
    attempt('send while CONNECTING', () => ws.send('x'));
    await next(ws, 'open'); state('open', ws);`,
  divergence: {
    why: "the browser's DOMException for send() while CONNECTING is an InvalidStateError; Playwright's mock throws `new DOMException(message)` (name Error)",
    check(ours, pw) {
      expect(errorNames(ours)).toEqual({ "send while CONNECTING": "InvalidStateError" });
      expect(errorNames(pw)).toEqual({ "send while CONNECTING": "Error" });
      expect(ours.log.slice(1)).toEqual(pw.log.slice(1));
    },
  },
};

/** Page-side API checks on a routed (server mode) socket; the log must equal the browser's own socket's. */
const pageChecks = `
  const ws = track(new WebSocket(S + '/echo'));
  attempt('send while CONNECTING', () => ws.send('x'));
  await next(ws, 'open');
  attempt('close(1001)', () => ws.close(1001));
  attempt('close(3000, reason over 123 bytes)', () => ws.close(3000, 'x'.repeat(124)));
  attempt('close(4000)', () => ws.close(4000, 'ok'));
  state('right after close()', ws);
  attempt('send while CLOSING', () => ws.send('yy'));
  state('after send while CLOSING', ws);
  await closed(ws);
  attempt('close again', () => ws.close());
  attempt('send while CLOSED', () => ws.send('zzz'));
  state('end', ws);`;

scenarios["page checks on a routed socket equal the browser's (server mode)"] = {
  routes: [{ url: `'**/echo'`, handler: `ws => { ws.connectToServer(); }` }],
  page: pageChecks,
  compare: ["native"],
};

scenarios["page checks on a mocked socket: browser errors and readyState"] = {
  routes: [{ url: `'**/echo'`, handler: `ws => {}` }],
  page: pageChecks,
  compare: ["playwright"],
  divergence: {
    why: "Playwright's mock throws DOMExceptions named Error, does not check the reason length, and throws on send() while CLOSING/CLOSED where the browser discards the data",
    check(ours, pw) {
      expect(errorNames(ours)).toEqual({
        "send while CONNECTING": "InvalidStateError", "close(1001)": "InvalidAccessError", "close(3000, reason over 123 bytes)": "SyntaxError",
        "close(4000)": "ok", "send while CLOSING": "ok", "close again": "ok", "send while CLOSED": "ok",
      });
      expect(errorNames(pw)).toMatchObject({ "send while CONNECTING": "Error", "close(1001)": "Error", "close(3000, reason over 123 bytes)": "ok", "send while CLOSING": "Error" });
      const rs = (r: RunResult) => r.log.filter((e) => (e as { ev: string }).ev === "state").map((e) => (e as { rs: number }).rs);
      expect(rs(ours)).toEqual([2, 2, 3]);
    },
  },
};

scenarios["divergence: a page-sent Blob keeps its place (Playwright reorders it)"] = {
  routes: [{ url: `'**/mock'`, handler: `ws => ws.onMessage(m => ws.send('got ' + h.tag(m)))` }],
  page: `
    const ws = track(new WebSocket(S + '/mock'));
    await next(ws, 'open');
    ws.send(blob([1, 2, 3])); ws.send('after blob'); ws.send(blob([4])); ws.send('last');
    for (let i = 0; i < 4; i++) await next(ws, 'message');`,
  divergence: {
    why: "Playwright reads page-sent Blobs asynchronously and posts later strings first; wsbridge holds later frames behind the Blob",
    check(ours, pw) {
      expect(messages(ours)).toEqual(["text:got binary:010203", "text:got text:after blob", "text:got binary:04", "text:got text:last"]);
      expect([...messages(pw)].sort()).toEqual([...messages(ours)].sort());
    },
  },
};

scenarios["divergence: server binary frames keep their order with binaryType blob (Playwright reorders them)"] = {
  routes: [{ url: `'**/echo'`, handler: `ws => { const server = ws.connectToServer(); server.send('early1'); server.send(h.bin([5, 6])); server.send('early2'); }` }],
  page: `
    const ws = track(new WebSocket(S + '/echo'));
    for (let i = 0; i < 3; i++) await next(ws, 'message');
    ws.send('late'); await next(ws, 'message');`,
  divergence: {
    why: "Playwright reads server Blobs asynchronously before passing them on, so a later text frame may overtake a binary one",
    racy: true,
    check(ours, pw) {
      expect(ours.server).toEqual(pw.server);
      expect(ours.server[0]!.frames).toEqual(["text:early1", "binary:0506", "text:early2", "text:late"]);
      expect(messages(ours)).toEqual(["text:early1", "blob:0506", "text:early2", "text:late"]);
      expect([...messages(pw)].sort()).toEqual([...messages(ours)].sort());
    },
  },
};
