"""The antenne comparison report for the elected board.

Printable French HTML (<= 4 A4 pages) and its PDF: a plain-French recommendation, the
side-by-side table with « aujourd'hui » first, the marginal-gain chart (one per travel
mode, identical curves merged), one small static map per scenario, the sites with their
opening hours, and an annex for the method (model, proof, solve time). Renders a typed
:class:`~itinerant.antennes.compare.Comparison` (or re-reads a saved comparison.json).
Public: communes and sites only; no count below 11 people for one commune or site.
"""

from __future__ import annotations

import html
import math
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from markupsafe import Markup

from itinerant.antennes.results import Comparison, VariantResult, read_comparison
from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import Frame, Pdf, SvgMap, commune_name, now_text, render_template, times_label
from itinerant.reports.antennes_table import (
    annex_rows,
    board_rows,
    columns,
    few_names,
    mode_words,
    plural,
    recommendation,
    short_name,
    strings,
)
from itinerant.reports.workbook import write_comparison_workbook
from itinerant.scenario.model import Scenario

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
_DASHES = ("", "8 4", "3 3", "10 3 2 3", "1 4", "6 2 1 2")


# ------------------------------------------------------------------------- chart


def _series(variants: list[VariantResult], key: str) -> list[tuple[list[str], list[tuple[int, int]]]]:
    """Curves as (titles, [(p, value)]), identical curves merged into one entry."""
    out: list[tuple[list[str], list[tuple[int, int]]]] = []
    for v in variants:
        pts = sorted((c.p, getattr(c, key)) for c in v.curve)
        if not pts:
            continue
        same = next((s for s in out if s[1] == pts), None)
        if same:
            same[0].append(v.title)
        else:
            out.append(([v.title], pts))
    return out


def curve_svg(variants: list[VariantResult], total: int, *, language: str = "fr",
              key: str = "low_mobility_covered", width: int = 900, height: int = 175,
              axis: str = "") -> Markup | None:
    """Line chart of coverage (% of ``total``) against the number of new antennes, the
    legend on the right.

    Scenarios whose curves are identical share one line (their titles listed together
    in the legend); the others differ by colour, dash and marker, so a line lying on
    another stays visible.
    """
    series = _series(variants, key)
    if not series or not total:
        return None
    fr = fmt.lang(language) == "fr"
    ps = [p for _, pts in series for p, _ in pts]
    p0, p1 = min(ps), max(max(ps), min(ps) + 1)
    ys = [100 * y / total for _, pts in series for _, y in pts]
    y0 = max(0, 10 * math.floor(min(ys) / 10) - 10)
    y1 = max(min(100, 10 * math.ceil(max(ys) / 10)), y0 + 10)
    legend_w = 330 if width >= 800 else 250
    wrap = legend_w // 8
    lines = [_legend_lines(titles, wrap) for titles, _ in series]
    L, R, Tp, B = 52, legend_w + 16, 10, 40
    n_lines = sum(len(ls) for ls in lines) + len(series)
    height = max(height, Tp + 14 * n_lines + 10)
    W, H = width - L - R, height - Tp - B
    X = lambda p: L + W * (p - p0) / (p1 - p0)  # noqa: E731
    Y = lambda y: Tp + H * (1 - (y - y0) / (y1 - y0))  # noqa: E731
    label = ("Part des personnes peu mobiles couvertes" if fr else "Share of low-mobility residents covered")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'class="chart" role="img"><title>{html.escape(axis or label)}</title>',
           f'<rect x="{L}" y="{Tp}" width="{W}" height="{H}" fill="#fff" stroke="#888"/>']
    step = 10 if y1 - y0 > 30 else 5
    for y in range(int(y0), int(y1) + 1, step):
        out.append(f'<line x1="{L}" x2="{L + W}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{L - 6}" y="{Y(y) + 4:.1f}" font-size="13" text-anchor="end">'
                   f'{fmt.format_percent(y / 100, language)}</text>')
    for p in range(int(p0), int(p1) + 1):
        out.append(f'<text x="{X(p):.1f}" y="{Tp + H + 16}" font-size="13" text-anchor="middle">{p}</text>')
    xlabel = "nombre de nouvelles antennes" if fr else "number of new antennes"
    out.append(f'<text x="{L + W / 2:.1f}" y="{Tp + H + 34}" font-size="13" text-anchor="middle">{xlabel}</text>')
    ly = Tp + 4
    lx = width - legend_w
    for i, (titles, pts) in enumerate(series):
        col, dash = _COLOURS[i % len(_COLOURS)], _DASHES[i % len(_DASHES)]
        d = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{X(p):.1f},{Y(100 * y / total):.1f}" for p, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{col}" stroke-width="2.5"{d}/>')
        for p, y in pts:
            out.append(_marker(i, X(p), Y(100 * y / total), col,
                               f"{' ; '.join(titles)} : {p} → {fmt.format_percent(y / total, language)}"))
        out.append(f'<line x1="{lx}" x2="{lx + 26}" y1="{ly + 6}" y2="{ly + 6}" stroke="{col}" stroke-width="2.5"{d}/>'
                   + _marker(i, lx + 13, ly + 6, col, ""))
        for text in lines[i]:
            out.append(f'<text x="{lx + 34}" y="{ly + 11}" font-size="12">{html.escape(text)}</text>')
            ly += 14
        ly += 6
    out.append("</svg>")
    return Markup("".join(out))


