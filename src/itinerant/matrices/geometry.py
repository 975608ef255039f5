"""Road geometry of a drive path (what the maps draw): :func:`path_coords`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse.csgraph import dijkstra

from itinerant.core.places import Place
from itinerant.core.units import haversine_m
from itinerant.matrices.compute import _augmented_with_segments

if TYPE_CHECKING:
    from itinerant.roads.territory import Territory


def _sub_geometry(coords: np.ndarray, f0: float, f1: float) -> list[tuple[float, float]]:
    """Part of a (lat, lon) polyline between length fractions f0 and f1 (f0 > f1: reversed)."""

    lo, hi = min(f0, f1), max(f0, f1)
    seg = haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = cum[-1] if cum[-1] > 0 else 1.0
    s0, s1 = lo * total, hi * total
    inner = [(float(la), float(lo_)) for c, la, lo_ in zip(cum, coords[:, 0], coords[:, 1]) if s0 < c < s1]
    start = (float(np.interp(s0, cum, coords[:, 0])), float(np.interp(s0, cum, coords[:, 1])))
    end = (float(np.interp(s1, cum, coords[:, 0])), float(np.interp(s1, cum, coords[:, 1])))
    out = [start, *inner, end]
    return out[::-1] if f0 > f1 else out


def path_coords(territory: Territory, a: Place, b: Place, *, max_snap_m: int) -> list[tuple[float, float]]:
    """(lat, lon) polyline of the fastest drive path a -> b (off-road legs included)."""
    net = territory.network("drive")
    anchors = territory.anchors([a, b], max_snap_m=max_snap_m, mode="drive")
    graph, node_of, segments = _augmented_with_segments(net, anchors, mode="drive")
    s, t = int(node_of[0]), int(node_of[1])
    _, pred = dijkstra(graph, directed=True, indices=s, return_predecessors=True)
    nodes = [t]
    while nodes[-1] != s:
        p = int(pred[nodes[-1]])
        if p < 0:
            raise ValueError(f"pas de chemin routier de '{a.id}' à '{b.id}'")
        nodes.append(p)
    nodes.reverse()
    out: list[tuple[float, float]] = [(a.lat, a.lon), (anchors[0].lat, anchors[0].lon)]
    for u, v in zip(nodes[:-1], nodes[1:]):
        if (u, v) in segments:
            e, f0, f1 = segments[(u, v)]
            out.extend(_sub_geometry(net.geometry[e], f0, f1))
        else:
            lo, hi = net.indptr[u], net.indptr[u + 1]
            j = lo + int(np.flatnonzero(net.indices[lo:hi] == v)[0])
            out.extend((float(x), float(y)) for x, y in net.geometry[j])
    out.extend([(anchors[1].lat, anchors[1].lon), (b.lat, b.lon)])
    # drop consecutive duplicates
    clean = [out[0]]
    for pt in out[1:]:
        if pt != clean[-1]:
            clean.append(pt)
    return clean
