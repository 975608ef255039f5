"""Advisors' day sheets: one A4 page per (advisor, day) with visits or, in the team's
week, duties (a day of duties only has its sheet, without map), HTML and PDF, in French.

Stops in order with arrival and visit times, name, address or commune, phone, reason,
notes, a navigation link (``geo:`` in HTML, a QR code on paper) and boxes to tick the
outcome; driving time and distance between stops; waits of more than 10 minutes; the
lunch where it is taken; a static map over the commune boundaries and names (inline SVG
in HTML, fpdf2 drawing in the PDF; no tiles, no network). Personal data: every sheet and
its map say "CONFIDENTIEL". Files: ``<day>_<advisor-slug>.html|.pdf`` and ``<day>.pdf``
(every advisor's sheet of the day, each on its own page).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import segno
from markupsafe import Markup

from itinerant.core import atomic
from itinerant.core.units import hhmm
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
from itinerant.reports.background import Background, place_labels, scenario_background
from itinerant.reports.outputs import load_plan
from itinerant.scenario.model import Scenario


def sheet_stem(route: dict[str, Any]) -> str:
    """Stable, sortable file stem: ``2026-12-01_mylene``."""
    return f"{route['day']}_{fmt.slug(route['advisor_id'])}"


WAIT_LINE_S = 10 * 60
"""A wait longer than this (seconds) before a visit is a line of its own on the sheet."""


def _place_text(scenario: Scenario, v: Any) -> tuple[str, str, str]:
    """(place, address, commune) of a visit: the address names its commune once."""
    commune = commune_name(scenario, v.commune_code) if v else ""
    address = v.address if v and v.address else ""
    if address and commune and fmt.strip_accents(commune).lower() in fmt.strip_accents(address).lower():
        return address, address, commune
    return ", ".join(p for p in (address, commune) if p), address, commune


def _stop_item(scenario: Scenario, s: dict[str, Any], v: Any) -> dict[str, Any]:
    place, address, commune = _place_text(scenario, v)
    return {
        "kind": "stop", "seq": s["seq"], "place": place, "visit_id": s["visit_id"],
        "arrival": s["arrival"], "start": s["start"], "end": s["end"],
        "pinned": bool(s.get("pinned")),
        "name": (v.name if v and v.name else s["visit_id"]), "address": address,
        "commune": commune, "phone": v.phone if v else "", "reason": v.reason if v else "",
        "notes": (getattr(v, "notes", "") or "") if v else "",
        "approximate": bool(v and v.location_is_commune),
        "geo": geo_uri(v.lat, v.lon) if v else "",
    }


def _secs(value: Any) -> int:
    """Seconds since midnight of a plan time ("HH:MM" or seconds); 0 when missing."""
    seconds = fmt.to_seconds(value)
    return 0 if seconds is None else seconds


def lunch_inside(route: dict[str, Any]) -> bool:
    """Whether the route's lunch is taken during the tour (between departure and return)."""
    brk = route.get("break") or None
    depart, back = fmt.to_seconds(route.get("depart")), fmt.to_seconds(route.get("return"))
    if brk is None or depart is None or back is None:
        return False
    return depart <= _secs(brk["start"]) and _secs(brk["end"]) <= back


def geo_uri(lat: float, lon: float) -> str:
    """``geo:`` link (RFC 5870) that phones open in their navigation app."""
    return f"geo:{lat:.6f},{lon:.6f}"