def _legend_lines(titles: list[str], wrap: int) -> list[str]:
    """Legend text of one line of the chart: each title wrapped, « ; » between titles."""
    out: list[str] = []
    for k, title in enumerate(titles):
        parts = textwrap.wrap(title, wrap) or [title]
        if k < len(titles) - 1:
            parts[-1] += " ;"
        out += parts
    return out


def _marker(i: int, x: float, y: float, col: str, title: str) -> str:
    t = f"<title>{html.escape(title)}</title>" if title else ""
    shape = i % 3
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{col}">{t}</circle>'
    if shape == 1:
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" stroke="{col}" stroke-width="2">{t}</rect>'
    return (f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 4:.1f} L{x - 5:.1f},{y + 4:.1f} Z" '
            f'fill="{col}">{t}</path>')


# -------------------------------------------------------------------------- maps


def place_labels(items: list[tuple[float, float, str]], *, font_px: float = 11, width: float = 480,
                 height: float = 360, avoid: list[tuple[float, float, float]] | None = None
                 ) -> list[tuple[float, float, str, str]]:
    """Label positions that do not overlap (greedy, in the given order of importance).

    Parameters
    ----------
    items
        (x, y, text) anchor points in pixels, most important first.
    avoid
        (x, y, r) discs (the markers) labels must not cover.

    Returns
    -------
    list
        (x, y, text, anchor) for the labels placed; a label with no free spot is left
        out (its name is in the tables).
    """
    boxes: list[tuple[float, float, float, float]] = [(x - r, y - r, x + r, y + r) for x, y, r in avoid or []]
    placed = []
    for x, y, text in items:
        w = 0.56 * font_px * len(text) + 2
        for dx, dy, anchor in ((9, 4, "start"), (-9, 4, "end"), (0, -9, "middle"), (0, 16, "middle"),
                               (9, -8, "start"), (-9, -8, "end"), (9, 15, "start"), (-9, 15, "end")):
            left = x + dx - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
            box = (left, y + dy - font_px, left + w, y + dy + 2)
            if box[0] < 2 or box[2] > width - 2 or box[1] < 2 or box[3] > height - 18:
                continue
            if any(not (box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]) for b in boxes):
                continue
            boxes.append(box)
            placed.append((x + dx, y + dy, text, anchor))
            break
    return placed


def variant_svg(scenario: Scenario, variant: VariantResult, *, width: int = 480, height: int = 360) -> Markup:
    """Static map of one scenario: communes (size = population; red = people beyond 20
    min), today's sites in blue, new ones in green, labels that never overlap."""
    m = SvgMap(width=width, height=height)
    far = {b.commune_code for b in variant.kpis.beyond}
    for c in scenario.communes:
        m.dot(c.lat, c.lon, r=2 + 0.1 * math.sqrt(c.population), colour="#d62728" if c.code in far else "#6c757d",
              shape="ring", title=c.name)
    for s in variant.sites:
        m.dot(s.lat, s.lon, r=6, colour="#2ca02c" if s.new else "#00558c", shape="square", title=s.name)
    svg = str(m.render())
    pts = [(c.lat, c.lon) for c in scenario.communes] + [(s.lat, s.lon) for s in variant.sites]
    fr = Frame(pts, width, height, margin=28)
    avoid = [(*fr(s.lat, s.lon), 7.0) for s in variant.sites]
    items: list[tuple[float, float, str]] = []
    seen: set[str] = set()
    for s in sorted(variant.sites, key=lambda s: not s.new):  # new sites' names first
        name = commune_name(scenario, s.commune_code)
        if name not in seen:
            seen.add(name)
            items.append((*fr(s.lat, s.lon), name))
    for c in scenario.communes:
        if c.code in far and c.name not in seen:
            items.append((*fr(c.lat, c.lon), c.name))
    labels = "".join(
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="{a}" fill="#222" '
        f'stroke="#f7f5ef" stroke-width="3" paint-order="stroke">{html.escape(t)}</text>'
        for x, y, t, a in place_labels(items, width=width, height=height, avoid=avoid))
    return Markup(svg.replace("</svg>", labels + "</svg>", 1))


