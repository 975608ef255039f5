"""Re-planning the team's week on Tuesday evening (issue 14): what began before now is
kept as made, the announced duties keep their holders, the announced visits hold, and
every change is listed (residents to warn, duties whose holder changed)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from itinerant import pipeline
from itinerant.team import check_week

REPO = Path(__file__).resolve().parents[1]
CLUNISOIS = REPO / "scenarios" / "clunisois"
NOW = dt.datetime(2026, 12, 1, 18, 30)
WEDNESDAY = "2026-12-02"
LIMIT = 4.0

URGENT = (
    "id;lat;lon;commune;duree;jours;fenetres;priorite;nom;adresse;telephone;motif;mode\n"
    "u001;46,43523;4,65885;71137;45;;09:00-16:30;must;M. U. (fictif);adresse fictive, Cluny;"
    "06 00 00 00 98 (fictif);dossier urgent;domicile\n"
    "u002;46,4423;4,66021;71137;45;jeu|ven;09:00-16:30;must;Mme V. (fictif);adresse fictive, Cluny;"
    "06 00 00 00 99 (fictif);APL urgente;domicile\n"
)


def _started(day: str, start_s: int) -> bool:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time()) + dt.timedelta(seconds=start_s) < NOW


def _secs(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


@pytest.fixture(scope="module")
def replanned(tmp_path_factory: pytest.TempPathFactory, clunisois_week):
    """Monday's plan (the session's ``itinerant week`` on the Clunisois, tests/conftest.py),
    then Tuesday 18:30's re-plan with an advisor absent on Wednesday (the one with the most
    visits that day) and two urgent requests."""
    tmp = tmp_path_factory.mktemp("replan")
    monday, _ = clunisois_week
    old = json.loads((monday / "week.json").read_text(encoding="utf-8"))
    stops: dict[str, int] = {}
    for r in old["tours"]["routes"]:
        if r["day"] == WEDNESDAY:
            stops[r["advisor_id"]] = stops.get(r["advisor_id"], 0) + len(r["stops"])
    absent = max(sorted(stops), key=lambda a: stops[a])
    folder = tmp / "scenario"
    shutil.copytree(CLUNISOIS, folder, ignore=shutil.ignore_patterns("antennes", "generate.py", "*.md"))
    (folder / "absences.csv").write_text(f"conseiller;date;de;a;motif\n{absent};{WEDNESDAY};;;maladie\n",
                                         encoding="utf-8")
    urgent = tmp / "urgent.csv"
    urgent.write_text(URGENT, encoding="utf-8")
    scenario, matrices = pipeline._load(folder, None, pipeline.QUIET)
    result = pipeline.plan_team_week(scenario, matrices, time_limit=LIMIT, replan=monday / "week.json",
                                     now=NOW, add=urgent)
    out = tmp / "mardi"
    doc = pipeline.write_team_week(result, out)
    return old, doc, result, absent, out


def test_nothing_is_placed_before_now_and_the_past_is_kept(replanned) -> None:
    old, doc, _, _, _ = replanned
    new_routes = [r for r in doc["tours"]["routes"] if not r["made"]]
    assert new_routes
    assert all(not _started(r["day"], r["depart_s"]) for r in new_routes)
    kept = [r for r in doc["tours"]["routes"] if r["made"]]
    before = [r for r in old["tours"]["routes"] if _started(r["day"], r["depart_s"])]
    assert kept and [(r["advisor_id"], r["day"], [(s["visit_id"], s["start"]) for s in r["stops"]]) for r in kept] == \
        [(r["advisor_id"], r["day"], [(s["visit_id"], s["start"]) for s in r["stops"]]) for r in before]
    made = {d["id"]: d["advisors"] for d in doc["duties"] if d["made"]}
    assert made == {d["id"]: d["advisors"] for d in old["duties"] if _started(d["day"], _secs(d["start"]))}
    assert all(not _started(d["day"], _secs(d["start"])) for d in doc["duties"] if not d["made"])
    assert doc["visits"]["made"] == sum(len(r["stops"]) for r in before)
    assert doc["now"] == "2026-12-01T18:30"
    ids = [r["vehicle_id"] for r in doc["tours"]["routes"]]
    assert len(ids) == len(set(ids))


def test_a_kept_tour_never_shares_its_id_with_a_tour_planned_after_now() -> None:
    from itinerant.team.io import made_routes

    kept = [{"vehicle_id": "a@2026-11-30#1"}, {"vehicle_id": "a@2026-11-30#2"}]
    out = made_routes(kept, {"a@2026-11-30#1", "a@2026-11-30#1-fait"})
    assert [r["vehicle_id"] for r in out] == ["a@2026-11-30#1-fait2", "a@2026-11-30#2"]
    assert all(r["made"] for r in out)


def test_the_team_checker_is_clean_and_nobody_is_in_two_places(replanned) -> None:
    _, doc, result, _, _ = replanned
    team, week = result
    assert check_week(team, week) == []
    # the whole week, the kept part included: per advisor and day, no two things at once
    spans: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for d in doc["duties"]:
        for a in d["advisors"]:
            spans.setdefault((a, d["day"]), []).append((_secs(d["start"]), _secs(d["end"]), d["id"]))
    for r in doc["tours"]["routes"]:
        spans.setdefault((r["advisor_id"], r["day"]), []).append((r["depart_s"], r["return_s"], r["vehicle_id"]))
    for key, items in spans.items():
        items.sort()
        for (_, end, a), (start, _, b) in zip(items, items[1:]):
            assert end <= start, f"{key}: {a} and {b} overlap"


def test_announced_duties_keep_their_holders_except_the_absent_advisors(replanned) -> None:
    old, doc, _, absent, out = replanned
    before = {d["id"]: sorted(d["advisors"]) for d in old["duties"]}
    changed = {c["id"]: c for c in doc["duty_changes"]}
    lost = [d for d in old["duties"] if d["day"] == WEDNESDAY and absent in d["advisors"]]
    for d in doc["duties"]:
        if d["made"]:
            continue
        if d["day"] == WEDNESDAY:
            assert absent not in d["advisors"]
        if d["id"] in changed:
            assert changed[d["id"]]["old"] == before[d["id"]] and changed[d["id"]]["new"] == sorted(d["advisors"])
        else:
            assert sorted(d["advisors"]) == before[d["id"]], d["id"]
    for d in lost:  # each of the absent advisor's duties is listed, with why
        assert "absent ce jour-là" in changed[d["id"]]["why"]
    assert set(changed) <= {d["id"] for d in old["duties"] if d["day"] == WEDNESDAY} | {d["id"] for d in lost}
    rows = list(csv.DictReader((out / "changements_permanences.csv").open(encoding="utf-8")))
    assert {r["id"] for r in rows} == set(changed)


def test_residents_to_warn_are_listed_and_urgent_requests_planned(replanned) -> None:
    old, doc, _, absent, out = replanned
    announced = {s["visit_id"] for r in old["tours"]["routes"] if r["day"] == WEDNESDAY and r["advisor_id"] == absent
                 for s in r["stops"] if not s["visit_id"].startswith("mairie-")}
    assert announced
    changes = {c["visit_id"]: c for c in doc["tours"]["changes"]}
    assert announced <= set(changes)
    assert all(c["old_advisor_id"] == absent for vid, c in changes.items() if vid in announced)
    text = (out / "tournees" / "changes.csv").read_text(encoding="utf-8-sig")
    assert text.count("\n") == len(changes) + 1
    page = (out / "tournees" / "a_prevenir.html").read_text(encoding="utf-8")
    assert "18 h 30" in page
    served = {s["visit_id"] for r in doc["tours"]["routes"] for s in r["stops"]}
    left = {u["visit_id"]: u["reason"] for u in doc["tours"]["unassigned"]}
    for vid in ("u001", "u002"):
        assert vid in served or left[vid]
    summary = pipeline.week_summary(doc)
    assert f"{len(changes)} personne(s) à prévenir" in summary
    assert f"{len(doc['duty_changes'])} permanence(s) changent de conseiller" in summary


def test_day_sheets_show_the_duties_of_the_day(replanned) -> None:
    _, doc, _, _, out = replanned
    tours = {(r["advisor_id"], r["day"]) for r in doc["tours"]["routes"] if r["stops"]}
    both = [(d, a) for d in doc["duties"] for a in d["advisors"] if (a, d["day"]) in tours]
    assert both
    for d, a in both:
        sheet = (out / "tournees" / "feuilles" / f"{d['day']}_{a}.html").read_text(encoding="utf-8")
        assert d["name"] in sheet and 'class="item duty"' in sheet


def test_a_second_replan_starts_from_the_first(replanned, tmp_path: Path) -> None:
    """The re-plan's week.json carries what the next re-plan needs (its tours and duties)."""
    _, doc, result, _, out = replanned
    later = pipeline.plan_team_week(result.scenario, result.matrices, time_limit=2, replan=out / "week.json",
                                    now=dt.datetime(2026, 12, 3, 12, 0))
    doc2 = later.doc()
    kept = {(r["advisor_id"], r["day"], r["depart_s"]) for r in doc2["tours"]["routes"] if r["made"]}
    ids = [r["vehicle_id"] for r in doc2["tours"]["routes"]]
    assert len(ids) == len(set(ids))
    assert {(r["advisor_id"], r["day"], r["depart_s"]) for r in doc["tours"]["routes"]
            if dt.datetime.combine(dt.date.fromisoformat(r["day"]), dt.time()) + dt.timedelta(seconds=r["depart_s"])
            < dt.datetime(2026, 12, 3, 12, 0)} == kept


