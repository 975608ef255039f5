"""Public bus outputs: a printable poster per commune (HTML + PDF) and the rota page.

Public documents: they name communes, stops, weekdays and times, never a resident.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

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
from itinerant.scenario.model import Scenario


def poster_stem(scenario: Scenario, code: str) -> str:
    """Stable file stem of a commune's poster: ``affiche_71040_blanot``."""
    return f"affiche_{code}_{fmt.slug(commune_name(scenario, code))}"


def default_contact(scenario: Scenario, language: str = "fr") -> str:
    """Contact line of the office: its name, commune and opening hours."""
    offices = [s for s in scenario.sites if s.kind == "office"]
    if not offices:
        return fmt.t("office", language)
    o = offices[0]
    parts = [o.name, commune_name(scenario, o.commune_code)]
    if o.opening:
        parts.append(o.opening)
    return " - ".join(p for p in parts if p)


def next_dates(scenario: Scenario, weekday: int, weeks: tuple[int, ...], *, cycle_start: dt.date,
               cycle_weeks: int, count: int = 4, skip: frozenset[dt.date] = frozenset()) -> list[dt.date]:
    """The next ``count`` dates of a slot from ``cycle_start`` (week 1 of the cycle),
    public holidays of the scenario's calendar and ``skip`` dates left out."""
    off = {d for d, _ in scenario.calendar.holidays} | set(skip)
    monday = cycle_start - dt.timedelta(days=cycle_start.weekday())
    out = []
    for k in range(cycle_weeks * 3):
        if weeks and (k % cycle_weeks) + 1 not in weeks:
            continue
        d = monday + dt.timedelta(days=7 * k + weekday)
        if d < cycle_start or d in off:
            continue
        out.append(d)
        if len(out) >= count:
            break
    return out


def _slots(scenario: Scenario, rows: list[dict[str, Any]], language: str, cycle: int | None) -> list[dict[str, str]]:
    out = []
    for r in rows:
        words = fmt.weeks_in_words(r["weeks"], r["weekday"], language, cycle_weeks=cycle)
        a, b = fmt.format_time(r["start_s"], language), fmt.format_time(r["end_s"], language)
        hours = f"de {a} à {b}" if fmt.lang(language) == "fr" else f"{a} - {b}"
        out.append({"when": f"{words[0].upper()}{words[1:]}, {hours}", "words": words, "hours": hours,
                    "title": f"{words[0].upper()}{words[1:]}",
                    "stop": site_name(scenario, r["stop_id"])})
    return out


