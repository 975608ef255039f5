"""The estimated travel model (no road file): its properties."""

from __future__ import annotations

import numpy as np
import pytest

from itinerant.core.places import UNREACHABLE, Place
from itinerant.matrices import drive_matrix, walk_matrix
from itinerant.roads import estimate

CLUNY = Place("cluny", 46.434, 4.659)
SALORNAY = Place("salornay", 46.517, 4.597)  # mairie de Salornay-sur-Guye
PLACES = [CLUNY, SALORNAY, Place("lournand", 46.449, 4.645), Place("cortambert", 46.476, 4.713)]


def test_estimated_drive_matrix_is_flagged_symmetric_with_zero_diagonal() -> None:
    m = drive_matrix(PLACES, territory=None)
    assert m.estimated
    assert m.source.startswith("estimé")
    assert m.duration_s.dtype == m.distance_m.dtype == np.int64
    assert (np.diag(m.duration_s) == 0).all() and (np.diag(m.distance_m) == 0).all()
    assert (m.duration_s == m.duration_s.T).all() and (m.distance_m == m.distance_m.T).all()
    off = ~np.eye(len(PLACES), dtype=bool)
    assert (m.duration_s[off] > 0).all()


def test_estimated_distance_is_great_circle_times_circuity() -> None:
    m = drive_matrix([CLUNY], [SALORNAY], territory=None)
    gc = estimate.haversine_m(CLUNY.lat, CLUNY.lon, SALORNAY.lat, SALORNAY.lon)
    assert 10_000 < gc < 11_000  # 10.3 km as the crow flies (SOURCES.md)
    assert m.distance_m[0, 0] == round(gc * estimate.CIRCUITY)


def test_estimated_duration_is_monotone_in_distance() -> None:
    # points due north of Cluny, 100 m to 40 km
    steps = np.linspace(0.001, 0.36, 60)
    dests = [Place(f"p{i}", CLUNY.lat + d, CLUNY.lon) for i, d in enumerate(steps)]
    m = drive_matrix([CLUNY], dests, territory=None)
    assert (np.diff(m.distance_m[0]) > 0).all()
    assert (np.diff(m.duration_s[0]) >= 0).all()
    assert m.duration_s[0, -1] > m.duration_s[0, 0]


def test_short_trips_are_slower_than_long_ones() -> None:
    short = estimate.drive_time_s(1000.0)
    long = estimate.drive_time_s(30_000.0)
    assert 1000 / short < 30_000 / long  # mean speed grows with distance
    # continuous where the local leg ends
    eps = 1e-6
    assert estimate.drive_time_s(estimate.LOCAL_LEG_M + eps) == pytest.approx(estimate.drive_time_s(estimate.LOCAL_LEG_M))


def test_estimated_walk_matrix_with_cutoff() -> None:
    near = Place("voisin", CLUNY.lat + 0.005, CLUNY.lon)  # 556 m north
    m = walk_matrix([CLUNY, near, SALORNAY], territory=None, cutoff_m=2000)
    assert m.estimated and m.source.startswith("estimé")
    assert m.distance_m[0, 1] == round(estimate.haversine_m(CLUNY.lat, CLUNY.lon, near.lat, near.lon) * estimate.WALK_CIRCUITY)
    # duration from the unrounded distance: within 1 s of the rounded one's
    assert abs(m.duration_s[0, 1] - m.distance_m[0, 1] * 3.6 / estimate.WALK_SPEED_KPH) <= 1
    assert m.distance_m[0, 2] == UNREACHABLE and m.duration_s[2, 0] == UNREACHABLE
    assert m.distance_m[2, 2] == 0


def test_same_point_under_two_ids_is_zero() -> None:
    twin = Place("twin", CLUNY.lat, CLUNY.lon)
    m = drive_matrix([CLUNY, twin], territory=None)
    assert (m.duration_s == 0).all()


# -- speeds by settlement type (INSEE density grid) ---------------------------------------

EAST = Place("east", CLUNY.lat, CLUNY.lon + 0.08)  # about 6 km east of CLUNY


