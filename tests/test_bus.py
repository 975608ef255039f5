"""The bus rota: frequencies, one place at a time, days that fit, brute force, commitments,
re-planning. Synthetic problems built directly as plain data (no scenario)."""

from __future__ import annotations

import functools
from dataclasses import replace

import pytest

from itinerant.bus import baseline, evaluate, solve
from itinerant.bus.build import with_previous_timetable
from itinerant.bus.io import write_timetable
from itinerant.bus.problem import BusSpec, FixedSlot
from itinerant.bus.rota import Assignment
from itinerant.bus.synthetic import synthetic_problem

FAST = dict(time_limit_s=5.0, workers=2, seed=1)
QUICK = dict(time_limit_s=1.5, workers=2, seed=1)
"""For assertions that hold for any rota the solver may return (rules kept, frequencies met
from a hint that meets them, never worse than the hint, the churn of a re-plan: stage 2
fixes churn before the distance): no need to let CP-SAT run 5 s."""


def slot_weeks(problem, rota):
    """(bus, weekday, slot, week) -> list of what occupies it (assignments + commitments)."""
    occ: dict[tuple, list] = {}
    for a in rota.assignments:
        for w in a.weeks:
            occ.setdefault((a.bus, a.weekday, a.slot, w), []).append(("stop", a.stop))
    for f in problem.fixed:
        for w in f.weeks:
            occ.setdefault((f.bus, f.weekday, f.slot, w), []).append(("fixed", f.note))
    return occ


def day_timing_faults(problem, rota):
    """Recompute every day from the drive matrix: leave at start_s, be at each stop by its
    slot start and at each commitment's site by its start, stay until the end, be back by
    end_s. A regular slot overlapping a commitment is a fault. Only the legs between two
    fixed places (depot, commitment) are exempt: their timing is the data's."""
    faults = []
    items: dict[tuple, list] = {}  # (bus, weekday, week) -> [(start, end, site, fixed)]
    for a in rota.assignments:
        bus = problem.buses[a.bus]
        st = bus.slot_starts_s[a.slot]
        for w in a.weeks:
            items.setdefault((a.bus, a.weekday, w), []).append((st, st + bus.stop_duration_s, problem.stops[a.stop].site, False))
    events = set()
    for f in problem.fixed:
        bus = problem.buses[f.bus]
        st = f.start_s if f.start_s is not None else bus.slot_starts_s[f.slot]
        en = f.end_s if f.end_s is not None else st + bus.stop_duration_s
        for w in f.weeks:
            events.add((f.bus, f.weekday, w, st, en, f.site))
    for b, d, w, st, en, site in events:
        for s0, e0, _, _ in items.get((b, d, w), []):
            if s0 < en and st < e0:
                faults.append((b, d, w, s0, "overlaps a commitment"))
        if site is not None:
            items.setdefault((b, d, w), []).append((st, en, site, True))
    for (b, d, w), seq in items.items():
        bus = problem.buses[b]
        seq.sort()
        t, here, here_fixed = bus.start_s, bus.depot, True
        for st, en, site, fixed in seq:
            arrive = t + int(problem.drive_s[here, site])
            if arrive > st and not (fixed and here_fixed):
                faults.append((b, d, w, st, "late"))
            t, here, here_fixed = max(arrive, en) if fixed else max(arrive, st) + (en - st), site, fixed
        if t + int(problem.drive_s[here, bus.depot]) > bus.end_s and not here_fixed:
            faults.append((b, d, w, "back late"))
    return faults


@pytest.fixture(scope="module")
def roomy():
    """12 communes, 4 days x 2 slots x 4 weeks = 32 slot-weeks for 18 required visits."""
    p = synthetic_problem(12, seed=3)
    assert sum(c.min_visits for c in p.communes) < 32
    return p


@pytest.fixture(scope="module")
def roomy_rota(roomy):
    return solve(roomy, hint=baseline(roomy).assignments, **QUICK)


