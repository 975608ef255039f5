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
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder`` and the folders themselves (POSIX)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            _fsync_file(path)
    for d in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        try:
            fd = os.open(d, os.O_RDONLY)
        except OSError:  # Windows cannot open folders
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


# -- whole output folders ------------------------------------------------------------------

OUTPUT_MARKER = ".itinerant"
"""File written in every output folder: a folder holding it may be replaced by a new run."""

_KNOWN_OUTPUTS = ("index.html", "plan.json", "timetable.csv", "comparison.json", "kpis.json", "routes.csv")
"""Files that show a folder without the marker holds an earlier itinerant output."""


class OutputFolderError(ValueError):
    """``--out`` cannot be written as a whole (a file, or a folder of other files)."""


def _replaceable(out: Path) -> str | None:
    """Why ``out`` may not be replaced by a new output folder, or None."""
    if out.is_file():
        return "c'est un fichier, pas un dossier"
    if not out.is_dir():
        return None
    names = {p.name for p in out.iterdir()}
    if not names or OUTPUT_MARKER in names or names & set(_KNOWN_OUTPUTS):
        return None
    return "ce dossier contient d'autres fichiers, qu'une nouvelle sortie effacerait"


def _recover(out: Path) -> None:
    """Finish what a killed run left: put back the previous folder if the swap was cut
    between its two renames, and remove stale temporary folders."""
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if olds and not out.exists():
        os.replace(olds[-1], out)
        olds = olds[:-1]
    for stale in [*olds, *out.parent.glob(f".{out.name}.tmp-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def check_output_folder(out: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputFolderError` (French) when ``out`` cannot be a whole output folder."""
    out = Path(out)
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputFolderError(f"{out} : {parent} est un fichier, pas un dossier")
            break
    why = _replaceable(out)
    if why:
        raise OutputFolderError(f"{out} : {why}")


@contextlib.contextmanager
def staged_dir(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``out``; on success it replaces ``out``.

    Whole or nothing: a run killed at any point leaves the previous ``out`` as it was
    (or, killed between the two renames of the swap, beside it as ``.NAME.old-*``, which
    the next run puts back first), never a mix of old and new files. On an exception the
    temporary folder is removed and ``out`` is untouched.

    Raises
    ------
    OutputFolderError
        ``out`` is a file, or a folder holding other files than an earlier output.
    """
    out = Path(out).absolute()
    check_output_folder(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _recover(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        os.chmod(tmp, 0o755)
    except OSError as exc:
        raise OutputFolderError(f"{out} : impossible d'écrire à côté ({exc.strerror or exc})") from None
    check_output_folder(out)
    try:
        yield tmp
        write_text(tmp / OUTPUT_MARKER, "Dossier écrit par itinerant ; il est remplacé en entier à chaque calcul.\n")
        _fsync_tree(tmp)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()  # reserve a unique name, then move the previous folder there
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
