"""Location set covering problem (LSCP) on CP-SAT.

Minimise the number of new sites so that every row of positive weight that *can* be
covered within ``threshold`` is covered; rows no allowed site can cover are returned
in ``uncovered`` (spopt would declare the model infeasible instead).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from itinerant.antennes.base import (
    PlacementResult,
    add_cover,
    add_hint,
    cover_sets,
    finish,
    new_solver,
    prepare,
    trivial,
)
from itinerant.core._ortools import cp_model


def solve_lscp(
    cost: np.ndarray,
    weights: np.ndarray | None,
    *,
    threshold: float,
    fixed: Sequence[int] = (),
    candidates: Sequence[int] | None = None,
    time_limit_s: float = 30.0,
    workers: int = 1,
    hint: Sequence[int] | None = None,
    seed: int = 0,
) -> PlacementResult:
    """Set covering: fewest new sites so every coverable row of positive weight is within
    ``threshold`` of an open site.

    Returns
    -------
    PlacementResult
        ``objective`` = number of new sites; ``uncovered`` = rows of positive weight no
        allowed site covers (left out of the constraint).
    """
    t0 = time.perf_counter()
    cost, w, fixed, cand, _ = prepare(cost, weights, fixed, candidates, None)
    fixed_cov, sets = cover_sets(cost, threshold, fixed, cand)
    rows = [i for i in range(len(w)) if w[i] > 0 and not fixed_cov[i]]
    uncovered = tuple(i for i in rows if not sets[i])
    keys = {sets[i] for i in rows if sets[i]}
    if not keys:
        return trivial("lscp", fixed, [], 0, t0, uncovered)
    model = cp_model.CpModel()
    y = {j: model.new_bool_var(f"y{j}") for j in cand}
    for key in keys:
        add_cover(model, y, key)
    model.minimize(sum(y.values()))
    add_hint(model, y, hint)
    solver = new_solver(time_limit_s, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return finish("lscp", solver, status, y, fixed, 0, 0, t0, uncovered)
    obj, bound = solver.objective_value, solver.best_objective_bound
    return finish("lscp", solver, status, y, fixed, obj, bound, t0, uncovered)