@pytest.mark.parametrize("dense, rural", [(1, 5), (2, 5), (4, 5), (5, 7), (1, 7)])
def test_a_dense_commune_pair_takes_longer_than_a_rural_one_at_equal_distance(dense: int, rural: int) -> None:
    grids = {"a": dense, "b": dense, "c": rural, "d": rural}
    pairs = [Place("a", CLUNY.lat, CLUNY.lon), Place("b", EAST.lat, EAST.lon)]
    rural_pairs = [Place("c", CLUNY.lat, CLUNY.lon), Place("d", EAST.lat, EAST.lon)]
    m_dense = drive_matrix(pairs, territory=None, density_grid=grids)
    m_rural = drive_matrix(rural_pairs, territory=None, density_grid=grids)
    assert m_dense.distance_m[0, 1] == m_rural.distance_m[0, 1]  # same road distance
    assert m_dense.duration_s[0, 1] > m_rural.duration_s[0, 1]
    assert "densité" in m_dense.source


def test_unknown_density_is_the_calibrated_model_exactly() -> None:
    plain = drive_matrix(PLACES, territory=None)
    unknown = drive_matrix(PLACES, territory=None, density_grid={p.id: None for p in PLACES})
    bourgs = drive_matrix(PLACES, territory=None, density_grid={p.id: 5 for p in PLACES})
    assert (plain.duration_s == unknown.duration_s).all() and (plain.duration_s == bourgs.duration_s).all()
    assert "densité" not in plain.source
    d = np.array([300.0, 999.0, 1000.0, 25_000.0])
    old = np.minimum(d, 1000) * 3.6 / 45.5 + np.maximum(d - 1000, 0) * 3.6 / 58.5
    assert estimate.drive_time_s(d) == pytest.approx(old, rel=1e-12)


def test_mixed_ends_are_symmetric_continuous_and_monotone() -> None:
    # a city centre (grid 1) to a very dispersed commune (grid 7), 100 m to 40 km
    d = np.linspace(100.0, 40_000.0, 4000)
    (lo, vo), (ld, vd) = estimate.SETTLEMENT_LEGS[1], estimate.SETTLEMENT_LEGS[7]
    there = estimate.drive_time_s(d, leg_o=lo, speed_o=vo, leg_d=ld, speed_d=vd)
    back = estimate.drive_time_s(d, leg_o=ld, speed_o=vd, leg_d=lo, speed_d=vo)
    assert there == pytest.approx(back)
    assert (np.diff(there) > 0).all()
    legs = lo + ld
    assert estimate.drive_time_s(legs + 1e-6, leg_o=lo, speed_o=vo, leg_d=ld, speed_d=vd) == pytest.approx(
        estimate.drive_time_s(legs, leg_o=lo, speed_o=vo, leg_d=ld, speed_d=vd))
    # inside the city, the whole trip runs at the local speeds
    assert estimate.drive_time_s(1000.0, leg_o=lo, speed_o=vo, leg_d=lo, speed_d=vo) == pytest.approx(1000 * 3.6 / vo)


def test_denser_grids_never_leave_town_faster() -> None:
    legs = [estimate.SETTLEMENT_LEGS[g] for g in range(1, 8)]
    time_per_end = [estimate.drive_time_s(20_000.0, leg_o=lg, speed_o=v, leg_d=lg, speed_d=v) for lg, v in legs]
    assert all(a >= b for a, b in zip(time_per_end, time_per_end[1:]))
    assert time_per_end[0] > time_per_end[-1]


def test_scenario_matrices_read_the_communes_density_grid() -> None:
    from pathlib import Path

    from itinerant.matrices import ScenarioMatrices
    from itinerant.scenario import load_scenario
    from itinerant.scenario.places import scenario_places

    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "clunisois")
    assert {c.density_grid for c in sc.communes} == {5, 6, 7}
    m = ScenarioMatrices(sc, None).drive()
    plain = drive_matrix(scenario_places(sc), territory=None)
    assert (m.distance_m == plain.distance_m).all()
    grid = {c.code: c.density_grid for c in sc.communes}
    ids = list(m.ids)
    commune = {s.id: s.commune_code for s in sc.sites} | {v.id: v.commune_code for v in sc.visits}
    dispersed = [i for i, pid in enumerate(ids) if grid[commune[pid]] == 7]
    bourg = [i for i, pid in enumerate(ids) if grid[commune[pid]] == 5]
    # legs of grid 7 are shorter than the default: never slower, faster for most trips
    i, j = dispersed[0], dispersed[1]
    assert m.duration_s[i, j] < plain.duration_s[i, j]
    assert (m.duration_s <= plain.duration_s).all()
    assert (m.duration_s[np.ix_(bourg, bourg)] == plain.duration_s[np.ix_(bourg, bourg)]).all()
