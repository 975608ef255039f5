"""LP relaxation bound of a CP-SAT model (HiGHS through scipy).

Reads the model's proto, relaxes integrality and solves the LP: an upper bound of the
objective when the model maximises, a lower bound when it minimises. The rota solver
uses it to prove a stage optimal, and to report a tighter bound than CP-SAT's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from itinerant.core._ortools import cp_model

_KINDS = ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")


@dataclass
class _Rows:
    """Rows ``low <= sum(coef * var) <= high`` of the relaxation, in COO form."""

    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)

    def add(self, terms: list[tuple[int, float]], const: float, low: float, high: float) -> None:
        """Add ``low <= sum(terms) + const <= high``."""
        r = len(self.low)
        for j, c in terms:
            self.rows.append(r)
            self.cols.append(j)
            self.vals.append(c)
        self.low.append(low - const)
        self.high.append(high - const)


def _bound(value: int) -> float:
    """A domain end as a float: CP-SAT writes "no bound" as +-2**63 - 1, which the LP
    must see as infinite (a finite 9.2e18 wrecks HiGHS' numerics)."""
    return float(value) if abs(value) < 2**62 else (np.inf if value > 0 else -np.inf)


def _lit(ref: int) -> tuple[tuple[int, float], float]:
    """A literal as ``(term, constant)``: ``x`` or ``1 - x``."""
    return ((ref, 1.0), 0.0) if ref >= 0 else ((-ref - 1, -1.0), 1.0)


def _add_bool_and(rows: _Rows, lits: list[int], enf: list[int]) -> None:
    """``enf => l`` for each ``l``: ``l >= 1 - sum(1 - e)``, i.e. ``l - sum(e) >= 1 - len(enf)``."""
    for l_ in lits:
        t, const = _lit(l_)
        terms = [t]
        for e in enf:
            te, ce = _lit(e)
            terms.append((te[0], -te[1]))
            const -= ce
        rows.add(terms, const, 1.0 - len(enf), np.inf)


def _add_constraint(rows: _Rows, ct: Any) -> bool:
    """Add one proto constraint to the relaxation; False when it cannot be relaxed here."""
    kind = next((k for k in _KINDS if getattr(ct, f"has_{k}")()), "other")
    enf = list(ct.enforcement_literal)
    if kind == "other" or (enf and kind != "bool_and"):
        return False
    if kind == "linear":
        dom = list(ct.linear.domain)
        rows.add(list(zip(ct.linear.vars, map(float, ct.linear.coeffs))), 0.0, _bound(dom[0]), _bound(dom[-1]))
        return True
    lits = list(getattr(ct, kind).literals)
    if kind == "bool_and":
        _add_bool_and(rows, lits, enf)
        return True
    terms, const = [], 0.0
    for l_ in lits:
        t, c = _lit(l_)
        terms.append(t)
        const += c
    low, high = {"bool_or": (1.0, np.inf), "at_most_one": (-np.inf, 1.0), "exactly_one": (1.0, 1.0)}[kind]
    rows.add(terms, const, low, high)
    return True


def lp_bound(model: cp_model.CpModel, *, time_limit_s: float = 10.0) -> float | None:
    """Bound of a CP-SAT model's objective from its LP relaxation (HiGHS).

    An upper bound when the model maximises, a lower bound when it minimises. Reads the
    model's proto (linear, bool_or, bool_and with enforcement, at_most_one, exactly_one
    constraints), relaxes integrality and solves the LP within ``time_limit_s`` seconds.
    Returns None when the model holds another kind of constraint or the LP does not solve.
    """
    sol = lp_solution(model, time_limit_s=time_limit_s)
    return None if sol is None else sol[0]


def lp_solution(model: cp_model.CpModel, *, time_limit_s: float = 10.0) -> tuple[float, np.ndarray] | None:
    """The LP relaxation's value (model's objective scale) and solution (by proto index),
    or None (see :func:`lp_bound`)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, vstack

    proto = model.proto
    n = len(proto.variables)
    doms = [list(v.domain) for v in proto.variables]
    lo = np.array([d[0] for d in doms], dtype=float)
    hi = np.array([d[-1] for d in doms], dtype=float)
    rows = _Rows()
    for ct in proto.constraints:
        if not _add_constraint(rows, ct):
            return None
    obj = proto.objective
    c = np.zeros(n)
    for j, coef in zip(obj.vars, obj.coeffs):
        c[j] += coef
    scale = obj.scaling_factor or 1.0
    a = coo_matrix((rows.vals, (rows.rows, rows.cols)), shape=(len(rows.low), n)).tocsr()
    bl = np.array(rows.low)
    bh = np.array(rows.high)
    ub_rows = np.isfinite(bh)
    lb_rows = np.isfinite(bl)
    a_ub = vstack([a[ub_rows], -a[lb_rows]])
    b_ub = np.concatenate([bh[ub_rows], -bl[lb_rows]])
    res = linprog(
        c, A_ub=a_ub, b_ub=b_ub, bounds=np.c_[lo, hi], method="highs-ds",
        options={"time_limit": float(time_limit_s)},
    )
    if res.status != 0:
        return None
    return float(scale * (res.fun + obj.offset)), res.x
