# worker.test.ts: wsbridge.WebSocket in worker Python against the real echo server. SERVER is set by the test.
import asyncio
from wsbridge import WebSocket

got = []
done = asyncio.get_event_loop().create_future()


def onopen(e):
    ws.send("hello from the worker")
    ws.send(b"\x00\x01\xfe\xff")


def onmessage(e):
    got.append([type(e.data).__name__, e.data if isinstance(e.data, str) else list(e.data)])
    if len(got) == 2:
        ws.close(4001, "worker done")


async def onclose(e):
    done.set_result([e.code, e.reason, e.wasClean])


ws = WebSocket(SERVER + "/echo?worker-websocket", onopen=onopen, onmessage=onmessage, onclose=onclose)
closed = await asyncio.wait_for(done, 10)
{"got": got, "closed": closed, "state": ws.readyState}
