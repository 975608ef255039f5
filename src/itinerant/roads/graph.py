"""Road graphs: the ways of one network become a simplified osmnx-style MultiDiGraph.

Default ``engine="fast"``: each way is split at nodes shared with another way (or used
twice) and at its ends; every straight OSM segment gets its great-circle ``length`` (m),
``speed_kph`` (:mod:`itinerant.roads.speeds`) and ``travel_time`` (s), summed per edge
(an edge's ``speed_kph`` is its mean speed); the edge keeps its ``geometry``. This is
osmnx's graph creation + ``simplify_graph``, vectorised (about 10x faster), except that
a node where two ways meet end to end is kept. The tags kept and the oneway rules are
osmnx's (:mod:`itinerant.roads.osm`).

``engine="osmnx"`` is the reference, through osmnx's public API only: the ways are
written to a temporary OSM XML file read by ``osmnx.graph_from_xml``, then
``osmnx.simplify_graph`` and ``osmnx.truncate.largest_component`` (a test checks both
engines agree). No osmnx setting is changed.

Then the largest strongly (drive) / weakly (walk) connected component is kept, and
``length`` is rounded to 0.1 m and ``travel_time`` to 0.01 s so that the integer CSR
weights of :mod:`itinerant.roads.network` are *exactly* the graph's values.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString

from itinerant.core.errors import TerritoryError
from itinerant.core.units import haversine_m
from itinerant.roads.estimate import WALK_SPEED_KPH
from itinerant.roads.osm import is_one_way, is_reversed, way_attributes
from itinerant.roads.speeds import BUILT_UP_CLASSES, built_up_mask, speed_for

Mode = Literal["drive", "walk"]
Engine = Literal["fast", "osmnx"]
Places = list[tuple[str, float, float]]
"""``place=*`` nodes as (kind, lat, lon)."""


def build_graph(data: dict[str, Any], places: Places, *, mode: Mode, engine: Engine = "fast") -> nx.MultiDiGraph:
    """Simplified graph of one network's ways (Overpass-style JSON), with ``length`` (m),
    ``speed_kph`` and ``travel_time`` (s) on every edge; largest component only.

    Raises
    ------
    TerritoryError
        When the area holds no way of this network.
    """
    if engine == "fast":
        return _fast_graph(data, places, mode=mode)
    if engine == "osmnx":
        return _osmnx_graph(data, places, mode=mode)
    raise ValueError(f"engine must be 'fast' or 'osmnx', not {engine!r}")


def _no_roads(mode: Mode) -> TerritoryError:
    return TerritoryError(f"aucune route ({mode}) dans la zone demandée du fichier OSM")


def _round_edge(d: dict[str, Any], length: float, travel_time: float) -> None:
    """Store ``length`` (0.1 m), ``travel_time`` (0.01 s) and their mean speed (km/h)."""
    d["length"] = max(round(float(length), 1), 0.1)
    d["travel_time"] = max(round(float(travel_time), 2), 0.01)
    d["speed_kph"] = round(d["length"] / d["travel_time"] * 3.6, 2)


# ----------------------------------------------------------------------------- fast engine


@dataclass
class _Pieces:
    """Ways cut at shared nodes: per piece its node refs and its way's attributes."""

    refs: list[list[int]]
    attrs: list[dict[str, Any]]
    coords: dict[int, tuple[float, float]]


def _paths(data: dict[str, Any], *, bidirectional: bool) -> tuple[list[tuple[list[int], dict[str, Any]]], dict]:
    """(node refs in travel order, attributes with ``oneway``) of every way, and node coords."""
    coords = {e["id"]: (e["lat"], e["lon"]) for e in data["elements"] if e["type"] == "node"}
    paths = []
    for e in data["elements"]:
        if e["type"] != "way":
            continue
        path = way_attributes(e)
        refs = [r for r in path.pop("nodes") if r in coords]
        if len(refs) < 2:
            continue
        one_way = is_one_way(path, bidirectional=bidirectional)
        if one_way and is_reversed(path):
            refs.reverse()
        path["oneway"] = one_way
        paths.append((refs, path))
    return paths, coords


