"""Parity cases: the same scenarios against pyscript.websocket.WebSocket and wsbridge.WebSocket, in one page.

Each case takes the class under test and a URL factory, and returns a JSON-able observation; the vitest side
(test/pyscript/parity.test.ts) says which observation is right and which implementation produced it.
Results land in `window.__parity` as a JSON string: {"pyscript": {case: observation}, "wsbridge": {...}}.
"""
import asyncio
import gc
import json
import weakref

import js
from pyodide.ffi import create_proxy
from pyscript import window
from pyscript.websocket import WebSocket as PyScriptWebSocket
from wsbridge import WebSocket as BridgeWebSocket
from wsbridge import route_web_socket

SERVER = js.URLSearchParams.new(js.location.search).get("ws")  # ws://127.0.0.1:PORT
CASE_TIMEOUT = 5.0

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


async def until(predicate, timeout=CASE_TIMEOUT):
    """Polls `predicate` every 10 ms; raises TimeoutError naming it when it stays false."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.01)


def window_errors():
    return int(window.__errorCount)


def describe(data):
    """A received payload as JSON: text stays text, buffers become [type name, list of ints]."""
    if isinstance(data, str):
        return data
    if isinstance(data, memoryview):
        return ["memoryview", list(data.tobytes())]
    return [type(data).__name__, str(getattr(data, "constructor", None) and data.constructor.name)]


# ---- behaviour both implementations should share


@case
async def text_echo_attributes(WS, url):
    seen = []
    ws = WS(url("/echo"))
    ws.onopen = lambda e: ws.send("ping over attributes")
    ws.onmessage = lambda e: seen.append([type(e.data).__name__, e.data])
    await until(lambda: seen)
    ws.close()
    return seen


@case
async def text_echo_kwargs(WS, url):
    seen = []
    states = []

    def on_open(e):
        states.append(["open", ws.readyState])
        ws.send("ping over kwargs")

    def on_message(e):
        seen.append(e.data)
        ws.close()

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message, onclose=lambda e: states.append(["close", ws.readyState]))
    states.append(["new", ws.readyState])
    await until(lambda: len(states) == 3)
    return {"messages": seen, "states": states}


@case
async def async_handlers(WS, url):
    log = []

    async def on_open(e):
        await asyncio.sleep(0.01)
        log.append("open")
        ws.send("first")
        ws.send("second")

    async def on_message(e):
        await asyncio.sleep(0)
        log.append(e.data)
        if e.data == "second":
            ws.close()

    async def on_close(e):
        await asyncio.sleep(0)
        log.append("close")

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message, onclose=on_close)
    await until(lambda: "close" in log)
    return log


@case
async def binary_round_trip(WS, url):
    payloads = [b"\x00\x01\xff", bytearray(b"xyz\x80"), memoryview(b"view")]
    seen = []

    def on_open(e):
        for p in payloads:
            ws.send(p)

    ws = WS(url("/echo"), onopen=on_open, onmessage=lambda e: seen.append(describe(e.data)))
    await until(lambda: len(seen) == len(payloads))
    ws.close()
    return seen


@case
async def event_fields(WS, url):
    fields = {}

    def on_open(e):
        fields["open"] = {"type": e.type}
        ws.send("fields")

    def on_message(e):
        fields["message"] = {"type": e.type, "data": e.data, "origin": e.origin, "target_url": e.target.url}
        ws.close(4001, "bye")

    def on_close(e):
        fields["close"] = {"type": e.type, "code": e.code, "reason": e.reason, "wasClean": e.wasClean}

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message, onclose=on_close)
    await until(lambda: "close" in fields)
    return fields


@case
async def handler_reassignment(WS, url):
    seen = []

    def first(e):
        seen.append(["first", e.data])
        ws.onmessage = second
        ws.send("two")

    def second(e):
        seen.append(["second", e.data])

    ws = WS(url("/echo"), onopen=lambda e: ws.send("one"), onmessage=first)
    await until(lambda: len(seen) == 2)
    ws.close()
    return seen


@case
async def routed_by_js_mock(WS, url):
    """A socket to a host that does not exist, answered by the page's JS routeWebSocket mock (see parity.html)."""
    seen = []
    ws = WS("wss://mock.invalid/chat", onopen=lambda e: ws.send("hi"), onmessage=lambda e: seen.append(e.data))
    await until(lambda: seen)
    ws.close()
    return seen