def test_every_commune_meets_its_frequency(roomy, roomy_rota):
    assert roomy_rota.status in ("OPTIMAL", "FEASIBLE", "HINT")
    for c, v in zip(roomy.communes, roomy_rota.visits_by_commune):
        assert v >= c.min_visits >= 1, c.code
    assert sum(roomy_rota.shortfall) == 0


def test_one_regular_slot_per_commune(roomy, roomy_rota):
    communes = [a.commune for a in roomy_rota.assignments]
    assert len(communes) == len(set(communes))
    for a in roomy_rota.assignments:
        assert tuple(a.weeks) in roomy.patterns


def test_no_bus_in_two_places_at_once(roomy, roomy_rota):
    for key, what in slot_weeks(roomy, roomy_rota).items():
        assert len(what) == 1, key
    # and the driven days list each stop once per day, in slot order
    for r in roomy_rota.routes:
        assert len(set(r.sites)) == len(r.sites)


def test_each_day_fits_its_hours_using_the_travel_matrix(roomy, roomy_rota):
    assert day_timing_faults(roomy, roomy_rota) == []
    assert roomy_rota.violations == ()
    # the km reported equal the matrix sums along the routes
    for r in roomy_rota.routes:
        dep = roomy.buses[r.bus].depot
        path = [dep, *r.sites, dep]
        assert r.distance_m == sum(int(roomy.drive_m[i, j]) for i, j in zip(path, path[1:]))
    assert roomy_rota.distance_m == sum(r.distance_m for r in roomy_rota.routes)


def independent_score(problem, assignments):
    """Coverage points minus metres, recomputed from the assignments alone: each day's
    path in slot order through the matrix, each group's visits through its stops."""
    W = problem.cycle_weeks
    days: dict[tuple, list] = {}
    visits = [0] * len(problem.stops)
    for a in assignments:
        for w in a.weeks:
            days.setdefault((a.bus, a.weekday, w), []).append((a.slot, problem.stops[a.stop].site))
        visits[a.stop] += len(a.weeks)
    metres = 0
    for (b, _, _), seq in days.items():
        dep = problem.buses[b].depot
        path = [dep, *(site for _, site in sorted(seq)), dep]
        metres += sum(int(problem.drive_m[i, j]) for i, j in zip(path, path[1:]))
    vt = problem.value_table
    points = 0
    for g in problem.groups:
        v = min(W, sum(visits[s] for s in g.stops))
        points += sum(round(g.count * (vt[i] - vt[i - 1]) * problem.metres_per_resident) for i in range(1, v + 1))
    return points - metres


def test_solver_beats_or_equals_the_baseline(roomy, roomy_rota):
    base = baseline(roomy)
    assert roomy_rota.key >= base.key
    # the reported objective is the rota's true score, recomputed independently
    assert roomy_rota.objective == pytest.approx(independent_score(roomy, roomy_rota.assignments))
    assert base.objective == pytest.approx(independent_score(roomy, base.assignments))


def test_rota_describes_itself(roomy, roomy_rota):
    k = roomy_rota.kpis(baseline(roomy))
    assert k["km_cycle"] == round(roomy_rota.distance_m / 1000, 1)
    assert k["baseline"]["km_cycle"] == round(baseline(roomy).distance_m / 1000, 1)
    text = roomy_rota.summary()
    served = sum(1 for v in roomy_rota.visits_by_commune if v > 0)
    assert f"{served} communes desservies sur {len(roomy.communes)}" in text
    km = f"{roomy_rota.distance_m / 1000:,.1f}".replace(",", "\u202f").replace(".", ",")
    assert f"{km} km par cycle" in text
    # one slot per assignment, at the slot's time, in the commune's name
    slots = roomy_rota.slots()
    assert len(slots) == len(roomy_rota.assignments)
    for s in slots:
        a = next(a for a in roomy_rota.assignments if roomy.stops[a.stop].id == s.stop_id)
        assert s.start_s == roomy.buses[0].slot_starts_s[a.slot] and s.weeks == a.weeks
        assert s.commune_name == roomy.communes[a.commune].name