@pytest.mark.parametrize(
    "args, code, message",
    [
        # the previous week is not a week.json
        (["--replan", "{bad}"], 1, "n'est pas un week.json"),
        # --now unreadable
        (["--now", "mardi soir"], 2, "--now « mardi soir » : date et heure illisibles"),
        # a cycle week that does not exist
        (["--semaine", "0"], 2, "--semaine 0"),
        # the re-planned week.json is missing
        (["--replan", "{missing}"], 1, "fichier introuvable"),
        # a duty's day that is not a date
        (["--replan", "{badday}"], 1, "permanence p1@x illisible (jour 'mardi'"),
        # week 3 of a 2-week bus cycle
        (["--semaine", "3"], 1, "semaine 3 hors du cycle (1 à 2)"),
    ],
)
def test_bad_replan_arguments_are_french_faults(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.json"
    bad.write_text('{"duties": 3}', encoding="utf-8")
    badday = tmp_path / "badday.json"
    badday.write_text('{"duties": [{"id": "p1@x", "day": "mardi", "start": "09:00", "end": "12:00"}]}',
                      encoding="utf-8")
    args = [a.replace("{bad}", str(bad)).replace("{missing}", str(tmp_path / "nope.json"))
            .replace("{badday}", str(badday)) for a in args]
    run = subprocess.run([sys.executable, "-m", "itinerant", "week", str(REPO / "tests" / "data" / "tiny"),
                          "--out", str(tmp_path / "o"), "--quiet", *args],
                         capture_output=True, text=True, cwd=REPO, timeout=120,
                         env={**__import__("os").environ, "PYTHONPATH": str(REPO / "src")})
    assert run.returncode == code and "Traceback" not in run.stderr + run.stdout
    assert message in run.stderr


def test_residents_of_an_announced_mairie_session_are_warned_when_it_changes() -> None:
    """A session announced by the previous plan is one stop (its residents have no stop of
    their own): each resident whose appointment is no longer that session, same advisor,
    day and time, is a change to warn; a session kept as it was warns nobody."""
    from itinerant.team.build import Replan
    from itinerant.team.io import session_changes

    def route(advisor: str, day: str, depart_s: int, stops: list[tuple[str, str]]) -> dict:
        return {"advisor_id": advisor, "day": day, "depart_s": depart_s,
                "stops": [{"visit_id": v, "start": t} for v, t in stops]}

    old_session = {"id": "mairie-71137#1", "commune": "mairie de Cluny", "commune_code": "71137",
                   "visits": ["v1", "v2", "v3"]}
    old = {"routes": [route("a1", "2026-12-02", 9 * 3600, [("mairie-71137#1", "09:30")]),
                      route("a1", "2026-12-01", 9 * 3600, [("v9", "09:30")])]}
    replan = Replan(now=NOW, tours=old, sessions=(old_session,))
    kept = {"routes": [route("a1", "2026-12-02", 9 * 3600, [("mairie-71137#1", "09:30")])], "unassigned": []}
    assert session_changes(replan, [old_session], kept) == []
    moved = {"routes": [route("a2", "2026-12-03", 9 * 3600, [("v1", "10:00"), ("mairie-71137#2", "11:00")])],
             "unassigned": [{"visit_id": "v3", "reason": "plus de place"}]}
    new_session = dict(old_session, id="mairie-71137#2", visits=["v2"])
    rows = {r["visit_id"]: r for r in session_changes(replan, [new_session], moved)}
    assert set(rows) == {"v1", "v2", "v3"}
    assert rows["v1"]["why"].endswith("remplacée par une visite à domicile") and rows["v1"]["new_start"] == "10:00"
    assert rows["v2"]["why"].endswith("déplacée") and rows["v2"]["new_advisor_id"] == "a2"
    assert rows["v3"]["new_day"] is None and "plus de place" in rows["v3"]["why"]
    assert all(r["old_day"] == "2026-12-02" and r["old_start"] == "09:30" for r in rows.values())


def test_a_visit_dropped_for_a_duty_says_which_duty_and_gets_its_reason() -> None:
    """The home-visit planner only sees that the advisor's afternoon is gone; the team's
    change row says the advisor now holds the desk in place of the absent holder, and a
    visit not re-planned gets the reason of the list of visits left out."""
    from types import SimpleNamespace

    from itinerant.team.build import Replan
    from itinerant.team.io import _explained

    team = SimpleNamespace(members=[SimpleNamespace(id="s", name="Sophie"), SimpleNamespace(id="k", name="Karim")])
    replan = Replan(now=NOW, duties=({"id": "desk@2026-12-02", "day": WEDNESDAY, "start": "13:30", "end": "17:00",
                                      "advisors": ["k"]},))
    duties = [{"id": "desk@2026-12-02", "name": "Accueil", "day": WEDNESDAY, "start": "13:30", "end": "17:00",
               "advisors": ["s"]}]
    tours = {"changes": [{"visit_id": "v1", "old_advisor_id": "s", "old_day": WEDNESDAY, "old_start": "14:00",
                          "why": "Sophie ne tourne plus le mercredi 2/12 (journée passée ou non travaillée) ; "
                                 "non replanifiée : "}],
             "unassigned": [{"visit_id": "v1", "reason": "plus de place jeudi"}]}
    (row,) = _explained(team, replan, duties, tours)  # type: ignore[arg-type]
    assert row["why"] == ("Sophie tient désormais « Accueil » (13:30-17:00) à la place de Karim ; "
                          "non replanifiée : plus de place jeudi")


def test_every_link_of_the_replanned_pages_works(replanned) -> None:
    """The team page, the week page and « À prévenir » of ``itinerant week`` link only
    files that exist (the day sheets' PDF included)."""
    import re

    _, _, _, _, out = replanned
    pages = [out / "semaine_equipe.html", out / "tournees" / "semaine.html", out / "tournees" / "a_prevenir.html"]
    seen = 0
    for page in pages:
        for href in set(re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8"))):
            if "://" in href or href.startswith(("geo:", "tel:", "mailto:")):
                continue
            assert (page.parent / href).resolve().is_file(), (page.name, href)
            seen += 1
    assert seen > 5
