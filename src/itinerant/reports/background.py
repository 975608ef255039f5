"""The offline background of every map: commune boundaries and names (from the scenario's
``communes_boundaries.geojson``) and, when a road file was given, the main roads.

Drawn under the tiles in folium maps (so the map still reads when no tile server
answers), and as the only background of the static maps (sheets, PDFs, fallbacks).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LatLon = tuple[float, float]

BOUNDARY_FILES = ("communes_boundaries.geojson", "communes.geojson")
"""File names looked for in a scenario folder, first found wins."""


@dataclass(frozen=True)
class Area:
    """A commune: its outer rings ``[(lat, lon), ...]`` and where its name is written."""

    code: str
    name: str
    rings: tuple[tuple[LatLon, ...], ...]
    label: LatLon

    def size(self) -> float:
        """Area of the bounding box, square degrees (to name the larger communes first)."""
        s, w, n, e = self.bbox()
        return (n - s) * (e - w)

    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) in degrees."""
        lats = [p[0] for r in self.rings for p in r]
        lons = [p[1] for r in self.rings for p in r]
        return min(lats), min(lons), max(lats), max(lons)


@dataclass(frozen=True)
class Background:
    """Commune areas and road polylines ``[(lat, lon), ...]`` (both may be empty)."""

    areas: tuple[Area, ...] = ()
    roads: tuple[tuple[LatLon, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.areas or self.roads)

    def with_roads(self, roads: Iterable[Sequence[LatLon]]) -> Background:
        """A copy with ``roads`` as its road lines."""
        return Background(self.areas, tuple(tuple((float(a), float(b)) for a, b in r)
                                            for r in roads if len(r) >= 2))


def place_labels(candidates: Iterable[tuple[float, float, float, float, str]]
                 ) -> list[tuple[float, float, str]]:
    """Greedy label placement: ``(x, y, width, height, text)`` boxes centred on (x, y),
    kept in the given order when they overlap no kept box. Returns ``(x, y, text)``."""
    kept: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, w, h, text in candidates:
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if any(box[0] < k[2] and k[0] < box[2] and box[1] < k[3] and k[1] < box[3] for k in kept):
            continue
        kept.append(box)
        out.append((x, y, text))
    return out


def _rings(geometry: dict) -> list[list[LatLon]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [[(float(lat), float(lon)) for lon, lat, *_ in poly[0]] for poly in polygons if poly]


def _label_point(rings: list[list[LatLon]]) -> LatLon:
    """A point inside the largest ring (shapely's representative point)."""
    from shapely.geometry import Polygon

    ring = max(rings, key=lambda r: Polygon([(lo, la) for la, lo in r]).area)
    p = Polygon([(lo, la) for la, lo in ring]).representative_point()
    return float(p.y), float(p.x)


def read_boundaries(path: str | os.PathLike[str], *, names: dict[str, str] | None = None) -> Background:
    """Commune areas from a GeoJSON file (properties ``code`` and ``nom`` or ``name``).

    ``names`` maps codes to the names to write (the scenario's), overriding the file's.
    """
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    areas = []
    for f in doc.get("features", []):
        props = f.get("properties") or {}
        rings = _rings(f.get("geometry") or {})
        if not rings:
            continue
        code = str(props.get("code") or props.get("insee") or "")
        name = (names or {}).get(code) or str(props.get("nom") or props.get("name") or code)
        areas.append(Area(code, name, tuple(tuple(r) for r in rings), _label_point(rings)))
    return Background(tuple(sorted(areas, key=lambda a: a.code)))


def read_background(folder: str | os.PathLike[str] | None, *,
                    names: dict[str, str] | None = None) -> Background:
    """The background of a scenario folder: its boundary file if any, else empty."""
    if folder is None:
        return Background()
    for name in BOUNDARY_FILES:
        path = Path(folder) / name
        if path.is_file():
            return read_boundaries(path, names=names)
    return Background()


@functools.lru_cache(maxsize=8)
def _folder_background(folder: str, names: tuple[tuple[str, str], ...]) -> Background:
    return read_background(folder, names=dict(names))


def scenario_background(scenario: Any, background: Background | None = None) -> Background:
    """``background`` when given, else the boundaries found in the scenario's folder
    (names written as the scenario spells them)."""
    if background is not None:
        return background
    folder = getattr(scenario, "folder", None)
    if folder is None:
        return Background()
    names = tuple(sorted((c.code, c.name) for c in scenario.communes))
    return _folder_background(str(folder), names)


__all__ = [
    "BOUNDARY_FILES",
    "Area",
    "Background",
    "read_background",
    "read_boundaries",
    "scenario_background",
]