def test_tight_days_force_far_stops_after_a_near_one():
    """Slots so close together that two far stops cannot follow each other: the solver
    must still produce days that fit."""
    p = synthetic_problem(8, seed=5, days=(1,), slots_per_day=3, radius_m=25000)
    bus = p.buses[0]
    tight = replace(bus, slot_starts_s=(bus.start_s + 1800, bus.start_s + 1800 + 7200 + 900, bus.start_s + 1800 + 2 * (7200 + 900)))
    p = replace(p, buses=(tight,))
    rota = solve(p, hint=baseline(p).assignments, **FAST)
    assert day_timing_faults(p, rota) == []
    assert day_timing_faults(p, baseline(p)) == []


def brute_force(problem):
    """Best lexicographic key over every rota (each commune: no slot or one (day, slot,
    pattern)), pruning slot-week clashes; scored by evaluate()."""
    bus = problem.buses[0]
    options = [None] + [
        (d, k, p) for d in bus.days for k in range(len(bus.slot_starts_s)) for p in problem.patterns
    ]
    best = None
    n = len(problem.communes)

    def rec(c, used, chosen):
        nonlocal best
        if c == n:
            rota = evaluate(problem, chosen)
            if not rota.violations and (best is None or rota.key > best.key):
                best = rota
            return
        for opt in options:
            if opt is None:
                rec(c + 1, used, chosen)
                continue
            d, k, p = opt
            cells = {(d, k, w) for w in p}
            if cells & used:
                continue
            rec(c + 1, used | cells, chosen + [Assignment(c, c, 0, d, k, p)])

    rec(0, frozenset(), [])
    return best


@functools.cache
def five_communes(seed: int):
    """The 5-commune problem of ``seed`` and its brute-force optimum (enumerated once per
    session: several tests compare the solver with it)."""
    p = synthetic_problem(5, seed=seed, days=(1, 3), slots_per_day=2, cycle_weeks=2)
    return p, brute_force(p)


@pytest.mark.parametrize("seed", [0, 7])
def test_brute_force_gives_the_same_optimum_on_five_communes(seed):
    p, best = five_communes(seed)
    rota = solve(p, time_limit_s=20.0, workers=2, max_partners=None)
    assert rota.status == "OPTIMAL"
    assert rota.key == best.key
    assert rota.objective == pytest.approx(best.score)
    assert rota.gap == pytest.approx(0.0, abs=1e-9)


def test_fixed_commitments_are_respected():
    base = synthetic_problem(10, seed=2)
    # slot 0 on Tuesday, weeks 1 and 3: bus unavailable; slot 1 on Thursday, every week:
    # bus at commune 4's stop (counts as its visits)
    fixed = (
        FixedSlot(0, 1, 0, (1, 3), None, None, "atelier"),
        FixedSlot(0, 3, 1, (1, 2, 3, 4), base.stops[4].site, 4, "antenne"),
    )
    p = replace(base, fixed=fixed)
    rota = solve(p, hint=baseline(p).assignments, **QUICK)
    for a in rota.assignments:
        if (a.weekday, a.slot) == (1, 0):
            assert not set(a.weeks) & {1, 3}
        assert (a.weekday, a.slot) != (3, 1)
        assert a.commune != 4  # its slot is the commitment
    assert rota.visits_by_commune[4] == 4
    assert rota.violations == ()
    for key, what in slot_weeks(p, rota).items():
        assert len(what) == 1, key
    assert day_timing_faults(p, rota) == []


def test_replan_of_an_unchanged_problem_has_churn_0(tmp_path, roomy, roomy_rota):
    path = write_timetable(tmp_path / "timetable.csv", roomy, roomy_rota)
    again = with_previous_timetable(roomy, path)
    assert len(again.previous) == len(roomy_rota.assignments)
    rota = solve(again, **FAST)
    assert rota.churn == 0
    assert sum(rota.shortfall) == 0


