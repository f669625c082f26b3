"""What a Python route may pass to close(), on_message and on_close: a bad value raises at the call with the rule in
the message, and the route and its socket stay as they were (they still work afterwards).

The page end is wsbridge's client (`connect`); each case gets a fresh routed socket. The JS face's rules are
checked in test/browser/route-validation.test.ts."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest

from wsbridge import ConnectionClosed, WebSocketRoute, connect, route_web_socket

from support import TIMEOUT, wait_for

PAGE_SIDE_CLOSE = "WebSocketRoute.close() on the page side: "
SERVER_SIDE_CLOSE = "WebSocketRoute.close() on the server side: "
SERVER_MAY_SEND = "the close code must be 1000-1003, 1007-1014 or 3000-4999 (a code a server may send to the page), got "
PAGE_MAY_SEND = "the close code must be 1000 or 3000-4999 (a code a page may send to the server), got "

Attempt = Callable[[WebSocketRoute, WebSocketRoute], Any]


async def routed_pair(ws_server, connect_to_server: bool):
    """Routes a fresh URL; returns the page end (an open client), the route and its server side (or None)."""
    routes: asyncio.Queue[tuple[WebSocketRoute, WebSocketRoute | None]] = asyncio.Queue()

    def handler(route: WebSocketRoute):
        routes.put_nowait((route, route.connect_to_server() if connect_to_server else None))

    route_web_socket("**/validate", handler, times=1)
    page = await connect(ws_server.url("/validate"))
    route, server = await asyncio.wait_for(routes.get(), TIMEOUT)
    return page, route, server


async def assert_still_works(page, route: WebSocketRoute) -> None:
    """The route still sends to the page and closes it with 4000 "done"."""
    route.send("still here")
    assert await page.recv(timeout=TIMEOUT) == "still here"
    route.close(4000, "done")
    with pytest.raises(ConnectionClosed):
        await page.recv(timeout=TIMEOUT)
    assert (page.close_code, page.close_reason) == (4000, "done")


@pytest.mark.parametrize(
    ("attempt", "error", "message"),
    [
        (lambda route: route.close("a", "x" * 200), TypeError, "the close code must be an int, not str"),
        (lambda route: route.close(999), ValueError, SERVER_MAY_SEND + "999"),
        (lambda route: route.close(True), TypeError, "the close code must be an int, not bool"),
        (lambda route: route.close(4000, "x" * 124), ValueError, "the close reason must be at most 123 UTF-8 bytes, got 124"),
        (
            lambda route: route.close(4000, "lone \ud800"),
            ValueError,
            "the close reason must not contain lone surrogates (it is sent as UTF-8)",
        ),
        (lambda route: route.close(4000, b"bytes"), TypeError, "the close reason must be a str, not bytes"),
    ],
    ids=["code-str", "code-999", "code-bool", "reason-124-bytes", "reason-lone-surrogate", "reason-bytes"],
)
async def test_page_side_close_with_a_bad_value_raises_and_closes_nothing(ws_server, attempt, error, message):
    page, route, _ = await routed_pair(ws_server, connect_to_server=False)
    with pytest.raises(error, match="^" + re.escape(PAGE_SIDE_CLOSE + message) + "$") as caught:
        attempt(route)
    assert type(caught.value) is error
    await assert_still_works(page, route)


@pytest.mark.parametrize(
    ("code", "reason"),
    [(999, ""), (1011, "server codes are the page's")],
)
async def test_server_side_close_with_a_code_a_page_may_not_send_raises_and_the_server_stays_open(ws_server, code, reason):
    page, route, server = await routed_pair(ws_server, connect_to_server=True)
    with pytest.raises(ValueError, match="^" + re.escape(SERVER_SIDE_CLOSE + PAGE_MAY_SEND + str(code)) + "$") as caught:
        server.close(code, reason)
    assert type(caught.value) is ValueError
    # The echo server answers, and the answer is forwarded to the page: the server connection is still open.
    server.send("server still open")
    assert await page.recv(timeout=TIMEOUT) == "server still open"
    await assert_still_works(page, route)


@pytest.mark.parametrize(
    ("attempt", "message"),
    [
        (lambda route, server: route.on_message(5), "WebSocketRoute.on_message() takes a callable, not int"),
        (lambda route, server: route.on_close("nope"), "WebSocketRoute.on_close() takes a callable, not str"),
        (lambda route, server: server.on_message(None), "WebSocketRoute.on_message() takes a callable, not NoneType"),
    ],
    ids=["on_message-int", "on_close-str", "server-on_message-None"],
)
async def test_handlers_must_be_callable_and_a_bad_one_keeps_the_one_already_set(ws_server, attempt: Attempt, message):
    page, route, server = await routed_pair(ws_server, connect_to_server=True)
    heard: list[str] = []
    route.on_message(heard.append)
    server.on_message(lambda m: route.send("from server: " + m))
    with pytest.raises(TypeError, match="^" + re.escape(message) + "$"):
        attempt(route, server)
    # Both handlers set before still run: the page's frame reaches the route, the server's reaches the page.
    await page.send("hi")
    server.send("ping")
    assert await page.recv(timeout=TIMEOUT) == "from server: ping"
    assert await wait_for(lambda: heard == ["hi"])
    await assert_still_works(page, route)
