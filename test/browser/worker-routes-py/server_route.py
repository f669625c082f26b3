# worker-routes.test.ts, main thread: a Python route in server mode that rewrites frames and records closes.
# URL is set by the test.
from wsbridge import route_web_socket

closes = []


def handler(route):
    server = route.connect_to_server()
    route.on_message(lambda m: server.send(("py:" + m) if isinstance(m, str) else m + b"!"))
    server.on_message(lambda m: route.send(m))

    def on_close(code, reason):
        closes.append([code, reason])
        server.close(code, reason)

    route.on_close(on_close)


route_web_socket(lambda u: u == URL, handler)