def test_replan_after_losing_a_day_moves_only_that_days_communes(tmp_path):
    # plenty of room (5 days x 2 slots for 8 communes): only the lost day's communes move
    p = synthetic_problem(8, seed=3, days=(0, 1, 2, 3, 4))
    first = solve(p, **QUICK)  # any first rota: the churn stage comes before the distance
    path = write_timetable(tmp_path / "timetable.csv", p, first)
    lost_day = first.assignments[0].weekday
    on_lost_day = {a.commune for a in first.assignments if a.weekday == lost_day}
    bus = p.buses[0]
    smaller = replace(p, buses=(replace(bus, days=tuple(d for d in bus.days if d != lost_day)),))
    rota = solve(with_previous_timetable(smaller, path), **FAST)
    assert rota.churn == len(on_lost_day)
    before = {a.commune: (a.stop, a.weekday, a.slot, a.weeks) for a in first.assignments}
    for a in rota.assignments:
        if a.commune not in on_lost_day:
            assert (a.stop, a.weekday, a.slot, a.weeks) == before[a.commune]
    assert sum(rota.shortfall) == 0


def test_baseline_takes_communes_by_population_round_robin_over_days(roomy):
    base = baseline(roomy)
    order = sorted(range(len(roomy.communes)), key=lambda c: -roomy.communes[c].population)
    days = roomy.buses[0].days
    by_commune = {a.commune: a for a in base.assignments}
    # the first len(days) communes land on consecutive days
    first = [by_commune[c].weekday for c in order[: len(days)]]
    assert first == list(days)
    # the baseline serves the minimum, no more
    for c, v in zip(roomy.communes, base.visits_by_commune):
        assert v >= c.min_visits
    assert base.violations == ()


def test_unserviceable_minimum_is_reported_as_shortfall_not_an_error():
    # 10 communes, one day, 2 slots, 4 weeks = 8 slot-weeks for >= 10 visits
    p = synthetic_problem(10, seed=4, days=(2,))
    rota = solve(p, hint=baseline(p).assignments, **QUICK)  # 8 slot-weeks at most: the hint fills them all
    assert sum(rota.shortfall) == sum(c.min_visits for c in p.communes) - 8
    for key, what in slot_weeks(p, rota).items():
        assert len(what) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        # slots overlap: the second starts before the first ends
        (lambda p: replace(p, buses=(replace(p.buses[0], slot_starts_s=(36000, 37000)),)), "overlap"),
        # value table not concave
        (lambda p: replace(p, value_table=(0, 0.2, 0.9, 0.95, 1.0)), "concave"),
        # matrix of the wrong shape
        (lambda p: replace(p, drive_m=p.drive_m[:-1]), "shape"),
        # fixed slot on a day the bus does not run
        (lambda p: replace(p, fixed=(FixedSlot(0, 6, 0, (1,)),)), "weekday"),
    ],
)
def test_invalid_problems_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        change(synthetic_problem(5, seed=0))


def test_bus_spec_is_plain_data():
    b = BusSpec("b", "Bus", 0, (1,), 0, 10, 1, (0,))
    assert b == BusSpec("b", "Bus", 0, (1,), 0, 10, 1, (0,))


def test_lp_bound_is_the_lp_relaxation_value():
    from itinerant.bus.lp import lp_bound
    from itinerant.core._ortools import cp_model

    m = cp_model.CpModel()
    a, b, c = (m.NewBoolVar(n) for n in "abc")
    m.AddAtMostOne([a, b, c])
    m.AddBoolOr([a.Not(), b])  # b >= a
    m.AddImplication(c, a.Not())  # a + c <= 1
    m.Maximize(3 * a + 2 * b + 2 * c + 1)
    # integer optimum 3 (b or c); LP optimum a = b = 1/2 -> 3.5
    assert lp_bound(m) == pytest.approx(3.5)
    m.Minimize(-3 * a - 2 * b)
    assert lp_bound(m) == pytest.approx(-2.5)


