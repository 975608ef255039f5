"""The antenne comparison report for the elected board: printable French HTML with a
side-by-side table, one static map per variant, and the marginal-gain curve as an
inline SVG chart (no JavaScript, print CSS). Public: communes and sites only."""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

from markupsafe import Markup

from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import (
    ADVISOR_COLOURS,
    SvgMap,
    commune_name,
    now_text,
    render_template,
    times_label,
)
from itinerant.reports.outputs import load_json
from itinerant.reports.workbook import write_comparison_workbook
from itinerant.scenario.model import Scenario


def _few_names(names: list[str], language: str, most: int = 6) -> str:
    """The first names, then "et N autres" so that a table cell stays printable
    (the full list is in each scenario's card below)."""
    if len(names) <= most:
        return ", ".join(names)
    rest = len(names) - most
    more = f"et {rest} autres" if language == "fr" else f"and {rest} more"
    return ", ".join(names[:most]) + f", {more}"


def curve_svg(variants: list[dict[str, Any]], total: int, *, language: str = "fr",
              key: str = "low_mobility_covered", width: int = 640, height: int = 300) -> Markup | None:
    """Line chart of coverage (% of ``total``) against the number of antennes p."""
    series = [((v.get("title") or v["id"]) + (f" ({v['minutes']} min)" if v.get("minutes") else ""),
               sorted(v.get("curve") or [], key=lambda c: c["p"])) for v in variants]
    series = [(n, c) for n, c in series if c]
    if not series or not total:
        return None
    T = fmt.STRINGS[fmt.lang(language)]
    ps = [c["p"] for _, cs in series for c in cs]
    p0, p1 = min(ps), max(max(ps), min(ps) + 1)
    ys = [100 * c[key] / total for _, cs in series for c in cs]
    y0 = max(0, 10 * math.floor(min(ys) / 10) - 10)
    y1 = min(100, 10 * math.ceil(max(ys) / 10))
    y1 = max(y1, y0 + 10)
    L, R, Tp, B = 64, 16, 14, 46
    W, H = width - L - R, height - Tp - B
    height += 10 + 18 * len(series)  # the legend goes under the chart, never over a line
    X = lambda p: L + W * (p - p0) / (p1 - p0)  # noqa: E731
    Y = lambda y: Tp + H * (1 - (y - y0) / (y1 - y0))  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'class="chart" role="img"><title>{html.escape(T["curve"])}</title>',
           f'<rect x="{L}" y="{Tp}" width="{W}" height="{H}" fill="#fff" stroke="#888"/>']
    step = 10 if y1 - y0 > 30 else 5
    for y in range(int(y0), int(y1) + 1, step):
        out.append(f'<line x1="{L}" x2="{L + W}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{L - 6}" y="{Y(y) + 4:.1f}" font-size="12" text-anchor="end">'
                   f'{fmt.format_percent(y / 100, language)}</text>')
    for p in range(int(p0), int(p1) + 1):
        out.append(f'<text x="{X(p):.1f}" y="{Tp + H + 16}" font-size="12" text-anchor="middle">{p}</text>')
    out.append(f'<text x="{L + W / 2:.1f}" y="{Tp + H + 34}" font-size="13" text-anchor="middle">'
               f'{html.escape(T["n_antennes"])}</text>'
               f'<text x="{14}" y="{Tp + H / 2:.1f}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 14 {Tp + H / 2:.1f})">{html.escape(T["covered_share"])}</text>')
    for i, (name, cs) in enumerate(series):
        col = ADVISOR_COLOURS[i % len(ADVISOR_COLOURS)]
        pts = " ".join(f"{X(c['p']):.1f},{Y(100 * c[key] / total):.1f}" for c in cs)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{col}" stroke-width="3"/>')
        for c in cs:
            v = 100 * c[key] / total
            out.append(f'<circle cx="{X(c["p"]):.1f}" cy="{Y(v):.1f}" r="4" fill="{col}">'
                       f'<title>{html.escape(name)} p={c["p"]} : {v:.1f} %</title></circle>')
        ly = Tp + H + B + 4 + 18 * i
        out.append(f'<rect x="{L}" y="{ly}" width="12" height="12" fill="{col}"/>'
                   f'<text x="{L + 18}" y="{ly + 10}" font-size="12">{html.escape(name)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def variant_svg(scenario: Scenario, variant: dict[str, Any], *, language: str = "fr") -> Markup:
    """Static map of one variant: communes (size = population, red = beyond 20 min), sites."""
    m = SvgMap(width=480, height=360)
    far = {b["commune_code"] for b in variant.get("beyond_20_by_commune") or []}
    for c in scenario.communes:
        r = 2 + 0.12 * math.sqrt(c.population)
        m.dot(c.lat, c.lon, r=r, colour="#d62728" if c.code in far else "#6c757d", shape="ring",
              title=f"{c.name} ({c.population})")
        if c.code in far:
            m.label(c.lat, c.lon, c.name)
    for s in variant.get("sites", []):
        if s.get("lat") is None or s.get("lon") is None:
            continue
        colour = "#2ca02c" if s.get("new") else "#00558c"
        m.dot(s["lat"], s["lon"], r=7, colour=colour, shape="square", title=s["name"])
        m.label(s["lat"], s["lon"], commune_name(scenario, s.get("commune_code", "")))
    return m.render()


def _cell_pair(n: Any, total: int, language: str) -> str:
    if n is None:
        return ""
    s = fmt.format_number(n, language)
    return f"{s} ({fmt.format_percent(n / total, language)})" if total else s


def render_antennes_report(scenario: Scenario, comparison: Any, out_dir: str | os.PathLike[str], *,
                           language: str = "fr", estimated: bool | None = None,
                           name: str = "comparaison") -> dict[str, Path]:
    """Write ``<name>.html`` (the board report) and ``<name>.xlsx`` (the same table).

    ``comparison`` is ``comparison.json``, its folder, or the parsed dict.
    Returns ``{"report", "html" (same path), "workbook"}``.
    """
    comp = load_json(comparison, "comparison.json")
    est = bool(comp.get("estimated", True)) if estimated is None else estimated
    T = fmt.STRINGS[fmt.lang(language)]
    vs = comp["variants"]
    pop_t = int(comp.get("population_total") or 0)
    low_t = int(comp.get("low_mobility_total") or 0)
    yes = "oui" if fmt.lang(language) == "fr" else "yes"
    table: list[dict[str, Any]] = [
        {"label": T["model"], "cls": "",
         "cells": [" - ".join(x for x in (v.get("model_label") or v.get("model", ""), v.get("mode_label", ""))
                              if x) for v in vs]},
        {"label": T["new_antennes"], "cls": "num", "cells": [v.get("p", "") for v in vs]},
        {"label": T["threshold"], "cls": "num",
         "cells": [f"{v['minutes']} min" if v.get("minutes") is not None else "" for v in vs]},
    ]
    if any(v.get("objective_label") for v in vs):
        table.append({"label": T["result"], "cls": "", "cells": [v.get("objective_label", "") for v in vs]})
    for th in comp.get("thresholds_min", [10, 15, 20]):
        table.append({"label": f"{T['population']} {T['within']} {th} {T['minutes']}", "cls": "num",
                      "cells": [_cell_pair((v.get("population_within") or {}).get(str(th)), pop_t, language)
                                for v in vs]})
    for th in comp.get("thresholds_min", [10, 15, 20]):
        table.append({"label": f"{T['low_mobility']} {T['within']} {th} {T['minutes']}", "cls": "num",
                      "cells": [_cell_pair((v.get("low_mobility_within") or {}).get(str(th)), low_t, language)
                                for v in vs]})
    table += [
        {"label": T["mean_time"], "cls": "num",
         "cells": [f"{fmt.format_number(v['mean_min'], language, decimals=1)} min" if v.get("mean_min") is not None
                   else "" for v in vs]},
        {"label": T["max_time"], "cls": "num",
         "cells": [f"{fmt.format_number(v['max_min'], language, decimals=1)} min" if v.get("max_min") is not None
                   else "" for v in vs]},
        {"label": T["beyond_20"], "cls": "",
         "cells": [_few_names([b.get("name") or commune_name(scenario, b["commune_code"])
                               for b in v.get("beyond_20_by_commune") or []], language) or T["none"]
                   for v in vs]},
        {"label": T["new_sites"], "cls": "",
         "cells": [", ".join(s["name"] for s in v.get("sites", []) if s.get("new")) or T["none"] for v in vs]},
        {"label": T["optimal"], "cls": "",
         "cells": [yes if v.get("optimal") else
                   f"{T['gap']} {fmt.format_percent(v.get('gap') or 0, language, decimals=1)}" for v in vs]},
        {"label": T["solve_time"], "cls": "num",
         "cells": [f"{fmt.format_number(v.get('solve_s') or 0, language, decimals=1)} s" for v in vs]},
    ]
    variants = []
    for v in vs:
        variants.append({
            "title": v.get("title") or v["id"], "svg": variant_svg(scenario, v, language=language),
            "description": v.get("description") or "",
            "removed": [r.get("name") or r.get("id", "") for r in v.get("removed") or []],
            "sites": [{"name": s["name"], "commune": commune_name(scenario, s.get("commune_code", "")),
                       "opening": s.get("opening", ""), "new": s.get("new"), "existing": s.get("existing")}
                      for s in v.get("sites", [])],
            "beyond": [{"name": b.get("name") or commune_name(scenario, b["commune_code"]),
                        "population": b.get("population", ""), "low_mobility": b.get("low_mobility", "")}
                       for b in v.get("beyond_20_by_commune") or []],
        })
    out = Path(out_dir)
    # The antennes planner writes comparison.xlsx itself; write ours only when it is absent.
    xlsx = out / "comparison.xlsx"
    if not xlsx.is_file():
        xlsx = write_comparison_workbook(comp, out / f"{name}.xlsx", language=language)
    html_text = render_template(
        "antennes.html", language, title=T["antennes_report"],
        scenario_title=scenario.title or scenario.name, generated=now_text(language),
        pop_total=fmt.format_number(pop_t, language), low_total=fmt.format_number(low_t, language),
        estimated=est, times_label=times_label(est, language), table=table, variants=variants,
        chart=curve_svg(vs, low_t, language=language), xlsx_href=xlsx.name,
        sources=scenario.sources,
    )
    report = atomic.write_text(out / f"{name}.html", html_text)
    return {"report": report, "html": report, "workbook": xlsx}
