"""p-median presolve: a good answer, a Lagrangian bound, and the candidates it decides.

Greedy additions then interchange (Teitz and Bart) give a heuristic answer; the
Lagrangian relaxation of the assignment constraints (Beasley 1985), solved by
subgradient, gives a lower bound and, per candidate, the bound's change when it is
forced open or closed. A site whose opening forces the bound above the heuristic value
is closed, one whose closing does is opened (Beasley's reduction tests); repeated while
they bite. Exact: only answers strictly better than the heuristic are cut away.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Presolve:
    """What the presolve decided (column indices of the cost matrix).

    Attributes
    ----------
    heuristic, heuristic_value
        The heuristic's new sites and its value (in CP-SAT's integer weight units);
        ``None`` / ``inf`` when the presolve did not run.
    lagrangian_bound
        Best Lagrangian lower bound (same units), ``-inf`` when not computed.
    forced_in
        Candidates proven to be in every better answer (opened).
    fixed, p, candidates
        The reduced problem: fixed sites (given ones + forced), new sites still to
        open, candidates still open to choice.
    proven
        True when no answer better than the heuristic exists.
    """

    fixed: list[int]
    p: int
    candidates: list[int]
    heuristic: list[int] | None = None
    heuristic_value: float = math.inf
    lagrangian_bound: float = -math.inf
    forced_in: list[int] = field(default_factory=list)
    proven: bool = False


def greedy_interchange(c: np.ndarray, base: np.ndarray, p: int) -> tuple[list[int], float]:
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


def lagrangian(c: np.ndarray, base: np.ndarray, p: int, ub: float, iters: int, budget_s: float):
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


def presolve(
    cost: np.ndarray,
    wi: np.ndarray,
    scale: float,
    rows: list[int],
    fixed: list[int],
    cand: list[int],
    p: int,
    big: int,
    time_limit_s: float,
) -> Presolve:
    """Heuristic answer, Lagrangian bound and reduction tests (see the module docstring).

    Parameters
    ----------
    cost
        int64 (m, n) costs; ``big`` replaces unreachable ones.
    wi, scale
        Integer weights (m,) and the factor they were multiplied by.
    rows
        Rows of positive weight.
    time_limit_s
        The whole solve's limit; the bound gets a fifth of it.
    """
    out = Presolve(fixed=list(fixed), p=p, candidates=list(cand))
    r = np.array(rows)
    wr = wi[r].astype(float)
    capped = np.minimum(cost[r], big).astype(float) * wr[:, None]

    def base_of(cols: list[int]) -> np.ndarray:
        return capped[:, cols].min(axis=1) if cols else wr * float(big)

    hcols, out.heuristic_value = greedy_interchange(capped[:, cand], base_of(fixed), p)
    out.heuristic = [cand[k] for k in hcols]
    # Integer data: only answers strictly better than the heuristic matter, so a
    # site is dropped when every answer containing it costs >= heuristic (- 1 + eps).
    hv = out.heuristic_value
    cut = hv - (1.0 - 1e-6 if scale == 1.0 else -1e-6 * max(1.0, hv))
    budget = 0.2 * time_limit_s
    for _ in range(6):  # reductions raise the bound of the restricted problem: repeat
        if out.p == 0 or len(out.candidates) <= out.p:
            break
        c = capped[:, out.candidates]
        lb, rho, _ = lagrangian(c, base_of(out.fixed), out.p, hv, 600, budget / 3)
        out.lagrangian_bound = max(out.lagrangian_bound, lb)
        if rho is None or not np.isfinite(lb):
            break
        keep, forced = _reduction_tests(out.candidates, rho, lb, out.p, cut)
        if not forced and len(keep) == len(out.candidates):
            break
        out.forced_in += forced
        out.fixed = sorted({*out.fixed, *forced})
        out.p -= len(forced)
        out.candidates = keep
    out.proven = len(out.candidates) < out.p or out.lagrangian_bound > cut
    return out


def _reduction_tests(
    cand: list[int], rho: np.ndarray, lb: float, p: int, cut: float
) -> tuple[list[int], list[int]]:
    """(candidates kept, candidates forced open) by Beasley's tests on the facility
    terms ``rho`` of the Lagrangian bound ``lb``."""
    order = np.argsort(rho, kind="stable")
    worst_in, next_out = rho[order[p - 1]], rho[order[p]]
    inside = {int(k) for k in order[:p]}
    keep: list[int] = []
    forced: list[int] = []
    for k, j in enumerate(cand):
        if k in inside:
            # closing j: every answer without it costs more than the cut
            (forced if lb - rho[k] + next_out > cut else keep).append(j)
        elif lb - worst_in + rho[k] <= cut:
            keep.append(j)  # opening j might still pay
    return keep, forced
