"""Solve the bus rota: the entry point (:func:`solve`).

Starts from the best of the given hint and a greedy rota (:mod:`itinerant.bus.heuristic`),
builds the CP-SAT model (:mod:`itinerant.bus.cpsat`) and solves it in lexicographic
stages, each fixing the level reached before:

1. minimise ``(sum min + 1) * communes without any visit + sum short`` (the board's
   "every commune once per cycle" first, then the other frequencies);
2. with a previous timetable, minimise churn (communes whose slot moved);
3. maximise ``sum_g sum_i round(n_g * gain_i * metres_per_resident) * u[g, i]
   - metres driven`` (coverage traded against km, integer metres-equivalent).

The reported objective, bound and gap are those of stage 3 (bound: the better of
CP-SAT's and the LP relaxation's, :mod:`itinerant.bus.lp`). The rota is scored
exactly by :func:`itinerant.bus.rota.evaluate`, whatever the model says.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from itinerant.bus.cpsat import RotaModel, build_model, hint_values
from itinerant.bus.heuristic import greedy_assignments
from itinerant.bus.lp import lp_bound
from itinerant.bus.problem import BusProblem
from itinerant.bus.rota import Assignment, Rota, _gap, evaluate
from itinerant.core._ortools import cp_model
from itinerant.core.errors import SolverError

DEFAULT_TIME_LIMIT_S = 30.0

__all__ = ["DEFAULT_TIME_LIMIT_S", "lp_bound", "solve"]


@dataclass
class _Run:
    """What a solve carries from stage to stage."""

    rm: RotaModel
    t0: float
    time_limit_s: float
    workers: int
    seed: int
    lp_bounds: bool
    start: Rota | None
    notes: list[str] = field(default_factory=list)
    start_kept: bool = True
    """The starting rota still meets the levels the earlier stages fixed."""
    deterministic_s: float | None = None

    @property
    def left_s(self) -> float:
        return self.time_limit_s - (time.perf_counter() - self.t0)

    def run(self, model: cp_model.CpModel, limit_s: float) -> tuple[cp_model.CpSolver, Any]:
        """Solve ``model`` within ``limit_s`` seconds (at least 0.5 s)."""
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.linearization_level = 2
        prm.presolve_probing_deterministic_time_limit = 0.2
        prm.max_time_in_seconds = max(0.5, float(limit_s))
        prm.num_workers = int(self.workers)
        prm.random_seed = int(self.seed)
        if self.deterministic_s is not None:
            # same seed, same budget, same rota: one worker, deterministic time only
            prm.max_deterministic_time = float(self.deterministic_s)
            prm.max_time_in_seconds = 3600.0
            prm.num_workers = 1
        return solver, solver.solve(model)


def solve(
    problem: BusProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = 2,
    seed: int = 0,
    hint: tuple[Assignment, ...] | list[Assignment] | None = None,
    max_partners: int | None | str = "auto",
    lp_bounds: bool = True,
    warm_start: bool = True,
    min_coverage_points: int | None = None,
    deterministic_s: float | None = None,
) -> Rota:
    """Build and solve the CP-SAT rota model; return the best rota, scored exactly.

    Parameters
    ----------
    problem
        The bus problem.
    time_limit_s, workers, seed
        CP-SAT limits (wall seconds, parallel workers, random seed).
    hint
        A starting rota (e.g. the baseline); the solver returns a rota at least as good.
    max_partners
        Arcs that skip an empty slot are modelled only towards each stop's
        ``max_partners`` best partners (by km saved); None models all of them (exact,
        bigger model); ``"auto"``: all up to 60 stops, else 15. Arcs between
        consecutive slots are always all modelled.
    lp_bounds
        When CP-SAT does not prove optimality, also bound the last stage by the LP
        relaxation of the model (HiGHS via scipy) and report the tighter bound.
    warm_start
        Also build a rota by cheapest insertion + local search
        (:mod:`itinerant.bus.heuristic`) and start from it when it beats ``hint``.
    deterministic_s
        Deterministic stop: each CP-SAT stage gets this many deterministic seconds on
        one worker, and the LP bounds run to their end; same seed, same rota whatever the
        machine's load. None: wall-clock bound (``time_limit_s``).
    min_coverage_points
        Keep coverage points at least this high (e.g. the baseline's
        ``coverage_points``: the rota then only trades km, never coverage). Ignored
        when the frequency or churn stages make it unreachable.

    Returns
    -------
    Rota
        ``status`` OPTIMAL or FEASIBLE (HINT when the starting rota stays the best);
        objective, best bound and gap of the last stage.
    """
    t0 = time.perf_counter()
    P = problem
    if warm_start:
        hint = _warm_start(P, hint, min_coverage_points)
    rm = build_model(P, max_partners=max_partners)
    start = evaluate(P, tuple(hint)) if hint is not None else None
    r = _Run(rm, t0, time_limit_s, workers, seed, lp_bounds, start, deterministic_s=deterministic_s)
    if hint and start is not None:
        for i, val in hint_values(rm, tuple(hint), start).items():
            rm.m.add_hint(rm.m.get_int_var_from_proto_index(i), val)
        r.notes.append(f"model built ({time.perf_counter() - t0:.1f} s, {len(rm.m.proto.variables)} variables)")
    _lexicographic_stages(r)
    return _last_stage(r, hint, min_coverage_points)


def _warm_start(
    P: BusProblem, hint: tuple[Assignment, ...] | list[Assignment] | None, floor: int | None
) -> tuple[Assignment, ...] | list[Assignment] | None:
    """The greedy rota when it beats ``hint``: on the earlier stages (communes never
    visited, missing visits, churn), or at an equal level while keeping the floor."""
    greedy = greedy_assignments(P)
    g = evaluate(P, greedy)
    if hint is None:
        return greedy if floor is None or g.coverage_points >= floor else None
    h = evaluate(P, tuple(hint))
    if g.key[:3] > h.key[:3]:
        return greedy
    if (floor is None or g.coverage_points >= floor) and g.key > h.key:
        return greedy
    return hint


def _rehint(m: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Hint the model with a solver's current solution."""
    values = [solver.value(m.get_int_var_from_proto_index(i)) for i in range(len(m.proto.variables))]
    m.clear_hints()
    for i, val in enumerate(values):
        m.add_hint(m.get_int_var_from_proto_index(i), val)


