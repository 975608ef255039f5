"""Run itinerant's CP-SAT p-median on all 40 OR-Library pmed instances and compare with bks.csv.

Usage::

    nice -n 5 python benchmarks/pmedian_set.py --time-limit 60 --spopt 5 --md benchmarks/results/pmed.md

Prints one line per instance: objective, optimum (bks.csv), gap to the optimum, the solver's
own proven gap, time, proof status. ``--spopt K`` also solves pmed1..K with spopt's PMedian
(PuLP + CBC, assignment formulation) on the same matrix and prints the time ratio.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pmedian import SHARED, read_orlib, solve_instance  # noqa: E402


def spopt_pmedian(path: Path, time_limit_s: float) -> tuple[float, float, str]:
    """(objective, seconds, status) of spopt.locate.PMedian with CBC."""
    import pulp
    from spopt.locate import PMedian

    d, p = read_orlib(path)
    t0 = time.perf_counter()
    model = PMedian.from_cost_matrix(d, np.ones(len(d)), p_facilities=p)
    try:
        model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    except RuntimeError as e:  # spopt raises when CBC stops without a proven answer
        return float("nan"), time.perf_counter() - t0, f"not solved ({e})"[:60]
    return float(model.problem.objective.value()), time.perf_counter() - t0, pulp.LpStatus[model.problem.status]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", nargs="*", help="instance names (default: all 40)")
    ap.add_argument("--spopt", type=int, default=0, help="also run spopt on pmed1..K")
    ap.add_argument("--spopt-names", nargs="*", default=[], help="also run spopt on these instances")
    ap.add_argument("--md", type=Path, help="write a Markdown table here")
    a = ap.parse_args(argv)
    bks = {r["instance"]: r for r in csv.DictReader(open(SHARED / "bks.csv"))}
    names = a.only or [f"pmed{i}" for i in range(1, 41)]
    rows = []
    head = f"{'instance':9} {'n':>4} {'p':>4} {'objective':>9} {'optimum':>8} {'to opt':>7} {'proven gap':>10} {'time s':>7}  status"
    print(head, flush=True)
    for name in names:
        res, n, total = solve_instance(SHARED / f"{name}.txt", a.time_limit, a.workers)
        opt = int(bks[name]["optimal"])
        row = dict(
            instance=name, n=n, p=int(bks[name]["p"]), objective=int(round(res.objective)), optimum=opt,
            to_opt=(res.objective - opt) / opt, gap=res.gap, time=total,
            status="optimal" if res.optimal else "time limit",
        )
        rows.append(row)
        print(
            f"{name:9} {n:4d} {row['p']:4d} {row['objective']:9d} {opt:8d} {row['to_opt']:7.2%} "
            f"{res.gap:10.3%} {total:7.1f}  {row['status']}",
            flush=True,
        )
        if a.md:
            _write_md(a.md, rows, [], a)
    sp = []
    for name in [f"pmed{i}" for i in range(1, a.spopt + 1)] + a.spopt_names:
        obj, secs, status = spopt_pmedian(SHARED / f"{name}.txt", a.time_limit)
        if obj == obj and int(round(obj)) != int(bks[name]["optimal"]) and status == "Optimal":
            status = "time limit (PuLP reports Optimal)"  # CBC stopped on its limit
        ours = next((r for r in rows if r["instance"] == name), None)
        ratio = secs / ours["time"] if ours else float("nan")
        sp.append(dict(instance=name, objective=obj, time=secs, status=status, ratio=ratio))
        print(f"spopt {name}: objective={obj:.0f} time={secs:.1f}s status={status} ratio spopt/cp-sat={ratio:.1f}", flush=True)
        if a.md:
            _write_md(a.md, rows, sp, a)
    solved = sum(r["status"] == "optimal" for r in rows)
    within = sum(r["status"] == "optimal" and r["time"] <= 60 for r in rows)
    print(f"proven optimal: {solved}/{len(rows)}; within 60 s: {within}; at bks value: "
          f"{sum(r['objective'] == r['optimum'] for r in rows)}/{len(rows)}")
    return 0


def _write_md(path: Path, rows, sp, a) -> None:
    lines = [
        "# OR-Library p-median (pmed1-40): itinerant CP-SAT radius formulation",
        "",
        f"Machine: {platform.machine()}, 2 cores shared with other agents (run with nice -n 5); "
        f"CP-SAT {a.workers} worker(s), linearization_level 2, time limit {a.time_limit:.0f} s per instance. "
        "Time includes reading the file and all-pairs shortest paths.",
        "",
        "| instance | n | p | objective | optimum | to optimum | proven gap | time (s) | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['n']} | {r['p']} | {r['objective']} | {r['optimum']} | {r['to_opt']:.2%} | "
            f"{r['gap']:.3%} | {r['time']:.1f} | {r['status']} |"
        )
    solved = sum(r["status"] == "optimal" for r in rows)
    lines += ["", f"Proven optimal: {solved} of {len(rows)}; objective equal to the optimum: "
              f"{sum(r['objective'] == r['optimum'] for r in rows)} of {len(rows)}."]
    if sp:
        lines += ["", "## spopt PMedian (PuLP + CBC, assignment formulation) on the same matrices", "",
                  "| instance | objective | time (s) | status | time ratio spopt / itinerant |",
                  "| --- | ---: | ---: | --- | ---: |"]
        for s in sp:
            lines.append(f"| {s['instance']} | {s['objective']:.0f} | {s['time']:.1f} | {s['status']} | {s['ratio']:.1f} |")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
