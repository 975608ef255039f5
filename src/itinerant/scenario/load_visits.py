"""Loaders of the home-visit tables: ``advisors`` and ``visits``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from itinerant.core.units import (
    DAY_S,
    haversine_m,
    hhmm,
    parse_time,
)
from itinerant.scenario.cells import (
    DAY_NAMES_FR,
    parse_bool,
    parse_date,
    parse_days,
    parse_duration,
    parse_float,
    parse_hours,
    parse_modes,
    parse_priority,
    parse_skills,
    parse_windows,
)
from itinerant.scenario.model import (
    Absence,
    Advisor,
    Calendar,
    Commune,
    Resident,
    Visit,
)
from itinerant.scenario.rows import (
    Collector,
    CommuneCheck,
    PointCheck,
    Row,
    Rows,
    SiteCheck,
    build_model,
    check_duplicates,
    suggest,
)
from itinerant.scenario.week import absence_clash, parse_day_hours

MAX_VISIT_S = 10 * 3600
"""Longest plausible home visit, seconds (a '450' meant as minutes is 7 h 30)."""

def load_advisors(t: Rows | None, out: Collector, offices: list[str], check_site: SiteCheck) -> tuple[list[Advisor], dict[str, tuple[tuple[str, ...], tuple[int, ...]]]]:
    """Advisors, and every declared advisor id -> (skills, days) as far as readable."""
    if t is None:
        return [], {}
    res: list[Advisor] = []
    staff: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    ids: list[tuple[int, str]] = []
    default_site = offices[0] if len(offices) == 1 else None
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        aid = r.get("id", required=True)
        name = r.get("nom", required=True)
        skills = r.get("competences", parse_skills, required=True)
        days = r.get("jours", parse_days, required=True)
        start = r.get("debut", parse_time, required=True)
        end = r.get("fin", parse_time, required=True)
        l0 = r.get("pause_debut", parse_time, default=12 * 3600)
        l1 = r.get("pause_fin", parse_time, default=14 * 3600)
        ld = r.get("pause_duree", parse_duration, default=45 * 60)
        maxw = r.get("duree_max", parse_duration)
        s0 = r.get("site_depart", default=default_site)
        s1 = r.get("site_arrivee", default=s0)
        phone = r.get("telephone", default="")
        contract = r.get("heures_contrat", parse_hours)
        hours = r.get("horaires", parse_day_hours, default=())
        if aid is not None:
            ids.append((row, aid))
            staff.setdefault(aid, (skills or (), days or ()))
        if skills is not None and not skills:
            r.fault("competences", "aucune compétence", "écrire par exemple numerique|sante")
        if days is not None and hours:
            off = [DAY_NAMES_FR[d] for d, _, _ in hours if d not in days]
            if off:
                r.fault("horaires", f"horaires donnés pour un jour non travaillé ({', '.join(off)})",
                        "ajouter ce jour dans 'jours' ou retirer ses horaires")
        _check_day(r, start, end, l0, l1, ld)
        if maxw is None and start is not None and end is not None:
            maxw = max(0, end - start)
        if maxw is not None and maxw <= 0 and r.ok:
            r.fault("duree_max", "durée maximale nulle", "écrire par exemple 7h30, ou laisser vide")
        if s0 is None:
            r.fault("site_depart", "site de départ non indiqué (plusieurs ou aucun bureau de type office)", "écrire l'id du site de départ")
        else:
            check_site(r, s0, "site_depart", "site de départ")
            if s1 != s0:
                check_site(r, s1, "site_arrivee", "site d'arrivée")
        if r.ok:
            a = build_model(
                Advisor,
                dict(id=aid, name=name, skills=skills, days=days, start_s=start, end_s=end, lunch_start_s=l0, lunch_end_s=l1, lunch_duration_s=ld, max_work_s=maxw, start_site=s0, end_site=s1, phone=phone, contract_s=contract, day_hours=hours),
                r,
            )
            if a is not None:
                res.append(a)
    check_duplicates(t, ids, out)
    return res, staff



def _check_day(r: Row, start: int | None, end: int | None, l0: int | None, l1: int | None, ld: int | None) -> None:
    """The working day ends after it starts; the lunch break fits its range inside the day."""
    if ld is not None and ld < 0:
        r.fault("pause_duree", f"durée de pause négative ({ld // 60} min)", "écrire une durée positive, par exemple 45, ou 0 pour aucune pause")
        return
    if start is None or end is None:
        return
    if end <= start:
        r.fault("fin", f"fin de journée {hhmm(end)} avant le début {hhmm(start)}", "écrire une heure de fin après l'heure de début")
    elif l0 is not None and l1 is not None and ld is not None:
        if l1 <= l0:
            r.fault("pause_fin", f"pause de midi {hhmm(l0)}-{hhmm(l1)} : la fin précède le début", "écrire par exemple pause_debut 12:00 et pause_fin 14:00")
        elif ld > l1 - l0:
            r.fault("pause_duree", f"pause de {ld // 60} min plus longue que sa plage {hhmm(l0)}-{hhmm(l1)}", "raccourcir la pause ou élargir la plage")
        elif l0 < start or l1 > end:
            r.fault("pause_debut" if l0 < start else "pause_fin", f"plage de pause {hhmm(l0)}-{hhmm(l1)} hors de la journée {hhmm(start)}-{hhmm(end)}", "mettre la pause à l'intérieur des horaires")


@dataclass(frozen=True)
class VisitContext:
    """What a visits row is checked against: the scenario's places, residents, staff and week.

    Built once per visits table by :meth:`of`; ``staff`` maps every declared advisor id to
    its (skills, weekdays) as far as readable.
    """

    by_code: dict[str, Commune]
    communes: tuple[Commune, ...]
    residents: dict[str, Resident]
    resident_ids: frozenset[str]
    staff: dict[str, tuple[tuple[str, ...], tuple[int, ...]]]
    calendar: Calendar
    check_point: PointCheck
    check_commune: CommuneCheck
    week_known: bool = True
    absences: tuple[Absence, ...] = ()
    """The advisors' dated absences (a pinned visit inside one is a fault)."""
    skip_rows: frozenset[int] = frozenset()
    """Rows of the visits table set aside (lenient loading: they had faults)."""

    @classmethod
    def of(
        cls,
        communes: Sequence[Commune],
        residents: Sequence[Resident],
        resident_ids: Iterable[str],
        staff: dict[str, tuple[tuple[str, ...], tuple[int, ...]]],
        calendar: Calendar,
        check_point: PointCheck,
        check_commune: CommuneCheck,
        *,
        week_known: bool = True,
        absences: Sequence[Absence] = (),
        skip_rows: Iterable[int] = (),
    ) -> VisitContext:
        return cls(
            {c.code: c for c in communes}, tuple(communes), {x.id: x for x in residents}, frozenset(resident_ids),
            staff, calendar, check_point, check_commune, week_known, tuple(absences), frozenset(skip_rows),
        )

    @property
    def all_skills(self) -> list[str]:
        return sorted({s for sk, _ in self.staff.values() for s in sk})

    @property
    def worked_days(self) -> list[int]:
        return sorted({d for _, ds in self.staff.values() for d in ds}) or [0, 1, 2, 3, 4]

    @property
    def week(self) -> list[dt.date]:
        return [self.calendar.week_start + dt.timedelta(days=i) for i in range(7)]


