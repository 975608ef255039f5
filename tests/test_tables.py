"""Reading tables: French Excel exports (';', decimal comma, cp1252, BOM), XLSX, and
a fuzzer proving that no input makes the loader fail with anything but InputError."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itinerant.core.errors import InputError
from itinerant.scenario import load_scenario
from itinerant.scenario.model import Scenario
from itinerant.scenario.tables import normalize_name, read_table

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"

COMMUNES_FR = "code;nom;population;lat;lon\n71137;Cluny;4 980;46,436;4,658\n71264;Lournand;319;46,457;4,647\n"


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    return dest


@pytest.mark.parametrize(
    "raw",
    [
        COMMUNES_FR.encode("cp1252"),  # Excel "CSV (séparateur : point-virgule)", Windows code page
        b"\xef\xbb\xbf" + COMMUNES_FR.encode("utf-8"),  # Excel "CSV UTF-8" with a byte-order mark
        COMMUNES_FR.replace("\n", "\r\n").encode("utf-8"),  # Windows line ends
        COMMUNES_FR.encode("utf-16"),  # Excel "Texte Unicode" (UTF-16 with BOM)
        COMMUNES_FR.replace(";", "\t").encode("utf-8"),  # tab-separated
        COMMUNES_FR.replace("\n", ";;\n").encode("cp1252"),  # Excel padding: empty trailing cells
    ],
)
def test_french_excel_exports_read_the_same_cells(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "communes.csv"
    path.write_bytes(raw)
    table, faults = read_table(path)
    assert faults == []
    assert table is not None
    assert table.columns == ("code", "nom", "population", "lat", "lon")
    assert table.rows[0] == (2, ("71137", "Cluny", "4 980", "46,436", "4,658"))
    assert [r for r, _ in table.rows] == [2, 3]


def test_cp1252_accents_survive(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes("id;nom\ns1;Épicerie sociale, Cœur de bourg\n".encode("cp1252"))
    table, _ = read_table(path)
    assert table is not None and table.rows[0][1][1] == "Épicerie sociale, Cœur de bourg"


def test_comma_file_with_quoted_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "communes.csv"
    path.write_text('code,nom,population,lat,lon\n71137,Cluny,4980,"46,436","4,658"\n', encoding="utf-8")
    table, faults = read_table(path)
    assert faults == [] and table is not None
    assert table.rows[0][1][3] == "46,436"


def test_blank_rows_are_skipped_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("id,duree\n\nv1,30\n,\n  \nv2,45\n", encoding="utf-8")
    table, _ = read_table(path)
    assert table is not None
    assert [(r, c[0]) for r, c in table.rows] == [(3, "v1"), (6, "v2")]


def test_scenario_with_cp1252_and_decimal_comma_loads(tiny: Path) -> None:
    (tiny / "communes.csv").write_bytes(
        "code;nom;population;lat;lon;grille_densite\n"
        "71137;Cluny;4 980;46,436;4,658;5\n71264;Lournand;319;46,457;4,647;6\n71240;Jalogny;398;46,419;4,633;6\n".encode("cp1252")
    )
    residents = (TINY / "residents.csv").read_text(encoding="utf-8")
    french = "\n".join(";".join(line.split(",")) for line in residents.splitlines()).replace(".", ",")
    (tiny / "residents.csv").write_bytes(b"\xef\xbb\xbf" + french.encode("utf-8"))  # UTF-8 BOM, ';', decimal comma
    s = load_scenario(tiny)
    cluny = s.commune("71137")
    assert (cluny.population, cluny.lat, cluny.lon) == (4980, 46.436, 4.658)
    assert s == load_scenario(TINY).model_copy(update={"folder": s.folder})


def _to_xlsx(csv_path: Path, xlsx_path: Path, *, typed: bool) -> None:
    """Write a CSV table as a workbook; ``typed`` stores numbers, times and dates as Excel does."""
    table, faults = read_table(csv_path)
    assert table is not None and not faults
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(table.columns))
    for _, cells in table.rows:
        row: list[object] = []
        for c in cells:
            value: object = c
            if typed and c:
                try:
                    value = float(c) if "." in c else int(c)
                except ValueError:
                    if len(c) == 5 and c[2] == ":":
                        value = dt.time(int(c[:2]), int(c[3:]))
            row.append(value if c else None)
        ws.append(row)
    wb.save(xlsx_path)


@pytest.mark.parametrize("typed", [False, True])
def test_xlsx_tables_load_like_csv(tiny: Path, typed: bool) -> None:
    for name in ("visits", "advisors", "communes"):
        _to_xlsx(tiny / f"{name}.csv", tiny / f"{name}.xlsx", typed=typed)
        (tiny / f"{name}.csv").unlink()
    s = load_scenario(tiny)
    assert s == load_scenario(TINY).model_copy(update={"folder": s.folder})


def test_xlsx_fault_rows_are_sheet_rows(tiny: Path) -> None:
    _to_xlsx(tiny / "visits.csv", tiny / "visits.xlsx", typed=False)
    (tiny / "visits.csv").unlink()
    wb = openpyxl.load_workbook(tiny / "visits.xlsx")
    wb.active["H3"] = "18:00-09:00"  # fenetres of the second data row (sheet row 3)
    wb.save(tiny / "visits.xlsx")
    with pytest.raises(InputError) as exc:
        load_scenario(tiny)
    (f,) = exc.value.faults
    assert (f.file, f.row, f.column) == ("visits.xlsx", 3, "fenetres")


def test_both_csv_and_xlsx_for_one_table_is_a_fault(tiny: Path) -> None:
    _to_xlsx(tiny / "visits.csv", tiny / "visits.xlsx", typed=False)
    with pytest.raises(InputError, match="deux fichiers pour la table 'visits'"):
        load_scenario(tiny)


def test_broken_xlsx_is_a_fault(tiny: Path) -> None:
    (tiny / "visits.csv").unlink()
    (tiny / "visits.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="classeur Excel illisible"):
        load_scenario(tiny)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fenêtres", "fenetres"),  # accents and case
        ("  Durée (min) ", "duree_min"),  # spaces and brackets
        ("\ufeffcode", "code"),  # a BOM left on the first header cell
        ("Priorité", "priorite"),
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


# -- fuzzing: anything in a table file gives a Scenario or an InputError ------------------

_FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "09:00-12:00", "9h30", "lun|mar", "46,43", "oui", "must", "71137", "r1", "-1", "1e400", "nan", "24:00", "\x00"]),
)


def _fuzz_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="itinerant-fuzz-"))
    shutil.copytree(TINY, folder, dirs_exist_ok=True)
    return folder


@_FUZZ
@given(name=st.sampled_from(["communes.csv", "sites.csv", "advisors.csv", "visits.csv", "residents.csv", "bus.csv", "commitments.csv", "visits.xlsx"]), raw=st.binary(max_size=300))
def test_random_bytes_never_crash_the_loader(name: str, raw: bytes) -> None:
    folder = _fuzz_folder()
    try:
        if name.endswith(".xlsx"):
            (folder / "visits.csv").unlink()
        (folder / name).write_bytes(raw)
        try:
            assert isinstance(load_scenario(folder), Scenario)
        except InputError as exc:
            assert exc.faults and all(f.message for f in exc.faults)
    finally:
        shutil.rmtree(folder)


@_FUZZ
@given(data=st.data())
def test_random_cells_never_crash_the_loader(data: st.DataObject) -> None:
    folder = _fuzz_folder()
    try:
        name = data.draw(st.sampled_from(["sites.csv", "advisors.csv", "visits.csv", "residents.csv", "bus.csv", "commitments.csv"]))
        table, _ = read_table(folder / name)
        assert table is not None
        rows = [list(table.columns)] + [list(c) for _, c in table.rows]
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(rows) - 1))
            j = data.draw(st.integers(0, len(rows[i]) - 1))
            rows[i][j] = data.draw(_CELL)
        sep = data.draw(st.sampled_from([",", ";"]))
        buf = io.StringIO()
        csv.writer(buf, delimiter=sep).writerows(rows)
        (folder / name).write_text(buf.getvalue(), encoding="utf-8")
        try:
            assert isinstance(load_scenario(folder), Scenario)
        except InputError as exc:
            assert exc.faults
    finally:
        shutil.rmtree(folder)


@_FUZZ
@given(text=st.text(max_size=200))
def test_random_scenario_yaml_never_crashes_the_loader(text: str) -> None:
    folder = _fuzz_folder()
    try:
        (folder / "scenario.yaml").write_text(text, encoding="utf-8")
        try:
            assert isinstance(load_scenario(folder), Scenario)
        except InputError as exc:
            assert exc.faults
    finally:
        shutil.rmtree(folder)


_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=10), st.dates())
_SUB = st.dictionaries(
    st.sampled_from(["language", "osm_file", "max_snap_m", "week_start", "id", "depot", "jours", "debut", "fin", "cycle_semaines", "duree_arret", "x"]),
    _SCALAR,
    max_size=6,
)


@_FUZZ
@given(doc=st.dictionaries(st.sampled_from(["name", "title", "sources", "settings", "calendar", "bus", "nom", "zz"]), st.one_of(_SCALAR, _SUB, st.lists(_SUB, max_size=2)), max_size=6))
def test_random_yaml_structures_never_crash_the_loader(doc: dict) -> None:
    import yaml

    folder = _fuzz_folder()
    try:
        (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            assert isinstance(load_scenario(folder), Scenario)
        except InputError as exc:
            assert exc.faults
    finally:
        shutil.rmtree(folder)
