"""Fixtures shared by the whole Python suite (the routing tests use none of them)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from wsbridge import _lifecycle
from wsbridge.testing import TestServer

from support import Probe, ServerLog

# Every error text wsbridge reports (to the page console, and to the pytest plugin, which fails the test unless it
# is marked allow_handler_errors). Registered once: listeners stay for the page's life.
_reported: list[str] = []
_lifecycle.on_error(_reported.append)


@pytest.fixture
def reported_errors() -> Iterator[list[str]]:
    """The error texts wsbridge reports during this test (what it prints with console.error), in order."""
    _reported.clear()
    yield _reported
    _reported.clear()


@pytest.fixture
def server_log(ws_server: TestServer) -> ServerLog:
    """A fresh key of the test server's log: `server_log.url("/echo")`, then `await server_log.received()`."""
    return ServerLog(ws_server, uuid.uuid4().hex)


@pytest.fixture
def probe(ws_server: TestServer) -> Iterator[Probe]:
    """`await probe(path, sends, n, close, protocols)`: a plain page socket to `path`; returns what the page saw.
    Sockets it left open are closed after the test."""
    p = Probe(ws_server)
    yield p
    p.close_all()
