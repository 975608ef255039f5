"""Shared pieces of the reports: templates, lookups, projections, static SVG maps,
aggregation of residents, and the PDF base class (fonts)."""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from fpdf import FPDF
from markupsafe import Markup

from itinerant.reports import fmt
from itinerant.reports.background import Background, place_labels
from itinerant.scenario.model import Scenario

Geometry = Callable[[str, str], Sequence[tuple[float, float]]]
"""``geometry(a_id, b_id) -> [(lat, lon), ...]``: road path between two places."""

TEMPLATES = Path(__file__).resolve().parent / "templates"

ADVISOR_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                   "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")


# ---------------------------------------------------------------- templates
@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (HTML autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        time=fmt.format_time, date=fmt.format_date, duration=fmt.format_duration,
        km=fmt.format_km, number=fmt.format_number, pct=fmt.format_percent,
        weekday=fmt.weekday_name, size=fmt.format_size,
    )
    return env


def render_template(name: str, language: str = "fr", **context: Any) -> str:
    """Render ``templates/name`` with ``T`` (labels), ``lang`` and ``context``."""
    lg = fmt.lang(language)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return environment().get_template(name).render(
        T=fmt.STRINGS[lg], lang=lg, css=Markup(css), **context
    )


def times_label(estimated: bool, language: str = "fr") -> str:
    """"temps de trajet estimés" or "temps de trajet routiers (OpenStreetMap)"."""
    return fmt.t("times_estimated" if estimated else "times_road", language)


def now_text(language: str = "fr") -> str:
    """Generation date, e.g. "mercredi 25 novembre 2026"."""
    return fmt.format_date(dt.date.today(), language, year=True)


