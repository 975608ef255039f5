"""The one atomic writer: a crash never leaves a half-written file.

Every file is written to a uniquely named temporary file in the destination folder,
flushed and fsynced, then moved over the destination with :func:`os.replace`
(atomic on POSIX and Windows when both are on the same file system, which the same
folder guarantees). On any exception the temporary file is removed and the
destination is untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; fsync and move it over ``path`` on success.

    For libraries that insist on writing to a file name themselves (openpyxl, fpdf2,
    numpy, pickle). ``mode`` is the final permission (mkstemp creates 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _fsync_file(tmp_path)
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given); return the path."""
    return write_bytes(path, text.encode(encoding))


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON atomically; return the path."""
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