def _lexicographic_stages(r: _Run) -> None:
    """Stages 1 (frequency) and 2 (churn): each fixes the level it reaches."""
    rm, m = r.rm, r.rm.m
    stages = []
    if rm.shorts:
        stages.append(("frequency", rm.short_expr))
    if rm.churn_terms:
        stages.append(("churn", rm.churn_expr))
    lp_time = max(1.0, 0.15 * r.time_limit_s) if r.deterministic_s is None else 3600.0
    for name, expr in stages:
        left = r.left_s
        m.minimize(expr)
        t1 = time.perf_counter()
        hinted = None
        if r.start is not None:
            hinted = (
                sum(r.start.shortfall) + rm.unserved_weight * r.start.unserved
                if name == "frequency" else r.start.churn
            )
        if hinted == 0:
            # the stage's expression is never negative: the starting rota is optimal
            m.add(expr <= 0)
            r.notes.append(f"{name}: 0 (OPTIMAL, starting rota)")
            continue
        if name == "frequency" and hinted is not None and hinted <= _missing_at_least(rm.problem):
            m.add(expr <= hinted)
            r.notes.append(f"{name}: {hinted} (OPTIMAL by capacity, starting rota)")
            continue
        if hinted is not None and r.lp_bounds:
            # the starting rota may already be optimal for this stage: prove it by LP
            low = lp_bound(m, time_limit_s=lp_time)
            if low is not None and math.ceil(low - 1e-6) >= hinted:
                m.add(expr <= hinted)
                r.notes.append(f"{name}: {hinted} (OPTIMAL by LP bound, {time.perf_counter() - t1:.1f} s)")
                continue
        solver, st = r.run(m, left * 0.25)
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = int(round(solver.objective_value))
            proof = solver.status_name(st)
            if st != cp_model.OPTIMAL and r.lp_bounds:
                low = lp_bound(m, time_limit_s=lp_time)
                if low is not None and math.ceil(low - 1e-6) >= best:
                    proof = "OPTIMAL by LP bound"
            m.add(expr <= best)
            if hinted is None or hinted > best:
                _rehint(m, solver)  # the starting rota no longer qualifies
                r.start_kept = False
            r.notes.append(f"{name}: {best} ({proof}, {time.perf_counter() - t1:.1f} s)")
        elif hinted is not None:
            # no answer in time: keep the starting rota's level (it reaches it)
            m.add(expr <= hinted)
            r.notes.append(f"{name}: {hinted} (starting rota, not proven, {time.perf_counter() - t1:.1f} s)")