def load_visits(t: Rows | None, out: Collector, ctx: VisitContext) -> list[Visit]:
    """The visit requests of ``t``, each checked against ``ctx``; faults go to ``out``."""
    if t is None:
        return []
    res: list[Visit] = []
    ids: list[tuple[int, str]] = []
    for row, cells in t.rows:
        if row in ctx.skip_rows:
            continue
        r = Row(t, row, cells, out)
        vid = r.get("id", required=True)
        if vid is not None:
            ids.append((row, vid))
        v = _visit_row(r, vid, ctx)
        if v is not None:
            res.append(v)
    check_duplicates(t, ids, out)
    return res


def _visit_row(r: Row, vid: str | None, ctx: VisitContext) -> Visit | None:
    dur = r.get("duree", parse_duration, required=True)
    rid = r.get("habitant", default="")
    lat = r.get("lat", parse_float)
    lon = r.get("lon", parse_float)
    code = r.get("commune")
    days = r.get("jours", parse_days)
    wins = r.get("fenetres", parse_windows)
    skills = r.get("competence", parse_skills)
    prio = r.get("priorite", parse_priority, default="must")
    same = r.get("meme_conseiller")
    pinned = r.get("conseiller_impose")
    pdate = r.get("date_imposee", parse_date)
    pstart = r.get("heure_imposee", parse_time)
    done = r.get("fait", parse_bool, default=False)
    modes = r.get("mode", parse_modes, default=("domicile",))
    dmin = r.get("duree_minimale", parse_duration)
    if dmin is not None and dur is not None and not 0 < dmin <= dur:
        r.fault("duree_minimale", f"durée minimale de {dmin // 60} min hors de (0, {dur // 60} min]",
                "écrire une durée au plus égale à la durée de la visite, ou laisser vide")
    if dur is not None and dur <= 0:
        r.fault("duree", "durée nulle", "écrire une durée en minutes, par exemple 45")
    elif dur is not None and dur > MAX_VISIT_S:
        r.fault("duree", f"visite de {dur / 3600:g} h invraisemblable", f"écrire la durée en minutes (au plus {MAX_VISIT_S // 3600} h), par exemple 45")
        dur = None  # the windows are not at fault
    skill = _visit_skill(r, skills, ctx)
    lat, lon, code, loc_commune = _visit_location(r, rid, lat, lon, code, ctx)
    if days is None:
        days = tuple(ctx.worked_days)
    elif ctx.staff and not set(days) & set(ctx.worked_days):
        names = ", ".join(DAY_NAMES_FR[d] for d in days)
        r.fault("jours", f"aucun conseiller ne travaille ces jours-là ({names})", "choisir parmi : " + ", ".join(DAY_NAMES_FR[d] for d in ctx.worked_days))
    if wins is None:
        wins = ((0, DAY_S),)
    if dur is not None and wins and dur > max(b - a for a, b in wins):
        r.fault("fenetres" if "fenetres" in r.t.colmap else "duree", f"visite de {dur // 60} min plus longue que toutes ses plages horaires", "élargir une plage ou raccourcir la visite")
    _check_advisors(r, same, pinned, skill, ctx)
    _check_pinned(r, pdate, pstart, pinned, same, days, wins, dur, ctx)
    if not r.ok:
        return None
    return build_model(
        Visit,
        dict(
            id=vid, resident_id=rid or "", lat=lat, lon=lon, commune_code=code, location_is_commune=loc_commune,
            duration_s=dur, days=days, windows=wins, skill=skill, priority=prio, same_advisor=same,
            pinned_advisor=pinned or (same if pdate is not None and pinned is None else None),
            pinned_date=pdate, pinned_start_s=pstart, done=done,
            name=r.get("nom", default=""), address=r.get("adresse", default=""),
            phone=r.get("telephone", default=""), reason=r.get("motif", default=""),
            notes=r.get("notes", default=""), min_duration_s=dmin,
            modes=modes,
        ),
        r,
    )


