(() => {
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const h = {
    tag: (m) => typeof m === "string" ? "text:" + m : "binary:" + hex(m),
    bin: (arr) => new Uint8Array(arr),
    text: (m) => typeof m === "string" ? m : new TextDecoder().decode(m),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  globalThis.__confHelpers = h;
  globalThis.__confRun = async (S, body) => {
    const log = [];
    const pending = [];
    const inboxes = new WeakMap();
    const record = (entry) => { log.push(entry); return entry; };
    const tag = (entry, d) => {
      if (typeof d === "string") entry.data = "text:" + d;
      else if (d instanceof ArrayBuffer) entry.data = "ab:" + hex(new Uint8Array(d));
      else if (d instanceof Blob) { entry.data = "blob:?"; pending.push(d.arrayBuffer().then((b) => { entry.data = "blob:" + hex(new Uint8Array(b)); })); }
      else entry.data = "other:" + String(d);
    };
    const env = {
      S, log: record, sleep: h.sleep, bin: h.bin,
      blob: (arr) => new Blob([new Uint8Array(arr)]),
      track(ws, label = "ws") {
        (globalThis.__confOpened ??= []).push(ws); // sockets a long-lived page closes after the scenario
        const queues = { open: [], message: [], error: [], close: [] };
        const waiters = { open: [], message: [], error: [], close: [] };
        inboxes.set(ws, { queues, waiters });
        for (const type of ["open", "message", "error", "close"]) {
          ws.addEventListener(type, (e) => {
            if (waiters[type].length) waiters[type].shift()(e); else queues[type].push(e);
            const entry = { s: label, ev: type, rs: ws.readyState };
            if (type === "open") { entry.protocol = ws.protocol; entry.extensions = ws.extensions; }
            if (type === "message") { tag(entry, e.data); entry.origin = e.origin; entry.lastEventId = e.lastEventId; entry.isMessageEvent = e instanceof MessageEvent; }
            if (type === "close") { entry.code = e.code; entry.reason = e.reason; entry.wasClean = e.wasClean; entry.isCloseEvent = e instanceof CloseEvent; }
            record(entry);
          });
        }
        return ws;
      },
      next(ws, type, ms = 3000) {
        const inbox = inboxes.get(ws);
        if (inbox && inbox.queues[type].length) return Promise.resolve(inbox.queues[type].shift());
        return new Promise((r) => {
          const timer = setTimeout(() => { record({ ev: "timeout", waiting: type, rs: ws.readyState }); r(undefined); }, ms);
          const done = (e) => { clearTimeout(timer); r(e); };
          if (inbox) inbox.waiters[type].push(done); else ws.addEventListener(type, done, { once: true });
        });
      },
      closed(ws, ms = 3000) {
        if (ws.readyState === 3) return Promise.resolve();
        return new Promise((r) => {
          const timer = setTimeout(() => { record({ ev: "timeout", waiting: "close", rs: ws.readyState }); r(); }, ms);
          ws.addEventListener("close", () => { clearTimeout(timer); r(); }, { once: true });
        });
      },
      attempt(label, fn) {
        try { fn(); record({ ev: "call", label, ok: true }); }
        catch (e) { record({ ev: "call", label, ok: false, name: e.name, message: e.message, isDOMException: e instanceof DOMException }); }
      },
      state(label, ws) {
        record({ ev: "state", label, rs: ws.readyState, url: ws.url, protocol: ws.protocol, extensions: ws.extensions, binaryType: ws.binaryType, bufferedAmount: ws.bufferedAmount, isWebSocket: ws instanceof WebSocket });
      },
    };
    const run = new Function("env", "const { S, log, sleep, bin, blob, track, next, closed, attempt, state } = env; return (async () => {\n" + body + "\n})();");
    try { await run(env); } catch (e) { record({ ev: "script-error", name: e && e.name, message: e && e.message }); }
    await Promise.all(pending);
    return log;
  };
})();
