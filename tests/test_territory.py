"""The territory: real Andorra roads, clipped around Andorra la Vella - Escaldes."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest

from itinerant.core.errors import TerritoryError
from itinerant.core.places import Place
from itinerant.core.units import haversine_m
from itinerant.roads import territory as territory_mod
from itinerant.roads.speeds import parse_maxspeed, speed_for
from itinerant.roads.territory import Territory, bbox_around, build_territory

# Andorra la Vella - Escaldes-Engordany (south, west, north, east): a few seconds to build.
BBOX = (42.495, 1.505, 42.530, 1.560)
# A much smaller box (about 1 km^2) for the .pbf/.bz2 comparison.
TINY_BBOX = (42.503, 1.515, 42.512, 1.528)
COMU_ANDORRA = Place("comu-andorra", 42.5073178, 1.5220939)
COMU_ESCALDES = Place("comu-escaldes", 42.5107734, 1.5390846)


@pytest.fixture(scope="session")
def territory_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One on-disk cache for the whole session (shared by the test modules)."""
    return tmp_path_factory.getbasetemp() / "itinerant-cache"


@pytest.fixture(scope="session")
def andorra(andorra_osm: Path, territory_cache: Path) -> Territory:
    """Drive and walk graphs of central Andorra (real OSM roads)."""
    return build_territory(andorra_osm, bbox=BBOX, cache_dir=territory_cache)


def test_drive_graph_is_strongly_connected_with_consistent_speeds(andorra: Territory) -> None:
    G = andorra.drive
    assert len(G) > 300
    assert nx.is_strongly_connected(G)
    for _, _, d in G.edges(data=True):
        assert d["length"] > 0 and 1 <= d["speed_kph"] <= 130
        # travel_time is length at speed_kph (both rounded: 0.01 s, 0.1 m, 0.01 km/h)
        assert d["travel_time"] == pytest.approx(d["length"] / d["speed_kph"] * 3.6, rel=2e-3, abs=0.02)


def test_drive_graph_keeps_roads_and_drops_footways(andorra: Territory) -> None:
    highways = set()
    for _, _, d in andorra.drive.edges(data=True):
        hw = d["highway"]
        highways.update(hw if isinstance(hw, list) else [hw])
    assert {"primary", "residential"} <= highways
    assert not highways & {"footway", "steps", "path", "pedestrian", "track", "service"}


def test_walk_graph_is_connected_and_two_way(andorra: Territory) -> None:
    W = andorra.walk
    assert nx.is_weakly_connected(W)
    assert len(W) > len(andorra.drive)  # footways and steps added
    for u, v in W.edges():
        assert W.has_edge(v, u)


def test_every_node_of_the_box_is_kept_near_the_box(andorra: Territory) -> None:
    s, w, n, e = BBOX
    for _, d in andorra.drive.nodes(data=True):
        # ways crossing the box are kept whole, so nodes may lie a little outside
        assert s - 0.05 < d["y"] < n + 0.05 and w - 0.05 < d["x"] < e + 0.05


