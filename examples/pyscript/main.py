"""Echo chat: a wsbridge WebSocket driven from PyScript (main thread).

The server address comes from the page's query string (`?ws=ws://127.0.0.1:PORT/echo`); serve.mjs prints it.
"""
import js
from pyscript import document, when
from wsbridge import WebSocket

params = js.URLSearchParams.new(js.location.search)
url = params.get("ws") or f"ws://{js.location.hostname}:8765/echo"

status = document.getElementById("status")
log = document.getElementById("log")


def show(line: str) -> None:
    item = document.createElement("li")
    item.textContent = line
    log.append(item)


def on_open(event):
    status.textContent = f"connected to {url}"
    ws.send("hello")  # text frame
    ws.send(b"\x00\x01\xfe\xff")  # binary frame: exactly these bytes


def on_message(event):
    data = event.data  # str for text frames, memoryview for binary ones
    if isinstance(data, str):
        show(f"echo: {data}")
    else:
        show(f"echo (binary): {bytes(data).hex(' ')}")


def on_close(event):
    status.textContent = f"closed: code {event.code}"


ws = WebSocket(url, onopen=on_open, onmessage=on_message, onclose=on_close)


@when("submit", "#chat")
def send(event):
    event.preventDefault()
    box = document.getElementById("message")
    if ws.readyState == WebSocket.OPEN and box.value:
        ws.send(box.value)
        box.value = ""