def advisor_days(plan: dict[str, Any], team: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One sheet route per (advisor, day) with visits or duties: the team planner's tours
    of a day (one per free block between duties) become the ``blocks`` of one route, stops
    numbered through the day, with the advisor's ``duties`` of that day from the team's
    ``week.json`` (``team``). A day of duties only (the bus all day, the office desk) is a
    route without stops nor blocks, so every advisor working that day has a sheet. A day
    of one tour and no duty stays as it is."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in plan["routes"]:
        if r["stops"]:
            groups.setdefault((r["day"], r["advisor_id"]), []).append(r)
    duties: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in (team or {}).get("duties", []):
        for a in d.get("advisors", []):
            duties.setdefault((d["day"], a), []).append(
                {"kind": "duty", "start": d["start"], "end": d["end"], "name": d["name"], "place": d.get("site", ""),
                 "note": d.get("note", "") if d.get("kind") == "bus" else ""})  # the bus day's stops
    out = []
    for key in sorted(set(groups) | set(duties)):
        rs = sorted(groups.get(key, []), key=lambda r: _secs(r.get("depart")))
        day_duties = sorted(duties.get(key, []), key=lambda d: _secs(d["start"]))
        if not rs:
            day, advisor_id = key
            out.append({"vehicle_id": f"{advisor_id}@{day}", "advisor_id": advisor_id, "day": day,
                        "start_site": None, "end_site": None, "depart": None, "return": None,
                        "travel_s": 0, "travel_m": 0, "break": None, "stops": [], "blocks": [],
                        "duties": day_duties})
            continue
        if len(rs) == 1 and key not in duties:
            out.append(rs[0])
            continue
        seq, blocks = 0, []
        for r in rs:
            stops = []
            for st in sorted(r["stops"], key=lambda st: st["seq"]):
                seq += 1
                stops.append(dict(st, seq=seq))
            blocks.append(dict(r, stops=stops))
        out.append(dict(
            rs[0], stops=[st for b in blocks for st in b["stops"]], blocks=blocks, duties=day_duties,
            depart=rs[0].get("depart"), end_site=rs[-1].get("end_site"), **{"return": rs[-1].get("return")},
            travel_s=sum(route_summary(b)["travel_s"] for b in blocks),
            travel_m=sum(route_summary(b)["travel_m"] for b in blocks),
            **{"break": next((b.get("break") for b in blocks if lunch_inside(b)), None)}))
    return out


def day_items(scenario: Scenario, route: dict[str, Any]) -> list[dict[str, Any]]:
    """The day of an advisor's sheet in reading order: each tour (see :func:`tour_items`),
    each duty (``kind`` "duty": start, end, name, place) and the lunch when no tour holds
    it (see :func:`day_lunch`), by their start time."""
    if "blocks" not in route:
        return tour_items(scenario, route)
    parts: list[tuple[int, list[dict[str, Any]]]] = [(_secs(b.get("depart")), tour_items(scenario, b))
                                                     for b in route["blocks"]]
    parts += [(_secs(d["start"]), [d]) for d in route.get("duties", [])]
    lunch = day_lunch(scenario, route)
    if lunch is not None:
        parts.append((_secs(lunch["start"]), [lunch]))
    return [it for _, items in sorted(parts, key=lambda p: p[0]) for it in items]


def day_lunch(scenario: Scenario, route: dict[str, Any]) -> dict[str, Any] | None:
    """The lunch of an advisor's day of duties and tours (:func:`advisor_days`) when no
    tour takes it on the way: ``{"kind": "lunch", "start", "end"}`` ("HH:MM") or None.

    The team planner gives the lunch to one free block between duties: when its tour
    comes back before it (or leaves after it), the lunch is that block's, between the
    return and the next duty. With no tour holding it, it is the advisor's lunch
    (scenario: earliest start, latest end, duration) at the first time the day leaves
    room for it between duties and tours; None when a duty spans the whole lunch window
    (taken during the duty) or the day leaves no room."""
    blocks = route.get("blocks", [])
    if any(lunch_inside(b) for b in blocks):
        return None  # listed inside its tour
    for b in blocks:
        if b.get("break"):
            return {"kind": "lunch", "start": b["break"]["start"], "end": b["break"]["end"]}
    adv = next((a for a in scenario.advisors if a.id == route["advisor_id"]), None)
    if adv is None or adv.lunch_duration_s <= 0:
        return None
    lo, hi, dur = adv.lunch_start_s, adv.lunch_end_s, adv.lunch_duration_s
    busy = [(_secs(d["start"]), _secs(d["end"])) for d in route.get("duties", [])]
    busy += [(_secs(b.get("depart")), _secs(b.get("return"))) for b in blocks]
    if any(s <= lo and hi <= e for s, e in busy):
        return None
    for t in sorted({lo} | {e for _, e in busy if lo <= e}):
        if t + dur <= hi and all(e <= t or t + dur <= s for s, e in busy):
            return {"kind": "lunch", "start": hhmm(t), "end": hhmm(t + dur)}
    return None


def tour_items(scenario: Scenario, route: dict[str, Any]) -> list[dict[str, Any]]:
    """One tour in reading order: depart, drive, [wait], stop, lunch, ..., drive, return.

    Each item has ``kind`` in {"depart", "drive", "wait", "lunch", "stop", "return"};
    times stay "HH:MM" strings as in the plan; durations seconds, distances metres.
    The lunch is listed where it is taken: on the spot before a visit when the advisor
    arrives before it starts, else at the previous place before driving on; it is not
    listed when it lies outside the tour (before leaving or after the return). A wait
    of more than :data:`WAIT_LINE_S` before a visit (lunch excluded) is a ``wait`` line.
    """
    visits = {v.id: v for v in scenario.visits}
    items: list[dict[str, Any]] = [{"kind": "depart", "time": route.get("depart"),
                                    "place": site_name(scenario, route.get("start_site"))}]
    brk = route.get("break") or None
    b0 = _secs(brk["start"]) if brk else 0
    b1 = _secs(brk["end"]) if brk else 0
    lunch_done = not lunch_inside(route)
    lunch: dict[str, Any] = {"kind": "lunch", "start": brk["start"], "end": brk["end"]} if brk else {}
    for s in sorted(route["stops"], key=lambda s: s["seq"]):
        drive = {"kind": "drive", "travel_s": s.get("travel_s"), "travel_m": s.get("travel_m")}
        arrival, start = _secs(s["arrival"]), _secs(s["start"])
        ready = arrival
        if not lunch_done and start >= b1:
            lunch_done = True
            if arrival <= b0:  # arrived first: lunch on the spot, then the visit
                items.extend([drive, lunch])
                ready = max(arrival, b1)
            else:  # lunch at the previous place, then drive
                items.extend([lunch, drive])
        else:
            items.append(drive)
        if start - ready > WAIT_LINE_S:
            items.append({"kind": "wait", "duration_s": start - ready, "from": hhmm(ready),
                          "to": s["start"]})
        items.append(_stop_item(scenario, s, visits.get(s["visit_id"])))
    if not lunch_done:
        items.append(lunch)
    if route.get("return_travel_s") is not None:
        items.append({"kind": "drive", "travel_s": route.get("return_travel_s"),
                      "travel_m": route.get("return_travel_m")})
    if route.get("return") or route.get("end_site"):
        items.append({"kind": "return", "time": route.get("return"),
                      "place": site_name(scenario, route.get("end_site"))})
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
              language: str = "fr", width: int = 640, height: int = 420,
              background: Background | None = None) -> Any:
    """Inline SVG map of one route (numbered stops, start/end squares) over the commune
    boundaries and names of ``background``."""
    pts = points(scenario)
    m = SvgMap(width=width, height=height, stamp=fmt.t("confidential", language),
               background=background)
    colour = advisor_colour(scenario, route["advisor_id"])
    any_est = False
    for a, b in route_legs(route):
        path, est = leg_path(a, b, pts, geometry)
        any_est |= est
        m.line(path, colour, dashed=est, title=fmt.t("estimated", language) if est else "")
    for sid in {route.get("start_site"), route.get("end_site")} - {None}:
        if sid in pts:
            m.dot(*pts[sid], r=8, colour="#222", shape="square", title=site_name(scenario, sid))
    for s in route["stops"]:
        if s["visit_id"] in pts:
            m.dot(*pts[s["visit_id"]], r=12, colour=colour, text=str(s["seq"]))
    m.note = fmt.t("estimated_line" if any_est else "road_line", language)
    return m.render()


