"""Bus rota on the default Clunisois scenario: CP-SAT rota vs the baseline.

Run from the repository root (estimated matrices, no road file needed):

    python benchmarks/bench_bus.py [--time-limit 30] [--days mar|jeu|ven] [--stops 2]

``--days``/``--stops``/``--metres-per-resident`` override the scenario's bus to test
variants. Prints one line of KPIs per rota and the solver's status, bound and gap.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from itinerant.bus import baseline, problem_from_scenario, solve
from itinerant.bus.io import kpis
from itinerant.matrices import ScenarioMatrices
from itinerant.scenario import load_scenario, parse_days

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--days", default="")
    ap.add_argument("--stops", type=int, default=0)
    ap.add_argument("--metres-per-resident", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-partners", default="auto", help="'auto', 'all' or a number")
    ap.add_argument("--no-floor", action="store_true", help="let coverage fall below the baseline's")
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
    t = time.perf_counter()
    p = problem_from_scenario(sc, m.drive(), m.walk_to_stops(), metres_per_resident=a.metres_per_resident)
    base = baseline(p)
    floor = None if a.no_floor else base.coverage_points
    mp = None if a.max_partners == "all" else a.max_partners if a.max_partners == "auto" else int(a.max_partners)
    rota = solve(p, time_limit_s=a.time_limit, hint=base.assignments, seed=a.seed, min_coverage_points=floor,
                 max_partners=mp)
    wall = time.perf_counter() - t
    k = kpis(p, rota, base)
    b = k["baseline"]
    print(f"bus days {sc.buses[0].days} x {len(p.buses[0].slot_starts_s)} stops, W={p.cycle_weeks}: "
          f"capacity {k['capacity_slot_weeks']} slot-weeks, minimum {k['min_visits_total']} visits")
    for name, r in (("baseline", b), ("cp-sat", k)):
        print(f"{name:9s} weighted {r['weighted_coverage']:.4f}  covered {r['covered_low_mobility']}/"
              f"{k['low_mobility_total']} ({r['coverage_low_mobility']:.3f})  km/cycle {r['km_cycle']:.1f}  "
              f"km/year {r['km_year']:.0f}  missing visits {sum(r['frequency_shortfall'].values())}")
    dw = (k["weighted_coverage"] / b["weighted_coverage"] - 1) if b["weighted_coverage"] else float("nan")
    dk = (k["km_cycle"] / b["km_cycle"] - 1) if b["km_cycle"] else float("nan")
    print(f"weighted coverage {dw:+.1%}, km {dk:+.1%}; status {k['status']} objective {k['objective']:.0f} "
          f"bound {k['bound']:.0f} gap {k['gap']:.2%}; solve {k['solve_s']:.1f} s (wall incl. build {wall:.1f} s)")
    print("stages:", "; ".join(rota.stages))
    if rota.notes:
        print("notes:", "; ".join(rota.notes))


if __name__ == "__main__":
    main()
