"""Clumsy and hostile scenario files (issue 12): every one gets a fault naming its file,
row and column; nothing is guessed, lost or silently changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from itinerant.core.errors import InputError
from itinerant.scenario import load_scenario

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"


def _tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _faults(folder: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    return [str(f) for f in exc.value.faults]


# (file, old text, new text, the one expected fault)
VALUE_CASES = [
    # a negative lunch break would plan no lunch at all
    ("advisors.csv", "12:00,14:00,45", "12:00,14:00,-30",
     "advisors.csv, ligne 2, colonne 'pause_duree' : durée de pause négative (-30 min) "
     "(écrire une durée positive, par exemple 45, ou 0 pour aucune pause)"),
]


@pytest.mark.parametrize(("name", "old", "new", "fault"), VALUE_CASES)
def test_values_out_of_range_are_faults(tmp_path: Path, name: str, old: str, new: str, fault: str) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, name, old, new)
    assert _faults(folder) == [fault]


def test_missing_week_is_one_fault_not_a_cascade_on_pinned_visits(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, "scenario.yaml", "  week_start: 2026-11-30\n", "")
    _edit(folder, "visits.csv", "competence,priorite\n", "competence,priorite,date_imposee,conseiller_impose\n")
    _edit(folder, "visits.csv", "numerique,must\n", "numerique,must,2026-12-01,a1\n")
    assert _faults(folder) == [
        "scenario.yaml, colonne 'calendar.week_start' : semaine à planifier absente "
        "(écrire par exemple  calendar: {week_start: 2026-11-30}  (un lundi))"
    ]


def test_unreadable_scenario_yaml_is_one_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    (folder / "scenario.yaml").write_text("calendar: [2026-11-30\n", encoding="utf-8")
    faults = _faults(folder)
    assert len(faults) == 1 and faults[0].startswith("scenario.yaml, ligne 2 : YAML illisible")
