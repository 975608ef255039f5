"""Solve the bus rota with CP-SAT, and score any rota exactly.

Model (see :func:`solve`)
-------------------------
Variables
    ``x[s, b, d, k, p]`` (bool): stop ``s`` is held by bus ``b`` on weekday ``d`` in
    slot ``k`` following week pattern ``p`` (every week, odd/even weeks, one week).
    ``short[c]`` (int), ``served[c]`` (bool): visits missing to commune ``c``'s minimum,
    and whether it gets any visit.
    ``u[g, i]`` (bool): cover group ``g`` gets credit for its i-th visit per cycle.
    ``a[b, d, w, i, j]`` (bool): in week ``w`` the bus drives straight from place ``i``
    to place ``j`` of its day (depot, regular slot options, commitments).
Constraints
    one regular slot per commune (same weekday and time all cycle); at most one stop
    per slot and week; slots a commitment overlaps are blocked; visits + short >=
    minimum; ``sum_i u[g, i] <= visits of g's stops``; each bus day is a unit flow
    depot -> places in time order -> depot: an occupied place has exactly one arc in
    and one out, a commitment (fixed place) always. An arc exists only when its drive
    fits between the end of one place and the start of the next (and depot -> first,
    last -> depot within the day), so timing and km are exact for any matrix; with
    ``max_partners`` the arcs that skip an empty slot are kept for the best partners only.
Objective, lexicographic, solved in stages (each stage fixes the level reached)
    1. minimise ``(sum min + 1) * communes without any visit + sum short`` (the
       board's "every commune once per cycle" first, then the other frequencies);
    2. with a previous timetable, minimise churn (communes whose slot moved);
    3. maximise ``sum_g sum_i round(n_g * gain_i * metres_per_resident) * u[g, i]
       - metres driven`` (coverage traded against km, integer metres-equivalent).
    The reported objective, bound and gap are those of stage 3 (bound: the better of
    CP-SAT's and the LP relaxation's).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from itinerant.bus.problem import BusProblem
from itinerant.bus.rota import (
    Assignment,
    Rota,
    _coverage_coefs,
    _gap,
    evaluate,
)
from itinerant.core._ortools import cp_model
from itinerant.core.errors import SolverError
from itinerant.core.places import UNREACHABLE

DEFAULT_TIME_LIMIT_S = 30.0


# ----------------------------------------------------------------------------- CP-SAT


def _top_pairs(problem: BusProblem, max_partners: int | None) -> set[tuple[int, int]] | None:
    """Stop pairs whose chain arc is modelled (None = all)."""
    n = len(problem.stops)
    if max_partners is None or max_partners >= n - 1:
        return None
    keep: set[tuple[int, int]] = set()
    for b in problem.buses:
        dep = b.depot
        sites = np.array([s.site for s in problem.stops])
        dm = problem.drive_m
        sav = dm[sites, dep][:, None] + dm[dep, sites][None, :] - dm[np.ix_(sites, sites)]
        np.fill_diagonal(sav, -1)
        order = np.argsort(-sav, axis=1)[:, :max_partners]
        for s in range(n):
            for t in order[s]:
                keep.add((s, int(t)))
                keep.add((int(t), s))
    return keep


def lp_bound(model: cp_model.CpModel, *, time_limit_s: float = 10.0) -> float | None:
    """Bound of a CP-SAT model's objective from its LP relaxation (HiGHS): an upper
    bound when it maximises, a lower bound when it minimises.

    Reads the model's proto (linear, bool_or, bool_and with enforcement, at_most_one,
    exactly_one constraints), relaxes integrality and solves the LP. Returns None when
    the model holds another kind of constraint or the LP does not solve.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    proto = model.Proto()
    n = len(proto.variables)
    doms = [list(v.domain) for v in proto.variables]
    lo = np.array([d[0] for d in doms], dtype=float)
    hi = np.array([d[-1] for d in doms], dtype=float)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    b_lo: list[float] = []
    b_hi: list[float] = []

    def add(terms: list[tuple[int, float]], const: float, low: float, high: float) -> None:
        r = len(b_lo)
        for j, c in terms:
            rows.append(r)
            cols.append(j)
            vals.append(c)
        b_lo.append(low - const)
        b_hi.append(high - const)

    def lit(ref: int) -> tuple[tuple[int, float], float]:
        # literal -> (term, constant): x or 1 - x
        return ((ref, 1.0), 0.0) if ref >= 0 else ((-ref - 1, -1.0), 1.0)

    for ct in proto.constraints:
        kind = next(
            (k for k in ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")
             if getattr(ct, f"has_{k}")()),
            "other",
        )
        enf = list(ct.enforcement_literal)
        if kind == "linear":
            if enf:
                return None
            terms = list(zip(ct.linear.vars, map(float, ct.linear.coeffs)))
            dom = list(ct.linear.domain)
            add(terms, 0.0, float(dom[0]), float(dom[-1]))
        elif kind in ("bool_or", "at_most_one", "exactly_one", "bool_and"):
            lits = list(getattr(ct, kind).literals)
            if kind == "bool_and":
                for l_ in lits:
                    # l >= 1 - sum(1 - e): l - sum(e) >= 1 - len(enf)
                    terms, const = [], 0.0
                    t, c = lit(l_)
                    terms.append(t)
                    const += c
                    for e in enf:
                        t, c = lit(e)
                        terms.append((t[0], -t[1]))
                        const -= c
                    add(terms, const, 1.0 - len(enf), np.inf)
                continue
            if enf:
                return None
            terms, const = [], 0.0
            for l_ in lits:
                t, c = lit(l_)
                terms.append(t)
                const += c
            if kind == "bool_or":
                add(terms, const, 1.0, np.inf)
            elif kind == "at_most_one":
                add(terms, const, -np.inf, 1.0)
            else:
                add(terms, const, 1.0, 1.0)
        else:
            return None
    obj = proto.objective
    c = np.zeros(n)
    for j, coef in zip(obj.vars, obj.coeffs):
        c[j] += coef
    scale = obj.scaling_factor or 1.0
    a = coo_matrix((vals, (rows, cols)), shape=(len(b_lo), n)).tocsr()
    bl = np.array(b_lo)
    bh = np.array(b_hi)
    ub_rows = np.isfinite(bh)
    lb_rows = np.isfinite(bl)
    from scipy.sparse import vstack

    a_ub = vstack([a[ub_rows], -a[lb_rows]])
    b_ub = np.concatenate([bh[ub_rows], -bl[lb_rows]])
    res = linprog(
        c, A_ub=a_ub, b_ub=b_ub, bounds=np.c_[lo, hi], method="highs-ds",
        options={"time_limit": float(time_limit_s)},
    )
    if res.status != 0:
        return None
    return float(scale * (res.fun + obj.offset))


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
    min_coverage_points
        Keep coverage points at least this high (e.g. the baseline's
        ``coverage_points``: the rota then only trades km, never coverage). Ignored
        when the frequency or churn stages make it unreachable.
    warm_start
        Also build a rota by cheapest insertion + local search
        (:mod:`itinerant.bus.heuristic`) and start from it when it beats ``hint``.
    lp_bounds
        When CP-SAT does not prove optimality, also bound the last stage by the LP
        relaxation of the model (HiGHS via scipy) and report the tighter bound.

    Returns
    -------
    Rota
        ``status`` OPTIMAL or FEASIBLE; objective, best bound and gap of the model.
    """
    t0 = time.perf_counter()
    P = problem
    if warm_start:
        from itinerant.bus.heuristic import greedy_assignments

        greedy = greedy_assignments(P)
        g = evaluate(P, greedy)
        if min_coverage_points is None or g.coverage_points >= min_coverage_points:
            if hint is None or g.key > evaluate(P, tuple(hint)).key:
                hint = greedy
    W = P.cycle_weeks
    m = cp_model.CpModel()
    dm = P.drive_m
    ds = P.drive_s

    blocked: dict[tuple[int, int, int], set[int]] = {}
    for b, bus in enumerate(P.buses):
        for d in bus.days:
            for w in range(1, W + 1):
                for k in P.blocked_slots(b, d, w):
                    blocked.setdefault((b, d, k), set()).add(w)
    fixed_communes = {P.stops[f.stop].commune for f in P.fixed if f.stop is not None}

    # x variables
    x: dict[tuple[int, int, int, int, int], cp_model.IntVar] = {}
    for s, stop in enumerate(P.stops):
        if stop.commune in fixed_communes:
            continue
        for b, bus in enumerate(P.buses):
            if max(dm[bus.depot, stop.site], dm[stop.site, bus.depot]) >= UNREACHABLE:
                continue  # no road between the depot and this stop
            for d in bus.days:
                for k in range(len(bus.slot_starts_s)):
                    blk = blocked.get((b, d, k), set())
                    for p, weeks in enumerate(P.patterns):
                        if blk.intersection(weeks):
                            continue
                        x[(s, b, d, k, p)] = m.NewBoolVar(f"x_{s}_{b}_{d}_{k}_{p}")

    by_commune: dict[int, list] = {}
    for (s, b, d, k, p), v in x.items():
        by_commune.setdefault(P.stops[s].commune, []).append(v)
    for vs in by_commune.values():
        m.AddAtMostOne(vs)

    # visits per stop / commune
    stop_visits: list[list] = [[] for _ in P.stops]
    fixed_visits = [0] * len(P.stops)
    for f in P.fixed:
        if f.stop is not None:
            fixed_visits[f.stop] += len(f.weeks)
    for (s, b, d, k, p), v in x.items():
        stop_visits[s].append((len(P.patterns[p]), v))

    def visits_expr(stops):
        return sum(n * v for s in stops for n, v in stop_visits[s]) + sum(
            fixed_visits[s] for s in stops
        )

    # frequencies: a commune never visited weighs more than all missing visits together
    # (the board's "every commune at least once per cycle" comes first)
    shorts = []
    firsts = []
    short_of: list = [None] * len(P.communes)
    first_of: list = [None] * len(P.communes)
    unserved_weight = sum(c.min_visits for c in P.communes) + 1
    for c, com in enumerate(P.communes):
        stops = [s for s, st in enumerate(P.stops) if st.commune == c]
        if com.min_visits <= 0:
            continue
        sh = m.NewIntVar(0, com.min_visits, f"short_{c}")
        m.Add(visits_expr(stops) + sh >= com.min_visits)
        shorts.append(sh)
        fv = m.NewBoolVar(f"served_{c}")
        m.Add(visits_expr(stops) >= fv)
        m.Add(sh <= com.min_visits - fv)
        firsts.append(fv)
        short_of[c], first_of[c] = sh, fv

    # coverage
    coefs = _coverage_coefs(P)
    cov_terms = []
    cov_pairs: list = []
    u_of: dict[int, list] = {}
    for g, (grp, cg) in enumerate(zip(P.groups, coefs)):
        if grp.count == 0 or not grp.stops:
            continue
        us = [m.NewBoolVar(f"u_{g}_{i}") for i in range(W)]
        m.Add(sum(us) <= visits_expr(grp.stops))
        for i in range(W - 1):
            m.AddImplication(us[i + 1], us[i])
        cov_terms += [c * u for c, u in zip(cg, us)]
        cov_pairs += list(zip(cg, us))
        u_of[g] = us

    # per (bus, day, week): the day is one path depot -> places -> depot through the
    # day's places in time order (regular slot options and commitments), a unit flow:
    # every occupied place has one arc in and one arc out, so km are exact and an arc
    # exists only when its drive fits between the two places (timing is exact).
    if max_partners == "auto":
        max_partners = None if len(P.stops) <= 60 else 15
    keep = _top_pairs(P, max_partners)
    km_terms = []
    TRUE = m.NewConstant(1)
    day_graphs = []  # for the hint: (b, d, w, nodes, arcs)
    for b, bus in enumerate(P.buses):
        dep = bus.depot
        K = len(bus.slot_starts_s)
        for d in bus.days:
            for w in range(1, W + 1):
                # nodes: (start, end, site, stop or None, literal, fixed, slot or None)
                nodes: list[tuple] = []
                for k in range(K):
                    if w in blocked.get((b, d, k), ()):
                        continue
                    st = bus.slot_starts_s[k]
                    ys = []
                    for s in range(len(P.stops)):
                        vs = [
                            v
                            for p, weeks in enumerate(P.patterns)
                            if w in weeks and (v := x.get((s, b, d, k, p))) is not None
                        ]
                        if not vs:
                            continue
                        if len(vs) == 1:
                            y = vs[0]
                        else:
                            y = m.NewBoolVar("")
                            m.Add(y == sum(vs))
                        nodes.append((st, st + bus.stop_duration_s, P.stops[s].site, s, y, False, k))
                        ys.append(y)
                    if len(ys) > 1:
                        m.AddAtMostOne(ys)
                for e in P.fixed_events(b, d, w):
                    if e.site is not None:
                        nodes.append((e.start_s, e.end_s, e.site, None, TRUE, True, None))
                if not nodes:
                    continue
                nodes.sort(key=lambda n: (n[0], n[1]))
                slot_times = sorted({(n[0], n[1]) for n in nodes if not n[5]})
                arcs: dict[tuple[int, int], cp_model.IntVar] = {}
                SRC, SNK = -1, -2

                def arc(i, j, cost):
                    a = m.NewBoolVar("")
                    arcs[(i, j)] = a
                    if cost:
                        km_terms.append(int(cost) * a)

                has_fixed = any(n[5] for n in nodes)
                if not has_fixed:
                    arc(SRC, SNK, 0)
                for i, (st1, en1, s1, stop1, y1, fx1, k1) in enumerate(nodes):
                    if fx1 or ds[dep, s1] <= st1 - bus.start_s:
                        arc(SRC, i, dm[dep, s1])
                    if fx1 or ds[s1, dep] <= bus.end_s - en1:
                        arc(i, SNK, dm[s1, dep])
                    for j in range(i + 1, len(nodes)):
                        st2, en2, s2, stop2, y2, fx2, k2 = nodes[j]
                        if fx1 and fx2:
                            arc(i, j, dm[s1, s2])  # both fixed: the data's timing
                            continue
                        if st2 < en1 or ds[s1, s2] > st2 - en1:
                            continue
                        skips = any(en1 <= a0 and a1 <= st2 for a0, a1 in slot_times)
                        if (
                            skips
                            and keep is not None
                            and stop1 is not None
                            and stop2 is not None
                            and (stop1, stop2) not in keep
                        ):
                            continue
                        arc(i, j, dm[s1, s2])
                outs: dict[int, list] = {}
                ins: dict[int, list] = {}
                for (i, j), a in arcs.items():
                    outs.setdefault(i, []).append(a)
                    ins.setdefault(j, []).append(a)
                m.AddExactlyOne(outs.get(SRC, []))
                for i, n in enumerate(nodes):
                    y = n[4]
                    for lst in (ins.get(i, []), outs.get(i, [])):
                        if y is TRUE:
                            m.AddExactlyOne(lst)
                        else:
                            m.Add(sum(lst) == y)
                day_graphs.append((b, d, w, nodes, arcs))
    km_expr = sum(km_terms)
    if P.max_km_m is not None:
        m.Add(km_expr <= P.max_km_m)

    # churn against the previous timetable
    churn_terms = []
    churn_const = 0
    for prev in P.previous:
        c = prev.commune
        if c in fixed_communes:
            continue  # fixed slot: churn is a constant, counted by evaluate()
        keepers = []
        for (s, b, d, k, p), v in x.items():
            if (
                P.stops[s].commune == c
                and P.stops[s].id == prev.stop_id
                and d == prev.weekday
                and P.buses[b].slot_starts_s[k] == prev.start_s
                and P.patterns[p] == tuple(prev.weeks)
            ):
                keepers.append(v)
        if keepers:
            churn_terms.append(1 - sum(keepers))
        else:
            churn_const += 1

    cov_expr = sum(cov_terms)
    short_expr = sum(shorts) + unserved_weight * (len(firsts) - sum(firsts))
    churn_expr = sum(churn_terms) + churn_const

    def run(model, limit_s: float, n_workers: int | None = None):
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.linearization_level = 2
        prm.presolve_probing_deterministic_time_limit = 0.2
        prm.max_time_in_seconds = max(0.5, float(limit_s))
        prm.num_workers = int(n_workers or workers)
        prm.random_seed = int(seed)
        return solver, solver.Solve(model)

    def rehint(values) -> None:
        m.ClearHints()
        for i, val in enumerate(values):
            m.AddHint(m.GetIntVarFromProtoIndex(i), val)

    notes: list[str] = []
    if hint:
        # the starting rota as a complete assignment of the model (x, slot options,
        # day paths, coverage and frequency variables), so every stage starts from it
        chosen = {
            (a.stop, a.bus, a.weekday, a.slot, P.patterns.index(tuple(a.weeks)))
            for a in hint
            if tuple(a.weeks) in P.patterns
        }
        hv: dict[int, int] = {}
        for key, v in x.items():
            hv[v.Index()] = int(key in chosen)
        held = {(s, b, d, k, w) for (s, b, d, k, p) in chosen for w in P.patterns[p]}
        for b, d, w, nodes, arcs in day_graphs:
            on = []
            for i, n in enumerate(nodes):
                active = n[5] or (n[3], b, d, n[6], w) in held
                if not n[5] and n[4] is not TRUE:
                    hv[n[4].Index()] = int(active)
                if active:
                    on.append(i)
            path = list(zip([-1, *on], [*on, -2]))
            for key, a in arcs.items():
                hv[a.Index()] = 0
            for key in path:
                if key in arcs:
                    hv[arcs[key].Index()] = 1
        st = evaluate(P, tuple(hint))
        vis_stop = [0] * len(P.stops)
        for a in hint:
            vis_stop[a.stop] += len(a.weeks)
        for f in P.fixed:
            if f.stop is not None:
                vis_stop[f.stop] += len(f.weeks)
        for c, com in enumerate(P.communes):
            if short_of[c] is not None:
                hv[short_of[c].Index()] = st.shortfall[c]
                hv[first_of[c].Index()] = int(st.visits_by_commune[c] > 0)
        for g, us in u_of.items():
            v = min(W, sum(vis_stop[s] for s in P.groups[g].stops))
            for i, u in enumerate(us):
                hv[u.Index()] = int(i < v)
        for i, val in hv.items():
            m.AddHint(m.GetIntVarFromProtoIndex(i), val)
        notes.append(f"model built ({time.perf_counter() - t0:.1f} s, {len(m.Proto().variables)} variables)")

    # lexicographic stages: 1. fewest missing visits, 2. fewest moved communes,
    # 3. coverage traded against km. Each stage fixes the level reached before.
    stages = []
    if shorts:
        stages.append(("frequency", short_expr))
    if churn_terms:
        stages.append(("churn", churn_expr))
    start = evaluate(P, tuple(hint)) if hint is not None else None
    lp_time = max(1.0, 0.15 * time_limit_s)
    for name, expr in stages:
        left = time_limit_s - (time.perf_counter() - t0)
        m.Minimize(expr)
        t1 = time.perf_counter()
        hinted = None
        if start is not None:
            hinted = (
                sum(start.shortfall) + unserved_weight * start.unserved
                if name == "frequency" else start.churn
            )
        if hinted == 0:
            # the stage's expression is never negative: the starting rota is optimal
            m.Add(expr <= 0)
            notes.append(f"{name}: 0 (OPTIMAL, starting rota)")
            continue
        if hinted is not None and lp_bounds:
            # the starting rota may already be optimal for this stage: prove it by LP
            low = lp_bound(m, time_limit_s=lp_time)
            if low is not None and math.ceil(low - 1e-6) >= hinted:
                m.Add(expr <= hinted)
                notes.append(f"{name}: {hinted} (OPTIMAL by LP bound, {time.perf_counter() - t1:.1f} s)")
                continue
        solver, st = run(m, left * 0.25)
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = int(round(solver.ObjectiveValue()))
            proof = solver.StatusName(st)
            if st != cp_model.OPTIMAL and lp_bounds:
                low = lp_bound(m, time_limit_s=lp_time)
                if low is not None and math.ceil(low - 1e-6) >= best:
                    proof = "OPTIMAL by LP bound"
            m.Add(expr <= best)
            if hinted is None or hinted > best:
                # the starting rota no longer qualifies
                rehint([solver.Value(m.GetIntVarFromProtoIndex(i)) for i in range(len(m.Proto().variables))])
            notes.append(f"{name}: {best} ({proof}, {time.perf_counter() - t1:.1f} s)")
    m.Maximize(cov_expr - km_expr)
    final = m
    if min_coverage_points is not None:
        final = m.Clone()
        final.Add(
            sum(c * final.GetBoolVarFromProtoIndex(u.Index()) for c, u in cov_pairs)
            >= int(min_coverage_points)
        )
    lp = None
    if lp_bounds:
        # CP-SAT's own bound stays weak with 2 workers: the LP relaxation of the last
        # stage is much tighter; solved first, within a share of the time
        t1 = time.perf_counter()
        lp = lp_bound(final, time_limit_s=max(1.0, 0.25 * time_limit_s))
        notes.append(
            f"LP relaxation: {'none' if lp is None else f'{lp:.0f}'} ({time.perf_counter() - t1:.1f} s)"
        )
    t_last = time.perf_counter()
    solver, status = run(final, time_limit_s - (t_last - t0))
    if final is not m:
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            notes.append(f"coverage floor: {int(min_coverage_points)} points")
        else:
            final, lp = m, None
            solver, status = run(m, time_limit_s - (time.perf_counter() - t0))
    notes.append(f"last stage: {solver.StatusName(status)} ({time.perf_counter() - t_last:.1f} s)")
    elapsed = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # the model is always feasible (all-empty rota); only a timeout before any
        # solution lands here: fall back to the hint
        if hint is not None:
            back = replace(evaluate(P, tuple(hint), status="HINT", solve_s=elapsed), stages=tuple(notes))
            return _checked(back, None, elapsed)
        return _checked(evaluate(P, (), status=solver.StatusName(status), solve_s=elapsed), None, elapsed)
    chosen_a = []
    for (s, b, d, k, p), v in x.items():
        if solver.Value(v):
            chosen_a.append(Assignment(P.stops[s].commune, s, b, d, k, P.patterns[p]))
    bound = solver.BestObjectiveBound()
    if status != cp_model.OPTIMAL and lp is not None:
        bound = min(bound, lp)
    rota = evaluate(
        P,
        tuple(chosen_a),
        status=solver.StatusName(status),
        objective=solver.ObjectiveValue(),
        bound=max(bound, solver.ObjectiveValue()),
        solve_s=time.perf_counter() - t0,
    )
    rota = replace(rota, stages=tuple(notes))
    return _checked(rota, start, elapsed)


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
