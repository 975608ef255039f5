"""Calibrate the estimated travel model (itinerant.roads.estimate) on a real road graph.

Usage (from the repository root, venv active)::

    nice python benchmarks/calibrate_estimate.py [OSM_FILE]

Default file: ../shared/data/substitute_andorra/andorra_roads_pois.osm.pbf (whole
country, no clipping). Places: the 7 town halls (pois.csv), every place of
places.csv (towns, villages, hamlets...) and 200 random drive-graph nodes, all
snapped within 1 km of a road. For every ordered pair more than 300 m apart the
real drive time/distance (itinerant.matrices.drive_matrix) is compared with the
estimate; the constants are fitted (circuity = median ratio road/great-circle;
local/rural speeds and local leg by least squares on relative error) and the
median / 90th percentile absolute relative errors are printed, for the fitted and
for the constants currently in itinerant.roads.estimate.

Settlement types: each place is classed by the OSM ``place=*`` nodes of places.csv,
with the road graph's built-up radii (itinerant.roads.speeds.PLACE_RADIUS_M): within a
town's radius -> "town", else within a village's -> "village", else "dispersed". The
local speed is then fitted per class (each end of a trip runs half the local leg at
its own class's speed), which is the evidence behind
itinerant.roads.estimate.SETTLEMENT_LEGS (Andorra has no INSEE density grid).
"""

from __future__ import annotations

import csv
import random
import sys
import time
from pathlib import Path

import numpy as np

from itinerant.core.errors import TerritoryError
from itinerant.core.places import Place
from itinerant.core.units import haversine_m
from itinerant.matrices import drive_matrix
from itinerant.roads import estimate
from itinerant.roads.speeds import PLACE_RADIUS_M
from itinerant.roads.territory import build_territory

REPO = Path(__file__).resolve().parents[1]
ANDORRA = REPO.parent / "shared" / "data" / "substitute_andorra"


