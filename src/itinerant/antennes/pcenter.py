"""p-center on CP-SAT: minimise the largest cost of a row of positive weight.

The radius chains of :func:`itinerant.antennes.base.chains`, shared in a trie: ``z``
of a trie node means "no site of its prefix set is open", and ``z => R >= D_k+1``
(the next level); minimise ``R``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from itinerant.antennes.base import (
    PlacementResult,
    add_hint,
    chain_vars,
    chains,
    default_unreachable,
    finish,
    new_solver,
    prepare,
    trie,
    trivial,
)
from itinerant.core._ortools import cp_model
from itinerant.core.places import UNREACHABLE


def solve_pcenter(
    cost: np.ndarray,
    weights: np.ndarray | None,
    *,
    p: int,
    fixed: Sequence[int] = (),
    candidates: Sequence[int] | None = None,
    time_limit_s: float = 30.0,
    workers: int = 1,
    hint: Sequence[int] | None = None,
    seed: int = 0,
    unreachable_cost: int | None = None,
) -> PlacementResult:
    """p-center: open ``p`` new sites minimising the largest cost of a row of positive weight.

    Returns
    -------
    PlacementResult
        ``objective`` = max over rows with ``w_i > 0`` of the cost to the nearest open site.
    """
    t0 = time.perf_counter()
    cost, w, fixed, cand, p = prepare(cost, weights, fixed, candidates, p)
    big = default_unreachable(cost) if unreachable_cost is None else int(unreachable_cost)
    rows = [i for i in range(len(w)) if w[i] > 0]
    reach = cost < UNREACHABLE
    allowed = [*fixed, *cand]
    uncovered = tuple(i for i in rows if not reach[i, allowed].any()) if allowed else tuple(rows)
    rc = chains(cost, rows, fixed, cand, big, p)
    if p == 0 or all(not lv for _, lv, _, _ in rc):
        new = cand[:p]
        return trivial("pcenter", fixed, new, _worst(cost, rows, [*fixed, *new], big), t0, uncovered)
    _, nodes, _, nxt = trie(rc, None)  # p-center needs the next levels only
    model = cp_model.CpModel()
    y = {j: model.new_bool_var(f"y{j}") for j in cand}
    model.add(sum(y.values()) == p)
    hi = max(max([cap, *lv]) for _, lv, _, cap in rc)
    lo = max((lv[0] if lv else cap) for _, lv, _, cap in rc)
    r = model.new_int_var(int(lo), int(hi), "R")
    z = chain_vars(model, nodes, y)
    for v, level in zip(z, nxt):
        if level > lo:  # R >= lo holds anyway
            model.add(r >= level).only_enforce_if(v)
    model.minimize(r)
    add_hint(model, y, hint)
    solver = new_solver(time_limit_s, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return finish("pcenter", solver, status, y, fixed, 0, 0, t0, uncovered)
    new = [j for j, v in y.items() if solver.value(v)]
    obj = _worst(cost, rows, [*fixed, *new], big)
    return finish("pcenter", solver, status, y, fixed, obj, solver.best_objective_bound, t0, uncovered)


def _worst(cost: np.ndarray, rows: list[int], chosen: list[int], big: int) -> float:
    """Largest cost of the ``rows`` to their nearest ``chosen`` site (capped at ``big``)."""
    if not rows or not chosen:
        return 0.0
    return float(np.minimum(cost[rows][:, chosen].min(axis=1), big).max())
