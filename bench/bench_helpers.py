# Python side of the bench page (written to /bench in Pyodide's FS; the page calls these through runPythonAsync).
import asyncio
import gc
import sys

import js

sys.path.insert(0, "/bench")
from pyscript.websocket import WebSocket as PyScriptWebSocket  # noqa: E402

import wsbridge  # noqa: E402
from wsbridge import WebSocket, connect, route_web_socket  # noqa: E402

IMPLS = {"wsbridge": WebSocket, "pyscript": PyScriptWebSocket}
counted = {"n": 0}


async def open_socket(impl, url):
    """An open socket whose onmessage reads event.data once and counts (in counted[impl])."""
    opened = asyncio.get_event_loop().create_future()
    counted[impl] = 0

    def onmessage(event):
        event.data
        counted[impl] += 1

    ws = IMPLS[impl](url, onopen=lambda e: opened.done() or opened.set_result(None), onmessage=onmessage)
    await opened
    return ws


def browser_socket(ws):
    return ws._js_websocket


async def receive_onmessage(url, n, kind, size):
    loop = asyncio.get_event_loop()
    opened, done = loop.create_future(), loop.create_future()
    count = 0

    def onmessage(event):
        nonlocal count
        event.data
        count += 1
        if count == n:
            done.set_result(js.performance.now())

    ws = WebSocket(url, onopen=lambda e: opened.set_result(None), onmessage=onmessage)
    await opened
    start = js.performance.now()
    ws.send(f"blast {n} {size} {kind}")
    end = await done
    ws.close()
    return end - start


async def receive_async_for(url, n, kind, size):
    async with connect(url) as ws:
        count = 0
        start = js.performance.now()
        await ws.send(f"blast {n} {size} {kind}")
        async for message in ws:
            count += 1
            if count == n:
                break
        return js.performance.now() - start


async def send_bytes(url, n, size):
    loop = asyncio.get_event_loop()
    opened, done = loop.create_future(), loop.create_future()
    ws = WebSocket(url, onopen=lambda e: opened.set_result(None), onmessage=lambda e: done.set_result(js.performance.now()))
    await opened
    payload = bytes(size)
    start = js.performance.now()
    ws.send(f"count {n}")
    for _ in range(n):
        ws.send(payload)
    end = await done
    ws.close()
    return end - start


def install_echo_route(url):
    """A Python route answering every page message with the same message."""

    def handler(route):
        route.on_message(route.send)

    return route_web_socket(url, handler)


async def memory_run(url, n):
    """n frames from a Python mock route into a Python onmessage; returns when the socket is released."""
    loop = asyncio.get_event_loop()

    def mock(route):
        def on_message(message):
            for _ in range(int(str(message).split(" ")[1])):
                route.send("x" * 100)
        route.on_message(on_message)

    handle = route_web_socket(url, mock)
    opened, done, closed = loop.create_future(), loop.create_future(), loop.create_future()
    count = 0

    def onmessage(event):
        nonlocal count
        event.data
        count += 1
        if count == n:
            done.set_result(None)

    ws = WebSocket(url, onopen=lambda e: opened.set_result(None), onmessage=onmessage, onclose=lambda e: closed.set_result(None))
    await opened
    ws.send(f"go {n}")
    await done
    ws.close()
    await closed
    handle.unroute()
    del ws, handle, mock, onmessage
    for _ in range(100):
        if wsbridge.websocket.live_proxies() == 0:
            break
        await asyncio.sleep(0.01)
    gc.collect()
    return {"received": count, "live_proxies": wsbridge.websocket.live_proxies()}