# ---------------------------------------------------------------- lookups
def points(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """(lat, lon) of every site and visit by id."""
    pts = {s.id: (s.lat, s.lon) for s in scenario.sites}
    pts.update({v.id: (v.lat, v.lon) for v in scenario.visits})
    return pts


def commune_name(scenario: Scenario, code: str) -> str:
    try:
        return scenario.commune(code).name
    except KeyError:
        return code


def advisor_name(scenario: Scenario, advisor_id: str) -> str:
    for a in scenario.advisors:
        if a.id == advisor_id:
            return a.name
    return advisor_id


def site_name(scenario: Scenario, site_id: str | None) -> str:
    if not site_id:
        return ""
    try:
        return scenario.site(site_id).name
    except KeyError:
        return site_id


def advisor_colour(scenario: Scenario, advisor_id: str) -> str:
    ids = [a.id for a in scenario.advisors]
    i = ids.index(advisor_id) if advisor_id in ids else abs(hash(advisor_id))
    return ADVISOR_COLOURS[i % len(ADVISOR_COLOURS)]


def memo_geometry(geometry: Geometry | None) -> Geometry | None:
    """``geometry`` with its answers cached (maps, sheets and PDFs ask for the same legs)."""
    if geometry is None or getattr(geometry, "_itinerant_memo", False):
        return geometry
    cache: dict[tuple[str, str], Sequence[tuple[float, float]]] = {}

    def cached(a_id: str, b_id: str) -> Sequence[tuple[float, float]]:
        if (a_id, b_id) not in cache:
            try:
                cache[(a_id, b_id)] = list(geometry(a_id, b_id))
            except Exception:  # noqa: BLE001 - drawn straight by leg_path
                cache[(a_id, b_id)] = []
        return cache[(a_id, b_id)]

    cached._itinerant_memo = True  # type: ignore[attr-defined]
    return cached


def leg_path(a_id: str, b_id: str, pts: dict[str, tuple[float, float]],
             geometry: Geometry | None) -> tuple[list[tuple[float, float]], bool]:
    """Path of a leg and whether it is estimated (straight line)."""
    if geometry is not None:
        try:
            path = [(float(la), float(lo)) for la, lo in geometry(a_id, b_id)]
        except Exception:  # noqa: BLE001 - a missing road path is drawn straight, never fatal
            path = []
        if len(path) >= 2:
            return path, False
    if a_id in pts and b_id in pts:
        return [pts[a_id], pts[b_id]], True
    return [], True


def route_legs(route: dict[str, Any]) -> list[tuple[str, str]]:
    """Legs (from id, to id) of a plan route, start site to end site (of each of its
    ``blocks`` when it is an advisor's day made of several tours)."""
    if route.get("blocks"):
        return [leg for b in route["blocks"] for leg in route_legs(b)]
    every = [route.get("start_site")] + [s["visit_id"] for s in route["stops"]] + [route.get("end_site")]
    ids: list[str] = [str(i) for i in every if i]
    return list(zip(ids[:-1], ids[1:]))


# ---------------------------------------------------------------- geometry
@dataclass
class Frame:
    """Equal-scale projection of (lat, lon) into a ``width`` x ``height`` box (y down)."""

    pts: Sequence[tuple[float, float]]
    width: float
    height: float
    margin: float = 10.0
    x0: float = 0.0
    y0: float = 0.0

    def __post_init__(self) -> None:
        pts = list(self.pts) or [(46.43, 4.66)]
        lats = [p[0] for p in pts]
        lons = [p[1] for p in pts]
        self.lat_c = (min(lats) + max(lats)) / 2
        self.kx = math.cos(math.radians(self.lat_c))
        span_x = max((max(lons) - min(lons)) * self.kx, 1e-3)
        span_y = max(max(lats) - min(lats), 1e-3)
        w, h = self.width - 2 * self.margin, self.height - 2 * self.margin
        self.scale = min(w / span_x, h / span_y)
        self.cx = (min(lons) + max(lons)) / 2
        self.cy = self.lat_c

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        x = self.x0 + self.width / 2 + (lon - self.cx) * self.kx * self.scale
        y = self.y0 + self.height / 2 - (lat - self.cy) * self.scale
        return x, y

    def metres_per_unit(self) -> float:
        return 111_320.0 / self.scale


@dataclass
class SvgMap:
    """A small static map drawn as inline SVG: no tiles, no network, prints well."""

    width: int = 640
    height: int = 420
    lines: list[tuple[list[tuple[float, float]], str, bool, str]] = field(default_factory=list)
    dots: list[tuple[float, float, float, str, str, str, str]] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)
    stamp: str = ""
    note: str = ""
    background: Background | None = None

    def line(self, path: list[tuple[float, float]], colour: str, *, dashed: bool = False,
             title: str = "") -> None:
        if len(path) >= 2:
            self.lines.append((path, colour, dashed, title))

    def dot(self, lat: float, lon: float, *, r: float = 5, colour: str = "#333",
            shape: str = "circle", text: str = "", title: str = "", fill: str = "") -> None:
        self.dots.append((lat, lon, r, colour, shape, text, title or fill))

    def label(self, lat: float, lon: float, text: str) -> None:
        self.labels.append((lat, lon, text))

    def render(self) -> Markup:
        pts = [p for path, *_ in self.lines for p in path] + [(d[0], d[1]) for d in self.dots]
        pts += [(la, lo) for la, lo, _ in self.labels]
        fr = Frame(pts, self.width, self.height, margin=28)
        e = html.escape
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
               f'width="100%" role="img" class="svgmap">',
               f'<rect x="0" y="0" width="{self.width}" height="{self.height}" fill="#f7f5ef" '
               f'stroke="#999"/>']
        if self.background:
            out.append(svg_background(self.background, fr, self.width, self.height))
        for path, colour, dashed, title in self.lines:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in (fr(*p) for p in path))
            dash = ' stroke-dasharray="7 5"' if dashed else ""
            out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="3"'
                       f'{dash} stroke-linecap="round"><title>{e(title)}</title></polyline>')
        for lat, lon, text in self.labels:
            x, y = fr(lat, lon)
            out.append(f'<text x="{x:.1f}" y="{y + 16:.1f}" font-size="12" text-anchor="middle" '
                       f'fill="#555">{e(text)}</text>')
        for lat, lon, r, colour, shape, text, title in self.dots:
            x, y = fr(lat, lon)
            if shape == "square":
                out.append(f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
                           f'height="{2 * r:.1f}" fill="{colour}" stroke="#000">'
                           f'<title>{e(title)}</title></rect>')
            elif shape == "ring":
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" '
                           f'fill-opacity="0.35" stroke="{colour}"><title>{e(title)}</title></circle>')
            else:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" '
                           f'stroke="#fff" stroke-width="1.5"><title>{e(title)}</title></circle>')
            if text:
                out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="{max(9, r * 1.2):.0f}" '
                           f'font-weight="bold" text-anchor="middle" fill="#fff">{e(text)}</text>')
        # scale bar
        mpu = fr.metres_per_unit()
        km = next((k for k in (0.5, 1, 2, 5, 10, 20, 50) if k * 1000 / mpu >= 60), 50)
        px = km * 1000 / mpu
        y = self.height - 12
        out.append(f'<line x1="12" y1="{y}" x2="{12 + px:.1f}" y2="{y}" stroke="#000" stroke-width="2"/>'
                   f'<text x="12" y="{y - 4}" font-size="11">{fmt.format_number(km, decimals=0 if km >= 1 else 1)} km</text>')
        if self.stamp:
            out.append(f'<text x="{self.width - 10}" y="22" font-size="18" font-weight="bold" '
                       f'text-anchor="end" fill="#b00020" opacity="0.85">{e(self.stamp)}</text>')
        if self.note:
            out.append(f'<text x="{self.width - 10}" y="{self.height - 8}" font-size="11" '
                       f'text-anchor="end" fill="#444">{e(self.note)}</text>')
        out.append("</svg>")
        return Markup("".join(out))


