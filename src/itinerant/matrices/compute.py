"""Drive and walk matrices on the road graph (``scipy.sparse.csgraph``) or the estimated model.

See :func:`drive_matrix` and :func:`walk_matrix`; matrices computed on a road graph are
cached as ``.npz`` in ``<cache dir>/matrices/<mode>-<key>.npz``, key = sha256 of (territory
key, mode, ids and coordinates of origins and destinations, snap limit, cut-off, version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from itinerant.core.places import UNREACHABLE, Place, TravelMatrix
from itinerant.matrices.files import load_npz, read_points_csv, save_npz
from itinerant.roads import estimate
from itinerant.roads.cache import default_cache_dir

if TYPE_CHECKING:
    from itinerant.roads.graph import Mode
    from itinerant.roads.network import Anchor, Network
    from itinerant.roads.territory import Territory


MATRIX_VERSION = "matrix-1"
"""Bump when the computation changes (invalidates cached matrices)."""
OFFROAD_SPEED_KPH = 20.0
"""Speed of the off-road leg between a place and its road point (drive)."""
_K = 10**8
"""Combined weight: ``time_cs * _K + length_dm`` (lexicographic: fastest, then shortest).
Exact in float64 while time < 250 h and length < 10 000 km."""



def drive_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place] | None = None,
    *,
    territory: Territory | None,
    max_snap_m: int = 1000,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    density_grid: Mapping[str, int | None] | None = None,
) -> TravelMatrix:
    """Driving durations (s) and distances (m) from every origin to every destination.

    With a territory: each place is joined to the nearest point of the drive graph
    (edges are split there, exactly, in integer centiseconds/decimetres); one
    ``scipy.sparse.csgraph.dijkstra`` runs from the unique origin points on the
    weight ``time_cs * 10**8 + length_dm``, which gives the fastest path and, among
    equally fast ones, the shortest; its length is read from the same number, so the
    distance is exactly the length of the fastest path. The off-road leg (place to
    its road point, great-circle, at :data:`OFFROAD_SPEED_KPH`) is added at both
    ends, except between places with the same id or the same coordinates (0).
    Results are rounded to the nearest integer (half to even) after summing.

    Without a territory: the estimated model of :mod:`itinerant.roads.estimate`
    (``estimated=True``), with speeds by settlement type when ``density_grid`` gives
    the INSEE density grid of the places' communes by place id (the road graph has its
    own built-up areas, so ``density_grid`` is not used there).

    Returns
    -------
    TravelMatrix
        int64 arrays of shape (len(origins), len(destinations)), row = origin.
    """
    dests = list(origins) if destinations is None else list(destinations)
    origins = list(origins)
    if territory is None:
        o_grids = estimate.grids_of(origins, density_grid)
        d_grids = estimate.grids_of(dests, density_grid)
        dur, dist = estimate.drive_estimate(origins, dests, origin_grids=o_grids, dest_grids=d_grids)
        by_density = any(g is not None for g in (o_grids or []) + (d_grids or []))
        return _finish(origins, dests, dur, dist, estimated=True, source=estimate.drive_source(by_density=by_density))
    return _graph_matrix(
        origins, dests, territory, mode="drive", max_snap_m=max_snap_m, cutoff_m=None,
        cache_dir=cache_dir, use_cache=use_cache,
    )


def walk_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place] | None = None,
    *,
    territory: Territory | None,
    cutoff_m: int,
    max_snap_m: int = 1000,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> TravelMatrix:
    """Walking distances (m) and durations (s, at 4 km/h) with a cut-off.

    Shortest path on the walk graph (all directions allowed), plus the off-road legs
    at both ends (great-circle). Pairs farther than ``cutoff_m`` are
    :data:`UNREACHABLE` in both arrays. Without a territory: great-circle distance x
    the walk circuity of :mod:`itinerant.roads.estimate` (``estimated=True``).

    Returns
    -------
    TravelMatrix
        int64 arrays of shape (len(origins), len(destinations)).
    """
    dests = list(origins) if destinations is None else list(destinations)
    origins = list(origins)
    if territory is None:
        dur, dist = estimate.walk_estimate(origins, dests)
        m = _finish(origins, dests, dur, dist, estimated=True, source=estimate.walk_source())
        far = m.distance_m > cutoff_m
        m.duration_s[far] = UNREACHABLE
        m.distance_m[far] = UNREACHABLE
        return m
    return _graph_matrix(
        origins, dests, territory, mode="walk", max_snap_m=max_snap_m, cutoff_m=cutoff_m,
        cache_dir=cache_dir, use_cache=use_cache,
    )


def matrix_from_points_file(
    osm_file: Path | str,
    points_csv: Path | str,
    out_npz: Path | str,
    *,
    buffer_m: float = 3000.0,
    max_snap_m: int = 1000,
    cache_dir: Path | None = None,
) -> TravelMatrix:
    """``itinerant matrix --osm FILE --points POINTS.csv --out M.npz``: square drive
    matrix of the points (CSV ``id,lat,lon``) on the OSM file clipped around them."""
    from itinerant.roads.territory import bbox_around, build_territory

    places = read_points_csv(points_csv)
    territory = build_territory(osm_file, bbox=bbox_around(places, buffer_m), cache_dir=cache_dir)
    matrix = drive_matrix(places, territory=territory, max_snap_m=max_snap_m, cache_dir=cache_dir)
    save_npz(matrix, out_npz)
    return matrix





def _finish(origins, dests, dur, dist, *, estimated: bool, source: str, same: np.ndarray | None = None) -> TravelMatrix:
    """Round float seconds/metres, zero the diagonal (same id) and same-point pairs."""
    dur = np.rint(np.asarray(dur, dtype=float))
    dist = np.rint(np.asarray(dist, dtype=float))
    if same is None:
        same = _same_place(origins, dests)
    dur[same] = 0
    dist[same] = 0
    return TravelMatrix(
        origin_ids=tuple(p.id for p in origins),
        dest_ids=tuple(p.id for p in dests),
        duration_s=dur.astype(np.int64),
        distance_m=dist.astype(np.int64),
        estimated=estimated,
        source=source,
    )


def _same_place(origins: Sequence[Place], dests: Sequence[Place]) -> np.ndarray:
    """Boolean (m, n): same id or identical coordinates."""
    codes: dict[object, int] = {}
    o_id = np.array([codes.setdefault(p.id, len(codes)) for p in origins], dtype=np.int64)
    d_id = np.array([codes.setdefault(p.id, len(codes)) for p in dests], dtype=np.int64)
    points: dict[object, int] = {}
    o_pt = np.array([points.setdefault((p.lat, p.lon), len(points)) for p in origins], dtype=np.int64)
    d_pt = np.array([points.setdefault((p.lat, p.lon), len(points)) for p in dests], dtype=np.int64)
    same = (o_id[:, None] == d_id[None, :]) | (o_pt[:, None] == d_pt[None, :])
    return same.reshape(len(origins), len(dests))


def _matrix_cache_path(territory, mode, origins, dests, max_snap_m, cutoff_m, cache_dir) -> Path:
    payload = json.dumps(
        {
            "v": MATRIX_VERSION,
            "territory": territory.key,
            "mode": mode,
            "o": [[p.id, p.lat, p.lon] for p in origins],
            "d": [[p.id, p.lat, p.lon] for p in dests],
            "snap": max_snap_m,
            "cutoff": cutoff_m,
        }
    )
    key = hashlib.sha256(payload.encode()).hexdigest()[:32]
    base = cache_dir if cache_dir is not None else default_cache_dir()
    return base / "matrices" / f"{mode}-{key}.npz"


def _snap_distinct(territory: Territory, places: list[Place], *, mode: Mode,
                   max_snap_m: int) -> tuple[list[Anchor], np.ndarray]:
    """Anchors of the distinct points among ``places`` (ids may share a point) and, per
    place, the index of its anchor. TerritoryError names every place too far, once."""
    coord_index: dict[tuple[float, float], int] = {}
    unique: list[Place] = []
    slots: list[int] = []
    for p in places:
        k = (p.lat, p.lon)
        if k not in coord_index:
            coord_index[k] = len(unique)
            unique.append(p)
        slots.append(coord_index[k])
    try:
        anchors = territory.anchors(unique, max_snap_m=max_snap_m, mode=mode)
    except ValueError:
        # name every faulty id (several ids may share one point), each once
        territory.anchors(list(dict.fromkeys(places)), max_snap_m=max_snap_m, mode=mode)
        raise
    return anchors, np.array(slots, dtype=np.int64)


def _seconds_metres(W: np.ndarray, off_o: np.ndarray, off_d: np.ndarray, *, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Float (duration s, distance m) from path weights (finite entries) plus the
    off-road legs (m) at both ends."""
    Wi = np.where(np.isfinite(W), W, 0).astype(np.int64)
    if mode == "drive":
        t_cs, l_dm = Wi // _K, Wi % _K
        dist = l_dm / 10.0 + off_o[:, None] + off_d[None, :]
        return t_cs / 100.0 + (off_o[:, None] + off_d[None, :]) * (3.6 / OFFROAD_SPEED_KPH), dist
    dist = Wi / 10.0 + off_o[:, None] + off_d[None, :]
    return dist * 3.6 / estimate.WALK_SPEED_KPH, dist