def test_reported_bound_holds_against_the_brute_force():
    p, best = five_communes(7)
    # a very short run: not proven, the bound comes from the LP relaxation
    rota = solve(p, time_limit_s=0.5, workers=1, max_partners=None, warm_start=False)
    assert rota.bound >= best.score - 1e-6
    assert rota.key <= best.key
    # the gap is measured from the true score to the bound
    assert rota.gap == pytest.approx(abs(rota.bound - rota.objective) / max(1, abs(rota.objective), rota.distance_m))
    assert rota.objective == pytest.approx(independent_score(p, rota.assignments))


def _one_far_commune(n_stops: int):
    """One commune 10 km from the depot (``n_stops`` stops at the same place), visited
    once in a one-week cycle, one day of two slots."""
    import numpy as np

    from itinerant.bus.problem import BusCommune, BusProblem, BusStop

    n = 1 + n_stops
    dm = np.full((n, n), 10_000, dtype=np.int64)
    dm[1:, 1:] = 0
    np.fill_diagonal(dm, 0)
    bus = BusSpec("b", "Bus", 0, (1,), 8 * 3600, 18 * 3600, 3600, (9 * 3600, 11 * 3600))
    return BusProblem(
        site_ids=tuple(f"s{i}" for i in range(n)), drive_s=dm // 10, drive_m=dm,
        communes=(BusCommune("71001", "Loin", 200, 1),),
        stops=tuple(BusStop(f"st{i}", 1 + i, 0) for i in range(n_stops)), buses=(bus,), cycle_weeks=1,
    )


@pytest.mark.parametrize("n_stops", [1, 2])
def test_lp_bound_cannot_visit_a_commune_twice_for_the_km_of_once(n_stops):
    """The LP relaxation of the rota model used to split a commune's one visit into two
    half slots of the same day and drive a half path through both: half the km. The
    model has no arc between two places of one commune, so the LP bound on the km is the
    true 20 km (the old model, kept for benchmarks, gives 10 km)."""
    from itinerant.bus.cpsat import build_model
    from itinerant.bus.lp import lp_bound

    p = _one_far_commune(n_stops)
    bounds = {}
    for old in (False, True):
        rm = build_model(p, commune_arcs=old)
        rm.m.add(rm.short_expr <= 0)  # the commune gets its visit
        rm.m.minimize(rm.km_expr)
        bounds[old] = lp_bound(rm.m)
        for g in rm.day_graphs:
            joined = [(i, j) for i, j in g.arcs if min(i, j) >= 0]
            assert bool(joined) is old  # the only arcs between places join the commune's own
    assert bounds[False] == pytest.approx(20_000)
    assert bounds[True] == pytest.approx(10_000)
    rota = solve(p, time_limit_s=2.0, workers=1, warm_start=False)
    assert rota.distance_m == 20_000 and rota.bound >= rota.objective - 1e-6


def _two_mixed_days():
    """Two bus days (weeks 1 and 2) each holding two northern communes and one southern
    or the reverse, the north and the south 10 km from the depot on either side."""
    import numpy as np

    from itinerant.bus.heuristic import _State
    from itinerant.bus.problem import BusCommune, BusProblem, BusStop

    xy = np.array([(0, 0)] + [(x, y) for y in (10_000, -10_000) for x in (-500, 0, 500)], dtype=float)
    dm = np.rint(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))).astype(np.int64)
    bus = BusSpec("b", "Bus", 0, (1,), 8 * 3600, 18 * 3600, 3600, (9 * 3600, 11 * 3600 + 1800, 14 * 3600))
    p = BusProblem(
        site_ids=tuple(f"s{i}" for i in range(7)), drive_s=dm // 15, drive_m=dm,
        communes=tuple(BusCommune(f"7100{i}", f"C{i}", 100, 1) for i in range(6)),
        stops=tuple(BusStop(f"st{i}", 1 + i, i) for i in range(6)), buses=(bus,), cycle_weeks=2,
    )
    st = _State(p)
    for k, c in enumerate((0, 1, 3)):
        st.put(c, (c, 0, 1, k, (1,)))
    for k, c in enumerate((4, 5, 2)):
        st.put(c, (c, 0, 1, k, (2,)))
    return st


