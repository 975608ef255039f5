"""The command line, as a coordinator uses it: faults listed, exit 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DATA, REPO


def itinerant(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "itinerant", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )


def test_validate_lists_every_fault_without_traceback() -> None:
    res = itinerant("validate", str(DATA / "bad" / "several_faults"))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr + res.stdout
    faults = [line for line in res.stderr.splitlines() if line.strip().startswith("- ")]
    assert len(faults) >= 2, res.stderr
    # each fault names a file, and a row and column when the fault is in a cell
    assert all(".csv" in f or ".yaml" in f or ".xlsx" in f for f in faults), faults


@pytest.mark.parametrize(
    ("folder", "fault"),
    [
        # a visit window 18:00-09:00
        ("window_ends_before_start",
         "visits.csv, ligne 2, colonne 'fenetres' : '18:00-09:00' se termine avant de commencer "
         "(écrire HH:MM-HH:MM)"),
        # a commune code not in communes.csv
        ("unknown_commune_code",
         "residents.csv, ligne 4, colonne 'commune' : code commune '71999' inconnu (absent de communes.csv) "
         "(utiliser un code INSEE de la table communes)"),
        # a table with an unexpected separator
        ("wrong_separator",
         "communes.csv, ligne 1 : séparateur '|' non reconnu : l'en-tête se lit comme une seule colonne "
         "(enregistrer en CSV séparé par ';' (Excel « CSV (séparateur : point-virgule) ») ou par ',')"),
    ],
)
def test_validate_bad_scenarios_exit_1(folder: str, fault: str) -> None:
    res = itinerant("validate", str(DATA / "bad" / folder))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    lines = [line.strip() for line in res.stderr.splitlines() if line.strip()]
    assert lines == ["1 erreur dans les données :", f"- {fault}"]


def test_validate_default_scenario() -> None:
    res = itinerant("validate", "scenarios/clunisois")
    assert res.returncode == 0, res.stderr
    assert "41 communes" in res.stdout


def test_matrix_command_writes_the_documented_arrays(tmp_path: Path) -> None:
    points = tmp_path / "points.csv"
    points.write_text("id,lat,lon\ncluny,46.436,4.658\nsalornay,46.519,4.597\njoncy,46.613,4.556\n")
    out = tmp_path / "m.npz"
    res = itinerant("matrix", "--points", str(points), "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    m = np.load(out)
    assert list(m["ids"]) == ["cluny", "salornay", "joncy"]
    for key in ("duration_s", "distance_m"):
        assert m[key].dtype == np.int64 and m[key].shape == (3, 3)
        assert (np.diag(m[key]) == 0).all() and (m[key][~np.eye(3, dtype=bool)] > 0).all()


def test_missing_osm_file_is_a_clear_error(tmp_path: Path) -> None:
    res = itinerant("visits", str(DATA / "tiny"), "--out", str(tmp_path), "--osm", "nope.osm.pbf")
    assert res.returncode == 1
    assert "nope.osm.pbf" in res.stderr and "Traceback" not in res.stderr


def test_antennes_without_subcommand_solves_one_model(tmp_path: Path) -> None:
    res = itinerant("antennes", "scenarios/clunisois", "--model", "mclp", "--p", "1",
                    "--minutes", "15", "--out", str(tmp_path), "--quiet")
    assert res.returncode == 0, res.stderr
    import json

    doc = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    (variant,) = doc["variants"]
    assert sum(s["new"] for s in variant["sites"]) == 1
    # the existing antennes stay open in the answer
    assert {"ant-salornay", "restos-cluny"} <= {s["id"] for s in variant["sites"]}
    assert (tmp_path / "comparaison.html").is_file()


def test_unknown_engine_is_a_clear_error(tmp_path: Path) -> None:
    res = itinerant("visits", str(DATA / "tiny"), "--out", str(tmp_path), "--engine", "vroom")
    assert res.returncode == 2 and "Traceback" not in res.stderr  # a bad option, caught before anything is read
    assert res.stderr.splitlines() == [
        "Option invalide :", "  - --engine « vroom » : moteur inconnu (écrire auto, pyvrp, ortools)"]


def test_replan_keeps_pinned_visits_and_inserts_urgent_ones(tmp_path: Path) -> None:
    import json

    first = tmp_path / "first"
    # the first week's sheets are not read: only its plan.json (the re-plan writes its reports)
    res = itinerant("visits", str(DATA / "tiny"), "--out", str(first), "--time-limit", "1", "-q", "--no-reports")
    assert res.returncode == 0, res.stderr
    plan = json.loads((first / "plan.json").read_text(encoding="utf-8"))
    route = plan["routes"][0]
    stop = route["stops"][0]
    stop["pinned"] = True  # the coordinator confirmed this one with the resident
    (first / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    new = tmp_path / "urgent.csv"
    new.write_text(
        "id,habitant,lat,lon,commune,duree,jours,fenetres,competence,priorite\n"
        "u1,r1,46.4601,4.6452,71264,30,,09:00-17:00,sante,must\n",
        encoding="utf-8",
    )
    second = tmp_path / "second"
    res = itinerant("visits", str(DATA / "tiny"), "--out", str(second), "--replan",
                    str(first / "plan.json"), "--add", str(new), "--time-limit", "1", "-q")
    assert res.returncode == 0, res.stderr
    replanned = json.loads((second / "plan.json").read_text(encoding="utf-8"))
    where = {(s["visit_id"]): (r["advisor_id"], r["day"])
             for r in replanned["routes"] for s in r["stops"]}
    assert where[stop["visit_id"]] == (route["advisor_id"], route["day"])
    ids = set(where) | {u["visit_id"] for u in replanned["unassigned"]}
    assert "u1" in ids
    assert (second / "a_prevenir.html").is_file() and (second / "semaine.html").is_file()


def test_territory_build_from_a_local_osm_file(andorra_osm: Path) -> None:
    res = itinerant("territory", "build", str(DATA / "andorra"), "--osm", str(andorra_osm), "-q")
    assert res.returncode == 0, res.stderr
    assert "Territoire prêt" in res.stdout and "nœuds routiers" in res.stdout