def qr_svg(data: str, *, scale: int = 3) -> Markup:
    """A QR code (regular, not micro) of ``data`` as inline SVG."""
    return Markup(segno.make_qr(data, error="m").svg_inline(scale=scale, border=2, omitsize=True))


def _sheet_context(scenario: Scenario, route: dict[str, Any], *, language: str, estimated: bool,
                   geometry: Geometry | None, background: Background | None) -> dict[str, Any]:
    items = day_items(scenario, route)
    for it in items:
        if it["kind"] == "stop" and it["geo"]:
            it["qr"] = qr_svg(it["geo"], scale=2)
    return dict(
        title=f"{fmt.t('day_sheet', language)} - {advisor_name(scenario, route['advisor_id'])} - "
              f"{fmt.format_date(route['day'], language, year=True)}",
        route=route, advisor=advisor_name(scenario, route["advisor_id"]),
        day_text=fmt.format_date(route["day"], language, year=True),
        items=items, summary=route_summary(route), tour=bool(route["stops"]),
        svg=route_svg(scenario, route, geometry=geometry, language=language, background=background)
        if route["stops"] else None,
        times_label=times_label(estimated, language),
        scenario_title=scenario.title or scenario.name,
        colour=advisor_colour(scenario, route["advisor_id"]),
        outcomes=fmt.t("outcomes", language).split("|"),
    )


