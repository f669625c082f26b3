// Inspection scopes: `page.on("websocket", h)` and `context.on("websocket", h)` announce every socket the page
// opens (page listeners first). Routing's observer hooks are set only while someone listens, so with nobody
// inspecting no socket is watched and no frame costs anything.
import { OPEN } from "../socket/constants.js";
import { CONNECTION_FAILED, HANDSHAKE_FAILED } from "../route/protocol.js";
import { observer, type ObservedRouted, type SocketTap } from "../route/page/observe.js";
import { installRouting } from "../route/engine.js";
import { Emitter, waitFor, type WaitOptions } from "./emitter.js";
import { InspectedWebSocket, type RawPayload } from "./websocket.js";

/** Events of an inspection scope. */
export interface ScopeEvents extends Record<string, unknown> {
  websocket: InspectedWebSocket;
}

/** `page` / `context` inspection: Playwright's `on("websocket")`, `waitForEvent("websocket")`, `expectWebSocket`. */
export interface InspectionScope {
  on(event: "websocket", listener: (ws: InspectedWebSocket) => unknown): InspectionScope;
  once(event: "websocket", listener: (ws: InspectedWebSocket) => unknown): InspectionScope;
  off(event: "websocket", listener: (ws: InspectedWebSocket) => unknown): InspectionScope;
  removeListener(event: "websocket", listener: (ws: InspectedWebSocket) => unknown): InspectionScope;
  /** Resolves with the next socket opened (matching `predicate`); TimeoutError after `timeout` ms (default 30000). */
  waitForEvent(event: "websocket", optionsOrPredicate?: ((ws: InspectedWebSocket) => unknown) | WaitOptions<InspectedWebSocket>): Promise<InspectedWebSocket>;
  /** Same as `waitForEvent("websocket", ...)`. */
  waitForWebSocket(optionsOrPredicate?: ((ws: InspectedWebSocket) => unknown) | WaitOptions<InspectedWebSocket>): Promise<InspectedWebSocket>;
}

const observe = observer();
const scopes = {
  page: new Emitter<ScopeEvents>(() => update()),
  context: new Emitter<ScopeEvents>(() => update()),
};
/** Native sockets being watched, and their inspection objects. */
const natives = new WeakMap<WebSocket, InspectedWebSocket>();
let liveNatives = 0;

/** True while some scope has a `websocket` listener (or waiter). */
export function inspecting(): boolean {
  return scopes.page.listenerCount("websocket") + scopes.context.listenerCount("websocket") > 0;
}

/** Sets or clears routing's hooks; `nativeSent` stays while a watched native socket is open. */
function update(): void {
  if (inspecting()) {
    installRouting(); // native sockets are seen through the routed class
    observe.routed = watchRouted;
    observe.native = watchNative;
    observe.nativeSent = nativeSent;
  } else {
    observe.routed = undefined;
    observe.native = undefined;
    if (liveNatives === 0) observe.nativeSent = undefined;
  }
}

/** Tells page listeners, then context listeners, about a new socket. */
function announce(ws: InspectedWebSocket): void {
  scopes.page.emit("websocket", ws);
  scopes.context.emit("websocket", ws);
}

/** A routed socket was created: its tap feeds an inspection object. */
function watchRouted(socket: ObservedRouted): SocketTap {
  const ws = new InspectedWebSocket(socket.url, true);
  announce(ws);
  return (event) => {
    switch (event.kind) {
      case "sent": return ws.sent(event.data);
      case "received": return ws.received(event.data);
      case "error": return ws.error(event.message);
      case "closed": return ws.close(event.code, event.reason);
      case "passthrough": return ws.passedThrough();
    }
  };
}

/** A native socket was created: listeners (added before the page's own) report its frames, error and close. */
function watchNative(socket: WebSocket, url: string): void {
  const ws = new InspectedWebSocket(url, false);
  natives.set(socket, ws);
  liveNatives++;
  let opened = false;
  const onOpen = () => { opened = true; };
  const onMessage = (event: MessageEvent) => ws.received(event.data as RawPayload);
  const onError = () => ws.error(opened ? CONNECTION_FAILED : HANDSHAKE_FAILED);
  const onClose = (event: CloseEvent) => {
    socket.removeEventListener("open", onOpen);
    socket.removeEventListener("message", onMessage);
    socket.removeEventListener("error", onError);
    socket.removeEventListener("close", onClose);
    natives.delete(socket);
    liveNatives--;
    ws.close(event.code, event.reason);
    update();
  };
  socket.addEventListener("open", onOpen);
  socket.addEventListener("message", onMessage);
  socket.addEventListener("error", onError);
  socket.addEventListener("close", onClose);
  announce(ws);
}

/** A native socket's `send` went through: report the frame if the socket is watched and was open. */
function nativeSent(socket: WebSocket, data: unknown): void {
  const ws = natives.get(socket);
  if (ws && socket.readyState === OPEN) ws.sent(data as RawPayload);
}

/** A RangeError unless `event` is a scope's one event, "websocket". */
export function checkScopeEvent(event: string): void {
  if (event !== "websocket") throw new RangeError(`unknown event '${event}': only "websocket"`);
}

/** Builds the inspection functions of one scope. */
function scopeOf(name: "page" | "context"): InspectionScope {
  const emitter = scopes[name];
  const scope: InspectionScope = {
    on(event, listener) { emitter.on(event, listener); return scope; },
    once(event, listener) { emitter.once(event, listener); return scope; },
    off(event, listener) { emitter.off(event, listener); return scope; },
    removeListener(event, listener) { emitter.off(event, listener); return scope; },
    waitForEvent(event, optionsOrPredicate) {
      try {
        checkScopeEvent(event);
      } catch (error) {
        return Promise.reject(error);
      }
      return waitFor(emitter, "websocket", optionsOrPredicate);
    },
    waitForWebSocket(optionsOrPredicate) {
      return waitFor(emitter, "websocket", optionsOrPredicate);
    },
  };
  return scope;
}

/** Page-scope inspection. */
export const pageInspection: InspectionScope = scopeOf("page");
/** Context-scope inspection (told after the page scope). */
export const contextInspection: InspectionScope = scopeOf("context");

/** Drops every inspection listener (test isolation); sockets already watched finish quietly. */
export function resetInspection(): void {
  scopes.page.removeAllListeners();
  scopes.context.removeAllListeners();
}
