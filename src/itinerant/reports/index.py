"""The demo's ``index.html``: links every output with its size, says whether travel
times are road-based (OpenStreetMap) or estimated, and marks public vs restricted files.

Outputs are found by the standard layout written by :func:`itinerant.reports.render_reports`::

    territoire/carte.html
    equipe/semaine_equipe.html  semaine_equipe.xlsx  (first: the team's week; its tours are visites/)
    bus/equipage.html (internal: the crew of the planned week)
    visites/carte_semaine.html  semaine.html  semaine.xlsx  tournees.csv  non_planifiees.csv
            feuilles/<day>_<advisor>.html|.pdf  feuilles/<day>.pdf
    bus/rota.html  carte_publique.html  affiches/affiche_<code>_<slug>.html|.pdf
    antennes/comparaison.html  comparaison.xlsx

Any other file under ``out_dir`` (plan.json, routes.csv, ...) is listed under "données".
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import (
    commune_name,
    now_text,
    render_template,
    times_label,
)
from itinerant.scenario.model import Scenario

_LAYOUT: list[tuple[str, list[tuple[str, str, bool]]]] = [
    ("team_week", [("equipe/semaine_equipe.html", "team_board", False),
                   ("equipe/semaine_equipe.xlsx", "team_workbook", False),
                   ("equipe/changements_permanences.csv", "duty_changes_csv", False),
                   ("bus/equipage.html", "bus_crew", False),
                   ("equipe/tournees/semaine.html", "team_tours", False)]),
    ("territory", [("territoire/carte.html", "territory_map", True)]),
    ("home_visits", [("visites/carte_semaine.html", "week_map", False),
                     ("visites/semaine.html", "week_table", False),
                     ("visites/semaine.xlsx", "week_workbook", False),
                     ("visites/tournees.csv", "week_csv", False),
                     ("visites/non_planifiees.csv", "unassigned_csv", False),
                     ("visites/a_prevenir.html", "to_call_page", False),
                     ("visites/changes.csv", "changes_csv", False),
                     ("visites/feuilles/*", "sheets", False)]),
    ("bus", [("bus/rota.html", "bus_rota", True), ("bus/carte_publique.html", "public_map", True),
             ("bus/affiches/*", "posters", True)]),
    ("antennes", [("antennes/comparaison.html", "antennes_report", True),
                  ("antennes/comparaison.pdf", "antennes_report", True),
                  ("antennes/comparaison.xlsx", "antennes_workbook", True)]),
]

_KIND = {".html": "HTML", ".pdf": "PDF", ".xlsx": "Excel", ".csv": "CSV", ".json": "JSON", ".npz": "NumPy"}


def _file(out: Path, p: Path, language: str) -> dict[str, str]:
    return {"href": p.relative_to(out).as_posix(), "kind": _KIND.get(p.suffix, p.suffix.lstrip(".")),
            "size": fmt.format_size(p.stat().st_size, language)}


def _group_label(stem: str, scenario: Scenario | None, language: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stem):  # the day's PDF: every advisor's sheet
        whole = "toutes les feuilles du jour" if fmt.lang(language) == "fr" else "every sheet of the day"
        return f"{fmt.format_date(stem, language)} - {whole}"
    m = re.match(r"(\d{4}-\d{2}-\d{2})_(.+)$", stem)
    if m:
        who = m.group(2)
        if scenario is not None:
            who = next((a.name for a in scenario.advisors if fmt.slug(a.id) == who), who)
        return f"{fmt.format_date(m.group(1), language)} - {who}"
    m = re.match(r"affiche_([^_]+)_(.+)$", stem)
    if m:
        return commune_name(scenario, m.group(1)) if scenario is not None else m.group(2)
    return stem


def collect_outputs(out_dir: str | os.PathLike[str], *, scenario: Scenario | None = None,
                    language: str = "fr") -> list[dict[str, Any]]:
    """The sections of the index: ``[{"title", "entries": [{"label", "public", "files"}]}]``."""
    out = Path(out_dir)
    T = fmt.STRINGS[fmt.lang(language)]
    seen: set[Path] = {out / "index.html"}
    sections = []
    for sec_key, items in _LAYOUT:
        entries = []
        for pattern, label_key, public in items:
            if pattern.endswith("/*"):
                folder = out / pattern[:-2]
                files = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
                groups: dict[str, list[Path]] = {}
                for p in files:
                    groups.setdefault(p.stem, []).append(p)
                for stem, ps in groups.items():
                    seen.update(ps)
                    entries.append({"label": f"{T[label_key]} - {_group_label(stem, scenario, language)}",
                                    "public": public, "files": [_file(out, p, language) for p in ps]})
            else:
                p = out / pattern
                if p.is_file():
                    seen.add(p)
                    entries.append({"label": T[label_key], "public": public, "files": [_file(out, p, language)]})
        if entries:
            sections.append({"title": T[sec_key], "entries": entries})
    others = sorted(p for p in out.rglob("*") if p.is_file() and p not in seen and not p.name.startswith(".")
                    and p.suffix in _KIND)
    if others:
        title = "Données" if fmt.lang(language) == "fr" else "Data"
        sections.append({"title": title, "entries": [
            {"label": p.relative_to(out).as_posix(), "public": False, "files": [_file(out, p, language)]}
            for p in others]})
    return sections


def render_index(out_dir: str | os.PathLike[str], *, scenario: Scenario | None = None,
                 language: str = "fr", estimated: bool = True, title: str | None = None) -> Path:
    """Write ``out_dir/index.html`` linking every output found under ``out_dir``."""
    out = Path(out_dir)
    T = fmt.STRINGS[fmt.lang(language)]
    name = title or (f"{T['index_title']} - {scenario.title or scenario.name}" if scenario else T["index_title"])
    html = render_template("index.html", language, title=name, generated=now_text(language),
                           estimated=estimated, times_label=times_label(estimated, language),
                           sections=collect_outputs(out, scenario=scenario, language=language),
                           sources=scenario.sources if scenario else "")
    return atomic.write_text(out / "index.html", html)