def render_day_sheet_html(scenario: Scenario, route: dict[str, Any], path: str | os.PathLike[str], *,
                          language: str = "fr", estimated: bool = True,
                          geometry: Geometry | None = None,
                          background: Background | None = None) -> Path:
    """Write one day sheet as HTML (A4 print CSS); return its path."""
    html = render_template("sheet.html", language, **_sheet_context(
        scenario, route, language=language, estimated=estimated, geometry=geometry,
        background=background))
    return atomic.write_text(path, html)


def _pdf_background(pdf: Pdf, fr: Frame, bg: Background, x: float, y: float, w: float,
                    h: float) -> None:
    with pdf.rect_clip(x, y, w, h):
        pdf.set_draw_color(150, 150, 150)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_line_width(0.25)
        pdf.set_dash_pattern(dash=1.2, gap=0.8)
        for a in bg.areas:
            for ring in a.rings:
                pdf.polygon([fr(*p) for p in ring], style="D")
        pdf.set_dash_pattern()
        pdf.set_draw_color(201, 178, 124)
        pdf.set_line_width(0.5)
        for road in bg.roads:
            pdf.polyline([fr(*p) for p in road])
        pdf.set_text_color(80, 80, 80)
        pdf.font(8)
        candidates = []
        for a in sorted(bg.areas, key=lambda a: -a.size()):
            px, py = fr(*a.label)
            tw = pdf.get_string_width(pdf.clean(a.name))
            if x + tw / 2 + 1 <= px <= x + w - tw / 2 - 1 and y + 3 <= py <= y + h - 3:
                candidates.append((px, py, tw + 1.5, 4.0, a.name))
        for px, py, name in place_labels(candidates):  # names never printed over each other
            tw = pdf.get_string_width(pdf.clean(name))
            pdf.set_xy(px - tw / 2, py - 2)
            pdf.cell(tw, 4, pdf.clean(name))
        pdf.set_text_color(0, 0, 0)


def _pdf_map(pdf: Pdf, scenario: Scenario, route: dict[str, Any], geometry: Geometry | None,
             x: float, y: float, w: float, h: float, language: str,
             background: Background | None = None) -> None:
    pts = points(scenario)
    legs = [(a, b, *leg_path(a, b, pts, geometry)) for a, b in route_legs(route)]
    allpts = [p for *_, path, _ in legs for p in path] or list(pts.values())
    fr = Frame(allpts, w, h, margin=10, x0=x, y0=y)
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.3)
    pdf.set_fill_color(247, 245, 239)
    pdf.rect(x, y, w, h, style="DF")
    if background:
        _pdf_background(pdf, fr, background, x, y, w, h)
    r, g, b = hex_rgb(advisor_colour(scenario, route["advisor_id"]))
    pdf.set_draw_color(r, g, b)
    pdf.set_line_width(0.9)
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
            pdf.rect(px - 2.2, py - 2.2, 4.4, 4.4, style="F")
    pdf.font(10, True)
    for s in route["stops"]:
        if s["visit_id"] not in pts:
            continue
        px, py = fr(*pts[s["visit_id"]])
        pdf.set_fill_color(r, g, b)
        pdf.set_draw_color(255, 255, 255)
        pdf.dot(px, py, 3.6, style="DF")
        pdf.set_text_color(255, 255, 255)
        pdf.set_xy(px - 3.6, py - 2.5)
        pdf.cell(7.2, 5, str(s["seq"]), align="C")
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