def _graph_source(territory: Territory, mode: str) -> str:
    label = "routes" if mode == "drive" else "chemins piétons"
    source = f"{label} OSM : {territory.source} (sha256 {territory.sha256[:12]})"
    if mode == "drive":
        source += ", vitesses réglementaires (maxspeed ou règles françaises)"
    return source


def _graph_matrix(origins, dests, territory, *, mode, max_snap_m, cutoff_m, cache_dir, use_cache) -> TravelMatrix:
    """Matrix on the road graph of ``mode``, read from or written to the matrix cache."""
    cache = _matrix_cache_path(territory, mode, origins, dests, max_snap_m, cutoff_m, cache_dir) if use_cache else None
    if cache is not None and cache.is_file():
        try:
            return load_npz(cache)
        except Exception:  # noqa: BLE001 - corrupt cache: recompute
            pass
    m = _compute_graph_matrix(origins, dests, territory, mode=mode, max_snap_m=max_snap_m, cutoff_m=cutoff_m)
    if cache is not None:
        save_npz(m, cache)
    return m


def _compute_graph_matrix(origins, dests, territory, *, mode, max_snap_m, cutoff_m) -> TravelMatrix:
    if not origins or not dests:
        empty = np.zeros((len(origins), len(dests)), dtype=np.int64)
        return TravelMatrix(tuple(p.id for p in origins), tuple(p.id for p in dests), empty, empty.copy(), False, territory.source)
    anchors_u, where = _snap_distinct(territory, origins + dests, mode=mode, max_snap_m=max_snap_m)
    graph, node_of = _augmented(territory.network(mode), anchors_u, mode=mode)
    n_o = len(origins)
    limit = np.inf if cutoff_m is None else float(cutoff_m) * 10 + 0.5
    W = _many_to_many(graph, node_of[where[:n_o]], node_of[where[n_o:]], limit)
    off = np.array([a.offset_m for a in anchors_u])[where]
    dur, dist = _seconds_metres(W, off[:n_o], off[n_o:], mode=mode)
    same = _same_place(origins, dests)
    m = _finish(origins, dests, dur, dist, estimated=False, source=_graph_source(territory, mode), same=same)
    unreachable = ~np.isfinite(W)
    if cutoff_m is not None:
        unreachable |= m.distance_m > cutoff_m
    unreachable &= ~same
    m.duration_s[unreachable] = UNREACHABLE
    m.distance_m[unreachable] = UNREACHABLE
    return m


