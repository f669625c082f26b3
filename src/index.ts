// wsbridge: the browser runtime. Plain JS parts (socket, route, inspect) and the Pyodide adapter.
export { installWsBridge } from "./pyodide/install.js";
export { toJSONable } from "./pyodide/convert.js";
export { BridgeSocket, socketCounters, type SocketSink, type BridgeSocketOptions, type SendData } from "./socket/bridge-socket.js";
export { Receiver, type Delivery, type SocketEventType, type BlobReader } from "./socket/receiver.js";
export { routeWebSocket, unrouteWebSocket, resetRouting, type RouteOptions, type RouteHandle, type RoutingScope } from "./route/api.js";
export { page, context, type Scope } from "./inspect/scopes.js";
export { InspectedWebSocket, TimeoutError, resetInspection, type InspectionScope, type Frame, type InspectedEvents, type InspectedEvent, type WaitOptions } from "./inspect/index.js";
export { installRouting } from "./route/engine.js";
export { shareRoutesWith, routeFromMainThread, linkRoutesPort, routeThroughPort, type RoutesLink, type PortTarget } from "./route/port-link.js";
export type { WebSocketRoute, WebSocketRouteServer, MessageHandler, CloseHandler, CloseOptions } from "./route/end/route.js";
export type { AwaitableSide } from "./route/end/route.js";
export { WebSocketClosed, FrameTypeError } from "./route/end/errors.js";
export type { ReceiveOptions, JsonOptions, Message } from "./route/end/inbox.js";
export type { FaultOptions, FaultDirection } from "./route/end/faults.js";
export type { UrlMatch } from "./route/match/match.js";
export type { PageMessage, RouteMessage, Wire } from "./route/protocol.js";
export { routeWebSocketFromHAR, type Har, type HarEntry, type HarWebSocketMessage, type HarReplayOptions } from "./har/har.js";
export { recordWebSocket, type WebSocketRecorder } from "./inspect/recorder.js";
