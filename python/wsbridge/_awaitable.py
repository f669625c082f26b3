"""Awaitable routes: `receive` / `send_json` / `async for` on a `WebSocketRoute`, Starlette's `WebSocket` names
as aliases, handshake failure (`reject`, `terminate`, `accept`) and fault injection (`faults`).

Timeouts are in milliseconds, as everywhere in Playwright's API; `None` waits as long as the socket lives
(a close always ends the wait). The engine side is JS (src/route/inbox.ts, faults.ts): a timed-out wait
takes no frame, so nothing is lost.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Literal

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsException, create_proxy, to_js  # type: ignore[import-not-found]

if TYPE_CHECKING:
    from . import _wsbridge_js  # the contract: _wsbridge_js.pyi (the JS module is top-level in Pyodide)
else:
    import _wsbridge_js

__all__ = ["WebSocketClosed", "FrameTypeError", "AwaitableRoute"]

Message = str | bytes
Direction = Literal["to_page", "from_page", "both"]
_DIRECTIONS = {"to_page": "toPage", "from_page": "fromPage", "both": "both"}


class WebSocketClosed(Exception):
    """The side a route was receiving from closed; `code` and `reason` are its close's (None when not given).

    Starlette's `WebSocketDisconnect` has the same two attributes (`wsbridge.asgi.WebSocketDisconnect` is this class).
    """

    def __init__(self, code: int | None = None, reason: str | None = None) -> None:
        self.code: int | None = code
        self.reason: str | None = reason
        super().__init__(f"WebSocket closed with code {'(none)' if code is None else code}" + (f": {reason}" if reason else ""))


class FrameTypeError(TypeError):
    """`receive_text` got a binary frame, or `receive_bytes` a text frame; the (consumed) frame is `frame`."""

    def __init__(self, expected: Literal["text", "binary"], frame: Message) -> None:
        self.expected = expected
        self.frame: Message = frame
        got = f"a text frame ({len(frame)} characters)" if isinstance(frame, str) else f"a binary frame ({len(frame)} bytes)"
        super().__init__(f"expected a {expected} frame, got {got}")


class Done:
    """The result of an action that already happened: usable plain or awaited (Starlette's methods are coroutines)."""

    __slots__ = ()

    def __await__(self):  # type: ignore[no-untyped-def]
        return None
        yield  # pragma: no cover - makes this a generator


def _options(**values: Any) -> Any:
    """A plain JS object of the given values (None values left out)."""
    return to_js({k: v for k, v in values.items() if v is not None}, dict_converter=js.Object.fromEntries)


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"timeout must be a number of milliseconds >= 0 or None, got {timeout!r}")
    return float(timeout)


def _translate(error: JsException) -> BaseException:
    """The Python exception for a JS rejection of the awaitable route API."""
    name = str(getattr(error, "name", "") or "")
    message = str(getattr(error, "message", "") or error)
    if name == "WebSocketClosed":
        code = getattr(error, "code", None)
        reason = getattr(error, "reason", None)
        return WebSocketClosed(None if code is None else int(code), None if reason is None else str(reason))
    if name == "TimeoutError":
        return TimeoutError(message)
    return error


def _message(value: Any) -> Message:
    return value if isinstance(value, str) else bytes(value.to_bytes())


