"""The estimated travel model, used when no road file is available.

Road distance = great-circle (haversine) distance x :data:`CIRCUITY`. Driving time:
at each end of the trip a *local leg* through the built-up area at a local speed,
the rest at :data:`RURAL_SPEED_KPH` (open road). Both the local leg and its speed
depend on the settlement type of the end's commune, its INSEE density grid
(:data:`SETTLEMENT_LEGS`): a big city's centre is left after more metres, more
slowly, than a hamlet. An end whose grid is unknown uses the calibrated default
(:data:`LOCAL_LEG_M` / 2 at :data:`LOCAL_SPEED_KPH`), so without density data the
model is exactly the one fitted on Andorra. A trip shorter than its two local legs
runs all its metres at the local speeds, shared in proportion to the legs. The
duration is continuous and increasing in distance, symmetric, and 0 on the diagonal.

Walking: great-circle distance x :data:`WALK_CIRCUITY`, at :data:`WALK_SPEED_KPH`.

The drive constants are fitted by ``benchmarks/calibrate_estimate.py`` on the real
road graph of the substitute territory (Andorra); see the comments next to them.
This module imports only numpy (solvers may use it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from itinerant.core.places import Place
from itinerant.core.units import haversine_m

# Fitted 2026-11-25 by benchmarks/calibrate_estimate.py on the whole Andorra drive graph
# (andorra_roads_pois.osm.pbf, 2 723 nodes; 315 places = 7 town halls + places.csv +
# 200 random nodes; 98 200 ordered pairs > 300 m apart). Circuity = median road/great-
# circle ratio (1.601); speeds by least squares on relative time error, leg by grid
# search (best: 1 000 m at 45.5 km/h, then 58.5 km/h). Absolute relative error against
# real road times: distance median 17.1 %, p90 41.8 %; time median 16.5 %, p90 42.5 %.
# Other forms (fixed overhead + one speed, power-law circuity) do no better: the error
# is the pair-to-pair spread of circuity in tree-like valleys. Short trips are
# under-estimated (median bias -15 to -20 % below 2 km: streets wind more).
# Andorra is mountainous (valley roads, hairpins): its circuity (1.60) is above what a
# meshed, rolling bocage like the Clunisois should show (about 1.25-1.35; not measurable
# here, no road file). So in the Clunisois these constants over-estimate distances and
# times by roughly 20 % for trips of several km: pessimistic, i.e. safe for planning
# tours. Re-run the script on a Clunisois extract when one is available.
CIRCUITY = 1.60
LOCAL_LEG_M = 1000.0
LOCAL_SPEED_KPH = 45.5
RURAL_SPEED_KPH = 58.5

SETTLEMENT_LEGS: dict[int, tuple[float, float]] = {
    1: (3000.0, 25.0),  # grands centres urbains
    2: (1500.0, 30.0),  # centres urbains intermédiaires
    3: (1000.0, 40.0),  # ceintures urbaines
    4: (1000.0, 40.0),  # petites villes
    5: (500.0, LOCAL_SPEED_KPH),  # bourgs ruraux: the calibrated default
    6: (400.0, LOCAL_SPEED_KPH),  # rural à habitat dispersé
    7: (300.0, LOCAL_SPEED_KPH),  # rural à habitat très dispersé
}
"""Local leg at one end of a trip, (metres of road, km/h), by INSEE 7-level communal
density grid. Grid 5 is the calibrated default (half of :data:`LOCAL_LEG_M`, at
:data:`LOCAL_SPEED_KPH`): Andorra's places, fitted as one class, are small towns and
villages. The legs follow the built-up radii the road graph uses for ``place=*`` nodes
(:data:`itinerant.roads.speeds.PLACE_RADIUS_M`: city 3 000 m, town 1 500 m, village
600 m, hamlet 250 m). Speeds of grids 1-4 are assumptions, not fitted (no French road
file offline): 30 km/h is the default limit of most large French cities' centres and
traffic lights bring the mean below it (25 km/h, grid 1); 50 km/h limits with
roundabouts and junctions give about 40 km/h in small towns. Fitting per settlement
class on Andorra (benchmarks/calibrate_estimate.py) gives 46 km/h near its towns and
55.5 km/h near its villages over a 1 km leg, but 32 km/h for places outside any
settlement, which there are mountain hairpins: not transferable to a rolling rural
territory, so grids 6-7 keep the default speed and only a shorter leg."""

WALK_CIRCUITY = 1.30
"""Not fitted: the usual urban detour index for short walks."""
WALK_SPEED_KPH = 4.0
"""Walking pace of an older person (km/h), used for every walk duration."""

DRIVE_SOURCE = (
    "estimé : distance à vol d'oiseau x {c:.2f}, {lm:.0f} premiers mètres à {lv:g} km/h "
    "puis {rv:g} km/h (pas de fichier de routes)"
)
DENSITY_SOURCE = (
    "estimé : distance à vol d'oiseau x {c:.2f} ; à chaque bout, une traversée de la commune "
    "plus longue et plus lente selon sa grille de densité INSEE ({lm:.0f} m à {lv:g} km/h pour "
    "un bourg rural), puis {rv:g} km/h (pas de fichier de routes)"
)
WALK_SOURCE = "estimé : distance à vol d'oiseau x {c:.2f}, marche à {w:.0f} km/h (pas de fichier de routes)"


def drive_source(*, by_density: bool = False) -> str:
    """Provenance text of an estimated drive matrix (French); ``by_density`` when the
    communes' density grids set the local legs."""
    if by_density:
        leg, speed = SETTLEMENT_LEGS[5]
        text = DENSITY_SOURCE.format(c=CIRCUITY, lm=leg, lv=speed, rv=RURAL_SPEED_KPH)
    else:
        text = DRIVE_SOURCE.format(c=CIRCUITY, lm=LOCAL_LEG_M, lv=LOCAL_SPEED_KPH, rv=RURAL_SPEED_KPH)
    return text.replace(".", ",")


