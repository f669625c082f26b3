// Routes across threads: the route protocol over a MessagePort. The main thread's engine serves as route end for
// a worker's sockets (`linkRoutesPort`, `shareRoutesWith`); the worker's engine sends every socket that no
// worker-local route takes to the main thread (`routeThroughPort`, `routeFromMainThread`). Messages are batched
// per microtask, in order, and their ArrayBuffers are transferred, never copied.
import { installRouting, type RoutingEngine } from "./engine.js";
import { documentBase, urlMatches, type UrlMatch } from "./match/match.js";
import type { PageMessage, Receiver, RouteMessage } from "./protocol.js";

/** Marks the message that carries the routes port to a worker set up by the page. */
export const ROUTES_PORT_MARK = "wsbridge.routes-port";

/** What crosses the port: the messages of one microtask, in order. */
type Batch<M> = { batch: M[] };

/** Sent by a page end whose document is going away (its frame was removed or navigated). */
type Gone = { gone: true };

/** A batching sender: messages queued in one microtask go as one postMessage, their buffers transferred. */
function batcher<M extends PageMessage | RouteMessage>(port: MessagePort): { send: Receiver<M>; flush(): void; close(): void } {
  let queue: M[] = [];
  let transfer: ArrayBuffer[] = [];
  let closed = false;
  const flush = () => {
    const batch = queue;
    const moved = transfer;
    queue = [];
    transfer = [];
    if (closed || batch.length === 0) return;
    port.postMessage({ batch } satisfies Batch<M>, moved);
  };
  return {
    flush,
    send(message) {
      if (closed) return;
      if (queue.length === 0) queueMicrotask(flush);
      queue.push(message);
      const data = (message as { data?: unknown }).data;
      if (data instanceof ArrayBuffer && data.byteLength > 0 && !transfer.includes(data)) transfer.push(data);
    },
    close() {
      closed = true;
      queue = [];
      transfer = [];
    },
  };
}

/** The messages of one batch (anything else on the port is ignored). */
function batchOf<M>(data: unknown): M[] {
  const batch = (data as Partial<Batch<M>> | null)?.batch;
  return Array.isArray(batch) ? batch : [];
}

// --- the main thread: route end for another thread's sockets ---

/** A link that serves another thread's sockets with this thread's routes. */
export interface RoutesLink {
  /** Live sockets of the other thread this link routes (not yet released or passed through). */
  readonly size: number;
  /**
   * Detaches: the other thread or frame is gone. Each live routed socket's route hears that its page went away
   * (its `onClose` handlers run once with no code and no reason, as in Playwright) and is released; later
   * messages are dropped. Idempotent; runs by itself when a routed frame's document goes away.
   */
  close(): void;
}

/** How many passed-through worker socket URLs are remembered for the late-route warning. */
const LATE_ROUTE_MEMORY = 64;
/** Per engine: URLs of other threads' sockets that no route took (they went to the real server natively). */
const wentNative = new WeakMap<RoutingEngine, Set<string>>();

/**
 * The URLs this engine let through to the real server for other threads' sockets. The first call makes the
 * engine warn in the console when a route registered later matches one of them: that socket was not routed.
 */
function nativeUrls(engine: RoutingEngine): Set<string> {
  const known = wentNative.get(engine);
  if (known) return known;
  const urls = new Set<string>();
  wentNative.set(engine, urls);
  engine.registry.onAdd.add((entry) => warnIfLate(urls, entry.url));
  return urls;
}

/** Warns when a route just added matches URLs in `urls` (sockets that went native), and forgets them. */
function warnIfLate(urls: Set<string>, match: UrlMatch): void {
  const late = [...urls].filter((url) => urlMatches(match, url, documentBase()));
  if (late.length === 0) return;
  for (const url of late) urls.delete(url);
  console.warn(
    `wsbridge: a route registered now matches ${late.join(", ")}, which a worker already opened before any route ` +
      "matched it: that socket went to the real server and stays unrouted (routes apply to sockets opened after " +
      "them). Register the route before the worker opens the socket.",
  );
}

/** Serves the sockets behind `port` (the other end given to `routeThroughPort` in a worker) with this thread's routes. */
export function linkRoutesPort(port: MessagePort): RoutesLink {
  const engine = installRouting();
  const ids = new Set<string>();
  const urls = new Map<string, string>();
  const native = nativeUrls(engine);
  const out = batcher<RouteMessage>(port);
  let closed = false;
  const drop = (id: string) => {
    ids.delete(id);
    urls.delete(id);
    engine.remote.delete(id);
  };
  const toPage: Receiver<RouteMessage> = (message) => {
    out.send(message);
    if (message.type === "passthrough") {
      const url = urls.get(message.id);
      if (url !== undefined && native.size < LATE_ROUTE_MEMORY) native.add(url);
      drop(message.id);
    }
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    out.close();
    port.onmessage = null;
    port.close();
    for (const id of [...ids]) {
      drop(id);
      engine.host.gone(id);
    }
  };
  port.onmessage = (event: MessageEvent) => {
    if (closed) return;
    if ((event.data as Partial<Gone> | null)?.gone === true) return close();
    for (const message of batchOf<PageMessage>(event.data)) {
      if (message.type === "create") {
        urls.set(message.id, message.url);
        ids.add(message.id);
        engine.remote.set(message.id, toPage);
      } else if (!ids.has(message.id)) continue;
      engine.host.receive(message);
      if (message.type === "released") drop(message.id);
    }
  };
  port.start();
  return {
    get size() {
      return ids.size;
    },
    close,
  };
}

