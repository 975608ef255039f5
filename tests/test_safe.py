"""Safe YAML and safe spreadsheets (issue 12): hostile YAML is a fault, never a crash or a
memory blow-up; every text cell a spreadsheet would run as a formula is written inert."""

from __future__ import annotations

import ast
import shutil
import zipfile
from pathlib import Path

import pytest

from itinerant.core.errors import InputError
from itinerant.core.safe import (
    MAX_YAML_DEPTH,
    BadYaml,
    csv_cell,
    csv_value,
    load_yaml,
    read_yaml_file,
    xlsx_append,
)
from itinerant.scenario import load_scenario

DATA = Path(__file__).resolve().parent / "data"
SRC = Path(__file__).resolve().parents[1] / "src" / "itinerant"

BOMB = "\n".join(
    ["a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "YAML trop complexe : plus de 100000 valeurs"),  # "billion laughs": 9^9 strings from 72 aliases
        ("a: &a [x]\nb: [" + ", ".join(["*a"] * 101) + "]", "YAML trop complexe : plus de 100 alias"),
        ("[" * 5000 + "]" * 5000, f"YAML trop complexe : plus de {MAX_YAML_DEPTH} niveaux"),  # RecursionError before
        ("a: [1, 2\nb: 3", "YAML illisible"),  # unclosed bracket
        ("a: b: c", "YAML illisible"),  # two colons on one line
        ("\x1f", "YAML illisible"),  # a control character
    ],
)
def test_hostile_yaml_is_a_fault(text: str, message: str) -> None:
    with pytest.raises(BadYaml) as exc:
        load_yaml(text)
    assert exc.value.message.startswith(message)


def test_a_few_aliases_and_ordinary_nesting_still_load() -> None:
    assert load_yaml("a: &x [1, 2]\nb: *x\nc: {d: {e: [[1]]}}") == {"a": [1, 2], "b": [1, 2], "c": {"d": {"e": [[1]]}}}


def test_impossible_date_reaches_the_caller_as_text(tmp_path: Path) -> None:
    assert load_yaml("week_start: 2026-11-31") == {"week_start": "2026-11-31"}
    folder = tmp_path / "sc"
    shutil.copytree(DATA / "tiny", folder)
    yaml_file = folder / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("2026-11-30", "2026-11-31"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    assert [str(f) for f in exc.value.faults] == [
        "scenario.yaml, colonne 'calendar.week_start' : '2026-11-31' n'est pas une date "
        "(écrire AAAA-MM-JJ ou JJ/MM/AAAA, par exemple 2026-12-01)"
    ]


def test_alias_bomb_in_scenario_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "sc"
    shutil.copytree(DATA / "tiny", folder)
    (folder / "scenario.yaml").write_text(BOMB + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    first = exc.value.faults[0]
    assert (first.file, first.message) == ("scenario.yaml", "YAML trop complexe : plus de 100000 valeurs une fois les alias développés")
    assert first.row is not None and first.row > 1


def test_yaml_file_in_cp1252_and_missing_or_folder(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes("title: Deux antennes à Cluny\n".encode("cp1252"))
    assert read_yaml_file(f) == {"title": "Deux antennes à Cluny"}
    for path, message in ((tmp_path / "absent.yaml", "fichier introuvable"), (tmp_path, "c'est un dossier, pas un fichier YAML")):
        with pytest.raises(InputError) as exc:
            read_yaml_file(path)
        assert exc.value.faults[0].message == message


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),  # formula
        ('=HYPERLINK("http://x","Cliquez ici")', '\'=HYPERLINK("http://x","Cliquez ici")'),
        ("+33 3 85 59 00 00", "'+33 3 85 59 00 00"),  # plus sign
        ("-2+3", "'-2+3"),  # minus sign
        ("@SUM(A1)", "'@SUM(A1)"),  # Lotus-style function
        ("\t=1", "'\t=1"),  # tab
        ("\r=1", "'\r=1"),  # carriage return
        ("Cluny", "Cluny"),  # ordinary text untouched
        ("v=1", "v=1"),  # '=' further in is harmless
        (-3, -3),  # numbers untouched
        ("-1,5", "-1,5"),  # also when written as text (French decimal comma)
    ],
)
def test_csv_cells_are_neutralised_and_read_back(value, written) -> None:
    assert csv_cell(value) == written
    if isinstance(value, str):
        assert csv_value(csv_cell(value)) == value


def test_xlsx_formula_text_is_stored_as_inert_text(tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    evil = '=HYPERLINK("http://example.invalid","Cliquez ici")'
    xlsx_append(ws, ["Site", "Habitants"])
    xlsx_append(ws, [evil, 12])
    xlsx_append(ws, ["+1", -4])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element anywhere
    assert '<c r="A2" s="1" t="inlineStr"><is><t>=HYPERLINK(' in sheet  # a text cell with the quote-prefix style
    back = load_workbook(path).active
    assert back["A2"].value == evil and back["A2"].data_type == "s" and back["A2"].quotePrefix
    assert back["B2"].value == 12 and back["B3"].value == -4


def test_routes_csv_neutralises_ids_and_reports_read_them_back(tmp_path: Path) -> None:
    from itinerant.reports.outputs import plan_from_csv
    from itinerant.visits.io import routes_csv_text, unassigned_csv_text

    doc = {
        "routes": [{"advisor_id": "@a1", "day": "2026-11-30", "stops": [
            {"seq": 1, "visit_id": "=1+1", "arrival": "09:00", "start": "09:00", "end": "09:45", "travel_s": 60, "travel_m": 900}]}],
        "unassigned": [{"visit_id": "-v2", "reason": "=pas de conseiller"}],
    }
    routes, unassigned = tmp_path / "routes.csv", tmp_path / "unassigned.csv"
    routes.write_text(routes_csv_text(doc), encoding="utf-8")
    unassigned.write_text(unassigned_csv_text(doc), encoding="utf-8")
    assert routes.read_text(encoding="utf-8").splitlines()[1].startswith("'@a1,2026-11-30,1,'=1+1,")
    assert unassigned.read_text(encoding="utf-8").splitlines()[1] == "'-v2,'=pas de conseiller"
    plan = plan_from_csv(routes, unassigned)
    assert plan["routes"][0]["stops"][0]["visit_id"] == "=1+1"
    assert plan["unassigned"] == [{"visit_id": "-v2", "reason": "=pas de conseiller"}]


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def test_every_csv_and_xlsx_writer_goes_through_the_neutraliser() -> None:
    # Any new writer must use csv_cell/csv_row (CSV) or xlsx_append (XLSX): a test that fails
    # when someone adds a `writer.writerow(row)` or `ws.append(row)` with raw cells.
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "safe.py":
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        for call in _calls(tree):
            f = call.func
            if not isinstance(f, ast.Attribute):
                continue
            if "# internal CSV" in lines[call.lineno - 1]:
                continue  # a file itinerant reads back itself, never a spreadsheet export
            if f.attr == "writerow" and call.args:
                arg = ast.unparse(call.args[0])
                header = arg.isupper() or arg.endswith("_COLUMNS")
                if not header and not arg.startswith(("csv_row(", "{k: csv_cell(")):
                    offenders.append(f"{path.name}: {ast.unparse(call)}")
            if f.attr == "append" and isinstance(f.value, ast.Name) and f.value.id.startswith("ws"):
                offenders.append(f"{path.name}: {ast.unparse(call)}")
    assert offenders == []
