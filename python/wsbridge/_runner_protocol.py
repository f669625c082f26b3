"""The runner's protocol, Python's side: the messages between Node (src/cli/runner.ts) and the pages' pytest
(`_pytest_session`), one typed list per direction. It mirrors src/cli/protocol.ts; test/unit/runner-protocol.test.ts
fails when the two disagree (a kind or a field on one side only)."""
from __future__ import annotations

from typing import Any, Literal, TypedDict

# ------------------------------------------------------------------------------------------ page -> Node


class OptionsMessage(TypedDict):
    args: list[str]
    cache: bool


class PlannedFile(TypedDict):
    file: str
    ids: list[str]
    whole: bool


class StartMessage(TypedDict):
    nodeid: str
    location: list[Any]
    timeout: float


class ReportMessage(TypedDict):
    nodeid: str
    data: dict[str, Any]


class FinishMessage(TypedDict):
    nodeid: str
    location: list[Any]


class WarningMessage(TypedDict):
    nodeid: str
    category: str
    message: str
    filename: str
    lineno: int


class ExitMessage(TypedDict):
    msg: str
    returncode: int


class CollectErrorMessage(TypedDict):
    nodeid: str
    text: str


class CoverageMessage(TypedDict):
    files: dict[str, str]


#: Page -> Node, `[kind, json]` pairs in `__wsbridgeEmit` batches: each kind and the type of its data.
PAGE_MESSAGES: dict[str, object] = {
    "options": OptionsMessage,
    "collecting": str,
    "collected": int,
    "plan": list[PlannedFile],
    "stop": None,
    "end": None,
    "start": StartMessage,
    "report": ReportMessage,
    "finish": FinishMessage,
    "warning": WarningMessage,
    "exit": ExitMessage,
    "interrupt": None,
    "collecterror": CollectErrorMessage,
    "ran": None,
    "coverage": CoverageMessage,
    "stdin": None,
}

PageKind = Literal[
    "options", "collecting", "collected", "plan", "stop", "end", "start", "report", "finish", "warning", "exit",
    "interrupt", "collecterror", "ran", "coverage", "stdin",
]

# ------------------------------------------------------------------------------------------ Node -> controller


class RunMessage(TypedDict):
    ids: list[str]


class TestMessage(TypedDict):
    events: list[dict[str, Any]]


class DoneMessage(TypedDict):
    pass


class InterruptMessage(TypedDict):
    pass


class InputMessage(TypedDict):
    line: str | None


#: Node -> the controller page, read with `__wsbridgeNext()`; the kind is the message's "t".
CONTROLLER_MESSAGES: dict[str, object] = {
    "run": RunMessage,
    "test": TestMessage,
    "done": DoneMessage,
    "interrupt": InterruptMessage,
    "exit": ExitMessage,
    "coverage": CoverageMessage,
    "input": InputMessage,
}

# ------------------------------------------------------------------------------------------ the calls that start pytest


class ResumeEntry(TypedDict):
    events: list[dict[str, Any]]
    shown: int


class ControllerStart(TypedDict):
    args: list[str]
    shard: list[int] | None
    elapsed: float
    resume: list[ResumeEntry]


class WorkerStart(TypedDict):
    args: list[str]
    ids: list[str]
    roots: list[str]
