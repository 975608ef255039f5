"""Interactive folium maps: the coordinator's week map (confidential), the public map of
bus stops and antennes, and the territory map. Public maps show residents only
aggregated (per commune, or a grid of cells >= 200 m), never a name, address or point.

Leaflet 1.9.3 and jQuery 3.7.1 (from the npm registry, in ``reports/static/``) are
inlined in every page: no CDN. Tiles come from OpenStreetMap when a tile server answers; under them, and alone
offline, the map draws its own background from the scenario: commune boundaries and
names (and the main roads when a road file was given).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
import os
from pathlib import Path
from typing import Any

import folium
from branca.element import Element

from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import (
    PRIVACY_MIN,
    Geometry,
    advisor_colour,
    advisor_name,
    commune_counts,
    commune_name,
    density_grid,
    leg_path,
    points,
    public_count,
    route_legs,
    times_label,
)
from itinerant.reports.background import Background, scenario_background
from itinerant.reports.outputs import load_plan, load_timetable
from itinerant.reports.sheets import day_items
from itinerant.reports.when import HORIZON_WEEKS, dates_in_words, days_off, rhythm_words, slot_dates
from itinerant.scenario.model import Scenario

MAP_CDN_HOSTS = frozenset({
    "tile.openstreetmap.org", "a.tile.openstreetmap.org", "b.tile.openstreetmap.org",
    "c.tile.openstreetmap.org",
})
"""Hosts a map may request (background tiles only); nothing else leaves the machine."""

STATIC = Path(__file__).resolve().parent / "static"

KIND_COLOURS = {"office": "#00558c", "antenne": "#2a9d8f", "partner": "#8e44ad",
                "candidate": "#999999", "bus_stop": "#e76f51", "home": "#555555"}

_PANEL_CSS = """
<style>
.itn-panel{position:fixed;top:10px;left:54px;z-index:1000;background:rgba(255,255,255,.94);
 padding:8px 12px;border:1px solid #888;border-radius:6px;max-width:420px;max-height:88vh;
 overflow:auto;font:14px/1.35 "DejaVu Sans",Arial,sans-serif;color:#1b1b1b}
.itn-panel h1{font-size:17px;margin:0 0 4px;color:#00558c}
.itn-panel .stamp{color:#b00020;font-weight:bold;letter-spacing:.1em}
.itn-panel table{border-collapse:collapse;font-size:12px}
.itn-panel td{border-top:1px solid #ddd;padding:2px 4px;vertical-align:top}
.leaflet-container{background:#f3f1ea}
.itn-commune{text-align:center;font:italic 12px "DejaVu Sans",Arial,sans-serif;color:#3a3a3a;white-space:nowrap;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none}
</style>
"""


@functools.lru_cache(maxsize=1)
def leaflet_inline() -> str:
    """The libraries folium's pages use, vendored from the npm registry and inlined:
    Leaflet 1.9.3 (CSS and JavaScript) and jQuery 3.7.1 (folium builds popups with it).
    folium's other defaults (Bootstrap, Font Awesome, awesome-markers) serve icons and
    controls these maps do not use, and are left out."""
    css = (STATIC / "leaflet.css").read_text(encoding="utf-8")
    js = (STATIC / "leaflet.js").read_text(encoding="utf-8")
    jq = (STATIC / "jquery.min.js").read_text(encoding="utf-8")
    return f"<style>{css}</style>\n<script>{js}</script>\n<script>{jq}</script>"


def _finish(m: folium.Map, panel_html: str, title: str, path: str | os.PathLike[str]) -> Path:
    root: Any = m.get_root()  # a branca Figure
    root.title = title
    root.header.add_child(Element(leaflet_inline()), name="itinerant_leaflet", index=0)
    root.header.add_child(Element(_PANEL_CSS))
    root.html.add_child(Element(f'<div class="itn-panel" id="itn-panel">{panel_html}</div>'))
    root.script.add_child(Element(_DECLUTTER.replace("MAP", m.get_name())))
    return atomic.write_text(path, root.render())


_DECLUTTER = """
document.addEventListener('DOMContentLoaded', function () {
  // commune names never printed over each other: larger communes first
  var map = MAP;
  function declutter() {
    var kept = [];
    document.querySelectorAll('.itn-commune').forEach(function (e) {
      e.style.visibility = 'visible';
      var rg = document.createRange(); rg.selectNodeContents(e);
      var r = rg.getBoundingClientRect();
      var hit = kept.some(function (k) {
        return r.left < k.right + 2 && k.left < r.right + 2 && r.top < k.bottom && k.top < r.bottom;
      });
      if (hit) { e.style.visibility = 'hidden'; } else { kept.push(r); }
    });
  }
  map.on('zoomend moveend', declutter);
  map.whenReady(function () { setTimeout(declutter, 0); });
});
"""


def _base_map(pts: list[tuple[float, float]], background: Background | None = None) -> folium.Map:
    """A folium map with no CDN (Leaflet is inlined by :func:`_finish`), OSM tiles when
    online, and the scenario's own background (communes, roads) drawn under them."""
    if not pts:
        pts = [(46.43, 4.66)]
    lat = sum(p[0] for p in pts) / len(pts)
    lon = sum(p[1] for p in pts) / len(pts)
    m = folium.Map(location=[lat, lon], zoom_start=11, tiles="OpenStreetMap", control_scale=True)
    m.default_js = []
    m.default_css = []
    if len(pts) > 1:
        # zoom 12 at most: a few close points still show the communes around them
        m.fit_bounds([[min(p[0] for p in pts), min(p[1] for p in pts)],
                      [max(p[0] for p in pts), max(p[1] for p in pts)]], max_zoom=12)
    if background:
        _background_layer(background).add_to(m)
    return m


def _background_layer(bg: Background) -> folium.FeatureGroup:
    """Commune outlines with their names written on the map, and the main roads."""
    fg = folium.FeatureGroup(name="Communes", show=True, control=False)
    for road in bg.roads:
        folium.PolyLine(list(road), color="#c9b27c", weight=2, opacity=0.9,
                        interactive=False).add_to(fg)
    for a in sorted(bg.areas, key=lambda a: -a.size()):  # larger communes named first
        folium.Polygon([list(r) for r in a.rings], color="#777", weight=1, dash_array="4 3",
                       fill=True, fill_color="#ffffff", fill_opacity=0.25,
                       interactive=False).add_to(fg)
        folium.Marker(list(a.label), icon=folium.DivIcon(
            html=f'<div class="itn-commune">{html.escape(a.name)}</div>',
            icon_size=(140, 16), icon_anchor=(70, 8), class_name="itn-commune-icon"),
            interactive=False).add_to(fg)
    return fg


def _site_marker(scenario: Scenario, s: Any, language: str, extra: str = "") -> folium.CircleMarker:
    label = {"office": "office", "antenne": "antenne", "partner": "partner",
             "candidate": "candidate", "bus_stop": "bus_stop"}.get(s.kind, "office")
    tip = (f"<b>{html.escape(s.name)}</b><br>{html.escape(fmt.t(label, language))} - "
           f"{html.escape(commune_name(scenario, s.commune_code))}")
    if s.opening:
        tip += f"<br>{html.escape(s.opening)}"
    tip += extra
    return folium.CircleMarker(
        location=[s.lat, s.lon], radius=8 if s.kind == "office" else 6,
        color="#000", weight=1, fill=True, fill_color=KIND_COLOURS.get(s.kind, "#333"),
        fill_opacity=0.95, tooltip=folium.Tooltip(tip), popup=folium.Popup(tip, max_width=300),
    )


def render_week_map(scenario: Scenario, plan: Any, path: str | os.PathLike[str], *,
                    language: str = "fr", estimated: bool | None = None,
                    geometry: Geometry | None = None,
                    background: Background | None = None) -> Path:
    """The coordinator's week map: one layer per (advisor, day), unassigned visits listed.

    Routes follow ``geometry(a_id, b_id)`` when given, else dashed straight lines whose
    tooltip says "estimé". Confidential (names and addresses in popups).
    """
    plan = load_plan(plan)
    est = bool(plan.get("estimated", True)) if estimated is None else estimated
    T = fmt.STRINGS[fmt.lang(language)]
    pts = points(scenario)
    visits = {v.id: v for v in scenario.visits}
    used = [pts[s["visit_id"]] for r in plan["routes"] for s in r["stops"] if s["visit_id"] in pts]
    used += [pts[u["visit_id"]] for u in plan.get("unassigned", []) if u["visit_id"] in pts]
    m = _base_map(used + [pts[i] for r in plan["routes"] for i in (r.get("start_site"),) if i in pts],
                  scenario_background(scenario, background))
    legend_rows = []
    for route in sorted(plan["routes"], key=lambda r: (r["day"], r["advisor_id"])):
        if not route["stops"]:
            continue
        colour = advisor_colour(scenario, route["advisor_id"])
        name = f"{advisor_name(scenario, route['advisor_id'])} - {fmt.format_date(route['day'], language)}"
        fg = folium.FeatureGroup(name=html.escape(name), show=True)
        for a, b in route_legs(route):
            path_pts, straight = leg_path(a, b, pts, geometry)
            if len(path_pts) < 2:
                continue
            tip = f"{name} : {T['estimated']}" if straight else name
            folium.PolyLine(path_pts, color=colour, weight=4, opacity=0.85,
                            dash_array="8 6" if straight else None, tooltip=tip).add_to(fg)
        for it in day_items(scenario, route):
            if it["kind"] != "stop" or it["visit_id"] not in pts:
                continue
            lat, lon = pts[it["visit_id"]]
            pop = (f"<b>{it['seq']}. {html.escape(it['name'])}</b><br>"
                   f"{html.escape(it['place'])}<br>"
                   f"{T['arrival']} {fmt.format_time(it['arrival'], language)} - "
                   f"{T['visit']} {fmt.format_time(it['start'], language)}-"
                   f"{fmt.format_time(it['end'], language)}<br>"
                   f"{html.escape(it['phone'])}<br>{html.escape(it['reason'])}")
            folium.Marker(
                [lat, lon],
                icon=folium.DivIcon(
                    html=(f'<div style="background:{colour};color:#fff;border-radius:50%;'
                          f'width:22px;height:22px;line-height:22px;text-align:center;'
                          f'font-weight:bold;border:2px solid #fff">{it["seq"]}</div>'),
                    icon_size=(22, 22), icon_anchor=(11, 11)),
                tooltip=html.escape(f"{it['seq']}. {it['name']}"), popup=folium.Popup(pop, max_width=320),
            ).add_to(fg)
        fg.add_to(m)
        legend_rows.append(f'<tr><td><span style="color:{colour}">&#9632;</span> {html.escape(name)}'
                           f'</td><td>{len(route["stops"])}</td></tr>')
    sites_fg = folium.FeatureGroup(name=T["sites"], show=True)
    for sid in {r.get("start_site") for r in plan["routes"]} | {r.get("end_site") for r in plan["routes"]}:
        if sid and sid in {s.id for s in scenario.sites}:
            s = scenario.site(sid)
            _site_marker(scenario, s, language).add_to(sites_fg)
    sites_fg.add_to(m)
    un_rows = []
    if plan.get("unassigned"):
        un_fg = folium.FeatureGroup(name=T["unassigned_long"], show=True)
        for u in plan["unassigned"]:
            v = visits.get(u["visit_id"])
            label = v.name if v and v.name else u["visit_id"]
            where = commune_name(scenario, v.commune_code) if v else ""
            un_rows.append(f"<tr><td><b>{html.escape(label)}</b><br>{html.escape(where)}</td>"
                           f"<td>{html.escape(u.get('reason', ''))}</td></tr>")
            if v:
                folium.CircleMarker([v.lat, v.lon], radius=7, color="#000", weight=2, fill=True,
                                    fill_color="#ffffff", fill_opacity=1,
                                    tooltip=html.escape(f"{T['unassigned']} : {label}"),
                                    popup=folium.Popup(html.escape(f"{label} - {u.get('reason', '')}"),
                                                       max_width=320)).add_to(un_fg)
        un_fg.add_to(m)
    # many layers: the list folds into its button, so it does not hide the map
    folium.LayerControl(collapsed=len(legend_rows) > 6).add_to(m)
    kp = plan.get("kpis") or {}
    week = plan.get("week_start") or (plan["routes"][0]["day"] if plan["routes"] else "")
    title = T["week_map_of"].format(date=fmt.format_date(week, language, year=True)) if week else T["week_map"]
    panel = (f'<h1>{html.escape(title)}</h1><div class="stamp">{T["confidential"]}</div>'
             f'<div>{html.escape(times_label(est, language))}'
             + (f" - {html.escape(T['straight_note'])}" if geometry is None else "") + "</div>"
             + (f"<div>{kp.get('served', '')} {T['visits_served']} - "
                f"{fmt.format_number(kp.get('km'), language, decimals=1)} km</div>" if kp else "")
             + f'<table>{"".join(legend_rows)}</table>'
             + f'<h1 style="font-size:15px;margin-top:6px">{T["unassigned_long"]} ({len(un_rows)})</h1>'
             + (f'<table id="itn-unassigned">{"".join(un_rows)}</table>' if un_rows else f"<div>{T['none']}</div>"))
    return _finish(m, panel, title, path)


def _slot_text(scenario: Scenario, row: dict[str, Any], language: str, cycle_weeks: int,
               off: dict[dt.date, str]) -> str:
    """A stop's slot in residents' words with its next real dates (public holidays and
    closures left out): « Un jeudi toutes les 4 semaines, de 12 h 30 à 14 h 00 :
    jeudis 17 décembre, 14 janvier » (never « le 3e jeudi du cycle »)."""
    weeks = tuple(row["weeks"])
    rhythm = rhythm_words(row["weekday"], weeks, cycle_weeks, language)
    a, b = fmt.format_time(row["start_s"], language), fmt.format_time(row["end_s"], language)
    hours = f"{a} - {b}" if fmt.lang(language) == "en" else f"de {a} à {b}"
    dates, _ = slot_dates(row["weekday"], weeks, cycle_start=scenario.calendar.week_start,
                          cycle_weeks=cycle_weeks, off=off)
    when = ", ".join(dates_in_words(dates[:3], language))
    return f"{rhythm}, {hours}" + (f" : {when}" if when else "")


def render_public_map(scenario: Scenario, timetable: Any, path: str | os.PathLike[str], *,
                      language: str = "fr", estimated: bool = True,
                      background: Background | None = None) -> Path:
    """Public map: bus stops with their slots in words, antennes and the office, and the
    low-mobility residents counted per commune (circles at the town hall). No personal data.
    """
    T = fmt.STRINGS[fmt.lang(language)]
    rows = load_timetable(timetable) if timetable is not None else []
    cycle = scenario.buses[0].cycle_weeks if scenario.buses else 4
    off = days_off(scenario, scenario.calendar.week_start, HORIZON_WEEKS)
    by_stop: dict[str, list[str]] = {}
    for r in rows:
        by_stop.setdefault(r["stop_id"], []).append(_slot_text(scenario, r, language, cycle, off))
    public_sites = [s for s in scenario.sites
                    if s.id in by_stop or s.kind == "office" or (s.kind in ("antenne", "partner") and s.existing)]
    m = _base_map([(c.lat, c.lon) for c in scenario.communes] + [(s.lat, s.lon) for s in public_sites],
                  scenario_background(scenario, background))
    counts = commune_counts(scenario)
    agg = folium.FeatureGroup(name=T["residents_agg"], show=True)
    for c in scenario.communes:
        n = counts.get(c.code, 0)
        shown = n if n >= PRIVACY_MIN else 0  # the size of a circle must not tell a small count
        tip = (f"<b>{html.escape(c.name)}</b><br>{T['population']} : {c.population}<br>"
               f"{T['low_mobility']} : {public_count(n, language)}")
        folium.CircleMarker([c.lat, c.lon], radius=4 + 2.5 * math.sqrt(shown), color="#6c757d", weight=1,
                            fill=True, fill_opacity=0.25, tooltip=folium.Tooltip(tip)).add_to(agg)
    agg.add_to(m)
    stops = folium.FeatureGroup(name=T["bus_stop"], show=True)
    places = folium.FeatureGroup(name=f"{T['office']} / {T['antenne']}", show=True)
    listing = []
    for s in public_sites:
        slots = by_stop.get(s.id, [])
        extra = "".join(f"<br>{html.escape(x)}" for x in slots)
        _site_marker(scenario, s, language, extra).add_to(stops if slots else places)
        listing.append(f"<tr><td><b>{html.escape(s.name)}</b></td><td>"
                       + ("<br>".join(html.escape(x) for x in slots) or html.escape(s.opening)) + "</td></tr>")
    stops.add_to(m)
    places.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    title = T["public_map"]
    panel = (f"<h1>{html.escape(title)}</h1><div>{html.escape(scenario.title or scenario.name)}</div>"
             f"<table>{''.join(listing)}</table>"
             f'<div style="font-size:12px">{html.escape(T["per_commune_note"])}</div>')
    return _finish(m, panel, title, path)


def render_territory_map(scenario: Scenario, path: str | os.PathLike[str], *, language: str = "fr",
                         estimated: bool = True, cell_m: int = 500,
                         min_count: int = PRIVACY_MIN,
                         background: Background | None = None) -> Path:
    """Territory map: communes, sites, and low-mobility residents as nested squares of
    ``cell_m`` metres and more, each holding at least ``min_count`` people
    (:func:`density_grid`)."""
    T = fmt.STRINGS[fmt.lang(language)]
    m = _base_map([(c.lat, c.lon) for c in scenario.communes] + [(s.lat, s.lon) for s in scenario.sites],
                  scenario_background(scenario, background))
    cells = density_grid(scenario, cell_m=cell_m, min_count=min_count)
    top = max((c["count"] for c in cells), default=1)
    grid = folium.FeatureGroup(name=T["residents_agg"], show=True)
    for cell in cells:
        folium.Rectangle([[cell["south"], cell["west"]], [cell["north"], cell["east"]]], color=None, weight=0,
                         fill=True, fill_color="#d62728", fill_opacity=0.15 + 0.6 * cell["count"] / top,
                         tooltip=f"{cell['count']}").add_to(grid)
    grid.add_to(m)
    com = folium.FeatureGroup(name=T["commune"], show=True)
    for c in scenario.communes:
        folium.CircleMarker([c.lat, c.lon], radius=3, color="#333", fill=True,
                            tooltip=html.escape(f"{c.name} ({c.code}) - {T['population']} {c.population}")).add_to(com)
    com.add_to(m)
    st = folium.FeatureGroup(name=T["sites"], show=True)
    for s in scenario.sites:
        if s.kind == "home":
            continue
        _site_marker(scenario, s, language).add_to(st)
    st.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    title = f"{T['territory_map']} - {scenario.title or scenario.name}"
    top_km = cell_m * 8 / 1000
    top_text = f"{fmt.format_number(top_km, language, decimals=0 if top_km.is_integer() else 1)} km"
    note = T["density_note"].format(cell=f"{cell_m} m", top=top_text, k=min_count)
    legend = "".join(f'<div><span style="color:{col}">&#9632;</span> {html.escape(T[k])}</div>'
                     for k, col in KIND_COLOURS.items() if k in T and any(s.kind == k for s in scenario.sites))
    panel = (f"<h1>{html.escape(title)}</h1><div>{len(scenario.communes)} {T['commune'].lower()}s - "
             f"{html.escape(times_label(estimated, language))}</div>{legend}"
             f'<div style="font-size:12px">{html.escape(note)}</div>')
    return _finish(m, panel, title, path)


__all__ = ["MAP_CDN_HOSTS", "render_public_map", "render_territory_map", "render_week_map"]
