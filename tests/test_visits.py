"""Home-visit planner: checked plans, brute force on tiny cases, reasons, re-planning, files."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itinerant.core.places import TravelMatrix
from itinerant.scenario.model import Advisor, Calendar, Commune, Scenario, Site, Visit
from itinerant.visits import (
    PENALTY,
    Break,
    SolveParams,
    Task,
    Vehicle,
    VisitProblem,
    problem_from_scenario,
    solve,
)
from itinerant.visits.check import check_plan
from itinerant.visits.io import read_plan, write_plan
from itinerant.visits.solve import choose_engine
from itinerant.visits.timing import schedule_route

H = 3600
MON = dt.date(2026, 11, 30)  # the Clunisois week; Friday 4/12, no holiday
REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- builders


def _matrix(points: np.ndarray, kmh: float = 45.0) -> tuple[np.ndarray, np.ndarray]:
    """Metres (x1.3 detour) and seconds between points given in metres."""
    m = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1)) * 1.3
    return m.astype(np.int64), (m / (kmh / 3.6)).astype(np.int64)


def synthetic(n_tasks: int = 24, n_adv: int = 2, seed: int = 0, lunch: bool = True) -> VisitProblem:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 25000, size=(n_tasks + 1, 2))
    dist, dur = _matrix(pts)
    vehicles = []
    for a in range(n_adv):
        for k in range(5):
            d = MON + dt.timedelta(days=k)
            vehicles.append(
                Vehicle(
                    f"a{a}@{d}", 0, 0, int(8.5 * H), 17 * H, 7 * H, f"a{a}", f"Conseiller {a}", d,
                    frozenset({"social", "santé"} if a == 0 else {"social"}),
                    Break(12 * H, 14 * H, 2700) if lunch else None,
                )
            )
    tasks = []
    for i in range(n_tasks):
        o = int(rng.choice([9, 10, 14])) * H
        wins = ((o, o + 3 * H),) if i % 4 else ((9 * H, 11 * H), (14 * H, 16 * H))
        prio = ("must", "should", "could")[i % 3]
        tasks.append(
            Task(
                f"v{i}", i + 1, int(rng.choice([1800, 2700, 3600])), wins, True, priority=prio,
                penalty=PENALTY[prio], days=tuple(sorted(rng.choice(5, 3, replace=False).tolist())),
                skill="santé" if i % 6 == 0 else None,
            )
        )
    ids = ("office",) + tuple(t.id for t in tasks)
    return VisitProblem(ids, dur, dist, tuple(vehicles), tuple(tasks), name="synth", week_start=MON)


def _scenario(visits: list[Visit] | None = None, holidays=()) -> Scenario:
    commune = Commune(code="71137", name="Cluny", population=4800, lat=46.434, lon=4.659)
    office = Site(id="fs", name="France services", kind="office", commune_code="71137", lat=46.434, lon=4.659)
    advisors = (
        Advisor(id="ana", name="Ana", skills=("numerique", "sante"), days=(0, 1, 3), start_s=8 * H + 1800,
                end_s=17 * H, lunch_start_s=12 * H, lunch_end_s=14 * H, lunch_duration_s=2700,
                max_work_s=7 * H, start_site="fs", end_site="fs"),
        Advisor(id="bob", name="Bob", skills=("numerique",), days=(1, 2, 4), start_s=9 * H, end_s=17 * H,
                lunch_start_s=12 * H, lunch_end_s=14 * H, lunch_duration_s=2700, max_work_s=7 * H,
                start_site="fs", end_site="fs"),
    )
    if visits is None:
        rng = np.random.default_rng(3)
        visits = []
        for i in range(10):
            visits.append(
                Visit(id=f"v{i:02d}", resident_id=f"h{i}", lat=46.434 + rng.uniform(-0.08, 0.08),
                      lon=4.659 + rng.uniform(-0.1, 0.1), commune_code="71137", duration_s=2700,
                      days=(0, 1, 2, 3, 4), windows=((9 * H, 12 * H), (14 * H, 17 * H)),
                      skill="sante" if i % 4 == 0 else "numerique", priority=("must", "should")[i % 2])
            )
    return Scenario(name="mini", folder=REPO, communes=(commune,), sites=(office,), advisors=advisors,
                    visits=tuple(visits), calendar=Calendar(week_start=MON, holidays=tuple(holidays)))


def _scenario_matrix(sc: Scenario) -> TravelMatrix:
    places = [(s.id, s.lat, s.lon) for s in sc.sites] + [(v.id, v.lat, v.lon) for v in sc.visits]
    lat = np.radians([p[1] for p in places])
    lon = np.radians([p[2] for p in places])
    x = 6371000 * lon * np.cos(np.radians(46.4))
    y = 6371000 * lat
    dist, dur = _matrix(np.stack([x, y], 1), kmh=50)
    ids = tuple(p[0] for p in places)
    return TravelMatrix(ids, ids, dur, dist, True, "test")


# --------------------------------------------------------------------------- engines


@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "auto"])
def test_every_engine_gives_a_checked_plan(engine: str) -> None:
    p = synthetic(seed=1)
    plan = solve(p, SolveParams(engine=engine, time_limit_s=1.0))
    assert check_plan(p, plan) == []
    served = plan.served()
    assert len(served) + len(plan.unassigned) == len(p.tasks)
    assert len(served) >= len(p.tasks) - 3  # a loose week: nearly all fit
    for r in plan.routes:
        assert r.break_start_s is not None  # every day with visits has its lunch
        assert r.work_s <= 7 * H
    assert all(u.reason for u in plan.unassigned)


def test_auto_engine_follows_the_features() -> None:
    assert choose_engine(synthetic(lunch=False).replace(tasks=()), SolveParams()) == "pyvrp"
    assert choose_engine(synthetic(lunch=True), SolveParams()) == "pyvrp+ortools"
    assert choose_engine(synthetic(lunch=True), SolveParams(warm_start=False)) == "ortools"
    assert choose_engine(synthetic(lunch=False), SolveParams(engine="pyvrp")) == "pyvrp"


def _brute_force(p: VisitProblem) -> int | None:
    """Least driving time serving every task, over every split and order (None if impossible)."""
    n, V = len(p.tasks), len(p.vehicles)
    best = None
    for owner in itertools.product(range(V), repeat=n):
        if any(not p.compatible(p.tasks[i], p.vehicles[owner[i]]) for i in range(n)):
            continue
        total = 0
        for k in range(V):
            mine = [i for i in range(n) if owner[i] == k]
            if not mine:
                continue
            cheapest = None
            for perm in itertools.permutations(mine):
                r = schedule_route(p, p.vehicles[k], [p.tasks[i] for i in perm])
                if r is not None and (cheapest is None or r.travel_s < cheapest):
                    cheapest = r.travel_s
            if cheapest is None:
                break
            total += cheapest
        else:
            if best is None or total < best:
                best = total
    return best


def _tiny(seed: int) -> VisitProblem:
    rng = np.random.default_rng(100 + seed)
    n = 5
    pts = rng.uniform(0, 20000, size=(n + 1, 2))
    dist, dur = _matrix(pts)
    vehicles = tuple(
        Vehicle(f"k{k}", 0, 0, 8 * H, 13 * H + int(rng.integers(0, 4)) * H, None, f"k{k}", f"K{k}",
                MON + dt.timedelta(days=k), frozenset({"s"}) if k == 0 else frozenset(),
                Break(12 * H, 14 * H, 1800) if seed % 2 else None)
        for k in range(2)
    )
    tasks = []
    for i in range(n):
        o = int(rng.integers(8, 12)) * H
        tasks.append(Task(f"t{i}", i + 1, int(rng.choice([1200, 1800, 2700])), ((o, o + int(rng.integers(2, 5)) * H),),
                          True, skill="s" if i == 0 else None))
    return VisitProblem(tuple(f"p{i}" for i in range(n + 1)), dur, dist, vehicles, tuple(tasks), week_start=MON)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "auto"])
def test_brute_force_agrees_with_the_solver_on_tiny_weeks(seed: int, engine: str) -> None:
    p = _tiny(seed)
    if engine == "pyvrp":  # PyVRP alone has no lunch break: compare it on lunch-free days
        p = p.replace(vehicles=tuple(replace(v, lunch=None) for v in p.vehicles))
    best = _brute_force(p)
    assert best is not None, "the tiny instances are built to be feasible"
    plan = solve(p, SolveParams(engine=engine, time_limit_s=0.5, balance=0))
    assert not plan.unassigned
    assert plan.travel_s == best


@st.composite
def small_problems(draw) -> VisitProblem:
    n = draw(st.integers(1, 6))
    nv = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 40000, size=(n + 1, 2))
    dist, dur = _matrix(pts)
    lunch = draw(st.booleans())
    vehicles = tuple(
        Vehicle(f"k{k}", 0, 0, 8 * H, int(rng.integers(12, 18)) * H, int(rng.integers(3, 9)) * H, f"a{k % 2}",
                f"A{k % 2}", MON + dt.timedelta(days=k), frozenset({"x"}) if k % 2 == 0 else frozenset(),
                Break(12 * H, 14 * H, 2700) if lunch else None)
        for k in range(nv)
    )
    tasks = []
    for i in range(n):
        o = int(rng.integers(7, 16)) * H
        wins = ((o, o + int(rng.integers(1, 4)) * H),)
        if rng.random() < 0.3:
            wins = ((8 * H, 10 * H), (15 * H, 17 * H))
        prio = str(rng.choice(["must", "should", "could"]))
        pin = rng.random() < 0.15
        tasks.append(Task(
            f"t{i}", i + 1, int(rng.integers(1, 7)) * 900, wins if not pin else ((11 * H, 11 * H),),
            not pin, priority=prio, penalty=PENALTY[prio],
            days=tuple(sorted(set(rng.integers(0, 5, size=2).tolist()))),
            skill="x" if rng.random() < 0.3 else None,
            pinned_start_s=11 * H if pin else None, pinned=pin,
        ))
    return VisitProblem(tuple(f"p{i}" for i in range(n + 1)), dur, dist, vehicles, tuple(tasks), week_start=MON)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(), engine=st.sampled_from(["auto", "pyvrp", "ortools"]))
def test_generated_problems_always_give_checker_valid_plans(problem: VisitProblem, engine: str) -> None:
    plan = solve(problem, SolveParams(engine=engine, time_limit_s=0.2))
    assert check_plan(problem, plan) == []
    assert {u.task_id for u in plan.unassigned} | plan.served() == {t.id for t in problem.tasks}
    assert all(u.reason for u in plan.unassigned)


# --------------------------------------------------------------------------- reasons


def _one_visit(**changes) -> tuple[Scenario, TravelMatrix]:
    base = dict(id="x1", resident_id="h", lat=46.44, lon=4.66, commune_code="71137", duration_s=3600,
                days=(1, 3), windows=((9 * H, 12 * H),), skill="numerique")
    base.update(changes)
    sc = _scenario([Visit(**base)], holidays=changes.pop("_holidays", ()))
    return sc, _scenario_matrix(sc)


def _reason(sc: Scenario, m: TravelMatrix, language: str = "fr") -> tuple[str, str]:
    p = problem_from_scenario(sc, m)
    plan = solve(p, SolveParams(time_limit_s=0.3, language=language))
    assert check_plan(p, plan) == []
    assert len(plan.unassigned) == 1
    return plan.unassigned[0].code, plan.unassigned[0].reason


def test_reason_no_advisor_with_the_skill_on_the_allowed_days() -> None:
    # santé: only Ana (Mon, Tue, Thu); the visit allows Wednesday and Friday only
    sc, m = _one_visit(skill="sante", days=(2, 4))
    code, text = _reason(sc, m)
    assert code == "skill"
    assert text.startswith("aucun conseiller avec la compétence « sante » ne travaille le mercredi ou le vendredi")


def test_reason_in_english() -> None:
    sc, m = _one_visit(skill="sante", days=(2, 4))
    assert _reason(sc, m, "en")[1].startswith("no advisor with skill 'sante' works on Wednesday or Friday")


def test_reason_every_allowed_day_is_a_holiday() -> None:
    sc, m = _one_visit(days=(4,))
    sc = sc.model_copy(update={"calendar": Calendar(week_start=MON, holidays=((MON + dt.timedelta(days=4), "Fête"),))})
    code, text = _reason(sc, _scenario_matrix(sc))
    assert code == "holiday"
    assert text.startswith("jours autorisés tous fériés (vendredi 4/12 : Fête)")


def test_reason_too_far() -> None:
    # about 250 km away: the round trip alone exceeds a 7 h day
    sc, m = _one_visit(lat=48.6, lon=4.66)
    code, text = _reason(sc, m)
    assert code == "far"
    assert text.startswith("trop loin : ") and "aller-retour depuis France services" in text


def test_reason_window_closing_too_early() -> None:
    # Bob starts at 09:00; the visit must end by 09:30 and lasts 1 h: its window must close later
    sc, m = _one_visit(days=(2,), windows=((8 * H, 9 * H + 1800),), duration_s=3600)
    p = problem_from_scenario(sc, m)
    leg = int(p.duration_s[0, 1])
    code, text = _reason(sc, m)
    close = 9 * H + leg + 3600
    expect = (close + 299) // 300 * 300
    assert code in ("window_close", "duration")
    if code == "window_close":
        assert text.startswith(f"entrerait si sa fenêtre fermait à {expect // 3600:02d}:{expect % 3600 // 60:02d} au lieu de 09:30")


def test_reason_window_opening_too_late_in_a_full_day() -> None:
    # Ana works Monday only here; a pinned 11:00-12:00 visit and the newcomer that must start
    # in 11:30-12:00: it would fit if its window opened early enough to go before 11:00.
    pinned = Visit(id="p1", resident_id="h", lat=46.44, lon=4.66, commune_code="71137", duration_s=3600,
                   days=(0,), windows=((11 * H, 12 * H),), pinned_advisor="ana", pinned_date=MON,
                   pinned_start_s=11 * H)
    late = Visit(id="x1", resident_id="h", lat=46.45, lon=4.67, commune_code="71137", duration_s=1800,
                 days=(0,), windows=((11 * H + 1800, 12 * H + 1800),), skill="sante")
    sc = _scenario([pinned, late])
    adv = (sc.advisors[0].model_copy(update=dict(days=(0,), start_s=10 * H, end_s=12 * H + 1800, max_work_s=3 * H)),)
    sc = sc.model_copy(update={"advisors": adv})
    m = _scenario_matrix(sc)
    p = problem_from_scenario(sc, m)
    plan = solve(p, SolveParams(time_limit_s=0.3))
    assert [u.task_id for u in plan.unassigned] == ["x1"]
    u = plan.unassigned[0]
    assert u.code in ("window_open", "shift", "duration"), u
    assert u.reason.startswith("entrerait si ")
    assert "Ana" in u.reason  # names the route to change


# --------------------------------------------------------------------------- files and re-planning


def test_write_plan_files_and_read_back(tmp_path: Path) -> None:
    sc = _scenario()
    m = _scenario_matrix(sc)
    p = problem_from_scenario(sc, m)
    plan = solve(p, SolveParams(time_limit_s=0.5))
    paths = write_plan(plan, p, tmp_path)
    rows = list(csv.reader(paths["routes"].read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["advisor_id", "day", "seq", "visit_id", "arrival", "start", "end", "travel_s", "travel_m"]
    assert len(rows) - 1 == len(plan.served())
    assert next(csv.reader(paths["unassigned"].read_text(encoding="utf-8").splitlines())) == ["visit_id", "reason"]
    doc = read_plan(paths["plan"])
    assert doc["week_start"] == "2026-11-30" and doc["estimated"] is True
    assert doc["kpis"]["served"] + doc["kpis"]["unassigned"] == doc["kpis"]["visits_total"] == 10
    r = doc["routes"][0]
    assert set(r) >= {"advisor_id", "day", "start_site", "end_site", "depart", "return", "travel_s", "travel_m",
                      "work_s", "break", "return_travel_s", "return_travel_m", "stops"}
    assert sum(s["travel_s"] for s in r["stops"]) + r["return_travel_s"] == r["travel_s"]
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temporary file


def test_replan_keeps_pinned_and_done_visits_and_inserts_new_ones(tmp_path: Path) -> None:
    sc = _scenario()
    m = _scenario_matrix(sc)
    p = problem_from_scenario(sc, m)
    first = solve(p, SolveParams(time_limit_s=0.5))
    doc = json.loads(write_plan(first, p, tmp_path)["plan"].read_text(encoding="utf-8"))
    routes = [r for r in doc["routes"] if len(r["stops"]) >= 2]
    keep = routes[0]["stops"][0]
    keep.update(pinned=True, time_pinned=True)
    done = routes[-1]["stops"][-1]
    done.update(done=True)
    where = {keep["visit_id"]: (routes[0]["advisor_id"], routes[0]["day"], keep["start"]),
             done["visit_id"]: (routes[-1]["advisor_id"], routes[-1]["day"], done["start"])}
    urgent = [Visit(id=f"u{i}", resident_id="hu", lat=46.43 + 0.01 * i, lon=4.62, commune_code="71137",
                    duration_s=1800, days=(1, 2), windows=((9 * H, 17 * H),), skill="numerique",
                    priority="must") for i in range(2)]
    sc2 = sc.model_copy(update={"visits": sc.visits + tuple(urgent)})
    p2 = problem_from_scenario(sc, _scenario_matrix(sc2), replan=doc, added_visits=urgent)
    assert {t.id for t in p2.tasks} == {t.id for t in p.tasks} | {"u0", "u1"}
    second = solve(p2, SolveParams(time_limit_s=0.5))
    assert check_plan(p2, second) == []
    got = {}
    for r in second.routes:
        for s in r.stops:
            got[s.task_id] = (r.advisor_id, r.date.isoformat(), f"{s.start_s // 3600:02d}:{s.start_s % 3600 // 60:02d}")
    for vid, place in where.items():
        assert got[vid] == place
    assert {"u0", "u1"} <= set(got)  # the urgent requests are planned


def test_replan_with_a_plan_of_another_week_is_refused() -> None:
    from itinerant.core.errors import InputError

    sc = _scenario()
    with pytest.raises(InputError, match="semaine"):
        problem_from_scenario(sc, _scenario_matrix(sc), replan={"week_start": "2026-01-05", "routes": []})


def test_clunisois_week_plans_with_every_visit_served_or_explained(shared) -> None:
    from itinerant.matrices import drive_matrix
    from itinerant.scenario import load_scenario
    from itinerant.scenario.places import scenario_places

    sc = load_scenario(REPO / "scenarios" / "clunisois")
    m = drive_matrix(scenario_places(sc), territory=None)
    p = problem_from_scenario(sc, m)
    assert len(p.vehicles) == sum(len(sc.calendar.working_dates(a.days)) for a in sc.advisors)
    plan = solve(p, SolveParams(time_limit_s=3.0))
    assert check_plan(p, plan) == []
    assert plan.objective["must_unassigned"] == 0
    assert all(u.reason for u in plan.unassigned)


def test_added_visits_are_read_with_the_scenario_loader(tmp_path: Path) -> None:
    from itinerant.scenario import load_scenario
    from itinerant.visits.build import load_added_visits

    folder = REPO / "scenarios" / "clunisois"
    sc = load_scenario(folder)
    lines = (folder / "visits.csv").read_text(encoding="utf-8-sig").splitlines()
    new = tmp_path / "urgent.csv"
    new.write_text(lines[0] + "\n" + lines[1].replace("v001;", "u900;", 1) + "\n", encoding="utf-8")
    added = load_added_visits(sc, new)
    assert [v.id for v in added] == ["u900"]
    assert added[0].duration_s == sc.visits[0].duration_s


def test_reason_unreachable_address() -> None:
    from itinerant.core.places import UNREACHABLE

    sc, m = _one_visit()
    dur, dist = m.duration_s.copy(), m.distance_m.copy()
    dur[:, 1] = dur[1, :] = UNREACHABLE  # no road to or from the visit
    dist[:, 1] = dist[1, :] = UNREACHABLE
    dur[1, 1] = dist[1, 1] = 0
    m = TravelMatrix(m.origin_ids, m.dest_ids, dur, dist, True, "test")
    code, text = _reason(sc, m)
    assert code == "unreachable"
    assert text.startswith("aucune route ne mène à cette adresse depuis France services")


def test_checker_imports_no_solver() -> None:
    import subprocess
    import sys

    code = "import sys, itinerant.visits.check; print(sorted(m for m in ('pyvrp', 'ortools', 'scipy', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _two_at_nine(end_h: float) -> VisitProblem:
    pts = np.array([[0, 0], [3000, 0], [3000, 2000]], dtype=float)
    dist, dur = _matrix(pts)
    v = (Vehicle("ana@mon", 0, 0, 8 * H, int(end_h * H), None, "ana", "Ana", MON),)
    tasks = tuple(
        Task(tid, loc, H, ((9 * H, 9 * H),), priority="should", penalty=PENALTY["should"], pinned_start_s=9 * H)
        for tid, loc in (("a", 1), ("b", 2))
    )
    return VisitProblem(("office", "ha", "hb"), dur, dist, v, tasks, week_start=MON)


def test_reason_names_the_visit_it_could_replace() -> None:
    # both appointments at 09:00 on Ana's only day, which ends at 10:30: one must go
    p = _two_at_nine(10.5)
    plan = solve(p, SolveParams(time_limit_s=0.2))
    (u,) = plan.unassigned
    other = ({"a", "b"} - {u.task_id}).pop()
    assert u.code == "swap"
    assert u.reason.startswith(f"entrerait à la place de la visite {other} (« souhaitable »)")


def test_reason_moves_a_fixed_appointment() -> None:
    # a longer day: the second appointment fits later, after the first one
    p = _two_at_nine(17)
    plan = solve(p, SolveParams(time_limit_s=0.2))
    (u,) = plan.unassigned
    assert u.code == "window_close"
    assert u.reason.startswith("entrerait si son rendez-vous était fixé à 10:")


def test_reason_full_routes_when_probing_is_cut_short() -> None:
    from itinerant.visits.reasons import explain_one

    p = _two_at_nine(10.5)
    plan = solve(p, SolveParams(time_limit_s=0.2, reasons=False))
    missing = p.task_index(plan.unassigned[0].task_id)
    served = [[p.task_index(s.task_id) for s in r.stops] for r in plan.routes]
    code, text = explain_one(p, served, missing, deep=False)
    assert code == "full"
    assert text == (
        "les tournées compatibles sont pleines (lundi 30/11) : ajouter une demi-journée de Ana, "
        "ou passer une autre visite en « facultative »"
    )


# --------------------------------------------------------------------------- fleet minimisation


def _fleet_line(fixed_cost: int) -> VisitProblem:
    """Depot at 0 on a line; a (+10) at 10, c (-10) at 30, b (+11) at 60, exact times.

    One route a -> c -> b serves all three (62 m); the shortest plan uses two routes,
    {a, b} and {c} (42 m).
    """
    x = np.array([0, 10, -10, 11])
    d = np.abs(x[:, None] - x[None]).astype(np.int64)
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, 0, 200, fixed_cost=fixed_cost) for k in range(3))
    tasks = tuple(
        Task(name, loc, 0, ((t, t),), penalty=None)
        for name, loc, t in [("a", 1, 10), ("c", 2, 30), ("b", 3, 60)]
    )
    return VisitProblem(("0", "1", "2", "3"), d, d.copy(), vehicles, tasks)


@pytest.mark.parametrize("engine", ["pyvrp", "auto"])
def test_a_fixed_cost_puts_fewer_vehicles_first(engine: str) -> None:
    params = SolveParams(engine=engine, time_limit_s=0.5, cost="distance", reasons=False, balance=0)
    free = solve(_fleet_line(0), params)
    # no fixed cost: the shortest plan, two routes (the behaviour without fixed costs)
    assert (len(free.routes), free.objective["travel_m"]) == (2, 42)
    # a fixed cost of 1 m is too small for PyVRP's own objective to drop a route
    # (2 + 42 < 1 + 62): the fleet minimisation does, vehicles first then distance
    fixed = solve(_fleet_line(1), params)
    assert not fixed.unassigned
    assert (len(fixed.routes), fixed.objective["travel_m"]) == (1, 62)
    assert [s.task_id for s in fixed.routes[0].stops] == ["a", "c", "b"]


def test_fleet_minimisation_never_uses_more_vehicles_than_without_fixed_costs() -> None:
    for seed in range(3):
        # hard tasks (all served, so the fleet is minimised), one vehicle type per day
        p = synthetic(n_tasks=12, n_adv=2, seed=seed, lunch=False)
        p = p.replace(tasks=tuple(replace(t, penalty=None) for t in p.tasks))
        params = SolveParams(engine="pyvrp", time_limit_s=0.4, reasons=False, balance=0)
        free = solve(p, params)  # solve() checks every plan (assert_valid)
        fixed = solve(p.replace(vehicles=tuple(replace(v, fixed_cost=10**6) for v in p.vehicles)), params)
        assert not free.unassigned and not fixed.unassigned
        assert len(fixed.routes) <= len(free.routes)
