"""Main thread of worker-routes.html: Python routes (unless ?routes=0) that the PyScript worker's sockets must reach."""
import js
from wsbridge import route_web_socket

if js.URLSearchParams.new(js.location.search).get("routes") != "0":

    def chat(route):
        def on_message(message):
            if message == "close please":
                route.close(code=4100, reason="mock bye")
            elif isinstance(message, bytes):
                route.send(b"py mock: " + message)
            else:
                route.send(f"py mock: {message}")

        route.on_message(on_message)

    route_web_socket("wss://py.invalid/**", chat)

js.window.__mainRoutes = True
js.window.dispatchEvent(js.Event.new("main-routes"))
