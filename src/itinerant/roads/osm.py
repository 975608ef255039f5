"""Reading a local OpenStreetMap file: the road ways of each network and the place nodes.

:mod:`osmium` (pyosmium) reads ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` in one pass with
node locations. A way is kept when it passes a network's way filter and has at least one
node inside the bounding box (the whole way is kept so its geometry stays intact).

The way filters, the kept tags and the oneway rules are osmnx 2.1's (``"drive"`` and
``"walk"`` network types), written out here so that itinerant uses no private osmnx
function; ``tests/test_osm.py`` compares them with the installed osmnx so that an
upgrade which changes osmnx's rules fails loudly. Filters are evaluated as Overpass
does: unanchored, case-sensitive regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from itinerant.core.errors import TerritoryError

BBox = tuple[float, float, float, float]
"""(south, west, north, east) in degrees WGS84."""

NETWORK_FILTERS: dict[str, str] = {
    "drive": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|'
        "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|"
        'service|services|steps|track"]["motor_vehicle"!~"no"]["motorcar"!~"no"]'
        '["service"!~"alley|driveway|emergency_access|parking|parking_aisle|private"]'
    ),
    "walk": (
        '["highway"]["area"!~"yes"]["access"!~"private"]'
        '["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|'
        'proposed|raceway|razed|rest_area|services"]["foot"!~"no"]["service"!~"private"]'
        '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]'
        '["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]'
    ),
}
"""Overpass way filters of osmnx 2.1's ``"drive"`` and ``"walk"`` network types
(with its default ``["access"!~"private"]``)."""

USEFUL_TAGS_WAY: tuple[str, ...] = (
    "access", "area", "bridge", "est_width", "highway", "junction", "landuse", "lanes",
    "maxspeed", "name", "oneway", "ref", "service", "tunnel", "width",
)
"""Way tags kept as edge attributes (osmnx 2.1's default ``settings.useful_tags_way``)."""

ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
"""``oneway=*`` values meaning one-way (osmnx 2.1)."""
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
"""``oneway=*`` values meaning one-way against the order of the way's nodes (osmnx 2.1)."""

Clause = tuple[str, bool, "re.Pattern[str] | None"]
"""(key, negated, regex or None for "key present")."""


def way_filter(network_type: str) -> list[Clause]:
    """The way filter of a network type (``"drive"`` or ``"walk"``) as clauses."""
    clauses: list[Clause] = []
    for m in re.finditer(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]', NETWORK_FILTERS[network_type]):
        key, op, pattern = m.group(1), m.group(2), m.group(3)
        clauses.append((key, False, None) if op is None else (key, op == "!~", re.compile(pattern)))
    return clauses


def passes(tags: dict[str, str], clauses: list[Clause]) -> bool:
    """Overpass semantics: ``["k"]`` key present; ``["k"!~"re"]`` absent or no match;
    ``["k"~"re"]`` present and matching."""
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


def way_attributes(element: dict[str, Any]) -> dict[str, Any]:
    """Edge attributes of an Overpass-style way: ``osmid``, ``nodes`` (consecutive
    duplicates removed) and the :data:`USEFUL_TAGS_WAY` present."""
    path: dict[str, Any] = {"osmid": element["id"], "nodes": [g[0] for g in groupby(element["nodes"])]}
    tags = element.get("tags", {})
    path.update({k: tags[k] for k in USEFUL_TAGS_WAY if k in tags})
    return path


def is_one_way(attrs: dict[str, Any], *, bidirectional: bool) -> bool:
    """A way is one-way when the network is not bidirectional (walking) and it is tagged
    ``oneway`` with a :data:`ONEWAY_VALUES` value or is a roundabout."""
    if bidirectional:
        return False
    return attrs.get("oneway") in ONEWAY_VALUES or attrs.get("junction") == "roundabout"


def is_reversed(attrs: dict[str, Any]) -> bool:
    """True when a one-way way runs against its node order (``oneway=-1``)."""
    return attrs.get("oneway") in REVERSED_VALUES


@dataclass
class OsmExtract:
    """What one pass over an OSM file keeps.

    Attributes
    ----------
    ways
        Per network type, Overpass-style JSON ``{"elements": [nodes..., ways...]}``.
    places
        ``(place kind, lat, lon)`` of the ``place=*`` nodes of the wanted kinds.
    """

    ways: dict[str, dict[str, list[dict[str, Any]]]]
    places: list[tuple[str, float, float]] = field(default_factory=list)


def _inside(bbox: BBox | None) -> Callable[[float, float], bool]:
    if bbox is None:
        return lambda lat, lon: True
    s, w, n, e = bbox
    return lambda lat, lon: s <= lat <= n and w <= lon <= e


def read_osm(path: Path, bbox: BBox | None, *, networks: Iterable[str] = ("drive", "walk"),
             place_kinds: Iterable[str] = ()) -> OsmExtract:
    """One pyosmium pass over ``path``: the ways of each network type touching ``bbox``
    (None: the whole file) and the ``place=*`` nodes of ``place_kinds``.

    Raises
    ------
    TerritoryError
        When libosmium cannot read the file.
    """
    import osmium

    filters = {name: way_filter(name) for name in networks}
    kinds = set(place_kinds)
    inside = _inside(bbox)
    coords: dict[int, tuple[float, float]] = {}
    ways: dict[str, list[dict[str, Any]]] = {name: [] for name in filters}
    places: list[tuple[str, float, float]] = []
    try:
        fp = osmium.FileProcessor(str(path)).with_locations()
        for obj in fp.with_filter(osmium.filter.KeyFilter("highway", "place")):
            if isinstance(obj, osmium.osm.Node):
                kind = obj.tags.get("place")
                if kind in kinds and obj.location.valid():
                    places.append((kind, obj.location.lat, obj.location.lon))
            elif isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
                tags = dict(obj.tags)
                wanted = [name for name, f in filters.items() if passes(tags, f)]
                if wanted:
                    _keep_way(obj, tags, wanted, inside, coords, ways)
    except RuntimeError as exc:  # libosmium errors
        raise TerritoryError(f"impossible de lire le fichier OSM {path.name} : {exc}") from exc
    return OsmExtract({name: _as_json(found, coords) for name, found in ways.items()}, places)


def _keep_way(obj: Any, tags: dict[str, str], networks: list[str], inside: Callable[[float, float], bool],
              coords: dict[int, tuple[float, float]], ways: dict[str, list[dict[str, Any]]]) -> None:
    """Add a way (with its located nodes) to each network when it touches the box."""
    refs: list[int] = []
    points: list[tuple[float, float]] = []
    for nd in obj.nodes:
        if nd.location.valid():
            refs.append(nd.ref)
            points.append((nd.location.lat, nd.location.lon))
    if len(refs) < 2 or not any(inside(lat, lon) for lat, lon in points):
        return
    coords.update(zip(refs, points))
    for name in networks:
        ways[name].append({"type": "way", "id": obj.id, "nodes": list(refs), "tags": tags})


def _as_json(ways: list[dict[str, Any]], coords: dict[int, tuple[float, float]]) -> dict[str, list[dict[str, Any]]]:
    used = {r for w in ways for r in w["nodes"]}
    nodes = [{"type": "node", "id": r, "lat": coords[r][0], "lon": coords[r][1]} for r in used]
    return {"elements": nodes + ways}