def walk_source() -> str:
    """Provenance text of an estimated walk matrix (French)."""
    return WALK_SOURCE.format(c=WALK_CIRCUITY, w=WALK_SPEED_KPH).replace(".", ",")


def great_circle_m(origins: Sequence[Place], dests: Sequence[Place]) -> np.ndarray:
    """Great-circle distances (m), float array of shape (len(origins), len(dests))."""
    olat = np.array([p.lat for p in origins], dtype=float)[:, None]
    olon = np.array([p.lon for p in origins], dtype=float)[:, None]
    dlat = np.array([p.lat for p in dests], dtype=float)[None, :]
    dlon = np.array([p.lon for p in dests], dtype=float)[None, :]
    return np.asarray(haversine_m(olat, olon, dlat, dlon)).reshape(len(origins), len(dests))


def settlement_legs(grids: Sequence[int | None] | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(leg metres, local km/h) of ``n`` trip ends from their density grids (None or
    unknown grid: the calibrated default), float arrays of shape (n,)."""
    default = (LOCAL_LEG_M / 2, LOCAL_SPEED_KPH)
    pairs = [SETTLEMENT_LEGS.get(g, default) if g is not None else default for g in (grids or [None] * n)]
    if len(pairs) != n:
        raise ValueError(f"{len(pairs)} density grids for {n} places")
    arr = np.array(pairs, dtype=float).reshape(n, 2)
    return arr[:, 0], arr[:, 1]


def drive_time_s(road_m: np.ndarray | float, *, leg_o: np.ndarray | float = LOCAL_LEG_M / 2,
                 speed_o: np.ndarray | float = LOCAL_SPEED_KPH, leg_d: np.ndarray | float = LOCAL_LEG_M / 2,
                 speed_d: np.ndarray | float = LOCAL_SPEED_KPH) -> np.ndarray:
    """Estimated driving seconds for road distances in metres (arrays broadcast).

    The local legs at the origin (``leg_o`` m at ``speed_o`` km/h) and destination,
    then the open road at :data:`RURAL_SPEED_KPH`; a trip shorter than both legs
    shares its metres between them in proportion. Defaults: the calibrated model.
    """
    d = np.asarray(road_m, dtype=float)
    legs = np.asarray(leg_o, dtype=float) + np.asarray(leg_d, dtype=float)
    local = np.minimum(d, legs)
    share_o = np.asarray(leg_o, dtype=float) / legs
    rest = np.maximum(d - legs, 0.0)
    return local * share_o * 3.6 / speed_o + local * (1 - share_o) * 3.6 / speed_d + rest * 3.6 / RURAL_SPEED_KPH


def drive_estimate(origins: Sequence[Place], dests: Sequence[Place], *,
                   origin_grids: Sequence[int | None] | None = None,
                   dest_grids: Sequence[int | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(duration_s, distance_m) float arrays of shape (m, n), estimated driving.

    ``origin_grids`` / ``dest_grids``: INSEE density grid (1-7) of each place's commune,
    or None (unknown: the calibrated default legs).
    """
    road = great_circle_m(origins, dests) * CIRCUITY
    leg_o, v_o = settlement_legs(origin_grids, len(origins))
    leg_d, v_d = settlement_legs(dest_grids, len(dests))
    return drive_time_s(road, leg_o=leg_o[:, None], speed_o=v_o[:, None], leg_d=leg_d[None, :],
                        speed_d=v_d[None, :]), road


def grids_of(places: Sequence[Place], density_grid: Mapping[str, int | None] | None) -> list[int | None] | None:
    """Density grid of each place looked up by id (None where unknown), or None."""
    if not density_grid:
        return None
    return [density_grid.get(p.id) for p in places]


def walk_estimate(origins: Sequence[Place], dests: Sequence[Place]) -> tuple[np.ndarray, np.ndarray]:
    """(duration_s, distance_m) float arrays of shape (m, n), estimated walking."""
    road = great_circle_m(origins, dests) * WALK_CIRCUITY
    return road * 3.6 / WALK_SPEED_KPH, road
