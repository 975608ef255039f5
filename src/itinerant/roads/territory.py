"""The territory: drive and walk road graphs built from a local OpenStreetMap file.

Pipeline (nothing is ever downloaded):

1. :mod:`osmium` (pyosmium) reads the ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file in
   one pass with node locations, keeps the ``highway=*`` ways that pass osmnx's own
   ``"drive"`` / ``"walk"`` Overpass filters (the filter strings are taken from
   ``osmnx._overpass._get_network_filter`` and evaluated here exactly as Overpass
   does: unanchored, case-sensitive regular expressions) and have at least one node
   inside the bounding box (the whole way is kept so its geometry stays intact), and
   reads the ``place=*`` nodes used to guess built-up areas.
2. Ways become a simplified MultiDiGraph (default ``engine="fast"``): osmnx's own
   helpers keep the useful tags (``_convert_path``) and decide oneway direction
   (``_is_path_one_way``/``_is_path_reversed``; the walk graph is two-way); each way
   is split at nodes shared with another way and at its ends; every straight OSM
   segment gets its great-circle ``length`` (m), ``speed_kph`` (French rules, see
   :func:`speed_for`) and ``travel_time`` (s), summed per edge (an edge's
   ``speed_kph`` is its mean speed); the edge keeps its ``geometry``. This is
   osmnx's ``_create_graph`` + ``simplify_graph``, vectorised (about 10x faster),
   except that a node where two ways meet end to end is kept. ``engine="osmnx"``
   runs osmnx's functions themselves (a test checks both agree).
3. The largest strongly (drive) / weakly (walk) connected component is kept.
   ``length`` is rounded to 0.1 m and ``travel_time`` to 0.01 s on the graphs, so
   that the integer CSR weights used by :mod:`itinerant.matrices` are *exactly* the
   graph's values.

The result is cached (pickle) in ``$ITINERANT_CACHE`` or ``~/.cache/itinerant``,
keyed by the sha256 of the file, the bounding box and the settings (speed tables,
radii, osmnx version, engine, ``SETTINGS_VERSION``): ``territory-<key>.pickle``.

Speeds (``speed_kph``) when ``maxspeed`` is absent or unusable
(``none``/``signals``/``variable``):

==============================  ======  =========================================
road class                      km/h    note
==============================  ======  =========================================
motorway                        130
motorway_link                   70
trunk, oneway (dual carriage.)  110     50 inside a built-up area
trunk, two-way                  80      50 inside a built-up area
trunk_link                      70
primary/secondary/tertiary      80      rural two-way limit since 2018;
unclassified, road (+ _link)            50 inside a built-up area
residential                     50      always treated as built-up
living_street                   20
service                         20      (not in the drive graph: osmnx filter)
track                           15      (not in the drive graph)
anything else                   30
==============================  ======  =========================================

"Inside a built-up area" (agglomération) is approximated: the segment's midpoint
lies within a radius of a ``place=*`` node (city 3 000 m, town 1 500 m, suburb/
village 600 m, quarter/neighbourhood 300 m, hamlet 250 m). These are legal limits,
i.e. free-flow speeds: real times on narrow or winding roads are longer.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from itinerant.core import atomic
from itinerant.core.errors import TerritoryError
from itinerant.core.places import Place
from itinerant.core.units import EARTH_RADIUS_M, haversine_m
from itinerant.roads.estimate import WALK_SPEED_KPH
from itinerant.scenario.places import extent_places

if TYPE_CHECKING:
    from itinerant.scenario.model import Scenario

Mode = Literal["drive", "walk"]
BBox = tuple[float, float, float, float]
"""(south, west, north, east) in degrees WGS84."""

SETTINGS_VERSION = "territory-1"
"""Bump when the graph construction or speed rules change (invalidates caches)."""

SNAP_STEP_M = 20.0
"""Points are indexed every SNAP_STEP_M along each edge for snapping."""

#: Default speeds by highway class outside built-up areas, km/h (see module doc).
RURAL_SPEED_KPH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 80.0,  # 110 when oneway (dual carriageway), see speed_for
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 80.0,
    "secondary": 80.0,
    "secondary_link": 80.0,
    "tertiary": 80.0,
    "tertiary_link": 80.0,
    "unclassified": 80.0,
    "road": 80.0,
    "residential": 50.0,
    "living_street": 20.0,
    "service": 20.0,
    "track": 15.0,
}
URBAN_SPEED_KPH = 50.0
DEFAULT_SPEED_KPH = 30.0
PLACE_RADIUS_M: dict[str, float] = {
    "city": 3000.0,
    "town": 1500.0,
    "suburb": 600.0,
    "village": 600.0,
    "quarter": 300.0,
    "neighbourhood": 300.0,
    "hamlet": 250.0,
}
#: Implicit maxspeed values ("FR:urban", "walk"...), km/h. French values.
IMPLICIT_MAXSPEED_KPH: dict[str, float] = {
    "urban": 50.0,
    "rural": 80.0,
    "motorway": 130.0,
    "trunk": 110.0,
    "living_street": 20.0,
    "zone30": 30.0,
    "zone:30": 30.0,
    "zone20": 20.0,
    "zone:20": 20.0,
    "walk": 6.0,
}

_MAXSPEED_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """Speed in km/h of an OSM ``maxspeed`` value, or None when unusable.

    Understands numbers ("50", "50 km/h"), miles per hour ("30 mph"), knots,
    implicit values ("FR:urban", "FR:rural", "FR:motorway", "FR:zone30", "walk")
    and lists ("50;70" -> mean, like osmnx). "none", "signals", "variable" -> None.
    """
    if value is None:
        return None
    if isinstance(value, list):  # merged edges (defensive)
        values = [parse_maxspeed(v) for v in value]
        good = [v for v in values if v is not None]
        return sum(good) / len(good) if good else None
    parts = [p for p in str(value).split(";") if p.strip()]
    if len(parts) > 1:
        return parse_maxspeed(parts)  # type: ignore[arg-type]
    text = str(value).strip()
    m = _MAXSPEED_RE.match(text)
    if m:
        number = float(m.group(1).replace(",", "."))
        unit = m.group(2)
        if unit == "mph":
            number *= 1.609344
        elif unit == "knots":
            number *= 1.852
        return number if number > 0 else None
    key = text.split(":", 1)[1] if re.match(r"^[A-Za-z]{2}:", text) else text
    return IMPLICIT_MAXSPEED_KPH.get(key.lower())


def speed_for(highway: str | list, maxspeed: Any, *, oneway: bool, urban: bool) -> float:
    """Speed (km/h) of a road segment: ``maxspeed`` if usable, else the class table."""
    parsed = parse_maxspeed(maxspeed)
    if parsed is not None:
        return parsed
    hw = highway[0] if isinstance(highway, list) else str(highway)
    base = RURAL_SPEED_KPH.get(hw, DEFAULT_SPEED_KPH)
    if hw == "trunk" and oneway:
        base = 110.0
    if urban and hw not in ("motorway", "motorway_link") and base > URBAN_SPEED_KPH:
        return URBAN_SPEED_KPH
    return base


# --------------------------------------------------------------------- filters


def _osmnx_filter(network_type: str) -> list[tuple[str, bool, re.Pattern | None]]:
    """osmnx's Overpass way filter as (key, negate, regex|None) clauses."""
    text = _osmnx_filter_text(network_type)
    clauses = []
    for m in re.finditer(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]', text):
        key, op, pattern = m.group(1), m.group(2), m.group(3)
        if op is None:
            clauses.append((key, False, None))
        else:
            clauses.append((key, op == "!~", re.compile(pattern)))
    return clauses