@case
async def routed_by_python_mock(WS, url):
    """wsbridge.route_web_socket (Python, in the page) mocks a server that does not exist."""
    seen = []

    def mock(route):
        route.on_message(lambda m: route.send(f"py-mocked: {m}" if isinstance(m, str) else b"re:" + m))

    with route_web_socket("wss://py-mock.invalid/**", mock):
        def on_open(e):
            ws.send("hi")
            ws.send(b"\x01\x02")

        ws = WS("wss://py-mock.invalid/chat", onopen=on_open, onmessage=lambda e: seen.append(describe(e.data)))
        await until(lambda: len(seen) == 2)
        ws.close()
    return seen


@case
async def routed_to_real_server(WS, url):
    """route_web_socket + connect_to_server: page messages are rewritten on their way to the real echo server."""
    seen = []
    target = url("/echo")

    def intercept(route):
        server = route.connect_to_server()
        route.on_message(lambda m: server.send(m.upper() if isinstance(m, str) else m))

    with route_web_socket(target, intercept):
        ws = WS(target, onopen=lambda e: ws.send("shout"), onmessage=lambda e: seen.append(e.data))
        await until(lambda: seen)
        ws.close()
    return seen


# ---- where pyscript.websocket is wrong


@case
async def blob_binary_type(WS, url):
    """binaryType "blob": the payload should still arrive as a memoryview of the bytes."""
    seen = []
    ws = WS(url("/echo"), onopen=lambda e: ws.send(b"\x01\x02\x03"), onmessage=lambda e: seen.append(describe(e.data)))
    ws.binaryType = "blob"
    await until(lambda: seen)
    ws.close()
    return seen


@case
async def onmessage_none(WS, url):
    """Setting onmessage = None should stop delivery quietly, like the browser's own property."""
    seen = []
    raw = []
    before = window_errors()

    def on_message(e):
        seen.append(e.data)
        ws.onmessage = None
        ws.send("after none")

    ws = WS(url("/echo"), onopen=lambda e: ws.send("before none"), onmessage=on_message)
    # A plain JS listener added after the handler tells when the second message has been dispatched.
    counter = create_proxy(lambda e: raw.append(e.data))
    ws.addEventListener("message", counter)
    await until(lambda: len(raw) == 2)
    ws.removeEventListener("message", counter)
    counter.destroy()
    ws.close()
    return {"seen": seen, "reads_back_none": ws.onmessage is None, "errors": window_errors() - before}


@case
async def reassignment_releases_old_handlers(WS, url):
    """Reassigning a handler 50 times should not keep the 49 old ones alive (checked synchronously: no JS GC turn)."""
    ws = WS(url("/echo"))
    refs = []
    for i in range(50):
        def handler(e, i=i):
            return i
        refs.append(weakref.ref(handler))
        ws.onmessage = handler
    del handler
    gc.collect()
    alive = sum(1 for r in refs if r() is not None)
    ws.close()
    return {"alive": alive}


@case
async def close_reason_without_code(WS, url):
    """close(reason=...) alone should send the reason (with code 1000), not drop it."""
    closed = []
    ws = WS(url("/echo"), onopen=lambda e: ws.close(reason="done here"), onclose=lambda e: closed.append([e.code, e.reason]))
    await until(lambda: closed)
    return closed[0]


@case
async def async_handlers_in_order(WS, url):
    """An async onmessage that awaits should still see (and finish) messages in arrival order."""
    finished = []

    async def on_message(e):
        await asyncio.sleep(0.3 if e.data == "slow" else 0)
        finished.append(e.data)

    def on_open(e):
        ws.send("slow")
        ws.send("fast")

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message)
    await until(lambda: len(finished) == 2)
    ws.close()
    return finished


async def run_all():
    results = {}
    for tag, cls in (("pyscript", PyScriptWebSocket), ("wsbridge", BridgeWebSocket)):
        out = results[tag] = {}
        for name, fn in CASES.items():
            def url(path, name=name, tag=tag):
                sep = "&" if "?" in path else "?"
                return f"{SERVER}{path}{sep}impl={tag}&case={name}"
            try:
                out[name] = await asyncio.wait_for(fn(cls, url), CASE_TIMEOUT + 1)
            except BaseException as error:  # noqa: BLE001 - a case's failure is its observation
                out[name] = {"error": f"{type(error).__name__}: {error}"}
    return results


window.__parity = json.dumps(await run_all())
