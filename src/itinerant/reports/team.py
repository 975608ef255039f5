"""The team's week: a page (board advisor x half-day, hours against contract, duties,
visits by mode; duties that cannot be staffed first) and an Excel workbook.

Rendering only: it reads the ``week.json`` document of :mod:`itinerant.team.io`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from itinerant.core import atomic
from itinerant.core.safe import xlsx_append
from itinerant.reports import fmt
from itinerant.reports._common import render_template, site_name, times_label
from itinerant.reports.outputs import load_json
from itinerant.reports.sheets import sheet_stem
from itinerant.scenario.model import Scenario

PAGE = "semaine_equipe.html"
WORKBOOK = "semaine_equipe.xlsx"
CREW_PAGE = "equipage.html"
"""The bus's week with its crew (internal: staff first names), beside the public rota."""


def first_name(name: str) -> str:
    """What colleagues call an advisor on an internal page: the first word of the name
    (« Camille (fictif) » -> « Camille »)."""
    word = (name or "").split(" ", 1)[0]
    return word.rstrip(",;") or name


def with_session_visits(scenario: Scenario, doc: dict[str, Any]) -> Scenario:
    """The scenario with one pseudo-visit per mairie session of a ``week.json`` (at the
    town hall), so the route sheets show the session as a stop with its residents."""
    from itinerant.scenario.model import Visit

    visits = {v.id: v for v in scenario.visits}
    extra = []
    for ses in doc.get("sessions", []):
        code = ses.get("commune_code")
        if code is None or ses["id"] in visits:
            continue
        c = scenario.commune(code)
        who = [visits[m] for m in ses["visits"] if m in visits]
        extra.append(Visit(
            id=ses["id"], resident_id="", lat=c.lat, lon=c.lon, commune_code=c.code, location_is_commune=True,
            duration_s=max(60, sum(v.duration_s for v in who)), days=tuple(range(7)), windows=((0, 24 * 3600),),
            priority=min((v.priority for v in who), key=("must", "should", "could").index, default="must"),
            name=f"Séance en mairie : {len(who)} rendez-vous (" + ", ".join(v.name or v.id for v in who) + ")",
            address=f"mairie de {c.name}", reason=" ; ".join(v.reason for v in who if v.reason),
        ))
    return scenario.model_copy(update={"visits": scenario.visits + tuple(extra)}) if extra else scenario


def bus_crew_days(scenario: Scenario, doc: dict[str, Any], bus: Any = None) -> list[dict[str, Any]]:
    """The bus days of the planned week: date, hours, stops (from the rota ``bus`` when
    given) and the crew's first names (``missing``: seats nobody holds)."""
    from itinerant.reports.posters import bus_view

    names = {a.id: a.name for a in scenario.advisors}
    stops: dict[str, list[str]] = {}
    if bus is not None:
        for d in bus_view(scenario, bus).days:
            if d.get("date"):
                stops[d["date"]] = [site_name(scenario, s) for s in d["stops"]]
    out = []
    for d in doc["duties"]:
        if d["kind"] != "bus":
            continue
        out.append({"day": d["day"], "start": d["start"], "end": d["end"], "name": d["name"],
                    "crew": [first_name(names.get(a, a)) for a in d["advisors"]],
                    "missing": max(0, d["needed"] - len(d["advisors"])), "stops": stops.get(d["day"], [])})
    return out


def render_bus_crew(scenario: Scenario, week: Any, path: str | os.PathLike[str], *, bus: Any = None,
                    language: str = "fr") -> Path:
    """The bus's planned week with who crews it each day (``equipage.html``): internal,
    for the team (staff first names); the public rota page and posters name nobody."""
    doc = load_json(week, "week.json")
    when = fmt.format_date(doc["week_start"], language, year=True) if doc.get("week_start") else ""
    html = render_template("bus_crew.html", language, title=f"Le bus, semaine du {when}" if when else "Le bus cette semaine",
                           scenario_title=scenario.title or scenario.name, days=bus_crew_days(scenario, doc, bus))
    return atomic.write_text(path, html)


