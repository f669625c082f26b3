# The soak client, run in the page and in a worker: counts frames, checks their sequence numbers, acks every K.
import asyncio, json
from wsbridge import WebSocket, connect, route_web_socket


class Tally:
    """Frames seen in order: `bad` counts any frame whose sequence number is not the next one."""

    def __init__(self, k):
        self.k, self.next, self.bad, self.text, self.binary, self.errors = k, 0, 0, 0, 0, 0

    def frame(self, data):
        """Checks one frame; returns the ack to send, if any."""
        if isinstance(data, str):
            seq = int(data[2:])
            self.text += 1
        else:
            seq = int.from_bytes(bytes(data[:4]), "big")
            self.binary += 1
        if seq != self.next:
            self.bad += 1
        self.next = seq + 1
        return f"ack:{seq}" if (seq + 1) % self.k == 0 else None

    def result(self, **extra):
        return json.dumps({"frames": self.text + self.binary, "bad": self.bad, "text": self.text,
                           "binary": self.binary, "errors": self.errors, **extra})


async def soak_onmessage(url, k, binary_type="arraybuffer"):
    """A WebSocket with onmessage: acks from the handler, closes on "end"."""
    tally, done = Tally(k), asyncio.get_event_loop().create_future()
    ws = WebSocket(url)
    ws.binaryType = binary_type

    def on_message(e):
        if e.data == "end":
            ws.close(1000)
            return
        ack = tally.frame(e.data)
        if ack:
            ws.send(ack)

    def on_error(e):
        tally.errors += 1

    ws.onmessage, ws.onerror = on_message, on_error
    ws.onclose = lambda e: done.set_result(e.code)
    return tally.result(code=await done)


async def soak_connect(url, k):
    """connect() + async for."""
    tally = Tally(k)
    async with connect(url) as ws:
        async for message in ws:
            if message == "end":
                break
            ack = tally.frame(message)
            if ack:
                await ws.send(ack)
    return tally.result(code=1000)


def mock_frame(seq):
    """The soak server's frame `seq`, made in Python."""
    if seq % 3:
        return f"t:{seq}"
    return seq.to_bytes(4, "big") + bytes([seq % 251]) * (seq % 64)


def route_mock(pattern, n, k):
    """A mocked route that plays the soak server: n frames, waiting for the ack after every k, then "end"."""
    async def handler(route):
        for seq in range(n):
            route.send(mock_frame(seq))
            if (seq + 1) % k == 0:
                await route.receive()
        route.send("end")
    return route_web_socket(pattern, handler)


def route_through(pattern):
    """A route that connects to the real server and lets every frame through both ways."""
    return route_web_socket(pattern, lambda route: route.connect_to_server())
