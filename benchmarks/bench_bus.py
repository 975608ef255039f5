"""Bus rota on the default Clunisois scenario: the baseline, the greedy start and the
CP-SAT rota at several time limits, side by side, with the proven gap.

Run from the repository root (estimated matrices, no road file needed):

    python benchmarks/bench_bus.py [--time-limits 30,60] [--seed 0] [--out benchmarks/results/bus.md]
        [--days mar|jeu|ven] [--stops 2] [--metres-per-resident 5000] [--no-floor]

``--days``/``--stops``/``--metres-per-resident`` override the scenario's bus to test
variants. The last two rows put the LP bound of today's model (arcs between two places
of one commune) beside the new model's, against the same best rota (``--no-lp`` skips them). ``gap`` is ``(bound - objective) / max(1, |objective|, metres driven)``: the
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
from itinerant.bus.cpsat import build_model
from itinerant.bus.heuristic import greedy_assignments
from itinerant.bus.lp import lp_bound
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


def _lp_rows(p, best, low_total: int) -> tuple[list[dict], list[str]]:
    """The last stage's LP bound of today's model (arcs between two places of one
    commune, as before issue 13's bound work) and of the new one, at the best rota's
    levels (missing visits), each against the best rota found: the same rota, two bounds."""
    rows, notes = [], []
    level = sum(best.shortfall) + (sum(c.min_visits for c in p.communes) + 1) * best.unserved
    for old in (True, False):
        t = time.perf_counter()
        rm = build_model(p, commune_arcs=old)
        rm.m.add(rm.short_expr <= level)
        rm.m.maximize(rm.cov_expr - rm.km_expr)
        built = time.perf_counter() - t
        bnd = lp_bound(rm.m, time_limit_s=600.0)
        secs = time.perf_counter() - t
        name = "LP bound, today's model (arcs within a commune)" if old else "LP bound, new model (no arc within a commune)"
        gap = math.nan if bnd is None else (bnd - best.score) / max(1, abs(best.score), best.distance_m)
        rows.append({
            "rota": name, "communes without bus": best.unserved, "missing visits": sum(best.shortfall),
            "covered low-mobility": f"{best.covered_low}/{low_total}", "km/cycle": f"{best.distance_m / 1000:.1f}",
            "objective": f"{best.score:.0f}", "bound": "none" if bnd is None else f"{bnd:.0f}",
            "gap": "" if bnd is None else f"{100 * gap:.1f} %", "status": "LP", "time s": f"{secs:.1f}",
        })
        notes.append(f"- {name}: {len(rm.m.proto.variables)} variables, model {built:.1f} s, LP {secs - built:.1f} s")
    return rows, notes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limits", default="30,60")
    ap.add_argument("--days", default="")
    ap.add_argument("--stops", type=int, default=0)
    ap.add_argument("--metres-per-resident", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-floor", action="store_true", help="let coverage fall below the baseline's")
    ap.add_argument("--no-lp", action="store_true", help="skip the LP bounds of today's and the new model")
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
    best = greedy
    for limit in (float(x) for x in a.time_limits.split(",")):
        t = time.perf_counter()
        rota = solve(p, time_limit_s=limit, hint=base.assignments, seed=a.seed,
                     min_coverage_points=None if a.no_floor else base.coverage_points)
        rows.append(_row(f"CP-SAT, {limit:.0f} s", rota, p.low_total, time.perf_counter() - t))
        stages.append(f"- {limit:.0f} s: " + "; ".join(rota.stages))
        best = max(best, rota, key=lambda r: r.key)
    if not a.no_lp:
        lp_rows, lp_notes = _lp_rows(p, best, p.low_total)
        rows += lp_rows
        stages += lp_notes
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
