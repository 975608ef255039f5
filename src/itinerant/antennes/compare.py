"""Compare placement variants side by side: comparison.json and comparison.xlsx.

:func:`compare` solves every variant, measures the answer on the whole population
(within 10/15/20 minutes, mean and worst time, people beyond 20 minutes by commune),
draws the marginal-gain curve (MCLP coverage at the variant's threshold for
p = 0..k new sites) and writes both files atomically (temp file + ``os.replace``).

Public outputs: no resident id, name, address or position; people are counted by
commune and by site only. Helper reports render comparison.json (French HTML, maps,
chart); the Excel file carries the same tables.

JSON keys (times in minutes, counts in people; ``curve`` starts at p = 0, the fixed
sites alone)::

    {"scenario", "title", "estimated", "matrix_source", "thresholds_min": [10, 15, 20],
     ("p" = new sites opened: the LSCP's answer, or the requested p capped at the
      number of candidates, "p_requested" = the variant's p)
     "population_total", "low_mobility_total",
     "variants": [{"id", "title", "description", "model", "model_label", "p", "minutes",
                   "mode", "weights", "sites": [{"id", "name", "kind", "commune_code",
                   "lat", "lon", "existing", "new", "opening", "weekly_hours",
                   "low_mobility_nearest", "population_nearest",
                   "low_mobility_per_weekly_hour"}],
                   "removed": [{"id", "name"}], "optimal", "gap", "status", "objective",
                   "objective_label", "solve_s", "population_within": {"10", "15", "20"},
                   "low_mobility_within": {...}, "population_unreachable",
                   "low_mobility_unreachable", "mean_min", "mean_min_population",
                   "max_min", "beyond_20_by_commune": [{"commune_code", "name",
                   "population", "low_mobility"}],
                   "curve": [{"p", "low_mobility_covered", "population_covered",
                              "objective", "new_sites", "optimal"}]}]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from itinerant.antennes.build import (
    Demand,
    Variant,
    build_demand,
    load_variant,
    site_roles,
    solve_demand,
)
from itinerant.antennes.models import PlacementResult
from itinerant.core import atomic
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.core.safe import xlsx_append
from itinerant.scenario.model import Scenario

THRESHOLDS_MIN = (10, 15, 20)
MODEL_LABELS = {
    "mclp": "couverture maximale (MCLP)",
    "pmedian": "p-médiane (temps moyen minimal)",
    "pcenter": "p-centre (pire temps minimal)",
    "lscp": "couverture totale (LSCP, nombre minimal d'antennes)",
}
MODE_LABELS = {"car": "en voiture", "walk": "à pied"}


def _times(demand: Demand, chosen_ids: Sequence[str]) -> np.ndarray:
    """int64 (m,) seconds from each demand row to its nearest open site."""
    col = {s: j for j, s in enumerate(demand.site_ids)}
    idx = [col[s] for s in chosen_ids]
    if not idx:
        return np.full(len(demand.population), UNREACHABLE, dtype=np.int64)
    return demand.cost_s[:, idx].min(axis=1)


def measure(scenario: Scenario, demand: Demand, chosen_ids: Sequence[str]) -> dict[str, Any]:
    """Indicators of a set of open sites, aggregated (no resident-level data).

    Returns
    -------
    dict
        ``population_within``/``low_mobility_within`` by threshold (str minutes),
        unreachable counts, ``mean_min`` (low-mobility residents who can reach a site),
        ``mean_min_population``, ``max_min`` (worst time of a reachable resident),
        ``beyond_20_by_commune`` (sorted by low-mobility people, then population) and the
        people per site (``nearest``: which open site is nearest).
    """
    t = _times(demand, chosen_ids)
    pop, low = demand.population, demand.low_mobility
    reach = t < UNREACHABLE
    out: dict[str, Any] = {
        "population_within": {str(m): int(pop[t <= m * 60].sum()) for m in THRESHOLDS_MIN},
        "low_mobility_within": {str(m): int(low[t <= m * 60].sum()) for m in THRESHOLDS_MIN},
        "population_unreachable": int(pop[~reach].sum()),
        "low_mobility_unreachable": int(low[~reach].sum()),
    }
    lw = low[reach]
    pw = pop[reach]
    tm = t[reach] / 60.0
    out["mean_min"] = round(float((lw * tm).sum() / lw.sum()), 1) if lw.sum() else None
    out["mean_min_population"] = round(float((pw * tm).sum() / pw.sum()), 1) if pw.sum() else None
    out["max_min"] = round(float(tm[pw > 0].max()), 1) if (pw > 0).any() else None
    far = t > max(THRESHOLDS_MIN) * 60
    by: dict[str, list[int]] = {}
    for code, p_, l_ in zip(np.array(demand.commune_code)[far], pop[far], low[far]):
        acc = by.setdefault(str(code), [0, 0])
        acc[0] += int(p_)
        acc[1] += int(l_)
    names = {c.code: c.name for c in scenario.communes}
    out["beyond_20_by_commune"] = [
        {"commune_code": c, "name": names.get(c, c), "population": v[0], "low_mobility": v[1]}
        for c, v in sorted(by.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
        if v[0] > 0
    ]
    col = {s: j for j, s in enumerate(demand.site_ids)}
    if chosen_ids:
        idx = np.array([col[s] for s in chosen_ids])
        nearest = np.argmin(demand.cost_s[:, idx], axis=1)
        out["nearest"] = {
            s: (int(low[(nearest == k) & reach].sum()), int(pop[(nearest == k) & reach].sum()))
            for k, s in enumerate(chosen_ids)
        }
    else:
        out["nearest"] = {}
    return out


def _objective_label(model: str, res: PlacementResult, demand: Demand, variant: Variant) -> str:
    if model == "mclp":
        what = "personnes peu mobiles" if variant.weights == "low_mobility" else "habitants"
        return f"{res.objective:,.0f} {what} à {variant.minutes} min au plus".replace(",", " ")
    if model == "pmedian":
        w = demand.weights(variant).sum()
        return f"temps moyen {res.objective / max(w, 1) / 60:.1f} min"
    if model == "pcenter":
        return f"pire temps {res.objective / 60:.1f} min"
    text = f"{res.objective:.0f} nouvelle(s) antenne(s) pour couvrir à {variant.minutes} min tous ceux qu'un lieu peut couvrir"
    if res.uncovered:
        who = demand.low_mobility if variant.weights == "low_mobility" else demand.population
        n = int(who[list(res.uncovered)].sum())
        text += f" ; {n} personne(s) hors de portée de tout lieu possible"
    return text


def variant_summary(scenario: Scenario, demand: Demand, variant: Variant) -> dict[str, Any]:
    """Solve one variant and build its comparison.json entry (curve included)."""
    roles = site_roles(scenario, variant)
    res = solve_demand(demand, roles, variant)
    m = measure(scenario, demand, res.chosen_ids)
    nearest = m.pop("nearest")
    opening = dict(variant.opening)
    new = set(res.new_ids)
    sites = []
    for sid in res.chosen_ids:
        s = scenario.site(sid)
        low_n, pop_n = nearest.get(sid, (0, 0))
        sites.append(
            {
                "id": s.id,
                "name": s.name,
                "kind": s.kind,
                "commune_code": s.commune_code,
                "lat": s.lat,
                "lon": s.lon,
                "existing": bool(s.existing),
                "new": sid in new,
                "opening": opening.get(sid, s.opening),
                "weekly_hours": s.weekly_hours,
                "low_mobility_nearest": low_n,
                "population_nearest": pop_n,
                "low_mobility_per_weekly_hour": round(low_n / s.weekly_hours, 1) if s.weekly_hours else None,
            }
        )
    curve_k = variant.curve_max_p if variant.curve_max_p is not None else max(variant.p + 2, 4)
    curve_k = min(curve_k, len(roles.candidates))
    curve = []
    for k in range(curve_k + 1):
        r = solve_demand(demand, roles, variant, p=k, model="mclp")
        t = _times(demand, r.chosen_ids)
        inside = t <= variant.minutes * 60
        curve.append(
            {
                "p": k,
                "low_mobility_covered": int(demand.low_mobility[inside].sum()),
                "population_covered": int(demand.population[inside].sum()),
                "objective": round(r.objective, 1),
                "new_sites": list(r.new_ids),
                "optimal": r.optimal,
            }
        )
    return {
        "id": variant.id,
        "title": variant.title,
        "description": variant.description,
        "model": variant.model,
        "model_label": MODEL_LABELS[variant.model],
        "p": len(res.new_ids),
        "p_requested": variant.p if variant.model != "lscp" else None,
        "minutes": variant.minutes,
        "mode": variant.mode,
        "mode_label": MODE_LABELS[variant.mode],
        "weights": variant.weights,
        "sites": sites,
        "removed": [{"id": s, "name": scenario.site(s).name} for s in roles.removed],
        "optimal": res.optimal,
        "gap": round(res.gap, 6),
        "status": res.status,
        "objective": round(res.objective, 3),
        "objective_label": _objective_label(variant.model, res, demand, variant),
        "solve_s": round(res.solve_s, 2),
        "uncovered_population": int(demand.population[list(res.uncovered)].sum()) if res.uncovered else 0,
        "uncovered_low_mobility": int(demand.low_mobility[list(res.uncovered)].sum()) if res.uncovered else 0,
        **m,
        "curve": curve,
    }


def comparison_data(
    scenario: Scenario,
    matrix_by_mode: Mapping[str, TravelMatrix],
    variants: Sequence[Variant | Path | str],
) -> dict[str, Any]:
    """Solve every variant and return the comparison.json document (a dict)."""
    vs: list[Variant] = []
    faults: list[Fault] = []
    for v in variants:
        try:
            vs.append(v if isinstance(v, Variant) else load_variant(v))
        except InputError as e:  # collect every file's faults, raise once
            faults.extend(e.faults)
    seen: set[str] = set()
    for v in vs:
        if v.mode not in matrix_by_mode:
            faults.append(Fault(v.file, None, "mode", f"pas de matrice pour le mode « {v.mode} »", "calculez la matrice d'accès à pied ou choisissez car"))
        if v.id in seen:
            faults.append(Fault(v.file, None, "", f"deux variantes portent l'identifiant « {v.id} »", "renommez l'un des fichiers"))
        seen.add(v.id)
        try:
            site_roles(scenario, v)
        except InputError as e:
            faults.extend(e.faults)
    if faults:
        raise InputError(faults)
    demands: dict[str, Demand] = {}
    out_variants = []
    for v in vs:
        if v.mode not in demands:
            demands[v.mode] = build_demand(scenario, matrix_by_mode[v.mode])
        out_variants.append(variant_summary(scenario, demands[v.mode], v))
    first = next(iter(demands.values())) if demands else build_demand(scenario, next(iter(matrix_by_mode.values())))
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "estimated": any(d.estimated for d in demands.values()) if demands else first.estimated,
        "matrix_source": "; ".join(sorted({d.source for d in demands.values()})) if demands else first.source,
        "thresholds_min": list(THRESHOLDS_MIN),
        "population_total": int(first.population.sum()),
        "low_mobility_total": int(first.low_mobility.sum()),
        "variants": out_variants,
    }


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write comparison.json atomically (UTF-8, indented)."""
    atomic.write_json(Path(path), data)
    return Path(path)


