"""Travel matrices on real Andorra roads: they equal networkx, and keep their meaning."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from itinerant.core.errors import InputError, TerritoryError
from itinerant.matrices import (
    UNREACHABLE,
    Place,
    TravelMatrix,
    drive_matrix,
    load_npz,
    matrix_from_points_file,
    read_points_csv,
    save_npz,
    walk_matrix,
)
from itinerant.matrices import compute as matrices_mod
from itinerant.roads.estimate import great_circle_m
from itinerant.roads.territory import Territory, build_territory

# Same box and cache location as tests/test_territory.py: the graphs are built once per
# session and read back from the on-disk cache here.
BBOX = (42.495, 1.505, 42.530, 1.560)
COMU_ANDORRA = Place("comu-andorra", 42.5073178, 1.5220939)
COMU_ESCALDES = Place("comu-escaldes", 42.5107734, 1.5390846)


@pytest.fixture(scope="session")
def andorra(andorra_osm: Path, tmp_path_factory: pytest.TempPathFactory) -> Territory:
    """Drive and walk graphs of central Andorra (real OSM roads)."""
    return build_territory(andorra_osm, bbox=BBOX, cache_dir=tmp_path_factory.getbasetemp() / "itinerant-cache")


def _node_places(G: nx.MultiDiGraph, k: int, seed: int) -> tuple[list, list[Place]]:
    nodes = random.Random(seed).sample(sorted(G.nodes), k)
    return nodes, [Place(f"n{n}", G.nodes[n]["y"], G.nodes[n]["x"]) for n in nodes]


def _integer_graph(G: nx.MultiDiGraph) -> nx.DiGraph:
    """Exact integer weights (the graph stores 0.01 s and 0.1 m): ties are real ties."""
    H = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        w = (round(d["travel_time"] * 100), round(d["length"] * 10))
        if u != v and (not H.has_edge(u, v) or w < H[u][v]["w"]):
            H.add_edge(u, v, w=w, t=w[0], l=w[1])
    return H


@pytest.fixture(scope="module")
def sampled(andorra: Territory) -> tuple[list, list[Place], TravelMatrix]:
    nodes, places = _node_places(andorra.drive, 25, seed=7)
    return nodes, places, drive_matrix(places, territory=andorra, use_cache=False)


def test_drive_matrix_equals_networkx_on_sampled_pairs(andorra: Territory, sampled) -> None:
    nodes, _, m = sampled
    H = _integer_graph(andorra.drive)
    for i, u in enumerate(nodes[:8]):
        times = nx.single_source_dijkstra_path_length(H, u, weight="t")
        for j, v in enumerate(nodes):
            assert m.duration_s[i, j] == round(times[v] / 100), (u, v)
            # distance = length of the fastest path (the shortest among equally fast ones)
            lengths = [
                sum(H[a][b]["l"] for a, b in zip(p[:-1], p[1:]))
                for p in nx.all_shortest_paths(H, u, v, weight="t")
            ]
            assert m.distance_m[i, j] == round(min(lengths) / 10), (u, v)


def test_drive_matrix_equals_float_networkx_shortest_path_length(andorra: Territory, sampled) -> None:
    nodes, _, m = sampled
    G = andorra.drive
    for i, j in [(0, 1), (3, 9), (12, 4), (20, 24), (24, 20)]:
        t = nx.shortest_path_length(G, nodes[i], nodes[j], weight="travel_time")
        assert abs(m.duration_s[i, j] - t) <= 0.5 + 1e-6


def test_matrix_shape_dtype_diagonal_and_ids(sampled) -> None:
    _, places, m = sampled
    assert m.duration_s.shape == m.distance_m.shape == (25, 25)
    assert m.duration_s.dtype == m.distance_m.dtype == np.int64
    assert m.ids == tuple(p.id for p in places)
    assert not m.estimated and "OSM" in m.source
    assert (np.diag(m.duration_s) == 0).all() and (np.diag(m.distance_m) == 0).all()
    off = ~np.eye(25, dtype=bool)
    assert (m.duration_s[off] > 0).all() and (m.duration_s < UNREACHABLE).all()


def test_triangle_inequality_on_durations(sampled) -> None:
    _, _, m = sampled
    D = m.duration_s
    # each entry is rounded once, so a detour via k may be up to 1 s "shorter"
    assert (D[:, None, :] <= D[:, :, None] + D[None, :, :] + 1).all()


def test_road_distance_is_at_least_great_circle(andorra: Territory) -> None:
    rng = random.Random(3)
    s, w, n, e = BBOX
    places = [Place(f"r{i}", rng.uniform(s + 0.005, n - 0.005), rng.uniform(w + 0.005, e - 0.005)) for i in range(30)]
    m = drive_matrix(places, territory=andorra, max_snap_m=3000, use_cache=False)
    gc = great_circle_m(places, places)
    assert (m.distance_m >= np.floor(gc) - 1).all()
    # durations are at most the legal speed: never faster than 130 km/h on average
    assert (m.duration_s * 130 / 3.6 >= m.distance_m - 1).all()


def test_rectangular_matrix_matches_the_square_one(andorra: Territory, sampled) -> None:
    _, places, m = sampled
    rect = drive_matrix(places[:5], places[10:], territory=andorra, use_cache=False)
    assert rect.origin_ids == m.origin_ids[:5] and rect.dest_ids == m.origin_ids[10:]
    assert (rect.duration_s == m.duration_s[:5, 10:]).all()
    assert (rect.distance_m == m.distance_m[:5, 10:]).all()
    with pytest.raises(ValueError, match="not square"):
        rect.ids


def test_a_place_in_the_middle_of_an_edge_splits_it_exactly(andorra: Territory) -> None:
    net = andorra.network("drive")
    # the longest two-way edge, and a place on its middle point
    two_way = np.flatnonzero(net.reverse >= 0)
    e = int(two_way[np.argmax(net.length_dm[two_way])])
    tail = int(np.searchsorted(net.indptr, e, side="right") - 1)
    head = int(net.indices[e])
    coords = net.geometry[e]
    mid = coords[len(coords) // 2] if len(coords) > 2 else coords.mean(axis=0)
    a = Place("tail", float(net.lat[tail]), float(net.lon[tail]))
    b = Place("head", float(net.lat[head]), float(net.lon[head]))
    p = Place("mid", float(mid[0]), float(mid[1]))
    m = drive_matrix([a, p, b], territory=andorra, use_cache=False)
    edge_time = net.time_cs[e] / 100
    # going tail -> mid -> head costs the edge (each leg rounded once)
    assert abs(m.duration_s[0, 1] + m.duration_s[1, 2] - edge_time) <= 1
    assert abs(m.distance_m[0, 1] + m.distance_m[1, 2] - net.length_dm[e] / 10) <= 1
    assert m.duration_s[0, 1] > 0 and m.duration_s[1, 2] > 0


def test_off_road_leg_is_added_at_both_ends(andorra: Territory) -> None:
    base = drive_matrix([COMU_ANDORRA, COMU_ESCALDES], territory=andorra, use_cache=False)
    a_road, e_road = andorra.anchors([COMU_ANDORRA, COMU_ESCALDES], max_snap_m=1000)
    on_road = [Place("a", a_road.lat, a_road.lon), Place("e", e_road.lat, e_road.lon)]
    road = drive_matrix(on_road, territory=andorra, use_cache=False)
    extra = a_road.offset_m + e_road.offset_m
    assert abs(base.distance_m[0, 1] - road.distance_m[0, 1] - extra) <= 1
    assert abs(base.duration_s[0, 1] - road.duration_s[0, 1] - extra * 3.6 / matrices_mod.OFFROAD_SPEED_KPH) <= 1


def test_same_point_under_two_ids_is_zero(andorra: Territory) -> None:
    twin = Place("twin", COMU_ANDORRA.lat, COMU_ANDORRA.lon)
    m = drive_matrix([COMU_ANDORRA, twin, COMU_ESCALDES], territory=andorra, use_cache=False)
    assert m.duration_s[0, 1] == m.duration_s[1, 0] == 0
    assert (m.duration_s[0] == m.duration_s[1]).all()


def test_far_places_are_named_in_a_territory_error(andorra: Territory) -> None:
    far = [Place("loin-1", 43.0, 1.53), Place("loin-2", 42.0, 1.53)]
    with pytest.raises(TerritoryError) as err:
        drive_matrix([COMU_ANDORRA, *far], territory=andorra, use_cache=False)
    assert "'loin-1'" in str(err.value) and "'loin-2'" in str(err.value)
    assert str(err.value).count("'loin-1'") == 1


def test_matrix_cache_is_read_back_without_computing(
    andorra: Territory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    places = [COMU_ANDORRA, COMU_ESCALDES]
    first = drive_matrix(places, territory=andorra, cache_dir=tmp_path)
    assert len(list((tmp_path / "matrices").glob("drive-*.npz"))) == 1

    def no_dijkstra(*args: object, **kwargs: object) -> None:
        raise AssertionError("recomputed")

    monkeypatch.setattr(matrices_mod, "dijkstra", no_dijkstra)
    again = drive_matrix(places, territory=andorra, cache_dir=tmp_path)
    assert (again.duration_s == first.duration_s).all() and (again.distance_m == first.distance_m).all()
    assert again.ids == first.ids and again.source == first.source
    moved = [COMU_ANDORRA, Place("comu-escaldes", 42.5108, 1.5391)]  # same id, new point
    with pytest.raises(AssertionError, match="recomputed"):
        drive_matrix(moved, territory=andorra, cache_dir=tmp_path)


def test_walk_matrix_with_cutoff(andorra: Territory) -> None:
    _, places = _node_places(andorra.walk, 20, seed=11)
    m = walk_matrix(places, territory=andorra, cutoff_m=1500, use_cache=False)
    reach = m.distance_m < UNREACHABLE
    assert reach.any() and (~reach).any()
    assert (m.distance_m[reach] <= 1500).all()
    assert (m.duration_s[~reach] == UNREACHABLE).all()
    gc = great_circle_m(places, places)
    assert (m.distance_m[reach] >= np.floor(gc[reach]) - 1).all()
    assert (np.abs(m.distance_m - m.distance_m.T) <= 1).all()  # walking is two-way
    # on graph nodes, the walk distance is the networkx shortest path length
    G = andorra.walk
    for i, j in zip(*np.nonzero(reach)):
        if i < j and i < 4:
            u, v = (int(p.id[1:]) for p in (places[i], places[j]))
            assert abs(m.distance_m[i, j] - nx.shortest_path_length(G, u, v, weight="length")) <= 0.5 + 1e-6


def test_walk_longer_than_cutoff_is_unreachable(andorra: Territory) -> None:
    m = walk_matrix([COMU_ANDORRA, COMU_ESCALDES], territory=andorra, cutoff_m=300, use_cache=False)
    assert m.distance_m[0, 1] == UNREACHABLE and m.distance_m[0, 0] == 0


def test_save_and_load_npz_round_trip(sampled, tmp_path: Path) -> None:
    _, _, m = sampled
    path = tmp_path / "m.npz"
    save_npz(m, path)
    with np.load(path) as z:
        assert set(z.files) >= {"origin_ids", "dest_ids", "duration_s", "distance_m"}
        assert z["duration_s"].dtype == np.int64
    back = load_npz(path)
    assert back.ids == m.ids and (back.distance_m == m.distance_m).all() and back.source == m.source


def test_matrix_from_points_file(andorra_osm: Path, tmp_path: Path) -> None:
    points = tmp_path / "points.csv"
    points.write_text(
        "id,lat,lon\n"
        f"andorra,{COMU_ANDORRA.lat},{COMU_ANDORRA.lon}\n"
        f"escaldes,{COMU_ESCALDES.lat},{COMU_ESCALDES.lon}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "m.npz"
    m = matrix_from_points_file(andorra_osm, points, out, buffer_m=500, cache_dir=tmp_path / "cache")
    back = load_npz(out)
    assert back.ids == ("andorra", "escaldes")
    assert (back.duration_s == m.duration_s).all()
    assert 1500 < back.distance_m[0, 1] < 4000 and 120 < back.duration_s[0, 1] < 600


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,lat\na,1\n", "colonne 'lon' : colonne manquante"),  # no lon column
        ("id,lat,lon\na,x,1\n", "ligne 2, colonne 'lat' : 'x' n'est pas un nombre"),  # not a number
        ("id,lat,lon\na,91,1\n", "ligne 2, colonne 'lat' : 91.0 hors de [-90, 90]"),  # latitude out of range
        ("id,lat,lon\n,1,1\n", "ligne 2, colonne 'id' : identifiant vide"),  # empty id
        ("id,lat,lon\na,1,1\na,2,2\n", "ligne 3, colonne 'id' : identifiant 'a' en double"),  # duplicate id
    ],
)
def test_read_points_csv_rejects_bad_rows(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        read_points_csv(path)


def test_read_points_csv_collects_every_fault(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("id,lat,lon\na,x,1\nb,1,500\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_points_csv(path)
    assert len(err.value.faults) == 2


def test_empty_origins_give_an_empty_matrix(andorra: Territory) -> None:
    m = drive_matrix([], [COMU_ANDORRA], territory=andorra, use_cache=False)
    assert m.duration_s.shape == (0, 1) and m.dest_ids == ("comu-andorra",)


def test_many_origins_to_few_destinations_runs_backwards_with_the_same_result(
    andorra: Territory, sampled, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, places, m = sampled
    # 25 origins, 3 destinations: Dijkstra runs from the destinations on the reversed graph
    few = drive_matrix(places, places[:3], territory=andorra, use_cache=False)
    assert (few.duration_s == m.duration_s[:, :3]).all() and (few.distance_m == m.distance_m[:, :3]).all()
    # tiny batches give the same matrix
    monkeypatch.setattr(matrices_mod, "_BATCH_CELLS", 1)
    batched = drive_matrix(places, territory=andorra, use_cache=False)
    assert (batched.duration_s == m.duration_s).all() and (batched.distance_m == m.distance_m).all()


# -- a scenario's matrices ---------------------------------------------------------------


@pytest.fixture(scope="module")
def clunisois():
    from itinerant.scenario import load_scenario

    return load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "clunisois")


def test_scenario_matrices_carry_the_scenario_ids(clunisois) -> None:
    from itinerant.matrices import ScenarioMatrices
    from itinerant.scenario.model import PERMANENCE_KINDS

    sc = clunisois
    m = ScenarioMatrices(sc, None)
    assert m.estimated and m.geometry() is None
    # one id scheme: the scenario file's ids, sites then visits, no kind prefix
    assert m.drive().ids == tuple(s.id for s in sc.sites) + tuple(v.id for v in sc.visits)
    assert m.drive() is m.drive()  # computed once
    residents = tuple(r.id for r in sc.residents)
    access = m.residents_to_sites("car")
    assert access.origin_ids == residents
    assert access.dest_ids == tuple(s.id for s in sc.sites if s.kind in PERMANENCE_KINDS)
    assert {sc.site(s).kind for s in access.dest_ids} == {"office", "antenne", "partner", "candidate"}
    walk = m.walk_to_stops()
    assert walk.origin_ids == residents
    assert walk.dest_ids == tuple(s.id for s in sc.sites if s.kind == "bus_stop")
    # the access matrix by car uses the communes' settlement types, as the square one does
    from itinerant.scenario.places import density_grids, permanence_places, resident_places

    args = (resident_places(sc), permanence_places(sc))
    by_density = drive_matrix(*args, territory=None, density_grid=density_grids(sc))
    assert (access.duration_s == by_density.duration_s).all()
    assert (access.duration_s < drive_matrix(*args, territory=None).duration_s).any()
    sq = m.drive()
    site = access.dest_ids[0]
    assert sq.duration_s[sq.index(site), sq.index(site)] == 0


def test_progress_steps_are_reported_once_per_matrix(clunisois) -> None:
    import contextlib

    from itinerant.matrices import matrices_for_scenario

    labels: list[str] = []

    class Steps:
        def step(self, label: str):
            labels.append(label)
            return contextlib.nullcontext()

    m = matrices_for_scenario(clunisois, None, progress=Steps())
    for get in (m.drive, m.drive, m.walk_to_stops, lambda: m.residents_to_sites("walk")):
        get()
    assert len(labels) == 3 and "voiture" in labels[0]


def test_territory_box_covers_every_located_thing(clunisois) -> None:
    from itinerant.roads.territory import bbox_around
    from itinerant.scenario.places import extent_places

    s, w, n, e = bbox_around(extent_places(clunisois), 0)
    things = [*clunisois.communes, *clunisois.sites, *clunisois.visits, *clunisois.residents]
    assert min(t.lat for t in things) == pytest.approx(s) and max(t.lat for t in things) == pytest.approx(n)
    assert min(t.lon for t in things) == pytest.approx(w) and max(t.lon for t in things) == pytest.approx(e)
