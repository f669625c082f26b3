"""`wsbridge test --cov`: the page's own pytest-cov measures, and wsbridge carries its data between the pages.

pytest-cov runs unchanged in every page (the user's `--cov*` options and `[tool.coverage]` config). A worker page's
session is told to report nothing (the controller reports on everything); after each of its sessions the data file
pytest-cov saved goes to the runner, which hands it to the controller page. The controller writes it next to its own
data file as a parallel data file (`.coverage.wsbridge-N`), where pytest-cov's own combine at the end of the session
picks it up. The files the controller's pytest-cov wrote (the data file and each report) go back to the host.
"""
from __future__ import annotations

import base64
import glob
import os
from typing import Any

import pytest

#: Report kinds whose default output is a coverage.py setting: kind -> the setting.
_DEFAULT_OUTPUTS = {"html": "html:directory", "xml": "xml:output", "json": "json:output", "lcov": "lcov:output"}

_received = 0


def active(config: pytest.Config) -> bool:
    """True when pytest-cov measures this session (`--cov` given, in the arguments or addopts, and no `--no-cov`)."""
    return config.pluginmanager.hasplugin("_cov") and not getattr(config.option, "no_cov", False)


def worker_args(config: pytest.Config) -> list[str]:
    """What a worker page's pytest gets after the controller's options: no report and no threshold of its own."""
    return ["--cov-report=", "--cov-fail-under=0"] if active(config) else []


def _coverage(config: pytest.Config) -> Any:
    """A coverage.py object with the session's configuration (as pytest-cov makes it), for its settings."""
    import coverage

    return coverage.Coverage(config_file=getattr(config.option, "cov_config", ".coveragerc"))


def _data_file(config: pytest.Config) -> str:
    """The absolute path of the session's coverage data file (`[tool.coverage.run] data_file`, `COVERAGE_FILE`)."""
    return os.path.join(str(config.invocation_params.dir), str(_coverage(config).get_option("run:data_file")))


def _read(path: str) -> str:
    """A file's bytes, base64."""
    with open(path, "rb") as fh:
        return base64.b64encode(fh.read()).decode("ascii")


def data_files(config: pytest.Config) -> dict[str, str]:
    """A worker page's coverage data once its session ended (path -> base64), for the controller to combine."""
    if not active(config):
        return {}
    base = _data_file(config)
    return {path: _read(path) for path in [base, *glob.glob(glob.escape(base) + ".*")] if os.path.isfile(path)}


def receive(config: pytest.Config, files: dict[str, str]) -> None:
    """Writes a worker page's data files next to this session's data file, where pytest-cov's combine finds them."""
    global _received
    if not active(config):
        return
    base = _data_file(config)
    for data in files.values():
        _received += 1
        with open(f"{base}.wsbridge-{_received}", "wb") as fh:
            fh.write(base64.b64decode(data))


def _outputs(config: pytest.Config) -> list[str]:
    """The paths pytest-cov wrote reports to, as it resolves them (relative to where pytest was started)."""
    reports = getattr(config.option, "cov_report", None)
    if not isinstance(reports, dict) or not reports:
        return []
    cov = _coverage(config)
    paths: list[str] = []
    for kind, dest in reports.items():
        if kind in _DEFAULT_OUTPUTS:
            paths.append(str(dest or cov.get_option(_DEFAULT_OUTPUTS[kind])))
        elif kind in ("markdown", "markdown-append", "annotate") and dest:
            paths.append(str(dest))
        elif kind == "annotate":  # `,cover` files next to the sources
            paths.extend(glob.glob(os.path.join(str(config.rootpath), "**", "*,cover"), recursive=True))
    return [os.path.join(str(config.invocation_params.dir), path) for path in paths]


def _files_under(path: str) -> list[str]:
    """`path` if it is a file, every file under it if it is a folder."""
    if os.path.isfile(path):
        return [path]
    return [os.path.join(base, name) for base, _, names in os.walk(path) for name in names]


def written(config: pytest.Config | None) -> dict[str, str]:
    """What the controller's pytest-cov wrote (the data file, the reports): absolute path -> base64, for the host."""
    if config is None or not active(config):
        return {}
    paths = [_data_file(config), *_outputs(config)]
    return {path: _read(path) for found in paths for path in _files_under(found)}
