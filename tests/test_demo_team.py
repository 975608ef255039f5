"""The demo shows ONE week (issue 14): the team's, whose tours are the home-visit week of
``visites/`` (sheets, week page, workbook, plan.json) and whose board the index leads to;
a scenario without permanences nor bus keeps the home-visit week alone. Day sheets are
one per advisor and day, the tours of the free blocks together, with the day's duties."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from itinerant import pipeline
from itinerant.reports.sheets import advisor_days, day_items
from tests.conftest import DATA


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-team")
    pipeline.run_demo(DATA / "tiny", out, time_limit=2)
    return out


def test_the_demo_visit_week_is_the_team_weeks_tours(demo: Path) -> None:
    week = json.loads((demo / "equipe" / "week.json").read_text(encoding="utf-8"))
    plan = json.loads((demo / "visites" / "plan.json").read_text(encoding="utf-8"))
    assert any(d["kind"] == "bus" for d in week["duties"])  # the bus crew is planned
    assert plan["routes"] == week["tours"]["routes"]
    # the team planner's vehicles: blocks between duties, never on the bus crew's hours
    crew = {(a, d["day"]): d for d in week["duties"] if d["kind"] == "bus" for a in d["advisors"]}
    assert all(re.fullmatch(r".+@\d{4}-\d{2}-\d{2}#\d+", r["vehicle_id"]) for r in plan["routes"])
    for r in plan["routes"]:
        d = crew.get((r["advisor_id"], r["day"]))
        if d is not None:
            start, end = (int(x[:2]) * 3600 + int(x[3:]) * 60 for x in (d["start"], d["end"]))
            assert r["return_s"] <= start or r["depart_s"] >= end
    assert not (demo / "equipe" / "tournees").exists()  # one week, not two


def test_the_index_leads_to_the_team_board_and_every_link_works(demo: Path) -> None:
    html = (demo / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)"', html)
    assert links.index("equipe/semaine_equipe.html") < links.index("visites/semaine.html")
    assert "bus/equipage.html" in links
    for link in set(links):
        if "://" not in link:
            assert (demo / link).is_file(), link
    board = (demo / "equipe" / "semaine_equipe.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"#]+)"', board))
    assert any(h.startswith("../visites/feuilles/") for h in hrefs)
    for h in hrefs:
        if "://" not in h:
            assert (demo / "equipe" / h).resolve().is_file(), h


def test_a_scenario_without_duties_keeps_the_home_visit_week(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(DATA / "tiny", folder)
    (folder / "bus.csv").unlink()
    (folder / "commitments.csv").unlink()
    out = tmp_path / "o"
    pipeline.run_demo(folder, out, time_limit=2)
    plan = json.loads((out / "visites" / "plan.json").read_text(encoding="utf-8"))
    assert plan["routes"] and not (out / "equipe").exists()
    assert all("#" not in r["vehicle_id"] for r in plan["routes"])


def _route(vid: str, depart: str, back: str, stops: list[tuple[str, str, str]]) -> dict:
    def s(t: str) -> int:
        return int(t[:2]) * 3600 + int(t[3:]) * 60

    return {"vehicle_id": vid, "advisor_id": "a1", "day": "2026-12-01", "start_site": "office",
            "end_site": "office", "depart": depart, "return": back, "depart_s": s(depart), "return_s": s(back),
            "break": None, "return_travel_s": 600, "return_travel_m": 5000,
            "stops": [{"seq": k, "visit_id": v, "arrival": a, "start": a, "end": e, "travel_s": 600,
                       "travel_m": 5000} for k, (v, a, e) in enumerate(stops, 1)]}


def test_one_sheet_per_advisor_day_with_its_tours_and_duties() -> None:
    plan = {"routes": [
        _route("a1@2026-12-01#2", "14:00", "16:00", [("v3", "14:20", "15:00")]),
        _route("a1@2026-12-01#1", "08:30", "10:30", [("v1", "08:50", "09:20"), ("v2", "09:40", "10:10")]),
    ]}
    team = {"duties": [{"day": "2026-12-01", "start": "11:00", "end": "12:30", "name": "Accueil",
                        "site": "Bureau", "advisors": ["a1"]}]}
    days = advisor_days(plan, team)
    assert len(days) == 1  # one sheet, not one per block (they had the same file name)
    day = days[0]
    assert [s["visit_id"] for s in day["stops"]] == ["v1", "v2", "v3"]
    assert [s["seq"] for s in day["stops"]] == [1, 2, 3]
    scenario = pipeline.validate(DATA / "tiny")
    kinds = [(it["kind"], it.get("name") or it.get("visit_id") or "") for it in day_items(scenario, day)
             if it["kind"] in ("depart", "stop", "duty", "return")]
    assert [k for k, _ in kinds] == ["depart", "stop", "stop", "return", "duty", "depart", "stop", "return"]
    assert kinds[4] == ("duty", "Accueil")
    assert day["travel_m"] == 3 * 5000 + 2 * 5000
    # without a team, one tour a day stays as it was
    assert advisor_days({"routes": [plan["routes"][0]]}) == [plan["routes"][0]]
