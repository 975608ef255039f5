"""Loader of the ``permanences`` table: the duties the team's week staffs.

One row per permanence: the office desk, an antenne, a partner's permanence or a
workshop, on weekdays (``lun|mar``) of some cycle weeks, or on one date; from–to;
how many advisors and which skills; the preferred advisor; whether it is a guess.
"""

from __future__ import annotations

import re

from itinerant.core.units import hhmm, parse_time
from itinerant.scenario.cells import parse_bool, parse_date, parse_days, parse_duty_kind, parse_int, parse_skills
from itinerant.scenario.model import Advisor, Permanence
from itinerant.scenario.rows import Collector, Row, Rows, SiteCheck, build_model, check_duplicates, suggest

_SITE_KIND_TO_DUTY = {"office": "office", "antenne": "antenne", "partner": "partner", "candidate": "antenne"}


def _weeks(text: str) -> tuple[int, ...]:
    return tuple(sorted({parse_int(p) for p in re.split(r"\s*[|,;/ ]\s*", text) if p}))


def load_permanences(
    t: Rows | None,
    out: Collector,
    site_kinds: dict[str, str | None],
    advisors: list[Advisor],
    cycle_weeks: int,
    check_site: SiteCheck,
) -> list[Permanence]:
    """Permanences of the table (every fault collected in ``out``)."""
    if t is None:
        return []
    res: list[Permanence] = []
    ids: list[tuple[int, str]] = []
    staff = {a.id: a for a in advisors}
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        pid = r.get("id", required=True)
        if pid is not None:
            ids.append((row, pid))
        p = _permanence_row(r, pid, site_kinds, staff, cycle_weeks, check_site)
        if p is not None:
            res.append(p)
    check_duplicates(t, ids, out)
    return res


def _permanence_row(r: Row, pid, site_kinds, staff, cycle_weeks, check_site) -> Permanence | None:  # noqa: C901
    site = r.get("site", required=True)
    kind = r.get("type", parse_duty_kind)
    days = r.get("jours", parse_days, default=())
    date = r.get("date", parse_date)
    start = r.get("debut", parse_time, required=True)
    end = r.get("fin", parse_time, required=True)
    need = r.get("conseillers", parse_int, default=1)
    skills = r.get("competences", parse_skills, default=())
    weeks = r.get("semaines", _weeks, default=())
    preferred = r.get("conseiller_prefere")
    guess = r.get("hypothese", parse_bool, default=False)
    if site is not None and check_site(r, site, "site", "lieu de la permanence") and kind is None:
        kind = _SITE_KIND_TO_DUTY.get(site_kinds.get(site) or "", None)
        if kind is None:
            r.fault("type", f"type de permanence inconnu pour le site '{site}'", "écrire accueil, antenne, partenaire ou atelier")
    if not days and date is None:
        r.fault("jours", "ni jour ni date", "écrire un jour (mar, lun|jeu) ou une date (2026-12-01)")
    if days and date is not None:
        r.fault("date", "un jour et une date à la fois", "garder l'un des deux")
    if start is not None and end is not None and end <= start:
        r.fault("fin", f"fin {hhmm(end)} avant le début {hhmm(start)}", "écrire une heure de fin après l'heure de début")
    if need is not None and need < 0:
        r.fault("conseillers", "nombre de conseillers négatif", "écrire 1, 2…")
    if weeks and (min(weeks) < 1 or max(weeks) > cycle_weeks):
        r.fault("semaines", f"semaines {weeks} hors du cycle de {cycle_weeks} semaine(s)", f"écrire des numéros de 1 à {cycle_weeks}")
    if preferred is not None and staff and preferred not in staff:
        r.fault("conseiller_prefere", f"conseiller '{preferred}' inconnu", suggest(preferred, staff) or "utiliser un id de la table des conseillers")
    if skills and staff and preferred in staff and not set(skills) <= set(staff[preferred].skills):
        r.fault("conseiller_prefere", f"'{preferred}' n'a pas toutes les compétences demandées", "choisir un conseiller qui les a")
    if not r.ok:
        return None
    return build_model(
        Permanence,
        dict(id=pid, name=r.get("nom", default=pid), site_id=site, kind=kind, weekdays=days, date=date,
             start_s=start, end_s=end, advisors_needed=need, skills=skills, weeks=weeks,
             preferred_advisor=preferred, hypothesis=guess, note=r.get("note", default="")),
        r,
    )
