"""Day sheets of the team's week: every advisor working a day has a sheet, a day of duties
only included (no map without a tour), and the lunch is shown where the day leaves room
for it when no tour takes it on the way."""

from __future__ import annotations

import io

from pypdf import PdfReader

from itinerant import pipeline
from itinerant.reports.sheets import advisor_days, day_items, render_day_sheets
from tests.conftest import DATA

DAY = "2026-12-01"


def _s(t: str) -> int:
    return int(t[:2]) * 3600 + int(t[3:]) * 60


def _route(vid: str, depart: str, back: str, stops, brk=None, advisor="a1") -> dict:
    return {"vehicle_id": vid, "advisor_id": advisor, "day": DAY, "start_site": "office", "end_site": "office",
            "depart": depart, "return": back, "depart_s": _s(depart), "return_s": _s(back),
            "break": None if brk is None else {"start": brk[0], "end": brk[1], "start_s": _s(brk[0]), "end_s": _s(brk[1])},
            "return_travel_s": 600, "return_travel_m": 5000,
            "stops": [{"seq": k, "visit_id": v, "arrival": a, "start": a, "end": e, "travel_s": 600, "travel_m": 5000}
                      for k, (v, a, e) in enumerate(stops, 1)]}


def _duty(name: str, start: str, end: str, advisors, site: str = "Bureau de Cluny") -> dict:
    return {"day": DAY, "start": start, "end": end, "name": name, "site": site, "advisors": list(advisors)}


def test_an_advisor_on_duties_only_gets_a_sheet_without_map(tmp_path) -> None:
    plan = {"routes": [_route("a1@2026-12-01#1", "08:30", "10:30", [("v1", "08:50", "09:20")])]}
    team = {"duties": [_duty("Équipage du bus", "09:00", "16:30", ["a2"], site="Dépôt du bus"),
                       _duty("Accueil (après-midi)", "14:00", "17:00", ["a1"])]}
    days = advisor_days(plan, team)
    assert [(d["advisor_id"], len(d["stops"])) for d in days] == [("a1", 1), ("a2", 0)]
    bus_day = days[1]
    scenario = pipeline.validate(DATA / "tiny")
    assert [(it["kind"], it.get("name"), it.get("place")) for it in day_items(scenario, bus_day)] == [
        ("duty", "Équipage du bus", "Dépôt du bus")]  # the bus spans her lunch: taken on board
    paths = render_day_sheets(scenario, plan, tmp_path, team=team)
    names = sorted(p.name for p in paths)
    assert names == [f"{DAY}.pdf", f"{DAY}_a1.html", f"{DAY}_a1.pdf", f"{DAY}_a2.html", f"{DAY}_a2.pdf"]
    html = (tmp_path / f"{DAY}_a2.html").read_text(encoding="utf-8")
    assert "Équipage du bus" in html and "Dépôt du bus" in html and "Pas de tournée ce jour" in html
    assert "Plan de la tournée" not in html and "<svg" not in html  # no tour, no map
    assert "Plan de la tournée" in (tmp_path / f"{DAY}_a1.html").read_text(encoding="utf-8")
    pages = PdfReader(io.BytesIO((tmp_path / f"{DAY}.pdf").read_bytes())).pages
    text = [" ".join(p.extract_text().split()) for p in pages]
    assert len(pages) == 2  # one page each: the whole day prints every advisor working
    assert "Conseillère B (fictif)" in text[1] and "Équipage du bus" in text[1] and "Plan de la tournée" not in text[1]
    # without the team's week, a plan of tours alone is as before
    assert [d["advisor_id"] for d in advisor_days(plan)] == ["a1"]


def test_the_lunch_after_a_tour_and_before_a_duty_is_on_the_sheet() -> None:
    # Tour back at 10:30, the block's lunch at 12:00-12:45 (outside the tour), then the
    # Restos at 14:00: the sheet lists the lunch between the return and the duty.
    plan = {"routes": [_route("a1@2026-12-01#1", "08:30", "10:30", [("v1", "08:50", "09:20")],
                              brk=("12:00", "12:45"))]}
    team = {"duties": [_duty("Restos du Cœur", "14:00", "16:30", ["a1"])]}
    (day,) = advisor_days(plan, team)
    scenario = pipeline.validate(DATA / "tiny")
    items = [(it["kind"], it.get("start") or it.get("time")) for it in day_items(scenario, day)
             if it["kind"] in ("depart", "return", "lunch", "duty")]
    assert items == [("depart", "08:30"), ("return", "10:30"), ("lunch", "12:00"), ("duty", "14:00")]


