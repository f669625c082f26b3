// The replay/recording part of `_wsbridge_js`: what python/wsbridge/har.py calls. A Python predicate (for an
// re.Pattern or a callable `url`) is destroyed when its route leaves the table or its recorder stops.
import { addHarRoute, loadHar, type Har, type HarReplayOptions } from "../route/har.js";
import type { RouteEntry } from "../route/registry.js";
import type { RouteHandler } from "../route/host.js";
import { installRouting } from "../route/engine.js";
import type { UrlMatch } from "../route/match.js";
import { recordWebSocket, type WebSocketRecorder } from "../inspect/recorder.js";
import type { PyodideLike, PyProxy } from "./types.js";
import { destroyProxy, releaseProxy, urlMatcherOf } from "./proxies.js";
import type { BridgePart, PyFunction, UrlPredicate } from "./contract.js";

const entries = new Map<number, RouteEntry<RouteHandler>>();
let nextToken = 1;

/** A JS matcher for a glob string, a Python predicate (called with the URL string), or nothing. */
function matcherOf(url: string | PyFunction<UrlPredicate> | undefined | null): { match?: UrlMatch; predicate?: PyProxy } {
  return url === undefined || url === null ? {} : urlMatcherOf(url);
}

/** Registers a replay route; returns a token. */
function harRoute(har: Har, url: string | PyFunction<UrlPredicate> | undefined | null, match: string, timing: string, strict: boolean): number {
  const { match: urlMatch, predicate } = matcherOf(url);
  const token = nextToken++;
  const options: HarReplayOptions = { match: match as "sequence", timing: timing as "fast" | "recorded", strict: Boolean(strict) };
  if (urlMatch !== undefined) options.url = urlMatch;
  try {
    entries.set(token, addHarRoute(har, options, () => { entries.delete(token); releaseProxy(predicate); }));
  } catch (error) {
    destroyProxy(predicate);
    throw error;
  }
  return token;
}

/** Removes a replay route (no-op when gone). */
function harRemove(token: number): void {
  const entry = entries.get(token);
  if (entry) installRouting().registry.delete(entry);
}

/** True while the replay route is registered. */
function harAlive(token: number): boolean {
  return entries.has(token);
}

/** Starts a recorder; a Python predicate is destroyed when it stops. */
function harRecord(url: string | PyFunction<UrlPredicate> | undefined | null): WebSocketRecorder {
  const { match, predicate } = matcherOf(url);
  let recorder: WebSocketRecorder;
  try {
    recorder = recordWebSocket(match ?? "");
  } catch (error) {
    destroyProxy(predicate);
    throw error;
  }
  const stop = recorder.stop;
  return {
    har: recorder.har,
    // Releasing twice is a no-op: the pool destroys a proxy once.
    stop: () => {
      const har = stop();
      releaseProxy(predicate);
      return har;
    },
  };
}

/** Entry points for the Python replay face. */
export function harBridge(_pyodide: PyodideLike): BridgePart<"harRoute" | "harRemove" | "harAlive" | "harRecord" | "harLoad"> {
  return { harRoute, harRemove, harAlive, harRecord, harLoad: (url: string) => loadHar(url) };
}
