"""MicroPython parity cases: the same scenarios against pyscript.WebSocket and wsbridge.WebSocket under `mpy`.

Runs on the main thread (mpy-parity.html's <script type="mpy">) and in an mpy worker (the same file). The first
cases check, in this page's own words and against a local server, what PyScript's own test_websocket.py checks
(handlers as attributes and as arguments, async handlers, binary data as memoryview, sending bytes, the event
wrapper, replacing a handler); the rest are pyscript.websocket's documented uses and routing. Each case returns
a JSON-able observation; test/pyscript/micropython.test.ts says which is right. The results are JSON text:
{"pyscript": {case: observation}, "wsbridge": {...}}, or {"error": traceback} when the run itself failed.
"""
import asyncio
import io
import json
import sys

import js
from pyscript.websocket import WebSocket as PyScriptWebSocket
from wsbridge import WebSocket as BridgeWebSocket
from wsbridge import route_web_socket

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


async def finished(event, seconds=5):
    """Waits for `event`; a case that never finishes fails with a TimeoutError instead of hanging the page."""
    await asyncio.wait_for(event.wait(), seconds)


def describe(data):
    if isinstance(data, str):
        return data
    if isinstance(data, memoryview):
        return ["memoryview", list(bytes(data))]
    return [type(data).__name__]


@case
async def with_attributes(WS, url):
    """Handlers assigned as attributes; the server greets first (like echo.websocket.org), then echoes."""
    state = {"connected": False, "closed": False}
    messages = []
    done = asyncio.Event()

    def on_open(event):
        state["connected"] = True
        ws.send("Hello, world!")

    def on_message(event):
        messages.append(event.data)
        if len(messages) == 2:
            ws.close()

    def on_close(event):
        state["closed"] = True
        done.set()

    ws = WS(url("/burst?n=1"))
    ws.onopen = on_open
    ws.onmessage = on_message
    ws.onclose = on_close
    await finished(done)
    return [state["connected"], messages, state["closed"]]


@case
async def with_init(WS, url):
    """The same with the handlers as constructor arguments."""
    messages = []
    done = asyncio.Event()

    def on_message(event):
        messages.append(event.data)
        if len(messages) == 2:
            ws.close()

    ws = WS(url=url("/burst?n=1"), onopen=lambda e: ws.send("Hello, world!"), onmessage=on_message, onclose=lambda e: done.set())
    await finished(done)
    return messages


@case
async def async_handlers(WS, url):
    """`async def` handlers for open, message and close."""
    messages = []
    done = asyncio.Event()

    async def on_open(event):
        await asyncio.sleep(0)
        ws.send("async test")

    async def on_message(event):
        await asyncio.sleep(0)
        messages.append(event.data)
        if len(messages) == 2:
            ws.close()

    async def on_close(event):
        await asyncio.sleep(0)
        done.set()

    ws = WS(url=url("/burst?n=1"), onopen=on_open, onmessage=on_message, onclose=on_close)
    await finished(done)
    return messages


@case
async def binary_as_memoryview(WS, url):
    """A bytearray sent comes back as a memoryview of the same bytes; bytes likewise."""
    messages = []
    done = asyncio.Event()

    def on_open(event):
        ws.send(bytearray([0x48, 0x65, 0x6C, 0x6C, 0x6F]))
        ws.send(bytes([0x41, 0x42, 0x43]))

    def on_message(event):
        messages.append(describe(event.data))
        if len(messages) == 2:
            ws.close()

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message, onclose=lambda e: done.set())
    await finished(done)
    return messages


@case
async def event_wrapper(WS, url):
    """The event wrapper's type and data, for open, message and close."""
    types = []
    fields = []
    done = asyncio.Event()

    def on_open(event):
        types.append(event.type)
        ws.send("test")

    def on_message(event):
        types.append(event.type)
        fields.append([hasattr(event, "data"), hasattr(event, "type"), event.data])
        ws.close()

    def on_close(event):
        types.append(event.type)
        done.set()

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message, onclose=on_close)
    await finished(done)
    return [types, fields]


@case
async def replace_handler(WS, url):
    """onmessage replaced in onopen, before any message: only the new handler runs."""
    called = []
    done = asyncio.Event()

    def second(event):
        called.append("second")
        ws.close()

    def on_open(event):
        ws.onmessage = second
        ws.send("test")

    ws = WS(url("/echo"), onopen=on_open, onclose=lambda e: done.set())
    ws.onmessage = lambda e: called.append("first")
    await finished(done)
    return called


