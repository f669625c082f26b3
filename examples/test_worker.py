"""Python in a Web Worker, tested from pytest: the `python_worker` fixture (README, "Testing code that runs in a worker")."""
from wsbridge import page


async def test_the_worker_sums_a_mocked_feed(python_worker):
    def feed(ws):                                    # runs on the page and catches the worker's socket
        ws.on_message(lambda message: [ws.send(str(n)) for n in (1, 2, 3)])

    page.route_web_socket("wss://feed.example/**", feed)
    await python_worker.set_global("url", "wss://feed.example/live")
    # feed_client.py is this project's module: the worker has the project's files and imports it as the test would.
    assert await python_worker.run_async("import feed_client\nawait feed_client.total(url, 3)") == 6
