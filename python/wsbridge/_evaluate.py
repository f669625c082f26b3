"""`page.evaluate`'s values, both ways, in the serialized form of Playwright's protocol (JSON text), so that an
argument reaches the page and a result comes back converted as Playwright for Python converts them.

Argument → page: None is null; float NaN, ±inf and -0.0 stay themselves; `datetime` is a Date (as UTC);
`urllib.parse.ParseResult` a URL; an exception an Error; bool, int, float, str as they are; dicts objects, other
sequences (lists, tuples, bytes) arrays, shared or cyclic ones shared in JS too; anything else is undefined.
Result → Python: undefined and null are None; NaN, ±Infinity, -0 floats; a Date an aware UTC `datetime`; a URL a
`ParseResult`; a BigInt an int; an Error a `wsbridge.Error` with its `message`, `name` and `stack`; arrays lists,
objects dicts (cycles kept); a typed array the list of its numbers; Window, Document and DOM nodes the strings
"ref: <Window>", "ref: <Document>", "ref: <Node>". The engine (src/pyodide/evaluate-bridge.ts) writes and reads
the page's side.
"""
from __future__ import annotations

import base64
import datetime
import json
import math
import struct
import traceback
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import ParseResult, urlparse, urlunparse

from .errors import Error

__all__ = ["argument", "outcome"]

_DATE: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
#: A typed array's kind → its struct item format (little-endian: the engine sends the array's bytes as they are).
_TYPED: Final = {
    "i8": "b", "ui8": "B", "ui8c": "B", "i16": "h", "ui16": "H", "i32": "i", "ui32": "I",
    "f32": "f", "f64": "d", "bi64": "q", "bui64": "Q",
}


def _serialize(value: Any, seen: dict[int, int]) -> Any:
    if value is None:
        return {"v": "null"}
    if isinstance(value, float):
        if math.isnan(value):
            return {"v": "NaN"}
        if math.isinf(value):
            return {"v": "Infinity" if value > 0 else "-Infinity"}
        if value == 0 and math.copysign(1.0, value) < 0:
            return {"v": "-0"}
    if isinstance(value, datetime.datetime):
        return {"d": value.astimezone(datetime.timezone.utc).strftime(_DATE)}
    if isinstance(value, BaseException):
        if isinstance(value, Error):
            return {"e": {"m": value.message, "n": value.name or "", "s": value.stack or ""}}
        return {"e": {"m": str(value), "n": type(value).__name__, "s": "".join(traceback.format_exception(value))}}
    if isinstance(value, bool):
        return {"b": value}
    if isinstance(value, (int, float)):
        return {"n": value}
    if isinstance(value, str):
        return {"s": value}
    if isinstance(value, ParseResult):
        return {"u": urlunparse(value)}
    if id(value) in seen:
        return {"ref": seen[id(value)]}
    if isinstance(value, dict):
        own = seen[id(value)] = len(seen) + 1
        return {"o": [{"k": str(k), "v": _serialize(v, seen)} for k, v in value.items()], "id": own}
    if isinstance(value, Sequence):
        own = seen[id(value)] = len(seen) + 1
        return {"a": [_serialize(item, seen) for item in value], "id": own}
    return {"v": "undefined"}


def argument(value: Any) -> str:
    """`value` as the engine's `pageEvaluate` takes it."""
    # `seen` keys are id()s of objects `value` holds, so they stay alive (and their ids unique) meanwhile.
    return json.dumps(_serialize(value, {}), allow_nan=False)


def _parse(value: Any, refs: dict[int, Any]) -> Any:
    if not isinstance(value, dict):
        return value  # JSON's own: str, int, float, bool (and None, which the engine never sends bare)
    if "ref" in value:
        return refs[value["ref"]]
    if "v" in value:
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}.get(value["v"])
    if "d" in value:
        return datetime.datetime.strptime(value["d"], _DATE).replace(tzinfo=datetime.timezone.utc)
    if "u" in value:
        return urlparse(value["u"])
    if "bi" in value:
        return int(value["bi"])
    if "e" in value:
        return Error(value["e"]["m"], name=value["e"]["n"], stack=value["e"]["s"])
    if "a" in value:
        items: list[Any] = []
        refs[value["id"]] = items
        items.extend(_parse(item, refs) for item in value["a"])
        return items
    if "o" in value:
        entries: dict[str, Any] = {}
        refs[value["id"]] = entries
        for entry in value["o"]:
            entries[entry["k"]] = _parse(entry["v"], refs)
        return entries
    if "ta" in value:
        data = base64.b64decode(value["ta"]["b"])
        item = _TYPED[value["ta"]["k"]]
        return list(struct.unpack(f"<{len(data) // struct.calcsize(item)}{item}", data))
    return value  # what Playwright for Python leaves as it came: a RegExp ({"r"}), an ArrayBuffer ({"ab"})


def outcome(text: str) -> Any:
    """The Python value of what `pageEvaluate` gave; what the expression threw is raised as `Error`, its text after
    "Page.evaluate: ", as Playwright words it."""
    data = json.loads(text)
    if "error" in data:
        raise Error(f"Page.evaluate: {data['error']}")
    return _parse(data["value"], {})
