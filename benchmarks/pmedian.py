"""Solve one OR-Library p-median instance with itinerant's CP-SAT p-median.

Usage::

    python benchmarks/pmedian.py ../shared/benchmarks/pmed-orlib/pmed1.txt --time-limit 60 --out pmed1.sol

Convention (OR-Library notes, see ../shared/benchmarks/SOURCES.md): c(i,i)=0, edges read in
order with c(i,j)=c(j,i)=k (a repeated edge keeps its LAST cost), all-pairs shortest
paths (scipy.sparse.csgraph), minimise the sum over all vertices of the distance to the
nearest of p medians chosen among the vertices. Writes the medians one per line, 1-based.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from itinerant.antennes.base import PlacementResult
from itinerant.antennes.pmedian import solve_pmedian

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pmed-orlib"


def read_orlib(path: Path) -> tuple[np.ndarray, int]:
    """Distance matrix (int64, n x n) and p of an OR-Library pmed file."""
    tokens = Path(path).read_text().split()
    n, e, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
    data = np.array(tokens[3 : 3 + 3 * e], dtype=np.int64).reshape(e, 3)
    last: dict[tuple[int, int], int] = {}
    for i, j, k in data:  # last duplicate wins, in either orientation
        a, b = int(i) - 1, int(j) - 1
        last[(min(a, b), max(a, b))] = int(k)
    rows = np.array([a for a, b in last] + [b for a, b in last])
    cols = np.array([b for a, b in last] + [a for a, b in last])
    vals = np.array(list(last.values()) * 2, dtype=float)
    keep = rows != cols
    g = csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n))
    d = shortest_path(g, method="D", directed=False)
    if not np.all(np.isfinite(d)):
        raise ValueError(f"{path}: graph is not connected")
    return np.rint(d).astype(np.int64), p


def solve_instance(path: Path, time_limit_s: float, workers: int = 1) -> tuple[PlacementResult, int, float]:
    """Solve one instance: (result, n, seconds including shortest paths)."""
    t0 = time.perf_counter()
    d, p = read_orlib(path)
    res = solve_pmedian(d, np.ones(len(d)), p=p, time_limit_s=time_limit_s, workers=workers)
    return res, len(d), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", help="path, or a name such as pmed1")
    ap.add_argument("--time-limit", type=float, default=60.0, help="CP-SAT time limit, seconds")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, help="write the medians here, one 1-based vertex per line")
    a = ap.parse_args(argv)
    path = Path(a.instance)
    if not path.exists():
        path = SHARED / f"{a.instance.removesuffix('.txt')}.txt"
    res, n, total = solve_instance(path, a.time_limit, a.workers)
    print(
        f"{path.stem}: n={n} objective={res.objective:.0f} bound={res.bound:.0f} "
        f"{'optimal' if res.optimal else f'gap={res.gap:.4%}'} solve={res.solve_s:.1f}s total={total:.1f}s"
    )
    if a.out:
        tmp = a.out.with_name(a.out.name + ".tmp")
        tmp.write_text("".join(f"{j + 1}\n" for j in res.chosen))
        tmp.replace(a.out)
    return 0 if res.optimal else 1


if __name__ == "__main__":
    sys.exit(main())