def _missing_at_least(P: BusProblem) -> int:
    """Visits that must be missing whatever the rota: the minimums left after the
    commitments, less the regular slot-weeks free (not blocked, not on a day off)."""
    free = 0
    for b, bus in enumerate(P.buses):
        for d in bus.days:
            for w in range(1, P.cycle_weeks + 1):
                if not P.closed(d, w):
                    free += len(bus.slot_starts_s) - len(P.blocked_slots(b, d, w))
    fixed = [0] * len(P.communes)
    for f in P.fixed:
        if f.stop is not None:
            fixed[P.stops[f.stop].commune] += len(P.open_weeks(f.weekday, f.weeks))
    need = sum(max(0, c.min_visits - v) for c, v in zip(P.communes, fixed))
    return max(0, need - free)


def _last_stage(
    r: _Run, hint: tuple[Assignment, ...] | list[Assignment] | None, floor: int | None
) -> Rota:
    """Stage 3: coverage against km, with the coverage floor when it can be kept."""
    rm, m, P = r.rm, r.rm.m, r.rm.problem
    m.maximize(rm.cov_expr - rm.km_expr)
    final = m
    if floor is not None and not (r.start is not None and r.start_kept and r.start.coverage_points >= floor):
        # only a floor some known rota keeps at the levels fixed before (else the floor's
        # source, e.g. the baseline, serves fewer communes: frequency comes first)
        r.notes.append(f"coverage floor {int(floor)} not kept: no rota known to reach it at these levels")
        floor = None
    if floor is not None:
        final = m.clone()
        final.add(sum(c * final.get_bool_var_from_proto_index(u.index) for c, u in rm.cov_pairs) >= int(floor))
    lp = None
    if r.lp_bounds:
        # CP-SAT's own bound stays weak with 2 workers: the LP relaxation of the last
        # stage is much tighter; solved first, within half the time left (on the
        # Clunisois the LP takes ~12 s on a loaded machine, and a bound that does not
        # finish proves nothing, while CP-SAT rarely improves the warm start)
        t1 = time.perf_counter()
        lp = lp_bound(final, time_limit_s=max(1.0, 0.5 * r.left_s) if r.deterministic_s is None else 3600.0)
        r.notes.append(f"LP relaxation: {'none' if lp is None else f'{lp:.0f}'} ({time.perf_counter() - t1:.1f} s)")
    lp_floor = lp  # bounds any rota that keeps the floor, the hint included
    t_last = time.perf_counter()
    solver, status = r.run(final, r.time_limit_s - (t_last - r.t0))
    if final is not m:
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            r.notes.append(f"coverage floor: {int(floor)} points")  # type: ignore[arg-type]
        else:
            final, lp = m, None
            solver, status = r.run(m, r.left_s)
    r.notes.append(f"last stage: {solver.status_name(status)} ({time.perf_counter() - t_last:.1f} s)")
    elapsed = time.perf_counter() - r.t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # the model is always feasible (all-empty rota); only a timeout before any
        # solution lands here: fall back to the hint
        if hint is not None:
            # no bound proven but the LP's: never report a gap of 0 for an unproven rota
            h = evaluate(P, tuple(hint), status="HINT", solve_s=elapsed)
            bnd = max(lp_floor if lp_floor is not None else math.inf, float(h.score))
            back = replace(h, bound=bnd, gap=_gap(bnd, h.score, h.distance_m), stages=tuple(r.notes))
            return _checked(back, None, elapsed)
        return _checked(evaluate(P, (), status=solver.status_name(status), solve_s=elapsed), None, elapsed)
    bound = solver.best_objective_bound
    if status != cp_model.OPTIMAL and lp is not None:
        bound = min(bound, lp)
    rota = evaluate(
        P,
        rm.assignments(solver),
        status=solver.status_name(status),
        objective=solver.objective_value,
        bound=max(bound, solver.objective_value),
        solve_s=time.perf_counter() - r.t0,
    )
    rota = replace(rota, stages=tuple(r.notes))
    return _checked(rota, r.start, elapsed)


def _checked(rota: Rota, start: Rota | None, elapsed: float) -> Rota:
    """The solver's rota, or the starting rota when it is better; never a rota with
    violations (the model encodes every rule: a violation is a bug, SolverError)."""
    if start is not None and not start.violations and (rota.violations or start.key > rota.key):
        bound = max(rota.bound, float(start.score))
        return replace(
            start, status="HINT", objective=float(start.score), bound=bound,
            gap=_gap(bound, start.score, start.distance_m), solve_s=elapsed, stages=rota.stages,
        )
    if rota.violations:
        raise SolverError(
            "le rota du solveur enfreint ses propres règles (défaut du modèle) : "
            + "; ".join(rota.violations[:3])
        )
    return rota
