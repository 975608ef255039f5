"""Compare placement variants side by side: a typed :class:`Comparison`.

:func:`compare` solves every variant, measures the answer on the whole population
(within 10/15/20 minutes, mean and worst time, people beyond 20 minutes by commune),
measures today's sites alone (the « aujourd'hui » column), draws the marginal-gain
curve (MCLP coverage at the variant's threshold for p = 0..k new sites) and returns a
:class:`Comparison` that describes itself (:meth:`Comparison.summary`,
:meth:`Comparison.recommended`). :func:`write_comparison_json` saves it;
:meth:`Comparison.from_dict` reads it back to re-render saved files. Reports
(:mod:`itinerant.reports`) render the object; the Excel workbook lives there.

Public: no resident id, name, address or position; people are counted by commune and
by site only, and a count below :data:`PRIVACY_MIN` people is not given (``None``).
Times in minutes, counts in people; ``curve`` starts at p = 0 (the fixed sites alone).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from itinerant.antennes.demand import Demand, build_demand
from itinerant.antennes.models import PlacementResult
from itinerant.antennes.solve import solve_demand
from itinerant.antennes.variant import PLACEABLE_KINDS, SiteRoles, Variant, load_variant, site_roles
from itinerant.core import atomic
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.scenario.model import Scenario

THRESHOLDS_MIN = (10, 15, 20)
PRIVACY_MIN = 11
"""Fewest people a public count may show for one commune or site (INSEE's rule)."""
MODEL_LABELS = {
    "mclp": "couverture maximale (MCLP)",
    "pmedian": "p-médiane (temps moyen minimal)",
    "pcenter": "p-centre (pire temps minimal)",
    "lscp": "couverture totale (LSCP, nombre minimal d'antennes)",
}
MODE_LABELS = {"car": "en voiture", "walk": "à pied"}


def _public(n: int) -> int | None:
    """A count fit for a public page: None below :data:`PRIVACY_MIN` (but 0 stays 0)."""
    return n if n == 0 or n >= PRIVACY_MIN else None


# ------------------------------------------------------------------------ results


@dataclass(frozen=True)
class CommuneCount:
    """People of one commune beyond the farthest threshold (``None`` = fewer than 11)."""

    commune_code: str
    name: str
    population: int | None
    low_mobility: int | None


@dataclass(frozen=True)
class Kpis:
    """Indicators of a set of open sites, aggregated (minutes, people).

    ``population_within`` / ``low_mobility_within``: people within each threshold
    (keys: minutes); ``mean_min``: mean time of the low-mobility people who can reach a
    site; ``max_min``: worst time of a reachable resident; ``beyond``: communes with
    people beyond the largest threshold, most low-mobility people first.
    """

    population_within: dict[int, int]
    low_mobility_within: dict[int, int]
    population_unreachable: int
    low_mobility_unreachable: int
    mean_min: float | None
    mean_min_population: float | None
    max_min: float | None
    beyond: tuple[CommuneCount, ...]
    population_beyond: int
    low_mobility_beyond: int


@dataclass(frozen=True)
class SiteLoad:
    """One open site of a variant, with the people for whom it is the nearest."""

    id: str
    name: str
    kind: str
    commune_code: str
    commune_name: str
    lat: float
    lon: float
    existing: bool
    new: bool
    """Not open today: an added or chosen site counts as a new antenne."""
    opening: str
    weekly_hours: float | None
    low_mobility_nearest: int | None
    population_nearest: int | None
    low_mobility_per_weekly_hour: float | None


@dataclass(frozen=True)
class CurvePoint:
    """MCLP coverage at the variant's threshold with ``p`` new sites."""

    p: int
    low_mobility_covered: int
    population_covered: int
    objective: float
    new_sites: tuple[str, ...]
    new_names: tuple[str, ...]
    optimal: bool


@dataclass(frozen=True)
class VariantResult:
    """One solved variant: its open sites, KPIs and curve (see the module docstring)."""

    id: str
    title: str
    description: str
    model: str
    p_requested: int | None
    minutes: int
    mode: str
    weights: str
    sites: tuple[SiteLoad, ...]
    removed: tuple[tuple[str, str], ...]
    """(id, name) of the existing sites this variant closes."""
    kpis: Kpis
    curve: tuple[CurvePoint, ...]
    optimal: bool
    gap: float
    status: str
    objective: float
    objective_label: str
    solve_s: float
    uncovered_population: int
    uncovered_low_mobility: int
    low_mobility_covered: int
    """Low-mobility people within the variant's own threshold and mode."""
    population_covered: int

    @property
    def new_sites(self) -> tuple[SiteLoad, ...]:
        """Sites open in this variant that are not open today."""
        return tuple(s for s in self.sites if s.new)

    @property
    def n_new(self) -> int:
        """Number of new antennes (added sites included)."""
        return len(self.new_sites)

    @property
    def model_label(self) -> str:
        return MODEL_LABELS[self.model]

    @property
    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]

    def covered(self, minutes: int | None = None) -> int:
        """Low-mobility people within ``minutes`` (default: the variant's threshold)."""
        if minutes is None or minutes == self.minutes:
            return self.low_mobility_covered
        return self.kpis.low_mobility_within[minutes]


