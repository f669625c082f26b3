// Serves this example on 127.0.0.1 with an echo WebSocket server, all from local packages:
//   npm run build && node examples/pyscript/serve.mjs
// then open the printed URL. Mounts: /pyscript/ → @pyscript/core/dist, /pyodide/ → pyodide, /wsbridge/ → dist/,
// /example/ → this folder.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startStaticServer, startTestServer } from "../../dist/playwright.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const pyscript = dirname(fileURLToPath(import.meta.resolve("@pyscript/core/js")));

// Cross-origin isolated (COOP/COEP): PyScript workers get `window`/`document` and do not warn about SharedArrayBuffer.
const web = await startStaticServer({ mounts: { pyscript, example: here }, isolated: true });
const ws = await startTestServer();
console.log(`open ${web.url}example/index.html?ws=${encodeURIComponent(`${ws.url}/echo`)}`);
console.log("Ctrl-C to stop");
