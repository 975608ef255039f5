"""Small synthetic bus problems for tests and benchmarks (no scenario, no road graph).

Communes are points in a disc around a depot; travel is Euclidean metres times a
circuity, at a constant speed, so the matrix obeys the triangle inequality.
"""

from __future__ import annotations

import numpy as np

from itinerant.bus.problem import (
    DEFAULT_FREQUENCY_RULE,
    BusCommune,
    BusProblem,
    BusSpec,
    BusStop,
    CoverGroup,
    FixedSlot,
    min_visits,
)


def _metric_closure(a: np.ndarray) -> np.ndarray:
    """Shortest paths over the matrix (Floyd-Warshall), so the triangle inequality
    holds exactly after rounding."""
    a = a.copy()
    for k in range(a.shape[0]):
        a = np.minimum(a, a[:, [k]] + a[[k], :])
    return a


def synthetic_problem(
    n_communes: int = 12,
    *,
    seed: int = 0,
    radius_m: float = 15000.0,
    days: tuple[int, ...] = (1, 2, 3, 4),
    slots_per_day: int = 2,
    cycle_weeks: int = 4,
    speed_kph: float = 50.0,
    circuity: float = 1.3,
    stop_duration_s: int = 7200,
    start_s: int = 8 * 3600 + 1800,
    end_s: int = 17 * 3600 + 1800,
    rule: tuple[tuple[int, int], ...] = DEFAULT_FREQUENCY_RULE,
    fixed: tuple[FixedSlot, ...] = (),
    metres_per_resident: int = 5000,
    shared_cover: bool = True,
) -> BusProblem:
    """A random problem: one bus, one stop per commune, low-mobility groups per stop.

    Site 0 is the depot; site ``i + 1`` is commune ``i``'s stop (id ``"stop-i"``).
    """
    rng = np.random.default_rng(seed)
    ang = rng.uniform(0, 2 * np.pi, n_communes)
    rad = radius_m * np.sqrt(rng.uniform(0.05, 1, n_communes))
    xy = np.vstack([[0.0, 0.0], np.c_[rad * np.cos(ang), rad * np.sin(ang)]])
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) * circuity
    dm = _metric_closure(np.rint(dist).astype(np.int64))
    dsec = _metric_closure(np.rint(dist / (speed_kph / 3.6)).astype(np.int64))
    pops = np.sort(np.rint(rng.lognormal(5.3, 0.8, n_communes)).astype(int))[::-1]
    communes = []
    groups = []
    for i, p in enumerate(pops):
        low = max(1, int(p * rng.uniform(0.05, 0.12)))
        communes.append(
            BusCommune(f"C{i:02d}", f"Commune {i}", int(p), min_visits(int(p), rule), low, low // 4)
        )
        if shared_cover and i > 0 and dist[i + 1, i] < 3000:
            groups.append(CoverGroup((i - 1, i), max(1, low // 5)))
            groups.append(CoverGroup((i,), low - max(1, low // 5)))
        else:
            groups.append(CoverGroup((i,), low))
    stops = tuple(BusStop(f"stop-{i}", i + 1, i) for i in range(n_communes))
    # evenly spread slots
    free = end_s - start_s - slots_per_day * stop_duration_s
    gap = max(0, free // (slots_per_day + 1)) // 900 * 900
    starts = tuple(start_s + gap + k * (stop_duration_s + gap) for k in range(slots_per_day))
    bus = BusSpec("bus", "Bus", 0, days, start_s, end_s, stop_duration_s, starts)
    return BusProblem(
        site_ids=("depot", *(s.id for s in stops)),
        drive_s=dsec,
        drive_m=dm,
        communes=tuple(communes),
        stops=stops,
        buses=(bus,),
        groups=tuple(groups),
        cycle_weeks=cycle_weeks,
        metres_per_resident=metres_per_resident,
        fixed=fixed,
    )
