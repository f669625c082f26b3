# worker.test.ts: a socket handler in worker Python raises; the socket and the worker carry on. SERVER is set by the test.
import asyncio
from wsbridge import WebSocket

done = asyncio.get_event_loop().create_future()
raised = asyncio.get_event_loop().create_future()


def onopen(e):
    ws.send("x")


def onmessage(e):
    raised.set_result(None)
    raise RuntimeError("handler bug")


def onclose(e):
    done.set_result(e.code)


ws = WebSocket(SERVER + "/echo", onopen=onopen, onmessage=onmessage, onclose=onclose)
await asyncio.wait_for(raised, 5)
ws.close()
await asyncio.wait_for(done, 5)