def _pdf_qr(pdf: Pdf, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``data`` as filled squares, ``size`` mm wide, top-left at (x, y)."""
    matrix = segno.make_qr(data, error="m").matrix
    n = len(matrix)
    cell = size / n
    pdf.set_fill_color(0, 0, 0)
    for i, row in enumerate(matrix):
        for j, dark in enumerate(row):
            if dark:
                pdf.rect(x + j * cell, y + i * cell, cell + 0.01, cell + 0.01, style="F")


def _pdf_stop(pdf: Pdf, it: dict[str, Any], T: dict[str, str], language: str) -> None:
    tm = lambda v: fmt.format_time(v, language)
    if pdf.will_page_break(44):
        pdf.add_page()
    y0 = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, y0, pdf.w - pdf.r_margin, y0)
    qr = 20.0
    if it["geo"]:
        _pdf_qr(pdf, it["geo"], pdf.w - pdf.r_margin - qr, y0 + 1.5, qr)
    right = pdf.r_margin
    pdf.set_right_margin(right + qr + 3)
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
    if it.get("notes"):
        pdf.write_line(f"{T['notes']} : {it['notes']}", 12, True, h=6, indent=9)
    # outcome boxes to tick
    pdf.font(11)
    pdf.set_x(pdf.l_margin + 9)
    for label in T["outcomes"].split("|"):
        bx, by = pdf.get_x(), pdf.get_y() + 1.2
        pdf.set_draw_color(0, 0, 0)
        pdf.rect(bx, by, 3.6, 3.6)
        pdf.set_x(bx + 5)
        pdf.cell(pdf.get_string_width(pdf.clean(label)) + 6, 6, pdf.clean(label))
    pdf.ln(6)
    pdf.set_right_margin(right)
    pdf.set_y(max(pdf.get_y(), y0 + qr + 3))
    pdf.ln(1)


def add_sheet_pages(pdf: Pdf, scenario: Scenario, route: dict[str, Any], *, language: str = "fr",
                    estimated: bool = True, geometry: Geometry | None = None,
                    background: Background | None = None) -> None:
    """Add one advisor's day sheet to ``pdf``, starting on a new page (no map on a day
    without tour)."""
    T = fmt.STRINGS[fmt.lang(language)]
    adv = advisor_name(scenario, route["advisor_id"])
    day = fmt.format_date(route["day"], language, year=True)
    pdf.header_text = f"{T['day_sheet']} - {adv} - {day}"
    pdf.add_page()
    tm = lambda v: fmt.format_time(v, language)
    pdf.write_line(f"{T['day_sheet']} - {day}", 20, True, h=10)
    pdf.write_line(adv, 17, True, h=8)
    summ = route_summary(route)
    if route["stops"]:
        pdf.write_line(
            f"{summ['n']} {T['visits_served']} - {fmt.format_km(summ['travel_m'], language)} - "
            f"{T['driving']} {fmt.format_duration(summ['travel_s'], language)} "
            f"({times_label(estimated, language)})", 11, h=6, colour=(60, 60, 60))
    else:
        pdf.write_line(T["no_tour"], 11, h=6, colour=(60, 60, 60))
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
        elif k == "wait":
            pdf.write_line(f"{T['wait']} {fmt.format_duration(it['duration_s'], language)}"
                           f" ({tm(it['from'])} - {tm(it['to'])})", 12, True, h=6.5,
                           colour=(150, 90, 0), indent=9)
        elif k == "duty":
            pdf.set_fill_color(220, 232, 245)
            pdf.font(13, True)
            place = f", {it['place']}" if it.get("place") else ""
            pdf.multi_cell(0, 8, pdf.clean(f"{tm(it['start'])} - {tm(it['end'])}  {it['name']}{place}"),
                           fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
            if it.get("note"):
                pdf.font(11)
                pdf.multi_cell(0, 6, pdf.clean(it["note"]), align="L", new_x="LMARGIN", new_y="NEXT")
        elif k == "lunch":
            pdf.set_fill_color(238, 238, 238)
            pdf.font(13, True)
            pdf.cell(0, 8, pdf.clean(f"{tm(it['start'])} - {tm(it['end'])}  {T['lunch']}"),
                     fill=True, new_x="LMARGIN", new_y="NEXT")
        else:
            _pdf_stop(pdf, it, T, language)
    if not route["stops"]:
        return  # no tour: no map
    room = pdf.page_break_trigger - pdf.get_y() - 14
    map_h = min(120.0, room)
    if map_h < 65:  # too little room left on this page: the map gets its own
        pdf.add_page()
        map_h = 150.0
    pdf.ln(3)
    pdf.write_line(T["map"], 13, True, h=7)
    _pdf_map(pdf, scenario, route, geometry, pdf.l_margin, pdf.get_y() + 1,
             pdf.w - pdf.l_margin - pdf.r_margin, map_h, language, background)


def _sheet_pdf(header: str, estimated: bool, language: str) -> Pdf:
    T = fmt.STRINGS[fmt.lang(language)]
    pdf = Pdf(header_text=header, stamp=T["confidential"],
              footer_text=f"{T['confidential_note']} ({times_label(estimated, language)})")
    pdf.alias_nb_pages()
    return pdf


def day_sheet_pdf(scenario: Scenario, route: dict[str, Any], *, language: str = "fr",
                  estimated: bool = True, geometry: Geometry | None = None,
                  background: Background | None = None) -> bytes:
    """One day sheet as PDF bytes (A4, large type, QR codes, static map)."""
    T = fmt.STRINGS[fmt.lang(language)]
    adv = advisor_name(scenario, route["advisor_id"])
    pdf = _sheet_pdf("", estimated, language)
    pdf.set_title(pdf.clean(f"{T['day_sheet']} {adv} {route['day']}"))
    add_sheet_pages(pdf, scenario, route, language=language, estimated=estimated,
                    geometry=geometry, background=background)
    return bytes(pdf.output())


def day_pdf(scenario: Scenario, routes: list[dict[str, Any]], *, language: str = "fr",
            estimated: bool = True, geometry: Geometry | None = None,
            background: Background | None = None) -> bytes:
    """Every advisor's sheet of one day in one PDF, each sheet starting on its own page."""
    T = fmt.STRINGS[fmt.lang(language)]
    pdf = _sheet_pdf("", estimated, language)
    pdf.set_title(pdf.clean(f"{T['day_sheet']} {routes[0]['day']}"))
    for route in routes:
        add_sheet_pages(pdf, scenario, route, language=language, estimated=estimated,
                        geometry=geometry, background=background)
    return bytes(pdf.output())


