"""MCLP and LSCP on the Sao Jose dos Campos instances (../shared/benchmarks/mclp-sjc/).

Usage::

    nice -n 5 python benchmarks/mclp_sjc.py --time-limit 60 --md benchmarks/results/mclp-sjc.md

Convention of bks.csv (computed for the collection with HiGHS, all proven optimal):
candidate sites = all nodes; node i is covered when its Euclidean distance to an open
site is <= radius (compared exactly here on squared integer distances); MCLP maximises
the covered demand (3rd column) with p sites; LSCP minimises the number of sites that
cover every node. Data licence: CC BY-NC-SA 4.0 (non-commercial), see SOURCES.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from itinerant.antennes.lscp import solve_lscp
from itinerant.antennes.mclp import solve_mclp

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "mclp-sjc"


def read_sjc(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(squared distances int64 (n, n), demand (n,)) of one SJC file."""
    lines = Path(path).read_text().split("\n")
    n = int(lines[0].split()[0])
    data = np.array([[float(t) for t in ln.split()[:3]] for ln in lines[1 : n + 1]])
    xy = np.rint(data[:, :2]).astype(np.int64)
    assert np.allclose(xy, data[:, :2]), "coordinates are not integers"
    diff = xy[:, None, :] - xy[None, :, :]
    return (diff * diff).sum(axis=2), data[:, 2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", nargs="*", help="instance names, e.g. SJC324")
    ap.add_argument("--md", type=Path)
    a = ap.parse_args(argv)
    rows = list(csv.DictReader(open(SHARED / "bks.csv")))
    if a.only:
        rows = [r for r in rows if r["instance"] in a.only]
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    out = []
    print(f"{'instance':8} {'problem':7} {'radius':>6} {'p':>3} {'objective':>10} {'bks':>10} {'time s':>7}  status", flush=True)
    for r in rows:
        name = r["instance"]
        if name not in cache:
            cache[name] = read_sjc(SHARED / f"{name}.txt")
        d2, demand = cache[name]
        radius = int(r["radius"])
        t0 = time.perf_counter()
        if r["problem"] == "LSCP":
            res = solve_lscp(d2, demand, threshold=radius * radius, time_limit_s=a.time_limit)
            p = ""
        else:
            p = int(r["p"])
            res = solve_mclp(d2, demand, threshold=radius * radius, p=p, time_limit_s=a.time_limit)
        secs = time.perf_counter() - t0
        bks = float(r["optimal"])
        ok = abs(res.objective - bks) < 1e-6
        status = ("optimal" if res.optimal else f"gap {res.gap:.3%}") + ("" if ok else " DIFFERS")
        out.append((name, r["problem"], radius, p, res.objective, bks, secs, status))
        print(f"{name:8} {r['problem']:7} {radius:6d} {p!s:>3} {res.objective:10.0f} {bks:10.0f} {secs:7.2f}  {status}", flush=True)
    n_ok = sum(1 for o in out if o[7] == "optimal")
    print(f"proven optimal and equal to bks: {n_ok}/{len(out)}; total time {sum(o[6] for o in out):.1f} s")
    if a.md:
        lines = [
            "# MCLP / LSCP on the Sao Jose dos Campos instances (mclp-sjc)",
            "",
            f"itinerant CP-SAT (1 worker, time limit {a.time_limit:.0f} s per row), coverage on exact squared "
            "integer distances; bks = values computed for the collection with HiGHS (not published values).",
            "",
            "| instance | problem | radius | p | objective | bks | time (s) | status |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [f"| {o[0]} | {o[1]} | {o[2]} | {o[3]} | {o[4]:.0f} | {o[5]:.0f} | {o[6]:.2f} | {o[7]} |" for o in out]
        lines += ["", f"Proven optimal and equal to bks: {n_ok} of {len(out)}."]
        tmp = a.md.with_name(a.md.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(a.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