def test_the_lunch_inside_a_tour_is_listed_once() -> None:
    plan = {"routes": [_route("a1@2026-12-01#1", "11:00", "15:30", [("v1", "11:20", "11:50"), ("v2", "13:00", "13:40")],
                              brk=("12:00", "12:45"))]}
    team = {"duties": [_duty("Accueil (matin)", "08:30", "10:30", ["a1"])]}
    (day,) = advisor_days(plan, team)
    kinds = [it["kind"] for it in day_items(pipeline.validate(DATA / "tiny"), day)]
    assert kinds.count("lunch") == 1 and kinds.index("lunch") > kinds.index("stop")


def test_a_day_of_two_duties_shows_the_lunch_between_them() -> None:
    # Conseiller A: lunch 45 min between 12:00 and 14:00; desk 09:00-12:30 and 13:30-17:00.
    team = {"duties": [_duty("Accueil (matin)", "09:00", "12:30", ["a1"]),
                       _duty("Accueil (après-midi)", "13:30", "17:00", ["a1"])]}
    (day,) = advisor_days({"routes": []}, team)
    items = [(it["kind"], it.get("start"), it.get("end")) for it in day_items(pipeline.validate(DATA / "tiny"), day)]
    assert items == [("duty", "09:00", "12:30"), ("lunch", "12:30", "13:15"), ("duty", "13:30", "17:00")]
    # a day leaving no room for it shows none
    tight = {"duties": [_duty("Accueil (matin)", "09:00", "13:30", ["a1"]), _duty("Atelier", "13:30", "17:00", ["a1"])]}
    (day,) = advisor_days({"routes": []}, tight)
    assert [it["kind"] for it in day_items(pipeline.validate(DATA / "tiny"), day)] == ["duty", "duty"]


def test_the_week_page_and_the_board_lead_to_the_sheets_of_duty_days(tmp_path) -> None:
    from itinerant.reports.team import board_grid
    from itinerant.reports.week import render_week_table

    scenario = pipeline.validate(DATA / "tiny")
    plan = {"routes": [], "unassigned": []}
    team = {"duties": [_duty("Équipage du bus", "09:00", "16:30", ["a2"])]}
    page = render_week_table(scenario, plan, tmp_path / "semaine.html", team=team).read_text(encoding="utf-8")
    assert f'href="feuilles/{DAY}.pdf"' in page  # the day of duties only can be printed
    assert f'feuilles/{DAY}.pdf' not in render_week_table(scenario, plan, tmp_path / "s2.html").read_text(encoding="utf-8")
    sheets = tmp_path / "feuilles"
    render_day_sheets(scenario, plan, sheets, team=team, pdf=False)
    board = {"board": [
        {"advisor_id": "a2", "advisor": "B", "day": DAY, "day_text": "mardi 1/12", "half": "matin",
         "text": "Équipage du bus 09:00-16:30", "kinds": ["bus"]},
        {"advisor_id": "a1", "advisor": "A", "day": DAY, "day_text": "mardi 1/12", "half": "matin",
         "text": "non travaillé", "kinds": ["absent"]}]}
    _, rows = board_grid(board, sheets)
    assert [c["href"] for r in rows for c in r["cells"]] == [f"feuilles/{DAY}_a2.html", None]


def test_the_bus_crews_sheet_lists_the_days_stops_from_the_rota(tmp_path) -> None:
    # The team week planned with the rota's timetable: the crew's duty carries the day's
    # stops (time and commune), and the crew's sheet prints them under the duty (HTML, PDF).
    import csv

    from itinerant.matrices import matrices_for_scenario

    scenario = pipeline.validate(DATA / "tiny")
    scenario = scenario.model_copy(update={"buses": tuple(b.model_copy(update={"crew": 1}) for b in scenario.buses)})
    names = {c.code: c.name for c in scenario.communes}
    code = next(c for c in names if c != scenario.sites[0].commune_code)
    timetable = tmp_path / "timetable.csv"
    with timetable.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["commune_code", "stop_id", "weekday", "start", "end", "weeks"])
        w.writerow([code, f"arret-{code}", "mardi", "10:00", "11:30", ""])
    team = pipeline.plan_team_week(scenario, matrices_for_scenario(scenario, None), bus_timetable=timetable,
                                   time_limit=2)
    doc = team.doc()
    (crew,) = [d for d in doc["duties"] if d["kind"] == "bus"]
    note = f"Arrêts : 10:00-11:30 {names[code]}"
    assert crew["day"] == "2026-12-01" and crew["note"] == note and len(crew["advisors"]) == 1
    paths = render_day_sheets(scenario, doc["tours"], tmp_path / "sheets", team=doc)
    html = next(p for p in paths if p.name == f"2026-12-01_{crew['advisors'][0]}.html").read_text(encoding="utf-8")
    assert f'<div class="duty-note">{note}</div>' in html
    pdf = next(p for p in paths if p.name == f"2026-12-01_{crew['advisors'][0]}.pdf")
    assert "10:00-11:30 " + names[code] in "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