def render_day_sheets(scenario: Scenario, plan: Any, out_dir: str | os.PathLike[str], *,
                      language: str = "fr", estimated: bool | None = None,
                      geometry: Geometry | None = None, pdf: bool = True,
                      background: Background | None = None,
                      team: dict[str, Any] | None = None) -> list[Path]:
    """Write an HTML (and PDF) day sheet per (advisor, day) with stops or, with ``team``,
    duties (its tours and duties of that day together, see :func:`advisor_days`), and one
    PDF per day holding every advisor's sheet (``<day>.pdf``, to print the day at once).

    Parameters
    ----------
    scenario
        The validated scenario (visit names, addresses, phones; advisors; sites).
    plan
        ``plan.json`` path, its folder, or the parsed dict.
    out_dir
        Folder for ``<day>_<advisor>.html|.pdf`` and ``<day>.pdf`` (created if needed).
    estimated
        Travel times are estimates; None = take ``plan["estimated"]``.
    geometry
        ``geometry(a_id, b_id) -> [(lat, lon)]`` road paths, or None for straight lines.
    background
        Commune boundaries and names (and roads) drawn under the maps.
    team
        The team's ``week.json`` (its duties are shown on each advisor's day).

    Returns
    -------
    The written paths, sorted.
    """
    plan = load_plan(plan)
    est = bool(plan.get("estimated", True)) if estimated is None else estimated
    background = scenario_background(scenario, background)
    out = Path(out_dir)
    written = []
    by_day: dict[str, list[dict[str, Any]]] = {}
    for route in sorted(advisor_days(plan, team), key=lambda r: (r["day"], advisor_name(scenario, r["advisor_id"]))):
        by_day.setdefault(route["day"], []).append(route)
        stem = sheet_stem(route)
        written.append(render_day_sheet_html(scenario, route, out / f"{stem}.html", language=language,
                                             estimated=est, geometry=geometry, background=background))
        if pdf:
            data = day_sheet_pdf(scenario, route, language=language, estimated=est,
                                 geometry=geometry, background=background)
            written.append(atomic.write_bytes(out / f"{stem}.pdf", data))
    if pdf:
        for day, routes in by_day.items():
            data = day_pdf(scenario, routes, language=language, estimated=est, geometry=geometry,
                           background=background)
            written.append(atomic.write_bytes(out / f"{day}.pdf", data))
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


