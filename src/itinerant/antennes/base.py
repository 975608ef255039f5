"""Shared pieces of the placement models (as spopt's ``locate/base.py``).

The models see plain matrices only, never geometry. Every model takes

- ``cost``: int64 array, shape (m, n), travel cost from demand row ``i`` to site
  column ``j`` (seconds or metres); entries ``>= UNREACHABLE`` mean "no path";
- ``weights``: array, shape (m,), non-negative demand weights (people);
- ``fixed``: column indices of sites open in every answer (existing antennes);
- ``candidates``: column indices that may be opened (default: every column not fixed);
- ``p``: number of NEW sites to open (not counting the fixed ones);

and returns a frozen :class:`PlacementResult` whose ``chosen`` always contains the
fixed sites. Columns neither fixed nor candidate are never opened.

This module holds the result type, the input checks, the CP-SAT solver settings and
the constraint builders the models share: coverage sets (MCLP, LSCP) and the chained
radius variables shared in a trie (p-median, p-center).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

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


def prepare(
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


def int_weights(w: np.ndarray) -> tuple[np.ndarray, float]:
    """Integer weights for CP-SAT and the scale they were multiplied by."""
    if np.allclose(w, np.round(w)):
        return np.round(w).astype(np.int64), 1.0
    scale = 1000.0
    return np.round(w * scale).astype(np.int64), scale


def new_solver(time_limit_s: float, workers: int, seed: int = 0) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = float(time_limit_s)
    s.parameters.num_workers = int(workers)
    s.parameters.random_seed = int(seed)
    # The LP relaxation does the heavy lifting on these models (the radius
    # formulation's bound is tight); level 2 puts every constraint in it.
    s.parameters.linearization_level = 2
    return s


def finish(
    model_name: str,
    solver: cp_model.CpSolver,
    status: Any,
    y: dict[int, cp_model.IntVar],
    fixed: list[int],
    objective: float,
    bound: float,
    t0: float,
    uncovered: tuple[int, ...],
) -> PlacementResult:
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolverError(
            f"{model_name}: CP-SAT a fini sans solution ({solver.status_name(status)}); "
            "augmentez la limite de temps"
        )
    new = sorted(j for j, v in y.items() if solver.value(v))
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
        status=solver.status_name(status),
        uncovered=uncovered,
    )


def trivial(model_name, fixed, new, objective, t0, uncovered=()) -> PlacementResult:
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


def add_hint(model: cp_model.CpModel, y: dict[int, cp_model.IntVar], hint: Sequence[int] | None):
    if hint is None:
        return
    hs = {int(j) for j in hint}
    for j, v in y.items():
        model.add_hint(v, 1 if j in hs else 0)


# ------------------------------------------------------------ coverage (MCLP, LSCP)


def cover_sets(
    cost: np.ndarray, threshold: float, fixed: Sequence[int], cand: Sequence[int]
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Which rows a fixed site covers, and the candidates covering each row.

    Parameters
    ----------
    cost
        (m, n) costs; a row is covered by a site when ``cost <= threshold`` (inclusive).

    Returns
    -------
    (fixed_cov, sets)
        ``fixed_cov`` bool (m,): some fixed site covers the row; ``sets[i]``: sorted
        candidate columns that cover row ``i`` (empty tuple when none).
    """
    within = np.asarray(cost <= threshold, dtype=bool)
    fixed_cov = within[:, list(fixed)].any(axis=1) if len(fixed) else np.zeros(len(cost), dtype=bool)
    fixed_cov = np.asarray(fixed_cov, dtype=bool)
    cand_arr = np.array(cand, dtype=int)
    if not len(cand_arr):
        return fixed_cov, [() for _ in range(len(cost))]
    sub = within[:, cand_arr]
    return fixed_cov, [tuple(int(j) for j in cand_arr[row]) for row in sub]


def add_cover(
    model: cp_model.CpModel,
    y: dict[int, cp_model.IntVar],
    sites: Sequence[int],
    enforce: cp_model.IntVar | None = None,
) -> None:
    """At least one of ``sites`` open (only when ``enforce`` is true, if given)."""
    ct = model.add_bool_or([y[j] for j in sites])
    if enforce is not None:
        ct.only_enforce_if(enforce)


# ---------------------------------------------------- radius chains (p-median, p-center)


def chains(
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


def default_unreachable(cost: np.ndarray) -> int:
    finite = cost[cost < UNREACHABLE]
    return int(max(1, 2 * int(finite.max()) if finite.size else 1))


def trie(chains, wi: np.ndarray | None):
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


def chain_vars(model: cp_model.CpModel, nodes, y: dict[int, cp_model.IntVar]) -> list[cp_model.IntVar]:
    """One Boolean per trie node with ``z >= z_parent - sum(y of the node's sites)``."""
    z: list[cp_model.IntVar] = []
    for parent, sites in nodes:
        v = model.new_bool_var("")
        rhs = 1 if parent < 0 else z[parent]
        model.add(v + sum(y[j] for j in sites) >= rhs)
        z.append(v)
    return z

