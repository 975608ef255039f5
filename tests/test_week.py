"""Living through a real week: pins kept, strict priorities, re-plan from now, changes, absences."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from itinerant.core.errors import SolverError
from itinerant.scenario.model import Absence, Visit
from itinerant.visits import PENALTY, SolveParams, Task, Vehicle, VisitProblem, problem_from_scenario, solve
from itinerant.visits.check import check_plan, priority_inversions
from itinerant.visits.io import plan_to_dict
from itinerant.visits.solve import plan_from_sequences
from itinerant.visits.synthetic import synthetic_week

H = 3600
MON = dt.date(2026, 11, 30)
TUE = MON + dt.timedelta(days=1)
REPO = Path(__file__).resolve().parents[1]


def overloaded(n_tasks: int = 250, n_adv: int = 8, seed: int = 11) -> VisitProblem:
    """A week far beyond capacity (about twice the advisors' hours), with a pinned v041."""
    return synthetic_week(n_tasks, n_adv, seed=seed, office_at_centre=False, max_work_s=7 * H, name="surcharge")


@pytest.fixture(scope="module")
def overloaded_plan():
    p = overloaded()
    return p, solve(p, SolveParams(time_limit_s=4.0, reasons=False))


def test_overloaded_week_keeps_the_pinned_appointment(overloaded_plan) -> None:
    p, plan = overloaded_plan
    where = {s.task_id: (r.advisor_id, r.date, s.start_s) for r in plan.routes for s in r.stops}
    assert where["v041"] == ("a1", TUE, 10 * H)
    assert plan.kpis.pins_kept == plan.kpis.pins_total == 1


def test_overloaded_week_has_no_priority_inversion(overloaded_plan) -> None:
    p, plan = overloaded_plan
    k = plan.kpis
    assert plan.unassigned, k  # overloaded on purpose
    assert priority_inversions(p, plan) == []
    assert check_plan(p, plan) == []
    # the capacity summary says what is missing, before any reason
    assert plan.capacity[0].text.startswith("demande "), plan.capacity
    assert plan.capacity[1:] and all(c.text.startswith("il manque ") for c in plan.capacity[1:]), plan.capacity


def _line(n: int = 3) -> VisitProblem:
    """Office at 0, homes 10 min apart; one advisor on Monday 09:00-11:30, no lunch: room for two."""
    x = np.arange(n + 1) * 600
    d = np.abs(x[:, None] - x[None]).astype(np.int64)
    v = (Vehicle("ana@mon", 0, 0, 9 * H, 11 * H + 1800, None, "ana", "Ana", MON),)
    tasks = (
        Task("must1", 1, 3000, ((9 * H, 11 * H),), True, priority="must", penalty=PENALTY["must"]),
        Task("should1", 1, 3000, ((9 * H, 11 * H),), True, priority="should", penalty=PENALTY["should"]),
        Task("could1", 2, 3000, ((9 * H, 11 * H),), True, priority="could", penalty=PENALTY["could"]),
    )
    return VisitProblem(tuple(str(i) for i in range(n + 1)), d, d, v, tasks, week_start=MON)


def test_checker_finds_a_planted_priority_inversion() -> None:
    p = _line()
    # room for two 50-minute visits: serving should1 and could1 leaves must1 out
    with pytest.raises(SolverError) as exc:
        plan_from_sequences(p, [[1, 2]], engine="test", params=SolveParams(reasons=False))
    assert "inversion de priorité : must1 (must) non planifiée alors qu'elle tiendrait à la place de could1" in str(exc.value)
    ok = plan_from_sequences(p, [[0, 1]], engine="test", params=SolveParams(reasons=False))
    assert priority_inversions(p, ok) == []


def test_solver_serves_priorities_in_order() -> None:
    p = _line()
    plan = solve(p, SolveParams(time_limit_s=0.3))
    assert plan.served() == {"must1", "should1"}
    assert priority_inversions(p, plan) == []


def test_a_pin_that_cannot_be_kept_is_said_before_solving_and_the_rest_is_planned() -> None:
    p = _line()
    tasks = p.tasks + (
        Task("pin9", 3, 1800, ((9 * H + 1800,) * 2,), pinned_start_s=9 * H + 1800, pinned=True,
             advisor_id="ana", date=MON),
        Task("pin10", 2, 1800, ((9 * H + 2400,) * 2,), pinned_start_s=9 * H + 2400, pinned=True,
             advisor_id="ana", date=MON),
    )
    p = p.replace(tasks=tasks)
    plan = solve(p, SolveParams(time_limit_s=0.3))
    assert "pin9" in plan.served()
    (u,) = [u for u in plan.unassigned if u.task_id == "pin10"]
    assert u.code == "pin" and "chevauche le rendez-vous imposé pin9" in u.reason
    assert plan.notices and plan.notices[0].startswith("rendez-vous pin10 impossible à tenir")
    assert check_plan(p, plan) == []


def test_same_seed_and_iterations_give_the_same_plan() -> None:
    p = overloaded(60, 3, seed=5)
    a = solve(p, SolveParams(engine="pyvrp", iterations=300, seed=7, reasons=False))
    b = solve(p, SolveParams(engine="pyvrp", iterations=300, seed=7, reasons=False))
    assert plan_to_dict(a)["routes"] == plan_to_dict(b)["routes"]


def test_a_duration_cut_is_suggested_only_where_the_request_allows_it() -> None:
    from itinerant.visits.reasons import explain_one

    p = _line()
    seqs = [[0, 1]]  # must1 and should1 fill 09:10-10:50; could1 (20 min, home 2) misses by 10 min
    t = replace(p.tasks[2], duration_s=1200, windows=((9 * H, 12 * H),))
    p = p.replace(tasks=(p.tasks[0], p.tasks[1], t))
    code, text = explain_one(p, seqs, 2)
    assert code == "shift" and "durait 10 min de plus" in text
    p2 = p.replace(tasks=(p.tasks[0], p.tasks[1], replace(t, min_duration_s=300)))
    code, text = explain_one(p2, seqs, 2)
    assert (code, text) == ("duration", "entrerait si la visite durait 10 min au lieu de 20 (tournée de Ana le lundi 30/11)")


# --------------------------------------------------------------------------- a real week on the Clunisois


@pytest.fixture(scope="module")
def clunisois():
    from itinerant.matrices import drive_matrix
    from itinerant.scenario import load_scenario

    sc = load_scenario(REPO / "scenarios" / "clunisois")
    return sc, drive_matrix
    # (the matrix is built per test: added visits change the places)


def _matrix(sc):
    from itinerant.matrices import drive_matrix
    from itinerant.scenario.places import scenario_places

    return drive_matrix(scenario_places(sc), territory=None)


def test_tuesday_evening_replan_with_urgent_requests_and_an_absence(clunisois) -> None:
    sc, _ = clunisois
    first_problem = problem_from_scenario(sc, _matrix(sc))
    first = solve(first_problem, SolveParams(time_limit_s=3.0))
    doc = plan_to_dict(first)
    # Tuesday evening: two urgent requests, and the advisor with most Wednesday visits is away Wednesday.
    now = dt.datetime(2026, 12, 1, 18, 30)
    wed = MON + dt.timedelta(days=2)
    on_wed: dict[str, int] = {}
    for r in first.routes:
        if r.date == wed:
            on_wed[r.advisor_id] = len(r.stops)
    away = max(on_wed, key=on_wed.get)
    base = sc.visits[0]
    urgent = tuple(
        Visit(id=f"u{i}", resident_id=base.resident_id, lat=base.lat + 0.01 * i, lon=base.lon,
              commune_code=base.commune_code, duration_s=2700, days=(2, 3, 4), windows=((9 * H, 17 * H),),
              priority="must", name=f"Urgence {i}")
        for i in (1, 2)
    )
    sc2 = sc.model_copy(update={"absences": (Absence(advisor_id=away, date=wed, reason="congé"),)})
    merged = sc2.model_copy(update={"visits": sc2.visits + urgent})
    p2 = problem_from_scenario(sc2, _matrix(merged), replan=doc, added_visits=urgent, now=now)
    second = solve(p2, SolveParams(time_limit_s=3.0))
    assert check_plan(p2, second) == []  # nothing before now, pins kept, no inversion
    for r in second.routes:
        for s in r.stops:
            made = dt.datetime.combine(r.date, dt.time()) + dt.timedelta(seconds=s.start_s) < now
            assert not made or s.done  # only visits already made lie before now
        assert not (r.advisor_id == away and r.date == wed)
    assert {"u1", "u2"} <= second.served()
    # every visit announced on the absent advisor's Wednesday is in the changes, with why
    announced = {s.task_id for r in first.routes if r.advisor_id == away and r.date == wed for s in r.stops}
    changed = {c.task_id: c for c in second.changes}
    assert announced <= set(changed)
    name = next(a.name for a in sc.advisors if a.id == away)
    assert all(changed[t].why.startswith(f"{name} est absent(e) le mercredi 2/12 (congé)") for t in announced)
    assert second.kpis.changes == len(second.changes)
    assert f"{len(second.changes)} changement(s)" in second.summary()
    made = sum(len(r.stops) for r in first.routes if r.date <= TUE)
    assert second.kpis.made == made and f"{made} visite(s) déjà faite(s) gardée(s)" in second.summary()
    # Monday and Tuesday's visits were made: kept as they were
    before = {(s.task_id, r.advisor_id, r.date, s.start_s) for r in first.routes if r.date <= TUE for s in r.stops}
    after = {(s.task_id, r.advisor_id, r.date, s.start_s) for r in second.routes if r.date <= TUE for s in r.stops}
    assert before == after


def test_an_absence_in_the_afternoon_keeps_the_morning_without_lunch(clunisois) -> None:
    sc, _ = clunisois
    a = sc.advisors[0]
    fri = MON + dt.timedelta(days=4)
    sc2 = sc.model_copy(update={"absences": (Absence(advisor_id=a.id, date=fri, start_s=12 * H + 1800, end_s=18 * H,
                                                     reason="formation"),)})
    p = problem_from_scenario(sc2, _matrix(sc2))
    (v,) = [v for v in p.vehicles if v.advisor_id == a.id and v.date == fri]
    assert (v.start_s, v.end_s, v.lunch) == (a.start_s, 12 * H + 1800, None)


# --------------------------------------------------------------------------- absences and per-day hours, read from tables


def _tiny(tmp_path: Path, absences: str | None = None, advisors_extra: str | None = None, visits_extra: str = "") -> Path:
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(REPO / "tests" / "data" / "tiny", folder)
    if advisors_extra is not None:
        lines = (folder / "advisors.csv").read_text(encoding="utf-8").splitlines()
        lines[0] += ",horaires"
        lines[1] += f",{advisors_extra}"
        lines[2] += ","
        (folder / "advisors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if absences is not None:
        (folder / "absences.csv").write_text("conseiller;date;de;a;motif\n" + absences, encoding="utf-8")
    if visits_extra:
        text = (folder / "visits.csv").read_text(encoding="utf-8").rstrip("\n").splitlines()
        text[0] += ",conseiller_impose,date_imposee,heure_imposee"
        for k in range(1, len(text)):
            text[k] += ",,,"
        text.append(visits_extra)
        (folder / "visits.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    return folder


def test_absences_table_removes_and_cuts_days(tmp_path: Path) -> None:
    from itinerant.scenario import load_scenario

    folder = _tiny(tmp_path, "a1;2026-11-30;;;congé\na2;du 01/12/2026 au 02/12/2026;12:30;17:00;formation\n")
    sc = load_scenario(folder)
    assert [(a.advisor_id, a.date.isoformat(), a.start_s, a.reason) for a in sc.absences] == [
        ("a1", "2026-11-30", None, "congé"),
        ("a2", "2026-12-01", 12 * H + 1800, "formation"),
        ("a2", "2026-12-02", 12 * H + 1800, "formation"),
    ]
    p = problem_from_scenario(sc, _matrix(sc))
    days = {(v.advisor_id, v.date.isoformat()): v for v in p.vehicles}
    assert ("a1", "2026-11-30") not in days  # congé all day
    a2 = days[("a2", "2026-12-01")]
    assert (a2.start_s, a2.end_s, a2.lunch) == (9 * H, 12 * H + 1800, None)  # morning only, no lunch


def test_a_pinned_visit_inside_an_absence_is_a_fault_naming_both_rows(tmp_path: Path) -> None:
    from itinerant.core.errors import InputError
    from itinerant.scenario import load_scenario

    folder = _tiny(tmp_path, "a1;2026-12-01;;;congé\n",
                   visits_extra="v9,r1,,,,30,,09:00-12:00,numerique,must,Mme Neuf,,,a1,2026-12-01,10:00")
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    (f,) = [f for f in exc.value.faults if f.file.startswith("visits")]
    assert f.column == "date_imposee" and f.row == 5  # the 4th visit, below the header
    assert f.message == "rendez-vous pendant l'absence de 'a1' le 2026-12-01 toute la journée (congé) : absences.csv, ligne 2"


def test_per_weekday_hours_give_a_morning_without_lunch(tmp_path: Path) -> None:
    from itinerant.scenario import load_scenario

    folder = _tiny(tmp_path, advisors_extra="jeu 08:30-12:30")
    sc = load_scenario(folder)
    a1 = sc.advisors[0]
    assert a1.day_hours == ((3, 8 * H + 1800, 12 * H + 1800),)
    p = problem_from_scenario(sc, _matrix(sc))
    thu = {v.date.weekday(): v for v in p.vehicles if v.advisor_id == "a1"}
    assert (thu[3].start_s, thu[3].end_s, thu[3].lunch) == (8 * H + 1800, 12 * H + 1800, None)
    assert (thu[0].start_s, thu[0].end_s) == (8 * H + 1800, 17 * H) and thu[0].lunch is not None
    # the same person: one advisor in the KPIs, whatever the day
    assert {v.advisor_id for v in p.vehicles} == {"a1", "a2"}


# --------------------------------------------------------------------------- bad rows set aside


def test_a_bad_visit_row_is_set_aside_and_the_rest_planned(tmp_path: Path) -> None:
    from itinerant.core.errors import InputError
    from itinerant.scenario import load_scenario
    from itinerant.scenario.lenient import load_scenario_lenient

    folder = _tiny(tmp_path)
    with (folder / "visits.csv").open("a", encoding="utf-8") as f:
        f.write("v9,r1,,,,30,,09:00-12:00,plomberie,must,Mme Neuf,,\n")
    with pytest.raises(InputError):
        load_scenario(folder)  # strict: the week is blocked
    sc, rejected = load_scenario_lenient(folder)
    (bad,) = rejected
    assert (bad.visit_id, bad.row, bad.priority) == ("v9", 5, "must")
    assert "aucun conseiller n'a la compétence 'plomberie'" in bad.faults[0].message
    p = problem_from_scenario(sc, _matrix(sc), rejected=rejected)
    plan = solve(p, SolveParams(time_limit_s=0.5))
    assert check_plan(p, plan) == []
    (u,) = [u for u in plan.unassigned if u.task_id == "v9"]
    assert u.code == "invalid" and u.reason.startswith("ligne 5 de visits.csv écartée : competence : aucun conseiller")
    assert {t.id for t in p.tasks} == {v.id for v in sc.visits} and "v9" not in {v.id for v in sc.visits}
    assert "1 ligne(s) de demandes écartée(s)" in plan.summary()


def test_faults_outside_the_visits_table_still_block(tmp_path: Path) -> None:
    from itinerant.core.errors import InputError
    from itinerant.scenario.lenient import load_scenario_lenient

    folder = _tiny(tmp_path)
    text = (folder / "advisors.csv").read_text(encoding="utf-8").replace("08:30,17:00", "17:00,08:30", 1)
    (folder / "advisors.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario_lenient(folder)
    assert any(f.file == "advisors.csv" for f in exc.value.faults)


def test_cli_sets_a_bad_row_aside_strict_blocks_and_a_bad_now_is_a_fault(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    folder = _tiny(tmp_path)
    with (folder / "visits.csv").open("a", encoding="utf-8") as f:
        f.write("v9,r1,,,,30,,09:00-12:00,plomberie,must,Mme Neuf,,\n")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "itinerant", "visits", str(folder), "--no-reports", "-q",
                               "--time-limit", "1", *args], capture_output=True, text=True, cwd=REPO, timeout=300)

    res = run("--out", str(tmp_path / "a"))
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "a" / "plan.json").read_text(encoding="utf-8"))
    assert [u["code"] for u in doc["unassigned"] if u["visit_id"] == "v9"] == ["invalid"]
    res = run("--out", str(tmp_path / "b"), "--strict")
    assert res.returncode == 1 and "plomberie" in res.stderr and "Traceback" not in res.stderr
    res = run("--out", str(tmp_path / "c"), "--now", "mardi soir")
    assert res.returncode == 1 and "date et heure illisibles « mardi soir »" in res.stderr
    assert "Traceback" not in res.stderr


# --------------------------------------------------------------------------- reasons that add up


def test_suggestions_never_point_to_the_past() -> None:
    from itinerant.visits.reasons import explain_one

    p = _line()
    vehicles = tuple(Vehicle(f"ana@{MON + dt.timedelta(days=d)}", 0, 0, 9 * H, 11 * H + 1800, None, "ana", "Ana",
                             MON + dt.timedelta(days=d), open_from_s=(10**9 if d == 0 else None)) for d in range(3))
    monday_only = replace(p.tasks[0], days=(0,))
    p = p.replace(vehicles=vehicles, tasks=(monday_only,), now=dt.datetime(2026, 12, 1, 8, 0))
    assert p.allowed_vehicles(0) == ()  # Monday is past: closed to new visits
    code, text = explain_one(p, [[], [], []], 0)
    assert (code, text) == ("past", "ses jours autorisés sont passés (lundi 30/11) : autoriser un jour à venir")


def test_visits_competing_for_one_route_are_grouped() -> None:
    p = _line()
    extra = Task("could2", 2, 3000, ((9 * H, 11 * H),), True, priority="could", penalty=PENALTY["could"])
    p = p.replace(tasks=p.tasks + (extra,))
    plan = solve(p, SolveParams(time_limit_s=0.3))
    left = {u.task_id for u in plan.unassigned}
    assert left == {"could1", "could2"}
    (g,) = plan.groups
    assert set(g.task_ids) == left and g.vehicle_id == "ana@mon"
    assert g.text.startswith("2 visites se disputent la tournée de Ana le lundi 30/11")


def test_the_summary_says_when_the_search_had_not_settled() -> None:
    from itinerant.visits.search import SearchLog, default_time_limit

    assert default_time_limit(60) == 15 and default_time_limit(300) == 37.5 and default_time_limit(600) == 75
    log = SearchLog()
    log.runs.append((0.5, 10.0))
    assert log.settled()
    log.runs.append((0.9, 10.0))  # still improving in the last quarter
    assert not log.settled()
    plan = solve(_line(), SolveParams(time_limit_s=0.3))
    tired = replace(plan, kpis=replace(plan.kpis, settled=False, time_limit_s=15.0))
    assert "la recherche s'est arrêtée avant de se stabiliser (15 s)" in tired.summary()
    assert "stabiliser" not in replace(plan, kpis=replace(plan.kpis, settled=True)).summary()


def test_same_seed_and_iterations_give_the_same_plan_with_lunch_breaks() -> None:
    p = overloaded(40, 2, seed=3)  # lunch breaks and a pinned time: PyVRP warm start, then OR-Tools
    a = solve(p, SolveParams(iterations=30, seed=3, reasons=False))
    b = solve(p, SolveParams(iterations=30, seed=3, reasons=False))
    assert a.engine == "pyvrp+ortools"
    assert plan_to_dict(a)["routes"] == plan_to_dict(b)["routes"]


# --------------------------------------------------------------------------- stability


def _announced_week(**must_changes) -> VisitProblem:
    """should1 was announced Monday 09:10 at home 1; a new must1 (home 1) needs 09:10-10:00."""
    from itinerant.visits import Slot

    p = _line()
    should1 = replace(p.tasks[1], windows=((9 * H, 11 * H + 1800),), announced=Slot("ana", MON, 9 * H + 600))
    must1 = replace(p.tasks[0], windows=((9 * H, 10 * H),), **must_changes)
    return p.replace(tasks=(must1, should1))


def test_a_replan_keeps_announced_visits_when_nothing_forces_a_move() -> None:
    from itinerant.visits import Slot

    p = _line()
    first = solve(p, SolveParams(time_limit_s=0.3))
    slots = {s.task_id: Slot(r.advisor_id, r.date, s.start_s) for r in first.routes for s in r.stops}
    again = p.replace(tasks=tuple(replace(t, announced=slots.get(t.id)) for t in p.tasks))
    second = solve(again, SolveParams(time_limit_s=0.3))
    assert second.changes == ()
    assert {s.task_id: (r.advisor_id, r.date, s.start_s) for r in second.routes for s in r.stops} == {
        k: (v.advisor_id, v.date, v.start_s) for k, v in slots.items()}


def test_a_higher_priority_request_takes_an_announced_slot_and_the_change_is_listed() -> None:
    p = _announced_week()
    plan = solve(p, SolveParams(time_limit_s=0.3))
    where = {s.task_id: s.start_s for r in plan.routes for s in r.stops}
    assert where == {"must1": 9 * H + 600, "should1": 10 * H}
    (c,) = plan.changes
    assert (c.task_id, c.old_start_s, c.new_start_s) == ("should1", 9 * H + 600, 10 * H)
    assert c.why == "créneau donné à la visite must1, de priorité plus haute"


def test_freeze_announced_keeps_every_announced_visit() -> None:
    p = _announced_week()
    plan = solve(p, SolveParams(time_limit_s=0.3, freeze_announced=True))
    assert {s.task_id: s.start_s for r in plan.routes for s in r.stops} == {"should1": 9 * H + 600}
    assert [u.task_id for u in plan.unassigned] == ["must1"] and plan.changes == ()
    assert check_plan(p, plan) == []


def test_a_hand_arrangement_may_keep_a_should_over_a_must() -> None:
    p = _line()
    plan = plan_from_sequences(p, [[1, 2]], engine="main", params=SolveParams(reasons=False), planner_rules=False)
    assert plan.served() == {"should1", "could1"}
    assert check_plan(p, plan, planner_rules=False) == []
    assert any(v.startswith("inversion de priorité : must1") for v in check_plan(p, plan))


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
def test_a_midday_replan_places_nothing_before_now(engine: str) -> None:
    p = overloaded(30, 2, seed=4)
    vehicles = tuple(replace(v, open_from_s=(13 * H if v.date == TUE else (10**9 if v.date < TUE else None)))
                     for v in p.vehicles)
    tasks = tuple(replace(t, pinned=False, advisor_id=None, date=None, pinned_start_s=None, days=(1, 2))
                  if t.id == "v011" else t for t in p.tasks)
    p = p.replace(vehicles=vehicles, tasks=tasks, now=dt.datetime(2026, 12, 1, 13, 0))
    plan = solve(p, SolveParams(engine=engine, time_limit_s=1.0, reasons=False))
    assert check_plan(p, plan) == []
    tuesday = [s.start_s for r in plan.routes if r.date == TUE for s in r.stops]
    assert tuesday and min(tuesday) >= 13 * H
    assert not [r for r in plan.routes if r.date == MON]


def test_cli_replan_at_tuesday_noon_keeps_what_was_made(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "itinerant", "visits", str(REPO / "tests" / "data" / "tiny"),
                               "--no-reports", "-q", "--time-limit", "1", *args],
                              capture_output=True, text=True, cwd=REPO, timeout=300)

    assert run("--out", str(tmp_path / "mon")).returncode == 0
    first = json.loads((tmp_path / "mon" / "plan.json").read_text(encoding="utf-8"))
    res = run("--out", str(tmp_path / "tue"), "--replan", str(tmp_path / "mon" / "plan.json"),
              "--now", "2026-12-01T12:00", "--freeze-announced")
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "tue" / "plan.json").read_text(encoding="utf-8"))
    assert doc["now"] == "2026-12-01T12:00"
    before = {(r["day"], s["visit_id"], s["start"]) for r in first["routes"] for s in r["stops"]
              if (r["day"], s["start"]) < ("2026-12-01", "12:00")}
    kept = {(r["day"], s["visit_id"], s["start"]) for r in doc["routes"] for s in r["stops"] if s["done"]}
    assert before and before == kept  # made before noon: kept as they were, marked done
    for r in doc["routes"]:
        for s in r["stops"]:
            assert s["done"] or (r["day"], s["start"]) >= ("2026-12-01", "12:00")
    assert doc["kpis"]["made"] == len(before)