def _visit_skill(r: Row, skills: tuple[str, ...] | None, ctx: VisitContext) -> str | None:
    """The visit's one skill (None: any advisor), checked against the advisors' skills."""
    if not skills:
        return None
    if len(skills) > 1:
        r.fault("competence", f"une seule compétence par visite ({len(skills)} données)", "garder la compétence principale")
        return None
    skill = skills[0]
    all_skills = ctx.all_skills
    if all_skills and skill not in all_skills:
        r.fault("competence", f"aucun conseiller n'a la compétence '{skill}'", suggest(skill, all_skills) or "compétences disponibles : " + ", ".join(all_skills))
    return skill


def _visit_location(
    r: Row, rid: str, lat: float | None, lon: float | None, code: str | None, ctx: VisitContext
) -> tuple[float | None, float | None, str | None, bool]:
    """``(lat, lon, commune_code, is_town_hall)``: the row's point, else the resident's
    home, else the commune's town hall; the commune is the nearest one when left empty."""
    loc_commune = False
    given_code = code if lat is not None and lon is not None else None
    if (lat is None) != (lon is None):
        r.fault("lat" if lat is None else "lon", "coordonnée incomplète", "remplir lat et lon, ou les laisser vides")
    if rid and ctx.resident_ids and rid not in ctx.resident_ids:
        r.unknown("residents", "habitant", f"habitant '{rid}' inconnu (absent de residents)", "utiliser un id de la table residents ou laisser vide")
    if code is not None:
        ctx.check_commune(r, code)
    if lat is None and lon is None and r.ok:
        if rid and rid in ctx.residents:
            h = ctx.residents[rid]
            lat, lon = h.lat, h.lon
            code = code or h.commune_code
        elif code is not None and code in ctx.by_code:
            c = ctx.by_code[code]
            lat, lon, loc_commune = c.lat, c.lon, True
        elif code is None and not rid:
            r.fault("commune", "lieu de la visite inconnu", "remplir lat et lon, ou un habitant, ou le code de la commune")
        else:
            r.ok = False  # the resident's or commune's own row is at fault
    elif lat is not None and lon is not None and code is None and ctx.communes:
        code = min(ctx.communes, key=lambda c: haversine_m(lat, lon, c.lat, c.lon)).code
    ctx.check_point(r, lat, lon, given_code)
    return lat, lon, code, loc_commune


