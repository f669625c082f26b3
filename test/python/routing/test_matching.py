"""URL matching and route choice with Python routes: the page logs must equal Playwright's (see _conformance.py)."""
import re
from urllib.parse import parse_qs, urlparse

from wsbridge import context, page, route_web_socket, unroute_web_socket
from wsbridge.testing import server_url

from _conformance import expect_log, run_page, text


async def test_relative_url_explicit_http_relative_glob():
    route_web_socket("/rel", lambda ws: ws.send("routed " + re.sub(r":\d+", ":PORT", ws.url, count=1)))
    await expect_log("matching: relative URL, explicit http:, relative glob")


async def test_document_base_url():
    route_web_socket("**/sub/x", lambda ws: ws.send(ws.url))
    await expect_log("matching: document base URL")


async def test_glob_without_trailing_slash_matches_the_root_url():
    route_web_socket(server_url(""), lambda ws: ws.send("root " + ("true" if ws.url.endswith("/") else "false")))
    await expect_log("matching: glob without trailing slash matches the root URL")


async def test_glob_stars_braces_and_escapes():
    route_web_socket("**/chat/{one,two}*", lambda ws: ws.send("glob"))
    route_web_socket("**/lit\\*", lambda ws: ws.send("escaped"))
    await expect_log("matching: glob stars, braces and escapes")


async def test_regex_and_predicate():
    route_web_socket(re.compile(r"/re(gex)?$"), lambda ws: ws.send("regex"))
    route_web_socket(lambda url: parse_qs(urlparse(url).query).get("p") == ["1"], lambda ws: ws.send("predicate"))
    await expect_log("matching: RegExp and predicate")


async def test_last_registered_wins_page_before_context():
    page.route_web_socket("**/multi", lambda ws: ws.send("first page route"))
    page.route_web_socket("**/multi", lambda ws: ws.send("second page route"))
    context.route_web_socket("**/multi", lambda ws: ws.send("context route"))
    context.route_web_socket("**/ctx", lambda ws: ws.send("context only"))
    await expect_log("matching: last registered wins; page before context")


async def test_no_match_passes_through():
    route_web_socket("**/nomatch", lambda ws: ws.send("never"))
    await expect_log("pass-through: no route matches")


async def test_many_concurrent_routed_sockets():
    def handler(ws):
        def on_message(m):
            ws.send(ws.url.split("/")[-1] + ":" + text(m))
            if text(m) == "last":
                ws.close(code=4000)
        ws.on_message(on_message)
    route_web_socket("**/many/*", handler)
    await expect_log("many concurrent routed sockets")


async def test_unroute_affects_sockets_created_afterwards():
    # wsbridge's own (Playwright has no unroute_web_socket): the literal log of the JS face's behaviour —
    # the route answers the first socket; after unroute the same URL reaches the real echo server.
    route_web_socket("**/echo", lambda ws: ws.send("routed"))
    script = """
      const a = track(new WebSocket(S + '/echo'), 'a'); await next(a, 'message');
      await globalThis.__unroute();
      const b = track(new WebSocket(S + '/echo'), 'b'); await next(b, 'open'); b.send('real'); await next(b, 'message');
      log({ aOpen: a.readyState });"""
    import js
    from pyodide.ffi import create_proxy

    def unroute() -> None:
        unroute_web_socket("**/echo")
    js.globalThis.__unroute = create_proxy(unroute)
    log = await run_page(script)
    events = [(e.get("s"), e.get("ev"), e.get("data")) for e in log if "ev" in e]
    assert events == [("a", "open", None), ("a", "message", "text:routed"), ("b", "open", None), ("b", "message", "text:real")], log
