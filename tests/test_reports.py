"""Reports render what the planners wrote: French formats, day sheets (HTML + PDF) in
plan order, workbooks, maps, posters, the antenne report, the index; public outputs
never carry a resident's name, address or position; writes are atomic."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest

from itinerant.core import atomic
from itinerant.core.units import haversine_m, parse_weekday
from itinerant.reports import (
    _common,
    fmt,
    render_antennes_report,
    render_bus,
    render_day_sheets,
    render_index,
    render_reports,
    render_territory_map,
    render_week,
    render_week_map,
    write_week_workbook,
)
from itinerant.reports.outputs import load_plan, load_timetable, plan_from_csv
from itinerant.scenario.model import Scenario

OUT = Path(__file__).resolve().parent / "data" / "outputs"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.model_validate_json((OUT / "scenario.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plan() -> dict:
    return json.loads((OUT / "visits" / "plan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    render_reports(scenario, out, plan=OUT / "visits", bus=OUT / "bus",
                   comparison=OUT / "antennes", estimated=True)
    return out


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize("date, language, expected", [
    (dt.date(2026, 3, 3), "fr", "mardi 3 mars"),
    (dt.date(2026, 12, 1), "fr", "mardi 1er décembre"),   # French ordinal for the 1st
    (dt.date(2026, 8, 15), "fr", "samedi 15 août"),        # accents kept
    (dt.date(2026, 3, 3), "en", "Tuesday 3 March"),
])
def test_format_date(date, language, expected):
    assert fmt.format_date(date, language) == expected


@pytest.mark.parametrize("value, language, expected", [
    ("09:30", "fr", "09 h 30"),
    (9 * 3600 + 30 * 60, "fr", "09 h 30"),   # seconds since midnight
    ("14:05", "en", "14:05"),
    (None, "fr", ""),
])
def test_format_time(value, language, expected):
    assert fmt.format_time(value, language) == expected


@pytest.mark.parametrize("weeks, weekday, cycle, expected", [
    ("all", 1, 4, "tous les mardis"),
    ("", 3, 4, "tous les jeudis"),                       # empty cell = every week
    ("1,3", 3, 4, "les 1er et 3e jeudis du cycle"),
    ("2", 0, 4, "le 2e lundi du cycle"),                 # singular
    ("1,2,3,4", 4, 4, "tous les vendredis"),             # every week of the cycle
    ("1,2,4", 1, 4, "les 1er, 2e et 4e mardis du cycle"),
])
def test_weeks_in_words(weeks, weekday, cycle, expected):
    assert fmt.weeks_in_words(weeks, weekday, "fr", cycle_weeks=cycle) == expected


def test_duration_km_slug():
    assert fmt.format_duration(25 * 60) == "25 min"
    assert fmt.format_duration(65 * 60) == "1 h 05"
    assert fmt.format_km(12_449) == "12,4 km"
    assert fmt.slug("Mylène Durand") == "mylene-durand"
    assert parse_weekday("jeudi") == 3 and parse_weekday("Mar") == 1


# ------------------------------------------------------------------ atomic writes
def test_atomic_write_keeps_old_file_on_crash(tmp_path: Path):
    target = tmp_path / "a.html"
    atomic.write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]  # no temp file left


# ------------------------------------------------------------------ day sheets
def _pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)


def test_pdf_sheet_lists_stops_in_plan_order(rendered: Path, scenario: Scenario, plan: dict):
    visits = {v.id: v for v in scenario.visits}
    for route in plan["routes"]:
        pdf = rendered / "visites" / "feuilles" / f"{route['day']}_{route['advisor_id']}.pdf"
        text = _pdf_text(pdf)
        names = [visits[s["visit_id"]].name for s in sorted(route["stops"], key=lambda s: s["seq"])]
        positions = [text.find(n) for n in names]
        assert -1 not in positions, (pdf.name, names)
        assert positions == sorted(positions), f"{pdf.name}: stops out of plan order"
        assert "CONFIDENTIEL" in text
        first = route["stops"][0]
        assert fmt.format_time(first["start"]) in text and fmt.format_time(first["arrival"]) in text
        if route["break"]:
            assert "Pause déjeuner" in text and fmt.format_time(route["break"]["start"]) in text


def test_html_sheet_has_every_stop_detail_and_confidential(rendered: Path, scenario: Scenario, plan: dict):
    route = plan["routes"][0]
    html = (rendered / "visites" / "feuilles" / "2026-12-01_mylene.html").read_text(encoding="utf-8")
    visits = {v.id: v for v in scenario.visits}
    order = [m.group(1) for m in re.finditer(r'data-visit="([^"]+)"', html)]
    assert order == [s["visit_id"] for s in route["stops"]]
    for s in route["stops"]:
        v = visits[s["visit_id"]]
        for field in (v.name, v.address, v.phone, v.reason):
            assert field in html.replace("&#39;", "'")
    assert html.count("CONFIDENTIEL") >= 2  # on the sheet and on its map
    assert "Mylène Durand" in html and "Pause déjeuner" in html


def test_sheet_file_names_are_stable_and_sortable(rendered: Path, plan: dict):
    names = sorted(p.name for p in (rendered / "visites" / "feuilles").iterdir())
    expected = sorted(f"{r['day']}_{r['advisor_id']}.{ext}" for r in plan["routes"] for ext in ("html", "pdf"))
    expected += sorted({f"{r['day']}.pdf" for r in plan["routes"]})  # the whole day, to print at once
    assert names == sorted(expected)


def test_pdf_without_unicode_font_sanitises(scenario: Scenario, plan: dict, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    # A clean CI machine may have no DejaVu: core Helvetica is latin-1 only.
    monkeypatch.setattr(_common, "_FONT_DIRS", ())
    monkeypatch.delenv("ITINERANT_FONT_DIR", raising=False)
    visits = tuple(v.model_copy(update={"reason": "cœur d’activité … 12 €"}) for v in scenario.visits)
    sc = scenario.model_copy(update={"visits": visits})
    paths = render_day_sheets(sc, plan, tmp_path)
    text = _pdf_text(next(p for p in paths if p.suffix == ".pdf"))
    assert "coeur d'activit" in text and "12 EUR" in text


def test_english_sheet(scenario: Scenario, plan: dict, tmp_path: Path):
    paths = render_day_sheets(scenario, plan, tmp_path, language="en", pdf=False)
    html = paths[0].read_text(encoding="utf-8")
    assert "Lunch break" in html and "Tuesday 1 December 2026" in html and "CONFIDENTIAL" in html


def test_plan_rebuilt_from_csv_matches_plan_json(plan: dict):
    rebuilt = plan_from_csv(OUT / "visits" / "routes.csv", OUT / "visits" / "unassigned.csv")
    key = lambda p: [(r["advisor_id"], r["day"], [s["visit_id"] for s in r["stops"]]) for r in
                     sorted(p["routes"], key=lambda r: (r["day"], r["advisor_id"]))]  # noqa: E731
    assert key(rebuilt) == key(plan)
    assert rebuilt["unassigned"] == [{"visit_id": u["visit_id"], "reason": u["reason"]} for u in plan["unassigned"]]


# ------------------------------------------------------------------ coordinator
def test_week_workbook_one_sheet_per_day_and_unassigned(rendered: Path, plan: dict):
    path = rendered / "visites" / "semaine.xlsx"
    assert zipfile.is_zipfile(path)
    wb = openpyxl.load_workbook(path)
    days = sorted({r["day"] for r in plan["routes"]})
    assert wb.sheetnames == [fmt.format_date(d) for d in days] + ["Non planifiées"]
    for d in days:
        ws = wb[fmt.format_date(d)]
        n = sum(len(r["stops"]) for r in plan["routes"] if r["day"] == d)
        assert ws.max_row == 1 + n
        assert isinstance(ws["C2"].value, dt.time)  # real times, not text
    un = wb["Non planifiées"]
    assert un.max_row == 1 + len(plan["unassigned"])
    assert un.cell(2, 7).value == plan["unassigned"][0]["reason"]


def test_week_map_layers_and_estimated_lines(rendered: Path, scenario: Scenario, plan: dict):
    html = (rendered / "visites" / "carte_semaine.html").read_text(encoding="utf-8")
    assert "L.control.layers" in html
    for r in plan["routes"]:
        layer = f"{_common.advisor_name(scenario, r['advisor_id'])} - {fmt.format_date(r['day'])}"
        assert layer in html
    assert "estimé" in html and '"dashArray": "8 6"' in html
    assert "Séraphin Lacoudrette" in html  # the unassigned visit is listed
    assert plan["unassigned"][0]["reason"].split(" ;")[0] in html


def test_week_map_follows_road_geometry(scenario: Scenario, plan: dict, tmp_path: Path):
    pts = _common.points(scenario)

    def geometry(a: str, b: str):  # a dog-leg through a marker point
        (la1, lo1), (la2, lo2) = pts[a], pts[b]
        return [(la1, lo1), (la1 + 0.0123457, lo2 - 0.0098765), (la2, lo2)]

    html = render_week_map(scenario, plan, tmp_path / "m.html", geometry=geometry).read_text(encoding="utf-8")
    la, _ = pts["office"]
    assert str(la + 0.0123457) in html  # the bend of the office's first leg is drawn
    assert '"dashArray": "8 6"' not in html  # no straight "estimé" line left
    assert "lignes droites" not in html


def test_week_table(rendered: Path, plan: dict):
    html = (rendered / "visites" / "semaine.html").read_text(encoding="utf-8")
    assert "temps de trajet estimés" in html
    assert html.count("<tr>") >= 1 + len(plan["routes"]) + sum(len(r["stops"]) for r in plan["routes"])
    assert 'href="feuilles/2026-12-01_mylene.pdf"' in html


# ------------------------------------------------------------------ public
def test_posters_say_when_in_words(rendered: Path):
    folder = rendered / "bus" / "affiches"
    taize = (folder / "affiche_71532_taize.html").read_text(encoding="utf-8")
    assert "Le bus France services passe à" in taize and "Taizé" in taize
    nb = "\u00a0"
    # how often in residents' words and the real dates (cycle from Monday 30 November
    # 2026), never "le 2e mardi du cycle"
    assert "Un mardi sur deux" in taize and "du cycle" not in taize
    assert f"de{nb}14{nb}h{nb}00{nb}à{nb}16{nb}h{nb}00" in taize
    assert f"mardis{nb}1er,{nb}15{nb}et{nb}29{nb}décembre" in taize
    assert f"12{nb}et{nb}26{nb}janvier" in taize
    assert "Un jeudi toutes les 4 semaines" in taize and f"jeudis{nb}10{nb}décembre" in taize
    assert "Place du village, Taizé" in taize
    assert "France services du Clunisois" in taize  # contact
    blanot = _pdf_text(folder / "affiche_71040_blanot.pdf").replace(nb, " ")
    assert "Chaque mardi\nde 09 h 30 à 11 h 30" in blanot
    assert "mardis 1er, 8, 15, 22 et 29 décembre" in blanot
    served = {r["commune_code"] for r in load_timetable(OUT / "bus")}
    assert len(list(folder.glob("*.pdf"))) == len(served)


def test_public_outputs_never_show_residents(rendered: Path, scenario: Scenario):
    public = [rendered / "territoire" / "carte.html", rendered / "bus" / "carte_publique.html",
              rendered / "bus" / "rota.html", rendered / "antennes" / "comparaison.html"]
    public += sorted((rendered / "bus" / "affiches").glob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in public}
    texts.update({p: _pdf_text(p) for p in (rendered / "bus" / "affiches").glob("*.pdf")})
    for sheet in openpyxl.load_workbook(rendered / "antennes" / "comparaison.xlsx").worksheets:
        texts[Path(sheet.title)] = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    secrets = {r.name for r in scenario.residents} | {r.address for r in scenario.residents}
    secrets |= {v.name for v in scenario.visits} | {v.address for v in scenario.visits}
    secrets |= {v.phone for v in scenario.visits if v.phone}
    secrets.discard("")
    surnames = {n.split()[-1] for n in [r.name for r in scenario.residents] + [v.name for v in scenario.visits] if n}
    positions = {f"{r.lat}" for r in scenario.residents} | {f"{v.lat}" for v in scenario.visits}
    assert "Zéphirine Quenouillard" in secrets  # the planted names are really checked
    for path, text in texts.items():
        for s in secrets:
            assert s not in text, f"{path.name} shows {s!r}"
        for s in surnames:
            assert s not in text, f"{path.name} shows the surname {s!r}"
        for p in positions:
            assert p not in text, f"{path.name} shows an exact position {p}"
    # the confidential outputs do carry them (the check above is not vacuous)
    assert "Zéphirine Quenouillard" in (rendered / "visites" / "carte_semaine.html").read_text(encoding="utf-8")


def test_density_grid_is_aggregated(scenario: Scenario):
    with pytest.raises(ValueError, match="200"):
        _common.density_grid(scenario, cell_m=150)
    cells = _common.density_grid(scenario, cell_m=200, min_count=1)
    assert sum(c["count"] for c in cells) == len(_common.low_mobility(scenario))
    for c in cells:  # every cell is at least 200 m wide and tall
        assert haversine_m(c["south"], c["west"], c["north"], c["west"]) >= 199
        assert haversine_m(c["south"], c["west"], c["south"], c["east"]) >= 199
    assert all(c["count"] >= 3 for c in _common.density_grid(scenario, cell_m=500, min_count=3))


def test_territory_map_shows_grid_not_points(scenario: Scenario, tmp_path: Path):
    html = render_territory_map(scenario, tmp_path / "t.html", cell_m=500).read_text(encoding="utf-8")
    assert html.count("L.rectangle") == len(_common.density_grid(scenario, cell_m=500))
    assert "Carreaux de 500 m à 4 km : un carreau regroupe au moins 11 personnes" in html


def test_bus_rota_page(rendered: Path):
    html = (rendered / "bus" / "rota.html").read_text(encoding="utf-8")
    assert "Chaque mardi" in html and "Un jeudi sur deux" in html
    # no solver word on a public page
    for word in ("optimum", "écart", "base :", "OPTIMAL", "FEASIBLE"):
        assert word not in html, word
    assert "Place de la mairie, Blanot → Place du village, Taizé" in html
    assert "Cluny" in html  # the communes without a slot are named


# ------------------------------------------------------------------ antennes
# The board report's tests render real comparisons: tests/test_antennes_report.py.


# ------------------------------------------------------------------ index
def test_index_links_every_output(rendered: Path):
    html = (rendered / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', html))
    files = {p.relative_to(rendered).as_posix() for p in rendered.rglob("*") if p.is_file()} - {"index.html"}
    assert files and files <= links
    assert all((rendered / link).is_file() for link in links)
    assert "temps de trajet estimés" in html


def test_index_states_road_times(scenario: Scenario, tmp_path: Path):
    render_bus(scenario, OUT / "bus", tmp_path / "bus")
    html = render_index(tmp_path, scenario=scenario, estimated=False).read_text(encoding="utf-8")
    assert "temps de trajet routiers (OpenStreetMap)" in html and "estimés" not in html
    assert "Taizé" in html


def test_loaders_accept_parsed_data(plan: dict, scenario: Scenario, tmp_path: Path):
    assert load_plan(plan) == plan
    p = write_week_workbook(scenario, plan, tmp_path / "w.xlsx")
    assert p.is_file()
    res = render_week(scenario, plan, tmp_path / "v", pdf=False)
    assert all(p.suffix == ".html" for p in res["sheets"])
    res = render_antennes_report(scenario, json.loads((OUT / "antennes" / "comparison.json").read_text()),
                                 tmp_path / "a", language="en")
    assert "Antenne scenarios compared" in res["report"].read_text(encoding="utf-8")


def test_empty_plan_and_sparse_bus_outputs(scenario: Scenario, plan: dict, tmp_path: Path):
    # Nothing planned: no sheet, the map and workbook still list the unassigned visits.
    empty = dict(plan, routes=[], kpis={})
    res = render_week(scenario, empty, tmp_path / "v")
    assert res["sheets"] == []
    assert openpyxl.load_workbook(res["workbook"]).sheetnames == ["Non planifiées"]
    assert "Séraphin Lacoudrette" in res["map"].read_text(encoding="utf-8")
    # A bus folder with only timetable.csv and a partial kpis.json: the page still lists
    # every slot with its dates.
    bus = tmp_path / "bus"
    bus.mkdir()
    (bus / "timetable.csv").write_text((OUT / "bus" / "timetable.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (bus / "kpis.json").write_text(json.dumps({"coverage_low_mobility": 62.0}), encoding="utf-8")
    html = render_bus(scenario, bus, tmp_path / "b")["rota"].read_text(encoding="utf-8")
    assert html.count("<tr><td>") >= 4 and "Taizé" in html and "jeudi\u00a010\u00a0décembre" in html


def _route(stops: list[tuple[str, str, str]], *, depart: str = "08:30", back: str = "15:00",
           brk: tuple[str, str] | None = ("12:00", "12:45")) -> dict:
    """A route of the sample scenario: stops (arrival, start, end) on v01, v02, ..."""
    return {
        "advisor_id": "mylene", "day": "2026-12-01", "start_site": "office", "end_site": "office",
        "depart": depart, "return": back, "return_travel_s": 600, "return_travel_m": 9000,
        "break": {"start": brk[0], "end": brk[1]} if brk else None,
        "stops": [{"seq": i, "visit_id": f"v0{i}", "arrival": a, "start": st, "end": e,
                   "travel_s": 600, "travel_m": 9000, "pinned": False}
                  for i, (a, st, e) in enumerate(stops, 1)],
    }


def _kinds(scenario: Scenario, route: dict) -> list[str]:
    from itinerant.reports.sheets import day_items

    return [it["kind"] for it in day_items(scenario, route)]


@pytest.mark.parametrize("stops, expected", [
    # the visit ends 11:50, the next starts 12:55: lunch at the first place, then drive
    ([("09:00", "09:00", "11:50"), ("12:55", "12:55", "13:40")],
     ["depart", "drive", "stop", "lunch", "drive", "stop", "drive", "return"]),
    # arrived 11:40 for a 12:45 visit: drive, lunch on the spot, then the visit (no wait line)
    ([("09:00", "09:00", "11:30"), ("11:40", "12:45", "13:30")],
     ["depart", "drive", "stop", "drive", "lunch", "stop", "drive", "return"]),
])
def test_lunch_sits_where_it_is_taken(scenario: Scenario, stops: list, expected: list[str]):
    assert _kinds(scenario, _route(stops)) == expected


def test_no_lunch_below_the_return_when_the_tour_ends_before_it(scenario: Scenario):
    # Camille's Monday: back at 11:53, her 12:00 lunch is not part of the tour
    route = _route([("09:00", "09:00", "10:00"), ("10:10", "10:10", "11:30")], back="11:53")
    kinds = _kinds(scenario, route)
    assert "lunch" not in kinds and kinds[-1] == "return"
    # nor when the tour starts after it
    route = _route([("13:40", "14:00", "15:00")], depart="13:30", back="15:30")
    assert "lunch" not in _kinds(scenario, route)


def test_a_wait_of_more_than_ten_minutes_is_a_line(scenario: Scenario, tmp_path: Path):
    from itinerant.reports.sheets import day_items

    # lunch 12:00-12:45 after the first visit, arrival 12:51 for a 14:00 visit: wait 1 h 09
    route = _route([("09:00", "09:00", "11:55"), ("12:51", "14:00", "14:45"),
                    ("14:55", "15:00", "15:30")], back="16:00")
    items = day_items(scenario, route)
    waits = [it for it in items if it["kind"] == "wait"]
    assert [w["duration_s"] for w in waits] == [69 * 60]  # 5 min before the third: no line
    kinds = [it["kind"] for it in items]
    assert kinds.index("wait") == kinds.index("stop", kinds.index("lunch")) - 1
    html = next(p for p in render_day_sheets(scenario, {"routes": [route]}, tmp_path) if p.suffix == ".html")
    assert "attente 1 h 09" in html.read_text(encoding="utf-8")
    pdf = next(p for p in tmp_path.iterdir() if p.name == "2026-12-01_mylene.pdf")
    assert "attente 1 h 09" in _pdf_text(pdf)
    # waiting through the lunch on the spot is no wait: 11:40 arrival, lunch, 12:45 visit
    route = _route([("09:00", "09:00", "11:30"), ("11:40", "12:50", "13:30")])
    assert "wait" not in _kinds(scenario, route)


def test_road_geometry_asked_once_per_leg_and_failures_drawn_straight(scenario: Scenario, plan: dict,
                                                                      tmp_path: Path):
    pts = _common.points(scenario)
    calls: list[tuple[str, str]] = []

    def geometry(a: str, b: str):
        calls.append((a, b))
        if b == "v03":
            raise RuntimeError("no road path")  # e.g. a point off the graph
        return [pts[a], pts[b]]

    res = render_week(scenario, plan, tmp_path, geometry=geometry)
    assert len(calls) == len(set(calls)) > 0
    sheet = (tmp_path / "feuilles" / "2026-12-01_mylene.html").read_text(encoding="utf-8")
    assert "tracé estimé" in sheet  # the failed leg is drawn straight and labelled
    assert res["map"].is_file()


def test_commune_names_on_static_maps_never_overlap(tmp_path: Path):
    from itinerant.reports._common import Frame, svg_background
    from itinerant.reports.background import read_background
    from tests.conftest import REPO

    bg = read_background(REPO / "scenarios" / "clunisois")
    assert len(bg.areas) == 41
    pts = [a.label for a in bg.areas]
    svg = svg_background(bg, Frame(pts, 400, 260, margin=10), 400, 260)  # a small map: crowded
    names = re.findall(r'<text class="commune-name" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    assert 8 <= len(names) < 41  # some names dropped rather than printed over others
    boxes = [(float(x) - 3.6 * len(t) - 2, float(y) - 11.5, float(x) + 3.6 * len(t) + 2, float(y) + 3.5)
             for x, y, t in names]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert svg.count("<polygon") == 41  # every outline is drawn


def test_week_page_shows_no_lunch_for_a_tour_ending_before_it(scenario: Scenario, tmp_path: Path):
    from itinerant.reports import render_week_table

    ends_before = _route([("09:00", "09:00", "10:00"), ("10:10", "10:10", "11:30")], back="11:53")
    spans = dict(_route([("09:00", "09:00", "11:50"), ("12:55", "12:55", "13:40")]),
                 advisor_id="mylene", day="2026-12-02")
    page = render_week_table(scenario, {"routes": [ends_before, spans], "week_start": "2026-11-30"},
                             tmp_path / "s.html").read_text(encoding="utf-8")
    routes_table = page.split("<h2>")[1]  # the table of sheets, one row per tour
    rows = re.findall(r"<tr><td>(mardi 1er décembre|mercredi 2 décembre)</td>(.*?)</tr>", routes_table, re.S)
    assert len(rows) == 2
    lunch = {day: "12 h 00 - 12 h 45" in cells for day, cells in rows}
    assert lunch == {"mardi 1er décembre": False, "mercredi 2 décembre": True}
    assert 'href="feuilles/2026-12-01.pdf"' in page and 'href="feuilles/2026-12-02.pdf"' in page
