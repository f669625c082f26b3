// Replaces globalThis.WebSocket with a routed class the page cannot tell from the native one. The class is a
// Proxy of the native constructor (same prototype, name, length, constants, toString); routed instances are
// real EventTargets whose prototype is WebSocket.prototype, and the prototype's accessors serve them from
// their PageSocket and `on*` handler slots while passing native instances straight to the browser's own accessors.
import { checkProtocols, normalizeSocketUrl } from "../../socket/validation.js";
import { documentBase } from "../match/match.js";
import type { PageSocket } from "./page-socket.js";
import { observer } from "./observe.js";

/** Inspection hooks (unset while nobody inspects). */
const observe = observer();

/** Decides, at construction, whether a socket is routed; builds its PageSocket when it is. */
export interface RoutedClassOptions {
  /** The native WebSocket class. */
  native: typeof WebSocket;
  /** True when some route may take `url` (no route: a plain native socket is returned). */
  wouldRoute(url: string): boolean;
  /** Creates the page socket state for a routed instance. */
  create(target: EventTarget, url: string, protocols: string[]): PageSocket;
}

/** An `on*` handler as the page sets it. */
type Handler = ((this: EventTarget, event: Event) => unknown) | null;

/**
 * The `onopen`/`onmessage`/`onerror`/`onclose` slots of one EventTarget, with the browser's rules: one listener
 * per type, registered when first set, keeping its place among listeners when replaced, removed when set to null;
 * non-functions count as null.
 */
class EventHandlerSlots {
  private readonly values = new Map<string, Handler>();
  private readonly listeners = new Map<string, (event: Event) => void>();

  constructor(private readonly target: EventTarget) {}

  /** The handler set for `type`, or null. */
  get(type: string): Handler {
    return this.values.get(type) ?? null;
  }

  /** Sets the handler for `type` as the browser does. */
  set(type: string, value: unknown): void {
    const handler = typeof value === "function" || (typeof value === "object" && value !== null) ? (value as Handler) : null;
    if (handler === null) {
      const listener = this.listeners.get(type);
      if (listener) this.target.removeEventListener(type, listener);
      this.listeners.delete(type);
      this.values.delete(type);
      return;
    }
    this.values.set(type, handler);
    if (this.listeners.has(type)) return;
    const listener = (event: Event): void => {
      const current = this.values.get(type);
      if (typeof current === "function") current.call(this.target, event);
    };
    this.listeners.set(type, listener);
    this.target.addEventListener(type, listener);
  }
}

/** What serves one routed instance: its page socket and its `on*` slots. */
interface RoutedState {
  socket: PageSocket;
  handlers: EventHandlerSlots;
}

/** The state of each routed instance. */
const states = new WeakMap<object, RoutedState>();

/** The state behind a routed instance, if it is one. */
function stateOf(value: unknown): RoutedState | undefined {
  return typeof value === "object" && value !== null ? states.get(value) : undefined;
}

/** Protocols argument as a list, as the browser reads it (a string or a sequence of strings). */
function protocolList(protocols: unknown): string[] | undefined {
  if (protocols === undefined) return [];
  if (typeof protocols === "string") return [protocols];
  if (protocols !== null && typeof protocols === "object" && Symbol.iterator in protocols) return Array.from(protocols as Iterable<unknown>, String);
  return undefined;
}

/** Builds the routed constructor: a Proxy of `native` that returns routed instances for routed URLs. */
export function createRoutedClass(options: RoutedClassOptions): typeof WebSocket {
  const { native } = options;
  const routed: typeof WebSocket = new Proxy(native, {
    construct(target, args, newTarget) {
      const nativeNewTarget = newTarget === routed ? target : newTarget;
      if (args.length === 0) return Reflect.construct(target, args, nativeNewTarget);
      const normalized = normalizeSocketUrl(args[0] as string, documentBase());
      const protocols = protocolList(args[1]);
      if (!normalized.ok || !protocols || checkProtocols(protocols)) return Reflect.construct(target, args, nativeNewTarget);
      if (!options.wouldRoute(normalized.url)) {
        const socket = Reflect.construct(target, args, nativeNewTarget) as WebSocket;
        observe.native?.(socket, normalized.url);
        return socket;
      }
      const instance = Reflect.construct(EventTarget, [], newTarget) as EventTarget;
      states.set(instance, { socket: options.create(instance, normalized.url, protocols), handlers: new EventHandlerSlots(instance) });
      return instance;
    },
  });
  return routed;
}

