# worker-routes.test.ts: 10,000 frames each way through connect() in a createPythonWorker worker. URL is set by the test.
import struct
import time
from wsbridge import connect

N = 10000
t0 = time.perf_counter()
bad = 0
async with connect(URL) as ws:
    for i in range(N):
        await ws.send(str(i) if i % 2 else struct.pack(">I", i))
    for i in range(N):
        m = await ws.recv()
        v = int(m) if isinstance(m, str) else struct.unpack(">I", m)[0]
        if v != i or isinstance(m, str) != (i % 2 == 1):
            bad += 1
    done = await ws.recv()
{"bad": bad, "done": done, "ms": round((time.perf_counter() - t0) * 1000)}
