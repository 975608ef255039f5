"""Excel workbooks (openpyxl): the week of home visits (one sheet per day + "Non
planifiées") and the antenne comparison table. Plain cells, real times and numbers,
no macros or formulas: opens in Excel and LibreOffice."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from itinerant.antennes.results import read_comparison
from itinerant.core import atomic
from itinerant.core.safe import xlsx_append
from itinerant.reports import fmt
from itinerant.reports._common import commune_name
from itinerant.reports.antennes_table import annex_rows, board_rows, columns
from itinerant.reports.outputs import load_plan
from itinerant.reports.sheets import week_rows
from itinerant.scenario.model import Scenario

_BAD = set('[]:*?/\\')
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")


def sheet_title(text: str, used: set[str]) -> str:
    """An Excel-valid, unique sheet name (<= 31 chars, none of []:*?/\\)."""
    s = "".join("-" if c in _BAD else c for c in text).strip("'")[:31] or "Feuille"
    base, i = s, 2
    while s.lower() in used:
        suffix = f" ({i})"
        s = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(s.lower())
    return s


def _hm(value: str | None) -> dt.time | None:
    s = fmt.to_seconds(value)
    if s is None:
        return None
    return dt.time(min(s // 3600, 23), s % 3600 // 60)


def _write_table(ws: Any, header: list[str], rows: list[list[Any]], formats: dict[int, str]) -> None:
    xlsx_append(ws, header)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = _HEAD_FILL
        c.alignment = Alignment(vertical="top", wrap_text=True)
    for r in rows:
        xlsx_append(ws, r)
    for col, f in formats.items():
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            for c in row:
                c.number_format = f
    for i, h in enumerate(header, 1):
        width = max([len(str(h))] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 60)
    ws.freeze_panes = "A2"


def write_week_workbook(scenario: Scenario, plan: Any, path: str | os.PathLike[str], *,
                        language: str = "fr") -> Path:
    """Write the week workbook: a sheet per planned day (all advisors, in order) and a
    sheet of unassigned visits with their reasons. Confidential (names, phones)."""
    plan = load_plan(plan)
    T = fmt.STRINGS[fmt.lang(language)]
    rows = week_rows(scenario, plan, language)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    header = [T["advisor"], T["seq"], T["arrival"], T["start"], T["end"], T["name"], T["address"],
              T["commune"], T["phone"], T["reason"], T["notes"], f"{T['drive']} (min)",
              f"{T['drive']} (km)"]
    days = sorted({r["day"] for r in rows})
    for day in days:
        ws = wb.create_sheet(sheet_title(fmt.format_date(day, language), used))
        data = [[r["advisor"], r["seq"], _hm(r["arrival"]), _hm(r["start"]), _hm(r["end"]), r["name"],
                 r["address"], r["commune"], r["phone"], r["reason"], r["notes"],
                 round((r["travel_s"] or 0) / 60), round((r["travel_m"] or 0) / 1000, 1)]
                for r in rows if r["day"] == day]
        _write_table(ws, header, data, {3: "hh:mm", 4: "hh:mm", 5: "hh:mm", 13: "0.0"})
    ws = wb.create_sheet(sheet_title(T["unassigned"], used))
    visits = {v.id: v for v in scenario.visits}
    data = []
    for u in plan.get("unassigned", []):
        v = visits.get(u["visit_id"])
        data.append([u["visit_id"], v.name if v else "", v.address if v else "",
                     commune_name(scenario, v.commune_code) if v else "", v.phone if v else "",
                     v.priority if v else "", u.get("reason", "")])
    _write_table(ws, ["Id", T["name"], T["address"], T["commune"], T["phone"], "Priorité" if
                      fmt.lang(language) == "fr" else "Priority", T["reason_unassigned"]], data, {})
    wb.properties.title = f"{T['week_table']} {plan.get('week_start', '')}"
    wb.properties.creator = "itinerant"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_comparison_workbook(comparison: Any, path: str | os.PathLike[str], *,
                              language: str = "fr") -> Path:
    """The antenne comparison workbook (the only one): « Comparaison » (the board's
    table, « aujourd'hui » first), « Lieux » (open sites and their load), « Au-delà de
    20 min », « Courbe » (site names, never codes) and « Méthode » (the annex).

    ``comparison``: a :class:`~itinerant.antennes.compare.Comparison`, its dict, a
    comparison.json or its folder.
    """
    comp = read_comparison(comparison)
    fr = fmt.lang(language) == "fr"
    wb = Workbook()
    ws = wb.active
    ws.title = "Comparaison" if fr else "Comparison"
    _write_table(ws, [""] + [c.title for c in columns(comp, language)],
                 [[label, *cells] for label, cells in board_rows(comp, language, detail=True)], {})
    for row in ws.iter_rows(min_row=1):
        for c in row:
            c.alignment = Alignment(vertical="top", wrap_text=True)
    used = {ws.title.lower()}
    ws2 = wb.create_sheet(sheet_title("Lieux" if fr else "Sites", used))
    _write_table(ws2, ["Scénario", "Lieu", "Commune", "Statut", "Horaires", "Heures par semaine",
                       "Peu mobiles les plus proches", "Habitants les plus proches"],
                 [[v.title, s.name, s.commune_name or s.commune_code,
                   "nouvelle antenne" if s.new else "ouvert aujourd'hui", s.opening, s.weekly_hours,
                   _count(s.low_mobility_nearest), _count(s.population_nearest)] for v in comp.variants for s in v.sites], {})
    ws3 = wb.create_sheet(sheet_title("Au-delà de 20 min", used))
    _write_table(ws3, ["Scénario", "Commune", "Code INSEE", "Habitants", "Peu mobiles"],
                 [[v.title, b.name, b.commune_code, _count(b.population), _count(b.low_mobility)]
                  for v in comp.variants for b in v.kpis.beyond], {})
    ws4 = wb.create_sheet(sheet_title("Courbe", used))
    _write_table(ws4, ["Scénario", "Seuil (min)", "Nouvelles antennes", "Peu mobiles couverts",
                       "Habitants couverts", "Antennes ajoutées"],
                 [[v.title, v.minutes, pt.p, pt.low_mobility_covered, pt.population_covered,
                   ", ".join(pt.new_names)] for v in comp.variants for pt in v.curve], {})
    ws5 = wb.create_sheet(sheet_title("Méthode", used))
    _write_table(ws5, [""] + [v.title for v in comp.variants],
                 [[label, *cells] for label, cells in annex_rows(comp, language)], {})
    wb.properties.creator = "itinerant"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def _count(n: int | None) -> int | str:
    """A public count, or « moins de 11 » where it is not given (privacy)."""
    return "moins de 11" if n is None else n