def _in_view(fr: Frame, bbox: tuple[float, float, float, float], width: float, height: float) -> bool:
    (x1, y1), (x2, y2) = fr(bbox[0], bbox[1]), fr(bbox[2], bbox[3])
    return not (max(x1, x2) < 0 or min(x1, x2) > width or max(y1, y2) < 0 or min(y1, y2) > height)


def svg_background(bg: Background, fr: Frame, width: float, height: float) -> str:
    """SVG of the commune areas (light outlines, names) and roads seen through ``fr``."""
    e = html.escape
    out = ['<g class="background">']
    for a in bg.areas:
        if not _in_view(fr, a.bbox(), width, height):
            continue
        for ring in a.rings:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in (fr(*p) for p in ring))
            out.append(f'<polygon points="{d}" fill="#ffffff" fill-opacity="0.55" stroke="#8a8a8a" '
                       f'stroke-width="1" stroke-dasharray="4 2"/>')
    for road in bg.roads:
        d = " ".join(f"{x:.1f},{y:.1f}" for x, y in (fr(*p) for p in road))
        out.append(f'<polyline points="{d}" fill="none" stroke="#c9b27c" stroke-width="1.6"/>')
    candidates = []
    for a in sorted(bg.areas, key=lambda a: -a.size()):
        x, y = fr(*a.label)
        w = 0.6 * 12 * len(a.name)
        if w / 2 <= x <= width - w / 2 and 8 <= y <= height - 8:
            candidates.append((x, y, w + 4, 15.0, a.name))
    for x, y, name in place_labels(candidates):  # names never printed over each other
        out.append(f'<text class="commune-name" x="{x:.1f}" y="{y + 4:.1f}" font-size="12" '
                   f'text-anchor="middle" fill="#4a4a4a" font-style="italic">{e(name)}</text>')
    out.append("</g>")
    return "".join(out)


# ---------------------------------------------------------------- aggregation (privacy)
MIN_CELL_M = 200
PRIVACY_MIN = 11
"""Fewest residents a public output shows per unit (square, commune): INSEE's own rule."""


LOW_MOBILITY = ("low",)
"""« Personnes peu mobiles »: no car, can walk a short way (the one definition of every
output; residents who cannot leave home, mobility ``none``, are served by home visits)."""


def low_mobility(scenario: Scenario, mobility: Iterable[str] = LOW_MOBILITY):
    keep = set(mobility)
    return [r for r in scenario.residents if r.mobility in keep]


def commune_counts(scenario: Scenario, mobility: Iterable[str] = LOW_MOBILITY) -> dict[str, int]:
    """Residents of the given mobility per commune code (aggregated, public-safe)."""
    out: dict[str, int] = {}
    for r in low_mobility(scenario, mobility):
        out[r.commune_code] = out.get(r.commune_code, 0) + 1
    return out


