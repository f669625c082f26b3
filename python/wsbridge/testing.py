"""Helpers for tests run by `npx wsbridge test`, and the runner's in-page half.

Public:
    server_url(path="/echo") -> str
        The URL of the real `ws` server the runner starts for the run, with `path`
        appended (`/echo`, `/close?code=4000`, `/burst?n=10`, `/die?after=3`, `/reject`).
        The bare base URL is also in `os.environ["WSBRIDGE_TEST_SERVER"]`.

Everything starting with `_` is the runner's protocol with the page and may change.
"""
from __future__ import annotations

import ast
import asyncio
import importlib
import importlib.util
import inspect
import json
import os
import sys
import time
import traceback
import types
from typing import Any

__all__ = ["server_url"]

ENV_VAR = "WSBRIDGE_TEST_SERVER"


def server_url(path: str = "/echo") -> str:
    """`ws://127.0.0.1:PORT` + `path`: the runner's test server (see the module docstring for the paths)."""
    base = os.environ.get(ENV_VAR)
    if not base:
        raise RuntimeError(f"{ENV_VAR} is not set: server_url() works in tests run by `npx wsbridge test`")
    if path and not path.startswith("/"):
        path = "/" + path
    return base.rstrip("/") + path


# ---------------------------------------------------------------- runner protocol

#: Folders the runner copied test files into; modules loaded from them are dropped between tests.
_roots: list[str] = []
_HERE = os.path.abspath(__file__)
_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__))


def _setup(payload: str) -> None:
    """Writes the test files into the page's file system and prepares `sys.path`, the environment and the cwd.

    `payload` is JSON: {"files": {abs_path: source}, "roots": [dir], "path_entry": dir, "cwd": dir, "env": {k: v}}.
    """
    data = json.loads(payload)
    for path, source in data["files"].items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(source)
    for root in data["roots"]:
        if root not in _roots:
            _roots.append(root)
    entry = data["path_entry"]
    if entry in sys.path:
        sys.path.remove(entry)
    sys.path.insert(0, entry)
    os.environ.update(data["env"])
    os.makedirs(data["cwd"], exist_ok=True)
    os.chdir(data["cwd"])
    sys.dont_write_bytecode = True
    importlib.invalidate_caches()


def _under_roots(path: str | None) -> bool:
    if not path:
        return False
    path = os.path.abspath(path)
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in _roots)


def _forget_test_modules() -> None:
    """Drops every module loaded from the test folders, so the next test imports them afresh."""
    for name, module in list(sys.modules.items()):
        if _under_roots(getattr(module, "__file__", None)):
            del sys.modules[name]
    importlib.invalidate_caches()


