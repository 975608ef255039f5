"""Reports rendered from real planner output (not hand-written samples): a week solved
on the tiny scenario, a bus rota and an antenne comparison on the Clunisois. The pages
must show what the plans say: names, times and kilometres equal to the plan's."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pypdf
import pytest

from itinerant import pipeline
from itinerant.matrices import matrices_for_scenario
from itinerant.reports import fmt
from tests.conftest import DATA, REPO

CLUNISOIS = REPO / "scenarios" / "clunisois"


def _pdf_pages(path: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


def _text(html: str) -> str:
    """Visible text of an HTML page, entities decoded, spaces normalised."""
    import html as h

    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[pipeline.VisitsResult, Path]:
    scenario = pipeline.validate(DATA / "tiny")
    result = pipeline.plan_visits(scenario, matrices_for_scenario(scenario, None), time_limit=1)
    out = tmp_path_factory.mktemp("week")
    pipeline.write_visits(result, out)
    return result, out


def test_sheets_show_the_plans_names_times_and_km(week) -> None:
    result, out = week
    doc, scenario = result.doc, result.scenario
    advisors = {a.id: a.name for a in scenario.advisors}
    visits = {v.id: v for v in scenario.visits}
    routes = [r for r in doc["routes"] if r["stops"]]
    assert routes and sum(len(r["stops"]) for r in routes) == doc["kpis"]["served"] > 0
    for r in routes:
        stem = f"{r['day']}_{fmt.slug(r['advisor_id'])}"
        html = (out / "feuilles" / f"{stem}.html").read_text(encoding="utf-8")
        text = _text(html)
        assert advisors[r["advisor_id"]] in text
        assert re.findall(r'data-visit="([^"]+)"', html) == [s["visit_id"] for s in r["stops"]]
        # the day's km on the sheet is the plan's: legs in + the return leg
        assert r["travel_m"] == sum(s["travel_m"] for s in r["stops"]) + r["return_travel_m"]
        assert fmt.format_km(r["travel_m"]) in text
        pdf = "\n".join(_pdf_pages(out / "feuilles" / f"{stem}.pdf"))
        for s in r["stops"]:
            v = visits[s["visit_id"]]
            times = f"{fmt.format_time(s['start'])} - {fmt.format_time(s['end'])}"
            assert times in text and times in pdf
            assert (v.name or v.id) in text and (v.name or v.id) in pdf
            assert f"geo:{v.lat:.6f},{v.lon:.6f}" in html  # navigation link per stop
        assert html.count('class="box"') == 3 * len(r["stops"])  # outcome boxes to tick
        assert html.count("<svg") >= 1 + len(r["stops"])  # the map and a QR code per stop


def test_the_notes_column_is_printed_on_the_sheet(week) -> None:
    result, out = week
    v1 = next(v for v in result.scenario.visits if v.id == "v1")
    assert v1.notes == "avis d'imposition 2025 ; sonner deux fois"  # read from visits.csv
    route = next(r for r in result.doc["routes"] if any(s["visit_id"] == "v1" for s in r["stops"]))
    stem = f"{route['day']}_{fmt.slug(route['advisor_id'])}"
    assert "À noter : avis d'imposition 2025 ; sonner deux fois" in _text(
        (out / "feuilles" / f"{stem}.html").read_text(encoding="utf-8"))
    assert "avis d'imposition 2025 ; sonner deux fois" in "\n".join(
        _pdf_pages(out / "feuilles" / f"{stem}.pdf"))


def test_one_pdf_per_day_with_each_advisor_on_their_own_page(week) -> None:
    result, out = week
    advisors = {a.id: a.name for a in result.scenario.advisors}
    by_day: dict[str, list[str]] = {}
    for r in sorted(result.doc["routes"], key=lambda r: advisors[r["advisor_id"]]):
        if r["stops"]:
            by_day.setdefault(r["day"], []).append(advisors[r["advisor_id"]])
    assert by_day
    for day, names in by_day.items():
        title = f"Feuille de route - {fmt.format_date(day, year=True)}"
        starts = []
        for page in _pdf_pages(out / "feuilles" / f"{day}.pdf"):
            lines = page.splitlines()
            if len(lines) > 2 and lines[1] == title:  # a sheet's first page
                starts.append(lines[2])
        assert starts == names  # every advisor once, each starting a page


def test_week_page_workbook_and_french_csv_equal_the_plan(week) -> None:
    result, out = week
    doc = result.doc
    page = _text((out / "semaine.html").read_text(encoding="utf-8"))
    for r in doc["routes"]:
        if r["stops"]:
            assert fmt.format_km(r["travel_m"]) in page
    raw = (out / "tournees.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: French Excel reads the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0])[:6] == ["Jour", "Conseiller", "N°", "Arrivée", "Début", "Fin"]
    assert len(rows) == doc["kpis"]["served"]
    names = {a.name for a in result.scenario.advisors}
    assert {r["Conseiller"] for r in rows} <= names  # names, not ids
    legs_km = sum(float(r["Trajet (km)"].replace(",", ".")) for r in rows)
    back_km = sum(r["return_travel_m"] for r in doc["routes"]) / 1000
    assert legs_km + back_km == pytest.approx(doc["kpis"]["km"], abs=0.1 * len(rows) + 0.1)
    left = (out / "non_planifiees.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert left[0] == "Nom;Adresse;Commune;Téléphone;Priorité;Raison"
    assert len(left) == 1 + len(doc["unassigned"])


def test_no_reports_writes_only_the_machine_files(tmp_path: Path) -> None:
    pipeline.run_visits(DATA / "tiny", tmp_path, time_limit=1, reports=False)
    # (.itinerant marks a folder itinerant replaces as a whole on the next run)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".itinerant", "plan.json", "routes.csv", "unassigned.csv"]


@pytest.fixture(scope="module")
def rota(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bus")
    scenario = pipeline.validate(DATA / "tiny")
    loaded = (scenario, matrices_for_scenario(scenario, None))
    pipeline.run_bus(None, out / "bus", loaded=loaded, time_limit=2)
    from itinerant.reports import render_bus

    render_bus(scenario, out / "bus", out / "pages")
    return out


def test_rota_pages_name_every_stop_the_rota_serves(rota: Path) -> None:
    scenario = pipeline.validate(DATA / "tiny")
    with open(rota / "bus" / "timetable.csv", encoding="utf-8") as f:
        served = {r["stop_id"] for r in csv.DictReader(f)}
    assert served
    page = _text((rota / "pages" / "rota.html").read_text(encoding="utf-8"))
    public = _text((rota / "pages" / "carte_publique.html").read_text(encoding="utf-8"))
    for sid in served:
        name = scenario.site(sid).name
        assert name in page and name in public
    # the public map says when in residents' words, with real dates, never the cycle's
    assert "du cycle" not in public
    from itinerant.reports.posters import next_dates

    with open(rota / "bus" / "timetable.csv", encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    from itinerant.bus import read_timetable

    row = next(r for r in read_timetable(rota / "bus" / "timetable.csv", cycle_weeks=2)
               if r["stop_id"] == first["stop_id"])
    date = next_dates(scenario, row["weekday"], tuple(row["weeks"]),
                      cycle_start=scenario.calendar.week_start, cycle_weeks=2)[0]
    day = date.day if date.day > 1 else "1er"
    assert f"{fmt.weekday_name(date.weekday())}s {day}" in public  # « jeudis 3, 17 et 31 décembre »
    assert fmt.MONTHS["fr"][date.month - 1] in public


def test_comparison_report_names_the_sites_each_variant_opens(tmp_path: Path) -> None:
    report = pipeline.run_compare(CLUNISOIS, [CLUNISOIS / "antennes" / "deux-de-plus.yaml"], tmp_path)
    import json

    variant = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))["variants"][0]
    new = [s["name"] for s in variant["sites"] if s.get("new")]
    assert len(new) == 2
    text = _text(report.read_text(encoding="utf-8"))
    from itinerant.reports.antennes_table import short_name

    for name in new:  # the board report drops the « (antenne possible) » remark
        assert short_name(name) in text


def test_to_call_page_lists_each_moved_visit_with_phone_old_and_new(tmp_path: Path) -> None:
    from itinerant.reports.changes import render_changes

    scenario = pipeline.validate(DATA / "tiny")
    plan = {"week_start": "2026-11-30", "now": "2026-12-01T18:00", "routes": [], "unassigned": [],
            "changes": [
                {"visit_id": "v1", "name": "Mme Tiny Un (fictif)", "old_advisor_id": "a1",
                 "old_day": "2026-12-01", "old_start": "09:00", "new_advisor_id": "a2",
                 "new_day": "2026-12-02", "new_start": "10:30", "why": "conseiller absent"},
                {"visit_id": "v2", "name": "M. Tiny Deux (fictif)", "old_advisor_id": "a1",
                 "old_day": "2026-12-01", "old_start": "14:00", "new_advisor_id": None,
                 "new_day": None, "new_start": None, "why": "plus de place"},
            ]}
    res = render_changes(scenario, plan, tmp_path)
    text = _text(res["page"].read_text(encoding="utf-8"))
    assert "À prévenir" in text and "2 personne(s) à rappeler" in text
    assert ("Mme Tiny Un (fictif) Lournand 06 00 00 00 01 mardi 1er décembre, 09 h 00 "
            "Conseiller A (fictif) mercredi 2 décembre, 10 h 30 Conseillère B (fictif)") in text
    assert "non replanifiée" in text
    rows = list(csv.reader(io.StringIO(res["csv"].read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Nom", "Téléphone", "Commune", "Ancien jour"]
    assert rows[1] == ["Mme Tiny Un (fictif)", "06 00 00 00 01", "Lournand", "mardi 1er décembre",
                       "09 h 00", "Conseiller A (fictif)", "mercredi 2 décembre", "10 h 30",
                       "Conseillère B (fictif)", "conseiller absent"]
    assert rows[2][6] == "non replanifiée"


def test_a_replan_writes_the_to_call_page_with_the_plans_changes(week, tmp_path: Path) -> None:
    import json
    import shutil

    result, out = week
    assert "Personne à prévenir" in _text((out / "a_prevenir.html").read_text(encoding="utf-8"))
    assert (out / "changes.csv").read_bytes().decode("utf-8-sig").count("\n") == 1  # header only
    # the advisor of the first route falls ill: a re-plan the evening before moves her visits
    first = next(r for r in result.doc["routes"] if r["stops"])
    folder = tmp_path / "scenario"
    shutil.copytree(DATA / "tiny", folder)
    (folder / "absences.csv").write_text(
        f"conseiller,date,motif\n{first['advisor_id']},{first['day']},maladie\n", encoding="utf-8")
    replanned = tmp_path / "replan"
    pipeline.run_visits(folder, replanned, replan=out / "plan.json",
                        now="2026-11-29T18:00", time_limit=1)
    doc = json.loads((replanned / "plan.json").read_text(encoding="utf-8"))
    moved = {s["visit_id"] for s in first["stops"]}
    assert {c["visit_id"] for c in doc["changes"]} == moved
    lines = (replanned / "changes.csv").read_bytes().decode("utf-8-sig").strip().splitlines()
    assert len(lines) - 1 == len(doc["changes"]) == doc["kpis"]["changes"]
    page = _text((replanned / "a_prevenir.html").read_text(encoding="utf-8"))
    old_day = fmt.format_date(first["day"])
    for c in doc["changes"]:
        assert c["name"] in page
        assert f"{old_day}, {fmt.format_time(c['old_start'])}" in page
    week_page = (replanned / "semaine.html").read_text(encoding="utf-8")
    assert f'href="a_prevenir.html" id="to-call">À prévenir ({len(moved)})' in week_page
