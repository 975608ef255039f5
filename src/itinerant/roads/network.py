"""The CSR arrays of a road graph, and snapping places onto it.

:class:`Network` is what :mod:`itinerant.matrices` runs Dijkstra on: one entry per
ordered pair of adjacent nodes (the fastest parallel edge for driving, the shortest for
walking), integer weights in centiseconds and decimetres, each entry's geometry, and a
KD-tree of points every :data:`SNAP_STEP_M` metres along the roads. :func:`anchors`
joins places to the nearest road point (:class:`Anchor`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from itinerant.core.errors import TerritoryError
from itinerant.core.places import Place
from itinerant.core.units import haversine_m, local_xy_m

SNAP_STEP_M = 20.0
"""Points are indexed every SNAP_STEP_M along each edge for snapping."""


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
    lat0
        Mean latitude (degrees), the origin of the snapping tree's local metres.
    tree, pt_entry, pt_frac, pt_lat, pt_lon
        Snapping points: KD-tree over them, the CSR entry each lies on, its fraction
        of that entry's length from the tail, its coordinates (degrees).
    """

    node_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    time_cs: np.ndarray
    length_dm: np.ndarray
    reverse: np.ndarray
    geometry: list[np.ndarray]
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


def _best_edges(G: nx.MultiDiGraph, pos: dict[Any, int], weight: str) -> dict[tuple[int, int], dict[str, Any]]:
    """Per ordered node pair (no loops), the parallel edge of least (``weight``, length)."""
    best: dict[tuple[int, int], dict[str, Any]] = {}
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        key = (pos[u], pos[v])
        if key not in best or (d[weight], d["length"]) < (best[key][weight], best[key]["length"]):
            best[key] = d
    return best


def _entry_geometry(d: dict[str, Any], lat: np.ndarray, lon: np.ndarray, a: int, b: int) -> np.ndarray:
    """(k, 2) (lat, lon) polyline of an edge, tail to head."""
    geom = d.get("geometry")
    if geom is None:
        return np.array([[lat[a], lon[a]], [lat[b], lon[b]]])
    xy = np.asarray(geom.coords)
    return np.column_stack([xy[:, 1], xy[:, 0]])


def _snap_points(geometry: list[np.ndarray], reverse: np.ndarray) -> tuple[np.ndarray, ...]:
    """Points every :data:`SNAP_STEP_M` along each road (one direction per road) and at
    its vertices: (entry, fraction of its length, lat, lon)."""
    pe, pf, plat, plon = [], [], [], []
    for i, coords in enumerate(geometry):
        if reverse[i] != -1 and reverse[i] < i:
            continue
        seg = haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        total = cum[-1]
        if total <= 0:
            continue
        steps = np.union1d(np.linspace(0.0, total, max(int(total // SNAP_STEP_M) + 2, 2)), cum)
        pe.append(np.full(len(steps), i))
        pf.append(steps / total)
        plat.append(np.interp(steps, cum, coords[:, 0]))
        plon.append(np.interp(steps, cum, coords[:, 1]))
    if not pe:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0)
    return np.concatenate(pe).astype(np.int64), np.concatenate(pf), np.concatenate(plat), np.concatenate(plon)


def network_from_graph(G: nx.MultiDiGraph, *, weight: str) -> Network:
    """Collapse parallel edges (keep the least ``weight``) into CSR arrays, plus the
    snapping index. ``weight`` is ``"travel_time"`` (drive) or ``"length"`` (walk)."""
    order = list(G.nodes)
    pos = {nid: i for i, nid in enumerate(order)}
    lat = np.array([G.nodes[n]["y"] for n in order], dtype=float)
    lon = np.array([G.nodes[n]["x"] for n in order], dtype=float)
    best = _best_edges(G, pos, weight)
    keys = sorted(best)
    tails = np.array([k[0] for k in keys], dtype=np.int64)
    heads = np.array([k[1] for k in keys], dtype=np.int64)
    indptr = np.searchsorted(tails, np.arange(len(order) + 1)).astype(np.int64)
    time_cs = np.maximum(np.array([round(best[k]["travel_time"] * 100) for k in keys], dtype=np.int64), 1)
    length_dm = np.maximum(np.array([round(best[k]["length"] * 10) for k in keys], dtype=np.int64), 1)
    index = {k: i for i, k in enumerate(keys)}
    reverse = np.full(len(keys), -1, dtype=np.int64)
    geometry = []
    for i, (a, b) in enumerate(keys):
        d = best[(a, b)]
        geometry.append(_entry_geometry(d, lat, lon, a, b))
        j = index.get((b, a))
        if j is not None and abs(best[(b, a)]["length"] - d["length"]) < 1.0:
            reverse[i] = j
    lat0 = float(lat.mean()) if len(lat) else 0.0
    pt_entry, pt_frac, pt_lat, pt_lon = _snap_points(geometry, reverse)
    tree = cKDTree(local_xy_m(pt_lat, pt_lon, lat0)) if len(pt_lat) else cKDTree(np.zeros((1, 2)))
    return Network(
        node_ids=np.array(order, dtype=np.int64), lat=lat, lon=lon, indptr=indptr, indices=heads,
        time_cs=time_cs, length_dm=length_dm, reverse=reverse, geometry=geometry, lat0=lat0, tree=tree,
        pt_entry=pt_entry, pt_frac=pt_frac, pt_lat=pt_lat, pt_lon=pt_lon,
    )


def fmt_m(value: float) -> str:
    """French thousands separator: 1830 -> '1 830'."""
    return f"{round(value):,}".replace(",", " ")


def anchors(net: Network, places: Sequence[Place], *, max_snap_m: float, label: str) -> list[Anchor]:
    """Nearest road point of each place.

    Raises
    ------
    TerritoryError
        Listing every place farther than ``max_snap_m`` metres from the network (or with
        invalid coordinates), with its id and distance; ``label`` names the network in
        the message (« réseau routier (andorra.osm.pbf) »).
    """
    if not places:
        return []
    lat = np.array([p.lat for p in places], dtype=float)
    lon = np.array([p.lon for p in places], dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    _, idx = net.tree.query(local_xy_m(np.where(ok, lat, net.lat0), np.where(ok, lon, 0.0), net.lat0))
    idx = np.asarray(idx)
    dist = np.where(ok, haversine_m(lat, lon, net.pt_lat[idx], net.pt_lon[idx]), np.nan)
    far = [
        f"le lieu '{p.id}' est à {fmt_m(d)} m de la route la plus proche "
        f"(max {fmt_m(max_snap_m)} m) : vérifier ses coordonnées"
        if np.isfinite(d)
        else f"le lieu '{p.id}' a des coordonnées invalides ({p.lat}, {p.lon})"
        for p, d in zip(places, dist)
        if not d <= max_snap_m
    ]
    if far:
        head = f"{len(far)} lieu{'x' if len(far) > 1 else ''} trop loin du {label} :"
        raise TerritoryError("\n".join([head, *(f"  - {m}" for m in far)]))
    return [
        Anchor(int(net.pt_entry[i]), float(net.pt_frac[i]), float(d), float(net.pt_lat[i]), float(net.pt_lon[i]))
        for i, d in zip(idx, dist)
    ]