def test_two_days_are_shared_again_by_cluster():
    """Two bus days each mixing the north and the south are re-shared: one day takes the
    three northern communes, the other the three southern ones."""
    from itinerant.bus.heuristic import _repartition

    st = _two_mixed_days()
    north, south = {0, 1, 2}, {3, 4, 5}
    before = sum(st.day_m(0, 1, w)[0] for w in (1, 2))
    assert _repartition(st, (0, 1, 1), (0, 1, 2))
    weeks = {w: {c for c, pl in st.place.items() if pl[4] == (w,)} for w in (1, 2)}
    assert sorted(map(sorted, weeks.values())) == [sorted(north), sorted(south)]
    after = sum(st.day_m(0, 1, w)[0] for w in (1, 2))
    assert after < before
    assert not _repartition(st, (0, 1, 1), (0, 1, 2))  # nothing better: the state stays
    assert sum(st.day_m(0, 1, w)[0] for w in (1, 2)) == after


def test_day_moves_stop_at_their_work_budget(monkeypatch):
    """The day-pair moves stop on a count of scored days, not on the clock."""
    import itinerant.bus.heuristic as H

    st = _two_mixed_days()
    monkeypatch.setattr(H, "DAY_MOVE_EVALS", 0)
    assert not H._day_pairs(st) and st.evals == 0
    monkeypatch.setattr(H, "DAY_MOVE_EVALS", 1)
    assert H._day_pairs(st) and st.evals > 0  # one pair started is finished


def test_warm_start_is_valid_and_not_worse_than_the_baseline(roomy):
    from itinerant.bus.heuristic import greedy_assignments

    g = evaluate(roomy, greedy_assignments(roomy))
    assert g.violations == ()
    assert sum(g.shortfall) == 0
    assert g.key >= baseline(roomy).key


def test_commitment_blocks_its_slots_and_the_drive_to_and_from_its_site():
    """A commitment at a far site from the middle of slot 1 to just before slot 2: slot 1
    is blocked, and slots 0 and 2 only hold stops from which the drive to or from the
    commitment's site fits (the Salornay antenne bug: the rota reached it late)."""
    base = synthetic_problem(9, seed=6, days=(2,), slots_per_day=3, radius_m=20000)
    bus = base.buses[0]
    far = max(range(len(base.stops)), key=lambda s: base.drive_s[bus.depot, base.stops[s].site])
    site = base.stops[far].site
    s0, s1, s2 = bus.slot_starts_s
    start, end = s1 + 1800, s2 - 600  # 10 min before slot 2: only near stops can follow
    p = replace(base, fixed=(FixedSlot(0, 2, 1, (1, 2, 3, 4), site, far, "antenne", start, end),))
    rota = solve(p, hint=baseline(p).assignments, **FAST)
    assert rota.violations == ()
    assert day_timing_faults(p, rota) == []
    assert rota.visits_by_commune[far] == 4
    for a in rota.assignments:
        assert a.slot != 1
        s_site = p.stops[a.stop].site
        if a.slot == 0:
            assert p.drive_s[s_site, site] <= start - (s0 + bus.stop_duration_s)
        if a.slot == 2:
            assert p.drive_s[site, s_site] <= s2 - end
    # the routes pass by the commitment's site once per day, in time order
    for r in rota.routes:
        assert r.sites.count(site) == 1


def test_commitment_between_two_slots_is_still_driven_to():
    """A commitment that overlaps no slot (between slots 0 and 1) still is part of the
    day: the stops before and after it must allow the drive."""
    base = synthetic_problem(8, seed=8, days=(1,), slots_per_day=2, radius_m=20000)
    bus = base.buses[0]
    s0, s1 = bus.slot_starts_s
    e0 = s0 + bus.stop_duration_s
    site = base.stops[0].site
    fixed = (FixedSlot(0, 1, None, (1, 2, 3, 4), site, 0, "permanence", e0 + 900, s1 - 900),)
    p = replace(base, fixed=fixed)
    rota = solve(p, hint=baseline(p).assignments, **FAST)
    assert rota.violations == ()
    assert day_timing_faults(p, rota) == []
    assert all(site in r.sites for r in rota.routes)


