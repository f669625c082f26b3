// The replay/recording part of `_wsbridge_js`: what python/wsbridge/har.py calls. The engine reads a HAR from
// Pyodide's file system or fetches it, registers the replay route (once loaded), writes a recording's file and
// drops it all on reset; Python keeps names and types. A Python predicate (for an re.Pattern or a callable `url`)
// is destroyed when its route leaves the table, is removed before its HAR loaded, or its recorder stops.
import { addHarRoute, loadHar, type Har, type HarReplayOptions } from "../har/har.js";
import type { RouteEntry } from "../route/match/registry.js";
import type { RouteHandler } from "../route/end/host.js";
import { installRouting } from "../route/engine.js";
import type { UrlMatch } from "../route/match/match.js";
import { recordWebSocket } from "../inspect/recorder.js";
import type { PyodideLike, PyProxy } from "./types.js";
import { destroyProxy, releaseProxy, urlMatcherOf } from "./proxies.js";
import type { BridgePart, PyFunction, RecorderHandle, UrlPredicate } from "./contract.js";

/** A Python replay route: registered at once from a HAR object or file, or when a URL's HAR has loaded. */
interface HarRoute {
  entry?: RouteEntry<RouteHandler>;
  removed: boolean;
  /** Settles once registered (or failed to load or register); a rejection nobody awaits is not reported twice. */
  ready: Promise<void>;
  predicate?: PyProxy;
}

/** A JS matcher for a glob string, a Python predicate (called with the URL string), or nothing. */
function matcherOf(url: string | PyFunction<UrlPredicate> | undefined | null): { match?: UrlMatch; predicate?: PyProxy } {
  return url === undefined || url === null ? {} : urlMatcherOf(url);
}

/** The text of `path` when it names a file in Pyodide's file system (relative to its cwd, as Python's open). */
function readFile(pyodide: PyodideLike, path: string): string | undefined {
  try {
    if (!pyodide.FS.isFile(pyodide.FS.stat(path).mode)) return undefined;
  } catch {
    return undefined; // no such path
  }
  return pyodide.FS.readFile(path, { encoding: "utf8" });
}

/** Entry points for the Python replay face of one Pyodide instance (whose file system it reads and writes). */
export function harBridge(pyodide: PyodideLike): BridgePart<"harRoute" | "harRemove" | "harAlive" | "harReady" | "harRecord" | "harReset" | "harFailures"> {
  const routes = new Map<number, HarRoute>();
  const recorders = new Set<() => void>();
  /** The replay routes' mismatches since the last `harFailures()`. */
  let failures: string[] = [];
  let nextToken = 1;

  /** Removes a replay route, registered or still loading (no-op when gone). */
  const harRemove = (token: number): void => {
    const route = routes.get(token);
    if (!route) return;
    route.removed = true;
    routes.delete(token);
    if (route.entry) installRouting().registry.delete(route.entry);
    else releaseProxy(route.predicate);
  };

  /**
   * Registers a replay route from `har`: a HAR object, a path in Pyodide's file system, or a URL to fetch (then
   * the route registers once loaded; `harReady` tells when). Returns a token. A bad HAR or option throws now,
   * or, for a URL, rejects `harReady`.
   */
  const harRoute = (har: Har | string, url: string | PyFunction<UrlPredicate> | undefined | null, match: string, timing: string, strict: boolean): number => {
    const { match: urlMatch, predicate } = matcherOf(url);
    const options: HarReplayOptions = { match: match as "sequence", timing: timing as "fast" | "recorded", strict: Boolean(strict), onFailure: (text) => { failures.push(text); } };
    if (urlMatch !== undefined) options.url = urlMatch;
    const token = nextToken++;
    const route: HarRoute = { removed: false, ready: Promise.resolve(), predicate };
    const register = (loaded: Har) => {
      if (!route.removed) route.entry = addHarRoute(loaded, options, () => { routes.delete(token); releaseProxy(predicate); });
    };
    const text = typeof har === "string" ? readFile(pyodide, har) : undefined;
    if (typeof har === "string" && text === undefined) {
      route.ready = loadHar(har).then(register).catch((error: unknown) => {
        route.removed = true;
        releaseProxy(predicate);
        throw error;
      });
      route.ready.catch(() => {}); // reported to whoever awaits the handle, never as an unhandled rejection
    } else {
      try {
        register(text === undefined ? (har as Har) : (JSON.parse(text) as Har));
      } catch (error) {
        destroyProxy(predicate);
        throw error;
      }
    }
    routes.set(token, route);
    return token;
  };

  /** Starts a recorder; `stop()` ends it, writes the HAR to `path` when given, and frees a Python predicate. */
  const harRecord = (url: string | PyFunction<UrlPredicate> | undefined | null, path: string | undefined | null): RecorderHandle => {
    const { match, predicate } = matcherOf(url);
    let recorder: ReturnType<typeof recordWebSocket>;
    try {
      recorder = recordWebSocket(match ?? "");
    } catch (error) {
      destroyProxy(predicate);
      throw error;
    }
    let final: string | undefined; // the HAR once stopped: open sockets' times stop growing
    const end = (write: boolean): string => {
      if (final !== undefined) return final;
      final = JSON.stringify(recorder.stop());
      recorders.delete(drop);
      releaseProxy(predicate);
      if (write && path) {
        const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
        if (dir) pyodide.FS.mkdirTree(dir);
        pyodide.FS.writeFile(path, final);
      }
      return final;
    };
    const drop = () => void end(false);
    recorders.add(drop);
    return { har: () => final ?? JSON.stringify(recorder.har()), stop: () => end(true) };
  };

  return {
    harRoute,
    harRemove,
    harRecord,
    harAlive: (token: number) => routes.get(token)?.entry !== undefined,
    harReady: (token: number) => routes.get(token)?.ready ?? Promise.resolve(),
    harFailures: () => {
      const taken = JSON.stringify(failures);
      failures = [];
      return taken;
    },
    /**
     * Removes every Python replay route and stops every recorder without writing its file (reset between tests).
     * Mismatches stay until `harFailures()` takes them: a socket the reset closes reports its missing requests then.
     */
    harReset: () => {
      for (const token of [...routes.keys()]) harRemove(token);
      for (const drop of [...recorders]) drop();
    },
  };
}
