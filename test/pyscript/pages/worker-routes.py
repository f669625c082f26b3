"""PyScript worker of worker-routes.html: its sockets are routed by the main thread's routes (or, with no routes,
behave natively). `run(server, routes)` returns JSON observations; the vitest side says what is right."""
import asyncio
import json

import polyscript

from pyscript import WebSocket as PyScriptWebSocket
from wsbridge import WebSocket, connect

TIMEOUT = 5.0


def describe(data):
    if isinstance(data, str):
        return data
    return ["bytes", list(bytes(data))]


def watch(ws, log, done, send=()):
    """Logs a socket's events; sends `send` on open; sets `done` at close."""

    def on_open(e):
        log.append(["open", ws.readyState])
        for message in send:
            ws.send(message)

    def on_message(e):
        log.append(["message", describe(e.data)])
        if len([x for x in log if x[0] == "message"]) == len(send):
            ws.close(1000, "done")

    def on_error(e):
        log.append(["error"])

    def on_close(e):
        log.append(["close", e.code, e.reason, e.wasClean])
        done.set()

    ws.onopen, ws.onmessage, ws.onerror, ws.onclose = on_open, on_message, on_error, on_close


# Opened by top-level code, before the main thread's routes port can have arrived: it must wait, then proceed.
# EARLY_URL (prepended by the page): with routes, one the page's JS route (registered before the worker started)
# answers; without, the echo server's (passthrough).
early_log = []
early_done = asyncio.Event()
early = WebSocket(EARLY_URL)  # noqa: F821
early_log.append(["created", early.readyState])
watch(early, early_log, early_done, send=["early bird"])

# The page's own xworker.onmessage gets this, and nothing of wsbridge's.
polyscript.xworker.postMessage("hello from the worker")


async def socket_log(cls, url, send, protocols=None):
    log, done = [], asyncio.Event()
    ws = cls(url) if protocols is None else cls(url, protocols)
    watch(ws, log, done, send)
    await asyncio.wait_for(done.wait(), TIMEOUT)
    if protocols is not None:
        log.append(["protocol", ws.protocol])
    return log


async def run(server, routes):
    await asyncio.wait_for(early_done.wait(), TIMEOUT)
    out = {"early": early_log}
    if routes:
        out["mocked"] = await socket_log(WebSocket, "wss://py.invalid/chat", ["hi", b"\x00\xff"])
        out["mock_close"] = await socket_log(WebSocket, "wss://py.invalid/chat", ["close please"])
        out["pyscript_class"] = await socket_log(PyScriptWebSocket, "wss://py.invalid/pyscript", ["hello"])
        async with connect("wss://py.invalid/connect") as client:
            await client.send("via connect")
            out["connect_mocked"] = await client.recv(timeout=TIMEOUT)
    # Not matched by any route: the real server.
    async with connect(f"{server}/echo?from=worker-{'routes' if routes else 'none'}") as client:
        await client.send("to the real server")
        out["connect_real"] = await client.recv(timeout=TIMEOUT)
    out["real"] = await socket_log(WebSocket, f"{server}/echo?n={int(routes)}", ["text", b"\x01\x02"], ["chat"])
    out["real_close"] = await socket_log(WebSocket, f"{server}/close?code=4005&reason=server%20bye", ["x"])
    out["rejected"] = await socket_log(WebSocket, f"{server}/reject", [])
    return json.dumps(out)


__export__ = ["run"]
