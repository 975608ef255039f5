"""The advisors' real week: per-weekday hours and dated absences.

- ``horaires`` in the advisors table: hours that differ by weekday, e.g.
  ``ven 08:30-12:30`` or ``lun-jeu 08:30-17:00 | ven 08:30-12:30``; the other working
  days keep ``debut``-``fin``. The lunch is taken only on days that span its window.
- the ``absences`` table (``conseiller``, ``date`` or a range ``2026-12-02 au 2026-12-04``,
  optional ``de``/``a``, ``motif``: congé, formation, réunion...). A pinned visit inside
  an absence is a fault naming both rows (see :func:`absence_clash`).
"""

from __future__ import annotations

import datetime as dt
import re

from itinerant.core.units import BadValue, hhmm, parse_time
from itinerant.scenario.cells import DAY_NAMES_FR, parse_date, parse_days, parse_window
from itinerant.scenario.model import Absence, Calendar
from itinerant.scenario.rows import Collector, Row, Rows

_ITEM_SPLIT = re.compile(r"\s*[|;]\s*")
_DATE_RANGE = re.compile(r"^\s*(?:du\s+)?(\S+)\s*(?:au|à|a|->|\.\.|–|—)\s*(\S+)\s*$", re.IGNORECASE)


def parse_day_hours(text: str) -> tuple[tuple[int, int, int], ...]:
    """``"ven 08:30-12:30"``, ``"lun-jeu 08:30-17:00 | ven 08:30-12:30"`` ->
    ((weekday, start_s, end_s), ...) sorted by weekday; a weekday given twice is refused."""
    out: dict[int, tuple[int, int]] = {}
    for item in _ITEM_SPLIT.split(text.strip()):
        if not item:
            continue
        parts = item.split()
        if len(parts) < 2:
            raise BadValue(f"'{item}' : jour et horaires attendus", "écrire par exemple ven 08:30-12:30")
        days = parse_days(" ".join(parts[:-1]))
        start, end = parse_window(parts[-1])
        for d in days:
            if d in out:
                raise BadValue(f"{DAY_NAMES_FR[d]} a deux horaires", "n'en écrire qu'un par jour")
            out[d] = (start, end)
    if not out:
        raise BadValue("aucun horaire indiqué", "écrire par exemple ven 08:30-12:30")
    return tuple((d, a, b) for d, (a, b) in sorted(out.items()))


def parse_date_range(text: str) -> tuple[dt.date, dt.date]:
    """``"2026-12-02"``, ``"du 02/12/2026 au 04/12/2026"``, ``"2026-12-02..2026-12-04"``."""
    m = _DATE_RANGE.match(text)
    if m:
        a, b = parse_date(m.group(1)), parse_date(m.group(2))
        if b < a:
            raise BadValue(f"'{text}' : la fin précède le début", "écrire du JJ/MM/AAAA au JJ/MM/AAAA")
        return a, b
    d = parse_date(text)
    return d, d


def load_absences(
    t: Rows | None, out: Collector, staff: dict, calendar: Calendar, *, week_known: bool = True
) -> list[tuple[int, Absence]]:
    """Absences falling in the planned week, one per date, with their row numbers."""
    if t is None:
        return []
    res: list[tuple[int, Absence]] = []
    week = [calendar.week_start + dt.timedelta(days=i) for i in range(7)]
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        aid = r.get("conseiller", required=True)
        span = r.get("date", parse_date_range, required=True)
        start = r.get("de", parse_time)
        end = r.get("a", parse_time)
        reason = r.get("motif", default="")
        if aid is not None and staff and aid not in staff:
            r.fault("conseiller", f"conseiller '{aid}' inconnu", "utiliser un id de la table advisors")
        if (start is None) != (end is None):
            r.fault("a" if end is None else "de", "absence d'une partie de journée incomplète",
                    "remplir 'de' et 'a', ou les laisser vides pour toute la journée")
        elif start is not None and end is not None and end <= start:
            r.fault("a", f"absence de {hhmm(start)} à {hhmm(end)} : la fin précède le début",
                    "écrire une heure de fin après l'heure de début")
        if span is not None and week_known and (span[1] < week[0] or span[0] > week[-1]):
            r.fault("date", f"absence hors de la semaine planifiée ({week[0].isoformat()} au {week[-1].isoformat()})",
                    "écrire une date de cette semaine, ou retirer la ligne")
        if not r.ok:
            continue
        d = max(span[0], week[0])
        while d <= min(span[1], week[-1]):
            res.append((row, Absence(advisor_id=aid, date=d, start_s=start, end_s=end, reason=reason,
                                     source=f"{t.file}, ligne {row}")))
            d += dt.timedelta(days=1)
    return res


def absence_clash(absences, advisor_id: str | None, date: dt.date | None, start_s: int | None,
                  duration_s: int | None) -> Absence | None:
    """The absence a pinned visit falls into (all day, or overlapping its time), or None."""
    if advisor_id is None or date is None:
        return None
    for ab in absences:
        if ab.advisor_id != advisor_id or ab.date != date:
            continue
        if ab.start_s is None or ab.end_s is None or start_s is None:
            return ab
        if start_s < ab.end_s and start_s + (duration_s or 0) > ab.start_s:
            return ab
    return None
