"""Reading scenario tables from CSV or Excel files.

A table is read into plain text cells, row by row, keeping the spreadsheet row
number (the header is row 1, the first data row is row 2) so that every fault can
point at the cell a coordinator must fix. Nothing here knows what a column means:
:mod:`itinerant.scenario` interprets the cells.

French Excel exports are first class: ``;`` separator, decimal comma, cp1252 or
UTF-8 with a byte-order mark; plain ``,``-separated UTF-8 and tab-separated files
load too. The separator is sniffed from the header line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from itinerant.core.errors import Fault

__all__ = ["TABLE_SUFFIXES", "Table", "normalize_name", "read_table"]

TABLE_SUFFIXES = (".csv", ".xlsx")
"""File extensions read as tables (either is accepted for every table)."""

_SEPARATORS = (";", ",", "\t")
_FOREIGN_SEPARATORS = ("|", ":", "/")
_SEP_NAMES = {";": "';'", ",": "','", "\t": "tabulation", "|": "'|'", ":": "':'", "/": "'/'"}


@dataclass(frozen=True)
class Table:
    """The text cells of one table file.

    Attributes
    ----------
    file
        File name as the user knows it (``"visits.csv"``).
    columns
        Header cells as written (stripped), in file order.
    rows
        ``(row, cells)`` pairs: ``row`` is the 1-based spreadsheet row (header = 1),
        ``cells`` are stripped strings, one per column (padded with ``""``).
        Entirely empty rows are left out.
    """

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def normalize_name(text: str) -> str:
    """Lower-case ASCII form of a column or value name.

    ``"Fenêtres horaires"`` -> ``"fenetres_horaires"``; accents, case, spaces,
    hyphens and apostrophes do not matter.
    """
    text = unicodedata.normalize("NFKD", str(text).replace("\ufeff", ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip()
    out = []
    for c in text:
        out.append(c if c.isalnum() else "_")
    return "_".join(p for p in "".join(out).split("_") if p)


def read_table(path: Path) -> tuple[Table | None, list[Fault]]:
    """Read a ``.csv`` or ``.xlsx`` table into text cells.

    Parameters
    ----------
    path
        The table file.

    Returns
    -------
    table, faults
        ``table`` is None when the file cannot be read at all (empty, not a
        spreadsheet, wrong separator); ``faults`` lists every problem found.
    """
    name = path.name
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Fault(name, None, "", f"fichier illisible ({exc.strerror or exc})")]
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return None, [
            Fault(name, None, "", "fichier vide", "écrire au moins la ligne d'en-tête, ou supprimer le fichier")
        ]
    if suffix == ".xlsx":
        return _read_xlsx(name, raw)
    return _read_csv(name, raw)


# -- CSV ---------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _count_outside_quotes(line: str, char: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            n += 1
    return n


def _read_csv(name: str, raw: bytes) -> tuple[Table | None, list[Fault]]:
    text = _decode(raw).replace("\x00", "")
    lines = text.splitlines()
    header_line = next((ln for ln in lines if ln.strip()), "")
    counts = {s: _count_outside_quotes(header_line, s) for s in _SEPARATORS}
    sep = max(_SEPARATORS, key=lambda s: counts[s])
    if counts[sep] == 0:
        foreign = [s for s in _FOREIGN_SEPARATORS if s in header_line]
        if foreign:
            found = _SEP_NAMES[foreign[0]]
            return None, [
                Fault(
                    name,
                    1,
                    "",
                    f"séparateur {found} non reconnu : l'en-tête se lit comme une seule colonne",
                    "enregistrer en CSV séparé par ';' (Excel « CSV (séparateur : point-virgule) ») ou par ','",
                )
            ]
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"'))
    except csv.Error as exc:  # pragma: no cover - csv is lenient by default
        return None, [Fault(name, None, "", f"fichier CSV illisible ({exc})", "réenregistrer le fichier depuis le tableur")]
    return _to_table(name, records, sep)


def _to_table(name: str, records: list[list[str]], sep: str | None) -> tuple[Table | None, list[Fault]]:
    faults: list[Fault] = []
    # The header is the first non-empty record; spreadsheet rows count every record.
    start = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if start is None:
        return None, [Fault(name, None, "", "fichier vide", "écrire au moins la ligne d'en-tête, ou supprimer le fichier")]
    header = [c.replace("\ufeff", "").strip() for c in records[start]]
    body = records[start + 1 :]
    # Trailing unnamed columns that stay empty are Excel padding: drop them.
    width = len(header)
    while width and not header[width - 1]:
        col = width - 1
        if any(col < len(r) and r[col].strip() for r in body):
            break
        width -= 1
    header = header[:width]
    for j, h in enumerate(header):
        if not h:
            faults.append(
                Fault(name, start + 1, f"n°{j + 1}", "colonne sans nom dans l'en-tête", "donner un nom à la colonne ou la supprimer")
            )
    rows: list[tuple[int, tuple[str, ...]]] = []
    for k, rec in enumerate(body):
        row = start + k + 2
        cells = [c.strip() for c in rec]
        if not any(cells):
            continue
        if len(cells) > width:
            extra = cells[width:]
            if any(extra):
                hint = ""
                if sep == ",":
                    hint = " : une virgule décimale dans un fichier séparé par des virgules ?"
                faults.append(
                    Fault(
                        name,
                        row,
                        "",
                        f"{len(cells)} cellules au lieu de {width}{hint}",
                        "mettre les valeurs contenant le séparateur entre guillemets, ou enregistrer avec ';'",
                    )
                )
                continue
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append((row, tuple(cells)))
    return Table(name, tuple(header), tuple(rows)), faults


# -- XLSX --------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.date() != dt.date(1899, 12, 30):
            return value.date().isoformat()
        if value.date() in (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)):
            return value.strftime("%H:%M")
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def _read_xlsx(name: str, raw: bytes) -> tuple[Table | None, list[Fault]]:
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the user's fault
        return None, [
            Fault(name, None, "", "classeur Excel illisible (fichier abîmé ou pas au format .xlsx)", "réenregistrer au format .xlsx ou .csv")
        ]
    try:
        ws = wb.worksheets[0]
        records = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    except Exception:  # noqa: BLE001
        return None, [Fault(name, None, "", "feuille Excel illisible", "réenregistrer au format .xlsx ou .csv")]
    finally:
        wb.close()
    return _to_table(name, records, None)