def density_grid(scenario: Scenario, *, cell_m: int = 500, min_count: int = PRIVACY_MIN,
                 levels: int = 4, keep: float = 0.75,
                 mobility: Iterable[str] = LOW_MOBILITY) -> list[dict[str, float]]:
    """Residents counted on nested square grids, every shown square holding at least
    ``min_count`` people (statistical secrecy, as INSEE's grid data).

    A quadtree from the top: a square of ``cell_m * 2**(levels-1)`` metres is split into
    its four quarters, down to ``cell_m`` (>= 200 m), when the quarters holding
    ``min_count`` people or more hold at least ``keep`` of its people; the sparser quarters
    are then hidden. A square that is not split is shown whole when it holds
    ``min_count`` or more, else hidden. Shown squares never overlap, and no number of the
    map is the difference of two others. No individual point leaves.

    Returns
    -------
    Squares ``{south, west, north, east, count, size_m}`` (degrees, people, metres).
    """
    if cell_m < MIN_CELL_M:
        raise ValueError(f"cell_m must be >= {MIN_CELL_M} m (privacy), got {cell_m}")
    rs = low_mobility(scenario, mobility)
    if not rs:
        return []
    lat0 = sum(r.lat for r in rs) / len(rs)
    dlat = cell_m / 111_320.0
    dlon = cell_m / (111_320.0 * math.cos(math.radians(lat0)))
    fine: dict[tuple[int, int], int] = {}
    for r in rs:
        key = (math.floor(r.lat / dlat), math.floor(r.lon / dlon))
        fine[key] = fine.get(key, 0) + 1
    # counts[k][(i, j)]: people in the square of level k (side cell_m * 2**k)
    counts = [fine]
    for _ in range(1, levels):
        up: dict[tuple[int, int], int] = {}
        for (i, j), n in counts[-1].items():
            up[(i >> 1, j >> 1)] = up.get((i >> 1, j >> 1), 0) + n
        counts.append(up)

    shown: list[tuple[int, int, int, int]] = []

    def visit(k: int, i: int, j: int) -> None:
        n = counts[k][(i, j)]
        if k > 0:
            quarters = [(2 * i + a, 2 * j + b) for a in (0, 1) for b in (0, 1)
                        if (2 * i + a, 2 * j + b) in counts[k - 1]]
            big = [q for q in quarters if counts[k - 1][q] >= min_count]
            if big and sum(counts[k - 1][q] for q in big) >= keep * n:
                for q in big:
                    visit(k - 1, *q)
                return
        if n >= min_count:
            shown.append((k, i, j, n))

    for i, j in sorted(counts[-1]):
        visit(levels - 1, i, j)
    return [
        {"south": i * dlat * 2**k, "west": j * dlon * 2**k, "north": (i + 1) * dlat * 2**k,
         "east": (j + 1) * dlon * 2**k, "count": n, "size_m": cell_m * 2**k}
        for k, i, j, n in sorted(shown)
    ]


def public_count(n: int, language: str = "fr", *, min_count: int = PRIVACY_MIN) -> str:
    """A count of residents as a public page may show it: « moins de 11 » under the threshold."""
    if 0 < n < min_count:
        return f"moins de {min_count}" if fmt.lang(language) == "fr" else f"fewer than {min_count}"
    return fmt.format_number(n, language)


# ---------------------------------------------------------------- PDF
_FONT_DIRS = (
    Path(__file__).resolve().parent / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
)

_LATIN1_FIX = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u0153": "oe", "\u0152": "OE", "\u20ac": "EUR", "\u202f": " ",
    "\u2009": " ", "\u00a0": " ", "\u2192": "->", "\u2193": "v", "\u00ab": '"', "\u00bb": '"',
}


def font_files() -> tuple[Path, Path] | None:
    """(regular, bold) DejaVu Sans TTF files, or None (core Helvetica is then used).

    ``ITINERANT_FONT_DIR`` overrides the search.
    """
    dirs = list(_FONT_DIRS)
    if os.environ.get("ITINERANT_FONT_DIR"):
        dirs.insert(0, Path(os.environ["ITINERANT_FONT_DIR"]))
    for d in dirs:
        reg, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if reg.is_file() and bold.is_file():
            return reg, bold
    return None


class Pdf(FPDF):
    """A4 portrait PDF with a Unicode font when available, else sanitised latin-1."""

    def __init__(self, *, header_text: str = "", stamp: str = "", footer_text: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)
        self.header_text = header_text
        self.stamp = stamp
        self.footer_text = footer_text
        fonts = font_files()
        if fonts:
            self.add_font("dejavu", "", str(fonts[0]))
            self.add_font("dejavu", "B", str(fonts[1]))
            self.family = "dejavu"
            self.unicode = True
        else:
            self.family = "helvetica"
            self.unicode = False
        self.set_creator("itinerant")

    def clean(self, text: Any) -> str:
        s = "" if text is None else str(text)
        if self.unicode:
            return s.replace("\u202f", "\u00a0")
        for a, b in _LATIN1_FIX.items():
            s = s.replace(a, b)
        return s.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def header(self) -> None:
        if self.stamp:
            self.font(11, True)
            self.set_text_color(176, 0, 32)
            self.set_xy(self.l_margin, 6)
            self.cell(0, 6, self.clean(self.stamp), align="R")
            self.set_text_color(0, 0, 0)
        if self.header_text:
            self.font(9)
            self.set_xy(self.l_margin, 6)
            self.cell(0, 6, self.clean(self.header_text), align="L")
        self.set_xy(self.l_margin, 14)

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.clean(f"{self.footer_text}   {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0, 0, 0)

    def write_line(self, text: str, size: float = 12, bold: bool = False, h: float | None = None,
                   colour: tuple[int, int, int] = (0, 0, 0), indent: float = 0) -> None:
        self.font(size, bold)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.w - self.r_margin - self.l_margin - indent, h or size * 0.5,
                        self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def dot(self, x: float, y: float, r: float, style: str = "F") -> None:
        self.ellipse(x - r, y - r, 2 * r, 2 * r, style=style)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