def _json_text(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class AwaitableRoute:
    """Mixed into `WebSocketRoute`: the awaitable, Starlette-style and fault-injection methods (both sides).

    Starlette's sending methods are coroutines; these act at once and return an awaitable, so both
    `route.send_text(x)` and `await route.send_text(x)` work.
    """

    _js: Any

    # --- receiving ---

    async def receive(self, timeout: float | None = None) -> Message:
        """The next frame from the other side (the page; the server on the server side): `str` or `bytes`.

        Raises `WebSocketClosed(code, reason)` once that side closed (after its queued frames), `TimeoutError`
        after `timeout` ms. On a mocked socket still connecting, the page opens first (it cannot send before).
        """
        controller = js.AbortController.new()
        options = _options(timeout=_check_timeout(timeout), cancel=controller.signal)
        try:
            value = await self._js.receive(options)
        except JsException as error:
            raise _translate(error) from None
        except asyncio.CancelledError:
            # Cancelled (asyncio.wait_for, task.cancel): the JS wait ends, and a frame it took goes back.
            controller.abort()
            raise
        return _message(value)

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next frame, which must be text (`FrameTypeError` otherwise)."""
        message = await self.receive(timeout)
        if not isinstance(message, str):
            raise FrameTypeError("text", message)
        return message

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next frame, which must be binary (`FrameTypeError` otherwise)."""
        message = await self.receive(timeout)
        if isinstance(message, str):
            raise FrameTypeError("binary", message)
        return message

    async def receive_json(self, mode: Literal["text", "binary"] = "text", timeout: float | None = None) -> Any:
        """The next frame parsed as JSON: a text frame, or UTF-8 bytes with `mode="binary"` (Starlette's rule)."""
        if mode not in ("text", "binary"):
            raise ValueError(f'mode must be "text" or "binary", got {mode!r}')
        if mode == "text":
            return json.loads(await self.receive_text(timeout))
        return json.loads((await self.receive_bytes(timeout)).decode("utf-8"))

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

    # --- sending (Starlette's names) ---

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> Done:
        """Sends `data` as compact JSON: a text frame, or UTF-8 bytes with `mode="binary"`."""
        if mode not in ("text", "binary"):
            raise ValueError(f'mode must be "text" or "binary", got {mode!r}')
        text = _json_text(data)
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
        """Completes the handshake (Starlette's `accept`): the page opens with `subprotocol` as its protocol.

        As in the browser, a subprotocol the page did not offer, or none when it offered some, fails the handshake.
        """
        self._accept(subprotocol)
        return Done()

    def _accept(self, subprotocol: str | None) -> bool:
        """accept(); False when the browser's subprotocol rule failed the handshake instead."""
        if subprotocol is not None and not isinstance(subprotocol, str):
            raise TypeError(f"subprotocol must be a str or None, not {type(subprotocol).__name__}")
        return bool(self._page_js("accept").accept(_options(protocol=subprotocol)))

    def reject(self) -> None:
        """Fails the handshake: the page sees `error`, then `close` 1006 (not clean), never `open`."""
        try:
            self._page_js("reject").reject()
        except JsException as error:
            raise RuntimeError(str(getattr(error, "message", error))) from None

    def terminate(self) -> None:
        """Drops the connection: `close` 1006 (not clean) at the page, no close frame; held delayed frames are lost."""
        self._page_js("terminate").terminate()

    def faults(
        self,
        delay: float | Callable[[Message], float] | None = None,
        drop: Callable[[Message], bool] | None = None,
        direction: Direction = "both",
    ) -> None:
        """Injects faults on frames to and/or from the page: `delay` in ms (fixed, or per message) and `drop`.

        Frames of one direction keep their order; a close waits behind held frames. Replaces earlier settings.
        """
        if direction not in _DIRECTIONS:
            raise ValueError(f'direction must be "to_page", "from_page" or "both", got {direction!r}')
        js_route = self._page_js("faults")
        js_delay: Any = None
        if callable(delay):
            fn = delay
            js_delay = create_proxy(lambda message, _direction: float(fn(_message(message))))
            _wsbridge_js.routeBind(js_route, js_delay)
        elif delay is not None:
            if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
                raise ValueError(f"delay must be ms >= 0 or a callable, got {delay!r}")
            js_delay = float(delay)
        js_drop: Any = None
        if drop is not None:
            if not callable(drop):
                raise TypeError(f"drop must be callable, not {type(drop).__name__}")
            predicate = drop
            js_drop = create_proxy(lambda message, _direction: bool(predicate(_message(message))))
            _wsbridge_js.routeBind(js_route, js_drop)
        js_route.faults(_options(delay=js_delay, drop=js_drop, direction=_DIRECTIONS[direction]))

    def _page_js(self, name: str) -> Any:
        if getattr(self, "_page_side", None) is not None:
            raise RuntimeError(f"{name}() must be called on the page-side WebSocketRoute")
        return self._js
