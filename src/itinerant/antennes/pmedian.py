"""p-median on CP-SAT: open ``p`` new sites minimising the weighted sum of costs.

The "radius" formulation (Elloumi 2010; Cornuéjols, Nemhauser and Wolsey 1980) in
its chained form. For row ``i`` let ``D_1 < D_2 < ... < D_K`` be the distinct costs to
the allowed sites *below the nearest fixed site* (farther levels can never matter).
``z_ik = 1`` iff no open site within ``D_k``;
``z_i1 >= 1 - sum_{cost_ij = D_1} y_j``, ``z_ik >= z_i,k-1 - sum_{cost_ij = D_k} y_j``;
the cost of row ``i`` is ``D_1 + sum_k (D_k+1 - D_k) z_ik``. One term per (i, j)
(the assignment formulation's size, without its ``x_ij <= y_j`` rows), and the chains
are cut once more than ``#candidates - p`` sites lie below a level. Rows with the
same order of nearest sites share their variables (a trie,
:func:`itinerant.antennes.base.trie`): 14,000 residents of 41 villages give a few
hundred variables. The presolve (:mod:`itinerant.antennes.presolve`) closes or opens
the candidates the Lagrangian bound decides, then CP-SAT (``linearization_level=2``)
proves the rest.

Unreachable pairs: a row that no open site reaches costs ``unreachable_cost``
(default: twice the largest finite cost, at least 1).
"""

from __future__ import annotations

import dataclasses
import math
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
    int_weights,
    new_solver,
    prepare,
    trie,
    trivial,
)
from itinerant.antennes.presolve import Presolve, presolve
from itinerant.core._ortools import cp_model
from itinerant.core.places import UNREACHABLE


def solve_pmedian(
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
    reduce: bool = True,
) -> PlacementResult:
    """p-median: open ``p`` new sites minimising the weighted sum of costs to the nearest.

    With ``reduce`` (default), a presolve first finds a good answer (greedy +
    interchange) and a Lagrangian lower bound (subgradient), then fixes the candidates
    the bound proves out of (or in) every answer at least as good. The CP-SAT model is
    then built on the remaining candidates, hinted with the heuristic; the bound
    reported is the better of CP-SAT's and the Lagrangian one. Exact either way.

    Returns
    -------
    PlacementResult
        ``objective`` = sum_i w_i * min_{j open} cost_ij (weighted mean = objective /
        sum(w)); same unit as ``cost``.
    """
    t0 = time.perf_counter()
    cost, w, fixed, cand, p = prepare(cost, weights, fixed, candidates, p)
    big = default_unreachable(cost) if unreachable_cost is None else int(unreachable_cost)
    rows = [i for i in range(len(w)) if w[i] > 0]
    reach = cost < UNREACHABLE
    allowed = [*fixed, *cand]
    uncovered = tuple(i for i in rows if not reach[i, allowed].any()) if allowed else tuple(rows)
    wi, scale = int_weights(w)
    if p == 0 or not rows:
        new = cand[:p]
        return trivial("pmedian", fixed, new, pmedian_value(cost, w, [*fixed, *new], big), t0, uncovered)
    pre = Presolve(fixed=list(fixed), p=p, candidates=list(cand))
    if reduce and len(cand) > p:
        pre = presolve(cost, wi, scale, rows, fixed, cand, p, big, time_limit_s)
    if pre.proven:
        obj = pre.heuristic_value / scale
        res = trivial("pmedian", fixed, pre.heuristic or [], obj, t0, uncovered)
        return dataclasses.replace(res, status="OPTIMAL", bound=obj)
    rc = chains(cost, rows, pre.fixed, pre.candidates, big, pre.p)
    if pre.p == 0 or all(not lv for _, lv, _, _ in rc):
        new = [*pre.forced_in, *pre.candidates[: pre.p]]
        obj = pmedian_value(cost, w, [*fixed, *new], big)
        if pre.heuristic is not None and pre.heuristic_value / scale < obj:
            new, obj = pre.heuristic, pre.heuristic_value / scale
        res = trivial("pmedian", fixed, new, obj, t0, uncovered)
        return dataclasses.replace(res, status="OPTIMAL")
    return _solve_reduced(rc, wi, scale, pre, fixed, hint, time_limit_s, workers, t0, uncovered, seed)


def _solve_reduced(
    rc: list,
    wi: np.ndarray,
    scale: float,
    pre: Presolve,
    fixed: list[int],
    hint: Sequence[int] | None,
    time_limit_s: float,
    workers: int,
    t0: float,
    uncovered: tuple[int, ...],
    seed: int = 0,
) -> PlacementResult:
    """CP-SAT on the presolved problem, then the best of it and the heuristic."""
    const, nodes, coef, _ = trie(rc, wi)
    model = cp_model.CpModel()
    y = {j: model.new_bool_var(f"y{j}") for j in pre.candidates}
    model.add(sum(y.values()) == pre.p)
    z = chain_vars(model, nodes, y)
    objective = const + sum(c_ * v for c_, v in zip(coef, z) if c_)
    model.minimize(objective)
    if pre.heuristic is not None:
        # Only strictly better answers are searched (the objective is integral in
        # CP-SAT's units): "infeasible" then proves the heuristic answer optimal.
        model.add(objective <= round(pre.heuristic_value) - 1)
    else:
        add_hint(model, y, hint)
    solver = new_solver(max(0.1, time_limit_s - (time.perf_counter() - t0)), workers, seed)
    status = solver.solve(model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if not solved and pre.heuristic is None:
        return finish("pmedian", solver, status, y, fixed, 0, 0, t0, uncovered)
    proven = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if solved:
        new = sorted({*pre.forced_in, *(j for j, v in y.items() if solver.value(v))})
        obj = solver.objective_value / scale
    else:
        new, obj = [], math.inf
    cp_bound = solver.best_objective_bound / scale if solved else (math.inf if proven else -math.inf)
    # Every answer better than the heuristic lies in the reduced model, so the optimum
    # is min(heuristic, reduced optimum) and min(heuristic, reduced bound) bounds it.
    bound = max(cp_bound, pre.lagrangian_bound / scale)
    if pre.heuristic is not None:
        if pre.heuristic_value / scale <= obj:
            new, obj = pre.heuristic, pre.heuristic_value / scale
        bound = min(bound, pre.heuristic_value / scale)
    opt = proven or (scale == 1.0 and math.ceil(bound - 1e-6) >= obj)
    if opt:
        bound = obj
    return PlacementResult(
        model="pmedian",
        chosen=tuple(sorted({*fixed, *new})),
        new=tuple(sorted(new)),
        objective=float(obj),
        bound=float(bound),
        optimal=opt,
        gap=0.0 if opt else abs(obj - bound) / max(abs(obj), 1.0),
        solve_s=time.perf_counter() - t0,
        status="OPTIMAL" if opt else "FEASIBLE",
        uncovered=uncovered,
    )


def pmedian_value(cost: np.ndarray, w: np.ndarray, chosen: Sequence[int], big: int) -> float:
    """Weighted sum of each row's cost to its nearest ``chosen`` column (capped at ``big``)."""
    if not chosen:
        return float(w.sum() * big)
    c = np.minimum(cost[:, list(chosen)].min(axis=1), big)
    return float((w * c).sum())
