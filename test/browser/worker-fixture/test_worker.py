"""Run by test/browser/worker-fixture.test.ts with `wsbridge test`: the `python_worker` fixture."""
import asyncio

import pytest
from wsbridge import page


async def test_the_project_code_and_files_are_in_the_worker(python_worker):
    assert await python_worker.run("import mypkg; mypkg.double(21)") == 42
    assert await python_worker.run("open('data/blob.bin', 'rb').read()") == b"\x00\xff"
    await python_worker.set_global("config", {"n": 3, "raw": b"\x01"})
    assert await python_worker.run("[config['n'], config['raw']]") == [3, b"\x01"]
    assert await python_worker.run("{'a': None, 'b': [1.5, 'x']}") == {"a": None, "b": [1.5, "x"]}


async def test_page_routes_reach_the_worker_sockets(python_worker):
    page.route_web_socket("ws://api.example/**", lambda ws: ws.on_message(lambda m: ws.send(f"mock: {m}")))
    reply = await python_worker.run_async(
        "from wsbridge import connect\n"
        "async with connect('ws://api.example/feed') as ws:\n"
        "    await ws.send('hi')\n"
        "    reply = await ws.recv(timeout=5)\n"
        "reply"
    )
    assert reply == "mock: hi"


async def test_the_real_server_from_the_worker(python_worker, ws_server):
    reply = await python_worker.run_async(
        "from wsbridge import connect\n"
        "from wsbridge.testing import server_url\n"
        "async with connect(server_url('/echo')) as ws:\n"
        "    await ws.send(b'\\x00\\x01')\n"
        "    reply = await ws.recv(timeout=5)\n"
        "reply"
    )
    assert reply == b"\x00\x01"


async def test_what_the_worker_prints_is_captured(python_worker, capsys):
    await python_worker.run("print('from the worker')")
    # The line travels on its own message: wait for it, not for a time.
    seen = []
    while "from the worker" not in "".join(seen):
        seen.append(capsys.readouterr().out)
        await asyncio.sleep(0.005)
    assert "from the worker" in "".join(seen)


async def test_an_exception_in_the_worker_raises_with_its_traceback(python_worker):
    with pytest.raises(Exception, match="ZeroDivisionError"):
        await python_worker.run("1 / 0")