def poster_pdf(commune: str, slots: list[dict[str, str]], dates: list[str], contact: str, *,
               language: str = "fr") -> bytes:
    """A poster as PDF bytes: A4, very large type."""
    T = fmt.STRINGS[fmt.lang(language)]
    pdf = Pdf(footer_text=T["bus"])
    pdf.set_title(pdf.clean(f"{T['bus_passes']} {commune}"))
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_fill_color(0, 85, 140)
    pdf.rect(0, 0, pdf.w, 10, style="F")
    pdf.ln(8)
    pdf.set_text_color(0, 85, 140)
    pdf.font(30, True)
    pdf.multi_cell(0, 14, pdf.clean(f"{T['bus_passes']} {commune}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(8)
    for s in slots:
        pdf.font(22, True)
        pdf.multi_cell(0, 11, pdf.clean(s["title"]), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 11, pdf.clean(s["hours"]), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.font(16)
        pdf.multi_cell(0, 9, pdf.clean(f"{T['stop']} : {s['stop']}"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(5)
    if dates:
        pdf.ln(4)
        pdf.font(15, True)
        pdf.multi_cell(0, 8, pdf.clean(T["next_dates"]), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.font(15)
        pdf.multi_cell(0, 8, pdf.clean(" - ".join(dates)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.font(14)
    pdf.multi_cell(0, 7, pdf.clean(T["poster_pitch"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.font(13, True)
    pdf.multi_cell(0, 7, pdf.clean(f"{T['contact']} : {contact}"), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _bus_kpis(timetable: Any) -> dict[str, Any]:
    """kpis.json beside a timetable given as a folder or a file path, else {}."""
    if isinstance(timetable, (str, os.PathLike)):
        p = Path(timetable)
        folder = p if p.is_dir() else p.parent
        if (folder / "kpis.json").is_file():
            return load_json(folder, "kpis.json")
    return {}


def render_posters(scenario: Scenario, timetable: Any, out_dir: str | os.PathLike[str], *,
                   language: str = "fr", contact: str | None = None,
                   cycle_start: dt.date | None = None, pdf: bool = True) -> list[Path]:
    """Write a poster per served commune: ``affiche_<code>_<slug>.html`` (+ ``.pdf``).

    Parameters
    ----------
    timetable
        ``timetable.csv`` path, its folder, or parsed rows.
    contact
        Contact line printed at the bottom; default: the office's name and hours.
    cycle_start
        First day of cycle week 1, for the "next dates" line; default the scenario's
        ``calendar.week_start``.
    """
    rows = load_timetable(timetable)
    kpis = _bus_kpis(timetable)
    cycle = int(kpis.get("cycle_weeks") or (scenario.buses[0].cycle_weeks if scenario.buses else 4))
    start = cycle_start or scenario.calendar.week_start
    skip = frozenset(dt.date.fromisoformat(h["date"]) for h in kpis.get("holidays") or [] if h.get("date"))
    contact = contact or default_contact(scenario, language)
    out = Path(out_dir)
    written = []
    for code in sorted({r["commune_code"] for r in rows}):
        mine = [r for r in rows if r["commune_code"] == code]
        slots = _slots(scenario, mine, language, cycle)
        dates = [fmt.format_date(d, language) for d in sorted(
            {d for r in mine for d in next_dates(scenario, r["weekday"], r["weeks"], cycle_start=start,
                                                   cycle_weeks=cycle, count=6, skip=skip)})[:6]]
        name = commune_name(scenario, code)
        stem = poster_stem(scenario, code)
        html = render_template("poster.html", language, title=f"{fmt.t('bus_passes', language)} {name}",
                               commune=name, slots=slots, next_dates=dates, contact=contact)
        written.append(atomic.write_text(out / f"{stem}.html", html))
        if pdf:
            written.append(atomic.write_bytes(out / f"{stem}.pdf",
                                              poster_pdf(name, slots, dates, contact, language=language)))
    return sorted(written)


_STATUS = {
    "fr": {"OPTIMAL": "optimum prouvé", "FEASIBLE": "solution réalisable, optimum non prouvé",
           "INFEASIBLE": "aucune solution", "UNKNOWN": "non résolu"},
    "en": {"OPTIMAL": "proven optimal", "FEASIBLE": "feasible, optimum not proven",
           "INFEASIBLE": "no solution", "UNKNOWN": "not solved"},
}


def _hours(h: Any, language: str) -> str:
    if h is None or h == "":
        return ""
    h = float(h)
    return f"{fmt.format_number(h, language, decimals=0 if h.is_integer() else 1)} h"


def render_bus_rota(scenario: Scenario, bus_dir: Any, path: str | os.PathLike[str], *,
                    language: str = "fr", estimated: bool | None = None,
                    posters_href: str | None = "affiches") -> Path:
    """The rota page: slots per commune in words, KPIs against the baseline, the driven days.

    ``bus_dir`` holds ``timetable.csv``, and optionally ``days.csv`` and ``kpis.json``.
    """
    bus_dir = Path(bus_dir)
    rows = load_timetable(bus_dir)
    days = load_days(bus_dir) if (bus_dir / "days.csv").is_file() else []
    kpis = load_json(bus_dir, "kpis.json") if (bus_dir / "kpis.json").is_file() else {}
    est = bool(kpis.get("estimated", True)) if estimated is None else estimated
    kpis = dict(kpis)
    for key in ("coverage_low_mobility",):  # a share in [0, 1]; accept a percentage too
        if isinstance(kpis.get(key), (int, float)) and kpis[key] > 1:
            kpis[key] = kpis[key] / 100
    if isinstance(kpis.get("baseline"), dict):
        base = dict(kpis["baseline"])
        if isinstance(base.get("coverage_low_mobility"), (int, float)) and base["coverage_low_mobility"] > 1:
            base["coverage_low_mobility"] /= 100
        kpis["baseline"] = base
    cycle = int(kpis.get("cycle_weeks") or (scenario.buses[0].cycle_weeks if scenario.buses else 4))
    holidays = [f"{fmt.format_date(h['date'], language)} ({h.get('name', '')})"
                for h in kpis.get("holidays") or [] if h.get("date")]
    presence = kpis.get("presence_hours_by_commune") or {}
    table = []
    for r in sorted(rows, key=lambda r: (commune_name(scenario, r["commune_code"]), r["weekday"], r["start_s"])):
        s = _slots(scenario, [r], language, cycle)[0]
        stem = poster_stem(scenario, r["commune_code"])
        table.append({"commune": commune_name(scenario, r["commune_code"]), "when": s["words"],
                      "hours": s["hours"], "stop": s["stop"],
                      "presence": _hours(presence.get(r["commune_code"]), language),
                      "poster": f"{posters_href}/{stem}.html" if posters_href else None,
                      "poster_pdf": f"{posters_href}/{stem}.pdf" if posters_href else None})
    day_rows = [{"week": d["week"],
                 "date_text": fmt.format_date(d["date"], language) if d["date"] else fmt.weekday_name(d["weekday"], language),
                 "stops_text": " → ".join(site_name(scenario, s) for s in d["stops"]) or "-",
                 "km": d["km"], "drive_min": d["drive_min"]} for d in days]
    served = {r["commune_code"] for r in rows}
    unserved = [c.name for c in scenario.communes if c.code not in served]
    status = ""
    if kpis.get("status"):
        status = _STATUS.get(fmt.lang(language), {}).get(str(kpis["status"]).upper(), str(kpis["status"]))
        if kpis.get("gap") and str(kpis["status"]).upper() != "OPTIMAL":
            status += f" ({fmt.t('gap', language)} {fmt.format_percent(kpis['gap'], language, decimals=1)})"
    html = render_template("rota.html", language, title=fmt.t("bus_rota", language),
                           scenario_title=scenario.title or scenario.name, rows=table, days=day_rows,
                           kpis=kpis or None, baseline=kpis.get("baseline") or None, status=status,
                           estimated=est, times_label=times_label(est, language), unserved=unserved,
                           holidays=holidays, holidays_note=kpis.get("holidays_note", ""))
    return atomic.write_text(path, html)


def render_bus(scenario: Scenario, bus_dir: Any, out_dir: str | os.PathLike[str], *,
               language: str = "fr", estimated: bool | None = None, contact: str | None = None,
               pdf: bool = True) -> dict[str, Any]:
    """Everything public of the bus in ``out_dir``: ``rota.html``, ``carte_publique.html``
    and ``affiches/``. Returns ``{"rota", "map", "posters"}``."""
    from itinerant.reports.maps import render_public_map

    out = Path(out_dir)
    kpis_path = Path(bus_dir) / "kpis.json"
    est = estimated
    if est is None:
        est = bool(load_json(kpis_path, "kpis.json").get("estimated", True)) if kpis_path.is_file() else True
    return {
        "rota": render_bus_rota(scenario, bus_dir, out / "rota.html", language=language, estimated=est),
        "map": render_public_map(scenario, bus_dir, out / "carte_publique.html", language=language,
                                 estimated=est),
        "posters": render_posters(scenario, bus_dir, out / "affiches", language=language, contact=contact,
                                  pdf=pdf),
    }
