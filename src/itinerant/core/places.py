"""Places and travel matrices: the plain data every layer above shares (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

UNREACHABLE = 2**40
"""Sentinel for 'no path within the cut-off' in int64 matrices (s or m)."""


class Place(NamedTuple):
    """A point to route between: stable id and WGS84 coordinates."""

    id: str
    lat: float
    lon: float


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel from origins (rows) to destinations (columns).

    Attributes
    ----------
    origin_ids, dest_ids
        Stable ids, ``len = m`` and ``n``.
    duration_s
        int64, shape (m, n), driving (or walking) seconds.
    distance_m
        int64, shape (m, n), metres.
    estimated
        True when built from the estimated model rather than a road graph.
    source
        Human-readable provenance ("routes OSM : ...", "estimé : ...").
    """

    origin_ids: tuple[str, ...]
    dest_ids: tuple[str, ...]
    duration_s: np.ndarray
    distance_m: np.ndarray
    estimated: bool
    source: str

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of a square matrix (origins == destinations)."""
        if self.origin_ids != self.dest_ids:
            raise ValueError("matrix is not square")
        return self.origin_ids

    def index(self, place_id: str) -> int:
        """Row index of an origin id."""
        return self.origin_ids.index(place_id)
