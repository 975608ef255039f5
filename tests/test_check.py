"""The independent plan checker catches a planted violation of each kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from itinerant.core.errors import SolverError
from itinerant.visits.check import assert_valid, check_plan
from itinerant.visits.plan import Plan, Unassigned
from itinerant.visits.problem import Break, Task, Vehicle, VisitProblem
from itinerant.visits.solve import plan_from_sequences

H = 3600
MON = dt.date(2026, 3, 2)
TUE = MON + dt.timedelta(days=1)


def _problem() -> VisitProblem:
    # office at 0; four homes at 1..4, 10 to 25 min apart.
    pts = np.array([[0, 0], [6, 0], [6, 6], [0, 8], [12, 3]], dtype=float)
    km = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    dist = (km * 1000).astype(np.int64)
    dur = (km * 120).astype(np.int64)  # 30 km/h
    lunch = Break(12 * H, 14 * H, 45 * 60)
    vehicles = (
        Vehicle("ana@mon", 0, 0, 8 * H, 17 * H, 7 * H, "ana", "Ana", MON, frozenset({"santé"}), lunch, capacity=3),
        Vehicle("bob@tue", 0, 0, 8 * H, 17 * H, 7 * H, "bob", "Bob", TUE, frozenset(), lunch),
    )
    tasks = (
        Task("t1", 1, H, ((9 * H, 12 * H),), True, skill="santé", days=(0,), demand=1),
        Task("t2", 2, H, ((13 * H, 13 * H),), pinned_start_s=13 * H, advisor_id="ana", date=MON, pinned=True, demand=1),
        Task("t3", 3, 45 * 60, ((9 * H, 11 * H), (14 * H, 16 * H)), True, days=(1,)),
        Task("t4", 4, 30 * 60, ((8 * H, 17 * H),), True, advisor_id="bob"),
    )
    return VisitProblem(("office", "h1", "h2", "h3", "h4"), dur, dist, vehicles, tasks, name="tiny", week_start=MON)


PROBLEM = _problem()
VALID = plan_from_sequences(PROBLEM, [[0, 1], [2, 3]], engine="test")


def _route(plan: Plan, k: int, **changes) -> Plan:
    routes = list(plan.routes)
    routes[k] = replace(routes[k], **changes)
    return replace(plan, routes=tuple(routes))


def _stop(plan: Plan, k: int, j: int, **changes) -> Plan:
    stops = list(plan.routes[k].stops)
    stops[j] = replace(stops[j], **changes)
    return _route(plan, k, stops=tuple(stops))


def _shift_stop(plan: Plan, k: int, j: int, delta: int) -> Plan:
    s = plan.routes[k].stops[j]
    return _stop(plan, k, j, arrival_s=s.arrival_s + delta, start_s=s.start_s + delta, end_s=s.end_s + delta)


def test_valid_plan_has_no_violation() -> None:
    assert check_plan(PROBLEM, VALID) == []
    assert_valid(PROBLEM, VALID)
    r0 = VALID.routes[0]
    assert r0.break_start_s is not None and 12 * H <= r0.break_start_s  # a lunch was placed


R0, R1 = VALID.routes
CASES = [
    # a stop appears in both routes: served twice
    (lambda p: _route(p, 1, stops=p.routes[1].stops + (p.routes[0].stops[0],)), "servie 2 fois"),
    # a visit removed from its route and not listed unassigned
    (lambda p: _route(p, 1, stops=p.routes[1].stops[:1]), "ni servie ni listée"),
    # a served visit also listed unassigned
    (lambda p: replace(p, unassigned=(Unassigned("t1", "x"),)), "à la fois servie et non planifiée"),
    # an id that is not in the problem
    (lambda p: _stop(p, 0, 0, task_id="zzz"), "visite inconnue zzz"),
    # the same visit listed twice as unassigned
    (lambda p: replace(_route(p, 1, stops=p.routes[1].stops[:1]), unassigned=(Unassigned("t4", "x"),) * 2), "listée 2 fois"),
    # t1 starts at 12:30, after its window closes (12:00 minus its hour)
    (lambda p: _shift_stop(p, 0, 0, 12 * H + 1800 - p.routes[0].stops[0].start_s), "hors de ses fenêtres"),
    # the Tuesday route is given to Monday's vehicle: t3 only on Tuesday
    (lambda p: _route(p, 1, vehicle_id="ana@mon", advisor_id="ana", date=MON), "jour non autorisé"),
    # t1 needs santé: moved to Bob's Tuesday route
    (lambda p: _route(_route(p, 0, stops=p.routes[0].stops[1:]), 1, stops=(p.routes[0].stops[0],) + p.routes[1].stops), "demande la compétence santé"),
    # arrival later than previous departure + travel (waiting before arrival)
    (lambda p: _stop(p, 1, 1, arrival_s=p.routes[1].stops[1].arrival_s + 60), "arrivée"),
    # the leg's seconds differ from the matrix
    (lambda p: _stop(p, 1, 0, travel_s=p.routes[1].stops[0].travel_s + 1), "!= matrice"),
    # the leg's metres differ from the matrix
    (lambda p: _stop(p, 1, 0, travel_m=p.routes[1].stops[0].travel_m + 5), "m != matrice"),
    # the return leg differs from the matrix
    (lambda p: _route(p, 1, return_travel_s=p.routes[1].return_travel_s + 9), "retour"),
    # lunch at 11:00, before its window (12:00-14:00)
    (lambda p: _route(p, 1, break_start_s=11 * H, break_end_s=11 * H + 2700), "hors de sa fenêtre"),
    # lunch of 30 min instead of 45
    (lambda p: _route(p, 1, break_end_s=p.routes[1].break_start_s + 1800), "au lieu de 2700 s"),
    # lunch during the pinned 13:00 visit
    (lambda p: _route(p, 0, break_start_s=13 * H, break_end_s=13 * H + 2700), "pause pendant la visite"),
    # no lunch on a route that has visits
    (lambda p: _route(p, 0, break_start_s=None, break_end_s=None), "pause déjeuner manquante"),
    # departure before the shift starts at 08:00
    (lambda p: _route(p, 0, depart_s=7 * H), "avant le début de service"),
    # return after the shift ends at 17:00
    (lambda p: _route(p, 1, return_s=17 * H + 60), "après la fin de service"),
    # the pinned visit moved from 13:00 to 13:10
    (lambda p: _shift_stop(p, 0, 1, 600), "au lieu de l'heure fixée 13:00"),
    # t4 must be made by Bob: moved to Ana's route
    (lambda p: _route(_route(p, 1, stops=p.routes[1].stops[:1]), 0, stops=p.routes[0].stops + (p.routes[1].stops[1],)), "incompatible"),
    # end is not start + duration
    (lambda p: _stop(p, 1, 0, end_s=p.routes[1].stops[0].end_s - 60), "fin"),
    # service starts before the advisor arrives
    (lambda p: _stop(p, 1, 0, start_s=p.routes[1].stops[0].arrival_s - 60, end_s=p.routes[1].stops[0].end_s - 60 - (p.routes[1].stops[0].start_s - p.routes[1].stops[0].arrival_s)), "avant l'arrivée"),
    # one vehicle used for two routes
    (lambda p: _route(p, 1, vehicle_id="ana@mon"), "utilisé 2 fois"),
    # a route on a vehicle that does not exist
    (lambda p: _route(p, 1, vehicle_id="eve@wed"), "véhicule inconnu"),
    # the route says Bob but the vehicle is Ana's
    (lambda p: _route(p, 0, advisor_id="bob"), "conseiller bob au lieu de ana"),
    # a wrong start site
    (lambda p: _route(p, 0, start_site="h1"), "sites de départ/retour"),
]


@pytest.mark.parametrize("plant, message", CASES)
def test_checker_catches_planted_violation(plant, message: str) -> None:
    bad = check_plan(PROBLEM, plant(VALID))
    assert any(message in b for b in bad), bad
    with pytest.raises(SolverError, match="plan invalide"):
        assert_valid(PROBLEM, plant(VALID))


def test_checker_catches_capacity_and_max_work() -> None:
    # Ana's day (about 3 h of work) against a 1 h maximum
    vs = (replace(PROBLEM.vehicles[0], max_work_s=H), PROBLEM.vehicles[1])
    assert any("de travail > maximum" in b for b in check_plan(PROBLEM.replace(vehicles=vs), VALID))
    # capacity 3 on Ana's vehicle: a demand of 5 overloads it
    tasks = list(PROBLEM.tasks)
    tasks[0] = replace(tasks[0], demand=5)
    assert any("capacité" in b for b in check_plan(PROBLEM.replace(tasks=tuple(tasks)), VALID))


def test_checker_accepts_lunch_at_destination_and_before_driving() -> None:
    r = VALID.routes[1]
    # Both placements of the lunch are legal; the valid plan uses one of them,
    # and the checker must accept a hand-built plan with the other placement.
    s0, s1 = r.stops
    t = PROBLEM.tasks
    # before driving from t3 (ends s0.end_s) to t4: lunch right after t3 if in window
    if s0.end_s >= 12 * H:
        bs = s0.end_s
    else:
        bs = 12 * H
    be = bs + 2700
    start = max(be + s1.travel_s, t[3].windows[0][0])
    moved = replace(s1, arrival_s=be + s1.travel_s, start_s=start, end_s=start + t[3].duration_s)
    ret = moved.end_s + r.return_travel_s
    plan = _route(VALID, 1, stops=(s0, moved), break_start_s=bs, break_end_s=be, return_s=ret)
    bad = check_plan(PROBLEM, plan)
    assert not [b for b in bad if "pause" in b or "arrivée" in b], bad
