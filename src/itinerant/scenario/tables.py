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
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from itinerant.core.errors import Fault

__all__ = ["TABLE_SUFFIXES", "Table", "normalize_name", "read_table"]

TABLE_SUFFIXES = (".csv", ".xlsx")
"""File extensions read as tables (either is accepted for every table)."""

MAX_TABLE_ROWS = 200_000
"""Most rows read from one table (a territory's residents table holds some tens of
thousands); beyond, the file is refused before it is parsed."""

MAX_TABLE_BYTES = 64 * 1024 * 1024
"""Largest table file read, bytes (64 MiB)."""

MAX_FAULTS_PER_TABLE = 50
"""Row faults listed for one file's layout (the rest are counted)."""

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
    dropped
        Rows left out because they cannot be split into cells (each has a fault): the
        ids they hold are unknown, so references to them are not faults of their own.
    """

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    dropped: tuple[int, ...] = ()


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
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            return None, [_too_big(name, f"{size / 1024 / 1024:.0f} Mo (au plus {MAX_TABLE_BYTES // 1024 // 1024} Mo)")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Fault(name, None, "", f"fichier illisible ({exc.strerror or exc})", "vérifier le fichier et ses droits")]
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return None, [
            Fault(name, None, "", "fichier vide", "écrire au moins la ligne d'en-tête, ou supprimer le fichier")
        ]
    if suffix == ".xlsx":
        return _read_xlsx(name, raw)
    return _read_csv(name, raw)


# -- CSV ---------------------------------------------------------------------------


def _decode(name: str, raw: bytes) -> tuple[str, list[Fault]]:
    """Text of a CSV file, and a fault per line (capped) when encodings are mixed.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; a file that is
    not UTF-8 is read as cp1252 (French Windows). A file mostly in UTF-8 with some
    lines in cp1252 (rows pasted from another export) is a fault naming those lines:
    read as a whole either way, one part would turn into mojibake.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), []
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    bad: list[int] = []
    utf8_accents = False
    for i, line in enumerate(lines):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i + 1)
            continue
        utf8_accents = utf8_accents or not text.isascii()
    if not utf8_accents:
        return raw.decode("cp1252", errors="replace"), []
    faults = [
        Fault(name, row, "", "encodage différent du reste du fichier (Windows-1252 au milieu d'UTF-8) : les accents seraient illisibles",
              "réenregistrer tout le fichier en UTF-8 (Excel : « CSV UTF-8 »), ou retaper cette ligne")
        for row in bad[:MAX_FAULTS_PER_TABLE]
    ]
    if len(bad) > MAX_FAULTS_PER_TABLE:
        faults.append(Fault(name, None, "", f"… et {len(bad) - MAX_FAULTS_PER_TABLE} autres lignes dans un autre encodage", "réenregistrer tout le fichier en UTF-8"))
    return "\n".join(_decode_line(line) for line in lines), faults


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _too_big(name: str, what: str) -> Fault:
    return Fault(name, None, "", f"fichier trop grand : {what}",
                 f"un tableau de scénario compte au plus {MAX_TABLE_ROWS:,} lignes ; découper le territoire ou vérifier l'export".replace(",", "\u202f"))