def _pieces(data: dict[str, Any], *, mode: Mode) -> _Pieces:
    """Split every way at the nodes used more than once and at its ends."""
    paths, coords = _paths(data, bidirectional=(mode == "walk"))
    if not paths:
        raise _no_roads(mode)
    uses: dict[int, int] = {}
    for refs, _ in paths:
        for r in refs:
            uses[r] = uses.get(r, 0) + 1
    out = _Pieces([], [], coords)
    for refs, path in paths:
        start = 0
        for i in range(1, len(refs)):
            if i == len(refs) - 1 or uses[refs[i]] > 1:
                out.refs.append(refs[start : i + 1])
                out.attrs.append(path)
                start = i
    return out


def _segment_speeds(p: _Pieces, places: Places, mid_lat: np.ndarray, mid_lon: np.ndarray,
                    counts: np.ndarray, lat0: float) -> np.ndarray:
    """Drive speed (km/h) of every straight segment: built-up or open road by class."""
    urban = built_up_mask(mid_lat, mid_lon, places, lat0)
    rural_speed = np.empty(len(p.refs))
    urban_speed = np.empty(len(p.refs))
    for k, path in enumerate(p.attrs):
        hw = path.get("highway", "")
        rural_speed[k] = speed_for(hw, path.get("maxspeed"), oneway=path["oneway"], urban=hw in BUILT_UP_CLASSES)
        urban_speed[k] = speed_for(hw, path.get("maxspeed"), oneway=path["oneway"], urban=True)
    return np.where(urban, np.repeat(urban_speed, counts), np.repeat(rural_speed, counts))


def _piece_lengths_times(p: _Pieces, places: Places, *, mode: Mode) -> tuple[np.ndarray, np.ndarray]:
    """Summed length (m) and travel time (s) of every piece, segment by segment."""
    seg_a = np.array([r for piece in p.refs for r in piece[:-1]], dtype=np.int64)
    seg_b = np.array([r for piece in p.refs for r in piece[1:]], dtype=np.int64)
    counts = np.array([len(piece) - 1 for piece in p.refs], dtype=np.int64)
    lat_a = np.array([p.coords[r][0] for r in seg_a])
    lon_a = np.array([p.coords[r][1] for r in seg_a])
    lat_b = np.array([p.coords[r][0] for r in seg_b])
    lon_b = np.array([p.coords[r][1] for r in seg_b])
    seg_len = haversine_m(lat_a, lon_a, lat_b, lon_b)
    if mode == "drive":
        lat0 = float(np.mean(lat_a))
        seg_speed = _segment_speeds(p, places, (lat_a + lat_b) / 2, (lon_a + lon_b) / 2, counts, lat0)
    else:
        seg_speed = np.full(len(seg_len), WALK_SPEED_KPH)
    seg_time = seg_len / (seg_speed / 3.6)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.add.reduceat(seg_len, offsets), np.add.reduceat(seg_time, offsets)


def _largest_component(p: _Pieces, *, mode: Mode) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """(piece-end nodes, keep mask over them, tail and head index of every piece)."""
    order = sorted({r for piece in p.refs for r in (piece[0], piece[-1])})
    pos = {r: i for i, r in enumerate(order)}
    u_idx = np.array([pos[piece[0]] for piece in p.refs], dtype=np.int64)
    v_idx = np.array([pos[piece[-1]] for piece in p.refs], dtype=np.int64)
    two_way = np.array([not path["oneway"] for path in p.attrs])
    rows = np.concatenate([u_idx, v_idx[two_way]])
    cols = np.concatenate([v_idx, u_idx[two_way]])
    adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(order), len(order)))
    _, labels = connected_components(adj, directed=True, connection="strong" if mode == "drive" else "weak")
    keep = labels == np.bincount(labels).argmax()
    return order, keep, u_idx, v_idx