def load_places(territory) -> list[Place]:
    places: list[Place] = []
    with open(ANDORRA / "pois.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "amenity=townhall":
                places.append(Place(f"mairie-{row['osm_id']}", float(row["lat"]), float(row["lon"])))
    with open(ANDORRA / "places.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            places.append(Place(f"{row['place']}-{row['osm_id']}", float(row["lat"]), float(row["lon"])))
    net = territory.network("drive")
    rng = random.Random(2026)
    for i in rng.sample(range(net.n), 200):
        places.append(Place(f"node-{net.node_ids[i]}", float(net.lat[i]), float(net.lon[i])))
    kept = []
    for p in places:
        try:
            territory.anchors([p], max_snap_m=1000)
            kept.append(p)
        except TerritoryError:
            pass
    return kept


def errors(est: np.ndarray, real: np.ndarray) -> tuple[float, float]:
    rel = np.abs(est - real) / real
    return float(np.median(rel)), float(np.percentile(rel, 90))


def piecewise(d: np.ndarray, leg: float, v_local: float, v_rural: float) -> np.ndarray:
    return np.minimum(d, leg) * 3.6 / v_local + np.maximum(d - leg, 0) * 3.6 / v_rural


CLASSES = ("town", "village", "dispersed")


def settlement_class(places: list[Place]) -> np.ndarray:
    """0 town, 1 village, 2 dispersed: by the built-up radius of places.csv's nodes."""
    nodes = []
    with open(ANDORRA / "places.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            nodes.append((row["place"], float(row["lat"]), float(row["lon"])))
    out = np.full(len(places), 2)
    for k, kind in reversed(list(enumerate(CLASSES[:2]))):
        pts = [(la, lo) for kd, la, lo in nodes if kd == kind]
        if not pts:
            continue
        lat = np.array([p.lat for p in places])[:, None]
        lon = np.array([p.lon for p in places])[:, None]
        near = (haversine_m(lat, lon, np.array(pts)[:, 0][None, :], np.array(pts)[:, 1][None, :])
                <= PLACE_RADIUS_M[kind]).any(axis=1)
        out[near] = k
    return out


def fit_by_class(d_est: np.ndarray, real_t: np.ndarray, c_o: np.ndarray, c_d: np.ndarray,
                 leg: float) -> tuple[np.ndarray, tuple[float, float]]:
    """Local speed (km/h) per class and the rural speed, least squares on relative error."""
    half = np.minimum(d_est, leg) / 2
    cols = [half * ((c_o == k).astype(float) + (c_d == k).astype(float)) for k in range(len(CLASSES))]
    X = np.column_stack([*cols, np.maximum(d_est - leg, 0)])
    present = X.any(axis=0)
    coef, *_ = np.linalg.lstsq(X[:, present] / real_t[:, None], np.ones(len(real_t)), rcond=None)
    full = np.full(X.shape[1], np.nan)
    full[present] = coef
    est = X[:, present] @ coef
    return 3.6 / full, errors(est, real_t)


def main(osm_file: Path) -> None:
    t0 = time.perf_counter()
    territory = build_territory(osm_file, bbox=None)
    print(f"territory {territory.source}: {len(territory.drive)} drive nodes ({time.perf_counter() - t0:.1f} s)")
    places = load_places(territory)
    m = drive_matrix(places, territory=territory, use_cache=False)
    gc = estimate.great_circle_m(places, places)
    mask = (gc > 300) & (m.duration_s > 0)
    real_t = m.duration_s[mask].astype(float)
    real_d = m.distance_m[mask].astype(float)
    g = gc[mask]
    print(f"{len(places)} places snapped, {mask.sum()} ordered pairs > 300 m apart")

    circuity = float(np.median(real_d / g))
    d_est = circuity * g
    best = None
    for leg in np.arange(0, 8001, 250):
        A = np.column_stack([np.minimum(d_est, leg), np.maximum(d_est - leg, 0)]) / real_t[:, None]
        coef, *_ = np.linalg.lstsq(A, np.ones(len(real_t)), rcond=None)
        if (coef <= 0).any():
            continue
        v_local, v_rural = 3.6 / coef[0], 3.6 / coef[1]
        if leg == 0:
            v_local = v_rural
        med, p90 = errors(piecewise(d_est, leg, v_local, v_rural), real_t)
        if best is None or med < best[0]:
            best = (med, p90, float(leg), float(v_local), float(v_rural))
    assert best is not None
    med, p90, leg, v_local, v_rural = best

    rows = [
        ("fitted", circuity, leg, v_local, v_rural),
        ("in estimate.py", estimate.CIRCUITY, estimate.LOCAL_LEG_M, estimate.LOCAL_SPEED_KPH, estimate.RURAL_SPEED_KPH),
    ]
    print()
    print(f"{'constants':16} {'circuity':>8} {'leg m':>6} {'v loc':>6} {'v rur':>6} | "
          f"{'dist med':>8} {'dist p90':>8} | {'time med':>8} {'time p90':>8}")
    for name, c, lg, vl, vr in rows:
        dm, dp = errors(c * g, real_d)
        tm, tp = errors(piecewise(c * g, lg, vl, vr), real_t)
        print(f"{name:16} {c:8.3f} {lg:6.0f} {vl:6.1f} {vr:6.1f} | {dm:8.1%} {dp:8.1%} | {tm:8.1%} {tp:8.1%}")

    c = settlement_class(places)
    i_idx, j_idx = np.nonzero(mask)
    print(f"\nby settlement class ({', '.join(f'{n} {int((c == k).sum())}' for k, n in enumerate(CLASSES))} "
          f"places), local leg {estimate.LOCAL_LEG_M:.0f} m, circuity {estimate.CIRCUITY:.2f}:")
    speeds, (cm, cp) = fit_by_class(estimate.CIRCUITY * g, real_t, c[i_idx], c[j_idx], estimate.LOCAL_LEG_M)
    print("  local km/h " + ", ".join(f"{n} {v:.1f}" for n, v in zip(CLASSES, speeds[:-1]))
          + f"; rural {speeds[-1]:.1f} km/h; time error median {cm:.1%}, p90 {cp:.1%}")

    print("\nby great-circle distance band (constants of estimate.py):")
    est_t = estimate.drive_time_s(estimate.CIRCUITY * g)  # unknown settlement: the calibrated default
    print(f"{'band km':>10} {'pairs':>6} {'road/gc':>8} {'real km/h':>9} {'time med':>8} {'time p90':>8} {'bias':>7}")
    for lo, hi in [(0.3, 1), (1, 2), (2, 5), (5, 10), (10, 20), (20, 100)]:
        b = (g >= lo * 1000) & (g < hi * 1000)
        if b.sum() == 0:
            continue
        tm, tp = errors(est_t[b], real_t[b])
        bias = float(np.median((est_t[b] - real_t[b]) / real_t[b]))
        speed = float(np.median(real_d[b] / real_t[b] * 3.6))
        print(f"{lo:4.1f}-{hi:<5.0f} {b.sum():6d} {np.median(real_d[b] / g[b]):8.2f} {speed:9.1f} {tm:8.1%} {tp:8.1%} {bias:+7.1%}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ANDORRA / "andorra_roads_pois.osm.pbf")
