// Messages from the page end, applied to one routed socket: to a handler when route code set one, to an inbox
// when it receives, else forwarded by default (page ↔ server). Frames from the page pass the faults first.
import { wireToHandler } from "./data.js";
import { closeInfo, type PageMessage } from "./protocol.js";
import { runHandler } from "./report.js";
import type { RouteController } from "./controller.js";

/** Applies one message from the page end, through the faults when set. */
export function deliver(route: RouteController, message: PageMessage): void {
  const faults = route.faults;
  if (faults && message.type === "messageFromPage") faults.frame("fromPage", wireToHandler(message.data), () => apply(route, message));
  else if (faults && message.type === "pageClosed") faults.after("fromPage", () => apply(route, message));
  else apply(route, message);
}

/** Applies one message from the page end. */
function apply(route: RouteController, message: PageMessage): void {
  switch (message.type) {
    case "messageFromPage": return fromPage(route, message);
    case "messageFromServer": return fromServer(route, message);
    case "pageClosed": return pageClosed(route, message);
    case "serverClosed": return serverClosed(route, message);
    case "released": return route.dispose();
    case "create": return;
  }
}

/** A page frame: to the page-side handler, or kept for receive() (a mock keeps it too, where Playwright drops it), else to the server. */
function fromPage(route: RouteController, message: Extract<PageMessage, { type: "messageFromPage" }>): void {
  const handler = route.handlers.pageMessage;
  if (handler) runHandler(() => handler(wireToHandler(message.data)));
  else if (route.pageInbox.claimed || !route.connected) route.pageInbox.push(wireToHandler(message.data));
  else route.post({ type: "sendToServer", id: route.id, data: message.data });
}

/** A server frame: to the server-side handler, or kept for receive(), else to the page. */
function fromServer(route: RouteController, message: Extract<PageMessage, { type: "messageFromServer" }>): void {
  const handler = route.handlers.serverMessage;
  if (handler) runHandler(() => handler(wireToHandler(message.data)));
  else if (route.serverInbox.claimed) route.serverInbox.push(wireToHandler(message.data));
  else route.toPage({ type: "sendToPage", id: route.id, data: message.data });
}

/** The page closed: ends the page inbox; to the page-side close handler, else closes the server alike. */
function pageClosed(route: RouteController, message: Extract<PageMessage, { type: "pageClosed" }>): void {
  route.pageInbox.close(message.code, message.reason);
  const handler = route.handlers.pageClose;
  if (handler) runHandler(() => handler(message.code, message.reason));
  else route.post({ type: "closeServer", id: route.id, ...closeInfo(message.code, message.reason, message.wasClean) });
}

/** The server closed: ends the server inbox; to the server-side close handler, else closes the page alike. */
function serverClosed(route: RouteController, message: Extract<PageMessage, { type: "serverClosed" }>): void {
  route.serverInbox.close(message.code, message.reason);
  const handler = route.handlers.serverClose;
  if (handler) runHandler(() => handler(message.code, message.reason));
  else route.toPage({ type: "closePage", id: route.id, ...closeInfo(message.code, message.reason, message.wasClean) });
}
