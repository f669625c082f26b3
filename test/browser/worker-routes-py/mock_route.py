# worker-routes.test.ts, main thread: a Python mock for the worker's socket that closes with a code and reason.
# URL is set by the test.
from wsbridge import route_web_socket

seen = []


def handler(route):
    route.send("welcome " + route.url.rsplit("/", 1)[1])

    def on_message(m):
        seen.append(m)
        if m == "bye":
            route.close(4010, "mock done")
        else:
            route.send(m.upper() if isinstance(m, str) else bytes(reversed(m)))

    route.on_message(on_message)


route_web_socket(URL, handler)
