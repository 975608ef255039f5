"""Travel matrices between places: drive duration (s) and distance (m), walk distance (m).

Contract (implemented by the territory/matrices work):

- :class:`Place` is ``(id, lat, lon)``.
- :func:`drive_matrix` returns a :class:`TravelMatrix` from every origin to every
  destination (square when ``destinations`` is None). With a territory it uses the
  road graph (CSR matrix + ``scipy.sparse.csgraph``); without one it uses the
  *estimated* model (great-circle distance x circuity, speeds by settlement type)
  and sets ``estimated=True``.
- :func:`walk_matrix` returns walking distances (m) with a cut-off; entries beyond
  the cut-off are :data:`UNREACHABLE`.

A scenario's matrices (sites and visits by car, residents to bus stops on foot,
residents to permanence sites) are :class:`ScenarioMatrices`, made by
:func:`matrices_for_scenario`; the pipeline only calls it.

Also: :func:`save_npz` / :func:`load_npz`, :func:`read_points_csv` and
:func:`matrix_from_points_file` (``itinerant matrix --osm --points --out``).
Matrices computed on a road graph are cached as ``.npz`` in
``<cache dir>/matrices/<mode>-<key>.npz``, key = sha256 of (territory key, mode,
ids and coordinates of origins and destinations, snap limit, cut-off, version).
This module loads numpy, scipy and itinerant's own plain modules (solvers may import it);
the road graph modules (networkx) are imported only when a road file is used.
"""

from __future__ import annotations

from itinerant.core.places import UNREACHABLE, Place, TravelMatrix
from itinerant.matrices.compute import (
    MATRIX_VERSION,
    OFFROAD_SPEED_KPH,
    drive_matrix,
    matrix_from_points_file,
    walk_matrix,
)
from itinerant.matrices.files import load_npz, read_points_csv, save_npz
from itinerant.matrices.geometry import path_coords
from itinerant.matrices.scenario import ScenarioMatrices, StepReporter, matrices_for_scenario

__all__ = [
    "MATRIX_VERSION",
    "OFFROAD_SPEED_KPH",
    "UNREACHABLE",
    "Place",
    "ScenarioMatrices",
    "StepReporter",
    "TravelMatrix",
    "drive_matrix",
    "load_npz",
    "matrices_for_scenario",
    "matrix_from_points_file",
    "path_coords",
    "read_points_csv",
    "save_npz",
    "walk_matrix",
]
