"""Build a :class:`VisitProblem` from a validated scenario and its drive matrix.

- one vehicle per advisor and working date of the week (public holidays skipped);
- one task per visit not yet done; its location is the matrix row keyed by the
  visit's id; the scenario's windows are presence windows (the visit must start and
  end inside one: ``end_in_window``);
- re-planning: a previous ``plan.json`` keeps its pinned and done stops on their
  advisor, date and start time; visits added by the coordinator are planned too.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from itinerant.core.errors import Fault, InputError
from itinerant.core.places import TravelMatrix
from itinerant.scenario.model import Scenario, Visit
from itinerant.visits.problem import PENALTY, Break, Staff, Task, Vehicle, VisitProblem

DAY_S = 24 * 3600


def vehicle_id(advisor_id: str, date: dt.date) -> str:
    """Stable id of an advisor's day: ``"{advisor_id}@{YYYY-MM-DD}"``."""
    return f"{advisor_id}@{date.isoformat()}"


def merge_visits(scenario: Scenario, added: Sequence[Visit]) -> Scenario:
    """The scenario with ``added`` visits appended (an added id replaces the old visit)."""
    if not added:
        return scenario
    new_ids = {v.id for v in added}
    visits = tuple(v for v in scenario.visits if v.id not in new_ids) + tuple(added)
    return scenario.model_copy(update={"visits": visits})


def load_added_visits(scenario: Scenario, path: Path | str) -> tuple[Visit, ...]:
    """Read urgent requests from a table in the visits format (CSV or Excel).

    The table is checked by the scenario loader against the scenario's communes,
    residents and advisors (every fault raised at once, naming the new file).
    """
    from itinerant.scenario.load import TABLES, load_scenario

    path = Path(path)
    if not path.is_file():
        raise InputError([Fault(str(path), None, "", "fichier introuvable", "indiquer un tableau de visites (.csv ou .xlsx)")])
    stems = {s.lower() for s in TABLES["visits"]}
    with tempfile.TemporaryDirectory(prefix="itinerant-add-") as tmp:
        tmp_dir = Path(tmp)
        for f in Path(scenario.folder).iterdir():
            if f.is_file() and f.stem.lower() not in stems:
                shutil.copy2(f, tmp_dir / f.name)
        shutil.copy2(path, tmp_dir / f"visits{path.suffix.lower()}")
        _absolute_osm_path(tmp_dir, scenario)
        try:
            sc = load_scenario(tmp_dir)
        except InputError as e:
            faults = [
                replace(f, file=path.name) if f.file.lower().startswith("visits") else f
                for f in e.faults
            ]
            raise InputError(faults) from None
    return sc.visits


def _absolute_osm_path(tmp_dir: Path, scenario: Scenario) -> None:
    """Make a relative ``osm_file`` of the copied ``scenario.yaml`` absolute."""
    import yaml

    for f in tmp_dir.glob("scenario.y*ml"):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        settings = doc.get("settings") if isinstance(doc, dict) else None
        if isinstance(settings, dict) and settings.get("osm_file"):
            osm = scenario.settings.osm_file
            settings["osm_file"] = str(osm) if osm is not None else ""
            f.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _seconds(stop: dict[str, Any], key: str) -> int | None:
    if f"{key}_s" in stop and stop[f"{key}_s"] is not None:
        return int(stop[f"{key}_s"])
    text = stop.get(key)
    if not text:
        return None
    h, m = str(text).split(":")[:2]
    return int(h) * 3600 + int(m) * 60


