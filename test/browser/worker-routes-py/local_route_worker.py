# worker-routes.test.ts, in the worker: a worker-local route wins over the main thread's; others pass through.
# BASE and UNROUTED are set by the test.
from wsbridge import connect, route_web_socket

route_web_socket(BASE + "/mine", lambda route: route.on_message(lambda m: route.send("worker:" + m)))
out = []
for url in [BASE + "/mine", BASE + "/other", UNROUTED]:
    async with connect(url) as ws:
        await ws.send("hi")
        out.append(await ws.recv())
out
