// The shape of src/route (and src/har, built on it): no import cycle among their files, engine methods off the
// public WebSocketRoute, and default forwarding's only-ever-off rule (the controller's state, seen through the
// messages it posts).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RouteController, narrowForwarding } from "../../src/route/end/controller.js";
import { WebSocketRoute } from "../../src/route/end/route.js";
import type { RouteMessage } from "../../src/route/protocol.js";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Every .ts file under `dir`, as a path relative to src/. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [relative(SRC, path)] : [];
  });
}

/** Relative imports (value and type) of each file under src/`dirs`, as paths relative to src/, kept within `dirs`. */
function importGraph(dirs: string[]): Map<string, string[]> {
  const files = dirs.flatMap((dir) => tsFiles(join(SRC, dir)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), "utf8");
    const specifiers = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)\.js"/g)].map((m) => m[1]!);
    const deps = specifiers.map((spec) => relative(SRC, resolve(SRC, dirname(file), `${spec}.ts`)));
    graph.set(file, deps.filter((dep) => files.includes(dep)));
  }
  return graph;
}

/** Every cycle found by a depth-first walk, as "a.ts -> b.ts -> a.ts". */
function cycles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === "open") found.push([...stack.slice(stack.indexOf(dep)), dep].join(" -> "));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("src/route and src/har structure", () => {
  it("has no import cycle among its files", () => {
    const graph = importGraph(["route", "har"]);
    expect(graph.get("route/end/faults.ts")).toContain("route/end/errors.ts");
    expect(graph.get("route/end/host.ts")).toContain("route/protocol.ts");
    expect(cycles(graph)).toEqual([]);
  });
  it("finds a cycle when there is one", () => {
    expect(cycles(new Map([["a.ts", ["b.ts"]], ["b.ts", ["a.ts"]]]))).toEqual(["a.ts -> b.ts -> a.ts"]);
  });
  it("keeps engine methods off the public WebSocketRoute", () => {
    const names = Object.getOwnPropertyNames(WebSocketRoute.prototype).sort();
    expect(names).toEqual([
      "accept", "close", "closeCode", "closeReason", "connectToServer", "constructor", "faults", "onClose", "onMessage",
      "protocols", "receive", "receiveBytes", "receiveJson", "receiveText", "reject", "send", "sendJson", "terminate", "url",
    ]);
  });
});

describe("default forwarding", () => {
  it("a direction only ever turns off", () => {
    const both = { toPage: true, toServer: true };
    expect(narrowForwarding(both, { page: false, server: false })).toEqual(both);
    expect(narrowForwarding(both, { page: true, server: false })).toEqual({ toPage: true, toServer: false });
    expect(narrowForwarding({ toPage: true, toServer: false }, { page: false, server: true })).toEqual({ toPage: false, toServer: false });
    expect(narrowForwarding({ toPage: false, toServer: false }, { page: false, server: false })).toEqual({ toPage: false, toServer: false });
  });

  /** A controller and the forward messages it posted. */
  function controller() {
    const sent: RouteMessage[] = [];
    const route = new RouteController("1", "ws://h/x", [], (m) => sent.push(m));
    return { route, forwards: () => sent.filter((m) => m.type === "forward") };
  }

  it("starts at connect with the directions the route does not take, then tells each turn-off once", () => {
    const { route, forwards } = controller();
    route.onMessage("server", () => {});
    expect(forwards()).toEqual([]);
    route.connect();
    expect(forwards()).toEqual([{ type: "forward", id: "1", toPage: false, toServer: true }]);
    route.inbox("page");
    route.inbox("page");
    expect(forwards().slice(1)).toEqual([{ type: "forward", id: "1", toPage: false, toServer: false }]);
  });

  it("page → server is not forwarded by the page end once the page opened; nothing is sent when no direction is left", () => {
    const opened = controller();
    opened.route.afterHandle();
    opened.route.connect();
    expect(opened.forwards()).toEqual([{ type: "forward", id: "1", toPage: true, toServer: false }]);
    const faulty = controller();
    faulty.route.setFaults({});
    faulty.route.connect();
    expect(faulty.forwards()).toEqual([]);
  });
});
