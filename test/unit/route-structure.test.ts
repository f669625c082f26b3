// The shape of src/route after the route.ts split: no import cycle among its files, engine methods off the
// public WebSocketRoute, and the forwarding state's only-ever-off rule.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Forwarding } from "../../src/route/forwarding.js";
import { WebSocketRoute } from "../../src/route/route.js";

const ROUTE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/route");

/** Relative imports (value and type) of each .ts file in `dir`, as file names in `dir`. */
function importGraph(dir: string): Map<string, string[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    const deps = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"\.\/([^"/]+)\.js"/g)].map((m) => `${m[1]}.ts`);
    graph.set(file, deps.filter((d) => files.includes(d)));
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

describe("src/route structure", () => {
  it("has no import cycle among its files", () => {
    const graph = importGraph(ROUTE_DIR);
    expect(graph.get("faults.ts")).toContain("report.ts");
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

describe("Forwarding", () => {
  it("starts with the directions the route does not need, and only ever turns them off", () => {
    const f = new Forwarding("1");
    expect(f.update({ page: false, server: false })).toBeUndefined();
    expect(f.start(true, { page: false, server: false })).toEqual({ type: "forward", id: "1", toPage: true, toServer: true });
    expect(f.update({ page: false, server: false })).toBeUndefined();
    expect(f.update({ page: true, server: false })).toEqual({ type: "forward", id: "1", toPage: true, toServer: false });
    expect(f.update({ page: false, server: true })).toEqual({ type: "forward", id: "1", toPage: false, toServer: false });
    expect(f.update({ page: false, server: false })).toBeUndefined();
  });
  it("sends nothing at start when the route already needs both directions", () => {
    expect(new Forwarding("2").start(true, { page: true, server: true })).toBeUndefined();
    expect(new Forwarding("3").start(false, { page: false, server: true })).toBeUndefined();
    expect(new Forwarding("4").start(false, { page: false, server: false })).toEqual({ type: "forward", id: "4", toPage: true, toServer: false });
  });
});