@dataclass(frozen=True)
class Comparison:
    """The antenne comparison: every variant side by side with today's sites.

    Attributes
    ----------
    today
        KPIs of the sites open today, per travel mode used by a variant.
    today_sites
        Names of the sites open today.
    """

    scenario: str
    title: str
    estimated: bool
    matrix_source: str
    thresholds_min: tuple[int, ...]
    population_total: int
    low_mobility_total: int
    housebound_total: int
    """Residents who cannot leave home (mobility ``none``), served by home visits."""
    today: dict[str, Kpis]
    today_sites: tuple[str, ...]
    variants: tuple[VariantResult, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def variant(self, variant_id: str) -> VariantResult:
        """The variant with this id (KeyError if absent)."""
        for v in self.variants:
            if v.id == variant_id:
                return v
        raise KeyError(variant_id)

    def recommended(self, *, minutes: int = 15, worth: float = 0.01) -> VariantResult | None:
        """The variant to recommend to the board, or None without a car variant.

        Among the variants measured by car: the most low-mobility people within
        ``minutes``, where each new antenne must bring at least ``worth`` of the
        low-mobility total (1 %: an antenne that serves fewer is not worth its cost);
        that is, the best ``covered - worth * total * new antennes``; ties go to fewer
        new antennes, then the shorter mean time.
        """
        car = [v for v in self.variants if v.mode == "car"]
        if not car:
            return None
        cost = worth * max(self.low_mobility_total, 1)
        return min(car, key=lambda v: (-(v.covered(minutes) - cost * v.n_new), v.n_new,
                                       v.kpis.mean_min if v.kpis.mean_min is not None else math.inf, v.id))

    def summary(self) -> str:
        """A few French lines: each variant's new sites and coverage."""
        lines = [f"Comparaison des antennes — {self.title or self.scenario} : {len(self.variants)} scénario(s)"]
        for v in self.variants:
            names = ", ".join(s.name for s in v.new_sites) or "aucune"
            lines.append(f"- {v.title} : nouvelles antennes : {names} ; {v.covered()} personnes peu mobiles "
                         f"sur {self.low_mobility_total} à {v.minutes} min {v.mode_label}")
        best = self.recommended()
        if best is not None:
            lines.append(f"Recommandé : {best.title}")
        return "\n".join(lines)

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The comparison.json document (JSON types only)."""
        return _to_jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Comparison:
        """Read back :meth:`to_dict` (to re-render a saved comparison.json)."""
        return _comparison_from_dict(d)


def _to_jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_to_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def _kpis_from(d: Mapping[str, Any]) -> Kpis:
    return Kpis(
        population_within={int(k): int(v) for k, v in d["population_within"].items()},
        low_mobility_within={int(k): int(v) for k, v in d["low_mobility_within"].items()},
        population_unreachable=d["population_unreachable"],
        low_mobility_unreachable=d["low_mobility_unreachable"],
        mean_min=d["mean_min"], mean_min_population=d["mean_min_population"], max_min=d["max_min"],
        beyond=tuple(CommuneCount(**c) for c in d["beyond"]),
        population_beyond=d["population_beyond"], low_mobility_beyond=d["low_mobility_beyond"],
    )


def _comparison_from_dict(d: Mapping[str, Any]) -> Comparison:
    variants = []
    for v in d["variants"]:
        v = dict(v)
        v["sites"] = tuple(SiteLoad(**s) for s in v["sites"])
        v["removed"] = tuple(tuple(r) for r in v["removed"])
        v["kpis"] = _kpis_from(v["kpis"])
        v["curve"] = tuple(CurvePoint(**{**c, "new_sites": tuple(c["new_sites"]), "new_names": tuple(c["new_names"])})
                           for c in v["curve"])
        variants.append(VariantResult(**v))
    return Comparison(
        scenario=d["scenario"], title=d["title"], estimated=d["estimated"], matrix_source=d["matrix_source"],
        thresholds_min=tuple(d["thresholds_min"]), population_total=d["population_total"],
        low_mobility_total=d["low_mobility_total"], housebound_total=d.get("housebound_total", 0),
        today={k: _kpis_from(x) for k, x in d["today"].items()}, today_sites=tuple(d["today_sites"]),
        variants=tuple(variants), extra=dict(d.get("extra") or {}),
    )


# ----------------------------------------------------------------------- measuring


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
        CommuneCount(commune_code=c, name=names.get(c, c), population=_public(v[0]), low_mobility=_public(v[1]))
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
            weekly_hours=s.weekly_hours, low_mobility_nearest=_public(low_n), population_nearest=_public(pop_n),
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


def write_comparison_json(comparison: Comparison, path: Path | str) -> Path:
    """Write comparison.json atomically (UTF-8, indented)."""
    atomic.write_json(Path(path), comparison.to_dict())
    return Path(path)


def read_comparison(source: Comparison | Mapping[str, Any] | Path | str) -> Comparison:
    """A :class:`Comparison` from itself, its dict, a comparison.json or its folder."""
    if isinstance(source, Comparison):
        return source
    if isinstance(source, Mapping):
        return Comparison.from_dict(source)
    import json

    path = Path(source)
    if path.is_dir():
        path = path / "comparison.json"
    return Comparison.from_dict(json.loads(path.read_text(encoding="utf-8")))