/** Names of the prototype accessors and methods the routed instances serve themselves. */
const ACCESSORS = ["url", "readyState", "bufferedAmount", "extensions", "protocol", "binaryType", "onopen", "onerror", "onclose", "onmessage"] as const;

/** Reads a property of a routed instance from its state. */
function read(state: RoutedState, name: (typeof ACCESSORS)[number]): unknown {
  switch (name) {
    case "onopen": case "onerror": case "onclose": case "onmessage":
      return state.handlers.get(name.slice(2));
    default:
      return state.socket[name];
  }
}

/** Writes a property of a routed instance (only binaryType and the on* handlers are writable). */
function write(state: RoutedState, name: (typeof ACCESSORS)[number], value: unknown): void {
  if (name === "binaryType") state.socket.setBinaryType(value);
  else if (name.startsWith("on")) state.handlers.set(name.slice(2), value);
}

/** The descriptor of `key` on `proto` or the nearest prototype above it that has one. */
function lookup(proto: object | null, key: PropertyKey): PropertyDescriptor | undefined {
  for (let at = proto; at !== null; at = Object.getPrototypeOf(at) as object | null) {
    const found = Object.getOwnPropertyDescriptor(at, key);
    if (found) return found;
  }
  return undefined;
}

/** Gives `target` an own data property, as a plain assignment would had no accessor been in the way. */
function setOwn(target: object, name: PropertyKey, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Patches `proto` (the current WebSocket class's prototype) so routed instances are served from their state;
 * returns an undo. The class need not be the browser's: a replacement such as Playwright's mock
 * inherits its methods and keeps `url`, `readyState`... as fields of each instance, so members are looked up
 * along the prototype chain and the patches are own properties of `proto`.
 */
export function patchPrototype(proto: WebSocket, routed: typeof WebSocket): () => void {
  const saved: Array<[PropertyKey, PropertyDescriptor | undefined]> = [];
  const redefine = (key: PropertyKey, descriptor: PropertyDescriptor) => {
    saved.push([key, Object.getOwnPropertyDescriptor(proto, key)]);
    Object.defineProperty(proto, key, descriptor);
  };
  for (const name of ACCESSORS) {
    const original = lookup(proto, name);
    const nativeGet = original?.get;
    const nativeSet = original?.set;
    redefine(name, {
      configurable: true,
      enumerable: original?.enumerable ?? true,
      get: named(`get ${name}`, function (this: unknown) {
        const state = stateOf(this);
        return state ? read(state, name) : nativeGet?.call(this);
      }),
      // A class without this accessor keeps the value on each instance: assignments there stay own fields.
      set: nativeSet || !nativeGet ? named(`set ${name}`, function (this: unknown, value: unknown) {
        const state = stateOf(this);
        if (state) write(state, name, value);
        else if (nativeSet) nativeSet.call(this, value);
        else if (typeof this === "object" && this !== null) setOwn(this, name, value);
      }) : undefined,
    });
  }
  for (const name of ["send", "close"] as const) {
    const original = lookup(proto, name) ?? { value: undefined, writable: true, enumerable: false, configurable: true };
    const nativeMethod = (original.value ?? function missing() { throw new TypeError(`WebSocket.prototype.${name} is not a function`); }) as (...args: unknown[]) => unknown;
    const method = {
      send(this: unknown, ...args: unknown[]) {
        const state = stateOf(this);
        if (!state) {
          const result = nativeMethod.apply(this, args);
          observe.nativeSent?.(this as WebSocket, args[0]);
          return result;
        }
        if (args.length === 0) throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
        state.socket.send(args[0]);
      },
      close(this: unknown, ...args: unknown[]) {
        const state = stateOf(this);
        if (!state) return nativeMethod.apply(this, args);
        state.socket.close(args[0], args[1]);
      },
    }[name];
    Object.defineProperty(method, "length", { value: nativeMethod.length });
    redefine(name, { ...original, value: method });
  }
  redefine("constructor", { ...(lookup(proto, "constructor") ?? { writable: true, enumerable: false, configurable: true }), value: routed });
  return () => {
    for (const [key, descriptor] of saved.reverse()) {
      if (descriptor) Object.defineProperty(proto, key, descriptor);
      else delete (proto as unknown as Record<PropertyKey, unknown>)[key];
    }
  };
}

/** Gives a function the name the browser's accessor has. */
function named<F extends Function>(name: string, fn: F): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}
