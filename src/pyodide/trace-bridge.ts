// The test-trace part of `_wsbridge_js`: what python/wsbridge/_ws_trace.py calls around each test. One trace at a
// time (a new start stops the previous one); nothing is converted until a failing test asks for text or HAR.
import { startTrace, type Trace } from "../inspect/trace.js";
import type { BridgePart } from "./contract.js";

/** Entry points for the runner's per-test WebSocket trace. */
export function traceBridge(): BridgePart<"traceStart" | "traceText" | "traceHar" | "traceStop"> {
  let trace: Trace | undefined;
  return {
    traceStart: () => {
      trace?.stop();
      trace = startTrace();
    },
    traceText: (last: number) => trace?.text(last) ?? "",
    traceHar: () => JSON.stringify(trace?.har() ?? { log: { version: "1.2", creator: { name: "wsbridge", version: "0.1.0" }, pages: [], entries: [] } }),
    traceStop: () => {
      trace?.stop();
      trace = undefined;
    },
  };
}