def test_second_build_reads_the_cache_and_does_not_parse(
    andorra: Territory, andorra_osm: Path, territory_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (territory_cache / f"territory-{andorra.key}.pickle").is_file()

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the OSM file was parsed again")

    monkeypatch.setattr(territory_mod, "read_osm", no_parse)
    again = build_territory(andorra_osm, bbox=BBOX, cache_dir=territory_cache)
    assert again.key == andorra.key
    assert len(again.drive) == len(andorra.drive)
    assert again.drive.number_of_edges() == andorra.drive.number_of_edges()


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-cache")


@pytest.fixture(scope="module")
def tiny(andorra_osm: Path, tiny_cache: Path) -> Territory:
    """About 1 km^2 of Andorra la Vella, from the .bz2."""
    return build_territory(andorra_osm, bbox=TINY_BBOX, cache_dir=tiny_cache)


def test_another_bbox_is_another_cache_entry(andorra: Territory, tiny: Territory, tiny_cache: Path) -> None:
    assert tiny.key != andorra.key
    assert len(tiny.drive) < len(andorra.drive)
    assert [p.name for p in tiny_cache.glob("territory-*.pickle")] == [f"territory-{tiny.key}.pickle"]


def test_pbf_and_bz2_give_the_same_graphs(andorra_osm: Path, tiny: Territory) -> None:
    pbf = andorra_osm.with_name("andorra_roads_pois.osm.pbf")
    b = build_territory(pbf, bbox=TINY_BBOX, use_cache=False)
    assert len(tiny.drive) == len(b.drive) > 20
    assert tiny.drive.number_of_edges() == b.drive.number_of_edges()
    assert len(tiny.walk) == len(b.walk)
    assert tiny.sha256 != b.sha256


def test_plain_osm_xml_is_read_too(andorra_osm: Path, tiny: Territory, tmp_path: Path) -> None:
    import bz2

    xml = tmp_path / "andorra.osm"
    with bz2.open(andorra_osm, "rb") as src, open(xml, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a = build_territory(xml, bbox=TINY_BBOX, use_cache=False)
    assert len(a.drive) == len(tiny.drive)
    assert a.walk.number_of_edges() == tiny.walk.number_of_edges()


def test_missing_or_unreadable_file_is_a_territory_error(tmp_path: Path) -> None:
    with pytest.raises(TerritoryError, match="introuvable"):
        build_territory(tmp_path / "nope.osm.pbf", use_cache=False)
    bad = tmp_path / "bad.osm"
    bad.write_text("this is not xml")
    with pytest.raises(TerritoryError):
        build_territory(bad, use_cache=False)


def test_far_places_are_all_named_with_their_distance(andorra: Territory) -> None:
    near = COMU_ANDORRA
    # 0.05 degree of latitude north of the box edge: at least 5.5 km from any kept road
    far1 = Place("v12", BBOX[2] + 0.10, 1.53)
    far2 = Place("v13", BBOX[0] - 0.10, 1.53)
    with pytest.raises(TerritoryError) as err:
        andorra.snap([near, far1, far2], max_snap_m=1000)
    text = str(err.value)
    assert "comu-andorra" not in text
    for pid in ("v12", "v13"):
        m = re.search(rf"le lieu '{pid}' est à ([\d ]+) m de la route la plus proche \(max 1 000 m\)", text)
        assert m, text
        assert int(m.group(1).replace(" ", "")) > 5000
    assert "vérifier ses coordonnées" in text


def test_invalid_coordinates_are_named(andorra: Territory) -> None:
    with pytest.raises(TerritoryError, match=r"le lieu 'nan' a des coordonnées invalides \(nan, 1.5\)"):
        andorra.snap([COMU_ANDORRA, Place("nan", float("nan"), 1.5)], max_snap_m=1000)


def test_snap_returns_the_node_itself_for_a_place_on_a_node(andorra: Territory) -> None:
    net = andorra.network("drive")
    i = net.n // 2
    place = Place("on-node", float(net.lat[i]), float(net.lon[i]))
    assert andorra.snap([place], max_snap_m=10)[0] == i


def test_town_halls_are_close_to_the_road(andorra: Territory) -> None:
    anchors = andorra.anchors([COMU_ANDORRA, COMU_ESCALDES], max_snap_m=1000)
    for a in anchors:
        assert a.offset_m < 100


def test_path_coords_runs_from_a_to_b_along_the_road(andorra: Territory) -> None:
    from itinerant.matrices import drive_matrix, path_coords

    coords = path_coords(andorra, COMU_ANDORRA, COMU_ESCALDES, max_snap_m=1000)
    assert coords[0] == (COMU_ANDORRA.lat, COMU_ANDORRA.lon)
    assert coords[-1] == (COMU_ESCALDES.lat, COMU_ESCALDES.lon)
    steps = [haversine_m(a[0], a[1], b[0], b[1]) for a, b in zip(coords[:-1], coords[1:])]
    assert max(steps) < 1000  # a polyline along roads, not a straight jump
    m = drive_matrix([COMU_ANDORRA, COMU_ESCALDES], territory=andorra, use_cache=False)
    # the drawn line has the length the matrix reports (same geometry)
    assert sum(steps) == pytest.approx(m.distance_m[0, 1], rel=0.01, abs=5)


def test_bbox_around_contains_the_places_with_the_margin() -> None:
    places = [COMU_ANDORRA, COMU_ESCALDES]
    s, w, n, e = bbox_around(places, 1000)
    for p in places:
        assert s < p.lat < n and w < p.lon < e
    assert haversine_m(s, w, s, e) > 2000  # at least twice the margin wide
    assert math.isclose(haversine_m(s, w, n, w), haversine_m(42.5073178, 0, 42.5107734, 0) + 2000, rel_tol=0.01)


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),  # plain number, km/h
        ("50 km/h", 50.0),  # explicit unit
        ("30 mph", 30 * 1.609344),  # miles per hour
        ("FR:urban", 50.0),  # French built-up area
        ("FR:rural", 80.0),  # French two-way rural road since 2018
        ("FR:motorway", 130.0),  # French motorway
        ("FR:zone30", 30.0),  # zone 30
        ("AD:urban", 50.0),  # another country code: French values assumed
        ("walk", 6.0),  # walking pace
        ("50;70", 60.0),  # several values: mean, like osmnx
        ("none", None),  # no limit (German autobahn style): use the class table
        ("signals", None),  # variable signs
        ("", None),  # empty tag
        (None, None),  # no tag
        ("fast", None),  # garbage
        ("0", None),  # zero is not a speed
    ],
)
def test_parse_maxspeed(value: str | None, kph: float | None) -> None:
    got = parse_maxspeed(value)
    if kph is None:
        assert got is None
    else:
        assert got == pytest.approx(kph)


