// A Node script that uses attachPython and closes its browser exits by itself: the shared static server that
// serves Pyodide to the page must not keep the process alive. Runs the built dist/playwright.mjs in a child process
// (built before the tests: npm test, or test/helpers/global-setup.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const children: ChildProcess[] = [];
afterEach(() => { for (const child of children) if (child.exitCode === null) child.kill("SIGKILL"); });

const SCRIPT = `
import { launchChromium, attachPython } from ${JSON.stringify(pathToFileURL(join(root, "dist", "playwright.mjs")).href)};
const browser = await launchChromium();
const py = await attachPython(await browser.newPage());
console.log("result", await py.runAsync("import wsbridge; 1 + 1"));
await browser.close();
console.log("browser closed");
`;

it("a script that runs Python through attachPython and closes the browser exits on its own with code 0", { timeout: 90_000 }, async () => {
  const child = spawn(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => { out += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { out += d.toString(); });
  // Without the fix the child never exits after "browser closed" and this test times out.
  const code = await new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
  expect(out).toContain("result 2");
  expect(out).toContain("browser closed");
  expect(code).toBe(0);
});