def problem_from_scenario(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    replan: dict[str, Any] | None = None,
    added_visits: Sequence[Visit] = (),
) -> VisitProblem:
    """The week's home-visit problem.

    Parameters
    ----------
    scenario
        Validated scenario (advisors, visits, calendar).
    matrix
        Square drive matrix whose ids include every site id and every visit id
        (a visit's location is keyed by the visit's id), seconds and metres.
    replan
        A previous ``plan.json`` (as a dict): its stops marked ``pinned`` or ``done``
        (or whose visit is done) stay on their advisor and day; also at their start
        time when done or marked ``time_pinned``.
    added_visits
        New requests to insert (must be in ``matrix`` too); see
        :func:`load_added_visits` and :func:`merge_visits`.

    Returns
    -------
    VisitProblem
    """
    scenario = merge_visits(scenario, added_visits)
    ids = matrix.ids
    index = {pid: k for k, pid in enumerate(ids)}
    faults: list[Fault] = []
    need = {a.start_site for a in scenario.advisors} | {a.end_site for a in scenario.advisors}
    missing = sorted(need - set(index)) + sorted(v.id for v in scenario.visits if v.id not in index)
    if missing:
        raise ValueError(f"the drive matrix lacks ids: {', '.join(missing[:10])}")

    cal = scenario.calendar
    vehicles: list[Vehicle] = []
    for a in scenario.advisors:
        lunch = None
        if a.lunch_duration_s > 0:
            lunch = Break(a.lunch_start_s, a.lunch_end_s, a.lunch_duration_s)
        for d in cal.working_dates(a.days):
            vehicles.append(
                Vehicle(
                    id=vehicle_id(a.id, d),
                    start=index[a.start_site],
                    end=index[a.end_site],
                    start_s=a.start_s,
                    end_s=a.end_s,
                    max_work_s=a.max_work_s,
                    advisor_id=a.id,
                    advisor_name=a.name,
                    date=d,
                    skills=frozenset(a.skills),
                    lunch=lunch,
                )
            )

    kept: dict[str, tuple[str, dt.date, int | None, bool]] = {}
    if replan is not None:
        kept = _kept_from_plan(replan, scenario, faults)

    tasks: list[Task] = []
    for v in scenario.visits:
        wins = tuple(v.windows) or ((0, DAY_S),)
        t = Task(
            id=v.id,
            location=index[v.id],
            duration_s=v.duration_s,
            windows=wins,
            end_in_window=True,
            priority=v.priority,
            penalty=PENALTY[v.priority],
            days=tuple(v.days) or None,
            skill=v.skill,
            advisor_id=v.pinned_advisor or v.same_advisor,
            date=v.pinned_date,
            pinned_start_s=v.pinned_start_s,
            pinned=v.pinned_advisor is not None or v.pinned_date is not None,
            done=v.done,
            name=v.name,
        )
        if v.pinned_date is not None:
            t = replace(t, days=None)
        if v.pinned_start_s is not None:
            t = replace(t, windows=((v.pinned_start_s, v.pinned_start_s),), end_in_window=False)
        if v.id in kept:
            adv, day, start, done = kept[v.id]
            t = replace(t, advisor_id=adv, date=day, days=None, pinned=True, done=done or v.done)
            if start is not None:
                t = replace(t, windows=((start, start),), end_in_window=False, pinned_start_s=start)
        elif v.done:
            continue  # already made and not in a previous plan: nothing to plan
        tasks.append(t)
    if faults:
        raise InputError(faults)
    staff = tuple(Staff(a.id, a.name, frozenset(a.skills), tuple(a.days)) for a in scenario.advisors)
    return VisitProblem(
        location_ids=ids,
        duration_s=matrix.duration_s,
        distance_m=matrix.distance_m,
        vehicles=tuple(vehicles),
        tasks=tuple(tasks),
        name=scenario.name,
        week_start=cal.week_start,
        estimated=matrix.estimated,
        staff=staff,
        holidays=tuple(cal.holidays),
        site_names=tuple((st.id, st.name) for st in scenario.sites),
    )


def _kept_from_plan(plan: dict[str, Any], scenario: Scenario, faults: list[Fault]):
    """Stops of a previous plan that stay: visit id -> (advisor, date, start_s or None, done)."""
    src = "plan.json"
    week = plan.get("week_start")
    if week and week != scenario.calendar.week_start.isoformat():
        faults.append(
            Fault(src, None, "week_start", f"plan de la semaine du {week}, scénario de la semaine du {scenario.calendar.week_start.isoformat()}", "re-planifier avec le plan de la même semaine")
        )
        return {}
    visits = {v.id: v for v in scenario.visits}
    advisors = {a.id for a in scenario.advisors}
    kept = {}
    for r in plan.get("routes", []):
        adv = r.get("advisor_id")
        try:
            day = dt.date.fromisoformat(r.get("day", ""))
        except ValueError:
            faults.append(Fault(src, None, "day", f"date illisible '{r.get('day')}'", "écrire AAAA-MM-JJ"))
            continue
        for s in r.get("stops", []):
            vid = s.get("visit_id")
            v = visits.get(vid)
            if v is None:
                continue  # a visit no longer requested
            if not (s.get("pinned") or v.done or s.get("done")):
                continue
            if adv not in advisors:
                faults.append(Fault(src, None, "advisor_id", f"conseiller '{adv}' inconnu (visite {vid})", "corriger le plan ou la table des conseillers"))
                continue
            done = bool(v.done or s.get("done"))
            timed = done or bool(s.get("time_pinned")) or v.pinned_start_s is not None
            kept[vid] = (adv, day, _seconds(s, "start") if timed else None, done)
    return kept
