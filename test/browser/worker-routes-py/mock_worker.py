# worker-routes.test.ts, in the worker: wsbridge.WebSocket talks to the main thread's mock_route.py. URL is set by the test.
import asyncio
from wsbridge import WebSocket

log = []
done = asyncio.get_event_loop().create_future()


def onopen(e):
    log.append("open")
    ws.send("abc")
    ws.send(b"\x01\x02\x03")


def onmessage(e):
    log.append(e.data if isinstance(e.data, str) else bytes(e.data).hex())
    if len(log) == 4:
        ws.send("bye")


def onclose(e):
    log.append(f"close {e.code} {e.reason} {e.wasClean}")
    done.set_result(None)


ws = WebSocket(URL, onopen=onopen, onmessage=onmessage, onclose=onclose)
await asyncio.wait_for(done, 10)
log