# ------------------------------------------------------------------------ report


def _cards(scenario: Scenario, comp: Comparison, language: str) -> list[dict[str, Any]]:
    out = []
    for v in comp.variants:
        out.append({
            "title": v.title, "mode": "à pied" if v.mode == "walk" else "en voiture",
            "svg": variant_svg(scenario, v, width=400, height=300), "description": v.description,
            "new": [{"name": short_name(s.name), "commune": commune_name(scenario, s.commune_code), "opening": s.opening}
                    for s in v.new_sites],
            "removed": [name for _, name in v.removed],
            "beyond_more": max(0, len(v.kpis.beyond) - 5),
            "beyond": [{"name": b.name, "count": _beyond_count(b, language)} for b in v.kpis.beyond[:5]],
            "beyond_short": few_names([b.name for b in v.kpis.beyond], language),
            "n_new": plural(v.n_new, "nouvelle antenne", language) if fmt.lang(language) == "fr" else str(v.n_new),
        })
    return out


def _beyond_count(b: Any, language: str) -> str:
    """« 1 610 (dont 233 peu mobiles) », « moins de 11 »; counts under 11 are not given."""
    S = strings(language)
    pop = fmt.format_number(b.population, language) if b.population is not None else S["too_few"]
    if b.low_mobility == 0 or b.population is None:
        return pop
    low = fmt.format_number(b.low_mobility, language) if b.low_mobility is not None else S["too_few"]
    return f"{pop} ({'dont' if fmt.lang(language) == 'fr' else 'of whom'} {low})"


def low_mobility_footnote(comp: Comparison, language: str = "fr") -> str:
    """How « personnes peu mobiles » are counted (the same words on every page)."""
    n = fmt.format_number(comp.low_mobility_total, language)
    tot = fmt.format_number(comp.population_total, language)
    hb = fmt.format_number(comp.housebound_total, language)
    if fmt.lang(language) != "fr":
        return (f"Low-mobility residents: the {n} residents (of {tot}) without a car who can walk a short way "
                f"(mobility « low » in the residents table). The {hb} who cannot leave home are served by home visits.")
    who = (f"les {n} habitants" if comp.low_mobility_total != 1 else "l'habitant")
    home = ("" if comp.housebound_total == 0 else
            " La personne qui ne quitte pas son domicile n'est pas comptée ici : elle est servie par les visites "
            "à domicile." if comp.housebound_total == 1 else
            f" Les {hb} personnes qui ne quittent pas leur domicile ne sont pas comptées ici : elles sont servies "
            f"par les visites à domicile.")
    return (f"Personnes peu mobiles : {who} (sur {tot}) sans voiture qui peuvent marcher un peu "
            f"(mobilité « peu mobile » du fichier des habitants).{home}")


