"""Awaitable routes: `receive` / `send_json` / `async for` on a `WebSocketRoute`, Starlette's `WebSocket` names
as aliases, handshake failure (`reject`, `terminate`, `accept`) and fault injection (`faults`).

Timeouts are in milliseconds, as everywhere in Playwright's API; `None` waits as long as the socket lives (a close
always ends the wait). The engine does the work (src/route/inbox.ts, faults.ts): a timed-out or cancelled wait
takes no frame, so nothing is lost; this is its Python face.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, Literal

from ._js import call, create_proxy, engine, js, message, options, settle
from .errors import FrameTypeError, WebSocketClosed

__all__ = ["WebSocketClosed", "FrameTypeError", "AwaitableRoute", "Done"]

Message = str | bytes
Direction = Literal["to_page", "from_page", "both"]
_DIRECTIONS = {"to_page": "toPage", "from_page": "fromPage", "both": "both"}


class Done:
    """The result of an action that already happened: usable plain or awaited (Starlette's and Playwright's async shape)."""

    __slots__ = ()

    def __await__(self) -> Generator[None, None, None]:
        return None
        yield  # pragma: no cover - makes this a generator


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise ValueError(f'mode must be "text" or "binary", got {mode!r}')


class AwaitableRoute:
    """Mixed into `WebSocketRoute`: the awaitable, Starlette-style and fault-injection methods (both sides)."""

    # Starlette's sending methods are coroutines; these act at once and return `Done`, so both
    # `route.send_text(x)` and `await route.send_text(x)` work.

    _js: Any

    async def _receive(self, method: str, timeout: float | None) -> Any:
        controller = js.AbortController.new()
        receive = getattr(self._js, method)
        return message(await settle(call(receive, options(timeout=timeout, cancel=controller.signal)), controller))

    async def receive(self, timeout: float | None = None) -> Message:
        """The next frame from the other side: `str` or `bytes`; `WebSocketClosed` once it closed, `TimeoutError` after `timeout` ms."""
        # On a mocked socket still connecting, the engine opens the page first: it cannot send before.
        return await self._receive("receive", timeout)  # type: ignore[no-any-return]

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next frame, which must be text (`FrameTypeError` otherwise)."""
        return await self._receive("receiveText", timeout)  # type: ignore[no-any-return]

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next frame, which must be binary (`FrameTypeError` otherwise)."""
        return await self._receive("receiveBytes", timeout)  # type: ignore[no-any-return]

    async def receive_json(self, mode: Literal["text", "binary"] = "text", timeout: float | None = None) -> Any:
        """The next frame parsed as JSON: a text frame, or UTF-8 bytes with `mode="binary"` (Starlette's rule)."""
        _check_mode(mode)
        # Parsed by Python's json, so values keep Python's JSON types (1.0 is a float, big ints stay exact).
        return json.loads(await (self.receive_text(timeout) if mode == "text" else self.receive_bytes(timeout)))

    def __aiter__(self) -> AsyncIterator[Message]:
        """`async for message in route`: frames until the other side closes (then the loop ends cleanly)."""
        return self._iterate(self.receive)

    def iter_text(self) -> AsyncIterator[str]:
        """Text frames until the other side closes (Starlette's name)."""
        return self._iterate(self.receive_text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary frames until the other side closes (Starlette's name)."""
        return self._iterate(self.receive_bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        """JSON text frames until the other side closes (Starlette's name)."""
        return self._iterate(self.receive_json)

    @staticmethod
    async def _iterate(next_: Callable[[], Any]) -> AsyncIterator[Any]:
        while True:
            try:
                item = await next_()
            except WebSocketClosed:
                return
            yield item

    @property
    def close_code(self) -> int | None:
        """The other side's close code, once it closed."""
        code = self._js.closeCode
        return None if code is None else int(code)

    @property
    def close_reason(self) -> str | None:
        """The other side's close reason, once it closed."""
        reason = self._js.closeReason
        return None if reason is None else str(reason)

    # --- sending (Starlette's names; Python types checked here, the frame sent by `send`) ---

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> Done:
        """Sends `data` as compact JSON: a text frame, or UTF-8 bytes with `mode="binary"`."""
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        self.send(text if mode == "text" else text.encode("utf-8"))  # type: ignore[attr-defined]
        return Done()

    def send_text(self, data: str) -> Done:
        """Sends a text frame (Starlette's name); anything but `str` is a TypeError."""
        if not isinstance(data, str):
            raise TypeError(f"send_text() takes str, not {type(data).__name__}")
        self.send(data)  # type: ignore[attr-defined]
        return Done()

    def send_bytes(self, data: bytes | bytearray | memoryview) -> Done:
        """Sends a binary frame (Starlette's name); `str` is a TypeError."""
        if isinstance(data, str):
            raise TypeError("send_bytes() takes bytes-like data, not str (use send_text)")
        self.send(data)  # type: ignore[attr-defined]
        return Done()

    # --- handshake and faults (page side) ---

    def accept(self, subprotocol: str | None = None) -> Done:
        """Completes the handshake (Starlette's `accept`): the page opens with `subprotocol` as its protocol."""
        # As in the browser, a subprotocol the page did not offer, or none when it offered some, fails the handshake.
        self._accept(subprotocol)
        return Done()

    def _accept(self, subprotocol: str | None) -> bool:
        """accept(); False when the browser's subprotocol rule failed the handshake instead."""
        if subprotocol is not None and not isinstance(subprotocol, str):
            raise TypeError(f"subprotocol must be a str or None, not {type(subprotocol).__name__}")
        return bool(self._page_js("accept").accept(options(protocol=subprotocol)))

    def reject(self) -> None:
        """Fails the handshake: the page sees `error`, then `close` 1006 (not clean), never `open`."""
        call(self._page_js("reject").reject)

    def terminate(self) -> None:
        """Drops the connection: `close` 1006 (not clean) at the page, no close frame; held delayed frames are lost."""
        self._page_js("terminate").terminate()

    def faults(
        self,
        delay: float | Callable[[Message], float] | None = None,
        drop: Callable[[Message], bool] | None = None,
        direction: Direction = "both",
    ) -> None:
        """Injects faults on frames to and/or from the page: `delay` in ms (fixed, or per message) and `drop`."""
        # The engine keeps each direction's order, holds a close behind held frames and checks the values;
        # callables cross as proxies bound to the route, released with it.
        if direction not in _DIRECTIONS:
            raise ValueError(f'direction must be "to_page", "from_page" or "both", got {direction!r}')
        js_route = self._page_js("faults")

        def crossing(fn: Any, result: type) -> Any:
            if not callable(fn) or isinstance(fn, bool):
                return fn
            proxy = create_proxy(lambda frame, _direction: result(fn(message(frame))))
            engine.routeBind(js_route, proxy)
            return proxy

        call(js_route.faults, options(delay=crossing(delay, float), drop=crossing(drop, bool), direction=_DIRECTIONS[direction]))

    def _page_js(self, name: str) -> Any:
        if getattr(self, "_page_side", None) is not None:
            raise RuntimeError(f"{name}() must be called on the page-side WebSocketRoute")
        return self._js
