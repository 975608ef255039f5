"""Maximal covering location problem (MCLP) on CP-SAT.

``y_j`` open, ``z_i`` covered; ``z_i <= sum_{j in N_i} y_j`` with
``N_i = {j : cost_ij <= threshold}``; rows already covered by a fixed site are
constants; maximise ``sum w_i z_i`` with ``sum_{new} y_j = p``. Rows with the same
covering set share one ``z``.
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
    int_weights,
    new_solver,
    prepare,
    trivial,
)
from itinerant.core._ortools import cp_model


def solve_mclp(
    cost: np.ndarray,
    weights: np.ndarray | None,
    *,
    threshold: float,
    p: int,
    fixed: Sequence[int] = (),
    candidates: Sequence[int] | None = None,
    time_limit_s: float = 30.0,
    workers: int = 1,
    hint: Sequence[int] | None = None,
    seed: int = 0,
) -> PlacementResult:
    """Maximal covering: open ``p`` new sites to maximise the weight within ``threshold``.

    Parameters
    ----------
    cost
        int64 (m, n), seconds or metres; ``threshold`` in the same unit (inclusive).
    weights
        (m,) people per row.

    Returns
    -------
    PlacementResult
        ``objective`` = covered weight (fixed sites' coverage included).
    """
    t0 = time.perf_counter()
    cost, w, fixed, cand, p = prepare(cost, weights, fixed, candidates, p)
    fixed_cov, sets = cover_sets(cost, threshold, fixed, cand)
    base = float(w[fixed_cov].sum())
    open_rows = [i for i in range(len(w)) if not fixed_cov[i] and w[i] > 0 and sets[i]]
    uncovered = tuple(i for i in range(len(w)) if not fixed_cov[i] and not sets[i])
    if p == 0 or not open_rows:
        # Nothing to gain: open any p candidates (first ones) to honour p.
        return trivial("mclp", fixed, cand[:p], base, t0, uncovered)
    wi, scale = int_weights(w)
    model = cp_model.CpModel()
    y = {j: model.new_bool_var(f"y{j}") for j in cand}
    groups: dict[tuple[int, ...], int] = {}  # one z per distinct covering set
    for i in open_rows:
        groups[sets[i]] = groups.get(sets[i], 0) + int(wi[i])
    terms = []
    for k, (key, wt) in enumerate(groups.items()):
        z = model.new_bool_var(f"z{k}")
        add_cover(model, y, key, enforce=z)
        terms.append((wt, z))
    model.add(sum(y.values()) == p)
    model.maximize(sum(wt * z for wt, z in terms))
    add_hint(model, y, hint)
    solver = new_solver(time_limit_s, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return finish("mclp", solver, status, y, fixed, 0, 0, t0, uncovered)
    obj = base + solver.objective_value / scale
    bnd = base + solver.best_objective_bound / scale
    return finish("mclp", solver, status, y, fixed, obj, bnd, t0, uncovered)
