"""Public bus outputs: a printable poster per commune (HTML + PDF) and the rota page.

Public documents: they name communes, stops, weekdays, real dates and times, never a
resident, and no solver word (status, gap, baseline). Both render a :class:`~itinerant.bus.Rota`
(the planner's object) or, to re-render saved files, a folder with ``timetable.csv``
(+ ``days.csv``, ``kpis.json``).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itinerant.bus.io import day_rows
from itinerant.bus.rota import Rota
from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import (
    Pdf,
    commune_name,
    render_template,
    site_name,
    times_label,
)
from itinerant.reports.outputs import load_days, load_json, load_timetable
from itinerant.reports.when import (  # noqa: F401 - re-exported: the posters' date helpers
    HORIZON_WEEKS,
    dates_in_words,
    days_off,
    next_dates,
    rhythm_words,
    slot_dates,
)
from itinerant.scenario.model import Scenario, Site

MAX_DATES = 9
"""At most this many dates per slot on a poster (then "…")."""

# ----------------------------------------------------------------------------- inputs


@dataclass
class BusView:
    """What the public bus pages show, from a Rota or from saved files."""

    rows: list[dict[str, Any]]
    """Timetable rows: commune_code, stop_id, weekday, start_s, end_s, weeks."""
    days: list[dict[str, Any]] = field(default_factory=list)
    kpis: dict[str, Any] = field(default_factory=dict)
    cycle_weeks: int = 4
    unserved: list[str] = field(default_factory=list)
    """Communes that ask for the bus and get no passage in the cycle (by name)."""


def bus_view(scenario: Scenario, bus: Any, baseline: Rota | None = None) -> BusView:
    """A :class:`BusView` of a Rota (``bus``), or of a folder / ``timetable.csv`` path /
    parsed rows (saved files, re-rendered)."""
    if isinstance(bus, Rota) and bus.problem is not None:
        P = bus.problem
        rows = [
            {"commune_code": s.commune_code, "stop_id": s.stop_id, "weekday": s.weekday,
             "start_s": s.start_s, "end_s": s.end_s, "weeks": s.weeks}
            for s in bus.slots()
        ]
        return BusView(rows, load_days(day_rows(P, bus)), bus.kpis(baseline), P.cycle_weeks,
                       list(bus.unserved_names()))
    rows = load_timetable(bus)
    days: list[dict[str, Any]] = []
    kpis: dict[str, Any] = {}
    if isinstance(bus, (str, os.PathLike)):
        p = Path(bus)
        folder = p if p.is_dir() else p.parent
        if (folder / "days.csv").is_file():
            days = load_days(folder)
        if (folder / "kpis.json").is_file():
            kpis = load_json(folder, "kpis.json")
    cycle = int(kpis.get("cycle_weeks") or (scenario.buses[0].cycle_weeks if scenario.buses else 4))
    served = {r["commune_code"] for r in rows}
    visits = kpis.get("visits_by_commune") or {}
    unserved = [c.name for c in scenario.communes
                if c.code not in served and (not visits or visits.get(c.code, 1) == 0)
                and c.min_bus_visits != 0]
    return BusView(rows, days, kpis, cycle, unserved)


# ----------------------------------------------------------------------------- dates


# ----------------------------------------------------------------------------- posters


def poster_stem(scenario: Scenario, code: str) -> str:
    """Stable file stem of a commune's poster: ``affiche_71040_blanot``."""
    return f"affiche_{code}_{fmt.slug(commune_name(scenario, code))}"


def office(scenario: Scenario) -> Site | None:
    """The France services office (first site of kind ``office``), or None."""
    return next((s for s in scenario.sites if s.kind == "office"), None)


def default_contact(scenario: Scenario, language: str = "fr") -> str:
    """Contact line of the office: name, address, phone and opening hours."""
    o = office(scenario)
    if o is None:
        return fmt.t("office", language)
    parts = [o.name, o.address or commune_name(scenario, o.commune_code), o.phone and f"tél. {o.phone}", o.opening]
    return " - ".join(p for p in parts if p)


