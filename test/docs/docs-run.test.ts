// The docs run as written. Every fenced code block of README.md, docs/*.md and worker/README.md is extracted and
// the runnable ones are run against real parts:
//
// - ```python blocks run in a warm page with real Pyodide and wsbridge (top-level `await` allowed), loaded once and
//   reset after each block (routes, sockets, listeners and tasks dropped, globals it added deleted). Example hosts
//   in URLs are replaced by the real ws test server: `ws://127.0.0.1:8765` and `wss://example.org` become its
//   `ws://127.0.0.1:PORT` (its paths: /echo, /close?code=&reason=, ...; any other path echoes). A block passes when
//   it raises nothing and, after it settled, the console holds no error and no Python traceback (wsbridge logs
//   handler exceptions there). Some blocks also have an expected output below (EXPECTED).
// - ```js blocks that import "wsbridge/playwright" run in a child `node` process in this repository (the package
//   resolves itself) and must exit with code 0 by themselves.
// - ```js blocks that import from the page paths "/pyodide/" or "/wsbridge/" run as a module script in a page of
//   the static server that serves those folders, and must finish without a page error.
// - Nothing else runs: sh, html, untagged blocks, and js that imports bare package names in a page.
//
// A block that is not meant to run (a before/after comparison, a fragment) is marked, either in its info string,
// ```python no-run, or with the comment <!-- no-run --> on the line before the opening fence.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useBrowser } from "../helpers/browser.js";
import { fencedBlocks } from "../helpers/fenced-blocks.js";

const root = join(import.meta.dirname, "..", "..");
const FILES = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`), "worker/README.md"];

const blocks = FILES.flatMap((file) => fencedBlocks(file, readFileSync(join(root, file), "utf8")));
const python = blocks.filter((b) => b.lang === "python" && !b.noRun);
const node = blocks.filter((b) => b.lang === "js" && !b.noRun && b.code.includes(`from "wsbridge/playwright"`));
const inPage = blocks.filter((b) => b.lang === "js" && !b.noRun && /from "\/(pyodide|wsbridge)\//.test(b.code));

/** Output a block must print (in order), keyed by a line that identifies it. */
const EXPECTED: Array<{ block: string; output: string[] }> = [
  { block: `ws.close(4000, "bye")`, output: ["hello", "<memory>", "4000 bye True"] },
  { block: `print(await ws.recv(timeout=5))`, output: ["hi", "bye", "1000"] },
];

/** The codes the docs say end `async for message in ws` cleanly, as written next to it ("close 1000/1001/1005"). */
function documentedCleanCodes(text: string): string[][] {
  return [...text.matchAll(/async for message in ws:.*?close ([\d/, or]+)/g)].map((m) => m[1]!.split(/\D+/).filter(Boolean).sort());
}

const fx = useBrowser();

describe("docs run as written", () => {
  it("finds the blocks: python in README and docs, marked ones left out", () => {
    expect(python.filter((b) => b.file === "README.md").length).toBeGreaterThanOrEqual(4);
    expect(python.some((b) => b.file.startsWith("docs/"))).toBe(true);
    expect(node.length).toBeGreaterThanOrEqual(1);
    expect(inPage.length).toBeGreaterThanOrEqual(1);
    const marked = fencedBlocks("x.md", "<!-- no-run -->\n```python\nboom()\n```\n```python no-run\nboom()\n```\n```python\nok()\n```\n");
    expect(marked.map((b) => [b.line, b.noRun, b.code])).toEqual([[2, true, "boom()"], [5, true, "boom()"], [8, false, "ok()"]]);
  });

  it("every `async for` comment names the clean close codes of python/wsbridge/client.py", () => {
    const source = readFileSync(join(root, "python", "wsbridge", "client.py"), "utf8");
    const codes = /_CLEAN_CODES: Final = frozenset\(\{([\d, ]+)\}\)/.exec(source)![1]!.split(/\D+/).filter(Boolean).sort();
    const documented = ["README.md", "docs/socket.md"].flatMap((file) => documentedCleanCodes(readFileSync(join(root, file), "utf8")));
    expect(documented.length).toBe(2);
    for (const list of documented) expect(list).toEqual(codes);
  });

  for (const block of python) {
    it(`${block.file}:${block.line} (python)`, { timeout: 90_000 }, async () => {
      const { page, py, console: lines } = await fx.newPython({ reuse: true });
      try {
        const code = block.code.replaceAll("ws://127.0.0.1:8765", fx.server.url).replaceAll("wss://example.org", fx.server.url);
        const printed = () => lines.filter((l) => l.startsWith("log: ")).map((l) => l.slice(5));
        await py.runAsync(code);
        const expected = EXPECTED.find((e) => block.code.includes(e.block));
        if (expected) {
          await expect.poll(() => printed().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(expected.output.length);
          expect(printed().map((l) => (l.startsWith("<memory at ") ? "<memory>" : l))).toEqual(expected.output);
        }
        // Let handlers that were started run to their end before looking for errors.
        await py.runAsync("import asyncio\nawait asyncio.sleep(0.3)");
        expect(lines.filter((l) => l.startsWith("error: ") || l.includes("Traceback"))).toEqual([]);
      } finally {
        await fx.giveBack(page);
      }
    });
  }

  for (const block of inPage) {
    it(`${block.file}:${block.line} (page module)`, { timeout: 90_000 }, async () => {
      const page = await fx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // A module script that throws reports on window's "error" event; wait for that or for its last line.
      await page.evaluate(`addEventListener("error", (e) => { globalThis.__docError = String(e.message); })`);
      await page.addScriptTag({ type: "module", content: `${block.code}\nglobalThis.__docDone = true;` });
      await page.waitForFunction(`globalThis.__docDone === true || globalThis.__docError !== undefined`, undefined, { timeout: 80_000 });
      expect(await page.evaluate(`globalThis.__docError ?? null`)).toBeNull();
      expect(errors).toEqual([]);
      expect(await page.evaluate(`globalThis.__docDone`)).toBe(true);
    });
  }

  for (const block of node) {
    it(`${block.file}:${block.line} (node)`, { timeout: 120_000 }, () => {
      const run = spawnSync(process.execPath, ["--input-type=module", "-e", block.code], { cwd: root, encoding: "utf8", timeout: 110_000 });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    });
  }
});
