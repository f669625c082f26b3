// `wsbridge demo` ports: --port is the page's (the URL to open), --feed-port the feed's; a port in use is one
// clear line naming the port and the option, not a listen stack.
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { parseDemoArgs, runDemoCommand, startDemo, DEMO_HELP } from "../../src/cli/demo.js";

const held: Server[] = [];
afterAll(() => { for (const s of held) s.close(); });

/** A port on 127.0.0.1 that stays taken for the rest of the file. */
async function busyPort(): Promise<number> {
  const server = createServer();
  held.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return (server.address() as { port: number }).port;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), cwd: process.cwd(), env: process.env } };
}

describe("wsbridge demo ports", () => {
  it("parses --port (page) and --feed-port (feed) separately, and the help says which is which", () => {
    expect(parseDemoArgs(["--port", "8000", "--feed-port=8001"])).toMatchObject({ port: 8000, feedPort: 8001 });
    expect(parseDemoArgs([])).toMatchObject({ port: 0, feedPort: 0 });
    expect(() => parseDemoArgs(["--feed-port", "70000"])).toThrow("--feed-port must be at most 65535");
    expect(DEMO_HELP).toMatch(/--port N\s+port of the page/);
    expect(DEMO_HELP).toMatch(/--feed-port N\s+port of the feed/);
  });

  it("the page is served on pagePort and the feed on its own port", async () => {
    const pagePort = await freePort();
    const demo = await startDemo({ pagePort });
    try {
      expect(demo.url.startsWith(`http://127.0.0.1:${pagePort}/demo/index.html?feed=`)).toBe(true);
      expect(demo.feedURL).not.toContain(`:${pagePort}/`);
      const page = await fetch(demo.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");
    } finally {
      await demo.close();
    }
  });

  it("a page port in use gives one line naming the port and --port, exit 1", async () => {
    const port = await busyPort();
    const { err, out, io: streams } = io();
    expect(await runDemoCommand(["--port", String(port)], streams)).toBe(1);
    const text = err.join("");
    expect(text).toBe(`wsbridge demo: port ${port} on 127.0.0.1 is already in use (--port): choose another port, or leave --port out for any free one\n`);
    expect(out.join("")).toBe("");
  });

  it("a feed port in use names --feed-port", async () => {
    const port = await busyPort();
    const { err, io: streams } = io();
    expect(await runDemoCommand(["--feed-port", String(port)], streams)).toBe(1);
    expect(err.join("")).toBe(`wsbridge demo: port ${port} on 127.0.0.1 is already in use (--feed-port): choose another port, or leave --feed-port out for any free one\n`);
  });
});
