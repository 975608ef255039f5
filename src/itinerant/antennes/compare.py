"""Compare placement variants side by side: solve, measure, and return a :class:`Comparison`.

:func:`compare` solves every variant, measures the answer on the whole population
(within 10/15/20 minutes, mean and worst time, people beyond 20 minutes by commune),
measures today's sites alone (the « aujourd'hui » column), draws the marginal-gain
curve (MCLP coverage at the variant's threshold for p = 0..k new sites) and returns a
:class:`Comparison` that describes itself (:meth:`Comparison.summary`,
:meth:`Comparison.recommended`). :func:`write_comparison_json` saves it;
:meth:`Comparison.from_dict` reads it back to re-render saved files. The types
are in :mod:`itinerant.antennes.results`; reports (:mod:`itinerant.reports`) render
them, and the Excel workbook lives there.

Public: no resident id, name, address or position; people are counted by commune and
by site only, and a count below :data:`PRIVACY_MIN` people is not given (``None``).
Times in minutes, counts in people; ``curve`` starts at p = 0 (the fixed sites alone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from itinerant.antennes.demand import Demand, build_demand
from itinerant.antennes.models import PlacementResult
from itinerant.antennes.results import (
    PRIVACY_MIN,
    THRESHOLDS_MIN,
    CommuneCount,
    Comparison,
    CurvePoint,
    Kpis,
    SiteLoad,
    VariantResult,
    public_count,
    read_comparison,
    write_comparison_json,
)
from itinerant.antennes.solve import solve_demand
from itinerant.antennes.variant import PLACEABLE_KINDS, SiteRoles, Variant, load_variant, site_roles
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.scenario.model import Scenario

__all__ = [
    "PRIVACY_MIN",
    "THRESHOLDS_MIN",
    "Comparison",
    "Kpis",
    "VariantResult",
    "compare",
    "measure",
    "read_comparison",
    "solve_and_measure",
    "write_comparison_json",
]


def _times(demand: Demand, chosen_ids: Sequence[str]) -> np.ndarray:
    """int64 (m,) seconds from each demand row to its nearest open site."""
    col = {s: j for j, s in enumerate(demand.site_ids)}
    idx = [col[s] for s in chosen_ids]
    if not idx:
        return np.full(len(demand.population), UNREACHABLE, dtype=np.int64)
    return demand.cost_s[:, idx].min(axis=1)


def _beyond(scenario: Scenario, demand: Demand, far: np.ndarray) -> tuple[CommuneCount, ...]:
    pop, low = demand.population, demand.low_mobility
    by: dict[str, list[int]] = {}
    for code, p_, l_ in zip(np.array(demand.commune_code)[far], pop[far], low[far]):
        acc = by.setdefault(str(code), [0, 0])
        acc[0] += int(p_)
        acc[1] += int(l_)
    names = {c.code: c.name for c in scenario.communes}
    return tuple(
        CommuneCount(commune_code=c, name=names.get(c, c), population=public_count(v[0]), low_mobility=public_count(v[1]))
        for c, v in sorted(by.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
        if v[0] > 0
    )


def measure(scenario: Scenario, demand: Demand, chosen_ids: Sequence[str]) -> Kpis:
    """Indicators of a set of open sites, aggregated (no resident-level data)."""
    t = _times(demand, chosen_ids)
    pop, low = demand.population, demand.low_mobility
    reach = t < UNREACHABLE
    lw, pw, tm = low[reach], pop[reach], t[reach] / 60.0
    far = t > max(THRESHOLDS_MIN) * 60
    return Kpis(
        population_within={m: int(pop[t <= m * 60].sum()) for m in THRESHOLDS_MIN},
        low_mobility_within={m: int(low[t <= m * 60].sum()) for m in THRESHOLDS_MIN},
        population_unreachable=int(pop[~reach].sum()),
        low_mobility_unreachable=int(low[~reach].sum()),
        mean_min=round(float((lw * tm).sum() / lw.sum()), 1) if lw.sum() else None,
        mean_min_population=round(float((pw * tm).sum() / pw.sum()), 1) if pw.sum() else None,
        max_min=round(float(tm[pw > 0].max()), 1) if (pw > 0).any() else None,
        beyond=_beyond(scenario, demand, far),
        population_beyond=int(pop[far].sum()),
        low_mobility_beyond=int(low[far].sum()),
    )


def _nearest(demand: Demand, chosen_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per open site: (low-mobility people, residents) for whom it is the nearest."""
    if not chosen_ids:
        return {}
    col = {s: j for j, s in enumerate(demand.site_ids)}
    idx = np.array([col[s] for s in chosen_ids])
    sub = demand.cost_s[:, idx]
    nearest = np.argmin(sub, axis=1)
    reach = sub.min(axis=1) < UNREACHABLE
    low, pop = demand.low_mobility, demand.population
    return {s: (int(low[(nearest == k) & reach].sum()), int(pop[(nearest == k) & reach].sum()))
            for k, s in enumerate(chosen_ids)}


def _objective_label(model: str, res: PlacementResult, demand: Demand, variant: Variant) -> str:
    """The model's own objective in words (for the annex)."""
    if model == "mclp":
        what = "personnes peu mobiles" if variant.weights == "low_mobility" else "habitants"
        return f"{res.objective:,.0f} {what} à {variant.minutes} min au plus".replace(",", " ")
    if model == "pmedian":
        w = demand.weights(variant).sum()
        return f"temps moyen {res.objective / max(w, 1) / 60:.1f} min".replace(".", ",")
    if model == "pcenter":
        return f"pire temps {res.objective / 60:.1f} min".replace(".", ",")
    n = int(res.objective)
    text = f"{n} nouvelle{'s' if n > 1 else ''} antenne{'s' if n > 1 else ''} pour couvrir à {variant.minutes} min tous ceux qu'un lieu peut couvrir"
    if res.uncovered:
        who = demand.low_mobility if variant.weights == "low_mobility" else demand.population
        k = int(who[list(res.uncovered)].sum())
        text += f" ; {k} personne{'s' if k > 1 else ''} hors de portée de tout lieu possible"
    return text