def board_grid(doc: dict[str, Any], sheets: Path | None = None) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Columns (days) and rows (advisors) of the board: ``cells`` in day, half order; a cell
    with a tour or a duty links its day sheet when ``sheets`` (the folder of sheets) holds it."""
    days: list[str] = []
    texts: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    for r in doc["board"]:
        if r["day"] not in days:
            days.append(r["day"])
            texts[r["day"]] = r["day_text"]
        row = rows.setdefault(r["advisor_id"], {"name": r["advisor"], "cells": []})
        href = None
        if sheets is not None and set(r["kinds"]) - {"absent", "libre"}:  # a tour or a duty: its day sheet
            stem = sheet_stem({"day": r["day"], "advisor_id": r["advisor_id"]})
            if (sheets / f"{stem}.html").is_file():
                href = f"{sheets.name}/{stem}.html"
        row["cells"].append({"text": r["text"], "kind": r["kinds"][0] if r["kinds"] else "libre", "href": href,
                             "made": bool(r.get("made"))})
    return [{"day": d, "text": texts[d]} for d in days], list(rows.values())


def render_team_week(scenario: Scenario, week: Any, out_dir: str | os.PathLike[str], *,
                     language: str = "fr", estimated: bool | None = None,
                     tours_dir: str | os.PathLike[str] | None = None,
                     crew_page: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Write ``semaine_equipe.html`` and ``semaine_equipe.xlsx`` into ``out_dir``; the board
    links the day sheets of ``tours_dir`` (default ``out_dir/tournees``) and the bus's
    ``crew_page`` when given."""
    doc = load_json(week, "week.json")
    out = Path(out_dir)
    tours = Path(tours_dir) if tours_dir is not None else out / "tournees"
    rel = Path(os.path.relpath(tours, out)).as_posix()
    est = bool(doc.get("estimated", True)) if estimated is None else estimated
    names = {a.id: a.name for a in scenario.advisors}
    duties = [dict(d, advisor_names=", ".join(names.get(a, a) for a in d["advisors"])) for d in doc["duties"]]
    changes = [dict(c, old_names=", ".join(names.get(a, a) for a in c["old"]) or "personne",
                    new_names=", ".join(names.get(a, a) for a in c["new"]) or "personne")
               for c in doc.get("duty_changes", [])]
    days, board = board_grid(doc, tours / "feuilles")
    for row in board:
        for cell in row["cells"]:
            if cell["href"]:
                cell["href"] = f"{rel}/{cell['href']}"
    sheets = tours / "semaine.html"
    warn = tours / "a_prevenir.html"
    html = render_template(
        "team.html", language, title=f"Semaine de l'équipe du {fmt.format_date(doc['week_start'], language, year=True)}"
        if doc.get("week_start") else "Semaine de l'équipe",
        scenario_title=scenario.title or scenario.name, doc=dict(doc, duties=duties),
        staffed=sum(1 for d in doc["duties"] if len(d["advisors"]) >= d["needed"]),
        times_label=times_label(est, language), days=days, board=board, xlsx_href=WORKBOOK,
        sheets_href=f"{rel}/semaine.html" if sheets.is_file() else None,
        warn_href=f"{rel}/a_prevenir.html" if doc.get("now") and warn.is_file() else None,
        crew_href=Path(os.path.relpath(crew_page, out)).as_posix() if crew_page is not None else None,
        changes=changes, now_text=fmt.format_moment(doc.get("now") or "", language),
        warn_n=len((doc.get("tours") or {}).get("changes", [])),
    )
    page = atomic.write_text(out / PAGE, html)
    book = write_team_workbook(doc, out / WORKBOOK, names=names)
    return {"html": page, "xlsx": book}


def write_team_workbook(doc: dict[str, Any], path: str | os.PathLike[str], *,
                        names: dict[str, str] | None = None) -> Path:
    """Excel workbook: « Tableau », « Heures », « Permanences », « Visites par mode »."""
    names = names or {}
    wb = Workbook()
    ws = wb.active
    ws.title = "Tableau"
    days, board = board_grid(doc)
    xlsx_append(ws, ["Conseiller"] + [f"{d['text']} {h}" for d in days for h in ("matin", "après-midi")])
    for row in board:
        xlsx_append(ws, [row["name"]] + [c["text"] for c in row["cells"]])
    for col in ws.iter_cols(min_col=2):
        for c in col:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    hours = wb.create_sheet("Heures")
    xlsx_append(hours, ["Conseiller", "Contrat (h)", "Permanences (h)", "Tournées (h)", "Total (h)"])
    for m in doc["members"]:
        xlsx_append(hours, [m["name"], m["contract_h"], m["duty_h"], m["visit_h"], m["hours_h"]])
    duties = wb.create_sheet("Permanences")
    xlsx_append(duties, ["Jour", "Début", "Fin", "Permanence", "Lieu", "Demandés", "Conseillers", "Hypothèse", "Remarque"])
    for d in doc["duties"]:
        xlsx_append(duties, [d["day"], d["start"], d["end"], d["name"], d["site"], d["needed"],
                       ", ".join(names.get(a, a) for a in d["advisors"]), "oui" if d["hypothesis"] else "non", d["note"]])
    modes = wb.create_sheet("Visites par mode")
    v = doc["visits"]
    for mode_row in (["Mode", "Demandes"], ["à domicile", v["at_home"]], ["en mairie", v["in_mairie"]],
                ["séances en mairie", v["sessions_held"]], ["non planifiées", v["left_out"]],
                ["dont obligatoires", v["must_left_out"]]):
        xlsx_append(modes, mode_row)
    if doc["unstaffed"]:
        un = wb.create_sheet("Non tenues", 0)
        xlsx_append(un, ["Permanence", "Jour", "Début", "Fin", "Manque", "Pourquoi"])
        for u in doc["unstaffed"]:
            xlsx_append(un, [u["name"], u["day"], u["start"], u["end"], u["missing"], u["reason"]])
    for sheet in wb.worksheets:
        for c in sheet[1]:
            c.font = Font(bold=True)
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
