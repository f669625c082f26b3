// The typed boundary between the engine and the MicroPython face (python/mpy/wsbridge/), registered as the JS
// module `_wsbridge_mpy`. It is the Pyodide contract's socket and routing parts (../contract.ts) adapted to what
// MicroPython 1.27's FFI can carry without leaking or crashing, measured in a real page (docs/DESIGN.md):
// - only primitives cross (str, int, float, bool, None): every JS object that reaches MicroPython stays in its
//   proxy table for the interpreter's life (gc.collect() frees none), so sockets and routes are numbered ids and
//   events cross as their fields;
// - Python callables never cross per socket or route: Python hands over one entry point at install (`useEntry`)
//   and JS calls it with an `EntryKind` and ids;
// - a JS exception thrown into MicroPython is not a Python exception: it unwinds the whole interpreter call. So no
//   function here throws: a failure returns `FAILED`, and `takeError()` gives its name and message;
// - bytes cross through the byte channel (./channel.ts), one copy each way.

/** What a function returns instead of throwing; then `takeError()` is "Name\nmessage". */
export const FAILED = "\u0000wsbridge:failed";

/** The first argument of each call to Python's entry point (python/mpy/wsbridge/_ffi.py mirrors these). */
export const ENTRY = {
  /** (id): a socket opened. */
  open: 0,
  /** (id, text): a text frame. */
  text: 1,
  /** (id): the socket's error event. */
  error: 2,
  /** (id, code, reason, wasClean): the socket's close event. */
  close: 3,
  /** (id, length): a binary frame of `length` bytes waits in the channel. */
  binary: 4,
  /** (key, href) → bool: does Python registration `key`'s pattern or predicate match the URL? */
  routeMatch: 10,
  /** (key, route) → true, a traceback, or None while an async handler runs: a socket for registration `key`. */
  routeSocket: 11,
  /** (route, side, text): a text message from `side` ("page" or "server") of a routed socket. */
  routeText: 12,
  /** (route, side, length): a binary message of `length` bytes waits in the channel. */
  routeBinary: 13,
  /** (route, side, code, reason): `side` closed (code and reason None when absent). */
  routeClose: 14,
  /** (route): the routed socket was released; Python forgets it. */
  routeReleased: 15,
  /** (key): registration `key` left the route table for good; Python forgets it. */
  routeGone: 16,
} as const;

export type EntryKind = (typeof ENTRY)[keyof typeof ENTRY];

/** What crosses into MicroPython: primitives only. */
export type Primitive = string | number | boolean | null;

/** Python's one entry point, as JS calls it (the arguments of each kind are listed at `ENTRY`). */
export type Entry = (kind: EntryKind, id: number, a?: Primitive, b?: Primitive, c?: Primitive) => unknown;

/** A function's result, or `FAILED` (see `takeError`). */
export type Guarded<T> = T | typeof FAILED;

/** Everything `_wsbridge_mpy` exposes (python/mpy/wsbridge/_wsbridge_mpy.pyi is the same list for Python). */
export interface MicroPythonModule {
  useEntry: (entry: Entry) => void;
  takeError: () => string;
  // sockets (python/mpy/wsbridge/websocket.py): ids, never handles
  openSocket: (url: string, protocols: string) => Guarded<number>; // protocols: JSON (null, a str or a list of str)
  sendText: (id: number, text: string) => number; // the readyState seen; 0: nothing sent
  sendArm: (id: number, length: number) => number; // the same; when it is not 0, Python's next channel write is sent
  sendJs: (id: number, data: ArrayBuffer | ArrayBufferView) => number;
  closeSocket: (id: number, code: number | null, reason: string | null) => Guarded<null>;
  abortSocket: (id: number) => void;
  socketGet: (id: number, name: string) => unknown; // an attribute of the browser socket (a method comes bound)
  socketSet: (id: number, name: string, value: unknown) => Guarded<null>;
  socketObject: (id: number) => WebSocket | null;
  socketOrigin: (id: number) => string;
  eventGet: (id: number, kind: number, name: string) => unknown; // an attribute of the socket's last event of `kind`
  checkUrl: (url: string) => Guarded<string>;
  stats: () => string; // JSON: { sockets, routes, held }: live sockets, live routed sockets, callables the engine holds
  // routing (python/mpy/wsbridge/route.py)
  routeAdd: (scope: string, glob: string | null, key: number, times: number | null, urlKey: string, handlerKey: string) => Guarded<number>;
  routeRemove: (token: number) => void;
  routeUnroute: (scope: string, urlKey: string, handlerKey: string | null) => void;
  routeAlive: (token: number) => boolean;
  routeSettle: (route: number, traceback: string | null) => void;
  routeUrl: (route: number) => string;
  routeProtocols: (route: number) => string; // JSON list
  routeCloseInfo: (route: number) => string; // JSON [code, reason] of the other side's close (null when absent)
  routeListen: (route: number, side: string, kind: string) => void;
  routeSendText: (route: number, side: string, text: string) => Guarded<null>;
  routeArm: (route: number, side: string, length: number) => Guarded<null>; // Python's next channel write is sent
  routeWritten: () => Guarded<null>; // what the armed send did
  routeClose: (route: number, side: string, code: number | null, reason: string | null) => Guarded<null>;
  routeConnect: (route: number) => Guarded<null>;
  routeReset: () => void;
}
