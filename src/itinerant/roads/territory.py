"""The territory: drive and walk road graphs of an area, built from a local OSM file.

Nothing is ever downloaded. :func:`build_territory` reads the file
(:mod:`itinerant.roads.osm`), builds both graphs (:mod:`itinerant.roads.graph`, speeds
from :mod:`itinerant.roads.speeds`) and their CSR arrays (:mod:`itinerant.roads.network`).

The result is cached (pickle) in ``$ITINERANT_CACHE`` or ``~/.cache/itinerant``,
keyed by the sha256 of the file, the bounding box and the settings (speed tables,
radii, osmnx version, engine, ``SETTINGS_VERSION``): ``territory-<key>.pickle``.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from itinerant.core import atomic
from itinerant.core.errors import TerritoryError
from itinerant.core.places import Place
from itinerant.roads.cache import default_cache_dir, file_sha256
from itinerant.roads.estimate import WALK_SPEED_KPH
from itinerant.roads.graph import Engine, Mode, build_graph
from itinerant.roads.network import SNAP_STEP_M, Anchor, Network, anchors, network_from_graph
from itinerant.roads.osm import NETWORK_FILTERS, USEFUL_TAGS_WAY, BBox, read_osm
from itinerant.roads.speeds import (
    DEFAULT_SPEED_KPH,
    IMPLICIT_MAXSPEED_KPH,
    PLACE_RADIUS_M,
    RURAL_SPEED_KPH,
    URBAN_SPEED_KPH,
)
from itinerant.scenario.places import extent_places

if TYPE_CHECKING:
    from itinerant.scenario.model import Scenario

__all__ = ["BBox", "Mode", "Territory", "bbox_around", "build_territory", "default_cache_dir",
           "file_sha256", "territory_for_scenario"]

SETTINGS_VERSION = "territory-2"
"""Bump when the graph construction or speed rules change (invalidates caches)."""


@dataclass
class Territory:
    """Drive and walk road graphs of an area, from one OSM file.

    Attributes
    ----------
    source
        File name of the OSM extract.
    sha256
        Digest of the file's bytes.
    bbox
        (south, west, north, east) used to clip, or None (whole file).
    key
        Cache key (hash of file digest, bbox and settings).
    drive, walk
        osmnx MultiDiGraphs (``length`` m, ``speed_kph``, ``travel_time`` s).
    drive_net, walk_net
        Their CSR arrays (:class:`~itinerant.roads.network.Network`).
    """

    source: str
    sha256: str
    bbox: BBox | None
    key: str
    drive: nx.MultiDiGraph
    walk: nx.MultiDiGraph
    drive_net: Network = field(repr=False)
    walk_net: Network = field(repr=False)

    def network(self, mode: Mode = "drive") -> Network:
        """CSR arrays of a mode."""
        if mode == "drive":
            return self.drive_net
        if mode == "walk":
            return self.walk_net
        raise ValueError(f"mode must be 'drive' or 'walk', not {mode!r}")

    def anchors(self, places: Sequence[Place], *, max_snap_m: float, mode: Mode = "drive") -> list[Anchor]:
        """Nearest road point of each place; TerritoryError listing every place too far."""
        network = "réseau routier" if mode == "drive" else "réseau piéton"
        return anchors(self.network(mode), places, max_snap_m=max_snap_m, label=f"{network} ({self.source})")

    def snap(self, places: Sequence[Place], *, max_snap_m: int, mode: Mode = "drive") -> np.ndarray:
        """Index (into ``network(mode)``) of the graph node nearest each place's road point.

        Raises
        ------
        TerritoryError
            Listing every place farther than ``max_snap_m`` metres from the road
            graph, with its id and distance.
        """
        net = self.network(mode)
        tails = net.tails()
        out = [tails[a.entry] if a.frac <= 0.5 else net.indices[a.entry]
               for a in self.anchors(places, max_snap_m=max_snap_m, mode=mode)]
        return np.array(out, dtype=np.int64)


def bbox_around(places: Sequence[Place], buffer_m: float = 3000.0) -> BBox:
    """Bounding box (south, west, north, east) of places plus a margin in metres."""
    if not places:
        raise TerritoryError("aucun lieu : impossible de délimiter le territoire")
    lats = [p.lat for p in places]
    lons = [p.lon for p in places]
    dlat = buffer_m / 111_195.0
    mid = math.radians((min(lats) + max(lats)) / 2)
    dlon = buffer_m / (111_195.0 * max(math.cos(mid), 0.01))
    return (min(lats) - dlat, min(lons) - dlon, max(lats) + dlat, max(lons) + dlon)


def _settings_fingerprint() -> dict[str, Any]:
    """Everything that changes the graphs, for the cache key (osmnx is not imported:
    a cache hit stays fast)."""
    from importlib.metadata import version

    return {
        "v": SETTINGS_VERSION,
        "osmnx": version("osmnx"),
        "filters": NETWORK_FILTERS,
        "tags": USEFUL_TAGS_WAY,
        "rural": RURAL_SPEED_KPH,
        "urban": URBAN_SPEED_KPH,
        "default": DEFAULT_SPEED_KPH,
        "radius": PLACE_RADIUS_M,
        "implicit": IMPLICIT_MAXSPEED_KPH,
        "walk": WALK_SPEED_KPH,
        "snap_step": SNAP_STEP_M,
    }


def _cache_key(digest: str, bbox: BBox | None, engine: Engine) -> str:
    payload = {"sha256": digest, "bbox": bbox, "engine": engine, "settings": _settings_fingerprint()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


def _read_cache(cache: Path, key: str) -> Territory | None:
    """The cached territory, or None when absent, stale or unreadable (rebuilt)."""
    if not cache.is_file():
        return None
    try:
        with open(cache, "rb") as f:
            territory = pickle.load(f)
    except Exception:  # noqa: BLE001 - a corrupt cache is rebuilt
        return None
    return territory if isinstance(territory, Territory) and territory.key == key else None


def _checked_bbox(bbox: BBox | None) -> BBox | None:
    if bbox is None:
        return None
    s, w, n, e = (round(float(x), 6) for x in bbox)
    if not (s < n and w < e):
        raise TerritoryError(f"emprise invalide {(s, w, n, e)} : attendu (sud, ouest, nord, est)")
    return (s, w, n, e)


def build_territory(
    osm_file: Path | str,
    *,
    bbox: BBox | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    engine: Engine = "fast",
) -> Territory:
    """Drive and walk graphs of a local OSM file, clipped to ``bbox``; cached on disk.

    Parameters
    ----------
    osm_file
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` (anything libosmium reads).
    bbox
        (south, west, north, east) degrees; ways with at least one node inside
        are kept whole. None keeps the whole file. See :func:`bbox_around`.
    cache_dir
        Where to keep ``territory-<key>.pickle``; default :func:`default_cache_dir`.
    use_cache
        False: neither read nor write the cache.
    engine
        ``"fast"`` (default): ways split at shared nodes, vectorised (a few seconds
        for a country like Andorra); ``"osmnx"``: osmnx's public ``graph_from_xml`` +
        ``simplify_graph`` (about 10x slower; same paths, fewer nodes). Both use the
        same filters, tags and oneway rules (:mod:`itinerant.roads.osm`).
    """
    path = Path(osm_file)
    if not path.is_file():
        raise TerritoryError(f"fichier OSM introuvable : {path}")
    digest = file_sha256(path)
    norm_bbox = _checked_bbox(bbox)
    key = _cache_key(digest, norm_bbox, engine)
    cache = (cache_dir if cache_dir is not None else default_cache_dir()) / f"territory-{key}.pickle"
    cached = _read_cache(cache, key) if use_cache else None
    if cached is not None:
        return cached
    extract = read_osm(path, norm_bbox, networks=("drive", "walk"), place_kinds=PLACE_RADIUS_M)
    drive = build_graph(extract.ways["drive"], extract.places, mode="drive", engine=engine)
    walk = build_graph(extract.ways["walk"], extract.places, mode="walk", engine=engine)
    territory = Territory(
        source=path.name, sha256=digest, bbox=norm_bbox, key=key, drive=drive, walk=walk,
        drive_net=network_from_graph(drive, weight="travel_time"),
        walk_net=network_from_graph(walk, weight="length"),
    )
    if use_cache:
        with atomic.atomic_path(cache) as tmp, open(tmp, "wb") as f:
            pickle.dump(territory, f, protocol=pickle.HIGHEST_PROTOCOL)
    return territory


def territory_for_scenario(
    scenario: Scenario, *, cache_dir: Path | None = None, use_cache: bool = True
) -> Territory | None:
    """The scenario's territory, or None when it has no ``osm_file`` (estimated model).

    The OSM file (relative paths are read from the scenario folder) is clipped to the
    bounding box of every located thing of the scenario
    (:func:`itinerant.scenario.places.extent_places`) plus ``settings.bbox_buffer_m``.
    """
    osm = scenario.settings.osm_file
    if osm is None:
        return None
    path = Path(osm)
    if not path.is_absolute():
        path = Path(scenario.folder) / path
    bbox = bbox_around(extent_places(scenario), scenario.settings.bbox_buffer_m)
    return build_territory(path, bbox=bbox, cache_dir=cache_dir, use_cache=use_cache)
