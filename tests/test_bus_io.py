"""Bus rota from a scenario: building the problem, the three output files, re-reading a
published timetable, and the default Clunisois scenario end to end."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from itinerant.bus import baseline, problem_from_scenario, solve
from itinerant.bus.io import DAYS_COLUMNS, read_timetable, timetable_changes, write_outputs
from itinerant.core.errors import InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.scenario.model import (
    Bus,
    Calendar,
    Commune,
    FixedCommitment,
    Resident,
    Scenario,
    Site,
)

REPO = Path(__file__).resolve().parents[1]


def tiny_scenario(**bus_kw) -> Scenario:
    communes = (
        Commune(code="71001", name="Alpha", population=1800, lat=46.40, lon=4.60),
        Commune(code="71002", name="Bêta", population=600, lat=46.45, lon=4.65),
        Commune(code="71003", name="Gamma", population=90, lat=46.50, lon=4.70, min_bus_visits=2),
    )
    sites = (
        Site(id="office", name="Bureau", kind="office", commune_code="71001", lat=46.40, lon=4.60),
        Site(id="ant-b", name="Antenne Bêta", kind="antenne", commune_code="71002", lat=46.4501, lon=4.6501),
        *(
            Site(id=f"stop-{c.code}", name=f"Mairie {c.name}", kind="bus_stop", commune_code=c.code, lat=c.lat, lon=c.lon)
            for c in communes
        ),
    )
    residents = (
        Resident(id="r1", commune_code="71001", lat=46.40, lon=4.60, mobility="low"),
        Resident(id="r2", commune_code="71001", lat=46.40, lon=4.60, mobility="none"),
        Resident(id="r3", commune_code="71002", lat=46.45, lon=4.65, mobility="low"),
        Resident(id="r4", commune_code="71003", lat=46.50, lon=4.70, mobility="low"),
        Resident(id="r5", commune_code="71003", lat=46.50, lon=4.70, mobility="car"),
        Resident(id="r6", commune_code="71003", lat=46.52, lon=4.72, mobility="low"),  # too far to walk
    )
    bus = dict(id="bus", name="Bus", depot="office", days=(1, 3), start_s=9 * 3600, end_s=17 * 3600,
               stop_duration_s=7200, walk_radius_m=800, cycle_weeks=4, stops_per_day=2)
    bus.update(bus_kw)
    commitments = (
        FixedCommitment(id="c1", bus_id="bus", weekday=3, start_s=9 * 3600, end_s=12 * 3600 + 1800, site_id="ant-b", note="antenne"),
    )
    return Scenario(
        name="tiny", folder=Path("."), communes=communes, sites=sites, residents=residents,
        buses=(Bus(**bus),), commitments=commitments,
        calendar=Calendar(week_start=dt.date(2026, 12, 14)),
    )


def tiny_matrices(sc: Scenario) -> tuple[TravelMatrix, TravelMatrix]:
    ids = tuple(s.id for s in sc.sites)
    xy = np.array([[s.lat * 111_000, s.lon * 77_000] for s in sc.sites])
    d = np.rint(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) * 1.3).astype(np.int64)
    drive = TravelMatrix(ids, ids, d * 3600 // 50_000, d, True, "test")
    stops = tuple(s.id for s in sc.sites if s.kind == "bus_stop")
    res = tuple(r.id for r in sc.residents)
    sxy = np.array([[sc.site(s).lat * 111_000, sc.site(s).lon * 77_000] for s in stops])
    rxy = np.array([[r.lat * 111_000, r.lon * 77_000] for r in sc.residents])
    w = np.rint(np.sqrt(((rxy[:, None] - sxy[None]) ** 2).sum(-1))).astype(np.int64)
    w[w > 2000] = UNREACHABLE
    walk = TravelMatrix(res, stops, w * 3600 // 4500, w, True, "test")
    return drive, walk


def test_problem_from_scenario_applies_the_documented_rules():
    sc = tiny_scenario()
    p = problem_from_scenario(sc, *tiny_matrices(sc))
    mins = {c.code: c.min_visits for c in p.communes}
    assert mins == {"71001": 4, "71002": 2, "71003": 2}  # > 1500, > 500, explicit request
    assert [s.id for s in p.stops] == ["stop-71001", "stop-71002", "stop-71003"]
    # low-mobility residents within 800 m, one per stop; r6 is too far, r2 cannot walk
    assert sorted((g.stops, g.count) for g in p.groups) == [((0,), 1), ((1,), 1), ((2,), 1)]
    assert p.low_total == 4
    assert sum(c.no_mobility for c in p.communes) == 1
    # 9:00-17:00, two 2 h stops: equal gaps of 1 h 15
    assert p.buses[0].slot_starts_s == (10 * 3600 + 900, 13 * 3600 + 1800)
    # the antenne commitment on Thursday morning blocks slot 0 and counts for Bêta
    assert len(p.fixed) == 1
    f = p.fixed[0]
    assert (f.weekday, f.slot, f.weeks, f.stop) == (3, 0, (1, 2, 3, 4), 1)
    # Christmas 2026 is a Friday in the cycle (Tuesday/Thursday bus: not listed as bus day)
    assert (dt.date(2026, 12, 25), "Noël") in p.holidays


def test_problem_from_scenario_collects_every_fault():
    sc = tiny_scenario(depot="nowhere")
    drive, walk = tiny_matrices(sc)
    small = TravelMatrix(drive.ids[:3], drive.ids[:3], drive.duration_s[:3, :3], drive.distance_m[:3, :3], True, "t")
    with pytest.raises(InputError) as err:
        problem_from_scenario(sc, small, walk)
    text = str(err.value)
    assert "dépôt 'nowhere'" in text and "stop-71002" in text and "stop-71003" in text


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    sc = tiny_scenario()
    p = problem_from_scenario(sc, *tiny_matrices(sc))
    base = baseline(p)
    rota = solve(p, time_limit_s=5, hint=base.assignments)
    out = tmp_path_factory.mktemp("bus")
    write_outputs(out, p, rota, base)
    return sc, p, rota, base, out


def test_timetable_csv_has_the_contract_columns_and_french_days(tiny_run):
    sc, p, rota, base, out = tiny_run
    with open(out / "timetable.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        assert f.seek(0) == 0 and f.readline().strip() == "commune_code,stop_id,weekday,start,end,weeks"
    assert {r["weekday"] for r in rows} <= {"mardi", "jeudi"}
    for r in rows:
        assert r["weeks"] == "all" or all(w in "1234" for w in r["weeks"].split(","))
        assert len(r["start"]) == 5 and r["start"][2] == ":"
    # every commune appears (frequencies met), Bêta through its antenne commitment
    assert {r["commune_code"] for r in rows} == {"71001", "71002", "71003"}
    beta = [r for r in rows if r["commune_code"] == "71002"]
    assert beta == [dict(commune_code="71002", stop_id="stop-71002", weekday="jeudi", start="09:00", end="12:30", weeks="all")]


def test_days_csv_has_one_row_per_bus_week_and_day(tiny_run):
    sc, p, rota, base, out = tiny_run
    with open(out / "days.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == DAYS_COLUMNS
    assert len(rows) == 4 * 2
    assert rows[0]["date"] == "2026-12-15"  # Tuesday of week 1
    km = sum(float(r["km"]) for r in rows)
    assert km == pytest.approx(rota.distance_m / 1000, abs=0.1 * len(rows))


def test_kpis_json_reports_rota_and_baseline(tiny_run):
    sc, p, rota, base, out = tiny_run
    k = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    for key in ("coverage_low_mobility", "covered_low_mobility", "low_mobility_total", "weighted_coverage",
                "km_cycle", "km_year", "presence_hours_by_commune", "worst_served", "churn", "status",
                "objective", "bound", "gap", "solve_s", "estimated", "baseline", "holidays"):
        assert key in k, key
    assert k["low_mobility_total"] == 4 and k["covered_low_mobility"] == 3
    assert k["coverage_low_mobility"] == pytest.approx(0.75)
    assert k["presence_hours_by_commune"]["71002"] == pytest.approx(4 * 3.5)
    assert k["status"] in ("OPTIMAL", "FEASIBLE", "HINT")
    assert k["churn"] is None
    assert k["km_cycle"] == pytest.approx(timetable_km(p, out / "timetable.csv"), abs=0.05)
    assert k["baseline"]["km_cycle"] == pytest.approx(round(base.distance_m / 1000, 1))
    assert k["km_year"] == pytest.approx(k["km_cycle"] * 13, abs=1)


def timetable_km(problem, path):
    """km of a cycle re-driven from ``timetable.csv`` alone: each day's stops (commitments
    included, they are timetable rows when at a stop) in time order, depot to depot,
    summed from the drive matrix."""
    pos = {s: i for i, s in enumerate(problem.site_ids)}
    W = problem.cycle_weeks
    days: dict[tuple, list] = {}
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            weeks = range(1, W + 1) if r["weeks"] == "all" else map(int, r["weeks"].split(","))
            for w in weeks:
                days.setdefault((r["weekday"], w), []).append((r["start"], pos[r["stop_id"]]))
    dep = problem.buses[0].depot
    metres = 0
    for seq in days.values():
        path_ = [dep, *(site for _, site in sorted(seq)), dep]
        metres += sum(int(problem.drive_m[i, j]) for i, j in zip(path_, path_[1:]))
    return metres / 1000


def test_outputs_never_carry_residents(tiny_run):
    sc, p, rota, base, out = tiny_run
    text = "".join(f.read_text(encoding="utf-8") for f in out.iterdir())
    for r in sc.residents:
        assert r.id not in text
        assert f"{r.lat}" not in text


@pytest.mark.parametrize(
    "line, column",
    [
        ("71001,stop-71001,mardy,10:15,12:15,all", "weekday"),  # misspelt day
        ("71001,stop-71001,mardi,10h75,12:15,all", "start"),  # 75 minutes
        ("71001,stop-71001,mardi,10:15,12:15,5", "weeks"),  # week 5 of a 4-week cycle
        ("71001,stop-71001,mardi,10:15,,all", "end"),  # empty end
    ],
)
def test_read_timetable_names_the_bad_cell(tmp_path, line, column):
    path = tmp_path / "timetable.csv"
    path.write_text("commune_code,stop_id,weekday,start,end,weeks\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_timetable(path)
    assert err.value.faults[0].column == column
    assert err.value.faults[0].row == 2


def test_clunisois_rota_end_to_end(tmp_path):
    """The default scenario with estimated matrices: outputs are consistent and valid."""
    from itinerant.matrices import ScenarioMatrices
    from itinerant.scenario import load_scenario

    sc = load_scenario(REPO / "scenarios" / "clunisois")
    m = ScenarioMatrices(sc, None)
    p = problem_from_scenario(sc, m.drive(), m.walk_to_stops())
    assert len(p.stops) == 40  # not in front of the office in Cluny (minimum 0)
    assert "arret-71137" not in [s.id for s in p.stops]
    base = baseline(p)
    rota = solve(p, time_limit_s=6, hint=base.assignments)
    assert rota.violations == () and base.violations == ()
    assert rota.key >= base.key
    # the board's rule: every commune but Cluny (which holds the office) once per cycle
    for c, v in zip(p.communes, rota.visits_by_commune):
        assert v >= 1 or c.name == "Cluny", c.name
    # Christmas (Friday of week 4) takes 3 of the 44 slot-weeks the 42 passages needed:
    # exactly one second passage is missing, never a commune's only one
    assert p.closed(4, 4)
    assert sum(rota.shortfall) == 1 and rota.unserved == 0
    assert not any(r.week == 4 and r.weekday == 4 for r in rota.routes)
    # the Salornay antenne is an event of Thursday: no regular slot overlaps it
    fc = sc.commitments[0]
    bus = p.buses[0]
    for a in rota.assignments:
        st = bus.slot_starts_s[a.slot]
        if a.weekday == fc.weekday:
            assert st + bus.stop_duration_s <= fc.start_s or fc.end_s < st
    write_outputs(tmp_path, p, rota, base)
    k = json.loads((tmp_path / "kpis.json").read_text(encoding="utf-8"))
    with open(tmp_path / "days.csv", encoding="utf-8") as f:
        christmas = [r for r in csv.DictReader(f) if r["date"] == "2026-12-25"]
    assert len(christmas) == 1 and christmas[0]["stops"] == "" and float(christmas[0]["km"]) == 0
    assert k["estimated"] is True
    assert k["violations"] == [] and isinstance(k["notes"], list)
    assert k["low_mobility_total"] == sum(1 for r in sc.residents if r.mobility == "low")
    assert k["no_mobility_total"] == sum(1 for r in sc.residents if r.mobility == "none")


def test_scenario_closures_are_days_off_for_the_bus():
    from itinerant.scenario.meta import load_calendar
    from itinerant.scenario.rows import Collector

    out = Collector()
    cal, known = load_calendar(
        {"week_start": "2026-12-14", "fermetures": ["2026-12-22 séminaire", {"date": "2026-12-31", "motif": "inventaire"}]},
        out, 4,
    )
    assert known and out.faults == []
    assert cal.closures == ((dt.date(2026, 12, 22), "séminaire"), (dt.date(2026, 12, 31), "inventaire"))
    sc = tiny_scenario().model_copy(update={"calendar": cal})
    p = problem_from_scenario(sc, *tiny_matrices(sc))
    # Tuesday 22 December is week 2 of the cycle from 14 December; Thursday 31 is week 3
    assert p.closed(1, 2) and p.closed(3, 3) and not p.closed(1, 1)
    rota = solve(p, time_limit_s=5)
    assert not any((r.weekday, r.week) in ((1, 2), (3, 3)) for r in rota.routes)
    # the Thursday antenne is not held on the closed Thursday: 3 passages, not 4
    assert rota.visits_by_commune[1] == 3


def test_a_bad_closure_date_is_a_fault_naming_it():
    from itinerant.scenario.meta import load_calendar
    from itinerant.scenario.rows import Collector

    out = Collector()
    cal, _ = load_calendar({"week_start": "2026-12-14", "closures": ["2026-12-22", "le 32 décembre"]}, out, 4)
    assert [f.column for f in out.faults] == ["calendar.closures[2]"]
    assert cal.closures == ((dt.date(2026, 12, 22), "fermeture"),)


def test_timetable_changes_lists_only_the_communes_whose_slot_moved():
    row = lambda c, day, start, weeks=(1, 2, 3, 4): {  # noqa: E731
        "commune_code": c, "stop_id": f"arret-{c}", "weekday": day, "start_s": start,
        "end_s": start + 3600, "weeks": weeks}
    old = [row("71001", 1, 9 * 3600), row("71002", 3, 14 * 3600), row("71003", 0, 9 * 3600)]
    new = [row("71001", 1, 9 * 3600), row("71002", 4, 10 * 3600, (1,)), row("71004", 2, 9 * 3600)]
    changes = timetable_changes(old, new)
    assert [c["commune_code"] for c in changes] == ["71002", "71003", "71004"]
    assert changes[0]["before"] == [("arret-71002", 3, 14 * 3600, 15 * 3600, (1, 2, 3, 4))]
    assert changes[0]["after"] == [("arret-71002", 4, 10 * 3600, 11 * 3600, (1,))]
    assert changes[1]["after"] == [] and changes[2]["before"] == []
    assert timetable_changes(old, list(reversed(old))) == []
