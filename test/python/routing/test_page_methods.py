"""`page.evaluate(expression, arg=None)` and `page.wait_for_timeout(ms)` with Playwright's signatures and conversions
(the cases of Playwright for Python's own evaluate tests), written as in its async API (awaited in `async def`) and
as in its sync API (plain calls in plain functions)."""
from __future__ import annotations

import asyncio
import datetime
import math
import time
from urllib.parse import urlparse

import pytest

import wsbridge
from wsbridge import page as wsbridge_page


async def test_evaluate_gives_a_value_or_calls_a_function_with_the_argument(page):
    assert await page.evaluate("7 * 3") == 21
    assert await page.evaluate("1 + 2") == 3
    assert await page.evaluate("a => a", [1, 2, 3]) == [1, 2, 3]
    assert await page.evaluate("function (a) { return a.x + 1 }", {"x": 1}) == 2
    assert await page.evaluate('a => a["中文字符"]', {"中文字符": 42}) == 42
    assert await page.evaluate("({ a, b }) => Object.is(a, null) && Object.is(b, 'foo')", {"a": None, "b": "foo"}) is True
    assert await page.evaluate("x => ({a: x})", None) == {"a": None}
    assert await page.evaluate("a => a", {"foo": "bar!"}) == {"foo": "bar!"}


async def test_evaluate_awaits_a_promise_and_runs_in_the_pages_global_scope(page):
    assert await page.evaluate("async (ms) => { await new Promise(r => setTimeout(r, ms)); return 'later' }", 20) == "later"
    await page.evaluate("() => { globalThis.__wsbridgeEvaluated = 5 }")
    assert await page.evaluate("__wsbridgeEvaluated + 1") == 6
    await page.evaluate("delete globalThis.__wsbridgeEvaluated")


async def test_evaluate_converts_special_numbers_both_ways(page):
    assert math.isnan(await page.evaluate("a => a", float("nan")))
    zero = await page.evaluate("a => a", -0.0)
    assert zero == 0 and math.copysign(1, zero) == -1
    assert await page.evaluate("a => a", float("inf")) == math.inf
    assert await page.evaluate("a => a", float("-inf")) == -math.inf
    both = {"infinity": math.inf, "nInfinity": -math.inf}
    assert await page.evaluate("a => a", both) == both
    assert await page.evaluate("() => [Object.is(-0, -0), 10n ** 20n]") == [True, 10**20]


async def test_evaluate_gives_none_for_undefined_null_and_symbols(page):
    assert await page.evaluate("a => a", None) is None
    assert await page.evaluate("undefined") is None
    assert await page.evaluate('[Symbol("foo4")]') == [None]
    assert await page.evaluate("() => { const a = {}; a[Symbol('foo4')] = 42; return a }") == {}
    assert await page.evaluate("() => ({ foo: [{ a: Symbol('foo4') }] })") == {"foo": [{"a": None}]}


async def test_evaluate_keeps_cycles_names_dom_objects_and_converts_dates_urls_and_typed_arrays(page):
    a = await page.evaluate("() => { const a = {x: 47}; const b = {a}; a.b = b; return a }")
    assert a["b"]["a"] is a and a["b"]["a"]["x"] == 47
    assert await page.evaluate("[window, document, document.body]") == ["ref: <Window>", "ref: <Document>", "ref: <Node>"]
    utc = datetime.timezone.utc
    assert await page.evaluate('() => ({ date: new Date("2020-05-27T01:31:38.506Z") })') == {
        "date": datetime.datetime(2020, 5, 27, 1, 31, 38, 506000, tzinfo=utc)
    }
    date = datetime.datetime(2020, 5, 27, 1, 31, 38, 506000, tzinfo=utc)
    assert await page.evaluate("d => d", date) == date
    assert await page.evaluate("d => d.toISOString()", date) == "2020-05-27T01:31:38.506Z"
    assert await page.evaluate("() => new URL('https://example.com/a?b=1')") == urlparse("https://example.com/a?b=1")
    assert await page.evaluate("() => new Uint8Array([1, 2, 255])") == [1, 2, 255]
    assert await page.evaluate("() => new Float64Array([0.5, -2])") == [0.5, -2.0]


async def test_evaluate_returns_an_error_as_wsbridge_error_and_raises_what_it_throws(page):
    error = await page.evaluate('new Error("error message")')
    assert isinstance(error, wsbridge.Error)
    assert (error.message, error.name) == ("error message", "Error")
    assert error.stack.startswith("Error: error message")
    with pytest.raises(wsbridge.Error) as thrown:
        await page.evaluate("not_existing_object.property")
    assert thrown.value.message.startswith("Page.evaluate: ReferenceError: not_existing_object is not defined")
    with pytest.raises(wsbridge.Error, match="qwerty"):
        await page.evaluate('() => { throw "qwerty" }')
    with pytest.raises(wsbridge.Error, match="100500"):
        await page.evaluate("async () => { throw 100500 }")
    with pytest.raises(TypeError, match="^expression must be a str, not int$"):
        page.evaluate(42)


def test_evaluate_in_a_plain_function_gives_the_value_waiting_for_a_promise():
    assert wsbridge_page.evaluate("7 * 3") == 21
    assert wsbridge_page.evaluate("() => new Promise(r => setTimeout(() => r('settled'), 20))") == "settled"
    with pytest.raises(wsbridge.Error, match="^Page.evaluate: boom$"):
        wsbridge_page.evaluate("() => Promise.reject('boom')")


async def test_wait_for_timeout_awaited_lets_the_page_run_meanwhile(page):
    loop = asyncio.get_running_loop()
    ran: list[str] = []
    loop.call_later(0.01, ran.append, "timer")
    started = loop.time()
    assert await page.wait_for_timeout(60) is None
    assert loop.time() - started >= 0.055
    assert ran == ["timer"]


def test_wait_for_timeout_in_a_plain_function_blocks_while_the_page_runs():
    loop = asyncio.get_event_loop()
    ran: list[str] = []
    loop.call_later(0.01, ran.append, "timer")
    started = time.monotonic()
    assert wsbridge_page.wait_for_timeout(60) is None
    assert time.monotonic() - started >= 0.055
    assert ran == ["timer"]
    with pytest.raises(TypeError, match="^timeout must be a number of milliseconds, not str$"):
        wsbridge_page.wait_for_timeout("60")


def test_evaluate_and_wait_for_timeout_are_the_pages_only():
    """As in Playwright, a browser context has neither."""
    assert not hasattr(wsbridge.context, "evaluate") and not hasattr(wsbridge.context, "wait_for_timeout")
