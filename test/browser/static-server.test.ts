// The static server in Node, with raw HTTP requests: malformed paths get 400 and the server goes on; nothing
// outside a mount is served (`..` plain or encoded, a sibling folder sharing the mount's name prefix, symlinks).
import { request } from "node:http";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticServer, type StaticServer } from "../../src/playwright/static-server.js";

let server: StaticServer;
let dir: string;

/** GETs `path` exactly as written (no client-side normalisation); status and body. */
function get(path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((ok, fail) => {
    const req = request({ host: hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => { body += chunk; });
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wsbridge-static-"));
  mkdirSync(join(dir, "site", "sub"), { recursive: true });
  mkdirSync(join(dir, "site-secret"));
  writeFileSync(join(dir, "site", "ok.txt"), "public");
  writeFileSync(join(dir, "site", "sub", "deep.txt"), "deep");
  writeFileSync(join(dir, "site-secret", "key.txt"), "SECRET");
  writeFileSync(join(dir, "outside.txt"), "SECRET");
  symlinkSync(join(dir, "site-secret", "key.txt"), join(dir, "site", "file-link.txt"));
  symlinkSync(join(dir, "site-secret"), join(dir, "site", "dir-link"));
  symlinkSync(join(dir, "site", "ok.txt"), join(dir, "site", "inner-link.txt"));
  server = await startStaticServer({ mounts: { site: join(dir, "site") } });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("static server: malformed requests", () => {
  it("a truncated percent escape gets 400, and the server still serves the next request", async () => {
    expect((await get("/wsbridge/%E0%A4%A")).status).toBe(400);
    expect(await get("/site/ok.txt")).toEqual({ status: 200, body: "public" });
  });

  it("an encoded NUL byte gets 400", async () => {
    expect((await get("/site/ok.txt%00")).status).toBe(400);
  });

  it("a prefix naming an inherited property (constructor, __proto__) is no mount", async () => {
    expect((await get("/constructor/x")).status).toBe(404);
    expect((await get("/__proto__/x")).status).toBe(404);
    expect((await get("/site/sub/deep.txt")).body).toBe("deep");
  });
});

describe("static server: nothing outside a mount", () => {
  it.each([
    "/site/../site-secret/key.txt",
    "/site/%2e%2e/site-secret/key.txt",
    "/site/..%2fsite-secret/key.txt",
    "/site/%2e%2e%2fsite-secret%2fkey.txt",
    "/site/sub/..%2f..%2foutside.txt",
    "/site/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/site/..%5csite-secret%5ckey.txt",
  ])("%s is not served", async (path) => {
    const { status, body } = await get(path);
    expect(status).toBe(404);
    expect(body).not.toContain("SECRET");
  });

  it("symlinks leading outside the mount are not followed; one inside it is", async () => {
    expect((await get("/site/file-link.txt")).status).toBe(404);
    expect((await get("/site/dir-link/key.txt")).status).toBe(404);
    expect(await get("/site/inner-link.txt")).toEqual({ status: 200, body: "public" });
  });

  it(".. that stays inside the mount still works", async () => {
    expect(await get("/site/sub/../ok.txt")).toEqual({ status: 200, body: "public" });
    expect(await get("/site/sub/..%2fok.txt")).toEqual({ status: 200, body: "public" });
  });
});
