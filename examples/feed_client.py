"""App code that runs in a Web Worker: reads `count` numbers from a feed and adds them up.

examples/test_worker.py tests it in a worker of the test's page, with the feed mocked from the page.
"""
from wsbridge import connect


async def total(url: str, count: int) -> int:
    """Asks the feed at `url` to start and sums the next `count` numbers it sends."""
    result = 0
    async with connect(url) as ws:
        await ws.send("start")
        for _ in range(count):
            result += int(await ws.recv(timeout=5))
    return result
