# worker-routes.test.ts, in the worker: connect() through server_route.py, closed with a code and reason.
# URL is set by the test.
from wsbridge import connect

async with connect(URL) as ws:
    await ws.send("hello")
    a = await ws.recv()
    await ws.send(b"\x00\x01")
    b = await ws.recv()
    await ws.close(4011, "worker done")
[a, b.hex(), ws.close_code, ws.close_reason]
