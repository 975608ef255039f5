"""The antenne comparison's typed results: every variant's KPIs beside today's sites.

A :class:`Comparison` describes itself (:meth:`Comparison.summary`,
:meth:`Comparison.recommended`), as ``pyvrp.Result`` does; reports render it, and
comparison.json is its :meth:`Comparison.to_dict` (read back with
:func:`read_comparison` to re-render saved files). Times in minutes, counts in people;
a count for one commune or site below :data:`PRIVACY_MIN` is ``None`` (not public).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from itinerant.core import atomic

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


def public_count(n: int) -> int | None:
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
    path = Path(source)
    if path.is_dir():
        path = path / "comparison.json"
    return Comparison.from_dict(json.loads(path.read_text(encoding="utf-8")))
