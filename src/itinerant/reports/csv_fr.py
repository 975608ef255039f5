"""CSV files for people, the French Excel way: ``;`` separator, UTF-8 with BOM, decimal
comma, French headers, names and communes (not ids). The machine files (``routes.csv``,
``unassigned.csv``) stay as the planners write them."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.core.safe import csv_row
from itinerant.reports import fmt
from itinerant.reports._common import commune_name
from itinerant.reports.outputs import load_plan
from itinerant.reports.sheets import week_rows
from itinerant.scenario.model import Scenario

PRIORITY_FR = {"must": "obligatoire", "should": "souhaitable", "could": "si possible"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return fmt.format_number(value, "fr", decimals=1).replace("\u202f", "")
    return str(value)


def french_csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text with ``;`` and decimal commas (the BOM is added when writing)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(csv_row(header))
    for r in rows:
        w.writerow(csv_row([_cell(v) for v in r]))
    return buf.getvalue()


def write_french_csv(path: str | os.PathLike[str], header: Sequence[str],
                     rows: Sequence[Sequence[Any]]) -> Path:
    """Write a CSV that French Excel opens as it is (UTF-8 with BOM, ``;``)."""
    return atomic.write_bytes(path, french_csv_text(header, rows).encode("utf-8-sig"))


def write_week_csvs(scenario: Scenario, plan: Any, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """``tournees.csv`` (one line per planned visit, in order) and ``non_planifiees.csv``
    (each visit left out and why). Confidential: names and phones."""
    plan = load_plan(plan)
    out = Path(out_dir)
    rows = [[fmt.format_date(r["day"], "fr"), r["advisor"], r["seq"], r["arrival"], r["start"],
             r["end"], r["name"], r["address"], r["commune"], r["phone"], r["reason"], r["notes"],
             round((r["travel_s"] or 0) / 60), round((r["travel_m"] or 0) / 1000, 1)]
            for r in week_rows(scenario, plan, "fr")]
    routes = write_french_csv(out / "tournees.csv", [
        "Jour", "Conseiller", "N°", "Arrivée", "Début", "Fin", "Nom", "Adresse", "Commune",
        "Téléphone", "Motif", "À noter", "Trajet (min)", "Trajet (km)"], rows)
    visits = {v.id: v for v in scenario.visits}
    left = []
    for u in plan.get("unassigned", []):
        v = visits.get(u["visit_id"])
        left.append([v.name if v and v.name else u["visit_id"], v.address if v else "",
                     commune_name(scenario, v.commune_code) if v else "", v.phone if v else "",
                     PRIORITY_FR.get(v.priority, v.priority) if v else "", u.get("reason", "")])
    unassigned = write_french_csv(out / "non_planifiees.csv", [
        "Nom", "Adresse", "Commune", "Téléphone", "Priorité", "Raison"], left)
    return {"routes": routes, "unassigned": unassigned}


__all__ = ["PRIORITY_FR", "french_csv_text", "write_french_csv", "write_week_csvs"]