@pytest.mark.parametrize(
    ("highway", "maxspeed", "oneway", "urban", "kph"),
    [
        ("motorway", None, True, False, 130.0),  # motorway
        ("motorway", None, True, True, 130.0),  # motorway stays 130 near a town
        ("trunk", None, True, False, 110.0),  # dual carriageway (mapped oneway)
        ("trunk", None, False, False, 80.0),  # two-way trunk road
        ("primary", None, False, False, 80.0),  # rural two-way road since 2018
        ("unclassified", None, False, False, 80.0),  # small rural road, same legal limit
        ("secondary", None, False, True, 50.0),  # through a village
        ("residential", None, False, False, 50.0),  # residential: built-up by nature
        ("living_street", None, False, True, 20.0),  # zone de rencontre
        ("primary", "70", False, True, 70.0),  # maxspeed wins over the table
        ("primary", "none", False, False, 80.0),  # unusable maxspeed: table
        (["tertiary", "residential"], None, False, False, 80.0),  # merged edge: first class
        ("bus_stop", None, False, False, 30.0),  # unknown class: default
    ],
)
def test_speed_for(highway: str, maxspeed: str | None, oneway: bool, urban: bool, kph: float) -> None:
    assert speed_for(highway, maxspeed, oneway=oneway, urban=urban) == kph


def test_fast_engine_agrees_with_osmnx_simplification(andorra_osm: Path, tiny: Territory) -> None:
    import osmnx as ox

    before = {k: v for k, v in vars(ox.settings).items() if not k.startswith("__")}
    ref = build_territory(andorra_osm, bbox=TINY_BBOX, use_cache=False, engine="osmnx")
    after = {k: v for k, v in vars(ox.settings).items() if not k.startswith("__")}
    assert after == before  # no osmnx setting changed behind the user's back
    fast, slow = tiny.drive, ref.drive
    # same roads: osmnx only removes the nodes where two ways meet end to end
    assert set(slow.nodes) <= set(fast.nodes)
    total = lambda G: sum(d["length"] for _, _, d in G.edges(data=True))  # noqa: E731
    assert total(fast) == pytest.approx(total(slow), abs=0.1 * fast.number_of_edges())
    common = sorted(slow.nodes)[::7]
    for u in common[:6]:
        t_fast = nx.single_source_dijkstra_path_length(fast, u, weight="travel_time")
        t_slow = nx.single_source_dijkstra_path_length(slow, u, weight="travel_time")
        for v in common:
            # both round each edge to 0.01 s, on differently merged edges
            assert t_fast[v] == pytest.approx(t_slow[v], abs=0.2)
    assert total(tiny.walk) == pytest.approx(total(ref.walk), abs=0.1 * tiny.walk.number_of_edges())


def test_built_up_areas_grow_with_the_settlement() -> None:
    import numpy as np

    from itinerant.roads.speeds import PLACE_RADIUS_M, built_up_mask

    lat0, lon0 = 46.43, 4.66
    north = np.array([200.0, 500.0, 700.0, 1400.0, 1600.0]) / 111_195.0  # metres north, in degrees
    lat, lon = lat0 + north, np.full(len(north), lon0)
    village = built_up_mask(lat, lon, [("village", lat0, lon0)], lat0)
    town = built_up_mask(lat, lon, [("town", lat0, lon0)], lat0)
    hamlet = built_up_mask(lat, lon, [("hamlet", lat0, lon0)], lat0)
    assert PLACE_RADIUS_M["hamlet"] < PLACE_RADIUS_M["village"] < PLACE_RADIUS_M["town"]
    assert hamlet.tolist() == [True, False, False, False, False]
    assert village.tolist() == [True, True, False, False, False]
    assert town.tolist() == [True, True, True, True, False]
    assert not built_up_mask(lat, lon, [("locality", lat0, lon0)], lat0).any()  # not a settlement