_OPS: dict[type, str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
_EXPLAIN = "__wsbridge_explain__"
_MAX_REPR = 2000


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR // 2] + " ... " + text[-_MAX_REPR // 2 :]


def _explain(op: str, *values: Any) -> str:
    """The message of a failed bare `assert`: the values the assertion saw, like pytest shows them."""
    if op == "bool":
        return f"assert {_short(values[0])}"
    return f"assert {_short(values[0])} {op} {_short(values[1])}"


class _AssertRewriter(ast.NodeTransformer):
    """Rewrites `assert a OP b` and `assert x` without a message so a failure shows the values (pytest-style)."""

    count = 0

    def _temp(self) -> str:
        self.count += 1
        return f"__wsbridge_v{self.count}__"

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        if node.msg is not None:
            return node
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _OPS:
            left, right = self._temp(), self._temp()
            check: ast.expr = ast.Compare(
                left=ast.NamedExpr(target=ast.Name(left, ast.Store()), value=test.left),
                ops=test.ops,
                comparators=[ast.NamedExpr(target=ast.Name(right, ast.Store()), value=test.comparators[0])],
            )
            args = [ast.Constant(_OPS[type(test.ops[0])]), ast.Name(left, ast.Load()), ast.Name(right, ast.Load())]
        else:
            value = self._temp()
            check = ast.NamedExpr(target=ast.Name(value, ast.Store()), value=test)
            args = [ast.Constant("bool"), ast.Name(value, ast.Load())]
        message = ast.Call(func=ast.Name(_EXPLAIN, ast.Load()), args=args, keywords=[])
        new = ast.Assert(test=check, msg=message)
        return ast.copy_location(new, node)


def _load(path: str) -> types.ModuleType:
    """Executes the test file as a fresh module named after it (module globals never carry over).

    Bare `assert` statements are rewritten so that failures show the compared values.
    """
    _forget_test_modules()
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    tree = ast.fix_missing_locations(_AssertRewriter().visit(ast.parse(source, path)))
    code = compile(tree, path, "exec", dont_inherit=True)
    module.__dict__[_EXPLAIN] = _explain
    sys.modules[name] = module
    exec(code, module.__dict__)
    return module


class _LineEnd:
    """Wraps sys.stdout/stderr during a test to know whether its output ends mid-line."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.partial = False

    def write(self, text: str) -> int:
        if text:
            self.partial = not text.endswith("\n")
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _is_test(name: str, obj: Any) -> bool:
    return name.startswith("test_") and (inspect.isfunction(obj) or inspect.iscoroutinefunction(obj))


def _internal(filename: str) -> bool:
    return (
        os.path.abspath(filename) == _HERE
        or filename.startswith(_ASYNCIO_DIR + os.sep)
        or filename.startswith("<frozen importlib")
    )


def _format(exc: BaseException) -> str:
    """The traceback without the runner's and asyncio's own frames."""
    te = traceback.TracebackException.from_exception(exc)
    for part in _chain(te):
        part.stack = traceback.StackSummary.from_list([f for f in part.stack if not _internal(f.filename)])
    return "".join(te.format())


def _chain(te: traceback.TracebackException) -> list[traceback.TracebackException]:
    seen: list[traceback.TracebackException] = []
    todo = [te]
    while todo:
        item = todo.pop()
        if any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend(x for x in (item.__cause__, item.__context__) if x is not None)
        todo.extend(getattr(item, "exceptions", None) or [])
    return seen


def _reset() -> str | None:
    """Runs `wsbridge._lifecycle.reset()`; returns the formatted error if a hook failed."""
    from . import _lifecycle

    try:
        _lifecycle.reset()
    except BaseException as exc:  # noqa: BLE001 - report, never stop the run
        return "error while resetting wsbridge after the test:\n" + _format(exc)
    return None


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass


def _end_lines(streams: tuple[Any, Any]) -> None:
    """Restores sys.stdout/stderr and ends a half-written line, so the page's console shows it now."""
    for wrapper, original in zip((sys.stdout, sys.stderr), streams):
        if isinstance(wrapper, _LineEnd) and wrapper.partial:
            original.write("\n")
    sys.stdout, sys.stderr = streams
    _flush()


def _collect(path: str) -> dict[str, Any]:
    """Loads the file once and lists its `test_*` functions in definition order."""
    try:
        module = _load(path)
        names = [name for name, obj in vars(module).items() if _is_test(name, obj)]
        return {"ok": True, "names": names}
    except BaseException as exc:  # noqa: BLE001 - a broken file is a failure, not a crash
        return {"ok": False, "error": _format(exc)}
    finally:
        _flush()
        _reset()
        _forget_test_modules()


def _missing_params(fn: Any) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in sig.parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


async def _run(path: str, name: str, timeout_ms: int) -> dict[str, Any]:
    """Runs one test in a fresh module; returns {"passed", "error", "ms"}. Always resets wsbridge afterwards."""
    tasks_before = asyncio.all_tasks()
    streams = (sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = _LineEnd(sys.stdout), _LineEnd(sys.stderr)
    start = time.perf_counter()
    error: str | None = None
    try:
        module = _load(path)
        fn = getattr(module, name, None)
        if fn is None:
            raise LookupError(f"{name} not found in {path}")
        missing = _missing_params(fn)
        if missing:
            raise TypeError(f"{name}() needs {', '.join(missing)}: wsbridge test calls tests without arguments (no fixtures)")
        result = fn()
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            remaining = max(0.0, timeout_ms / 1000 - (time.perf_counter() - start))
            done, _ = await asyncio.wait({task}, timeout=remaining)
            if not done:
                task.cancel()
                await asyncio.wait({task}, timeout=1)
                error = f"Timeout: {name} did not finish within {timeout_ms} ms (still awaiting; the test was cancelled)\n"
            else:
                task.result()
        elapsed = (time.perf_counter() - start) * 1000
        if error is None and elapsed > timeout_ms:
            error = f"Timeout: {name} took {elapsed:.0f} ms, more than the {timeout_ms} ms allowed\n"
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt fail the test too
        error = _format(exc)
    ms = (time.perf_counter() - start) * 1000
    _end_lines(streams)
    reset_error = _reset()
    if reset_error and error is None:
        error = reset_error
    # Tasks the test started and left running would leak into the next test.
    leftovers = [t for t in asyncio.all_tasks() if t not in tasks_before and t is not asyncio.current_task() and not t.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        await asyncio.wait(leftovers, timeout=1)
    _forget_test_modules()
    return {"passed": error is None, "error": error, "ms": ms}
