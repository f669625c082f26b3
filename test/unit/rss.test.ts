// The pages' memory (src/cli/rss.ts): the renderer processes under this process, found through /proc, and their
// resident memory; nothing else is counted.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { describeMemory, rendererMemory } from "../../src/cli/rss.js";

/** Resolves once a child has started (it prints a line). */
function started(args: string[]): Promise<ReturnType<typeof spawn>> {
  const child = spawn(process.execPath, ["-e", "console.log('up'); setInterval(() => {}, 1000)", "--", ...args], { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((ok) => child.stdout!.once("data", () => ok(child)));
}

describe("rendererMemory", () => {
  it("counts the renderer processes under this one, with their resident memory, and only those", async () => {
    const before = rendererMemory()!;
    const renderer = await started(["--type=renderer"]);
    const other = await started(["--type=gpu-process"]);
    try {
      const during = rendererMemory()!;
      expect(during.renderers).toBe(before.renderers + 1);
      expect(during.bytes).toBeGreaterThan(before.bytes + 1024 * 1024);
    } finally {
      renderer.kill();
      other.kill();
    }
    await new Promise((ok) => renderer.once("exit", ok));
    expect(rendererMemory()!.renderers).toBe(before.renderers);
  });

  it("says it in one phrase", () => {
    expect(describeMemory({ renderers: 2, bytes: 3 * 2 ** 20 })).toBe("2 renderers, 3 MiB resident");
    expect(describeMemory({ renderers: 1, bytes: 0 })).toBe("1 renderer, 0 MiB resident");
    expect(describeMemory(undefined)).toBe("not measured (no /proc)");
  });
});
