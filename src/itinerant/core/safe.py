"""Safe reading of YAML and safe writing of spreadsheet cells.

- :func:`load_yaml`: PyYAML's safe loader with an alias budget (no "billion laughs"),
  a nesting depth limit (no ``RecursionError``) and impossible dates kept as text
  (``2026-11-31`` reaches the caller as a string, who reports it), so hostile or
  clumsy YAML always gives a :class:`~itinerant.core.units.BadValue`, never a crash.
- :func:`csv_cell` and :func:`xlsx_append`: OWASP's CSV-injection rule. A text cell
  that a spreadsheet could read as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) is neutralised in every CSV and XLSX file
  itinerant writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from itinerant.core.errors import Fault, InputError
from itinerant.core.units import BadValue

__all__ = ["FORMULA_TRIGGERS", "BadYaml", "decode_text", "read_yaml_file", "MAX_YAML_ALIASES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "csv_cell", "csv_row", "csv_value", "uncell_row", "load_yaml", "xlsx_append"]

MAX_YAML_ALIASES = 100
"""Most ``*alias`` references one YAML document may use (a scenario uses none)."""

MAX_YAML_NODES = 100_000
"""Most values (scalars, lists, mappings) a YAML document may hold once its aliases are
expanded (a scenario.yaml holds a few dozen)."""

MAX_YAML_DEPTH = 50
"""Deepest nesting of lists and mappings accepted in a YAML document."""

MAX_YAML_BYTES = 1_000_000
"""Largest YAML file read, bytes (scenario.yaml and variants are a few kB)."""

_NUMBER = re.compile(r"^[-+]?[0-9]+(?:[.,][0-9]+)?$")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP)."""


class _TooComplex(yaml.YAMLError):
    def __init__(self, message: str, mark: Any = None):
        super().__init__(message)
        self.message = message
        self.problem_mark = mark


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader counting aliases and nesting while composing the node tree."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._size: dict[int, int] = {}
        self._keep: list[Any] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _TooComplex(f"plus de {MAX_YAML_ALIASES} alias (*nom)", mark)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _TooComplex(f"plus de {MAX_YAML_DEPTH} niveaux d'imbrication", mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        # Size once aliases are expanded: a few aliases of aliases ("billion laughs") make
        # billions of values for whoever walks the result.
        if id(node) not in self._size:
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._size.get(id(c), 1) for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(self._size.get(id(k), 1) + self._size.get(id(v), 1) for k, v in node.value)
            else:
                size = 1
            if size > MAX_YAML_NODES:
                raise _TooComplex(f"plus de {MAX_YAML_NODES} valeurs une fois les alias développés", mark)
            self._size[id(node)] = size
            self._keep.append(node)  # ids stay unique while the loader lives
        return node

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 2026-11-31: keep the text, the caller says what is wrong
            return self.construct_scalar(node)


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_yaml_timestamp)


class BadYaml(BadValue):
    """YAML that cannot be read safely; ``line`` is 1-based, or None."""

    def __init__(self, message: str, fix: str = "", line: int | None = None):
        super().__init__(message, fix)
        self.line = line


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely.

    Raises
    ------
    BadYaml
        Unreadable YAML, too many aliases, too deep or too large (French message, fix
        and line when known).
    """
    if len(text) > MAX_YAML_BYTES:
        raise BadYaml(f"fichier YAML de {len(text) // 1000} ko, trop grand (au plus {MAX_YAML_BYTES // 1000} ko)",
                      "garder seulement les réglages dans ce fichier ; les tableaux vont dans des fichiers .csv ou .xlsx")
    loader = None
    try:
        loader = _SafeLoader(text)
        return loader.get_single_data()
    except _TooComplex as exc:
        raise BadYaml(f"YAML trop complexe : {exc.message}",
                      "écrire les valeurs en clair, sans alias (&nom / *nom) ni imbrication profonde",
                      _line(exc.problem_mark)) from None
    except yaml.YAMLError as exc:
        raise BadYaml("YAML illisible", "vérifier l'indentation et les ':' (voir docs/scenario-format.md)",
                      _line(getattr(exc, "problem_mark", None))) from None
    except (ValueError, TypeError, RecursionError):  # a constructor refusing a value
        raise BadYaml("YAML illisible (valeur impossible)", "vérifier les dates et les nombres") from None
    finally:
        if loader is not None:
            loader.dispose()


def decode_text(raw: bytes) -> str:
    """Text of a small file written by hand: UTF-8 (with or without BOM), UTF-16 with a
    BOM, else cp1252 (French Windows). NUL characters are dropped."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace").replace("\x00", "")
    raw = raw.replace(b"\x00", b"")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_yaml_file(path: Path | str, *, label: str | None = None) -> Any:
    """Read and parse a YAML file written by a user (scenario.yaml, an antenne variant).

    Raises
    ------
    InputError
        One fault naming ``label`` (default: the file name): missing, a folder,
        unreadable, or :func:`load_yaml`'s faults.
    """
    path = Path(path)
    name = label or path.name
    if path.is_dir():
        raise InputError([Fault(name, None, "", "c'est un dossier, pas un fichier YAML", f"donner le chemin d'un fichier .yaml ({path})")])
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Fault(name, None, "", "fichier introuvable", f"vérifier le chemin {path}")]) from None
    except OSError as exc:
        raise InputError([Fault(name, None, "", f"fichier illisible ({exc.strerror or exc})", "vérifier les droits du fichier")]) from None
    try:
        return load_yaml(decode_text(raw))
    except BadYaml as bad:
        raise InputError([Fault(name, bad.line, "", bad.message, bad.fix)]) from None


def _line(mark: Any) -> int | None:
    line = getattr(mark, "line", None)
    return None if line is None else line + 1


def csv_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Numbers are left alone, also written as text (``"-1,5"``: a negative number is a
    number, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_value(text: str) -> str:
    """Undo :func:`csv_cell` when reading back a CSV itinerant wrote."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def uncell_row(row: dict[str, Any]) -> dict[str, Any]:
    """:func:`csv_value` on every text value of a ``csv.DictReader`` row."""
    return {k: csv_value(v) if isinstance(v, str) else v for k, v in row.items()}


def csv_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_cell` on every cell of a row (for ``csv.writer.writerow``)."""
    return [csv_cell(v) for v in values]


def xlsx_append(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)``, with every formula-like text kept as inert text.

    openpyxl turns a text starting with ``=`` into a live formula; here such cells stay
    text (type ``s``) with Excel's quote prefix, so they show exactly what was written
    and never run, even after the cell is edited.
    """
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        v = cell.value
        if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True