def render_antennes_report(scenario: Scenario, comparison: Any, out_dir: str | os.PathLike[str], *,
                           language: str = "fr", estimated: bool | None = None,
                           name: str = "comparaison", pdf: bool = True) -> dict[str, Path | None]:
    """Write ``<name>.html`` (the board report), ``<name>.xlsx`` and ``<name>.pdf``.

    ``comparison`` is a :class:`Comparison`, its dict, a comparison.json or its folder.
    The PDF is printed by Chromium when it is installed (else ``"pdf"`` is None).
    Returns ``{"report", "html" (same path), "workbook", "pdf"}``.
    """
    comp = read_comparison(comparison)
    est = comp.estimated if estimated is None else estimated
    out = Path(out_dir)
    cols = columns(comp, language)
    by_mode: dict[str, list[VariantResult]] = {}
    for v in comp.variants:
        by_mode.setdefault(v.mode, []).append(v)
    by_mode = dict(sorted(by_mode.items(), key=lambda kv: kv[0] != "walk"))  # on foot first (narrow)
    charts = [{"mode": "à pied" if mode == "walk" else "en voiture",
               "svg": curve_svg(vs, comp.low_mobility_total, language=language,
                                width=600 if len(by_mode) > 1 and mode == "walk" else 900)}
              for mode, vs in by_mode.items()]
    xlsx = write_comparison_workbook(comp, out / f"{name}.xlsx", language=language)
    T = fmt.STRINGS[fmt.lang(language)]
    html_text = render_template(
        "antennes.html", language, title=T["antennes_report"],
        scenario_title=scenario.title or scenario.name, generated=now_text(language),
        pop_total=fmt.format_number(comp.population_total, language),
        low_total=fmt.format_number(comp.low_mobility_total, language),
        estimated=est, times_label=times_label(est, language),
        recommendation=recommendation(comp, language), columns=cols, rows=board_rows(comp, language),
        modes=[mode_words(c.mode, language) for c in cols],
        best_title=best.title if (best := comp.recommended()) is not None else None,
        annex=annex_rows(comp, language), annex_titles=[v.title for v in comp.variants],
        footnote=low_mobility_footnote(comp, language), charts=[c for c in charts if c["svg"]],
        cards=_cards(scenario, comp, language), xlsx_href=xlsx.name, pdf_href=f"{name}.pdf" if pdf else "",
        today_sites=", ".join(comp.today_sites), sources=scenario.sources,
    )
    report = atomic.write_text(out / f"{name}.html", html_text)
    pdf_path = None
    if pdf:  # Chromium prints the page itself; without it, a plain PDF of the same words
        pdf_path = print_pdf(report, out / f"{name}.pdf") or plain_pdf(comp, out / f"{name}.pdf", language=language)
    return {"report": report, "html": report, "workbook": xlsx, "pdf": pdf_path}


def plain_pdf(comp: Comparison, path: Path, *, language: str = "fr") -> Path:
    """The report's words without Chromium (fpdf2, A4): the recommendation, the table
    (one row per scenario, « aujourd'hui » first), the footnote and the annex."""
    T = fmt.STRINGS[fmt.lang(language)]
    doc = Pdf(header_text=comp.title or comp.scenario, footer_text=T["antennes_report"])
    doc.alias_nb_pages()
    doc.add_page()
    doc.write_line(T["antennes_report"], 16, True, 8)
    reco = recommendation(comp, language)
    if reco:
        doc.ln(2)
        doc.write_line("Notre recommandation" if fmt.lang(language) == "fr" else "Our recommendation", 12, True, 6)
        for sentence in reco:
            doc.write_line(sentence, 10, h=5)
    doc.ln(3)
    cols = columns(comp, language)
    rows = board_rows(comp, language)
    head = ["Scénario" if fmt.lang(language) == "fr" else "Scenario", *(label for label, _ in rows)]
    body = [[f"{c.title} ({mode_words(c.mode, language)})", *(cells[k] for _, cells in rows)] for k, c in enumerate(cols)]
    _pdf_table(doc, head, body, 6.5)
    doc.ln(2)
    doc.write_line(low_mobility_footnote(comp, language), 7.5, h=3.6, colour=(70, 70, 70))
    doc.ln(3)
    doc.write_line("Annexe : méthode" if fmt.lang(language) == "fr" else "Annex: method", 11, True, 6)
    annex = annex_rows(comp, language)
    _pdf_table(doc, ["", *(label for label, _ in annex)],
               [[v.title, *(cells[k] for _, cells in annex)] for k, v in enumerate(comp.variants)], 6.5)
    with atomic.atomic_path(path) as tmp:
        doc.output(str(tmp))
    return path


def _pdf_table(doc: Pdf, head: list[str], body: list[list[str]], size: float) -> None:
    doc.font(size)
    with doc.table(text_align="LEFT", line_height=size * 0.5) as table:
        row = table.row()
        doc.font(size, True)
        for h in head:
            row.cell(doc.clean(h))
        doc.font(size)
        for r in body:
            row = table.row()
            for cell in r:
                row.cell(doc.clean(cell))


def chromium() -> str | None:
    """The Chromium executable, or None."""
    for exe in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(exe)
        if found:
            return found
    return None


def print_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 90.0) -> Path | None:
    """Print an HTML file to an A4 PDF with headless Chromium (no network needed: the
    page is self-contained). Returns None when Chromium is absent or fails."""
    exe = chromium()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        tmp = Path(work) / "out.pdf"
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               f"--user-data-dir={Path(work) / 'profile'}", "--no-pdf-header-footer",
               f"--print-to-pdf={tmp}", Path(html_path).resolve().as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if not tmp.is_file() or tmp.stat().st_size == 0:
            return None
        return atomic.write_bytes(pdf_path, tmp.read_bytes())
