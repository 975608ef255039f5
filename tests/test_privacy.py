"""Every public file the demo writes on the Clunisois keeps residents secret: no name,
address, phone or exact point, and no unit (square, commune, stop) shown with fewer than
11 residents (INSEE's statistical-secrecy rule)."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import openpyxl
import pypdf
import pytest

from itinerant import pipeline
from itinerant.reports import _common
from itinerant.reports.index import collect_outputs
from tests.conftest import REPO

MIN = _common.PRIVACY_MIN
# "7 personnes", "1 165 habitants" (French thousands), "peu mobiles : 4"
PEOPLE = re.compile(r"(?<![\d,.])(\d{1,3}(?:[ \u202f\u00a0]\d{3})*)\s*"
                    r"(?:personnes?|habitants?|résidents?|residents?|people)\b", re.I)
LABELLED = re.compile(r"(?:peu mobiles?|mobilité réduite|low-mobility residents)\s*:\s*(\d+)", re.I)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clunisois-demo")
    pipeline.run_demo(REPO / "scenarios" / "clunisois", out, time_limit=2)
    return out


def _text(path: Path) -> str:
    if path.suffix == ".html":  # scripts included: tooltips and popups live there
        return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    if path.suffix == ".pdf":
        return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(" ".join(str(c.value) for c in row if c.value is not None)
                         for ws in wb.worksheets for row in ws.iter_rows())
    return path.read_text(encoding="utf-8", errors="replace")


def _public_files(out: Path) -> list[Path]:
    return [out / f["href"] for sec in collect_outputs(out) for e in sec["entries"] if e["public"]
            for f in e["files"]]


def small_counts(text: str) -> list[str]:
    """Every count of people under the threshold (but not zero) shown in ``text``."""
    bad = []
    for rx in (PEOPLE, LABELLED):
        for m in rx.finditer(text):
            n = int(re.sub(r"\D", "", m.group(1)))
            if 0 < n < MIN:
                bad.append(text[max(0, m.start() - 50):m.end()].strip())
    return bad


@pytest.mark.parametrize("text, found", [
    ("Saint-Huruge : 4 personnes à mobilité réduite", True),
    ("peu mobiles : 7", True),
    ("1 165 personnes peu mobiles", False),  # French thousands: 1165
    ("moins de 11 personnes", False),
    ("0 habitant", False),
])
def test_the_scanner_finds_small_counts(text: str, found: bool) -> None:
    assert bool(small_counts(text)) is found


def test_every_public_file_shows_units_of_at_least_11_residents(demo: Path) -> None:
    public = _public_files(demo)
    kinds = {p.relative_to(demo).parts[0] for p in public}
    assert {"territoire", "bus", "antennes"} <= kinds  # the public outputs are all there
    assert any(p.suffix == ".pdf" for p in public) and any(p.suffix == ".xlsx" for p in public)
    bad = {p.relative_to(demo).as_posix(): small_counts(_text(p)) for p in public}
    assert {k: v for k, v in bad.items() if v} == {}


def test_territory_squares_each_hold_at_least_11_and_never_overlap(demo: Path) -> None:
    scenario = pipeline.validate(REPO / "scenarios" / "clunisois")
    page = (demo / "territoire" / "carte.html").read_text(encoding="utf-8")
    # folium writes each square as L.rectangle([[s, w], [n, e]], ...) then its tooltip
    squares = re.findall(r"L\.rectangle\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]"
                         r".*?bindTooltip\(\s*`<div>\s*(\d+)\s*</div>`", page, re.S)
    assert len(squares) == page.count("L.rectangle(") > 5
    counts = [int(s[4]) for s in squares]
    assert min(counts) >= MIN
    # shown people never exceed the residents, and most of them are shown
    low = len(_common.low_mobility(scenario))
    assert 0.5 * low <= sum(counts) <= low
    boxes = [tuple(float(x) for x in s[:4]) for s in squares]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_lat = min(a[2], b[2]) - max(a[0], b[0])
            overlap_lon = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_lat <= 1e-9 or overlap_lon <= 1e-9, (a, b)


def test_finer_squares_where_people_are_many(demo: Path) -> None:
    scenario = pipeline.validate(REPO / "scenarios" / "clunisois")
    cells = _common.density_grid(scenario, cell_m=500)
    sizes = {c["size_m"] for c in cells}
    assert 500 in sizes and len(sizes) >= 2  # 500 m squares in Cluny, larger ones elsewhere
    # the old grid hid every 500 m square under 11: the quadtree shows more people
    fine = [c for c in _common.density_grid(scenario, cell_m=500, levels=1)]
    assert sum(c["count"] for c in cells) > sum(c["count"] for c in fine)
    for c in cells:  # a square's size in metres is what it says
        side = c["size_m"]
        lat_m = (c["north"] - c["south"]) * 111_320
        lon_m = (c["east"] - c["west"]) * 111_320 * math.cos(math.radians(c["south"]))
        assert lat_m == pytest.approx(side, rel=1e-6) and lon_m == pytest.approx(side, rel=0.01)


def test_public_files_show_no_resident(demo: Path) -> None:
    scenario = pipeline.validate(REPO / "scenarios" / "clunisois")
    secrets = {v.name for v in scenario.visits} | {v.address for v in scenario.visits}
    secrets |= {v.phone for v in scenario.visits} | {r.name for r in scenario.residents}
    secrets -= {""}
    homes = {(round(v.lat, 5), round(v.lon, 5)) for v in scenario.visits if not v.location_is_commune}
    homes |= {(round(r.lat, 5), round(r.lon, 5)) for r in scenario.residents}
    assert secrets and homes  # the checks below are not vacuous
    for path in _public_files(demo):
        text = _text(path)
        leaked = [s for s in secrets if s in text]
        assert leaked == [], (path.name, leaked[:3])
        if path.suffix == ".html":  # no [lat, lon] pair of the page is a home
            pairs = re.findall(r"\[\s*(4\d\.\d+),\s*(\d\.\d+)\s*\]", path.read_text(encoding="utf-8"))
            assert pairs or path.name != "carte.html"  # the maps' points are really read
            shown = {(round(float(a), 5), round(float(b), 5)) for a, b in pairs}
            assert not shown & homes, path.name
    # the confidential week map does carry them
    week = (demo / "visites" / "carte_semaine.html").read_text(encoding="utf-8")
    assert any(s in html.unescape(week) for s in secrets)
    pairs = re.findall(r"\[\s*(4\d\.\d+),\s*(\d\.\d+)\s*\]", week)
    assert {(round(float(a), 5), round(float(b), 5)) for a, b in pairs} & homes


def test_public_bus_files_name_no_advisor_and_the_internal_crew_page_does(demo: Path) -> None:
    """The bus's crew is staff, not public: the rota page, public map and posters name no
    advisor; the internal ``bus/equipage.html`` gives the crew's first names (issue 14)."""
    from itinerant.reports.team import first_name

    scenario = pipeline.validate(REPO / "scenarios" / "clunisois")
    names = {a.name for a in scenario.advisors} | {first_name(a.name) for a in scenario.advisors}
    public = _public_files(demo)
    assert any(p.parent.name == "affiches" for p in public) and demo / "bus" / "rota.html" in public
    for path in public:
        text = _text(path)
        assert [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)] == [], path.name
    crew = demo / "bus" / "equipage.html"
    assert crew not in public
    week = __import__("json").loads((demo / "equipe" / "week.json").read_text(encoding="utf-8"))
    held = {d["day"]: d["advisors"] for d in week["duties"] if d["kind"] == "bus"}
    assert held
    text = _text(crew)
    who = {a.id: first_name(a.name) for a in scenario.advisors}
    for advisors in held.values():
        assert all(who[a] in text for a in advisors)