@case
async def close_fields(WS, url):
    """close(code, reason): the close event's code, reason and wasClean; readyState through open and close."""
    seen = []
    done = asyncio.Event()

    def on_open(event):
        seen.append(["open", ws.readyState])
        ws.close(4001, "bye")

    def on_close(event):
        seen.append(["close", event.code, event.reason, event.wasClean, ws.readyState])
        done.set()

    ws = WS(url("/echo"), onopen=on_open, onclose=on_close)
    seen.append(["new", ws.readyState])
    await finished(done)
    return seen


@case
async def memoryview_and_order(WS, url):
    """Text and binary frames interleaved keep their order; a memoryview slice sends exactly its bytes."""
    seen = []
    done = asyncio.Event()

    def on_open(event):
        ws.send("one")
        ws.send(memoryview(b"xview")[1:])
        ws.send("three")

    def on_message(event):
        seen.append(describe(event.data))
        if len(seen) == 3:
            ws.close()

    ws = WS(url("/echo"), onopen=on_open, onmessage=on_message, onclose=lambda e: done.set())
    await finished(done)
    return seen


@case
async def routed_by_python_mock(WS, url):
    """wsbridge.route_web_socket (MicroPython) mocks a server that does not exist, for either class."""
    seen = []
    done = asyncio.Event()

    def mock(route):
        route.on_message(lambda m: route.send("py-mocked: " + m if isinstance(m, str) else b"re:" + m))

    with route_web_socket("wss://py-mock.invalid/**", mock):
        def on_open(event):
            ws.send("hi")
            ws.send(b"\x01\x02")

        def on_message(event):
            seen.append(describe(event.data))
            if len(seen) == 2:
                ws.close()

        ws = WS("wss://py-mock.invalid/chat", onopen=on_open, onmessage=on_message, onclose=lambda e: done.set())
        await finished(done)
    return seen


@case
async def routed_by_js_mock(WS, url):
    """The page's JS routeWebSocket (mpy-parity.html) answers either class, on the main thread and in the worker."""
    seen = []
    done = asyncio.Event()

    def on_message(event):
        seen.append(event.data)
        ws.close()

    ws = WS("wss://mock.invalid/chat", onopen=lambda e: ws.send("hi"), onmessage=on_message, onclose=lambda e: done.set())
    await finished(done)
    return seen


@case
async def routed_to_real_server(WS, url):
    """route_web_socket + connect_to_server: the page's messages are rewritten on their way to the real server."""
    seen = []
    done = asyncio.Event()
    target = url("/echo")

    def intercept(route):
        server = route.connect_to_server()
        route.on_message(lambda m: server.send(m.upper()))

    def on_message(event):
        seen.append(event.data)
        ws.close()

    with route_web_socket(target, intercept):
        ws = WS(target, onopen=lambda e: ws.send("shout"), onmessage=on_message, onclose=lambda e: done.set())
        await finished(done)
    return seen


@case
async def send_while_connecting(WS, url):
    """send() before open: wsbridge raises InvalidStateError; the browser's own error is not a Python exception
    under MicroPython (it would end the whole script), so pyscript's case is not run."""
    if WS is PyScriptWebSocket:
        return "not run"
    ws = WS(url("/echo"))
    try:
        ws.send("early")
        outcome = "sent"
    except Exception as error:
        outcome = type(error).__name__
    ws.close()
    return outcome


def traceback_of(error):
    text = io.StringIO()
    sys.print_exception(error, text)
    return text.getvalue()


async def run_all(server, where):
    """Every case against both classes; URLs carry the class and case so the server's record tells them apart."""
    results = {"pyscript": {}, "wsbridge": {}}
    try:
        for impl, WS in (("pyscript", PyScriptWebSocket), ("wsbridge", BridgeWebSocket)):
            for fn in CASES:
                def url(path, impl=impl, name=fn.__name__):
                    return server + path + ("&" if "?" in path else "?") + "where=" + where + "&impl=" + impl + "&case=" + name
                try:
                    results[impl][fn.__name__] = await fn(WS, url)
                except Exception as error:
                    results[impl][fn.__name__] = {"failed": traceback_of(error)}
    except Exception as error:
        return json.dumps({"error": traceback_of(error)})
    return json.dumps(results)
