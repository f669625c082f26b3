# worker.test.ts: connect() in worker Python: text, bytes, an ordered burst, a server close. SERVER is set by the test.
from wsbridge import connect, ConnectionClosed

out = {}
async with connect(SERVER + "/echo") as ws:
    await ws.send("ping")
    out["text"] = await ws.recv(timeout=5)
    await ws.send(bytearray(b"\x01\x02\x03"))
    data = await ws.recv(timeout=5)
    out["bytes"] = [type(data).__name__, list(data)]
out["code"] = ws.close_code
async with connect(SERVER + "/burst?n=2000&binary=1") as ws:
    seen = [int.from_bytes(await ws.recv(timeout=5), "big") for _ in range(2000)]
out["burst_in_order"] = seen == list(range(2000))
try:
    async with connect(SERVER + "/close?code=4002&reason=bye&now=1") as ws:
        await ws.recv(timeout=5)
except ConnectionClosed as e:
    out["closed"] = [e.code, e.reason]
out