/** Anything with `postMessage(message, transfer)`: a Worker, a MessagePort, a ServiceWorker client... */
export interface PortTarget {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** A frame's window (an iframe's `contentWindow`): its postMessage takes a target origin. */
export interface FrameTarget {
  postMessage(message: unknown, options: { targetOrigin: string; transfer: Transferable[] }): void;
}

/** True for a window (same- or cross-origin): `window` is one of the few names readable across origins. */
function isWindow(target: PortTarget | FrameTarget): target is FrameTarget {
  try {
    return (target as { window?: unknown }).window === target;
  } catch {
    return false;
  }
}

/**
 * Main thread, one line per worker or frame: `shareRoutesWith(worker)` (or an iframe's `contentWindow`) makes
 * this thread's routes (JS `routeWebSocket`, Python `route_web_socket`) route the sockets of a worker or frame
 * that called `routeFromMainThread()`. Returns the link; call `close()` when the worker is terminated (a frame
 * whose document goes away closes its link itself).
 */
export function shareRoutesWith(target: PortTarget | FrameTarget): RoutesLink {
  const channel = new MessageChannel();
  const link = linkRoutesPort(channel.port1);
  const message = { [ROUTES_PORT_MARK]: channel.port2 };
  // A frame loads its document by itself; "*" because its origin is its own (the port is its only channel).
  if (isWindow(target)) target.postMessage(message, { targetOrigin: "*", transfer: [channel.port2] });
  else target.postMessage(message, [channel.port2]);
  return link;
}

// --- the worker: page end whose sockets are routed by another thread ---

/**
 * Sockets made by `routeFromMainThread` before the port came post here for good (a socket keeps its post
 * function): messages wait in `pending` until `routeThroughPort` sets `sink`.
 */
let early: { pending: PageMessage[]; sink?: Receiver<PageMessage> } | undefined;
/** True while `routeFromMainThread` waits for the port. */
let listening = false;

/**
 * Routes this thread's sockets through `port` (the other end served by `linkRoutesPort`): every socket that no
 * local route takes becomes a routed socket whose route decision, frames and closes cross the port; the other
 * thread answers `passthrough` for URLs no route matches, and the socket then behaves as a native one.
 */
export function routeThroughPort(port: MessagePort): void {
  const engine = installRouting();
  const out = batcher<PageMessage>(port);
  port.onmessage = (event: MessageEvent) => {
    for (const message of batchOf<RouteMessage>(event.data)) engine.sockets.get(message.id)?.receive(message);
  };
  port.start();
  engine.upstream = out.send;
  // A document going away (frame removed or navigated, reload) tells the routing thread, whose routes then hear
  // that their pages went away; a worker cannot say so when terminated (its link's owner closes the link).
  const scope = globalThis as unknown as Partial<EventTarget> & { document?: unknown };
  if (scope.document !== undefined && typeof scope.addEventListener === "function") {
    scope.addEventListener("pagehide", () => {
      out.flush();
      port.postMessage({ gone: true } satisfies Gone);
    }, { once: true });
  }
  if (early) {
    early.sink = out.send;
    early.pending.splice(0).forEach(out.send);
    early = undefined;
  }
}

/**
 * Worker, one line: `routeFromMainThread()` makes the main thread's routes route this worker's sockets (the main
 * thread calls `shareRoutesWith(worker)`). Routes registered in the worker itself are checked first. Sockets
 * opened before the main thread's port arrives wait for it (CONNECTING). Call it before setting `onmessage`:
 * the port message is taken in the capture phase and never reaches the worker's own message handlers.
 */
export function routeFromMainThread(): void {
  const engine = installRouting();
  const scope = globalThis as unknown as EventTarget;
  if (engine.upstream === undefined) {
    const waiting: NonNullable<typeof early> = { pending: [] };
    early = waiting;
    engine.upstream = (message) => (waiting.sink ? waiting.sink(message) : void waiting.pending.push(message));
  }
  if (listening) return;
  listening = true;
  const onMessage = (event: Event) => {
    const port = ((event as MessageEvent).data as Record<string, unknown> | null)?.[ROUTES_PORT_MARK];
    if (!(port instanceof MessagePort)) return;
    event.stopImmediatePropagation();
    scope.removeEventListener("message", onMessage, true);
    listening = false;
    routeThroughPort(port);
  };
  scope.addEventListener("message", onMessage, true);
}