def test_a_released_announced_visit_is_placed_before_new_requests_of_its_priority() -> None:
    # Ana (Monday 09:00-12:00) has room for two of three musts. must2 was announced with Bob,
    # who is away now: its slot is gone, and it is the farthest; it still goes before the
    # new requests must1 and must3, which alone would make the shorter tour.
    from itinerant.visits.problem import Slot

    x = np.array([0, 600, 600, 1800])
    d = np.abs(x[:, None] - x[None]).astype(np.int64)
    v = (Vehicle("ana@mon", 0, 0, 9 * H, 12 * H, None, "ana", "Ana", MON),)
    win = ((9 * H, 12 * H),)
    tasks = (
        Task("must1", 1, 3000, win, True, priority="must", penalty=PENALTY["must"]),
        Task("must3", 2, 3000, win, True, priority="must", penalty=PENALTY["must"]),
        Task("must2", 3, 3000, win, True, priority="must", penalty=PENALTY["must"], announced=Slot("bob", TUE, 10 * H)),
    )
    p = VisitProblem(("0", "1", "2", "3"), d, d, v, tasks, week_start=MON)
    fresh = solve(p.replace(tasks=tuple(replace(t, announced=None) for t in tasks)), SolveParams(time_limit_s=0.5))
    assert fresh.served() == {"must1", "must3"}  # what the new requests alone would get
    plan = solve(p, SolveParams(time_limit_s=0.5))
    assert "must2" in plan.served() and len(plan.served()) == 2
    assert check_plan(p, plan) == []
