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
from itinerant.reports._common import render_template, times_label
from itinerant.reports.outputs import load_json
from itinerant.reports.sheets import sheet_stem
from itinerant.scenario.model import Scenario

PAGE = "semaine_equipe.html"
WORKBOOK = "semaine_equipe.xlsx"


def board_grid(doc: dict[str, Any], sheets: Path | None = None) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Columns (days) and rows (advisors) of the board: ``cells`` in day, half order; a cell
    with a tour links its day sheet when ``sheets`` (the folder of sheets) holds it."""
    days: list[str] = []
    texts: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    for r in doc["board"]:
        if r["day"] not in days:
            days.append(r["day"])
            texts[r["day"]] = r["day_text"]
        row = rows.setdefault(r["advisor_id"], {"name": r["advisor"], "cells": []})
        href = None
        if sheets is not None and ({"visites", "mairie"} & set(r["kinds"])):
            stem = sheet_stem({"day": r["day"], "advisor_id": r["advisor_id"]})
            if (sheets / f"{stem}.html").is_file():
                href = f"{sheets.name}/{stem}.html"
        row["cells"].append({"text": r["text"], "kind": r["kinds"][0] if r["kinds"] else "libre", "href": href})
    return [{"day": d, "text": texts[d]} for d in days], list(rows.values())


def render_team_week(scenario: Scenario, week: Any, out_dir: str | os.PathLike[str], *,
                     language: str = "fr", estimated: bool | None = None) -> dict[str, Path]:
    """Write ``semaine_equipe.html`` and ``semaine_equipe.xlsx`` into ``out_dir``."""
    doc = load_json(week, "week.json")
    out = Path(out_dir)
    est = bool(doc.get("estimated", True)) if estimated is None else estimated
    names = {a.id: a.name for a in scenario.advisors}
    duties = [dict(d, advisor_names=", ".join(names.get(a, a) for a in d["advisors"])) for d in doc["duties"]]
    days, board = board_grid(doc, out / "tournees" / "feuilles")
    for row in board:
        for cell in row["cells"]:
            if cell["href"]:
                cell["href"] = "tournees/" + cell["href"]
    sheets = out / "tournees" / "semaine.html"
    html = render_template(
        "team.html", language, title=f"Semaine de l'équipe du {fmt.format_date(doc['week_start'], language, year=True)}"
        if doc.get("week_start") else "Semaine de l'équipe",
        scenario_title=scenario.title or scenario.name, doc=dict(doc, duties=duties),
        staffed=sum(1 for d in doc["duties"] if len(d["advisors"]) >= d["needed"]),
        times_label=times_label(est, language), days=days, board=board, xlsx_href=WORKBOOK,
        sheets_href="tournees/semaine.html" if sheets.is_file() else None,
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