def _passes(tags: dict[str, str], clauses: list[tuple[str, bool, re.Pattern | None]]) -> bool:
    """Overpass semantics: ``["k"]`` key present; ``["k"!~"re"]`` absent or no match."""
    for key, negate, pattern in clauses:
        value = tags.get(key)
        if pattern is None:
            if value is None:
                return False
        elif negate:
            if value is not None and pattern.search(value):
                return False
        elif value is None or not pattern.search(value):
            return False
    return True


# --------------------------------------------------------------------- helpers


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


def default_cache_dir() -> Path:
    """``$ITINERANT_CACHE`` or ``~/.cache/itinerant``."""
    env = os.environ.get("ITINERANT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "itinerant"


def file_sha256(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _local_xy(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular metres around latitude lat0, shape (n, 2)."""
    k = math.pi / 180 * EARTH_RADIUS_M
    return np.column_stack([np.asarray(lon) * k * math.cos(math.radians(lat0)), np.asarray(lat) * k])


# --------------------------------------------------------------------- reading


def _read_osm(path: Path, bbox: BBox | None) -> tuple[dict, dict, list]:
    """One pyosmium pass: (drive overpass-json, walk overpass-json, places)."""
    import osmium

    drive_f = _osmnx_filter("drive")
    walk_f = _osmnx_filter("walk")
    nodes: dict[int, tuple[float, float]] = {}
    drive_ways: list[dict] = []
    walk_ways: list[dict] = []
    places: list[tuple[str, float, float]] = []
    if bbox is not None:
        s, w, n, e = bbox

        def inside(lat: float, lon: float) -> bool:
            return s <= lat <= n and w <= lon <= e
    else:

        def inside(lat: float, lon: float) -> bool:
            return True

    try:
        fp = osmium.FileProcessor(str(path)).with_locations()
        fp = fp.with_filter(osmium.filter.KeyFilter("highway", "place"))
        for obj in fp:
            if obj.is_node():
                kind = obj.tags.get("place")
                if kind in PLACE_RADIUS_M and obj.location.valid():
                    places.append((kind, obj.location.lat, obj.location.lon))
                continue
            if not obj.is_way() or "highway" not in obj.tags:
                continue
            tags = dict(obj.tags)
            in_d = _passes(tags, drive_f)
            in_w = _passes(tags, walk_f)
            if not (in_d or in_w):
                continue
            refs, coords, any_in = [], [], False
            for nd in obj.nodes:
                loc = nd.location
                if not loc.valid():
                    continue
                refs.append(nd.ref)
                coords.append((loc.lat, loc.lon))
                any_in = any_in or inside(loc.lat, loc.lon)
            if not any_in or len(refs) < 2:
                continue
            for r, c in zip(refs, coords):
                nodes[r] = c
            element = {"type": "way", "id": obj.id, "nodes": refs, "tags": tags}
            if in_d:
                drive_ways.append(element)
            if in_w:
                walk_ways.append(dict(element, nodes=list(refs)))
    except RuntimeError as exc:  # libosmium errors
        raise TerritoryError(f"impossible de lire le fichier OSM {path.name} : {exc}") from exc

    def as_json(ways: list[dict]) -> dict:
        used = {r for w in ways for r in w["nodes"]}
        elements = [{"type": "node", "id": r, "lat": nodes[r][0], "lon": nodes[r][1]} for r in used]
        return {"elements": elements + ways}

    return as_json(drive_ways), as_json(walk_ways), places


def _build_graph(data: dict, places: list, *, mode: Mode) -> nx.MultiDiGraph:
    """osmnx graph of one mode with speeds, simplified, largest component."""
    import osmnx as ox
    from osmnx import graph as ox_graph

    ox.settings.use_cache = False  # never touch the network or its http cache
    if not any(e["type"] == "way" for e in data["elements"]):
        raise TerritoryError(f"aucune route ({mode}) dans la zone demandée du fichier OSM")
    G = ox_graph._create_graph([data], bidirectional=(mode == "walk"))
    if mode == "drive":
        _add_speeds(G, places)
    else:
        for _, _, d in G.edges(data=True):
            d["speed_kph"] = WALK_SPEED_KPH
            d["travel_time"] = d["length"] / (WALK_SPEED_KPH / 3.6)
    G = ox.simplify_graph(G, edge_attr_aggs={"length": sum, "travel_time": sum})
    G = ox.truncate.largest_component(G, strongly=(mode == "drive"))
    for _, _, d in G.edges(data=True):
        d["length"] = max(round(float(d["length"]), 1), 0.1)
        d["travel_time"] = max(round(float(d["travel_time"]), 2), 0.01)
        d["speed_kph"] = round(d["length"] / d["travel_time"] * 3.6, 2)
    return G


def _urban_mask(lat: np.ndarray, lon: np.ndarray, places: list, lat0: float) -> np.ndarray:
    """True where a point lies within the built-up radius of a ``place=*`` node."""
    pts = _local_xy(lat, lon, lat0)
    urban = np.zeros(len(lat), dtype=bool)
    for kind, radius in PLACE_RADIUS_M.items():
        found = [(la, lo) for k, la, lo in places if k == kind]
        if not found or not len(pts):
            continue
        arr = np.array(found)
        dist, _ = cKDTree(_local_xy(arr[:, 0], arr[:, 1], lat0)).query(pts, distance_upper_bound=radius)
        urban |= np.isfinite(dist)
    return urban


def _fast_graph(data: dict, places: list, *, mode: Mode) -> nx.MultiDiGraph:
    """Simplified graph straight from the ways (same rules as osmnx, vectorised).

    osmnx's own helpers decide which tags are kept (``_convert_path``) and the oneway
    direction (``_is_path_one_way``, ``_is_path_reversed``). Ways are split at every
    node shared by two ways (or used twice) and at their ends; each piece becomes one
    edge with its geometry, summed ``length`` and ``travel_time``. Unlike
    ``osmnx.simplify_graph``, a node where exactly two ways meet end to end is kept
    (a few more nodes, identical paths and lengths).
    """
    from osmnx import graph as ox_graph

    bidirectional = mode == "walk"
    oneway_values = {"yes", "true", "1", "-1", "reverse", "T", "F"}
    reversed_values = {"-1", "reverse", "T"}
    coords = {e["id"]: (e["lat"], e["lon"]) for e in data["elements"] if e["type"] == "node"}
    paths = []
    for e in data["elements"]:
        if e["type"] != "way":
            continue
        path = ox_graph._convert_path(e)
        refs = [r for r in path.pop("nodes") if r in coords]
        if len(refs) < 2:
            continue
        one_way = ox_graph._is_path_one_way(path, bidirectional, oneway_values)
        if one_way and ox_graph._is_path_reversed(path, reversed_values):
            refs.reverse()
        path["oneway"] = one_way
        paths.append((refs, path))
    if not paths:
        raise TerritoryError(f"aucune route ({mode}) dans la zone demandée du fichier OSM")
    uses: dict[int, int] = {}
    for refs, _ in paths:
        for r in refs:
            uses[r] = uses.get(r, 0) + 1
    # pieces: (node refs, path attributes)
    pieces: list[tuple[list[int], dict]] = []
    for refs, path in paths:
        start = 0
        for i in range(1, len(refs)):
            if i == len(refs) - 1 or uses[refs[i]] > 1:
                pieces.append((refs[start : i + 1], path))
                start = i
    # vectorised lengths and times over every segment of every piece
    seg_a = np.array([r for piece, _ in pieces for r in piece[:-1]], dtype=np.int64)
    seg_b = np.array([r for piece, _ in pieces for r in piece[1:]], dtype=np.int64)
    counts = np.array([len(piece) - 1 for piece, _ in pieces], dtype=np.int64)
    lat_a = np.array([coords[r][0] for r in seg_a])
    lon_a = np.array([coords[r][1] for r in seg_a])
    lat_b = np.array([coords[r][0] for r in seg_b])
    lon_b = np.array([coords[r][1] for r in seg_b])
    seg_len = haversine_m(lat_a, lon_a, lat_b, lon_b)
    if mode == "drive":
        lat0 = float(np.mean(lat_a))
        urban = _urban_mask((lat_a + lat_b) / 2, (lon_a + lon_b) / 2, places, lat0)
        rural_speed = np.empty(len(pieces))
        urban_speed = np.empty(len(pieces))
        for k, (_, path) in enumerate(pieces):
            hw = path.get("highway", "")
            built_up = hw in ("residential", "living_street")
            rural_speed[k] = speed_for(hw, path.get("maxspeed"), oneway=path["oneway"], urban=built_up)
            urban_speed[k] = speed_for(hw, path.get("maxspeed"), oneway=path["oneway"], urban=True)
        seg_speed = np.where(urban, np.repeat(urban_speed, counts), np.repeat(rural_speed, counts))
    else:
        seg_speed = np.full(len(seg_len), WALK_SPEED_KPH)
    seg_time = seg_len / (seg_speed / 3.6)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    length = np.add.reduceat(seg_len, offsets)
    ttime = np.add.reduceat(seg_time, offsets)
    # largest strongly (drive) / weakly (walk) connected component
    ends = {r for piece, _ in pieces for r in (piece[0], piece[-1])}
    order = sorted(ends)
    pos = {r: i for i, r in enumerate(order)}
    u_idx = np.array([pos[piece[0]] for piece, _ in pieces], dtype=np.int64)
    v_idx = np.array([pos[piece[-1]] for piece, _ in pieces], dtype=np.int64)
    two_way = np.array([not path["oneway"] for _, path in pieces])
    rows = np.concatenate([u_idx, v_idx[two_way]])
    cols = np.concatenate([v_idx, u_idx[two_way]])
    adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(order), len(order)))
    _, labels = connected_components(adj, directed=True, connection="strong" if mode == "drive" else "weak")
    keep = labels == np.bincount(labels).argmax()
    G = nx.MultiDiGraph(crs="epsg:4326", created_with="itinerant.roads.territory")
    G.add_nodes_from((order[i], {"y": coords[order[i]][0], "x": coords[order[i]][1]}) for i in np.flatnonzero(keep))
    edges = []
    for k, (piece, path) in enumerate(pieces):
        if not (keep[u_idx[k]] and keep[v_idx[k]]):
            continue
        attrs = {key: val for key, val in path.items() if key != "reversed"}
        attrs["length"] = max(round(float(length[k]), 1), 0.1)
        attrs["travel_time"] = max(round(float(ttime[k]), 2), 0.01)
        attrs["speed_kph"] = round(attrs["length"] / attrs["travel_time"] * 3.6, 2)
        fwd = dict(attrs, reversed=False)
        if len(piece) > 2:
            fwd["geometry"] = LineString([(coords[r][1], coords[r][0]) for r in piece])
        edges.append((piece[0], piece[-1], fwd))
        if not path["oneway"]:
            back = dict(attrs, reversed=True)
            if len(piece) > 2:
                back["geometry"] = LineString([(coords[r][1], coords[r][0]) for r in reversed(piece)])
            edges.append((piece[-1], piece[0], back))
    G.add_edges_from(edges)
    return G


def _add_speeds(G: nx.MultiDiGraph, places: list) -> None:
    """``speed_kph`` and ``travel_time`` on every straight (unsimplified) edge."""
    edges = list(G.edges(keys=True, data=True))
    if not edges:
        return
    ys = np.array([(G.nodes[u]["y"] + G.nodes[v]["y"]) / 2 for u, v, _, _ in edges])
    xs = np.array([(G.nodes[u]["x"] + G.nodes[v]["x"]) / 2 for u, v, _, _ in edges])
    lat0 = float(ys.mean())
    mids = _local_xy(ys, xs, lat0)
    urban = np.zeros(len(edges), dtype=bool)
    for kind, radius in PLACE_RADIUS_M.items():
        pts = [(la, lo) for k, la, lo in places if k == kind]
        if not pts:
            continue
        arr = np.array(pts)
        tree = cKDTree(_local_xy(arr[:, 0], arr[:, 1], lat0))
        dist, _ = tree.query(mids, distance_upper_bound=radius)
        urban |= np.isfinite(dist)
    for (u, v, k, d), is_urban in zip(edges, urban):
        hw = d.get("highway", "")
        speed = speed_for(
            hw,
            d.get("maxspeed"),
            oneway=bool(d.get("oneway", False)),
            urban=bool(is_urban) or hw in ("residential", "living_street"),
        )
        d["speed_kph"] = speed
        d["travel_time"] = d["length"] / (speed / 3.6)


# --------------------------------------------------------------------- networks


@dataclass
class Network:
    """CSR arrays of one mode's graph (what :mod:`itinerant.matrices` uses).

    Attributes
    ----------
    node_ids
        OSM node ids, shape (n,); row/column ``i`` of the CSR is ``node_ids[i]``.
    lat, lon
        Node coordinates, degrees, shape (n,).
    indptr, indices
        CSR structure of the fastest (drive) / shortest (walk) edge between
        each ordered pair of nodes, shape (n+1,) and (e,).
    time_cs, length_dm
        int64 edge weights, shape (e,): centiseconds and decimetres.
    reverse
        Index of the CSR entry for the same road in the opposite direction, or -1.
    geometry
        Per CSR entry: (k, 2) float array of (lat, lon) from tail to head.
    """

    node_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    time_cs: np.ndarray
    length_dm: np.ndarray
    reverse: np.ndarray
    geometry: list
    lat0: float
    tree: cKDTree = field(repr=False)
    pt_entry: np.ndarray = field(repr=False)
    pt_frac: np.ndarray = field(repr=False)
    pt_lat: np.ndarray = field(repr=False)
    pt_lon: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    def tails(self) -> np.ndarray:
        """Tail node of every CSR entry, shape (e,)."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))


def _network_from_graph(G: nx.MultiDiGraph, *, weight: str) -> Network:
    """Collapse parallel edges (keep min ``weight``) into CSR arrays + snap index."""
    order = list(G.nodes)
    pos = {nid: i for i, nid in enumerate(order)}
    lat = np.array([G.nodes[n]["y"] for n in order], dtype=float)
    lon = np.array([G.nodes[n]["x"] for n in order], dtype=float)
    best: dict[tuple[int, int], dict] = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        key = (pos[u], pos[v])
        rank = (d[weight], d["length"])
        if key not in best or rank < (best[key][weight], best[key]["length"]):
            best[key] = d
    keys = sorted(best)
    tails = np.array([k[0] for k in keys], dtype=np.int64)
    heads = np.array([k[1] for k in keys], dtype=np.int64)
    indptr = np.searchsorted(tails, np.arange(len(order) + 1)).astype(np.int64)
    time_cs = np.array([round(best[k]["travel_time"] * 100) for k in keys], dtype=np.int64)
    length_dm = np.array([round(best[k]["length"] * 10) for k in keys], dtype=np.int64)
    time_cs = np.maximum(time_cs, 1)
    length_dm = np.maximum(length_dm, 1)
    index = {k: i for i, k in enumerate(keys)}
    reverse = np.full(len(keys), -1, dtype=np.int64)
    geometry = []
    for i, (a, b) in enumerate(keys):
        d = best[(a, b)]
        geom = d.get("geometry")
        if geom is None:
            coords = np.array([[lat[a], lon[a]], [lat[b], lon[b]]])
        else:
            xy = np.asarray(geom.coords)
            coords = np.column_stack([xy[:, 1], xy[:, 0]])
        geometry.append(coords)
        j = index.get((b, a))
        if j is not None and abs(best[(b, a)]["length"] - d["length"]) < 1.0:
            reverse[i] = j
    lat0 = float(lat.mean()) if len(lat) else 0.0
    # snapping points: every SNAP_STEP_M along each edge (one direction per road)
    pe, pf, plat, plon = [], [], [], []
    for i, coords in enumerate(geometry):
        if reverse[i] != -1 and reverse[i] < i:
            continue
        seg = haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        total = cum[-1]
        if total <= 0:
            continue
        steps = np.linspace(0.0, total, max(int(total // SNAP_STEP_M) + 2, 2))
        steps = np.union1d(steps, cum)
        pe.append(np.full(len(steps), i))
        pf.append(steps / total)
        plat.append(np.interp(steps, cum, coords[:, 0]))
        plon.append(np.interp(steps, cum, coords[:, 1]))
    pt_entry = np.concatenate(pe) if pe else np.zeros(0, dtype=np.int64)
    pt_frac = np.concatenate(pf) if pf else np.zeros(0)
    pt_lat = np.concatenate(plat) if plat else np.zeros(0)
    pt_lon = np.concatenate(plon) if plon else np.zeros(0)
    tree = cKDTree(_local_xy(pt_lat, pt_lon, lat0)) if len(pt_lat) else cKDTree(np.zeros((1, 2)))
    return Network(
        node_ids=np.array(order, dtype=np.int64),
        lat=lat,
        lon=lon,
        indptr=indptr,
        indices=heads,
        time_cs=time_cs,
        length_dm=length_dm,
        reverse=reverse,
        geometry=geometry,
        lat0=lat0,
        tree=tree,
        pt_entry=pt_entry.astype(np.int64),
        pt_frac=pt_frac,
        pt_lat=pt_lat,
        pt_lon=pt_lon,
    )


@dataclass(frozen=True)
class Anchor:
    """Where a place joins the road graph.

    ``entry`` is a CSR entry (edge tail -> head) and ``frac`` the fraction of its
    length from the tail; ``offset_m`` the great-circle distance from the place to
    that point (the off-road leg).
    """

    entry: int
    frac: float
    offset_m: float
    lat: float
    lon: float


# --------------------------------------------------------------------- territory


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
        net = self.network(mode)
        if not places:
            return []
        lat = np.array([p.lat for p in places], dtype=float)
        lon = np.array([p.lon for p in places], dtype=float)
        ok = np.isfinite(lat) & np.isfinite(lon)
        _, idx = net.tree.query(_local_xy(np.where(ok, lat, net.lat0), np.where(ok, lon, 0.0), net.lat0))
        idx = np.asarray(idx)
        dist = np.where(ok, haversine_m(lat, lon, net.pt_lat[idx], net.pt_lon[idx]), np.nan)
        far = [
            f"le lieu '{p.id}' est à {_fmt_m(d)} m de la route la plus proche "
            f"(max {_fmt_m(max_snap_m)} m) : vérifier ses coordonnées"
            if np.isfinite(d)
            else f"le lieu '{p.id}' a des coordonnées invalides ({p.lat}, {p.lon})"
            for p, d in zip(places, dist)
            if not d <= max_snap_m
        ]
        if far:
            network = "routier" if mode == "drive" else "piéton"
            head = f"{len(far)} lieu{'x' if len(far) > 1 else ''} trop loin du réseau {network} ({self.source}) :"
            raise TerritoryError("\n".join([head, *(f"  - {m}" for m in far)]))
        return [
            Anchor(int(net.pt_entry[i]), float(net.pt_frac[i]), float(d), float(net.pt_lat[i]), float(net.pt_lon[i]))
            for i, d in zip(idx, dist)
        ]

    def snap(self, places: Sequence[Place], *, max_snap_m: int, mode: Mode = "drive") -> np.ndarray:
        """Index (into ``network(mode)``) of the graph node nearest each place's road point.

        Raises
        ------
        TerritoryError
            Listing every place farther than ``max_snap_m`` metres from the road
            graph, with its id and distance.
        """
        net = self.network(mode)
        out = []
        tails = net.tails()
        for a in self.anchors(places, max_snap_m=max_snap_m, mode=mode):
            out.append(tails[a.entry] if a.frac <= 0.5 else net.indices[a.entry])
        return np.array(out, dtype=np.int64)


def _fmt_m(value: float) -> str:
    """French thousands separator: 1830 -> '1 830'."""
    return f"{round(value):,}".replace(",", " ")


def _settings_fingerprint() -> dict[str, Any]:
    """Everything that changes the graphs, for the cache key (no osmnx import: a
    cache hit stays fast; osmnx's filters are fixed by its version)."""
    from importlib.metadata import version

    return {
        "v": SETTINGS_VERSION,
        "osmnx": version("osmnx"),
        "rural": RURAL_SPEED_KPH,
        "urban": URBAN_SPEED_KPH,
        "default": DEFAULT_SPEED_KPH,
        "radius": PLACE_RADIUS_M,
        "implicit": IMPLICIT_MAXSPEED_KPH,
        "walk": WALK_SPEED_KPH,
        "snap_step": SNAP_STEP_M,
    }


def _osmnx_filter_text(network_type: str) -> str:
    from osmnx import _overpass

    return _overpass._get_network_filter(network_type)


def build_territory(
    osm_file: Path | str,
    *,
    bbox: BBox | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    engine: Literal["fast", "osmnx"] = "fast",
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
        for a country like Andorra); ``"osmnx"``: ``osmnx.graph._create_graph`` +
        ``osmnx.simplify_graph`` (about 10x slower; same paths, fewer nodes). Both
        use osmnx's filters, tag and oneway rules.
    """
    path = Path(osm_file)
    if not path.is_file():
        raise TerritoryError(f"fichier OSM introuvable : {path}")
    digest = file_sha256(path)
    norm_bbox = tuple(round(float(x), 6) for x in bbox) if bbox is not None else None
    if norm_bbox is not None and not (norm_bbox[0] < norm_bbox[2] and norm_bbox[1] < norm_bbox[3]):
        raise TerritoryError(f"emprise invalide {norm_bbox} : attendu (sud, ouest, nord, est)")
    key_src = json.dumps(
        {"sha256": digest, "bbox": norm_bbox, "engine": engine, "settings": _settings_fingerprint()}, sort_keys=True
    )
    key = hashlib.sha256(key_src.encode()).hexdigest()[:24]
    cache = (cache_dir if cache_dir is not None else default_cache_dir()) / f"territory-{key}.pickle"
    if use_cache and cache.is_file():
        try:
            with open(cache, "rb") as f:
                territory = pickle.load(f)
            if isinstance(territory, Territory) and territory.key == key:
                return territory
        except Exception:  # noqa: BLE001 - a corrupt cache is rebuilt
            pass
    drive_json, walk_json, places = _read_osm(path, norm_bbox)
    build = _fast_graph if engine == "fast" else _build_graph
    drive = build(drive_json, places, mode="drive")
    walk = build(walk_json, places, mode="walk")
    territory = Territory(
        source=path.name,
        sha256=digest,
        bbox=norm_bbox,
        key=key,
        drive=drive,
        walk=walk,
        drive_net=_network_from_graph(drive, weight="travel_time"),
        walk_net=_network_from_graph(walk, weight="length"),
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
