"""Unrouting from Python goes through the engine's one table of Python routes (src/pyodide/route-bridge.ts):
`unroute_web_socket(url, handler)` removes the routes registered with an equal glob, an equal pattern (pattern and
flags) or the very callable, and only that handler's when one is given; a handler with `_unrouted` (an ASGI app)
is told once when it is unrouted, also after `times` ran out, and never by a reset."""
from __future__ import annotations

import re

import pytest

from wsbridge import _lifecycle, context, page, route_web_socket, unroute_web_socket

from support import ROUTES_RELEASED as RELEASED
from support import Probe, settle_routes


def ignore(route: object) -> None:
    """A handler that never opens the socket (these tests only look at the table)."""


def other(route: object) -> None:
    """A second handler, to tell routes apart by handler."""


def is_echo(url: str) -> bool:
    return url.endswith("/echo")


@pytest.mark.parametrize(
    ("registered", "unrouted", "removed"),
    [
        pytest.param("**/echo", "**/" + "echo", True, id="an equal glob"),
        pytest.param("**/echo", "**/echo*", False, id="another glob"),
        pytest.param(re.compile(r"/echo$"), re.compile(r"/echo$"), True, id="an equal pattern"),
        pytest.param(re.compile(r"/echo$"), re.compile(r"/echo$", re.I), False, id="other flags"),
        pytest.param(re.compile(r"/echo$"), r"/echo$", False, id="the pattern's text as a glob"),
        pytest.param(is_echo, is_echo, True, id="the same callable"),
        pytest.param(is_echo, lambda url: url.endswith("/echo"), False, id="an equal-looking callable"),
    ],
)
async def test_unroute_web_socket_matches_urls_as_registered(registered, unrouted, removed):
    handle = route_web_socket(registered, ignore)
    unroute_web_socket(unrouted)
    assert handle.active is not removed
    handle.unroute()
    assert await settle_routes() == RELEASED  # proxies go after the current call stack


async def test_a_handler_given_removes_only_its_routes_and_only_in_its_scope():
    mine = route_web_socket("**/echo", ignore)
    theirs = route_web_socket("**/echo", other)
    in_context = context.route_web_socket("**/echo", ignore)
    page.unroute_web_socket("**/echo", ignore)
    assert [mine.active, theirs.active, in_context.active] == [False, True, True]
    unroute_web_socket("**/echo")
    context.unroute_web_socket("**/echo")
    assert [theirs.active, in_context.active] == [False, False]
    assert await settle_routes() == RELEASED  # proxies go after the current call stack


class Tracked:
    """A route handler with an `_unrouted` hook, as `wsbridge.asgi` handlers have."""

    def __init__(self) -> None:
        self.unrouted = 0

    def __call__(self, route) -> None:
        route.send("mocked")

    def _unrouted(self) -> None:
        self.unrouted += 1


async def test_unrouted_is_told_once_by_unroute_or_unroute_web_socket_and_not_by_reset():
    by_handle, by_url, by_reset = Tracked(), Tracked(), Tracked()
    handle = route_web_socket("**/a", by_handle)
    route_web_socket("**/b", by_url)
    route_web_socket("**/c", by_reset)
    handle.unroute()
    handle.unroute()
    unroute_web_socket("**/b")
    unroute_web_socket("**/b")
    _lifecycle.reset()
    assert [by_handle.unrouted, by_url.unrouted, by_reset.unrouted] == [1, 1, 0]
    assert await settle_routes() == RELEASED  # proxies go after the current call stack


async def test_unrouted_is_told_when_a_route_whose_times_ran_out_is_unrouted(probe: Probe):
    handler = Tracked()
    handle = route_web_socket("**/once", handler, times=1)
    assert (await probe("/once", n=1, close=(1000, "")))[1] == "mocked"
    assert not handle.active  # used up: no longer routing, but still to be unrouted
    assert handler.unrouted == 0
    handle.unroute()
    assert handler.unrouted == 1
    assert await settle_routes() == RELEASED


async def test_a_bad_url_or_times_registers_nothing_and_holds_no_proxy():
    with pytest.raises(TypeError, match="url must be a glob str, an re.Pattern or a callable, not int"):
        route_web_socket(3, Tracked())  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError)):
        route_web_socket(re.compile("x"), Tracked(), times=-1)
    assert await settle_routes() == RELEASED  # proxies go after the current call stack