_BATCH_CELLS = 20_000_000
"""At most this many float64 cells per Dijkstra call (160 MB): sources are batched."""


def _many_to_many(graph: sp.csr_matrix, o_nodes: np.ndarray, d_nodes: np.ndarray, limit: float) -> np.ndarray:
    """Shortest-path weights (len(o_nodes), len(d_nodes)).

    Dijkstra runs from the unique origin nodes, or from the unique destination nodes
    on the reversed graph when there are fewer of them (e.g. many residents to a few
    bus stops), in batches so the (sources, nodes) work array stays bounded.
    """
    src_o = np.unique(o_nodes)
    src_d = np.unique(d_nodes)
    reverse = len(src_d) < len(src_o)
    g = graph.T.tocsr() if reverse else graph
    sources, targets = (src_d, o_nodes) if reverse else (src_o, d_nodes)
    batch = max(1, _BATCH_CELLS // max(graph.shape[0], 1))
    rows = np.empty((len(sources), len(targets)))
    for k in range(0, len(sources), batch):
        rows[k : k + batch] = dijkstra(g, directed=True, indices=sources[k : k + batch], limit=limit)[:, targets]
    lookup = np.searchsorted(sources, d_nodes if reverse else o_nodes)
    out = rows[lookup]
    return out.T if reverse else out


def _base_weights(net: Network, mode: str) -> np.ndarray:
    """Float weight per CSR entry: ``time_cs*_K + length_dm`` (drive) or ``length_dm``."""
    if mode == "drive":
        return (net.time_cs * _K + net.length_dm).astype(np.float64)
    return net.length_dm.astype(np.float64)


def _augmented(net: Network, anchors: Sequence[Anchor], *, mode: str):
    """CSR graph with a virtual node per anchor splitting its edge; node of each anchor.

    Returns
    -------
    graph
        ``scipy.sparse.csr_matrix`` of shape (n + k, n + k).
    node_of
        int64 (len(anchors),): node (base or virtual) of each anchor.
    """
    graph, node_of, _ = _augmented_with_segments(net, anchors, mode=mode)
    return graph, node_of


def _augmented_with_segments(net: Network, anchors: Sequence[Anchor], *, mode: str):
    n = net.n
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(net.indptr))
    heads = net.indices
    node_of = np.empty(len(anchors), dtype=np.int64)
    groups: dict[int, dict[int, list[int]]] = {}
    for i, a in enumerate(anchors):
        L = int(net.length_dm[a.entry])
        pos = int(round(a.frac * L))  # decimetres from the tail
        if pos <= 0:
            node_of[i] = tails[a.entry]
        elif pos >= L:
            node_of[i] = heads[a.entry]
        else:
            groups.setdefault(a.entry, {}).setdefault(pos, []).append(i)
    rows, cols, data = [], [], []
    segments: dict[tuple[int, int], tuple[int, float, float]] = {}
    nxt = n
    for e, by_pos in groups.items():
        a_node, b_node = int(tails[e]), int(heads[e])
        L = int(net.length_dm[e])
        positions = sorted(by_pos)
        vnodes = []
        for p in positions:
            for i in by_pos[p]:
                node_of[i] = nxt
            vnodes.append(nxt)
            nxt += 1
        chain = [a_node, *vnodes, b_node]
        cum = [0, *positions, L]  # decimetres from tail, strictly increasing
        fr = [c / L for c in cum]
        for direction, entry in ((1, e), (-1, int(net.reverse[e]))):
            if entry < 0:
                continue
            T = int(net.time_cs[entry])
            Le = int(net.length_dm[entry])
            if direction == 1:
                seq, fseq = chain, fr
            else:
                seq, fseq = chain[::-1], [1 - f for f in fr[::-1]]
            # integer cumulative splits along this entry (exact sums)
            ct = [int(round(f * T)) for f in fseq]
            cl = [int(round(f * Le)) for f in fseq]
            ct[-1], cl[-1] = T, Le
            for j in range(len(seq) - 1):
                dt_ = ct[j + 1] - ct[j]
                dl = max(cl[j + 1] - cl[j], 1)
                w = dt_ * _K + dl if mode == "drive" else dl
                rows.append(seq[j])
                cols.append(seq[j + 1])
                data.append(float(w))
                segments[(seq[j], seq[j + 1])] = (e, fr[chain.index(seq[j])], fr[chain.index(seq[j + 1])])
    size = nxt
    # a split edge is replaced by its chain (same road, same total weight)
    keep = np.ones(len(heads), dtype=bool)
    split = np.fromiter(groups.keys(), dtype=np.int64, count=len(groups))
    keep[split] = False
    rev = net.reverse[split]
    keep[rev[rev >= 0]] = False
    all_rows = np.concatenate([tails[keep], np.array(rows, dtype=np.int64)])
    all_cols = np.concatenate([heads[keep], np.array(cols, dtype=np.int64)])
    all_data = np.concatenate([_base_weights(net, mode)[keep], np.array(data, dtype=np.float64)])
    graph = sp.csr_matrix((all_data, (all_rows, all_cols)), shape=(size, size))
    return graph, node_of, segments