def test_commitment_starting_before_the_bus_can_arrive_is_a_note_not_a_crash():
    base = synthetic_problem(8, seed=9, days=(1, 3), slots_per_day=2, radius_m=20000)
    bus = base.buses[0]
    far = max(range(len(base.stops)), key=lambda s: base.drive_s[bus.depot, base.stops[s].site])
    site = base.stops[far].site
    assert base.drive_s[bus.depot, site] > 0
    fixed = (FixedSlot(0, 3, 0, (1, 2, 3, 4), site, far, "antenne", bus.start_s, bus.slot_starts_s[0] + 1800),)
    p = replace(base, fixed=fixed)
    rota = solve(p, hint=baseline(p).assignments, **FAST)
    assert rota.violations == ()
    assert rota.notes and all("quitter le dépôt" in n for n in rota.notes)
    assert len(rota.notes) == 1 and "chaque semaine" in rota.notes[0]  # once, every week
    assert day_timing_faults(p, rota) == []


def test_every_commune_gets_a_visit_before_any_second_visit():
    """8 slot-weeks for 9 required visits (3 communes need 2): the missing visit must be
    a second one, never a commune left out."""
    p = synthetic_problem(6, seed=4, days=(2,), rule=((0, 1), (290, 2)))
    need = sum(c.min_visits for c in p.communes)
    assert need == 9, need
    rota = solve(p, hint=baseline(p).assignments, **FAST)
    assert rota.unserved == 0
    assert all(v >= 1 for v in rota.visits_by_commune)
    assert sum(rota.shortfall) == need - 8
    assert rota.violations == ()


def test_solver_output_never_has_violations(roomy):
    """A rota that breaks a rule is never returned: an invalid hint is not kept."""
    bad = baseline(roomy).assignments
    a = bad[0]
    clash = tuple(bad) + (Assignment(bad[1].commune, bad[1].stop, a.bus, a.weekday, a.slot, a.weeks),)
    assert evaluate(roomy, clash).violations
    rota = solve(roomy, hint=clash, **QUICK)
    assert rota.violations == ()
    assert day_timing_faults(roomy, rota) == []


# ------------------------------------------------------------------ days off


def friday_bus(n_communes: int, *, seed: int = 11):
    """One bus, Fridays only, one slot a day, over the cycle from Monday 30 November 2026
    whose 4th Friday is Christmas."""
    import datetime as dt

    p = synthetic_problem(n_communes, seed=seed, days=(4,), slots_per_day=1, rule=((0, 1),))
    return replace(p, week_start=dt.date(2026, 11, 30), holidays=((dt.date(2026, 12, 25), "Noël"),))


def test_no_bus_on_a_public_holiday_and_the_passage_is_made_up():
    # 3 communes, 4 Fridays of which one is Christmas: exactly room for one passage each
    p = friday_bus(3)
    assert p.closed(4, 4) and not p.closed(4, 3)
    rota = solve(p, **FAST)
    assert rota.violations == ()
    assert rota.unserved == 0 and all(v == 1 for v in rota.visits_by_commune)
    assert all(4 not in a.weeks for a in rota.assignments)  # nobody is given Christmas
    assert not any(r.week == 4 and r.weekday == 4 for r in rota.routes)
    # a weekly Friday slot is 3 passages, not 4, and Christmas is not driven
    weekly = evaluate(p, (Assignment(0, 0, 0, 4, 0, (1, 2, 3, 4)),))
    assert weekly.visits_by_commune[0] == 3
    assert [r.week for r in weekly.routes] == [1, 2, 3]


def test_a_commune_the_holiday_leaves_without_passage_is_named():
    p = friday_bus(4)
    rota = solve(p, **FAST)
    assert rota.unserved == 1
    (name,) = rota.unserved_names()
    assert name in [c.name for c, v in zip(p.communes, rota.visits_by_commune) if v == 0]
    assert f"Sans aucun passage ce cycle : {name}." in rota.summary()
