// The socket part of `_wsbridge_mpy`: sockets by id over the engine's own `openSocket` (../socket-bridge.ts), which
// keeps the events in order (Blobs, bursts, re-entrant frames) and releases the socket after its final close.
import { abortSocket, checkUrl, closeSocket, openSocket } from "../socket-bridge.js";
import type { BridgeSocket } from "../../socket/bridge-socket.js";
import type { PyFunction, SocketDispatch } from "../contract.js";
import { ENTRY, type Entry, type MicroPythonModule } from "./contract.js";
import type { ByteChannel } from "./channel.js";
import { held } from "./held.js";

/** One socket opened from MicroPython. */
interface MpySocket {
  bridge: BridgeSocket;
  /** The last open/error/close event, by kind: `eventGet` reads their other attributes. */
  last: Map<number, Event>;
}

type SocketPart = Pick<MicroPythonModule, "openSocket" | "sendText" | "sendArm" | "sendJs" | "closeSocket" | "abortSocket" | "socketGet" | "socketSet" | "socketObject" | "socketOrigin" | "eventGet" | "checkUrl">;

/** The socket functions for one interpreter; `entry()` is Python's entry point, `sockets` its live sockets. */
export function socketPart(entry: () => Entry, channel: ByteChannel, sockets: Map<number, MpySocket>): SocketPart {
  let nextId = 1;
  /** The socket `id`, or undefined once released (Python may still hold the id). */
  const get = (id: number) => sockets.get(id);

  /** The dispatch `openSocket` calls: each event as entry-point arguments, bytes through the channel. */
  const dispatcher = (id: number, last: Map<number, Event>) =>
    ((a?: unknown, b?: unknown) => {
      if (typeof a === "string") return entry()(ENTRY.text, id, a);
      if (a instanceof ArrayBuffer) return entry()(ENTRY.binary, id, channel.offer(new Uint8Array(a)));
      const event = b as Event;
      last.set(a as number, event);
      if (a === ENTRY.close) {
        const close = event as CloseEvent;
        return entry()(ENTRY.close, id, close.code, close.reason, close.wasClean);
      }
      return entry()(a as 0 | 2, id);
    }) as SocketDispatch;

  return {
    openSocket: (url, protocols) => {
      const id = nextId++;
      const last = new Map<number, Event>();
      const list = JSON.parse(protocols) as string | string[] | null;
      const dispatch = held(dispatcher(id, last), () => sockets.delete(id)) as PyFunction<SocketDispatch>;
      sockets.set(id, { bridge: openSocket(url, list, dispatch), last });
      return id;
    },
    sendText: (id, text) => get(id)?.bridge.sendFrame(text) ?? WebSocket.CLOSED,
    sendArm: (id, length) => {
      const bridge = get(id)?.bridge;
      if (!bridge) return WebSocket.CLOSED;
      // An empty write never reaches the device: the empty frame is sent here instead.
      if (length === 0) return bridge.sendFrame(new ArrayBuffer(0));
      const state = bridge.readyState;
      // The browser copies the bytes out of the heap when it sends (the routed class copies them likewise).
      if (state !== WebSocket.CONNECTING) channel.arm((bytes) => bridge.sendFrame(bytes));
      return state;
    },
    sendJs: (id, data) => get(id)?.bridge.sendFrame(data) ?? WebSocket.CLOSED,
    closeSocket: (id, code, reason) => {
      const bridge = get(id)?.bridge;
      if (bridge) closeSocket(bridge, code, reason);
      return null;
    },
    abortSocket: (id) => {
      const bridge = get(id)?.bridge;
      if (bridge) abortSocket(bridge, 1000, "wsbridge reset");
    },
    socketGet: (id, name) => {
      const socket = get(id)?.bridge.socket;
      if (!socket) return null;
      const value = (socket as unknown as Record<string, unknown>)[name];
      return typeof value === "function" ? value.bind(socket) : value;
    },
    socketSet: (id, name, value) => {
      const socket = get(id)?.bridge.socket;
      if (socket) (socket as unknown as Record<string, unknown>)[name] = value;
      return null;
    },
    socketObject: (id) => get(id)?.bridge.socket ?? null,
    socketOrigin: (id) => get(id)?.bridge.origin ?? "",
    eventGet: (id, kind, name) => {
      const event = get(id)?.last.get(kind);
      return event === undefined ? null : (event as unknown as Record<string, unknown>)[name];
    },
    checkUrl,
  };
}

export type { MpySocket };
