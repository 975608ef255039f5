"""The placement models' one entry point: :func:`solve_model` by name.

Exact facility-location models on OR-Tools CP-SAT, one per module (as spopt's
``locate/``), sharing :mod:`itinerant.antennes.base`:

- :mod:`itinerant.antennes.mclp`: maximal covering (``p`` sites, weight within a threshold);
- :mod:`itinerant.antennes.pmedian`: p-median (weighted sum of costs), with the
  :mod:`itinerant.antennes.presolve` heuristic, Lagrangian bound and reductions;
- :mod:`itinerant.antennes.pcenter`: p-center (largest cost);
- :mod:`itinerant.antennes.lscp`: set covering (fewest sites covering every coverable row).

All see plain matrices only (see :mod:`itinerant.antennes.base` for the inputs).
Weekly capacity of sites is not modelled (the comparison reports the load per hour of
permanence instead).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from itinerant.antennes.base import MODELS, ModelName, PlacementResult
from itinerant.antennes.lscp import solve_lscp
from itinerant.antennes.mclp import solve_mclp
from itinerant.antennes.pcenter import solve_pcenter
from itinerant.antennes.pmedian import solve_pmedian

__all__ = [
    "MODELS",
    "ModelName",
    "PlacementResult",
    "solve_lscp",
    "solve_mclp",
    "solve_model",
    "solve_pcenter",
    "solve_pmedian",
]


def solve_model(
    model: str,
    cost: np.ndarray,
    weights: np.ndarray | None,
    *,
    p: int = 0,
    threshold: float = math.inf,
    fixed: Sequence[int] = (),
    candidates: Sequence[int] | None = None,
    time_limit_s: float = 30.0,
    workers: int = 1,
    hint: Sequence[int] | None = None,
    seed: int = 0,
) -> PlacementResult:
    """Dispatch to one of the four models by name (``p`` is ignored by LSCP,
    ``threshold`` by p-median and p-center). ``seed``: CP-SAT's random seed; with one
    worker the search is repeatable for a seed unless ``time_limit_s`` cuts it."""
    if model == "mclp":
        return solve_mclp(cost, weights, threshold=threshold, p=p, fixed=fixed, candidates=candidates,
                          time_limit_s=time_limit_s, workers=workers, hint=hint, seed=seed)
    if model == "pmedian":
        return solve_pmedian(cost, weights, p=p, fixed=fixed, candidates=candidates,
                             time_limit_s=time_limit_s, workers=workers, hint=hint, seed=seed)
    if model == "pcenter":
        return solve_pcenter(cost, weights, p=p, fixed=fixed, candidates=candidates,
                             time_limit_s=time_limit_s, workers=workers, hint=hint, seed=seed)
    if model == "lscp":
        return solve_lscp(cost, weights, threshold=threshold, fixed=fixed, candidates=candidates,
                          time_limit_s=time_limit_s, workers=workers, hint=hint, seed=seed)
    raise ValueError(f"unknown model {model!r} (expected one of {', '.join(MODELS)})")