def _count_outside_quotes(line: str, char: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            n += 1
    return n


def _read_csv(name: str, raw: bytes) -> tuple[Table | None, list[Fault]]:
    lines_n = raw.count(b"\n")
    if lines_n > MAX_TABLE_ROWS + 1:
        return None, [_too_big(name, f"{lines_n:,} lignes".replace(",", "\u202f"))]
    text, enc_faults = _decode(name, raw)
    text = text.replace("\x00", "")
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
    fix = "supprimer ce guillemet ou le doubler (\"\"), ou fermer la cellule par un guillemet"
    open_line = _quote_open_at_end(text, sep)
    if open_line is not None:
        return None, enc_faults + [Fault(name, open_line, "", f"guillemet (\") ouvert et jamais fermé : la suite du fichier depuis la ligne {open_line} se lit comme une seule cellule", fix)]
    try:
        records, spans = _csv_records(text, sep)
    except csv.Error as exc:
        line = exc.args[1] if len(exc.args) > 1 else None
        return None, enc_faults + [Fault(name, line, "", "guillemet mal placé : une cellule entre guillemets continue après son guillemet fermant",
                                         "mettre toute la cellule entre guillemets en doublant ceux de l'intérieur (\"\"), ou supprimer ce guillemet")]
    quote_faults = _unbalanced_quotes(name, records, spans, sep)
    if quote_faults:
        return None, enc_faults + quote_faults
    table, faults = _to_table(name, records, sep, spans)
    return table, enc_faults + faults


def _csv_records(text: str, sep: str) -> tuple[list[list[str]], list[int]]:
    """Records and the physical line each starts on (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=True)
    records: list[list[str]] = []
    spans: list[int] = []
    start = 1
    try:
        for rec in reader:
            records.append(rec)
            spans.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:  # malformed quoting: raised with the line it was found on
        raise csv.Error(str(exc), reader.line_num) from None
    return records, spans


def _unbalanced_quotes(name: str, records: list[list[str]], spans: list[int], sep: str) -> list[Fault]:
    """A ``"`` opened and never closed swallows the following lines into one cell: a
    cell spanning lines that themselves hold the separator is that, not a multi-line note."""
    for rec, line in zip(records, spans):
        for cell in rec:
            if "\n" in cell or "\r" in cell:
                inner = cell.splitlines()
                if len(inner) > 1 and any(sep in ln for ln in inner[1:]):
                    end = line + len(inner) - 1
                    return [Fault(name, line, "", f"guillemet (\") ouvert et jamais fermé : les lignes {line} à {end} se lisent comme une seule cellule",
                                  "supprimer ce guillemet ou le doubler (\"\"), ou fermer la cellule par un guillemet")]
    return []


def _quote_open_at_end(text: str, sep: str) -> int | None:
    """Line (1-based) of a cell's opening ``"`` that is still open at the end of the file
    (the rest of the file was read into that cell), or None. Quotes inside an unquoted
    cell are plain characters, as for the csv module."""
    if text.count('"') % 2 == 0:
        return None
    quoted, start, line, opened, i, n = False, True, 1, None, 0, len(text)
    while i < n:
        c = text[i]
        if quoted:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 1
                else:
                    quoted = False
            elif c == "\n":
                line += 1
        elif c == '"' and start:
            quoted, opened = True, line
        elif c == "\n":
            line += 1
        start = c in (sep, "\n", "\r") and not quoted
        i += 1
    return opened if quoted else None


def _to_table(name: str, records: list[list[str]], sep: str | None, spans: list[int] | None = None) -> tuple[Table | None, list[Fault]]:
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
    bad: list[Fault] = []
    for k, rec in enumerate(body):
        row = start + k + 2
        cells = [c.strip() for c in rec]
        if not any(cells):
            continue
        fault = _row_shape_fault(name, row, cells, width, sep)
        if fault is not None:
            bad.append(fault)
            continue
        cells = cells[:width] + [""] * (width - len(cells))
        rows.append((row, tuple(cells)))
    dropped = tuple(f.row for f in bad if f.row is not None)
    if len(bad) > MAX_FAULTS_PER_TABLE:
        more = len(bad) - MAX_FAULTS_PER_TABLE
        bad = bad[:MAX_FAULTS_PER_TABLE] + [Fault(name, None, "", f"… et {more} autres lignes mal découpées", "corriger d'abord le séparateur du fichier")]
    return Table(name, tuple(header), tuple(rows), dropped), faults + bad


def _row_shape_fault(name: str, row: int, cells: list[str], width: int, sep: str | None) -> Fault | None:
    """The fault of a row that does not split into the header's cells, or None."""
    if len(cells) > width and any(cells[width:]):
        hint = " : une virgule décimale dans un fichier séparé par des virgules ?" if sep == "," else ""
        return Fault(name, row, "", f"{len(cells)} cellules au lieu de {width}{hint}",
                     "mettre les valeurs contenant le séparateur entre guillemets, ou enregistrer avec ';'")
    if sep is not None and width > 2 and len([c for c in cells if c]) == 1:
        text = next(c for c in cells if c)
        for other in _SEPARATORS:
            if other != sep and text.count(other) >= width - 1:
                return Fault(name, row, "", f"ligne séparée par {_SEP_NAMES[other]} alors que le fichier utilise {_SEP_NAMES[sep]}",
                             f"remplacer les {_SEP_NAMES[other]} de cette ligne par des {_SEP_NAMES[sep]}")
    return None


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
        if (ws.max_row or 0) > MAX_TABLE_ROWS + 1:
            return None, [_too_big(name, f"{ws.max_row:,} lignes".replace(",", "\u202f"))]
        records = []
        for r in ws.iter_rows(values_only=True):
            records.append([_cell_text(v) for v in r])
            if len(records) > MAX_TABLE_ROWS + 1:
                return None, [_too_big(name, f"plus de {MAX_TABLE_ROWS:,} lignes".replace(",", "\u202f"))]
        sheet_path = getattr(ws, "_worksheet_path", None)
    except Exception:  # noqa: BLE001
        return None, [Fault(name, None, "", "feuille Excel illisible", "réenregistrer au format .xlsx ou .csv")]
    finally:
        wb.close()
    faults = _merged_cells(name, raw, sheet_path) + _uncached_formulas(name, raw, records)
    if faults:
        return None, faults
    return _to_table(name, records, None)


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')


def _merged_cells(name: str, raw: bytes, sheet_path: str | None) -> list[Fault]:
    """Merged cells keep their value in the first cell only: the others would read empty."""
    if not sheet_path:
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            xml = z.read(sheet_path.lstrip("/"))
    except (KeyError, zipfile.BadZipFile):
        return []
    faults = []
    for a, b in _MERGE_RE.findall(xml)[:MAX_FAULTS_PER_TABLE]:
        first, last = a.decode(), b.decode()
        row = int(re.sub(r"[A-Z]", "", first))
        faults.append(Fault(name, row, "", f"cellules fusionnées {first}:{last} : seule {first} a une valeur, les autres se liraient vides",
                            "défusionner ces cellules et recopier la valeur dans chacune"))
    return faults


def _uncached_formulas(name: str, raw: bytes, records: list[list[str]]) -> list[Fault]:
    """Formulas saved without their computed value (written by a program, never opened in a
    spreadsheet) read as empty: each is a fault naming its cell."""
    if not any("" in r for r in records):
        return []
    import openpyxl
    from openpyxl.utils import get_column_letter

    header = next((r for r in records if any(r)), [])
    wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    faults: list[Fault] = []
    try:
        for i, row in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("=") and i < len(records) and j < len(records[i]) and records[i][j] == "":
                    col = header[j] if j < len(header) and header[j] else get_column_letter(j + 1)
                    faults.append(Fault(name, i + 1, col, f"formule {v[:40]} sans valeur calculée",
                                        "ouvrir et enregistrer le fichier dans Excel ou LibreOffice, ou remplacer la formule par sa valeur"))
                    if len(faults) >= MAX_FAULTS_PER_TABLE:
                        return faults
    finally:
        wb.close()
    return faults
