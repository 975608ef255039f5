"""Advisors' day sheets: one A4 page per (advisor, day), HTML and PDF, in French.

Stops in order with arrival and visit times, name, address or commune, phone, reason;
driving time and distance between stops; the lunch break; a small static map (inline
SVG in HTML, fpdf2 lines and points in the PDF; no tiles, no network). Personal data:
every sheet and its map say "CONFIDENTIEL". Files: ``<day>_<advisor-slug>.html|.pdf``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import (
    Frame,
    Geometry,
    Pdf,
    SvgMap,
    advisor_colour,
    advisor_name,
    commune_name,
    hex_rgb,
    leg_path,
    points,
    render_template,
    route_legs,
    site_name,
    times_label,
)
from itinerant.reports.outputs import load_plan
from itinerant.scenario.model import Scenario


def sheet_stem(route: dict[str, Any]) -> str:
    """Stable, sortable file stem: ``2026-12-01_mylene``."""
    return f"{route['day']}_{fmt.slug(route['advisor_id'])}"


def day_items(scenario: Scenario, route: dict[str, Any]) -> list[dict[str, Any]]:
    """The day in reading order: depart, drive, stop, lunch, ..., drive, return.

    Each item has ``kind`` in {"depart", "drive", "stop", "lunch", "return"}; times stay
    "HH:MM" strings as in the plan; durations seconds, distances metres.
    """
    visits = {v.id: v for v in scenario.visits}
    items: list[dict[str, Any]] = []
    items.append({"kind": "depart", "time": route.get("depart"),
                  "place": site_name(scenario, route.get("start_site"))})
    brk = route.get("break") or None
    brk_start = fmt.to_seconds(brk["start"]) if brk else None
    lunch_done = brk is None
    for s in sorted(route["stops"], key=lambda s: s["seq"]):
        drive = {"kind": "drive", "travel_s": s.get("travel_s"), "travel_m": s.get("travel_m")}
        if not lunch_done and fmt.to_seconds(s["start"]) >= brk_start:
            lunch = {"kind": "lunch", "start": brk["start"], "end": brk["end"]}
            # lunch after driving when the advisor arrives before the break starts
            arrived_first = fmt.to_seconds(s["arrival"]) <= brk_start
            items.extend([drive, lunch] if arrived_first else [lunch, drive])
            lunch_done = True
        else:
            items.append(drive)
        v = visits.get(s["visit_id"])
        commune = commune_name(scenario, v.commune_code) if v else ""
        address = v.address if v and v.address else ""
        if address and commune and fmt.strip_accents(commune).lower() in fmt.strip_accents(address).lower():
            place = address  # the address already names its commune
        else:
            place = ", ".join(p for p in (address, commune) if p)
        items.append({
            "kind": "stop", "seq": s["seq"], "place": place, "visit_id": s["visit_id"], "arrival": s["arrival"],
            "start": s["start"], "end": s["end"], "pinned": bool(s.get("pinned")),
            "name": (v.name if v and v.name else s["visit_id"]), "address": address,
            "commune": commune, "phone": v.phone if v else "", "reason": v.reason if v else "",
            "approximate": bool(v and v.location_is_commune),
        })
    back = fmt.to_seconds(route.get("return"))
    # a lunch taken after the return (at the office) is listed after it
    lunch_after_return = not lunch_done and back is not None and brk_start >= back
    if not lunch_done and not lunch_after_return:
        items.append({"kind": "lunch", "start": brk["start"], "end": brk["end"]})
    if route.get("return_travel_s") is not None:
        items.append({"kind": "drive", "travel_s": route.get("return_travel_s"),
                      "travel_m": route.get("return_travel_m")})
    if route.get("return") or route.get("end_site"):
        items.append({"kind": "return", "time": route.get("return"),
                      "place": site_name(scenario, route.get("end_site"))})
    if lunch_after_return:
        items.append({"kind": "lunch", "start": brk["start"], "end": brk["end"]})
    if brk is not None and fmt.to_seconds(brk["end"]) <= fmt.to_seconds(route.get("depart")):
        # a lunch taken before leaving goes first
        items.remove(next(i for i in items if i["kind"] == "lunch"))
        items.insert(0, {"kind": "lunch", "start": brk["start"], "end": brk["end"]})
    return items


def route_summary(route: dict[str, Any]) -> dict[str, Any]:
    """Totals of a route: visits, driving seconds, metres."""
    travel_s = route.get("travel_s")
    travel_m = route.get("travel_m")
    if travel_s is None:
        travel_s = sum(s.get("travel_s") or 0 for s in route["stops"]) + (route.get("return_travel_s") or 0)
    if travel_m is None:
        travel_m = sum(s.get("travel_m") or 0 for s in route["stops"]) + (route.get("return_travel_m") or 0)
    return {"n": len(route["stops"]), "travel_s": travel_s, "travel_m": travel_m}


def route_svg(scenario: Scenario, route: dict[str, Any], *, geometry: Geometry | None,
              language: str = "fr", width: int = 640, height: int = 380) -> Any:
    """Inline SVG map of one route (numbered stops, start/end squares)."""
    pts = points(scenario)
    m = SvgMap(width=width, height=height, stamp=fmt.t("confidential", language))
    colour = advisor_colour(scenario, route["advisor_id"])
    any_est = False
    for a, b in route_legs(route):
        path, est = leg_path(a, b, pts, geometry)
        any_est |= est
        m.line(path, colour, dashed=est, title=fmt.t("estimated", language) if est else "")
    for sid in {route.get("start_site"), route.get("end_site")} - {None}:
        if sid in pts:
            m.dot(*pts[sid], r=7, colour="#222", shape="square", title=site_name(scenario, sid))
    for s in route["stops"]:
        if s["visit_id"] in pts:
            m.dot(*pts[s["visit_id"]], r=11, colour=colour, text=str(s["seq"]))
    m.note = fmt.t("estimated_line" if any_est else "road_line", language)
    return m.render()


def render_day_sheet_html(scenario: Scenario, route: dict[str, Any], path: str | os.PathLike[str], *,
                          language: str = "fr", estimated: bool = True,
                          geometry: Geometry | None = None) -> Path:
    """Write one day sheet as HTML (A4 print CSS); return its path."""
    html = render_template(
        "sheet.html", language,
        title=f"{fmt.t('day_sheet', language)} - {advisor_name(scenario, route['advisor_id'])} - "
              f"{fmt.format_date(route['day'], language, year=True)}",
        route=route, advisor=advisor_name(scenario, route["advisor_id"]),
        day_text=fmt.format_date(route["day"], language, year=True),
        items=day_items(scenario, route), summary=route_summary(route),
        svg=route_svg(scenario, route, geometry=geometry, language=language),
        times_label=times_label(estimated, language),
        scenario_title=scenario.title or scenario.name,
        colour=advisor_colour(scenario, route["advisor_id"]),
    )
    return atomic.write_text(path, html)


def _pdf_map(pdf: Pdf, scenario: Scenario, route: dict[str, Any], geometry: Geometry | None,
             x: float, y: float, w: float, h: float, language: str) -> None:
    pts = points(scenario)
    legs = [(a, b, *leg_path(a, b, pts, geometry)) for a, b in route_legs(route)]
    allpts = [p for *_, path, _ in legs for p in path] or list(pts.values())
    fr = Frame(allpts, w, h, margin=10, x0=x, y0=y)
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.3)
    pdf.set_fill_color(247, 245, 239)
    pdf.rect(x, y, w, h, style="DF")
    r, g, b = hex_rgb(advisor_colour(scenario, route["advisor_id"]))
    pdf.set_draw_color(r, g, b)
    pdf.set_line_width(0.8)
    any_est = False
    for _, _, path, est in legs:
        any_est |= est
        if est:
            pdf.set_dash_pattern(dash=2.5, gap=1.5)
        for p, q in zip(path[:-1], path[1:]):
            (x1, y1), (x2, y2) = fr(*p), fr(*q)
            pdf.line(x1, y1, x2, y2)
        pdf.set_dash_pattern()
    pdf.set_line_width(0.3)
    for sid in {route.get("start_site"), route.get("end_site")} - {None}:
        if sid in pts:
            px, py = fr(*pts[sid])
            pdf.set_fill_color(30, 30, 30)
            pdf.rect(px - 2, py - 2, 4, 4, style="F")
    pdf.font(8, True)
    for s in route["stops"]:
        if s["visit_id"] not in pts:
            continue
        px, py = fr(*pts[s["visit_id"]])
        pdf.set_fill_color(r, g, b)
        pdf.dot(px, py, 3)
        pdf.set_text_color(255, 255, 255)
        pdf.set_xy(px - 3, py - 2)
        pdf.cell(6, 4, str(s["seq"]), align="C")
    pdf.set_text_color(176, 0, 32)
    pdf.font(12, True)
    pdf.set_xy(x, y + 2)
    pdf.cell(w - 3, 6, pdf.clean(fmt.t("confidential", language)), align="R")
    pdf.set_text_color(60, 60, 60)
    pdf.font(8)
    pdf.set_xy(x, y + h - 6)
    pdf.cell(w - 3, 5, pdf.clean(fmt.t("estimated_line" if any_est else "road_line", language)),
             align="R")
    # scale bar
    mpu = fr.metres_per_unit()
    km = next((k for k in (0.5, 1, 2, 5, 10, 20, 50) if k * 1000 / mpu >= 15), 50)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.5)
    pdf.line(x + 4, y + h - 4, x + 4 + km * 1000 / mpu, y + h - 4)
    pdf.set_xy(x + 3, y + h - 10)
    pdf.cell(20, 5, pdf.clean(f"{fmt.format_number(km, language, decimals=0 if km >= 1 else 1)} km"))
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)


def day_sheet_pdf(scenario: Scenario, route: dict[str, Any], *, language: str = "fr",
                  estimated: bool = True, geometry: Geometry | None = None) -> bytes:
    """One day sheet as PDF bytes (A4, large type, static map)."""
    T = fmt.STRINGS[fmt.lang(language)]
    adv = advisor_name(scenario, route["advisor_id"])
    day = fmt.format_date(route["day"], language, year=True)
    pdf = Pdf(header_text=f"{T['day_sheet']} - {adv} - {day}", stamp=T["confidential"],
              footer_text=f"{T['confidential_note']} ({times_label(estimated, language)})")
    pdf.set_title(pdf.clean(f"{T['day_sheet']} {adv} {route['day']}"))
    pdf.alias_nb_pages()
    pdf.add_page()
    tm = lambda v: fmt.format_time(v, language)  # noqa: E731
    pdf.write_line(f"{T['day_sheet']} - {day}", 20, True, h=10)
    pdf.write_line(adv, 17, True, h=8)
    summ = route_summary(route)
    pdf.write_line(
        f"{summ['n']} {T['visits_served']} - {fmt.format_km(summ['travel_m'], language)} - "
        f"{T['driving']} {fmt.format_duration(summ['travel_s'], language)} "
        f"({times_label(estimated, language)})", 11, h=6, colour=(60, 60, 60))
    pdf.ln(2)
    for it in day_items(scenario, route):
        k = it["kind"]
        if k == "depart":
            pdf.write_line(f"{tm(it['time'])}  {T['departure']} : {it['place']}", 13, True, h=7)
        elif k == "return":
            pdf.write_line(f"{tm(it['time'])}  {T['return']} : {it['place']}", 13, True, h=7)
        elif k == "drive":
            pdf.write_line(f"{T['drive']} {fmt.format_duration(it['travel_s'], language)}"
                           f" - {fmt.format_km(it['travel_m'], language)}", 11, h=6,
                           colour=(80, 80, 80), indent=9)
        elif k == "lunch":
            pdf.set_fill_color(238, 238, 238)
            pdf.font(13, True)
            pdf.cell(0, 8, pdf.clean(f"{tm(it['start'])} - {tm(it['end'])}  {T['lunch']}"),
                     fill=True, new_x="LMARGIN", new_y="NEXT")
        else:
            if pdf.will_page_break(34):
                pdf.add_page()
            y0 = pdf.get_y()
            pdf.set_draw_color(0, 0, 0)
            pdf.set_line_width(0.4)
            pdf.line(pdf.l_margin, y0, pdf.w - pdf.r_margin, y0)
            pdf.ln(1)
            pin = f"  ({T['pinned']})" if it["pinned"] else ""
            pdf.write_line(f"{it['seq']}.  {tm(it['start'])} - {tm(it['end'])}   {it['name']}{pin}",
                           14, True, h=7.5)
            pdf.write_line(it["place"], 13, h=6.5, indent=9)
            line3 = []
            if it["phone"]:
                line3.append(f"{T['phone']} : {it['phone']}")
            line3.append(f"{T['arrival']} {tm(it['arrival'])}")
            pdf.write_line("   ".join(line3), 12, h=6, indent=9)
            if it["reason"]:
                pdf.write_line(f"{T['reason']} : {it['reason']}", 12, h=6, indent=9)
            pdf.ln(1)
    # map
    room = pdf.page_break_trigger - pdf.get_y() - 14
    map_h = min(95.0, room)
    if map_h < 60:  # too little room left on this page: the map gets its own
        pdf.add_page()
        map_h = 95.0
    pdf.ln(3)
    pdf.write_line(T["map"], 13, True, h=7)
    _pdf_map(pdf, scenario, route, geometry, pdf.l_margin, pdf.get_y() + 1,
             pdf.w - pdf.l_margin - pdf.r_margin, map_h, language)
    return bytes(pdf.output())


def render_day_sheets(scenario: Scenario, plan: Any, out_dir: str | os.PathLike[str], *,
                      language: str = "fr", estimated: bool | None = None,
                      geometry: Geometry | None = None, pdf: bool = True) -> list[Path]:
    """Write an HTML (and PDF) day sheet per (advisor, day) route with stops.

    Parameters
    ----------
    scenario
        The validated scenario (visit names, addresses, phones; advisors; sites).
    plan
        ``plan.json`` path, its folder, or the parsed dict.
    out_dir
        Folder for ``<day>_<advisor>.html`` and ``.pdf`` (created if needed).
    estimated
        Travel times are estimates; None = take ``plan["estimated"]``.
    geometry
        ``geometry(a_id, b_id) -> [(lat, lon)]`` road paths, or None for straight lines.

    Returns
    -------
    The written paths, sorted.
    """
    plan = load_plan(plan)
    est = bool(plan.get("estimated", True)) if estimated is None else estimated
    out = Path(out_dir)
    written = []
    for route in plan["routes"]:
        if not route["stops"]:
            continue
        stem = sheet_stem(route)
        written.append(render_day_sheet_html(scenario, route, out / f"{stem}.html", language=language,
                                             estimated=est, geometry=geometry))
        if pdf:
            data = day_sheet_pdf(scenario, route, language=language, estimated=est, geometry=geometry)
            written.append(atomic.write_bytes(out / f"{stem}.pdf", data))
    return sorted(written)


def week_rows(scenario: Scenario, plan: dict[str, Any], language: str = "fr") -> list[dict[str, Any]]:
    """One row per planned stop, for the week table and workbook (sorted by day, advisor, seq)."""
    rows = []
    for route in sorted(plan["routes"], key=lambda r: (r["day"], r["advisor_id"])):
        for it in day_items(scenario, route):
            if it["kind"] != "stop":
                continue
            rows.append({"day": route["day"], "day_text": fmt.format_date(route["day"], language),
                         "advisor_id": route["advisor_id"],
                         "advisor": advisor_name(scenario, route["advisor_id"]), **it,
                         "travel_s": next(s.get("travel_s") for s in route["stops"] if s["seq"] == it["seq"]),
                         "travel_m": next(s.get("travel_m") for s in route["stops"] if s["seq"] == it["seq"])})
    return rows


