"""Builds a pure-Python wheel of python/wsbridge into the given folder, with the standard library only."""
from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def record_line(name: str, data: bytes) -> str:
    """One RECORD row: path, urlsafe sha256 digest, size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main(out_dir: str) -> Path:
    version = json.loads((ROOT / "package.json").read_text())["version"]
    dist_info = f"wsbridge-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / "python" / "wsbridge").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".pyi", ".typed"}:
            files[path.relative_to(ROOT / "python").as_posix()] = path.read_bytes()
    files[f"{dist_info}/METADATA"] = (
        "Metadata-Version: 2.1\nName: wsbridge\n"
        f"Version: {version}\nSummary: WebSocket for Python in the browser (Pyodide, PyScript)\n"
        "Requires-Python: >=3.12\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: wsbridge build_wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    target = Path(out_dir) / f"wsbridge-{version}-py3-none-any.whl"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            wheel.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return target


if __name__ == "__main__":
    print(f"wheel: {main(sys.argv[1] if len(sys.argv) > 1 else 'dist')}")
