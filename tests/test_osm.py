"""OSM reading rules: our written-out copies of osmnx 2.1's filters, tags and oneway rules.

itinerant uses no private osmnx function. These tests compare the copies with the
installed osmnx's own (private) functions, so that an osmnx upgrade that changes its
rules -- or renames them -- fails here, loudly, rather than silently giving other graphs.
"""

from __future__ import annotations

import pytest

from itinerant.roads import osm

osmnx = pytest.importorskip("osmnx")


@pytest.mark.parametrize("network_type", ["drive", "walk"])
def test_filters_are_osmnx_filters(network_type: str) -> None:
    from osmnx import _overpass

    assert osm.NETWORK_FILTERS[network_type] == _overpass._get_network_filter(network_type)


def test_kept_tags_are_osmnx_default_tags() -> None:
    assert list(osm.USEFUL_TAGS_WAY) == list(osmnx.settings.useful_tags_way)


WAYS = [
    {"id": 1, "nodes": [1, 2, 2, 3, 2], "tags": {"highway": "primary", "maxspeed": "70", "surface": "asphalt"}},
    {"id": 2, "nodes": [5, 6], "tags": {"highway": "residential", "oneway": "yes", "name": "Rue A"}},
    {"id": 3, "nodes": [5, 6], "tags": {"highway": "residential", "oneway": "-1"}},
    {"id": 4, "nodes": [5, 6], "tags": {"highway": "tertiary", "junction": "roundabout"}},
    {"id": 5, "nodes": [5, 6], "tags": {"highway": "tertiary", "oneway": "no"}},
    {"id": 6, "nodes": [5, 6], "tags": {"highway": "tertiary", "oneway": "reverse"}},
    {"id": 7, "nodes": [5, 6], "tags": {"highway": "tertiary", "oneway": "T"}},
    {"id": 8, "nodes": [5, 6], "tags": {"highway": "tertiary", "oneway": "F"}},
    {"id": 9, "nodes": [5, 6]},  # no tags at all
]


@pytest.mark.parametrize("element", WAYS, ids=[str(w["id"]) for w in WAYS])
def test_way_attributes_and_oneway_rules_are_osmnx_rules(element: dict) -> None:
    from osmnx import graph as ox_graph

    ours = osm.way_attributes(element)
    assert ours == ox_graph._convert_path(element)
    oneway_values = {"yes", "true", "1", "-1", "reverse", "T", "F"}
    reversed_values = {"-1", "reverse", "T"}
    for bidirectional in (False, True):
        assert osm.is_one_way(ours, bidirectional=bidirectional) == ox_graph._is_path_one_way(
            ours, bidirectional, oneway_values
        )
    assert osm.is_reversed(ours) == ox_graph._is_path_reversed(ours, reversed_values)


def test_oneway_rules_mean_what_they_say() -> None:
    assert osm.way_attributes(WAYS[0])["nodes"] == [1, 2, 3, 2]  # consecutive duplicate dropped
    assert "surface" not in osm.way_attributes(WAYS[0])
    assert osm.is_one_way({"oneway": "yes"}, bidirectional=False)
    assert not osm.is_one_way({"oneway": "yes"}, bidirectional=True)  # walking: both ways
    assert osm.is_one_way({"junction": "roundabout"}, bidirectional=False)
    assert not osm.is_one_way({"oneway": "no"}, bidirectional=False)
    assert osm.is_reversed({"oneway": "-1"}) and not osm.is_reversed({"oneway": "yes"})


def test_way_filters_follow_overpass_semantics() -> None:
    drive = osm.way_filter("drive")
    assert ("highway", False, None) in drive
    assert osm.passes({"highway": "residential"}, drive)
    assert not osm.passes({"highway": "footway"}, drive)  # not drivable
    assert not osm.passes({"highway": "residential", "access": "private"}, drive)  # private
    assert not osm.passes({"highway": "residential", "motor_vehicle": "no"}, drive)  # no cars
    assert not osm.passes({"highway": "service"}, drive)  # service roads left out
    assert not osm.passes({"name": "Rue A"}, drive)  # no highway tag
    walk = osm.way_filter("walk")
    assert osm.passes({"highway": "footway"}, walk)
    assert not osm.passes({"highway": "motorway"}, walk)  # no walking on motorways
    assert not osm.passes({"highway": "residential", "foot": "no"}, walk)  # foot=no
    assert not osm.passes({"highway": "residential", "sidewalk": "separate"}, walk)  # mapped apart


def test_written_xml_reads_back_through_osmnx(tmp_path) -> None:
    from itinerant.roads.graph import write_osm_xml

    data = {"elements": [
        {"type": "node", "id": 1, "lat": 42.5, "lon": 1.5},
        {"type": "node", "id": 2, "lat": 42.501, "lon": 1.5},
        {"type": "way", "id": 10, "nodes": [1, 2], "tags": {"highway": "primary", "name": "Av. \"Meritxell\" & <co>"}},
    ]}
    path = tmp_path / "w.osm"
    write_osm_xml(data, path)
    G = osmnx.graph_from_xml(path, simplify=False, retain_all=True)
    assert set(G.nodes) == {1, 2}
    (_, _, d), = [e for e in G.edges(data=True) if e[0] == 1]
    assert d["name"] == 'Av. "Meritxell" & <co>' and d["highway"] == "primary"
    assert G.nodes[2]["y"] == 42.501
