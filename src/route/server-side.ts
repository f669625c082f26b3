// The server side of a route, as `connectToServer()` returns it: Playwright's names, seen from the server end
// (frames from the server, sends to it), plus wsbridge's awaitable receiving and JSON.
import { jsonFrame } from "./inbox.js";
import type { RouteController } from "./controller.js";
import type { WebSocketRouteServer } from "./route-types.js";

/** The server side of `route`'s socket. */
export function serverSide(route: RouteController): WebSocketRouteServer {
  const server: WebSocketRouteServer = {
    url: () => route.url,
    protocols: () => [...route.requested],
    onMessage: (handler) => route.onMessage("server", handler),
    onClose: (handler) => route.onClose("server", handler),
    send: (message) => route.sendToServer(message),
    close: (options = {}) => {
      route.closeServer(options);
      return Promise.resolve();
    },
    connectToServer: () => { throw new Error("connectToServer must be called on the page-side WebSocketRoute"); },
    [Symbol.asyncDispose]: async () => server.close(),
    receive: (options) => route.receiveServer().receive(options),
    receiveText: (options) => route.receiveServer().receiveText(options),
    receiveBytes: (options) => route.receiveServer().receiveBytes(options),
    receiveJson: (options) => route.receiveServer().receiveJson(options),
    sendJson: (value, options) => server.send(jsonFrame(value, options)),
    get closeCode() { return route.serverInbox.closed?.code; },
    get closeReason() { return route.serverInbox.closed?.reason; },
    [Symbol.asyncIterator]: () => route.receiveServer()[Symbol.asyncIterator](),
  };
  return server;
}