def _site_loads(scenario: Scenario, demand: Demand, variant: Variant, chosen_ids: Sequence[str]) -> tuple[SiteLoad, ...]:
    nearest = _nearest(demand, chosen_ids)
    opening = dict(variant.opening)
    names = {c.code: c.name for c in scenario.communes}
    out = []
    for sid in chosen_ids:
        s = scenario.site(sid)
        low_n, pop_n = nearest.get(sid, (0, 0))
        out.append(SiteLoad(
            id=s.id, name=s.name, kind=s.kind, commune_code=s.commune_code,
            commune_name=names.get(s.commune_code, s.commune_code), lat=s.lat, lon=s.lon,
            existing=bool(s.existing), new=not s.existing, opening=opening.get(sid, s.opening),
            weekly_hours=s.weekly_hours, low_mobility_nearest=public_count(low_n), population_nearest=public_count(pop_n),
            low_mobility_per_weekly_hour=round(low_n / s.weekly_hours, 1) if s.weekly_hours else None,
        ))
    return tuple(out)


def _curve(scenario: Scenario, demand: Demand, roles: SiteRoles, variant: Variant) -> tuple[CurvePoint, ...]:
    curve_k = variant.curve_max_p if variant.curve_max_p is not None else max(variant.p + 2, 4)
    curve_k = min(curve_k, len(roles.candidates))
    names = {s.id: s.name for s in scenario.sites}
    out = []
    for k in range(curve_k + 1):
        r = solve_demand(demand, roles, variant, p=k, model="mclp")
        inside = _times(demand, r.chosen_ids) <= variant.minutes * 60
        out.append(CurvePoint(
            p=k, low_mobility_covered=int(demand.low_mobility[inside].sum()),
            population_covered=int(demand.population[inside].sum()), objective=round(r.objective, 1),
            new_sites=tuple(r.new_ids), new_names=tuple(names[s] for s in r.new_ids), optimal=r.optimal,
        ))
    return tuple(out)


def solve_and_measure(scenario: Scenario, demand: Demand, variant: Variant) -> VariantResult:
    """Solve one variant and measure it (curve included)."""
    roles = site_roles(scenario, variant)
    res = solve_demand(demand, roles, variant)
    unc = list(res.uncovered)
    inside = _times(demand, res.chosen_ids) <= variant.minutes * 60
    return VariantResult(
        id=variant.id, title=variant.title, description=variant.description, model=variant.model,
        p_requested=variant.p if variant.model != "lscp" else None, minutes=variant.minutes,
        mode=variant.mode, weights=variant.weights,
        sites=_site_loads(scenario, demand, variant, res.chosen_ids),
        removed=tuple((s, scenario.site(s).name) for s in roles.removed),
        kpis=measure(scenario, demand, res.chosen_ids), curve=_curve(scenario, demand, roles, variant),
        optimal=res.optimal, gap=round(res.gap, 6), status=res.status, objective=round(res.objective, 3),
        objective_label=_objective_label(variant.model, res, demand, variant), solve_s=round(res.solve_s, 2),
        uncovered_population=int(demand.population[unc].sum()) if unc else 0,
        uncovered_low_mobility=int(demand.low_mobility[unc].sum()) if unc else 0,
        low_mobility_covered=int(demand.low_mobility[inside].sum()),
        population_covered=int(demand.population[inside].sum()),
    )


def _load_all(scenario: Scenario, matrix_by_mode: Mapping[str, TravelMatrix],
              variants: Sequence[Variant | Path | str]) -> list[Variant]:
    """Read every variant and check it against the scenario; every fault raised once."""
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
    return vs


def compare(
    scenario: Scenario,
    matrix_by_mode: Mapping[str, TravelMatrix],
    variants: Sequence[Variant | Path | str],
) -> Comparison:
    """Solve every variant and measure it beside today's sites.

    Parameters
    ----------
    matrix_by_mode
        ``{"car": ..., "walk": ...}`` residents-to-sites matrices (only the modes the
        variants use are needed; "car" also measures today's sites).
    variants
        :class:`Variant` objects or paths of variant YAML files.
    """
    vs = _load_all(scenario, matrix_by_mode, variants)
    demands: dict[str, Demand] = {}
    for mode in dict.fromkeys([*(v.mode for v in vs), *(["car"] if "car" in matrix_by_mode else [])]):
        demands[mode] = build_demand(scenario, matrix_by_mode[mode])
    if not demands:
        first_mode = next(iter(matrix_by_mode))
        demands[first_mode] = build_demand(scenario, matrix_by_mode[first_mode])
    results = tuple(solve_and_measure(scenario, demands[v.mode], v) for v in vs)
    today_ids = [s.id for s in scenario.sites if s.existing and s.kind in PLACEABLE_KINDS]
    first = next(iter(demands.values()))
    return Comparison(
        scenario=scenario.name, title=scenario.title or "",
        estimated=any(d.estimated for d in demands.values()),
        matrix_source="; ".join(sorted({d.source for d in demands.values()})),
        thresholds_min=THRESHOLDS_MIN, population_total=int(first.population.sum()),
        low_mobility_total=int(first.low_mobility.sum()), housebound_total=int(first.none.sum()),
        today={mode: measure(scenario, d, today_ids) for mode, d in demands.items()},
        today_sites=tuple(scenario.site(s).name for s in today_ids), variants=results,
    )
