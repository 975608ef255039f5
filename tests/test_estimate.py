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
