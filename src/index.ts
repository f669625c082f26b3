// wsbridge: the browser runtime. Plain JS parts (socket, route, inspect) and the Pyodide adapter.
export { installWsBridge } from "./pyodide/install.js";
export { toJSONable } from "./pyodide/convert.js";
