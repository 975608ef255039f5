"""Bus rota on the default Clunisois scenario: the baseline, the greedy start and the
CP-SAT rota at several time limits, side by side, with the proven gap.

Run from the repository root (estimated matrices, no road file needed):

    python benchmarks/bench_bus.py [--time-limits 30,60] [--seed 0] [--out benchmarks/results/bus.md]
        [--days mar|jeu|ven] [--stops 2] [--metres-per-resident 5000] [--no-floor]

``--days``/``--stops``/``--metres-per-resident`` override the scenario's bus to test
variants. ``gap`` is ``(bound - objective) / max(1, |objective|, metres driven)``: the
share of the km that could at most still be saved at equal coverage (see
:class:`itinerant.bus.Rota`). Timings depend on the machine's load: say so with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import time
from pathlib import Path

from itinerant.bus import baseline, evaluate, problem_from_scenario, solve
from itinerant.bus.heuristic import greedy_assignments
from itinerant.matrices import ScenarioMatrices
from itinerant.scenario import load_scenario, parse_days

REPO = Path(__file__).resolve().parents[1]


def _row(name: str, r, low_total: int, secs: float) -> dict:
    solved = r.status not in ("BASELINE",)
    gap = "" if not solved or not math.isfinite(r.gap) else f"{100 * r.gap:.1f} %"
    return {
        "rota": name, "communes without bus": r.unserved, "missing visits": sum(r.shortfall),
        "covered low-mobility": f"{r.covered_low}/{low_total}", "km/cycle": f"{r.distance_m / 1000:.1f}",
        "objective": f"{r.score:.0f}", "bound": "" if not solved or not math.isfinite(r.bound) else f"{r.bound:.0f}",
        "gap": gap, "status": r.status, "time s": f"{secs:.1f}",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limits", default="30,60")
    ap.add_argument("--days", default="")
    ap.add_argument("--stops", type=int, default=0)
    ap.add_argument("--metres-per-resident", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-floor", action="store_true", help="let coverage fall below the baseline's")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    sc = load_scenario(REPO / "scenarios" / "clunisois")
    bus = sc.buses[0]
    upd = {}
    if a.days:
        upd["days"] = parse_days(a.days)
    if a.stops:
        upd["stops_per_day"] = a.stops
    if upd:
        sc = sc.model_copy(update={"buses": (bus.model_copy(update=upd),)})
    m = ScenarioMatrices(sc, None)
    p = problem_from_scenario(sc, m.drive(), m.walk_to_stops(), metres_per_resident=a.metres_per_resident)
    rows = []
    t = time.perf_counter()
    base = baseline(p)
    rows.append(_row("baseline (population order)", base, p.low_total, time.perf_counter() - t))
    t = time.perf_counter()
    greedy = evaluate(p, greedy_assignments(p))
    rows.append(_row("greedy start (insertion + local search)", greedy, p.low_total, time.perf_counter() - t))
    stages = []
    for limit in (float(x) for x in a.time_limits.split(",")):
        t = time.perf_counter()
        rota = solve(p, time_limit_s=limit, hint=base.assignments, seed=a.seed,
                     min_coverage_points=None if a.no_floor else base.coverage_points)
        rows.append(_row(f"CP-SAT, {limit:.0f} s", rota, p.low_total, time.perf_counter() - t))
        stages.append(f"- {limit:.0f} s: " + "; ".join(rota.stages))
    days_off = ", ".join(f"{d.isoformat()} ({n})" for d, n in p.holidays)
    head = (f"Clunisois bus, {len(p.stops)} stops, days {bus.days} x {len(p.buses[0].slot_starts_s)} slots, "
            f"cycle of {p.cycle_weeks} weeks from {p.week_start}; days off: {days_off or 'none'}; "
            f"minimum {sum(c.min_visits for c in p.communes)} visits")
    cols = list(rows[0])
    table = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    table += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    text = "\n".join([head, "", *table, "", "Stages:", *stages])
    print(text)
    if a.out:
        load = os.getloadavg()[0]
        note = (f"# Bus rota benchmark\n\n`python benchmarks/bench_bus.py --time-limits {a.time_limits}` on "
                f"{dt.date.today().isoformat()}, shared 2-core machine (load average {load:.1f} while it ran: "
                f"times are pessimistic).\n\n")
        Path(a.out).write_text(note + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
