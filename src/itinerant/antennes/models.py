"""Exact facility-location models on OR-Tools CP-SAT: MCLP, p-median, p-center, LSCP.

The spopt rule: the models see plain matrices only, never geometry. Every function
takes

- ``cost``: int64 array, shape (m, n), travel cost from demand row ``i`` to site
  column ``j`` (seconds or metres); entries ``>= UNREACHABLE`` mean "no path";
- ``weights``: array, shape (m,), non-negative demand weights (people);
- ``fixed``: column indices of sites open in every answer (existing antennes);
- ``candidates``: column indices that may be opened (default: every column not fixed);
- ``p``: number of NEW sites to open (not counting the fixed ones);

and returns a frozen :class:`PlacementResult` whose ``chosen`` always contains the
fixed sites. Columns neither fixed nor candidate are never opened.

Formulations (all exact; the CP-SAT status says whether optimality is proven):

- MCLP: ``y_j`` open, ``z_i`` covered; ``z_i <= sum_{j in N_i} y_j`` with
  ``N_i = {j : cost_ij <= threshold}``; rows already covered by a fixed site are
  constants; maximise ``sum w_i z_i``, ``sum_{new} y_j = p``.
- p-median: the "radius" formulation (Elloumi 2010; Cornuéjols, Nemhauser and Wolsey
  1980) in its chained form. For row ``i`` let ``D_1 < D_2 < ... < D_K`` be the
  distinct costs to the allowed sites *below the nearest fixed site* (farther levels
  can never matter). ``z_ik = 1`` iff no open site within ``D_k``;
  ``z_i1 >= 1 - sum_{cost_ij = D_1} y_j``, ``z_ik >= z_i,k-1 - sum_{cost_ij = D_k} y_j``;
  the cost of row ``i`` is ``D_1 + sum_k (D_k+1 - D_k) z_ik``. One term per (i, j)
  (the assignment formulation's size, without its ``x_ij <= y_j`` rows), and the
  chains are cut once more than ``#candidates - p`` sites lie below a level. Since
  ``z_ik`` only depends on the prefix set ``{j : cost_ij <= D_k}``, rows with the same
  order of nearest sites share their variables (a trie): 14,000 residents of 41
  villages give a few hundred variables. A presolve (greedy + interchange heuristic,
  Lagrangian bound by subgradient, Beasley's reduction tests) closes or opens the
  candidates the bound decides, then CP-SAT (``linearization_level=2``) proves the rest.
- p-center: the same chains; ``z_ik => R >= D_k+1``; minimise ``R`` over rows of
  positive weight.
- LSCP: minimise the number of new sites so that every row of positive weight that
  *can* be covered within ``threshold`` is covered; rows no allowed site can cover are
  returned in ``uncovered`` (spopt would declare the model infeasible instead).

Unreachable pairs: a row that no open site reaches costs ``unreachable_cost``
(p-median, p-center; default: twice the largest finite cost, at least 1).
Weekly capacity of sites is not modelled here (see :mod:`itinerant.antennes.compare`,
which reports the load per hour of permanence instead).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from itinerant.core._ortools import cp_model
from itinerant.core.errors import SolverError
from itinerant.core.places import UNREACHABLE

ModelName = Literal["mclp", "pmedian", "pcenter", "lscp"]
MODELS: tuple[str, ...] = ("mclp", "pmedian", "pcenter", "lscp")


@dataclass(frozen=True)
class PlacementResult:
    """The answer of one placement model.

    Attributes
    ----------
    model
        ``"mclp"``, ``"pmedian"``, ``"pcenter"`` or ``"lscp"``.
    chosen
        Column indices of every open site (fixed ones included), sorted.
    new
        Column indices of the sites opened by the model (not fixed), sorted.
    objective
        MCLP: covered weight; p-median: weighted sum of costs; p-center: the largest
        cost of a row of positive weight; LSCP: number of new sites.
    bound
        Best bound proven by the solver (upper for MCLP, lower otherwise).
    optimal
        True when optimality is proven.
    gap
        ``|objective - bound| / max(|objective|, 1)``; 0 when optimal.
    solve_s
        Wall-clock seconds spent in the solver.
    status
        CP-SAT status name (``OPTIMAL``, ``FEASIBLE``) or ``TRIVIAL`` when no choice
        was left.
    uncovered
        Rows (indices) that no allowed site can serve within the threshold (MCLP,
        LSCP) or reach at all (p-median, p-center).
    chosen_ids, new_ids
        Site ids of ``chosen`` and ``new`` when solved from a scenario
        (:func:`itinerant.antennes.build.solve_variant`); empty from plain matrices.
    """

    model: str
    chosen: tuple[int, ...]
    new: tuple[int, ...]
    objective: float
    bound: float
    optimal: bool
    gap: float
    solve_s: float
    status: str
    uncovered: tuple[int, ...] = ()
    chosen_ids: tuple[str, ...] = ()
    new_ids: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers


def _prepare(
    cost: np.ndarray,
    weights: np.ndarray | None,
    fixed: Sequence[int],
    candidates: Sequence[int] | None,
    p: int | None,
) -> tuple[np.ndarray, np.ndarray, list[int], list[int], int]:
    cost = np.asarray(cost)
    if cost.ndim != 2:
        raise ValueError(f"cost must be a 2-D matrix, got shape {cost.shape}")
    m, n = cost.shape
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (m,):
        raise ValueError(f"weights must have shape ({m},), got {w.shape}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and >= 0")
    fixed_l = sorted({int(j) for j in fixed})
    if candidates is None:
        cand_l = [j for j in range(n) if j not in set(fixed_l)]
    else:
        cand_l = sorted({int(j) for j in candidates} - set(fixed_l))
    for j in (*fixed_l, *cand_l):
        if not 0 <= j < n:
            raise ValueError(f"site index {j} outside 0..{n - 1}")
    if p is not None:
        if p < 0:
            raise ValueError("p must be >= 0")
        p = min(int(p), len(cand_l))
    return cost, w, fixed_l, cand_l, (p if p is not None else 0)


def _int_weights(w: np.ndarray) -> tuple[np.ndarray, float]:
    """Integer weights for CP-SAT and the scale they were multiplied by."""
    if np.allclose(w, np.round(w)):
        return np.round(w).astype(np.int64), 1.0
    scale = 1000.0
    return np.round(w * scale).astype(np.int64), scale


def _solver(time_limit_s: float, workers: int, seed: int = 0) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = float(time_limit_s)
    s.parameters.num_workers = int(workers)
    s.parameters.random_seed = int(seed)
    # The LP relaxation does the heavy lifting on these models (the radius
    # formulation's bound is tight); level 2 puts every constraint in it.
    s.parameters.linearization_level = 2
    return s


def _finish(
    model_name: str,
    solver: cp_model.CpSolver,
    status: int,
    y: dict[int, cp_model.IntVar],
    fixed: list[int],
    objective: float,
    bound: float,
    t0: float,
    uncovered: tuple[int, ...],
) -> PlacementResult:
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolverError(
            f"{model_name}: CP-SAT a fini sans solution ({solver.StatusName(status)}); "
            "augmentez la limite de temps"
        )
    new = sorted(j for j, v in y.items() if solver.Value(v))
    optimal = status == cp_model.OPTIMAL
    gap = 0.0 if optimal else abs(objective - bound) / max(abs(objective), 1.0)
    return PlacementResult(
        model=model_name,
        chosen=tuple(sorted({*fixed, *new})),
        new=tuple(new),
        objective=float(objective),
        bound=float(bound),
        optimal=optimal,
        gap=float(gap),
        solve_s=time.perf_counter() - t0,
        status=solver.StatusName(status),
        uncovered=uncovered,
    )


def _trivial(model_name, fixed, new, objective, t0, uncovered=()) -> PlacementResult:
    return PlacementResult(
        model=model_name,
        chosen=tuple(sorted({*fixed, *new})),
        new=tuple(sorted(new)),
        objective=float(objective),
        bound=float(objective),
        optimal=True,
        gap=0.0,
        solve_s=time.perf_counter() - t0,
        status="TRIVIAL",
        uncovered=tuple(uncovered),
    )


def _add_hint(model: cp_model.CpModel, y: dict[int, cp_model.IntVar], hint: Sequence[int] | None):
    if hint is None:
        return
    hs = set(int(j) for j in hint)
    for j, v in y.items():
        model.AddHint(v, 1 if j in hs else 0)


# ---------------------------------------------------------------------------- MCLP


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
    cost, w, fixed, cand, p = _prepare(cost, weights, fixed, candidates, p)
    within = cost <= threshold
    fixed_cov = within[:, fixed].any(axis=1) if fixed else np.zeros(len(w), bool)
    base = float(w[fixed_cov].sum())
    cand_arr = np.array(cand, dtype=int)
    open_rows = [
        i for i in range(len(w)) if not fixed_cov[i] and w[i] > 0 and cand and within[i, cand_arr].any()
    ]
    uncovered = tuple(
        i for i in range(len(w)) if not fixed_cov[i] and not (cand and within[i, cand_arr].any())
    )
    if p == 0 or not open_rows:
        # Nothing to gain: open any p candidates (first ones) to honour p.
        return _trivial("mclp", fixed, cand[:p], base, t0, uncovered)
    wi, scale = _int_weights(w)
    model = cp_model.CpModel()
    y = {j: model.NewBoolVar(f"y{j}") for j in cand}
    # Merge rows with the same covering set: one z per distinct set.
    groups: dict[tuple[int, ...], int] = {}
    for i in open_rows:
        key = tuple(int(j) for j in cand_arr[within[i, cand_arr]])
        groups[key] = groups.get(key, 0) + int(wi[i])
    terms = []
    for k, (key, wt) in enumerate(groups.items()):
        z = model.NewBoolVar(f"z{k}")
        model.AddBoolOr([y[j] for j in key]).OnlyEnforceIf(z)
        terms.append((wt, z))
    model.Add(sum(y.values()) == p)
    model.Maximize(sum(wt * z for wt, z in terms))
    _add_hint(model, y, hint)
    solver = _solver(time_limit_s, workers)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish("mclp", solver, status, y, fixed, 0, 0, t0, uncovered)
    obj = base + solver.ObjectiveValue() / scale
    bnd = base + solver.BestObjectiveBound() / scale
    return _finish("mclp", solver, status, y, fixed, obj, bnd, t0, uncovered)


# ------------------------------------------------------------- p-median / p-center


def _chains(
    cost: np.ndarray,
    rows: Sequence[int],
    fixed: list[int],
    cand: list[int],
    unreachable_cost: int,
    p: int,
):
    """Per row: (levels D_1..D_K, sites at each level, cap) where cap = the cost when
    no candidate at levels D_1..D_K is open (nearest fixed site or unreachable).

    Levels are cut once more than ``len(cand) - p`` candidates lie at or below them:
    any choice of ``p`` candidates then opens one of them (Elloumi's reduction), so
    the row's cost never exceeds that level.
    """
    cand_arr = np.array(cand, dtype=np.int64)
    out = []
    for i in rows:
        row = cost[i]
        cap = int(row[fixed].min()) if fixed else unreachable_cost
        cap = min(cap, unreachable_cost)
        if len(cand_arr):
            c = row[cand_arr]
            ok = (c < cap) & (c < UNREACHABLE)
            cs, js = c[ok], cand_arr[ok]
        else:
            cs = js = np.zeros(0, dtype=np.int64)
        if len(cs):
            order = np.argsort(cs, kind="stable")
            cs, js = cs[order], js[order]
            levels, starts = np.unique(cs, return_index=True)
            bounds = [*starts[1:], len(cs)]
            at = [js[a:b].tolist() for a, b in zip(starts, bounds)]
            over = np.flatnonzero(np.asarray(bounds) > len(cand_arr) - p)
            if p > 0 and len(over):
                k = int(over[0])  # some candidate at a level <= k is always open
                cap = int(levels[k])
                levels, at = levels[:k], at[:k]
        else:
            levels, at = np.zeros(0, dtype=np.int64), []
        out.append((i, [int(v) for v in levels], at, cap))
    return out


def _default_unreachable(cost: np.ndarray) -> int:
    finite = cost[cost < UNREACHABLE]
    return int(max(1, 2 * int(finite.max()) if finite.size else 1))


def _trie(chains, wi: np.ndarray | None):
    """Share the chain variables between rows.

    ``z`` of row ``i`` at level ``k`` means "no site of the prefix set
    ``S_ik = {j : cost_ij <= D_k}`` is open", which depends on the set only. Prefix
    sets are keyed as a trie ``(parent node, sites added at this level)``, so rows
    with the same order of nearest sites (neighbours, in practice) share their
    variables and constraints: exact, and far smaller than one chain per row.

    Returns ``(const, nodes, coef, nxt)``: the constant part of the p-median objective,
    the nodes as ``(parent or -1, sites)``, the p-median coefficient of each node
    (sum over rows of ``w_i * (D_k+1 - D_k)``; None when ``wi`` is None) and the
    largest next level of each node (for p-center).
    """
    index: dict[tuple[int, tuple[int, ...]], int] = {}
    nodes: list[tuple[int, tuple[int, ...]]] = []
    coef: list[int] = []
    nxt_max: list[int] = []
    const = 0
    for i, levels, at, cap in chains:
        w = 0 if wi is None else int(wi[i])
        if not levels:
            const += w * cap
            continue
        const += w * levels[0]
        nxt = [*levels[1:], cap]
        parent = -1
        for k in range(len(levels)):
            key = (parent, tuple(sorted(at[k])))
            node = index.get(key)
            if node is None:
                node = index[key] = len(nodes)
                nodes.append(key)
                coef.append(0)
                nxt_max.append(0)
            coef[node] += w * (nxt[k] - levels[k])
            nxt_max[node] = max(nxt_max[node], nxt[k])
            parent = node
    return const, nodes, coef, nxt_max


def _chain_vars(model: cp_model.CpModel, nodes, y: dict[int, cp_model.IntVar]) -> list[cp_model.IntVar]:
    """One Boolean per trie node with ``z >= z_parent - sum(y of the node's sites)``."""
    z: list[cp_model.IntVar] = []
    for parent, sites in nodes:
        v = model.NewBoolVar("")
        rhs = 1 if parent < 0 else z[parent]
        model.Add(v + sum(y[j] for j in sites) >= rhs)
        z.append(v)
    return z


def _greedy_interchange(c: np.ndarray, base: np.ndarray, p: int) -> tuple[list[int], float]:
    """Heuristic p-median on a weighted cost matrix ``c`` (m, k) with the rows' cost to
    the fixed sites ``base`` (m,): greedy additions then first-improvement interchange
    (Teitz and Bart). Returns (columns of ``c``, value)."""
    chosen: list[int] = []
    cur = base.copy()
    for _ in range(p):
        tot = np.minimum(c, cur[:, None]).sum(axis=0)
        tot[chosen] = np.inf
        j = int(np.argmin(tot))
        chosen.append(j)
        cur = np.minimum(cur, c[:, j])
    value = float(cur.sum())
    improved = True
    while improved and p > 0:
        improved = False
        for a in range(p):
            others = [x for k, x in enumerate(chosen) if k != a]
            rest = np.minimum(base, c[:, others].min(axis=1)) if others else base
            tot = np.minimum(c, rest[:, None]).sum(axis=0)
            tot[others] = np.inf
            j = int(np.argmin(tot))
            if tot[j] < value - 1e-9:
                chosen[a], value, improved = j, float(tot[j]), True
    return chosen, value


def _lagrangian(c: np.ndarray, base: np.ndarray, p: int, ub: float, iters: int, budget_s: float):
    """Lagrangian bound of the p-median (assignment constraints relaxed, Beasley 1985)
    by subgradient, with the facility terms ``rho`` of the best multipliers.

    Row ``i`` pays ``lam_i`` and each open column ``j`` earns ``min(0, c_ij - lam_i)``;
    the fixed sites are one more column of cost ``base``, always open.
    Returns (bound, rho (k,), rho of the fixed column).
    """
    t0 = time.perf_counter()
    full = np.column_stack([c, base])
    srt = np.sort(full, axis=1)
    lam = srt[:, min(p, full.shape[1] - 1)].astype(float)
    best = (-np.inf, None, 0.0)
    mu, stall = 2.0, 0
    for _ in range(iters):
        red = np.minimum(0.0, full - lam[:, None])
        rho = red[:, :-1].sum(axis=0)
        rho_f = float(red[:, -1].sum())
        pick = np.argpartition(rho, p - 1)[:p] if p < len(rho) else np.arange(len(rho))
        lb = float(lam.sum() + rho_f + rho[pick].sum())
        if lb > best[0] + 1e-9:
            best, stall = (lb, rho.copy(), rho_f), 0
        else:
            stall += 1
            if stall >= 50:
                mu, stall = mu / 2, 0
        if ub - lb <= 1e-6 * max(1.0, abs(ub)) or mu < 1e-6 or time.perf_counter() - t0 > budget_s:
            break
        open_cols = np.zeros(full.shape[1], bool)
        open_cols[pick] = True
        open_cols[-1] = True
        g = 1.0 - (full[:, open_cols] < lam[:, None]).sum(axis=1)
        norm = float((g * g).sum())
        if norm == 0:
            break
        lam = lam + mu * (ub - lb) / norm * g
    return best


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
    unreachable_cost: int | None = None,
    reduce: bool = True,
) -> PlacementResult:
    """p-median: open ``p`` new sites minimising the weighted sum of costs to the nearest.

    With ``reduce`` (default), a presolve first finds a good answer (greedy +
    interchange) and a Lagrangian lower bound (subgradient), then fixes the candidates
    the bound proves out of (or in) every answer at least as good: a site ``j`` whose
    opening forces the bound above the heuristic value is closed, one whose closing
    does is opened (reduction tests of Beasley 1985). The CP-SAT model is then built
    on the remaining candidates, hinted with the heuristic; the bound reported is the
    better of CP-SAT's and the Lagrangian one. Exact either way.

    Returns
    -------
    PlacementResult
        ``objective`` = sum_i w_i * min_{j open} cost_ij (weighted mean = objective /
        sum(w)); same unit as ``cost``.
    """
    t0 = time.perf_counter()
    cost, w, fixed, cand, p = _prepare(cost, weights, fixed, candidates, p)
    big = _default_unreachable(cost) if unreachable_cost is None else int(unreachable_cost)
    rows = [i for i in range(len(w)) if w[i] > 0]
    reach = cost < UNREACHABLE
    allowed = [*fixed, *cand]
    uncovered = tuple(i for i in rows if not reach[i, allowed].any()) if allowed else tuple(rows)
    wi, scale = _int_weights(w)
    if p == 0 or not rows:
        new = cand[:p]
        obj = _pmedian_value(cost, w, [*fixed, *new], big)
        return _trivial("pmedian", fixed, new, obj, t0, uncovered)
    forced_in: list[int] = []
    lag_bound = -math.inf
    heur: list[int] | None = None
    heur_value = math.inf
    fixed_m, p_m = list(fixed), p
    proven_by_bound = False
    if reduce and len(cand) > p:
        r = np.array(rows)
        wr = wi[r].astype(float)
        capped = np.minimum(cost[r], big).astype(float) * wr[:, None]

        def base_of(cols: list[int]) -> np.ndarray:
            return capped[:, cols].min(axis=1) if cols else wr * float(big)

        hcols, heur_value = _greedy_interchange(capped[:, cand], base_of(fixed), p)
        heur = [cand[k] for k in hcols]
        # Integer data: only answers strictly better than the heuristic matter, so a
        # site is dropped when every answer containing it costs >= heuristic (- 1 + eps).
        cut = heur_value - (1.0 - 1e-6 if scale == 1.0 else -1e-6 * max(1.0, heur_value))
        budget = 0.2 * time_limit_s
        for _ in range(6):  # reductions raise the bound of the restricted problem: repeat
            if p_m == 0 or len(cand) <= p_m:
                break
            lb, rho, _ = _lagrangian(capped[:, cand], base_of(fixed_m), p_m, heur_value, 600, budget / 3)
            lag_bound = max(lag_bound, lb)
            if rho is None or not np.isfinite(lb):
                break
            order = np.argsort(rho, kind="stable")
            worst_in, next_out = rho[order[p_m - 1]], rho[order[p_m]]
            inside = set(int(k) for k in order[:p_m])
            keep, forced = [], []
            for k, j in enumerate(cand):
                if k in inside:
                    # closing j: every answer without it costs more than the cut
                    (forced if lb - rho[k] + next_out > cut else keep).append(j)
                elif lb - worst_in + rho[k] <= cut:
                    keep.append(j)  # opening j might still pay
            if not forced and len(keep) == len(cand):
                break
            forced_in += forced
            fixed_m = sorted({*fixed_m, *forced})
            p_m -= len(forced)
            cand = keep
        if len(cand) < p_m or lag_bound > cut:
            proven_by_bound = True  # no answer better than the heuristic exists
    if proven_by_bound:
        obj = heur_value / scale
        res = _trivial("pmedian", fixed, heur, obj, t0, uncovered)
        return dataclasses.replace(res, status="OPTIMAL", bound=obj)
    chains = _chains(cost, rows, fixed_m, cand, big, p_m)
    if p_m == 0 or all(not lv for _, lv, _, _ in chains):
        new = [*forced_in, *cand[:p_m]]
        obj = _pmedian_value(cost, w, [*fixed, *new], big)
        if heur is not None and heur_value / scale < obj:
            new, obj = heur, heur_value / scale
        res = _trivial("pmedian", fixed, new, obj, t0, uncovered)
        return dataclasses.replace(res, status="OPTIMAL")
    const, nodes, coef, _ = _trie(chains, wi)
    model = cp_model.CpModel()
    y = {j: model.NewBoolVar(f"y{j}") for j in cand}
    model.Add(sum(y.values()) == p_m)
    z = _chain_vars(model, nodes, y)
    objective = const + sum(c_ * v for c_, v in zip(coef, z) if c_)
    model.Minimize(objective)
    if heur is not None:
        # Only strictly better answers are searched (the objective is integral in
        # CP-SAT's units): "infeasible" then proves the heuristic answer optimal.
        model.Add(objective <= int(round(heur_value)) - 1)
    else:
        _add_hint(model, y, hint)
    solver = _solver(max(0.1, time_limit_s - (time.perf_counter() - t0)), workers)
    status = solver.Solve(model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if not solved and heur is None:
        return _finish("pmedian", solver, status, y, fixed, 0, 0, t0, uncovered)
    proven = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if solved:
        new = sorted({*forced_in, *(j for j, v in y.items() if solver.Value(v))})
        obj = solver.ObjectiveValue() / scale
    else:
        new, obj = [], math.inf
    cp_bound = solver.BestObjectiveBound() / scale if solved else (math.inf if proven else -math.inf)
    # Every answer better than the heuristic lies in the reduced model, so the optimum
    # is min(heuristic, reduced optimum) and min(heuristic, reduced bound) bounds it.
    bound = max(cp_bound, lag_bound / scale)
    if heur is not None:
        if heur_value / scale <= obj:
            new, obj = heur, heur_value / scale
        bound = min(bound, heur_value / scale)
    opt = proven or (scale == 1.0 and math.ceil(bound - 1e-6) >= obj)
    if opt:
        bound = obj
    gap = 0.0 if opt else abs(obj - bound) / max(abs(obj), 1.0)
    return PlacementResult(
        model="pmedian",
        chosen=tuple(sorted({*fixed, *new})),
        new=tuple(sorted(new)),
        objective=float(obj),
        bound=float(bound),
        optimal=opt,
        gap=float(gap),
        solve_s=time.perf_counter() - t0,
        status="OPTIMAL" if opt else "FEASIBLE",
        uncovered=uncovered,
    )


def _pmedian_value(cost, w, chosen, big) -> float:
    if not chosen:
        return float(w.sum() * big)
    c = np.minimum(cost[:, list(chosen)].min(axis=1), big)
    return float((w * c).sum())


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
    unreachable_cost: int | None = None,
) -> PlacementResult:
    """p-center: open ``p`` new sites minimising the largest cost of a row of positive weight.

    Returns
    -------
    PlacementResult
        ``objective`` = max over rows with ``w_i > 0`` of the cost to the nearest open site.
    """
    t0 = time.perf_counter()
    cost, w, fixed, cand, p = _prepare(cost, weights, fixed, candidates, p)
    big = _default_unreachable(cost) if unreachable_cost is None else int(unreachable_cost)
    rows = [i for i in range(len(w)) if w[i] > 0]
    reach = cost < UNREACHABLE
    allowed = [*fixed, *cand]
    uncovered = tuple(i for i in rows if not reach[i, allowed].any()) if allowed else tuple(rows)
    chains = _chains(cost, rows, fixed, cand, big, p)
    if p == 0 or all(not lv for _, lv, _, _ in chains):
        new = cand[:p]
        chosen = [*fixed, *new]
        obj = float(np.minimum(cost[rows][:, chosen].min(axis=1), big).max()) if rows and chosen else 0.0
        return _trivial("pcenter", fixed, new, obj, t0, uncovered)
    _, nodes, _, nxt = _trie(chains, None)
    model = cp_model.CpModel()
    y = {j: model.NewBoolVar(f"y{j}") for j in cand}
    model.Add(sum(y.values()) == p)
    hi = max(max([cap, *lv]) for _, lv, _, cap in chains)
    lo = max((lv[0] if lv else cap) for _, lv, _, cap in chains)
    r = model.NewIntVar(int(lo), int(hi), "R")
    z = _chain_vars(model, nodes, y)
    for v, level in zip(z, nxt):
        if level > lo:  # R >= lo holds anyway
            model.Add(r >= level).OnlyEnforceIf(v)
    model.Minimize(r)
    _add_hint(model, y, hint)
    solver = _solver(time_limit_s, workers)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish("pcenter", solver, status, y, fixed, 0, 0, t0, uncovered)
    new = [j for j, v in y.items() if solver.Value(v)]
    chosen = [*fixed, *new]
    obj = float(np.minimum(cost[rows][:, chosen].min(axis=1), big).max())
    return _finish("pcenter", solver, status, y, fixed, obj, solver.BestObjectiveBound(), t0, uncovered)


# ---------------------------------------------------------------------------- LSCP


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
    cost, w, fixed, cand, _ = _prepare(cost, weights, fixed, candidates, None)
    within = cost <= threshold
    fixed_cov = within[:, fixed].any(axis=1) if fixed else np.zeros(len(w), bool)
    cand_arr = np.array(cand, dtype=int)
    sets = set()
    uncovered = []
    for i in range(len(w)):
        if w[i] <= 0 or fixed_cov[i]:
            continue
        key = tuple(int(j) for j in cand_arr[within[i, cand_arr]]) if cand else ()
        if not key:
            uncovered.append(i)
        else:
            sets.add(key)
    if not sets:
        return _trivial("lscp", fixed, [], 0, t0, uncovered)
    model = cp_model.CpModel()
    y = {j: model.NewBoolVar(f"y{j}") for j in cand}
    for key in sets:
        model.AddBoolOr([y[j] for j in key])
    model.Minimize(sum(y.values()))
    _add_hint(model, y, hint)
    solver = _solver(time_limit_s, workers)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish("lscp", solver, status, y, fixed, 0, 0, t0, tuple(uncovered))
    return _finish(
        "lscp",
        solver,
        status,
        y,
        fixed,
        solver.ObjectiveValue(),
        solver.BestObjectiveBound(),
        t0,
        tuple(uncovered),
    )


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
) -> PlacementResult:
    """Dispatch to one of the four models by name (``p`` is ignored by LSCP,
    ``threshold`` by p-median and p-center)."""
    kw = dict(fixed=fixed, candidates=candidates, time_limit_s=time_limit_s, workers=workers, hint=hint)
    if model == "mclp":
        return solve_mclp(cost, weights, threshold=threshold, p=p, **kw)
    if model == "pmedian":
        return solve_pmedian(cost, weights, p=p, **kw)
    if model == "pcenter":
        return solve_pcenter(cost, weights, p=p, **kw)
    if model == "lscp":
        return solve_lscp(cost, weights, threshold=threshold, **kw)
    raise ValueError(f"unknown model {model!r} (expected one of {', '.join(MODELS)})")
