"""Fixtures shared by the example tests (pytest finds this file as usual; it runs inside the page)."""
from collections.abc import AsyncIterator

import pytest

from wsbridge import connect
from wsbridge.testing import TestServer


@pytest.fixture
async def echo(ws_server: TestServer) -> AsyncIterator[object]:
    """An open `connect()` client on the runner's echo server; closed after the test (async yield fixture)."""
    async with connect(ws_server.url("/echo")) as ws:
        yield ws
