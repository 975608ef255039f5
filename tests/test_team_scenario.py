"""The team's week from a scenario: the permanences table, contract hours, visit modes,
bus crew; ``itinerant week`` end to end on the Clunisois."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from itinerant import pipeline
from itinerant.core.errors import InputError
from itinerant.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
CLUNISOIS = REPO / "scenarios" / "clunisois"
HEADER = "id,nom,site,type,jours,date,debut,fin,conseillers,competences,semaines,conseiller_prefere,hypothese\n"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "s"
    shutil.copytree(CLUNISOIS, folder, ignore=shutil.ignore_patterns("antennes", "generate.py", "*.md"))
    return folder


def test_clunisois_has_its_duties_contracts_modes_and_crew() -> None:
    s = load_scenario(CLUNISOIS)
    ids = {p.id: p for p in s.permanences}
    assert set(ids) == {"accueil-matin", "accueil-apres-midi", "salornay", "restos", "atelier-numerique"}
    assert ids["accueil-matin"].weekdays == (0, 1, 2, 3, 4) and ids["accueil-matin"].kind == "office"
    assert ids["salornay"].site_id == "ant-salornay" and ids["salornay"].preferred_advisor == "c-julien"
    assert all(p.hypothesis for p in s.permanences)  # guesses, to adjust
    assert s.buses[0].crew == 1
    assert {a.id: a.contract_s for a in s.advisors}["c-sophie"] == 21 * 3600
    assert {v.modes for v in s.visits} == {("domicile",), ("domicile", "mairie")}


@pytest.mark.parametrize(
    "row, column, message",
    [
        # a site that does not exist
        ("p1,Accueil,fs-clunny,accueil,lun,,09:00,12:00,1,,,,", "site", "site 'fs-clunny' inconnu"),
        # neither a weekday nor a date
        ("p1,Accueil,fs-cluny,accueil,,,09:00,12:00,1,,,,", "jours", "ni jour ni date"),
        # ends before it starts
        ("p1,Accueil,fs-cluny,accueil,lun,,12:00,09:00,1,,,,", "fin", "fin 09:00 avant le début 12:00"),
        # a week outside the bus cycle of 4 weeks
        ("p1,Accueil,fs-cluny,accueil,lun,,09:00,12:00,1,,5,,", "semaines", "hors du cycle de 4"),
        # an unknown preferred advisor
        ("p1,Accueil,fs-cluny,accueil,lun,,09:00,12:00,1,,,c-camile,", "conseiller_prefere", "conseiller 'c-camile' inconnu"),
        # an unknown kind of duty
        ("p1,Accueil,fs-cluny,guichett,lun,,09:00,12:00,1,,,,", "type", "n'est pas une valeur possible"),
    ],
)
def test_bad_permanence_rows_are_faults(tmp_path: Path, row: str, column: str, message: str) -> None:
    folder = _copy(tmp_path)
    (folder / "permanences.csv").write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    faults = [f for f in exc.value.faults if f.file == "permanences.csv"]
    assert [(f.row, f.column) for f in faults] == [(2, column)]
    assert message in faults[0].message


def test_bad_mode_and_contract_are_faults(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    adv = (folder / "advisors.csv").read_text(encoding="utf-8").splitlines()
    adv[1] = adv[1].rsplit(",", 1)[0] + ",beaucoup"
    (folder / "advisors.csv").write_text("\n".join(adv) + "\n", encoding="utf-8")
    vis = (folder / "visits.csv").read_text(encoding="utf-8-sig").splitlines()
    vis[1] = vis[1].rsplit(";", 1)[0] + ";chez le voisin"
    (folder / "visits.csv").write_text("\n".join(vis) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    got = {(f.file, f.row, f.column) for f in exc.value.faults}
    assert got == {("advisors.csv", 2, "heures_contrat"), ("visits.csv", 2, "mode")}


def test_week_on_the_clunisois_staffs_every_duty_within_contracts(clunisois_week) -> None:
    # clunisois_week: tests/conftest.py, planned once and shared with tests/test_week_replan.py
    out, summary = clunisois_week
    doc = json.loads((out / "week.json").read_text(encoding="utf-8"))
    assert doc["unstaffed"] == []
    assert all(len(d["advisors"]) == d["needed"] for d in doc["duties"])
    assert len(doc["duties"]) == 17  # 10 desk half-days, 4 bus days, Salornay, Restos, workshop
    for m in doc["members"]:
        assert m["hours_h"] <= m["contract_h"] + 1e-9
    v = doc["visits"]
    assert v["served"] == v["at_home"] + v["in_mairie"] and v["served"] + v["left_out"] == v["total"] == 60
    assert len(doc["board"]) == 4 * 5 * 2  # advisor x day x half-day
    assert summary.startswith("Semaine de l'équipe : 17 permanences tenues sur 17")
    page = (out / "semaine_equipe.html").read_text(encoding="utf-8")
    assert "Tableau de la semaine" in page and "Heures par conseiller" in page and "hypothèse, à ajuster" in page
    assert (out / "semaine_equipe.xlsx").is_file() and (out / "tournees" / "plan.json").is_file()
    import re

    links = re.findall(r'href="(tournees/feuilles/[^"]+\.html)"', page)
    assert links and all((out / link).is_file() for link in links)  # each tour cell opens its day sheet


def test_a_duty_that_cannot_be_staffed_comes_first(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    with open(folder / "permanences.csv", "a", encoding="utf-8") as f:
        f.write("juridique,Permanence juridique,fs-cluny,partenaire,lun,09:00,11:00,1,juridique,,,oui,\n")
    # the unstaffed duty and its reason do not depend on the search: the smallest budget
    summary = pipeline.run_week(folder, tmp_path / "out", time_limit=1, render=False)
    first = summary.splitlines()[0]
    assert first.startswith("PERMANENCE NON TENUE : Permanence juridique le 2026-11-30 09:00-11:00")
    assert "sans la compétence « juridique »" in first


def test_an_absence_removes_the_day_and_its_duties_go_to_others() -> None:
    import datetime as dt

    from itinerant.matrices import drive_matrix
    from itinerant.scenario.model import Absence
    from itinerant.scenario.places import scenario_places
    from itinerant.team import assign_duties
    from itinerant.team.build import mairie_places, team_from_scenario

    s = load_scenario(CLUNISOIS)
    thursday = dt.date(2026, 12, 3)
    away = s.model_copy(update={"absences": (Absence(advisor_id="c-julien", date=thursday, reason="formation"),)})
    m = drive_matrix(scenario_places(s) + mairie_places(s), territory=None)
    base, team = team_from_scenario(s, m), team_from_scenario(away, m)
    assert base.member("c-julien").on(thursday) is not None
    assert team.member("c-julien").on(thursday) is None
    duties = assign_duties(team, strategy="sequential", time_limit_s=2)
    # Thursday then has Camille and Sophie for the bus, the desk and Salornay: one seat stays
    # empty, and the reason names who is where.
    (u,) = duties.unstaffed
    assert u.duty_id.endswith("@2026-12-03") and u.missing == 1
    assert "Julien (fictif) : absent ce jour-là" in u.reason and "Karim (fictif) : absent ce jour-là" in u.reason
    assert not [d for d, who in duties.pairs if who == "c-julien" and d.endswith(thursday.isoformat())]


def test_week_command_on_the_tiny_scenario(tmp_path: Path) -> None:
    import subprocess
    import sys

    def itinerant(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "itinerant", *args], capture_output=True, text=True,
                              cwd=REPO, timeout=300)

    tiny = REPO / "tests" / "data" / "tiny"
    res = itinerant("week", str(tiny), "--out", str(tmp_path / "w"), "--time-limit", "4", "--quiet")
    assert res.returncode == 0, res.stderr
    # The tiny bus (Tuesday, Thursday, crew 1 by default) is staffed by A on Thursday and by
    # A or B on Tuesday: no permanence table, every seat held.
    assert res.stdout.startswith("Semaine de l'équipe : 2 permanences tenues sur 2")
    doc = json.loads((tmp_path / "w" / "week.json").read_text(encoding="utf-8"))
    assert [d["id"].split("@")[0] for d in doc["duties"]] == ["bus1", "bus1"]
    bad = itinerant("week", str(tiny), "--out", str(tmp_path / "x"), "--strategy", "greedy", "--quiet")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr + bad.stdout  # a bad option (issue 12)
    assert "--strategy « greedy » : stratégie inconnue" in bad.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("{pas du json", encoding="utf-8")
    bad = itinerant("week", str(tiny), "--out", str(tmp_path / "y"), "--previous", str(junk), "--quiet")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr + bad.stdout
    assert "semaine précédente illisible" in bad.stderr
    again = itinerant("week", str(tiny), "--out", str(tmp_path / "z"), "--time-limit", "4", "--quiet",
                      "--previous", str(tmp_path / "w" / "week.json"))
    assert again.returncode == 0, again.stderr
