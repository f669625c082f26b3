// wsbridge: the browser runtime. Plain JS parts (socket, route, inspect) and the Pyodide adapter.
export { installWsBridge } from "./pyodide/install.js";
export { toJSONable } from "./pyodide/convert.js";
export { BridgeSocket, socketCounters, type SocketSink, type BridgeSocketOptions, type SendData } from "./socket/bridge-socket.js";
export { Receiver, type Delivery, type SocketEventType, type BlobReader } from "./socket/receiver.js";