def _check_advisors(r: Row, same: str | None, pinned: str | None, skill: str | None, ctx: VisitContext) -> None:
    """The usual and the pinned advisor exist, have the skill and agree."""
    staff = ctx.staff
    for canon, aid in (("meme_conseiller", same), ("conseiller_impose", pinned)):
        if aid is None or not staff:
            continue
        if aid not in staff:
            r.unknown("advisors", canon, f"conseiller '{aid}' inconnu", suggest(aid, staff) or "utiliser un id de la table advisors")
        elif isinstance(skill, str) and staff[aid][0] and skill not in staff[aid][0]:
            r.fault(canon, f"le conseiller '{aid}' n'a pas la compétence '{skill}'", "choisir un conseiller qui l'a, ou changer la compétence")
    if same and pinned and same != pinned:
        r.fault("conseiller_impose", f"deux conseillers différents imposés ('{same}' et '{pinned}')", "n'en garder qu'un")


def _check_pinned(
    r: Row,
    pdate: dt.date | None,
    pstart: int | None,
    pinned: str | None,
    same: str | None,
    days: tuple[int, ...],
    wins: tuple[tuple[int, int], ...],
    dur: int | None,
    ctx: VisitContext,
) -> None:
    """A pinned date lies in the planned week, on an allowed working day; a pinned time
    has a date and fits a window."""
    if pdate is not None and ctx.week_known:  # else the week itself is at fault, in scenario.yaml
        week = ctx.week
        holidays = dict(ctx.calendar.holidays)
        if pdate not in week:
            r.fault("date_imposee", f"{pdate.isoformat()} hors de la semaine planifiée ({week[0].isoformat()} au {week[6].isoformat()})", "écrire une date de cette semaine ou laisser vide")
        elif pdate.weekday() not in days:
            r.fault("date_imposee", f"{pdate.isoformat()} est un {DAY_NAMES_FR[pdate.weekday()]}, jour non autorisé pour cette visite", "ajouter ce jour dans 'jours' ou changer la date")
        elif pdate in holidays:
            r.fault("date_imposee", f"{pdate.isoformat()} est férié ({holidays[pdate]})", "choisir un autre jour")
    if pdate is not None and pinned is None and same is None:
        r.fault("date_imposee", "date imposée sans conseiller imposé", "remplir aussi 'conseiller_impose'")
    ab = absence_clash(ctx.absences, pinned or same, pdate, pstart, dur)
    if ab is not None:
        when = "toute la journée" if ab.start_s is None or ab.end_s is None else f"de {hhmm(ab.start_s)} à {hhmm(ab.end_s)}"
        r.fault("date_imposee", f"rendez-vous pendant l'absence de '{ab.advisor_id}' le {pdate.isoformat()} "  # type: ignore[union-attr]
                f"{when}{' (' + ab.reason + ')' if ab.reason else ''} : {ab.source or 'table absences'}",
                "changer la date ou l'heure du rendez-vous, ou le conseiller")
    if pstart is not None:
        if pdate is None:
            r.fault("heure_imposee", "heure imposée sans date imposée", "remplir aussi 'date_imposee'")
        elif wins and dur is not None and not any(a <= pstart and pstart + dur <= b for a, b in wins):
            r.fault("heure_imposee", f"rendez-vous à {hhmm(pstart)} hors des plages horaires de la visite", "changer l'heure ou les plages")
