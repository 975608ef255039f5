"""The CP-SAT model of the bus rota, built stage by stage (no solving here).

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
    last -> depot within the day), so timing and km are exact for any matrix; no arc
    joins two places of one commune (it holds one regular slot: this changes no rota
    but keeps the LP relaxation from visiting a commune twice for the km of once); with
    ``max_partners`` the arcs that skip an empty slot are kept for the best partners only.
Expressions (the solver's lexicographic stages, see :mod:`itinerant.bus.solve`)
    ``short_expr``: ``(sum min + 1) * communes without any visit + sum short``;
    ``churn_expr``: communes whose slot moved from the previous timetable;
    ``cov_expr - km_expr``: coverage points traded against metres driven.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from itinerant.bus.problem import BusProblem
from itinerant.bus.rota import Assignment, Rota, _coverage_coefs
from itinerant.core._ortools import cp_model
from itinerant.core.places import UNREACHABLE

XKey = tuple[int, int, int, int, int]
"""``(stop, bus, weekday, slot, pattern)``."""

SRC, SNK = -1, -2
"""Depot nodes of a day graph: leaving and returning."""


@dataclass(frozen=True)
class Node:
    """A place of one bus day: a regular slot option or a commitment."""

    start_s: int
    end_s: int
    site: int
    stop: int | None
    lit: Any
    fixed: bool
    slot: int | None


@dataclass
class DayGraph:
    """The places of one bus day in time order and the arcs between them."""

    bus: int
    weekday: int
    week: int
    nodes: list[Node]
    arcs: dict[tuple[int, int], Any]


@dataclass
class RotaModel:
    """A CP-SAT rota model and the handles the solver needs (variables, expressions)."""

    problem: BusProblem
    m: cp_model.CpModel
    blocked: dict[tuple[int, int, int], set[int]]
    fixed_communes: set[int]
    x: dict[XKey, Any] = field(default_factory=dict)
    stop_visits: list[list[tuple[int, Any]]] = field(default_factory=list)
    fixed_visits: list[int] = field(default_factory=list)
    shorts: list[Any] = field(default_factory=list)
    firsts: list[Any] = field(default_factory=list)
    short_of: list[Any] = field(default_factory=list)
    first_of: list[Any] = field(default_factory=list)
    unserved_weight: int = 1
    cov_terms: list[Any] = field(default_factory=list)
    cov_pairs: list[tuple[int, Any]] = field(default_factory=list)
    u_of: dict[int, list[Any]] = field(default_factory=dict)
    km_terms: list[Any] = field(default_factory=list)
    day_graphs: list[DayGraph] = field(default_factory=list)
    churn_terms: list[Any] = field(default_factory=list)
    churn_const: int = 0

    @property
    def short_expr(self) -> Any:
        """Missing visits, a commune never visited weighing more than all the others."""
        return sum(self.shorts) + self.unserved_weight * (len(self.firsts) - sum(self.firsts))

    @property
    def churn_expr(self) -> Any:
        return sum(self.churn_terms) + self.churn_const

    @property
    def cov_expr(self) -> Any:
        return sum(self.cov_terms)

    @property
    def km_expr(self) -> Any:
        return sum(self.km_terms)

    def visits_expr(self, stops: list[int] | tuple[int, ...]) -> Any:
        """Visits per cycle to ``stops`` (regular slots and commitments)."""
        return sum(n * v for s in stops for n, v in self.stop_visits[s]) + sum(
            self.fixed_visits[s] for s in stops
        )

    def assignments(self, solver: cp_model.CpSolver) -> tuple[Assignment, ...]:
        """The regular slots of a solution."""
        P = self.problem
        return tuple(
            Assignment(P.stops[s].commune, s, b, d, k, P.patterns[p])
            for (s, b, d, k, p), v in self.x.items()
            if solver.value(v)
        )


def top_pairs(problem: BusProblem, max_partners: int | None) -> set[tuple[int, int]] | None:
    """Stop pairs whose chain arc is modelled (None = all): each stop's
    ``max_partners`` best partners by km saved (Clarke-Wright savings)."""
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


def build_model(
    problem: BusProblem, *, max_partners: int | None | str = "auto", commune_arcs: bool = False
) -> RotaModel:
    """The whole CP-SAT model of a rota (no objective set yet).

    ``max_partners``: see :func:`itinerant.bus.solve.solve` (``"auto"``: all arcs up to
    60 stops, else 15 partners per stop). ``commune_arcs``: also model the arcs between
    two places of one commune (the model before the tighter bound: same integer rotas,
    a much weaker LP relaxation; for benchmarks and tests only).
    """
    P = problem
    blocked: dict[tuple[int, int, int], set[int]] = {}
    for b, bus in enumerate(P.buses):
        for d in bus.days:
            for w in range(1, P.cycle_weeks + 1):
                for k in P.blocked_slots(b, d, w):
                    blocked.setdefault((b, d, k), set()).add(w)
    fixed_communes = {P.stops[f.stop].commune for f in P.fixed if f.stop is not None}
    rm = RotaModel(P, cp_model.CpModel(), blocked, fixed_communes)
    _add_slot_vars(rm)
    _add_frequency(rm)
    _add_coverage(rm)
    if max_partners == "auto":
        max_partners = None if len(P.stops) <= 60 else 15
    _add_day_paths(rm, top_pairs(P, max_partners), commune_arcs)  # type: ignore[arg-type]
    if P.max_km_m is not None:
        rm.m.add(rm.km_expr <= P.max_km_m)
    _add_churn(rm)
    return rm


def _add_slot_vars(rm: RotaModel) -> None:
    """``x`` for every stop, bus, weekday, slot and pattern the commitments leave free;
    at most one regular slot per commune."""
    P, m = rm.problem, rm.m
    dm = P.drive_m
    for s, stop in enumerate(P.stops):
        if stop.commune in rm.fixed_communes:
            continue
        for b, bus in enumerate(P.buses):
            if max(dm[bus.depot, stop.site], dm[stop.site, bus.depot]) >= UNREACHABLE:
                continue  # no road between the depot and this stop
            for d in bus.days:
                for k in range(len(bus.slot_starts_s)):
                    blk = rm.blocked.get((b, d, k), set())
                    for p, weeks in enumerate(P.patterns):
                        if blk.intersection(weeks):
                            continue
                        rm.x[(s, b, d, k, p)] = m.new_bool_var(f"x_{s}_{b}_{d}_{k}_{p}")
    by_commune: dict[int, list] = {}
    for (s, b, d, k, p), v in rm.x.items():
        by_commune.setdefault(P.stops[s].commune, []).append(v)
    for vs in by_commune.values():
        m.add_at_most_one(vs)
    rm.stop_visits = [[] for _ in P.stops]
    rm.fixed_visits = [0] * len(P.stops)
    for f in P.fixed:
        if f.stop is not None:
            rm.fixed_visits[f.stop] += len(P.open_weeks(f.weekday, f.weeks))
    for (s, b, d, k, p), v in rm.x.items():
        rm.stop_visits[s].append((len(P.open_weeks(d, P.patterns[p])), v))


def _add_frequency(rm: RotaModel) -> None:
    """``short[c]`` and ``served[c]``: a commune never visited weighs more than all
    missing visits together (the board's "every commune at least once" comes first)."""
    P, m = rm.problem, rm.m
    rm.short_of = [None] * len(P.communes)
    rm.first_of = [None] * len(P.communes)
    rm.unserved_weight = sum(c.min_visits for c in P.communes) + 1
    for c, com in enumerate(P.communes):
        stops = [s for s, st in enumerate(P.stops) if st.commune == c]
        if com.min_visits <= 0:
            continue
        sh = m.new_int_var(0, com.min_visits, f"short_{c}")
        m.add(rm.visits_expr(stops) + sh >= com.min_visits)
        rm.shorts.append(sh)
        fv = m.new_bool_var(f"served_{c}")
        m.add(rm.visits_expr(stops) >= fv)
        m.add(sh <= com.min_visits - fv)
        rm.firsts.append(fv)
        rm.short_of[c], rm.first_of[c] = sh, fv


def _add_coverage(rm: RotaModel) -> None:
    """``u[g, i]``: credit for the i-th visit of cover group ``g`` (concave gains)."""
    P, m = rm.problem, rm.m
    W = P.cycle_weeks
    for g, (grp, cg) in enumerate(zip(P.groups, _coverage_coefs(P))):
        if grp.count == 0 or not grp.stops:
            continue
        us = [m.new_bool_var(f"u_{g}_{i}") for i in range(W)]
        m.add(sum(us) <= rm.visits_expr(grp.stops))
        for i in range(W - 1):
            m.add_implication(us[i + 1], us[i])
        rm.cov_terms += [c * u for c, u in zip(cg, us)]
        rm.cov_pairs += list(zip(cg, us))
        rm.u_of[g] = us


def _add_day_paths(rm: RotaModel, keep: set[tuple[int, int]] | None, commune_arcs: bool = False) -> None:
    """Per (bus, weekday, week): one path depot -> places in time order -> depot, a unit
    flow, so km are exact and an arc exists only when its drive fits."""
    P = rm.problem
    true = rm.m.new_constant(1)
    for b, bus in enumerate(P.buses):
        for d in bus.days:
            for w in range(1, P.cycle_weeks + 1):
                nodes = _day_nodes(rm, b, d, w, true)
                if not nodes:
                    continue
                arcs = _day_arcs(rm, b, nodes, keep, commune_arcs)
                _add_flow(rm, nodes, arcs, true)
                rm.day_graphs.append(DayGraph(b, d, w, nodes, arcs))


def _day_nodes(rm: RotaModel, b: int, d: int, w: int, true: Any) -> list[Node]:
    """The places of one bus day: each stop that may hold a free slot (one literal per
    stop and slot, the sum of its patterns holding week ``w``) and each commitment."""
    P, m = rm.problem, rm.m
    bus = P.buses[b]
    nodes: list[Node] = []
    for k in range(len(bus.slot_starts_s)):
        if w in rm.blocked.get((b, d, k), ()):
            continue
        st = bus.slot_starts_s[k]
        ys = []
        for s in range(len(P.stops)):
            vs = [
                v
                for p, weeks in enumerate(P.patterns)
                if w in weeks and (v := rm.x.get((s, b, d, k, p))) is not None
            ]
            if not vs:
                continue
            if len(vs) == 1:
                y = vs[0]
            else:
                y = m.new_bool_var("")
                m.add(y == sum(vs))
            nodes.append(Node(st, st + bus.stop_duration_s, P.stops[s].site, s, y, False, k))
            ys.append(y)
        if len(ys) > 1:
            m.add_at_most_one(ys)  # also on a day off: the published slot is one stop's
    if P.closed(d, w):
        return []  # a day off: no place, no drive
    for e in P.fixed_events(b, d, w):
        if e.site is not None:
            nodes.append(Node(e.start_s, e.end_s, e.site, None, true, True, None))
    nodes.sort(key=lambda n: (n.start_s, n.end_s))
    return nodes


def _day_arcs(
    rm: RotaModel, b: int, nodes: list[Node], keep: set[tuple[int, int]] | None, commune_arcs: bool = False
) -> dict[tuple[int, int], Any]:
    """The arcs whose drive fits (both fixed: the data's timing); each costs its metres.

    No arc joins two places of the same commune: a commune holds one regular slot, so
    at most one of its places is held in a day. Dropping these arcs changes no integer
    rota but closes the LP relaxation's main shortcut (a fractional path visiting a
    commune twice in a row, counting two half visits for the km of one), which made
    the LP bound about 95 km too optimistic on the Clunisois (552.6 km against 647.6)."""
    P, m = rm.problem, rm.m
    bus = P.buses[b]
    dep, dm, ds = bus.depot, P.drive_m, P.drive_s
    slot_times = sorted({(n.start_s, n.end_s) for n in nodes if not n.fixed})
    commune = [st.commune for st in P.stops]
    arcs: dict[tuple[int, int], Any] = {}

    def arc(i: int, j: int, cost: int) -> None:
        a = m.new_bool_var("")
        arcs[(i, j)] = a
        if cost:
            rm.km_terms.append(int(cost) * a)

    if not any(n.fixed for n in nodes):
        arc(SRC, SNK, 0)
    for i, n1 in enumerate(nodes):
        if n1.fixed or ds[dep, n1.site] <= n1.start_s - bus.start_s:
            arc(SRC, i, dm[dep, n1.site])
        if n1.fixed or ds[n1.site, dep] <= bus.end_s - n1.end_s:
            arc(i, SNK, dm[n1.site, dep])
        for j in range(i + 1, len(nodes)):
            n2 = nodes[j]
            if n1.fixed and n2.fixed:
                arc(i, j, dm[n1.site, n2.site])  # both fixed: the data's timing
                continue
            if n2.start_s < n1.end_s or ds[n1.site, n2.site] > n2.start_s - n1.end_s:
                continue
            if not commune_arcs and n1.stop is not None and n2.stop is not None and commune[n1.stop] == commune[n2.stop]:
                continue  # one regular slot per commune: never two of its places in a day
            skips = any(n1.end_s <= a0 and a1 <= n2.start_s for a0, a1 in slot_times)
            if (
                skips
                and keep is not None
                and n1.stop is not None
                and n2.stop is not None
                and (n1.stop, n2.stop) not in keep
            ):
                continue
            arc(i, j, dm[n1.site, n2.site])
    return arcs


def _add_flow(rm: RotaModel, nodes: list[Node], arcs: dict[tuple[int, int], Any], true: Any) -> None:
    """One arc leaves the depot; an occupied place has one arc in and one out."""
    m = rm.m
    outs: dict[int, list] = {}
    ins: dict[int, list] = {}
    for (i, j), a in arcs.items():
        outs.setdefault(i, []).append(a)
        ins.setdefault(j, []).append(a)
    m.add_exactly_one(outs.get(SRC, []))
    for i, n in enumerate(nodes):
        for lst in (ins.get(i, []), outs.get(i, [])):
            if n.lit is true:
                m.add_exactly_one(lst)
            else:
                m.add(sum(lst) == n.lit)


def _add_churn(rm: RotaModel) -> None:
    """Churn terms: 1 - (the commune keeps its previous slot), per previous slot."""
    P = rm.problem
    for prev in P.previous:
        c = prev.commune
        if c in rm.fixed_communes:
            continue  # fixed slot: churn is a constant, counted by evaluate()
        keepers = [
            v
            for (s, b, d, k, p), v in rm.x.items()
            if P.stops[s].commune == c
            and P.stops[s].id == prev.stop_id
            and d == prev.weekday
            and P.buses[b].slot_starts_s[k] == prev.start_s
            and P.patterns[p] == tuple(prev.weeks)
        ]
        if keepers:
            rm.churn_terms.append(1 - sum(keepers))
        else:
            rm.churn_const += 1


def hint_values(rm: RotaModel, hint: tuple[Assignment, ...], start: Rota) -> dict[int, int]:
    """A starting rota as a complete assignment of the model (x, slot options, day
    paths, frequency and coverage variables), by proto index; ``start`` is its score."""
    P = rm.problem
    W = P.cycle_weeks
    chosen = {
        (a.stop, a.bus, a.weekday, a.slot, P.patterns.index(tuple(a.weeks)))
        for a in hint
        if tuple(a.weeks) in P.patterns
    }
    hv: dict[int, int] = {}
    for key, v in rm.x.items():
        hv[v.index] = int(key in chosen)
    held = {(s, b, d, k, w) for (s, b, d, k, p) in chosen for w in P.patterns[p]}
    for g in rm.day_graphs:
        _hint_day(g, held, hv)
    vis_stop = [0] * len(P.stops)
    for a in hint:
        vis_stop[a.stop] += len(P.open_weeks(a.weekday, a.weeks))
    for f in P.fixed:
        if f.stop is not None:
            vis_stop[f.stop] += len(P.open_weeks(f.weekday, f.weeks))
    for c in range(len(P.communes)):
        if rm.short_of[c] is not None:
            hv[rm.short_of[c].index] = start.shortfall[c]
            hv[rm.first_of[c].index] = int(start.visits_by_commune[c] > 0)
    for g_, us in rm.u_of.items():
        v = min(W, sum(vis_stop[s] for s in P.groups[g_].stops))
        for i, u in enumerate(us):
            hv[u.index] = int(i < v)
    return hv


def _hint_day(g: DayGraph, held: set[tuple[int, int, int, int, int]], hv: dict[int, int]) -> None:
    """Hint one day graph: its held places and the path through them."""
    on = []
    for i, n in enumerate(g.nodes):
        active = n.fixed or (n.stop, g.bus, g.weekday, n.slot, g.week) in held
        if not n.fixed:
            hv[n.lit.index] = int(active)
        if active:
            on.append(i)
    for a in g.arcs.values():
        hv[a.index] = 0
    for key in zip([SRC, *on], [*on, SNK]):
        if key in g.arcs:
            hv[g.arcs[key].index] = 1
