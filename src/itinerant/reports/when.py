"""When the bus passes, in residents' words and real dates: the slot's rhythm (« Un jeudi
sur deux »), its dates over the next quarter with public holidays and the scenario's
closures left out, grouped by month (« jeudis 3, 17 et 31 décembre »). Used by the
posters, the rota page and the public map."""

from __future__ import annotations

import datetime as dt

from itinerant.reports import fmt
from itinerant.scenario.model import Scenario

HORIZON_WEEKS = 13
"""Posters list the passages of the next quarter (13 weeks) from the cycle's start."""


def days_off(scenario: Scenario, start: dt.date, weeks: int) -> dict[dt.date, str]:
    """Public holidays and the scenario's closures from ``start`` over ``weeks`` weeks."""
    from itinerant.scenario import french_holidays

    end = start + dt.timedelta(days=7 * weeks)
    off = {d: n for d, n in french_holidays(start, weeks)}
    off.update({d: n for d, n in scenario.calendar.days_off if start <= d < end})
    return off


def slot_dates(weekday: int, weeks: tuple[int, ...], *, cycle_start: dt.date, cycle_weeks: int,
               horizon_weeks: int = HORIZON_WEEKS, off: dict[dt.date, str] | None = None
               ) -> tuple[list[dt.date], list[tuple[dt.date, str]]]:
    """The dates of a slot over ``horizon_weeks`` from the cycle's start (week 1), and the
    dates it skips because they are days off ``(date, name)``.

    ``weeks`` are the cycle weeks (1-based) it is held, empty for every week.
    """
    off = off or {}
    monday = cycle_start - dt.timedelta(days=cycle_start.weekday())
    dates, skipped = [], []
    for k in range(horizon_weeks):
        if weeks and (k % cycle_weeks) + 1 not in weeks:
            continue
        d = monday + dt.timedelta(days=7 * k + weekday)
        if d < cycle_start:
            continue
        if d in off:
            skipped.append((d, off[d]))
        else:
            dates.append(d)
    return dates, skipped


def next_dates(scenario: Scenario, weekday: int, weeks: tuple[int, ...], *, cycle_start: dt.date,
               cycle_weeks: int, count: int = 4, skip: frozenset[dt.date] = frozenset()) -> list[dt.date]:
    """The next ``count`` dates of a slot from ``cycle_start`` (week 1 of the cycle),
    public holidays, the scenario's closures and ``skip`` dates left out."""
    off = days_off(scenario, cycle_start, 3 * cycle_weeks)
    off.update({d: "" for d in skip})
    dates, _ = slot_dates(weekday, weeks, cycle_start=cycle_start, cycle_weeks=cycle_weeks,
                          horizon_weeks=3 * cycle_weeks, off=off)
    return dates[:count]


def _day_number(d: dt.date, language: str) -> str:
    return "1er" if fmt.lang(language) == "fr" and d.day == 1 else str(d.day)


def dates_in_words(dates: list[dt.date], language: str = "fr") -> list[str]:
    """Dates of one weekday grouped by month, each group one unbreakable string:
    ``["mardis 1er et 29 décembre", "26 janvier"]``; the weekday opens the first group
    (plural when several dates)."""
    if not dates:
        return []
    lg = fmt.lang(language)
    nb = "\u00a0"
    groups: list[list[dt.date]] = []
    for d in sorted(dates):
        if groups and (groups[-1][0].year, groups[-1][0].month) == (d.year, d.month):
            groups[-1].append(d)
        else:
            groups.append([d])
    out = []
    for g in groups:
        days = [_day_number(d, lg) for d in g]
        joined = days[0] if len(days) == 1 else ", ".join(days[:-1]) + (" et " if lg == "fr" else " and ") + days[-1]
        out.append(f"{joined} {fmt.MONTHS[lg][g[0].month - 1]}".replace(" ", nb))
    day = fmt.weekday_name(dates[0].weekday(), lg)
    plural = "s" if len(dates) > 1 else ""
    out[0] = f"{day}{plural}{nb}{out[0]}"
    return out


def rhythm_words(weekday: int, weeks: tuple[int, ...], cycle_weeks: int, language: str = "fr") -> str:
    """How often, in residents' words: "Chaque mardi", "Un mardi sur deux",
    "Un mardi toutes les 4 semaines" (never "le 2e mardi du cycle")."""
    day = fmt.weekday_name(weekday, language)
    n = len(weeks) if weeks else cycle_weeks
    if fmt.lang(language) != "fr":
        if n >= cycle_weeks:
            return f"Every {day}"
        return f"{n} {day}s every {cycle_weeks} weeks" if n > 1 else f"One {day} every {cycle_weeks} weeks"
    if n >= cycle_weeks:
        return f"Chaque {day}"
    if 2 * n == cycle_weeks and len({b - a for a, b in zip(weeks, weeks[1:])}) <= 1:
        return f"Un {day} sur deux"
    if n == 1:
        return f"Un {day} toutes les {cycle_weeks} semaines"
    return f"{n} {day}s toutes les {cycle_weeks} semaines"
