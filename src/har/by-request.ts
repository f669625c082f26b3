// HAR replay by request (`match: "request"`): each message the page sends is answered by the frames the recording
// has after the same message, whatever the order the page sends in (several requests in flight, retries).
import type { Message } from "../route/end/inbox.js";
import type { WebSocketRoute } from "../route/end/route.js";
import type { HarWebSocketMessage } from "./message.js";

/** A frame in HAR terms: text, or base64 of the bytes. */
export interface HarFrame {
  text: boolean;
  data: string;
}

/** One recorded request (a sent frame) and the received frames that followed it, up to the next send. */
interface Exchange {
  request: HarFrame;
  answers: HarWebSocketMessage[];
  used: boolean;
}

/** What the by-request replay needs from its caller (har.ts): frame conversion, playing answers, reporting. */
export interface RequestReplayParts {
  /** The page's message in HAR terms. */
  frameOf(message: Message): HarFrame;
  /** Sends recorded frames to the page, in order. */
  play(route: WebSocketRoute, answers: HarWebSocketMessage[]): Promise<void>;
  /** A message the recording does not have: `expected` is the first recorded request not answered yet. */
  unexpected(route: WebSocketRoute, received: HarFrame, expected: HarFrame | undefined): Promise<void>;
  /** Recorded requests the page never sent, reported when the page socket closes. */
  missing(route: WebSocketRoute, requests: HarFrame[]): void;
}

/** Splits an entry's frames into the answers sent at open and one exchange per recorded request. */
export function exchangesOf(messages: HarWebSocketMessage[]): { greeting: HarWebSocketMessage[]; exchanges: Exchange[] } {
  const greeting: HarWebSocketMessage[] = [];
  const exchanges: Exchange[] = [];
  for (const message of messages) {
    if (message.type === "send") exchanges.push({ request: { text: message.opcode !== 2, data: message.data }, answers: [], used: false });
    else if (message.type === "receive") (exchanges.at(-1)?.answers ?? greeting).push(message);
  }
  return { greeting, exchanges };
}

/** True when two frames are the same message. */
function same(a: HarFrame, b: HarFrame): boolean {
  return a.text === b.text && a.data === b.data;
}

/** The exchange answering `frame`: the first unused one with that request, else (a retry) the last used one. */
function answerFor(exchanges: Exchange[], frame: HarFrame): Exchange | undefined {
  const fresh = exchanges.find((e) => !e.used && same(e.request, frame));
  if (fresh) return fresh;
  return exchanges.filter((e) => same(e.request, frame)).at(-1);
}

/** Replays `messages` on `route` by request until the page closes. */
export async function replayByRequest(route: WebSocketRoute, messages: HarWebSocketMessage[], parts: RequestReplayParts): Promise<void> {
  const { greeting, exchanges } = exchangesOf(messages);
  await parts.play(route, greeting);
  for (;;) {
    let got: Message;
    try {
      got = await route.receive();
    } catch {
      break; // the page closed
    }
    const frame = parts.frameOf(got);
    const exchange = answerFor(exchanges, frame);
    if (!exchange) {
      await parts.unexpected(route, frame, exchanges.find((e) => !e.used)?.request);
      continue;
    }
    exchange.used = true;
    void parts.play(route, exchange.answers); // answers of several requests in flight interleave as sent
  }
  const missing = exchanges.filter((e) => !e.used).map((e) => e.request);
  if (missing.length > 0) parts.missing(route, missing);
}
