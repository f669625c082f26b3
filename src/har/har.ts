// HAR files' WebSocket parts (Chrome's `_webSocketMessages`), and replay: answers routed sockets from a HAR's
// entries, in order, or by request (./by-request.ts). Recording is built on inspection (src/inspect/recorder.ts).
import { MAX_REASON_BYTES } from "../socket/constants.js";
import { utf8Length } from "../socket/validation.js";
import { addRoute, handleOf, type RouteHandle } from "../route/api.js";
import type { RouteHandler } from "../route/end/host.js";
import type { Message } from "../route/end/inbox.js";
import type { WebSocketRoute } from "../route/end/route.js";
import type { UrlMatch } from "../route/match/match.js";
import type { RouteEntry } from "../route/match/registry.js";
import { replayByRequest, type HarFrame } from "./by-request.js";
import type { HarWebSocketMessage } from "./message.js";

/** One frame as Chrome's HAR records it: `time` in seconds (epoch), `data` base64 for opcode 2. */
export type { HarWebSocketMessage };

/** The parts of a HAR entry that replay reads. */
export interface HarEntry {
  startedDateTime?: string;
  request: { url: string };
  response?: { status?: number; headers?: Array<{ name: string; value: string }> };
  _resourceType?: string;
  _webSocketMessages?: HarWebSocketMessage[];
  [key: string]: unknown;
}

/** A HAR document (only `log.entries` is read). */
export interface Har {
  log: { entries: HarEntry[]; [key: string]: unknown };
}

/** Options of `routeWebSocketFromHAR`. */
export interface HarReplayOptions {
  /** Which sockets to answer; default: any URL with a WebSocket entry in the HAR. */
  url?: UrlMatch;
  /**
   * "sequence": receives are played in order, each after the page sent the sends before it. "request": each page
   * message is answered by the receives that followed the same message in the recording, in any order.
   */
  match?: "sequence" | "request";
  /** "fast": no waiting; "recorded": keeps the recorded gaps before each received frame. */
  timing?: "fast" | "recorded";
  /** Compare the page's frames with the recorded sends (mismatch closes with 1008); no entry fails the handshake. */
  strict?: boolean;
  /** Told each mismatch in words, both frames named (the runner's --replay-har fails the test with them). */
  onFailure?: (text: string) => void;
}

