// Exploration only (not part of npm run bench): node bench/explore.mjs FILE runs FILE's async function body in the
// direct bench page (with `pyodide`, `py`, `wsURL` in scope) and prints what it returns.
import { readFileSync } from "node:fs";
import { openBenchPage } from "./direct.mjs";

const { server, close } = await openBenchPage();
try {
  for (const file of process.argv.slice(2)) console.log(JSON.stringify(await server.run({ kind: "eval", code: readFileSync(file, "utf8") }), null, 1));
} finally {
  await close();
}
