"""Runs in a PyScript worker: wsbridge's WebSocket and connect() against the echo server, driven from the page."""
import asyncio
import json

import wsbridge
from wsbridge import WebSocket, connect


async def echo(url):
    seen = []
    done = asyncio.Event()

    def on_open(e):
        ws.send("from the worker")
        ws.send(b"\x00\xffworker")

    def on_message(e):
        seen.append(e.data if isinstance(e.data, str) else ["memoryview", list(e.data)])
        if len(seen) == 2:
            ws.close(4002, "worker done")

    def on_close(e):
        seen.append(["close", e.code, e.reason])
        done.set()

    ws = WebSocket(url, onopen=on_open, onmessage=on_message, onclose=on_close)
    await asyncio.wait_for(done.wait(), 5)
    async with connect(url) as client:
        await client.send("via connect")
        seen.append(["connect", await client.recv(timeout=5)])
    return json.dumps({"module": wsbridge.__name__, "seen": seen})


__export__ = ["echo"]