def _fast_graph(data: dict[str, Any], places: Places, *, mode: Mode) -> nx.MultiDiGraph:
    """Simplified graph straight from the ways (osmnx's rules, vectorised)."""
    p = _pieces(data, mode=mode)
    length, ttime = _piece_lengths_times(p, places, mode=mode)
    order, keep, u_idx, v_idx = _largest_component(p, mode=mode)
    coords = p.coords
    G = nx.MultiDiGraph(crs="epsg:4326", created_with="itinerant.roads.graph")
    G.add_nodes_from((order[i], {"y": coords[order[i]][0], "x": coords[order[i]][1]}) for i in np.flatnonzero(keep))
    edges = []
    for k, (piece, path) in enumerate(zip(p.refs, p.attrs)):
        if not (keep[u_idx[k]] and keep[v_idx[k]]):
            continue
        attrs = {key: val for key, val in path.items() if key != "reversed"}
        _round_edge(attrs, length[k], ttime[k])
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


# ----------------------------------------------------------------------------- osmnx engine


def write_osm_xml(data: dict[str, Any], path: Path) -> None:
    """Write Overpass-style JSON (nodes with lat/lon, ways with nodes and tags) as OSM XML."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"itinerant\">\n")
        for e in data["elements"]:
            if e["type"] == "node":
                f.write(f'<node id="{e["id"]}" lat="{e["lat"]!r}" lon="{e["lon"]!r}"/>\n')
        for e in data["elements"]:
            if e["type"] != "way":
                continue
            f.write(f'<way id="{e["id"]}">\n')
            f.writelines(f'<nd ref="{r}"/>\n' for r in e["nodes"])
            f.writelines(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in e.get("tags", {}).items())
            f.write("</way>\n")
        f.write("</osm>\n")


def _osmnx_graph(data: dict[str, Any], places: Places, *, mode: Mode) -> nx.MultiDiGraph:
    """The reference engine: osmnx's public functions (``graph_from_xml``,
    ``simplify_graph``, ``truncate.largest_component``)."""
    import osmnx as ox

    if not any(e["type"] == "way" for e in data["elements"]):
        raise _no_roads(mode)
    with tempfile.TemporaryDirectory(prefix="itinerant-osm-") as tmp:
        xml = Path(tmp) / f"{mode}.osm"
        write_osm_xml(data, xml)
        G = ox.graph_from_xml(xml, bidirectional=(mode == "walk"), simplify=False, retain_all=True)
    if mode == "drive":
        _add_drive_speeds(G, places)
    else:
        for _, _, d in G.edges(data=True):
            d["speed_kph"] = WALK_SPEED_KPH
            d["travel_time"] = d["length"] / (WALK_SPEED_KPH / 3.6)
    G = ox.simplify_graph(G, edge_attr_aggs={"length": sum, "travel_time": sum})
    G = ox.truncate.largest_component(G, strongly=(mode == "drive"))
    for _, _, d in G.edges(data=True):
        _round_edge(d, d["length"], d["travel_time"])
    return G


def _add_drive_speeds(G: nx.MultiDiGraph, places: Places) -> None:
    """``speed_kph`` and ``travel_time`` on every straight (unsimplified) edge."""
    edges = list(G.edges(keys=True, data=True))
    if not edges:
        return
    ys = np.array([(G.nodes[u]["y"] + G.nodes[v]["y"]) / 2 for u, v, _, _ in edges])
    xs = np.array([(G.nodes[u]["x"] + G.nodes[v]["x"]) / 2 for u, v, _, _ in edges])
    urban = built_up_mask(ys, xs, places, float(ys.mean()))
    for (_, _, _, d), is_urban in zip(edges, urban):
        hw = d.get("highway", "")
        speed = speed_for(hw, d.get("maxspeed"), oneway=bool(d.get("oneway", False)),
                          urban=bool(is_urban) or hw in BUILT_UP_CLASSES)
        d["speed_kph"] = speed
        d["travel_time"] = d["length"] / (speed / 3.6)
