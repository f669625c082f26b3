// The one typed contract between the TypeScript engine and the Python package: every function the JS module
// `_wsbridge_js` exposes, with what crosses each way. `bridgeModule()` returns a `WsBridgeModule`, so tsc checks
// each bridge part against this list; python/wsbridge/_wsbridge_js.pyi is the same list for Python, and
// test/unit/contract.test.ts fails when the two disagree (a function or handle member on one side only, or its
// parameters differing in number, names or types).
//
// What crosses: primitives, strings, ArrayBuffer/Uint8Array, plain option objects and HAR JSON, Promises, the
// Python callables listed below (PyProxies made with `create_proxy`, owned by JS once handed over), and four
// engine objects Python only holds as handles (JsProxy), reaches the members `HandleMembers` lists on, and hands back.
import type { BridgeSocket } from "../socket/bridge-socket.js";
import type { WebSocketRoute, WebSocketRouteServer } from "../route/end/route.js";
import type { ReceiveOptions } from "../route/end/inbox.js";
import type { FaultOptions } from "../route/end/faults.js";
import type { Har } from "../har/har.js";
import type { InspectedWebSocket } from "../inspect/websocket.js";
import type { PyProxy } from "./types.js";
import type { SlotSource } from "./frame-slot.js";

/** A Python callable seen from JS, with the call signature JS uses. */
export type PyFunction<F> = F & PyProxy;

// --- handles: JS objects Python holds as JsProxy ---

/** A socket opened for Python; Python hands it to `closeSocket`, `sendBytes` and `abortSocket`. */
export type SocketHandle = BridgeSocket;
/** A routed socket's page side, given to the route handler. */
export type RoutedSocketHandle = WebSocketRoute;
/** A routed socket's server side (`connectToServer()`): the same face as the page side's, without the handshake and fault methods. */
export type RouteServerHandle = WebSocketRouteServer;
/** An inspected socket; Python hands it to `inspectOn`/`inspectWait`/`inspectKey`. */
export type InspectHandle = InspectedWebSocket;
/** A running recorder from `harRecord`. */
export type RecorderHandle = HandleMembers["RecorderHandle"];

/**
 * The members Python reaches on each handle, under the name of the stub's Protocol for it
 * (python/wsbridge/_wsbridge_js.pyi): test/unit/contract.test.ts compares them with the stub, and tsc checks below
 * that the engine objects have them with these types. Written as function-typed properties, so that a member's
 * parameters are checked strictly (a method's are bivariant).
 */
export interface HandleMembers {
  SocketHandle: {
    readonly socket: WebSocket;
    readonly origin: string;
    sendFrame: (data: string | ArrayBuffer | ArrayBufferView) => number; // the readyState it saw; 0: nothing sent
  };
  RoutedSocketHandle: {
    url: () => string;
    protocols: () => string[];
    connectToServer: () => RouteServerHandle;
    receive: (options?: ReceiveOptions) => Promise<string | Uint8Array>;
    receiveText: (options?: ReceiveOptions) => Promise<string>;
    receiveBytes: (options?: ReceiveOptions) => Promise<Uint8Array>;
    readonly closeCode: number | undefined;
    readonly closeReason: string | undefined;
    accept: (options?: { protocol?: string | null }) => boolean; // false: the subprotocol rule failed the handshake
    reject: () => void;
    terminate: () => void;
    faults: (options?: FaultOptions) => void;
  };
  InspectHandle: {
    url: () => string;
    isRouted: () => boolean;
    isClosed: () => boolean;
  };
  RecorderHandle: {
    har: () => string; // the HAR so far, as JSON text
    stop: () => string; // the same, after writing it to the recorder's path
  };
}

/** What Python reaches on a server side: the page side's members but the handshake and fault methods. */
type ServerMembers = Omit<HandleMembers["RoutedSocketHandle"], "accept" | "reject" | "terminate" | "faults">;
/** `Engine` when it has every member of `Members` (tsc reports the one it lacks or types otherwise). */
type Provides<Members, Engine extends Members> = Engine;
/** Checked at compile time only: each engine object provides what Python reaches on its handle. */
export type HandlesProvided = [
  Provides<HandleMembers["SocketHandle"], SocketHandle>,
  Provides<HandleMembers["RoutedSocketHandle"], RoutedSocketHandle>,
  Provides<ServerMembers, RouteServerHandle>,
  Provides<HandleMembers["InspectHandle"], InspectHandle>,
];

/** A Python bytes-like object (a flat memoryview) handed to JS for one call: JS reads it in place (`getBuffer`). */
export interface PyBytes {
  getBuffer(type: "u8"): { data: Uint8Array; release(): void };
}

// --- callbacks: Python callables JS calls ---

/** Socket event kinds as the first argument of a socket dispatch call (python/wsbridge/websocket.py `_Dispatcher`). */
export type SocketEventKind = 0 | 1 | 2 | 3; // open, message (only in queues: a message crosses without its kind), error, close
/** A socket message's data as it reaches Python (binaryType "arraybuffer"). */
export type SocketData = string | ArrayBuffer | undefined;
/**
 * `dispatch()` for messages written into the frame slot (the hot path: no argument to convert), `dispatch(data)`
 * for one message the slot cannot hold, `dispatch(kind, event)` for the open/error/close event.
 */
