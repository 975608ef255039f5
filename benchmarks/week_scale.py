"""Weeks of growing size: the product against raw PyVRP on the same data, at the same time.

Generated Clunisois-like weeks (homes scattered over 30 km around the office, 45 km/h
with a 1.3 detour, visits of 45-90 min in 3-hour windows on two allowed days, 50 % must,
30 % should, 20 % could, one in five needing « santé », one pinned appointment on
Tuesday 10:00) of 60, 150, 300 and 600 requests, for 4 to 16 advisors (one per 40
requests) working Monday-Friday 08:30-17:00 with a 45-min lunch in 12:00-14:00.

For each size, in a fresh process (so that peak memory is the run's own):
- product: ``itinerant.visits.solve`` with the default, size-aware time limit: wall time,
  peak RSS, visits served, musts left out, musts left out that would fit in the place of
  a should/could (the checker's probe: 0 expected), pins dropped, km, settled or not;
- raw PyVRP (``solve_pyvrp`` on the same encoding, lunch relaxed as PyVRP has none,
  no repair, no strict priorities) for the same search time: served, musts left out,
  inversions, pins dropped, km (its routes ignore the lunch).

Usage: ``python benchmarks/week_scale.py [--sizes 60 150 300 600]``; writes
``benchmarks/results/week_scale.md``. Timings are taken on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

H = 3600
MON = dt.date(2026, 11, 30)
HERE = Path(__file__).resolve().parent
NOTES = """
Product: `itinerant.visits.solve` with the default, size-aware time limit (search, then exact
timing, pins enforced, priority inversions removed, reasons probed; wall time is all of it).
Raw PyVRP: the same encoding for the same search time, lunch relaxed (PyVRP has no break:
its routes would not all hold with the lunch), no repair, no strict priorities.
"musts out that fit": musts left out that would fit in the place of a served should/could
(the checker's probe for the product; an exact re-timing for raw PyVRP). "settled": the
search's last improvement came before the last quarter of its run.
"""


def week(n_tasks: int, seed: int = 1):
    """The synthetic week of ``n_tasks`` requests and its number of advisors (4 to 16)."""
    from itinerant.visits.synthetic import synthetic_week

    n_adv = max(4, min(16, n_tasks // 40))
    return synthetic_week(n_tasks, n_adv, seed=seed), n_adv


def _raw_inversions(problem, seqs) -> int:
    """Musts left out by raw PyVRP that would fit in the place of a should/could, timing exactly."""
    from itinerant.visits.timing import schedule_route

    rank = {"must": 0, "should": 1, "could": 2}
    served = {i for s in seqs for i in s}
    n = 0
    for i, t in enumerate(problem.tasks):
        if i in served or t.priority != "must":
            continue
        for k in problem.allowed_vehicles(i):
            seq = seqs[k]
            if any(rank[problem.tasks[j].priority] > 0 and schedule_route(
                    problem, problem.vehicles[k], [problem.tasks[x] for x in seq[:p] + [i] + seq[p + 1:]]) is not None
                   for p, j in enumerate(seq)):
                n += 1
                break
    return n


def run_one(n: int, which: str) -> dict:
    from itinerant.visits import SolveParams, solve
    from itinerant.visits.check import priority_inversions
    from itinerant.visits.search import default_time_limit

    problem, n_adv = week(n)
    limit = default_time_limit(n)
    t0 = time.perf_counter()
    if which == "product":
        plan = solve(problem, SolveParams())
        wall = time.perf_counter() - t0
        inv = priority_inversions(problem, plan)
        prio = {t.id: t.priority for t in problem.tasks}
        out = dict(served=len(plan.served()), musts_out=plan.kpis.must_unassigned,
                   musts_out_that_fit=sum(1 for x in {s.split()[4] for s in inv} if prio.get(x) == "must"),
                   pins_dropped=plan.kpis.pins_total - plan.kpis.pins_kept, km=round(plan.travel_m / 1000, 1),
                   settled=plan.kpis.settled)
    else:
        from itinerant.visits.engine_pyvrp import solve_pyvrp
        from itinerant.visits.solve import relax_breaks

        seqs = solve_pyvrp(relax_breaks(problem), SolveParams(), time_limit_s=limit)
        wall = time.perf_counter() - t0
        served = {i for s in seqs for i in s}
        km = 0
        for k, s in enumerate(seqs):
            if s:
                locs = [0] + [problem.tasks[i].location for i in s] + [0]
                km += sum(int(problem.distance_m[a, b]) for a, b in zip(locs, locs[1:]))
        out = dict(served=len(served), musts_out=sum(problem.tasks[i].priority == "must" and i not in served
                                                      for i in range(len(problem.tasks))),
                   musts_out_that_fit=_raw_inversions(problem, seqs),
                   pins_dropped=sum(1 for i, t in enumerate(problem.tasks) if t.pinned and i not in served),
                   km=round(km / 1000, 1), settled=None)
    out.update(requests=n, advisors=n_adv, which=which, time_limit_s=limit, wall_s=round(wall, 1),
               peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[60, 150, 300, 600])
    ap.add_argument("--one", nargs=2)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(run_one(int(a.one[0]), a.one[1])))
        return
    rows = []
    for n in a.sizes:
        for which in ("product", "raw-pyvrp"):
            res = subprocess.run([sys.executable, __file__, "--one", str(n), which], capture_output=True, text=True)
            if res.returncode:
                print(res.stderr[-2000:], file=sys.stderr)
                continue
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    head = ("| requests | advisors | who | time limit (s) | wall (s) | peak MB | served | musts out | "
            "musts out that fit | pins dropped | km | settled |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append(f"| {r['requests']} | {r['advisors']} | {r['which']} | {r['time_limit_s']:.0f} | {r['wall_s']} | "
                     f"{r['peak_mb']} | {r['served']} | {r['musts_out']} | {r['musts_out_that_fit']} | "
                     f"{r['pins_dropped']} | {r['km']} | {r['settled']} |")
    out = HERE / "results" / "week_scale.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("# Weeks of growing size (shared 2-core machine, loaded)\n\n" + "\n".join(lines) + "\n" + NOTES,
                   encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
