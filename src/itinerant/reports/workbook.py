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

from itinerant.core import atomic
from itinerant.core.safe import xlsx_append
from itinerant.reports import fmt
from itinerant.reports._common import commune_name
from itinerant.reports.outputs import load_json, load_plan
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


def comparison_table(comparison: dict[str, Any], language: str = "fr") -> tuple[list[str], list[list[Any]]]:
    """Rows of the side-by-side antenne table: (header, rows) with one column per variant."""
    T = fmt.STRINGS[fmt.lang(language)]
    vs = comparison["variants"]
    pop_t = comparison.get("population_total") or 0
    low_t = comparison.get("low_mobility_total") or 0
    header = [""] + [v.get("title") or v["id"] for v in vs]
    rows: list[list[Any]] = [[T["model"]] + [f"{v.get('model', '')} p={v.get('p', '')}" for v in vs]]
    for th in comparison.get("thresholds_min", [10, 15, 20]):
        k = str(th)
        rows.append([f"{T['population']} {T['within']} {th} {T['minutes']}"]
                    + [v.get("population_within", {}).get(k) for v in vs])
        if pop_t:
            rows.append(["  %"] + [round(100 * (v.get("population_within", {}).get(k) or 0) / pop_t, 1)
                                    for v in vs])
    for th in comparison.get("thresholds_min", [10, 15, 20]):
        k = str(th)
        rows.append([f"{T['low_mobility']} {T['within']} {th} {T['minutes']}"]
                    + [v.get("low_mobility_within", {}).get(k) for v in vs])
        if low_t:
            rows.append(["  %"] + [round(100 * (v.get("low_mobility_within", {}).get(k) or 0) / low_t, 1)
                                    for v in vs])
    rows.append([f"{T['mean_time']} (min)"] + [v.get("mean_min") for v in vs])
    rows.append([f"{T['max_time']} (min)"] + [v.get("max_min") for v in vs])
    rows.append([T["sites"]] + ["; ".join(s["name"] for s in v.get("sites", [])) for v in vs])
    rows.append([T["optimal"]] + [("oui" if fmt.lang(language) == "fr" else "yes") if v.get("optimal")
                                  else f"{T['gap']} {round(100 * (v.get('gap') or 0), 1)} %" for v in vs])
    return header, rows


def write_comparison_workbook(comparison: Any, path: str | os.PathLike[str], *,
                              language: str = "fr") -> Path:
    """Excel export of the antenne comparison table (one sheet, + one of sites)."""
    comparison = load_json(comparison, "comparison.json")
    T = fmt.STRINGS[fmt.lang(language)]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(T["variant"] + "s", set())
    header, rows = comparison_table(comparison, language)
    _write_table(ws, header, rows, {})
    ws2 = wb.create_sheet(sheet_title(T["sites"], {ws.title.lower()}))
    data = [[v.get("title") or v["id"], s["name"], s.get("commune_code", ""),
             T["existing"] if s.get("existing") else (T["new"] if s.get("new") else ""), s.get("opening", "")]
            for v in comparison["variants"] for s in v.get("sites", [])]
    _write_table(ws2, [T["variant"], T["name"], T["commune"], "", T["opening"]], data, {})
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
