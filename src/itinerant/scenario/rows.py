"""Reading a table's rows into checked values, collecting faults instead of raising.

:class:`Collector` gathers every :class:`~itinerant.core.errors.Fault`;
:func:`resolve_columns` maps a table's header onto canonical column names;
:class:`Row` reads one row's cells through the cell parsers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from itinerant.core.errors import Fault
from itinerant.core.units import (
    BadValue,
)
from itinerant.scenario.columns import COLUMNS, IGNORED_COLUMNS, TABLES
from itinerant.scenario.tables import Table, normalize_name

# -- row reader --------------------------------------------------------------------------


class Collector:
    """Every fault found, and the tables that lost rows (``damaged``): an id that cannot
    be found is not a fault of its own when the table that should hold it lost rows."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.damaged: set[str] = set()

    def add(self, file: str, row: int | None, column: str, message: str, fix: str = "") -> None:
        self.faults.append(Fault(file, row, column, message, fix))


@dataclass
class Rows:
    """A table with its columns resolved to canonical names."""

    name: str
    file: str
    colmap: dict[str, int]  # canonical -> index
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    prefix: str = ""

    def col(self, canon: str) -> str:
        """Column name as written by the user (canonical name if absent)."""
        i = self.colmap.get(canon)
        return self.prefix + (self.header[i] if i is not None else canon)


class Row:
    """Reads one row's cells, recording faults instead of raising."""

    __slots__ = ("cells", "ok", "out", "row", "t")

    def __init__(self, t: Rows, row: int, cells: tuple[str, ...], out: Collector):
        self.t, self.row, self.cells, self.out, self.ok = t, row, cells, out, True

    def raw(self, canon: str) -> str:
        i = self.t.colmap.get(canon)
        return self.cells[i] if i is not None else ""

    def fault(self, canon: str, message: str, fix: str = "") -> None:
        self.ok = False
        self.out.add(self.t.file, self.row, self.t.col(canon) if canon else "", message, fix)

    def unknown(self, table: str, canon: str, message: str, fix: str = "") -> None:
        """A reference to an id absent from ``table``: a fault, unless ``table`` lost rows
        (then its own fault says why, and this row is only left out)."""
        if table in self.out.damaged:
            self.ok = False
        else:
            self.fault(canon, message, fix)

    def get(self, canon: str, parse: Callable[[str], Any] | None = None, *, required: bool = False, default: Any = None) -> Any:
        text = self.raw(canon)
        if not text:
            if required:
                self.fault(canon, "cellule vide", "remplir cette cellule")
            return default
        if parse is None:
            return text
        try:
            return parse(text)
        except BadValue as bad:
            self.fault(canon, bad.message, bad.fix)
            return default


def resolve_columns(table: Table, name: str, out: Collector) -> Rows | None:
    spec = COLUMNS[name]
    lookup: dict[str, str] = {}
    for canon, col in spec.items():
        lookup[normalize_name(canon)] = canon
        for a in col.aliases:
            lookup.setdefault(normalize_name(a), canon)
    colmap: dict[str, int] = {}
    ok = True
    for i, header in enumerate(table.columns):
        if not header:
            continue
        key = normalize_name(header)
        if key in IGNORED_COLUMNS or header.startswith(("_", "#")):
            continue
        found = lookup.get(key)
        if found is None:
            near = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
            fix = (
                f"vouliez-vous dire '{lookup[near[0]]}' ?"
                if near
                else "colonnes possibles : " + ", ".join(spec)
            )
            out.add(table.file, 1, header, "colonne inconnue", fix)
            ok = False
            continue
        if found in colmap:
            out.add(table.file, 1, header, f"colonne en double (déjà lue comme '{table.columns[colmap[found]]}')", "garder une seule de ces colonnes")
            ok = False
            continue
        colmap[found] = i
    for canon, col in spec.items():
        if col.required and canon not in colmap:
            out.add(table.file, 1, canon, "colonne obligatoire absente", f"ajouter une colonne '{canon}' dans la ligne d'en-tête")
            ok = False
    if not ok and any(spec[c].required and c not in colmap for c in spec):
        return None
    return Rows(name, table.file, colmap, table.columns, table.rows)



def check_duplicates(t: Rows, ids: list[tuple[int, str]], out: Collector, canon: str = "id") -> None:
    seen: dict[str, int] = {}
    for row, ident in ids:
        if ident in seen:
            out.add(t.file, row, t.col(canon), f"identifiant '{ident}' en double (déjà utilisé ligne {seen[ident]})", "donner un identifiant unique à chaque ligne")
        else:
            seen[ident] = row


def build_model(cls: type, kwargs: dict[str, Any], r: Row) -> Any:
    """Build a frozen model; pydantic's own errors are translated into French faults."""
    try:
        return cls(**kwargs)
    except ValidationError as exc:
        for err in exc.errors():
            fld = str(err.get("loc", ("",))[0])
            r.fault("", f"valeur refusée pour « {fld} »", "corriger la cellule")
        return None


def suggest(value: str, choices: Iterable[str]) -> str:
    near = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    return f"vouliez-vous dire '{near[0]}' ?" if near else ""



FILE_ORDER = {"scenario.yaml": 0, **{stem: i + 1 for i, stems in enumerate(TABLES.values()) for stem in stems}}


def sorted_faults(faults: list[Fault]) -> list[Fault]:
    """Faults by file (scenario.yaml, then the tables in reading order), then row."""
    return sorted(faults, key=lambda f: (FILE_ORDER.get(Path(f.file).stem.lower(), 99), f.file, f.row or 0))




# -- row checks shared by the table loaders ----------------------------------------------

PointCheck = Callable[..., None]  # (row, lat, lon, code=None)
CommuneCheck = Callable[..., bool]
SiteCheck = Callable[["Row", "str | None", str, str], bool]