export interface SocketDispatch {
  (): unknown;
  (data: string | ArrayBuffer): unknown;
  (kind: Exclude<SocketEventKind, 1>, event: Event): unknown;
}

/** A Python URL predicate (for a callable or re.Pattern `url`), called with the URL string; truthy matches. */
export type UrlPredicate = (href: string) => unknown;
/** A Python route's handler: runs it for `route` and calls `resolve()`, or `reject(traceback)` when it raised. */
export type RouteCallback = (route: RoutedSocketHandle, resolve: (value: void) => void, reject: (traceback: string) => void) => unknown;
/** A routed socket's Python dispatch: `(side, "message", data)` or `(side, "close", code, reason)`. */
export interface RouteDispatch {
  (side: string, kind: "message", message: string | Uint8Array): unknown;
  (side: string, kind: "close", code: number | undefined, reason: string | undefined): unknown;
}
/** A Python inspection listener or wait predicate: gets a frame's payload, a socket error's text, or a socket. */
export type InspectListener = (value: string | Uint8Array | InspectHandle) => unknown;

/** Everything `_wsbridge_js` exposes. Keep in step with python/wsbridge/_wsbridge_js.pyi (test/unit/contract.test.ts). */
export interface WsBridgeModule {
  // socket (python/wsbridge/websocket.py)
  openSocket: (url: string, protocols: string | string[] | undefined | null, dispatch: PyFunction<SocketDispatch>) => SocketHandle;
  closeSocket: (socket: SocketHandle, code: number | undefined | null, reason: string | undefined | null) => void;
  abortSocket: (socket: SocketHandle, code?: number, reason?: string) => void;
  sendBytes: (socket: SocketHandle, data: PyBytes) => number;
  sendSlot: (socket: SocketHandle, length: number) => number;
  sendHeap: (socket: SocketHandle, address: number, length: number) => number;
  socketStats: () => { sockets: number; listeners: number; proxies: number };
  checkUrl: (url: string) => string;
  // the instance's frame slot (src/pyodide/frame-slot.ts): a create_proxy'd memoryview of a bytearray, kept for good
  useFrameSlot: (slot: SlotSource) => void;
  // every Python callable JS holds (src/pyodide/proxies.ts), per kind: the leak counter that sees them all
  proxyStats: () => { socket: number; route: number; predicate: number; inspect: number; total: number };
  // routing (python/wsbridge/route.py)
  routeAdd: (scope: string, url: string | PyFunction<UrlPredicate>, times: number | undefined | null, onSocket: PyFunction<RouteCallback>, urlKey: string, handlerKey: string, onUnroute: PyFunction<() => unknown> | undefined | null) => number;
  routeRemove: (token: number) => void;
  routeUnroute: (scope: string, urlKey: string, handlerKey: string | undefined | null) => void;
  routeAlive: (token: number) => boolean;
  routeBind: (route: RoutedSocketHandle, proxy: PyProxy) => void;
  routeListen: (target: RoutedSocketHandle | RouteServerHandle, side: string, kind: string, dispatch: PyFunction<RouteDispatch>) => void;
  routeSend: (target: RoutedSocketHandle | RouteServerHandle, message: string | Uint8Array) => void;
  routeClose: (target: RoutedSocketHandle | RouteServerHandle, code: number | undefined | null, reason: string | undefined | null) => void;
  routeReset: () => void;
  routeStats: () => { proxies: number; routes: number; sockets: number };
  // inspection (python/wsbridge/inspect.py)
  inspectOn: (target: InspectHandle | string, event: string, listener: PyFunction<InspectListener>, once: boolean, key: string) => void;
  inspectOff: (target: InspectHandle | string, event: string, key: string) => void;
  inspectWait: (target: InspectHandle | string, event: string, predicate: PyFunction<InspectListener> | undefined | null, timeout: number | undefined | null, signal: AbortSignal) => Promise<unknown>;
  inspectKey: (ws: InspectHandle) => number;
  inspectReset: () => void;
  // replay and recording (python/wsbridge/har.py)
  harRoute: (har: Har | string, url: string | PyFunction<UrlPredicate> | undefined | null, match: string, timing: string, strict: boolean) => number;
  harRemove: (token: number) => void;
  harAlive: (token: number) => boolean;
  harReady: (token: number) => Promise<void>;
  harRecord: (url: string | PyFunction<UrlPredicate> | undefined | null, path: string | undefined | null) => RecorderHandle;
  harReset: () => void;
  harFailures: () => string; // JSON list of the replay mismatches since the last call (cleared)
  // a test's WebSocket trace (python/wsbridge/_ws_trace.py): the text of a failure, the HAR as JSON text
  traceStart: () => void;
  traceText: (last: number) => string;
  traceHar: () => string;
  traceStop: () => void;
  // page.evaluate (python/wsbridge/route.py, _evaluate.py): the argument and the outcome as JSON text
  pageEvaluate: (expression: string, arg: string) => string | Promise<string>;
}

/** The functions of one bridge part (socket, route, inspect, har, evaluate); object literals of this type reject extra keys. */
export type BridgePart<K extends keyof WsBridgeModule> = Pick<WsBridgeModule, K>;
