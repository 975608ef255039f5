"""Run itinerant's planner, raw PyVRP and raw OR-Tools on a VRPTW set; print a gap table.

Usage::

    python benchmarks/vrptw_sets.py --set solomon --time-limit 10 [--instances C101 R101]
        [--jobs 1] [--solvers product,pyvrp,ortools] [--engine pyvrp|ortools] [--sample]

Each (instance, solver) runs in its own subprocess at the same time limit (a crash or a hang
costs one row, not the run). Every solution is checked here with unrounded Euclidean distances
and times (:func:`vrptw.check_routes`) and compared with the ``hier-real`` row of the set's
``bks.csv``: vehicles first, then distance. ``gap`` is the distance gap in % (negative when a
solution uses more vehicles than the BKS, so read it with the vehicle column). Rows are appended
to ``benchmarks/results/<set>.csv`` as they finish; the Markdown table goes to
``benchmarks/results/<set>.md``. ``--table-only`` rebuilds the table from the CSV.

Targets (issue 4): Solomon 56 at 10 s, all feasible and product mean gap <= PyVRP's + 0.2
points; Gehring-Homberger 200 at 30 s, mean gap <= 1.5 %.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from vrptw import SET_FOLDERS, check_routes, read_instance, write_solution  # noqa: E402

RESULTS = HERE / "results"
SOLVERS = ("product", "pyvrp", "ortools")
FIELDS = [
    "instance", "solver", "time_limit", "feasible", "vehicles", "distance", "bks_vehicles",
    "bks_distance", "gap", "wall_s", "faults",
]  # fmt: skip


def natural_key(name: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def instance_class(name: str) -> str:
    """``C101`` -> ``C1``, ``rc2_2_1`` -> ``RC2``."""
    m = re.match(r"([a-zA-Z]+)(\d)", name)
    return (m.group(1) + m.group(2)).upper() if m else name


def set_instances(set_name: str, *, sample: bool = False) -> list[str]:
    names = sorted(
        (p.stem for p in (SET_FOLDERS[set_name] / "instances").glob("*.txt")), key=natural_key
    )
    if sample:  # first instance of each class
        seen: set[str] = set()
        names = [n for n in names if not (instance_class(n) in seen or seen.add(instance_class(n)))]
    return names


def read_bks(set_name: str, convention: str = "hier-real") -> dict[str, tuple[int, float]]:
    """Best-known (vehicles, distance) per lower-case instance name for ``convention``."""
    out = {}
    with open(SET_FOLDERS[set_name] / "bks.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["convention"] == convention:
                out[row["instance"].lower()] = (int(row["vehicles"]), float(row["objective"]))
    return out


# ------------------------------------------------------------------ one run (subprocess)


def run_one(
    instance: str,
    solver: str,
    time_limit: float,
    engine: str | None,
    sol_dir: str,
    objective: str = "hier",
) -> dict:
    """Solve one instance with one solver in this process; return a result row (no BKS)."""
    inst = read_instance(instance)
    start = time.perf_counter()
    if solver == "product":
        from vrptw import solve_product

        routes = solve_product(inst, time_limit, engine=engine, objective=objective)
    else:
        from _peers import PEERS

        routes = PEERS[solver](inst, time_limit, objective=objective)
    wall = time.perf_counter() - start
    check = check_routes(inst, routes)
    if sol_dir:
        Path(sol_dir).mkdir(parents=True, exist_ok=True)
        write_solution(Path(sol_dir) / f"{inst.name}.{solver}.sol", routes, check.distance)
    return {
        "instance": inst.name,
        "solver": solver,
        "time_limit": time_limit,
        "feasible": check.feasible,
        "vehicles": check.vehicles,
        "distance": round(check.distance, 4),
        "wall_s": round(wall, 2),
        "faults": "; ".join(check.faults)[:300],
    }


def run_subprocess(
    instance: str,
    solver: str,
    time_limit: float,
    engine: str | None,
    sol_dir: str,
    objective: str = "hier",
) -> dict:
    cmd = [sys.executable, __file__, "--_one", instance, solver, str(time_limit)]
    cmd += ["--engine", engine or "", "--sol-dir", sol_dir, "--objective", objective]
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=3 * time_limit + 120, cwd=HERE.parent
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode == 0 and lines:
            return json.loads(lines[-1])
        error = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    except subprocess.TimeoutExpired:
        error = "timeout"
    return {
        "instance": instance,
        "solver": solver,
        "time_limit": time_limit,
        "feasible": False,
        "vehicles": 0,
        "distance": float("nan"),
        "wall_s": round(time.perf_counter() - start, 2),
        "faults": f"crash: {error}"[:300],
    }


# ------------------------------------------------------------------ tables


def load_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["feasible"] = r["feasible"] == "True"
        r["vehicles"] = int(r["vehicles"])
        r["distance"] = float(r["distance"])
        r["bks_vehicles"] = int(r["bks_vehicles"])
        r["bks_distance"] = float(r["bks_distance"])
        r["gap"] = float(r["gap"]) if r["gap"] not in ("", "nan") else float("nan")
        r["wall_s"] = float(r["wall_s"])
        r["time_limit"] = float(r["time_limit"])
    return rows


def fmt_cell(r: dict | None) -> str:
    if r is None:
        return "–"
    if not r["feasible"]:
        return "**infeasible**"
    dv = r["vehicles"] - r["bks_vehicles"]
    flag = f" ({dv:+d} veh)" if dv else ""
    return f"{r['vehicles']} / {r['distance']:.2f} / {round(r['gap'], 2) + 0.0:+.2f} %{flag}"


def summary(rows: list[dict], solvers: list[str]) -> list[str]:
    lines = [
        "| solver | instances | feasible | mean gap % (feasible) | vehicles (sum) | BKS vehicles "
        "(sum) | same vehicles as BKS | fewer | more | mean gap % same-vehicle rows |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in solvers:
        rs = [r for r in rows if r["solver"] == s]
        ok = [r for r in rs if r["feasible"]]
        if not rs:
            continue
        mean = sum(r["gap"] for r in ok) / len(ok) if ok else float("nan")
        same = [r for r in ok if r["vehicles"] == r["bks_vehicles"]]
        fewer = sum(r["vehicles"] < r["bks_vehicles"] for r in ok)
        more = sum(r["vehicles"] > r["bks_vehicles"] for r in ok)
        mean_same = sum(r["gap"] for r in same) / len(same) if same else float("nan")
        lines.append(
            f"| {s} | {len(rs)} | {len(ok)} | {mean:.2f} | {sum(r['vehicles'] for r in ok)} | "
            f"{sum(r['bks_vehicles'] for r in ok)} | {len(same)} | {fewer} | {more} | "
            f"{mean_same:.2f} |"
        )
    return lines


def class_means(rows: list[dict], solvers: list[str]) -> list[str]:
    classes = sorted({instance_class(r["instance"]) for r in rows}, key=natural_key)
    lines = [
        "| class | " + " | ".join(f"{s} gap % / veh" for s in solvers) + " |",
        "| --- |" + " --- |" * len(solvers),
    ]
    for c in classes:
        cells = []
        for s in solvers:
            ok = [
                r for r in rows
                if r["solver"] == s and r["feasible"] and instance_class(r["instance"]) == c
            ]  # fmt: skip
            if ok:
                g = sum(r["gap"] for r in ok) / len(ok)
                v = sum(r["vehicles"] - r["bks_vehicles"] for r in ok)
                cells.append(f"{round(g, 2) + 0.0:+.2f} / {v:+d}")
            else:
                cells.append("–")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return lines


def render(
    set_name: str,
    rows: list[dict],
    solvers: list[str],
    note: str = "",
    convention: str = "hier-real",
) -> str:
    by = {(r["instance"], r["solver"]): r for r in rows}
    names = sorted({r["instance"] for r in rows}, key=natural_key)
    limits = sorted({r["time_limit"] for r in rows})
    out = [
        f"# VRPTW {set_name}: itinerant vs raw PyVRP vs raw OR-Tools",
        "",
        f"Time limit per run: {', '.join(f'{t:g}' for t in limits)} s (wall clock). "
        + (
            "Convention hier-real: vehicles first, then unrounded Euclidean distance "
            "(a fixed cost per vehicle in every solver); "
            if convention == "hier-real"
            else "Convention dist-real: distance only (no vehicle cost), unrounded Euclidean; "
            "the BKS column is the dist-real upper bound of bks.csv; "
        )
        + "every solution re-checked here with unrounded times. "
        "Cells: vehicles / distance / gap to BKS distance (vehicle difference flagged; "
        "a negative gap with extra vehicles is not an improvement).",
    ]
    if note:
        out += ["", note]
    out += ["", "## Summary", ""] + summary(rows, solvers)
    out += ["", "## Mean gap and vehicle difference by class", ""] + class_means(rows, solvers)
    out += [
        "",
        "## Per instance",
        "",
        "| instance | BKS veh / dist | " + " | ".join(solvers) + " |",
        "| --- | --- |" + " --- |" * len(solvers),
    ]
    for n in names:
        any_row = next(r for r in rows if r["instance"] == n)
        cells = [fmt_cell(by.get((n, s))) for s in solvers]
        out.append(
            f"| {n} | {any_row['bks_vehicles']} / {any_row['bks_distance']:.2f} | "
            + " | ".join(cells)
            + " |"
        )
    faults = [r for r in rows if r["faults"]]
    if faults:
        out += ["", "## Faults", ""]
        out += [f"- {r['instance']} {r['solver']}: {r['faults']}" for r in faults]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="set_name", choices=sorted(SET_FOLDERS), default="solomon")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--instances", nargs="*", help="names (default: the whole set)")
    parser.add_argument("--sample", action="store_true", help="first instance of each class")
    parser.add_argument("--jobs", type=int, default=1, help="runs at the same time")
    parser.add_argument("--solvers", default=",".join(SOLVERS))
    parser.add_argument("--engine", default="", help="product engine (default: auto)")
    parser.add_argument(
        "--objective", choices=["hier", "distance"], default="hier",
        help="hier: vehicles then distance, vs hier-real (default); "
        "distance: distance only, vs dist-real (Solomon only)",
    )
    parser.add_argument("--tag", default="", help="suffix of the result files")
    parser.add_argument("--sol-dir", default="", help="write every solution there")
    parser.add_argument("--note", default="", help="sentence added under the table's title")
    parser.add_argument("--table-only", action="store_true", help="rebuild the table from CSV")
    parser.add_argument("--_one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._one:
        instance, solver, limit = args._one
        row = run_one(
            instance, solver, float(limit), args.engine or None, args.sol_dir, args.objective
        )
        print(json.dumps(row))
        return 0

    solvers = [s for s in args.solvers.split(",") if s]
    RESULTS.mkdir(exist_ok=True)
    stem = args.set_name + ("-distance" if args.objective == "distance" else "")
    stem += f"-{args.tag}" if args.tag else ""
    csv_path, md_path = RESULTS / f"{stem}.csv", RESULTS / f"{stem}.md"
    convention = "dist-real" if args.objective == "distance" else "hier-real"
    bks = read_bks(args.set_name, convention)
    command = "python benchmarks/vrptw_sets.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a != "--table-only"
    )
    if args.table_only:
        command = "(table rebuilt from the CSV) " + command
    note = f"Command: `{command}` ({dt.date.today().isoformat()})."
    if args.sample:
        note += " Sample: the first instance of each class only."
    if args.note:
        note += " " + args.note

    if not args.table_only:
        names = args.instances or set_instances(args.set_name, sample=args.sample)
        jobs = [(n, s) for n in names for s in solvers]
        new_file = not csv_path.exists()
        with open(csv_path, "a", newline="") as f, ThreadPoolExecutor(args.jobs) as pool:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            if new_file:
                writer.writeheader()
            futures = [
                pool.submit(
                    run_subprocess,
                    n,
                    s,
                    args.time_limit,
                    args.engine or None,
                    args.sol_dir,
                    args.objective,
                )
                for n, s in jobs
            ]
            for fut in futures:
                row = fut.result()
                bv, bd = bks[row["instance"].lower()]
                row["bks_vehicles"], row["bks_distance"] = bv, bd
                row["gap"] = round(100 * (row["distance"] - bd) / bd, 3) + 0.0
                writer.writerow(row)
                f.flush()
                print(
                    f"{row['instance']:>8} {row['solver']:>8}: {fmt_cell(row)} "
                    f"[{row['wall_s']:.1f} s] {row['faults']}",
                    flush=True,
                )

    rows = load_rows(csv_path)
    # Keep the latest row of each (instance, solver).
    rows = list({(r["instance"], r["solver"]): r for r in rows}.values())
    rows = [r for r in rows if r["solver"] in solvers]
    text = render(args.set_name, rows, solvers, note, convention)
    md_path.write_text(text)
    print()
    print("\n".join(summary(rows, solvers)))
    print(f"\nwritten {md_path}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