def write_excel(data: dict[str, Any], path: Path) -> Path:
    """Write comparison.xlsx (French sheets: Comparaison, Lieux, Au-delà de 20 min, Courbe)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    vs = data["variants"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Comparaison"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    xlsx_append(ws, [f"Comparaison des scénarios d'antennes — {data.get('title') or data['scenario']}"])
    ws["A1"].font = Font(bold=True, size=13)
    if data["estimated"]:
        xlsx_append(ws, ["Temps de trajet ESTIMÉS (vol d'oiseau × détour), sans réseau routier."])
    xlsx_append(ws, [f"Population : {data['population_total']} habitants, dont {data['low_mobility_total']} peu ou pas mobiles."])
    xlsx_append(ws, [])
    xlsx_append(ws, ["Indicateur", *[v["title"] for v in vs]])
    hr = ws.max_row
    for c in ws[hr]:
        c.font = bold
        c.fill = head_fill
        c.alignment = Alignment(wrap_text=True, vertical="top")

    def pct(n: int, total: int) -> str:
        return f"{n} ({100 * n / total:.0f} %)" if total else str(n)

    rows: list[tuple[str, list[Any]]] = [
        ("Modèle", [v["model_label"] for v in vs]),
        ("Trajet", [v["mode_label"] for v in vs]),
        ("Nouvelles antennes", [v["p"] for v in vs]),
        ("Seuil de couverture (min)", [v["minutes"] for v in vs]),
        ("Lieux ouverts", ["\n".join(f"{s['name']}{' (nouveau)' if s['new'] else ''}" for s in v["sites"]) for v in vs]),
        ("Lieux fermés", ["\n".join(s["name"] for s in v["removed"]) or "—" for v in vs]),
    ]
    for m in data["thresholds_min"]:
        rows.append((f"Habitants à {m} min au plus", [pct(v["population_within"][str(m)], data["population_total"]) for v in vs]))
    for m in data["thresholds_min"]:
        rows.append((f"Personnes peu mobiles à {m} min au plus", [pct(v["low_mobility_within"][str(m)], data["low_mobility_total"]) for v in vs]))
    rows += [
        ("Hors de portée (à pied : au-delà de la limite de marche)", [f"{v['population_unreachable']} habitants, dont {v['low_mobility_unreachable']} peu mobiles" for v in vs]),
        ("Temps moyen, personnes peu mobiles (min)", [v["mean_min"] for v in vs]),
        ("Temps moyen, tous les habitants (min, hors personnes hors de portée)", [v["mean_min_population"] for v in vs]),
        ("Temps maximal (min, hors personnes hors de portée)", [v["max_min"] for v in vs]),
        ("Habitants au-delà de 20 min", [sum(c["population"] for c in v["beyond_20_by_commune"]) for v in vs]),
        ("Peu mobiles au-delà de 20 min", [sum(c["low_mobility"] for c in v["beyond_20_by_commune"]) for v in vs]),
        ("Objectif du modèle", [v["objective_label"] for v in vs]),
        ("Optimalité", ["prouvée" if v["optimal"] else f"écart {100 * v['gap']:.2f} %" for v in vs]),
        ("Temps de calcul (s)", [v["solve_s"] for v in vs]),
    ]
    for label, vals in rows:
        xlsx_append(ws, [label, *vals])
        ws.cell(ws.max_row, 1).font = bold
        for c in ws[ws.max_row]:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 42
    for k in range(len(vs)):
        ws.column_dimensions[get_column_letter(k + 2)].width = 38

    ws2 = wb.create_sheet("Lieux")
    xlsx_append(ws2, ["Scénario", "Lieu", "Commune (code INSEE)", "Statut", "Horaires", "Heures par semaine", "Peu mobiles les plus proches", "Habitants les plus proches", "Peu mobiles par heure"])
    for v in vs:
        for s in v["sites"]:
            xlsx_append(ws2, [v["title"], s["name"], s["commune_code"], "nouveau" if s["new"] else ("existant" if s["existing"] else "imposé"), s["opening"], s["weekly_hours"], s["low_mobility_nearest"], s["population_nearest"], s["low_mobility_per_weekly_hour"]])
    ws3 = wb.create_sheet("Au-delà de 20 min")
    xlsx_append(ws3, ["Scénario", "Commune", "Code INSEE", "Habitants", "Peu mobiles"])
    for v in vs:
        for c in v["beyond_20_by_commune"]:
            xlsx_append(ws3, [v["title"], c["name"], c["commune_code"], c["population"], c["low_mobility"]])
    ws4 = wb.create_sheet("Courbe")
    xlsx_append(ws4, ["Scénario", "Seuil (min)", "Nouvelles antennes", "Peu mobiles couverts", "Habitants couverts", "Lieux ajoutés"])
    for v in vs:
        for pt in v["curve"]:
            xlsx_append(ws4, [v["title"], v["minutes"], pt["p"], pt["low_mobility_covered"], pt["population_covered"], ", ".join(pt["new_sites"])])
    for sheet in (ws2, ws3, ws4):
        for c in sheet[1]:
            c.font = bold
            c.fill = head_fill
        for k in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(k)].width = 24
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    with atomic.atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)


def compare(
    scenario: Scenario,
    matrix_by_mode: Mapping[str, TravelMatrix],
    variants: Sequence[Variant | Path | str],
    out_dir: Path | str,
) -> Path:
    """Solve and compare variants; write comparison.json and comparison.xlsx in ``out_dir``.

    Parameters
    ----------
    matrix_by_mode
        ``{"car": ..., "walk": ...}`` residents-to-sites matrices (only the modes the
        variants use are needed).
    variants
        :class:`Variant` objects or paths of variant YAML files.

    Returns
    -------
    Path
        The comparison.json written.
    """
    out_dir = Path(out_dir)
    data = comparison_data(scenario, matrix_by_mode, variants)
    path = write_json(data, out_dir / "comparison.json")
    write_excel(data, out_dir / "comparison.xlsx")
    return path
