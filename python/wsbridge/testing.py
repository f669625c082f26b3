"""Helpers for tests run by `npx wsbridge test` (pytest inside the page).

    server_url(path="/echo") -> str
        The URL of the real `ws` server the runner starts for the run, with `path` appended. The pytest fixture
        `ws_server` gives the same as `ws_server.url(path)`. Paths: `/echo`, `/close?code=N&reason=R[&now=1]`,
        `/burst?n=N[&binary=1][&close=C[&reason=R]]` (with `close`: closes right after the last frame instead of
        echoing), `/die?after=N`, `/reject[?status=S]` (HTTP S, 400-599), `/hang` (never answers the handshake),
        `/mixed?n=N`, `/received?log=KEY`.
        What the server received: add `log=KEY` to any path's query (`/echo?log=KEY`) and the server keeps that
        connection's frames and close under KEY; a connection to `/received?log=KEY` then gets one text frame, the
        JSON array of those connections in the order they opened, `{"path": "/echo?log=KEY", "frames": [...],
        "closed": {"code": 1000, "reason": ""} or null while open}` (text frames as str, binary ones as
        `{"base64": "..."}`), and is closed with 1000. Use a fresh KEY per test (uuid4); the last 1,000 keys are kept.
        The bare base URL is also in `os.environ["WSBRIDGE_TEST_SERVER"]`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["TestServer", "server_url"]

ENV_VAR = "WSBRIDGE_TEST_SERVER"


@dataclass(frozen=True)
class TestServer:
    """The runner's real WebSocket server (Node's `ws`), reachable from the page."""

    __test__ = False  # not a test class, whatever pytest's python_classes says

    base: str

    @classmethod
    def from_environment(cls) -> TestServer:
        """The server the runner announced in `WSBRIDGE_TEST_SERVER`."""
        base = os.environ.get(ENV_VAR)
        if not base:
            raise RuntimeError(f"{ENV_VAR} is not set: the test server exists in tests run by `npx wsbridge test`")
        return cls(base.rstrip("/"))

    def url(self, path: str = "/echo") -> str:
        """`ws://127.0.0.1:PORT` + `path` (a leading `/` is added when missing)."""
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        if path and not path.startswith("/"):
            path = "/" + path
        return self.base + path


def server_url(path: str = "/echo") -> str:
    """`ws://127.0.0.1:PORT` + `path`: the runner's test server (see the module docstring for the paths)."""
    return TestServer.from_environment().url(path)