/** Normalises a URL for comparison (as a page's `WebSocket.url`); returns the input when unparsable. */
function normal(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Base64 → bytes. */
export function fromBase64(data: string): Uint8Array {
  const binary = atob(data);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Bytes → base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The WebSocket entries of a HAR, checked. */
function socketEntries(har: Har): HarEntry[] {
  const entries = har?.log?.entries;
  if (!Array.isArray(entries)) throw new TypeError("har must be a HAR object with log.entries");
  return entries.filter((e) => e && e.request && typeof e.request.url === "string" && (e._resourceType === "websocket" || Array.isArray(e._webSocketMessages)));
}

/** A short description of a frame for a close reason. */
function describe(frame: HarFrame): string {
  const body = frame.text ? JSON.stringify(frame.data) : `binary ${frame.data}`;
  const points = Array.from(body); // whole code points: a lone surrogate may not go into a close reason
  return points.length > 40 ? `${points.slice(0, 37).join("")}...` : body;
}

/** A close reason within the browser's UTF-8 byte limit. */
function clampReason(reason: string): string {
  // Cut whole code points (never half a surrogate pair: a close reason must be valid UTF-8).
  let points = Array.from(reason);
  while (utf8Length(points.join("")) > MAX_REASON_BYTES) points = [...points.slice(0, -4), "..."];
  return points.join("");
}

/** Page frame in HAR terms: text, or base64 of the bytes. */
function harFrame(message: Message): HarFrame {
  return typeof message === "string" ? { text: true, data: message } : { text: false, data: toBase64(message) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Plays one entry on one routed socket. */
async function replay(route: WebSocketRoute, entry: HarEntry, timing: "fast" | "recorded", strict: boolean, onFailure?: (text: string) => void): Promise<void> {
  const messages = entry._webSocketMessages ?? [];
  const started = entry.startedDateTime ? Date.parse(entry.startedDateTime) / 1000 : NaN;
  let recordedPrev = Number.isFinite(started) && messages.length > 0 && started <= messages[0].time ? started : messages[0]?.time ?? 0;
  let virtualPrev = performance.now();
  for (const message of messages) {
    const gap = timing === "recorded" ? Math.max(0, (message.time - recordedPrev) * 1000) : 0;
    const scheduled = virtualPrev + gap;
    recordedPrev = message.time;
    if (message.type === "send") {
      let got: Message;
      try {
        got = await route.receive();
      } catch {
        return; // the page closed
      }
      if (strict) {
        const expected = { text: message.opcode !== 2, data: message.data };
        const actual = harFrame(got);
        if (expected.text !== actual.text || expected.data !== actual.data) {
          onFailure?.(`HAR replay of ${route.url()}: expected ${describe(expected)}, received ${describe(actual)}`);
          await route.close({ code: 1008, reason: clampReason(`HAR replay: expected ${describe(expected)}, received ${describe(actual)}`) });
          return;
        }
      }
      virtualPrev = Math.max(performance.now(), scheduled);
    } else if (message.type === "receive") {
      if (timing === "recorded") await sleep(scheduled - performance.now());
      if (route.closeCode !== undefined) return;
      route.send(message.opcode === 2 ? fromBase64(message.data) : message.data);
      virtualPrev = Math.max(performance.now(), scheduled);
    }
  }
}

/** Plays recorded receives in order ("recorded" timing: with their gaps, from when they are asked for). */
async function playReceives(route: WebSocketRoute, answers: HarWebSocketMessage[], timing: "fast" | "recorded", since: number): Promise<void> {
  const origin = performance.now();
  for (const message of answers) {
    if (timing === "recorded") await sleep(origin + (message.time - since) * 1000 - performance.now());
    if (route.closeCode !== undefined) return;
    route.send(message.opcode === 2 ? fromBase64(message.data) : message.data);
  }
}

/** The by-request replay's parts for one entry: how it plays answers and what a mismatch does. */
function requestParts(entry: HarEntry, timing: "fast" | "recorded", strict: boolean, onFailure?: (text: string) => void): Parameters<typeof replayByRequest>[2] {
  const messages = entry._webSocketMessages ?? [];
  return {
    frameOf: harFrame,
    play: (route, answers) => {
      // Gaps count from the request each answer followed (its previous frame in the recording).
      const before = answers.length > 0 ? messages[messages.indexOf(answers[0]!) - 1] : undefined;
      return playReceives(route, answers, timing, before?.time ?? answers[0]?.time ?? 0);
    },
    unexpected: async (route, received, expected) => {
      const text = `HAR replay of ${route.url()}: unexpected ${describe(received)}, the recording's next unanswered request is ${expected ? describe(expected) : "none (all were answered)"}`;
      onFailure?.(text);
      if (strict) await route.close({ code: 1008, reason: clampReason(`HAR replay: unexpected ${describe(received)}, expected ${expected ? describe(expected) : "nothing"}`) });
    },
    missing: (route, requests) => {
      if (strict) onFailure?.(`HAR replay of ${route.url()}: the page never sent ${requests.map(describe).join(", ")} (recorded, and answered in the recording)`);
    },
  };
}

/** The subprotocol to accept: the HAR response's, when the page offered it; else the page's first. */
function protocolOf(route: WebSocketRoute, entry: HarEntry): string | undefined {
  const offered = route.protocols();
  if (offered.length === 0) return undefined;
  const recorded = entry.response?.headers?.find((h) => h.name.toLowerCase() === "sec-websocket-protocol")?.value;
  return recorded && offered.includes(recorded) ? recorded : offered[0];
}

/** Builds the route handler (and default matcher) replaying `har`. */
export function harHandler(har: Har, options: HarReplayOptions = {}): { handler: RouteHandler; url: UrlMatch } {
  const entries = socketEntries(har);
  const match = options.match ?? "sequence";
  if (match !== "sequence" && match !== "request") throw new RangeError(`match must be "sequence" or "request", got ${JSON.stringify(match)}`);
  const timing = options.timing ?? "fast";
  if (timing !== "fast" && timing !== "recorded") throw new RangeError(`timing must be "fast" or "recorded", got ${JSON.stringify(timing)}`);
  const strict = options.strict ?? true;
  const byUrl = new Map<string, HarEntry[]>();
  for (const entry of entries) {
    const key = normal(entry.request.url);
    byUrl.set(key, [...(byUrl.get(key) ?? []), entry]);
  }
  const used = new Map<string, number>();
  const handler: RouteHandler = (route) => {
    const key = normal(route.url());
    const list = byUrl.get(key);
    if (!list || list.length === 0) {
      if (strict) {
        console.warn(`wsbridge: no HAR entry for ${route.url()}: the handshake fails (strict)`);
        route.reject();
      } else {
        route.connectToServer();
      }
      return;
    }
    // The n-th socket to a URL plays the n-th entry for it; later ones replay the last.
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    const entry = list[Math.min(n, list.length - 1)];
    const protocol = protocolOf(route, entry);
    if (!route.accept(protocol === undefined ? {} : { protocol })) return;
    const playing = match === "request" ? replayByRequest(route, entry._webSocketMessages ?? [], requestParts(entry, timing, strict, options.onFailure)) : replay(route, entry, timing, strict, options.onFailure);
    void playing.catch(() => {});
  };
  const url = options.url ?? ((u: URL) => byUrl.has(normal(u.href)));
  return { handler, url };
}

/** Loads a HAR given as an object or a URL. */
export async function loadHar(har: Har | string): Promise<Har> {
  if (typeof har !== "string") return har;
  const response = await fetch(har);
  if (!response.ok) throw new Error(`could not load HAR ${har}: HTTP ${response.status}`);
  return (await response.json()) as Har;
}

/** Registers a replay route synchronously (page scope); `onRemove` runs when it leaves the table. */
export function addHarRoute(har: Har, options: HarReplayOptions = {}, onRemove?: () => void): RouteEntry<RouteHandler> {
  const { handler, url } = harHandler(har, options);
  return addRoute("page", url, handler, {}, onRemove);
}

/** Answers matching sockets from `har` (an object, or a URL to fetch one); resolves to a handle with `unroute()`. */
export async function routeWebSocketFromHAR(har: Har | string, options: HarReplayOptions = {}): Promise<RouteHandle> {
  return handleOf(addHarRoute(await loadHar(har), options));
}