def _poster_slots(scenario: Scenario, rows: list[dict[str, Any]], language: str, cycle: int,
                  start: dt.date, off: dict[dt.date, str]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        a, b = fmt.format_time(r["start_s"], language), fmt.format_time(r["end_s"], language)
        dates, skipped = slot_dates(r["weekday"], tuple(r["weeks"]), cycle_start=start, cycle_weeks=cycle, off=off)
        out.append({
            "rhythm": rhythm_words(r["weekday"], tuple(r["weeks"]), cycle, language),
            "hours": (f"de {a} à {b}" if fmt.lang(language) == "fr" else f"{a} - {b}").replace(" ", "\u00a0"),
            "stop": site_name(scenario, r["stop_id"]),
            "date_groups": dates_in_words(dates[:MAX_DATES], language),
            "more": len(dates) > MAX_DATES,
            "skipped": [f"{fmt.format_date(d, language)} ({n})".replace(" ", "\u00a0") for d, n in skipped],
        })
    return out


def poster_pdf(commune: str, slots: list[dict[str, Any]], contact: list[str], *, language: str = "fr") -> bytes:
    """A poster as PDF bytes: one A4, very large type, dates never split over two lines."""
    T = fmt.STRINGS[fmt.lang(language)]
    pdf = Pdf(footer_text=T["bus"])
    pdf.set_title(pdf.clean(f"{T['bus_passes']} {commune}"))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_fill_color(0, 85, 140)
    pdf.rect(0, 0, pdf.w, 14, style="F")
    pdf.ln(12)
    pdf.set_text_color(0, 85, 140)
    pdf.font(32, True)
    pdf.multi_cell(0, 15, pdf.clean(f"{T['bus_passes']} {commune}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    big = len(slots) <= 1
    for s in slots:
        pdf.ln(8 if big else 4)
        pdf.font(30 if big else 24, True)
        pdf.multi_cell(0, 14 if big else 11, pdf.clean(s["rhythm"]), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 14 if big else 11, pdf.clean(s["hours"]), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.font(18)
        pdf.multi_cell(0, 10, pdf.clean(f"{T['stop']} : {s['stop']}"), align="C", new_x="LMARGIN", new_y="NEXT")
        if s["date_groups"]:
            pdf.ln(3)
            pdf.font(17, True)
            pdf.multi_cell(0, 9, pdf.clean(T["next_dates"]), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.font(17)
            text = ", ".join(s["date_groups"]) + ("…" if s["more"] else "")
            pdf.multi_cell(0, 9, pdf.clean(text), align="C", new_x="LMARGIN", new_y="NEXT")
        if s["skipped"]:
            pdf.font(13)
            pdf.multi_cell(0, 7, pdf.clean(f"{T['no_bus_on']} {', '.join(s['skipped'])}"), align="C",
                           new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.font(15)
    pdf.multi_cell(0, 8, pdf.clean(T["poster_pitch"]), align="C", new_x="LMARGIN", new_y="NEXT")
    # the contact block sits at the foot of the page
    y = pdf.h - 22 - 8 * len(contact)
    pdf.set_y(max(pdf.get_y() + 6, y))
    pdf.set_draw_color(0, 85, 140)
    pdf.line(30, pdf.get_y(), pdf.w - 30, pdf.get_y())
    pdf.ln(3)
    for i, line in enumerate(contact):
        pdf.font(16 if i == 0 else 15, i == 0)
        pdf.multi_cell(0, 8, pdf.clean(line), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _contact_lines(scenario: Scenario, contact: str | None, language: str) -> list[str]:
    if contact:
        return [f"{fmt.t('contact', language)} : {contact}"]
    o = office(scenario)
    if o is None:
        return [fmt.t("office", language)]
    lines = [f"{fmt.t('contact', language)} : {o.name}"]
    lines.append(o.address or commune_name(scenario, o.commune_code))
    if o.phone:
        lines.append(f"{fmt.t('phone', language)} : {o.phone.replace(' ', chr(0xA0))}")
    if o.opening:
        lines.append(o.opening)
    return lines


def render_posters(scenario: Scenario, timetable: Any, out_dir: str | os.PathLike[str], *,
                   language: str = "fr", contact: str | None = None,
                   cycle_start: dt.date | None = None, pdf: bool = True,
                   baseline: Rota | None = None) -> list[Path]:
    """Write a poster per served commune: ``affiche_<code>_<slug>.html`` (+ ``.pdf``).

    Parameters
    ----------
    timetable
        The :class:`~itinerant.bus.Rota`, or a saved ``timetable.csv`` path, its folder,
        or parsed rows.
    contact
        Contact line printed at the bottom; default: the office's name, address, phone
        and hours (``sites`` table).
    cycle_start
        First day of cycle week 1, for the real dates; default the scenario's
        ``calendar.week_start``.
    """
    view = bus_view(scenario, timetable, baseline)
    cycle = view.cycle_weeks
    start = cycle_start or scenario.calendar.week_start
    off = days_off(scenario, start, HORIZON_WEEKS)
    lines = _contact_lines(scenario, contact, language)
    out = Path(out_dir)
    written = []
    for code in sorted({r["commune_code"] for r in view.rows}):
        mine = [r for r in view.rows if r["commune_code"] == code]
        slots = _poster_slots(scenario, mine, language, cycle, start, off)
        name = commune_name(scenario, code)
        stem = poster_stem(scenario, code)
        html = render_template("poster.html", language, title=f"{fmt.t('bus_passes', language)} {name}",
                               commune=name, slots=slots, contact_lines=lines)
        written.append(atomic.write_text(out / f"{stem}.html", html))
        if pdf:
            written.append(atomic.write_bytes(out / f"{stem}.pdf", poster_pdf(name, slots, lines, language=language)))
    return sorted(written)


# ----------------------------------------------------------------------------- rota page


def _hours(h: Any, language: str) -> str:
    if h is None or h == "":
        return ""
    h = float(h)
    return f"{fmt.format_number(h, language, decimals=0 if h.is_integer() else 1)} h"


def _low_mobility_note(scenario: Scenario, language: str) -> tuple[int, str]:
    """The count of « personnes peu mobiles » (mobility ``low``) and its footnote, in the
    antenne report's own words (one term, one count across outputs)."""
    from types import SimpleNamespace

    from itinerant.reports.antennes_report import low_mobility_footnote

    walk = sum(1 for r in scenario.residents if r.mobility == "low")
    home = sum(1 for r in scenario.residents if r.mobility == "none")
    pop = len(scenario.residents) or sum(c.population for c in scenario.communes)  # as the antenne report
    counts = SimpleNamespace(low_mobility_total=walk, population_total=pop, housebound_total=home)
    return walk, low_mobility_footnote(counts, language)  # type: ignore[arg-type]


def render_bus_rota(scenario: Scenario, bus: Any, path: str | os.PathLike[str], *,
                    language: str = "fr", estimated: bool | None = None,
                    posters_href: str | None = "affiches", baseline: Rota | None = None) -> Path:
    """The public rota page: slots per commune with their real dates, the driven days,
    the days off, the communes left without a passage. No solver word.

    ``bus`` is the :class:`~itinerant.bus.Rota` or a folder with ``timetable.csv``
    (+ ``days.csv``, ``kpis.json``).
    """
    view = bus_view(scenario, bus, baseline)
    kpis = view.kpis
    est = bool(kpis.get("estimated", True)) if estimated is None else estimated
    cycle = view.cycle_weeks
    start = scenario.calendar.week_start
    off = days_off(scenario, start, HORIZON_WEEKS)
    presence = kpis.get("presence_hours_by_commune") or {}
    table = []
    for r in sorted(view.rows, key=lambda r: (commune_name(scenario, r["commune_code"]), r["weekday"], r["start_s"])):
        s = _poster_slots(scenario, [r], language, cycle, start, off)[0]
        dates, _ = slot_dates(r["weekday"], tuple(r["weeks"]), cycle_start=start, cycle_weeks=cycle,
                              horizon_weeks=cycle, off=off)
        stem = poster_stem(scenario, r["commune_code"])
        table.append({"commune": commune_name(scenario, r["commune_code"]), "when": s["rhythm"],
                      "dates": dates_in_words(dates, language), "hours": s["hours"], "stop": s["stop"],
                      "presence": _hours(presence.get(r["commune_code"]), language),
                      "poster": f"{posters_href}/{stem}.html" if posters_href else None,
                      "poster_pdf": f"{posters_href}/{stem}.pdf" if posters_href else None})
    day_rows_ = []
    for d in view.days:
        date = dt.date.fromisoformat(d["date"]) if d["date"] else None
        closed = off.get(date) if date else None
        stops = " → ".join(site_name(scenario, s) for s in d["stops"])
        day_rows_.append({
            "week": d["week"],
            "date_text": fmt.format_date(date, language) if date else fmt.weekday_name(d["weekday"], language),
            "stops_text": f"{fmt.t('day_off', language)} ({closed})" if closed else (stops or "-"),
            "closed": bool(closed), "km": d["km"], "drive_min": d["drive_min"],
        })
    end = start + dt.timedelta(days=7 * cycle)
    bus_days = {d for b in scenario.buses for d in b.days}
    holidays = [f"{fmt.format_date(d, language)} ({n})" for d, n in sorted(off.items())
                if d < end and d.weekday() in bus_days]
    low_total, low_note = _low_mobility_note(scenario, language)
    html = render_template("rota.html", language, title=fmt.t("bus_rota", language),
                           scenario_title=scenario.title or scenario.name, rows=table, days=day_rows_,
                           kpis=kpis or None, estimated=est, times_label=times_label(est, language),
                           unserved=view.unserved, holidays=holidays, low_total=low_total,
                           low_note=low_note, cycle_weeks=cycle,
                           served=len({r["commune_code"] for r in view.rows}))
    return atomic.write_text(path, html)


def render_bus(scenario: Scenario, bus: Any, out_dir: str | os.PathLike[str], *,
               language: str = "fr", estimated: bool | None = None, contact: str | None = None,
               pdf: bool = True, baseline: Rota | None = None,
               background: Any = None) -> dict[str, Any]:
    """Everything public of the bus in ``out_dir``: ``rota.html``, ``carte_publique.html``
    and ``affiches/``. ``bus`` is the Rota or a folder of saved files; ``background``
    (communes, roads) is drawn under the public map. Returns ``{"rota", "map", "posters"}``."""
    from itinerant.reports.maps import render_public_map

    out = Path(out_dir)
    view = bus_view(scenario, bus, baseline)
    est = estimated
    if est is None:
        est = bool(view.kpis.get("estimated", True))
    return {
        "rota": render_bus_rota(scenario, bus, out / "rota.html", language=language, estimated=est,
                                baseline=baseline),
        "map": render_public_map(scenario, view.rows, out / "carte_publique.html", language=language,
                                 estimated=est, background=background),
        "posters": render_posters(scenario, bus, out / "affiches", language=language, contact=contact,
                                  pdf=pdf, baseline=baseline),
    }
