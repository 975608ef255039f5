"""Solve a variant on a scenario: site ids to matrix columns, the model, ids back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from itinerant.antennes.demand import Demand, build_demand
from itinerant.antennes.models import PlacementResult, solve_model
from itinerant.antennes.variant import SiteRoles, Variant, load_variant, site_roles
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import TravelMatrix
from itinerant.scenario.model import Scenario


def solve_demand(demand: Demand, roles: SiteRoles, variant: Variant, *, p: int | None = None, model: str | None = None) -> PlacementResult:
    """Solve the variant's model on prepared demand; ``p``/``model`` override the variant."""
    col = {s: j for j, s in enumerate(demand.site_ids)}
    missing = [s for s in (*roles.fixed, *roles.candidates) if s not in col]
    if missing:
        raise InputError([Fault(variant.file, None, "", f"la matrice n'a pas de colonne pour {', '.join(missing)}", "recalculez la matrice d'accès aux antennes")])
    fixed = [col[s] for s in roles.fixed]
    cand = [col[s] for s in roles.candidates]
    res = solve_model(
        model or variant.model,
        demand.cost_s,
        demand.weights(variant),
        p=variant.p if p is None else p,
        threshold=variant.minutes * 60,
        fixed=fixed,
        candidates=cand,
        time_limit_s=variant.time_limit_s,
        seed=variant.seed,
    )
    return dataclasses.replace(
        res,
        chosen_ids=tuple(demand.site_ids[j] for j in res.chosen),
        new_ids=tuple(demand.site_ids[j] for j in res.new),
    )


def solve_variant(scenario: Scenario, matrix: TravelMatrix, variant: Variant | Path | str) -> PlacementResult:
    """Solve one variant on the access matrix of its travel mode.

    Parameters
    ----------
    matrix
        Residents (rows) to permanence sites (columns), ``duration_s`` in seconds, for
        ``variant.mode`` (``ScenarioMatrices.residents_to_sites(variant.mode)``).

    Returns
    -------
    PlacementResult
        With ``chosen_ids`` (fixed + new) and ``new_ids`` filled.
    """
    if not isinstance(variant, Variant):
        variant = load_variant(variant)
    roles = site_roles(scenario, variant)
    demand = build_demand(scenario, matrix)
    return solve_demand(demand, roles, variant)
