"""Loading and validating a scenario folder.

A scenario is a folder holding ``scenario.yaml`` and tables (``communes``,
``sites``, ``advisors``, ``visits``, ``residents``, ``bus``, ``commitments``), each
as ``.csv`` or ``.xlsx``. :func:`load_scenario` reads them, turns French cells
("9h30", "lun|mar", "46,436", "oui") into the units of :mod:`itinerant.scenario.model`,
checks every cross-reference, and either returns a frozen
:class:`~itinerant.scenario.model.Scenario` or raises :class:`~itinerant.core.errors.InputError`
once with *every* fault found. The format is described in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from itinerant.core.errors import Fault, InputError
from itinerant.scenario.bounds import TERRITORY_BUFFER_M, point_checks, territory_bounds
from itinerant.scenario.cells import DAY_NAMES_FR
from itinerant.scenario.columns import COLUMNS, REQUIRED_TABLES, TABLES
from itinerant.scenario.load_bus import load_buses, load_commitments
from itinerant.scenario.load_permanences import load_permanences
from itinerant.scenario.load_places import load_communes, load_residents, load_sites
from itinerant.scenario.load_visits import VisitContext, load_advisors, load_visits
from itinerant.scenario.meta import (
    french_holidays,
    load_calendar,
    load_settings,
    read_yaml,
)
from itinerant.scenario.model import (
    Scenario,
    Visit,
)
from itinerant.scenario.rows import (
    Collector,
    Row,
    Rows,
    resolve_columns,
    sorted_faults,
    suggest,
)
from itinerant.scenario.tables import TABLE_SUFFIXES, normalize_name, read_table
from itinerant.scenario.week import load_absences

__all__ = ["COLUMNS", "DAY_NAMES_FR", "TABLES", "TERRITORY_BUFFER_M", "french_holidays", "load_scenario", "read_visits", "validate_scenario"]


_TABLE_LIKE = (".txt", ".tsv", ".tab", ".xls", ".xlsm", ".ods", ".odt", ".json", ".dbf", ".numbers")
"""Extensions of files a coordinator may mean as a table but that are not read."""


def find_tables(folder: Path, out: Collector) -> dict[str, Path]:
    """Table name -> file, for every table file of ``folder``.

    Nothing is ignored silently: a table file in another format (``visits.txt``,
    ``visites.tsv``, ``.xls``, ``.ods``), a ``.csv``/``.xlsx`` file that is no known table
    (``visites_urgentes.csv``) and two files for one table are faults.
    """
    found: dict[str, Path] = {}
    stems = {normalize_name(stem): name for name, stems_ in TABLES.items() for stem in stems_}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue
        suffix = path.suffix.lower()
        name = stems.get(normalize_name(path.stem))
        if suffix not in TABLE_SUFFIXES:
            if name and suffix in _TABLE_LIKE:
                out.add(path.name, None, "", f"format {suffix} non lu pour la table '{name}'", f"enregistrer au format .csv ou .xlsx ({TABLES[name][0]}.csv)")
            continue
        if name is None:
            near = difflib.get_close_matches(normalize_name(path.stem), list(stems), n=1, cutoff=0.6)
            fix = f"vouliez-vous dire '{TABLES[stems[near[0]]][0]}{suffix}' ?" if near else ""
            known = ", ".join(stems_[0] for stems_ in TABLES.values())
            out.add(path.name, None, "", "table inconnue : ce fichier ne serait pas lu", fix or f"tables possibles : {known} ; sinon déplacer le fichier hors du dossier du scénario")
            continue
        if name in found:
            out.add(path.name, None, "", f"deux fichiers pour la table '{name}' ({found[name].name} et {path.name})", "n'en garder qu'un")
            continue
        found[name] = path
    for name in REQUIRED_TABLES:
        if name not in found:
            out.add(f"{name}.csv", None, "", "fichier absent", f"créer {name}.csv ou {name}.xlsx dans le dossier du scénario")
    return found


def read_rows(found: dict[str, Path], name: str, out: Collector) -> Rows | None:
    path = found.get(name)
    if path is None:
        return None
    table, faults = read_table(path)
    out.faults.extend(faults)
    if table is None:
        return None
    if table.dropped:
        out.damaged.add(name)
    return resolve_columns(table, name, out)


def validate_scenario(folder: Path | str) -> list[Fault]:
    """Every fault of a scenario folder (empty list when it loads).

    Parameters
    ----------
    folder
        The scenario folder (holding ``scenario.yaml``).
    """
    try:
        load_scenario(folder)
    except InputError as exc:
        return list(exc.faults)
    return []


def load_scenario(folder: Path | str, *, skip_visit_rows: Collection[int] = ()) -> Scenario:
    """Read, check and return the scenario in ``folder``.

    Parameters
    ----------
    folder
        A folder holding ``scenario.yaml`` and the tables (``communes``, ``sites``,
        and optionally ``advisors``, ``visits``, ``residents``, ``bus``,
        ``commitments``), each as ``.csv`` or ``.xlsx``.

    Returns
    -------
    Scenario
        Times in seconds since midnight, durations in seconds, distances in metres.

    Raises
    ------
    InputError
        With every fault found, in French, naming file, row and column.
    """
    folder = Path(folder).expanduser()
    out = Collector()
    if not folder.is_dir():
        raise InputError([Fault(str(folder), None, "", "dossier de scénario introuvable", "indiquer le dossier qui contient scenario.yaml")])

    doc = read_yaml(folder, out)
    meta = doc or {}
    found = find_tables(folder, out)
    tables = {name: read_rows(found, name, out) for name in TABLES}

    communes, declared_codes = load_communes(tables["communes"], out)
    by_code = {c.code: c for c in communes}
    territory = territory_bounds(communes, tables["communes"], out)
    communes_file = tables["communes"].file if tables["communes"] else "communes.csv"
    check_point, check_commune, finish_points = point_checks(by_code, declared_codes, territory, communes_file)

    sites, site_kinds = load_sites(tables["sites"], out, by_code, check_point, check_commune)
    site_ids = set(site_kinds)
    offices = [sid for sid, kind in site_kinds.items() if kind == "office"]

    def check_site(r: Row, sid: str | None, canon: str, what: str) -> bool:
        if sid is None or not site_ids:
            return sid is not None
        if sid not in site_ids:
            r.unknown("sites", canon, f"site '{sid}' inconnu ({what})", suggest(sid, site_ids) or "utiliser un id de la table sites")
            return False
        return True

    advisors, staff = load_advisors(tables["advisors"], out, offices, check_site)
    buses, bus_ids = load_buses(tables["bus"], meta.get("bus"), out, check_site)
    cycle_weeks = max([b.cycle_weeks for b in buses], default=1)
    calendar, week_known = load_calendar(meta.get("calendar"), out, cycle_weeks, yaml_read=doc is not None)
    residents, resident_ids = load_residents(tables["residents"], out, check_point, check_commune)
    absences = [ab for _, ab in load_absences(tables["absences"], out, staff, calendar, week_known=week_known)]
    visit_ctx = VisitContext.of(communes, residents, resident_ids, staff, calendar, check_point, check_commune,
                                week_known=week_known, absences=absences, skip_rows=skip_visit_rows)
    visits = load_visits(tables["visits"], out, visit_ctx)
    commitments = load_commitments(tables["commitments"], out, buses, bus_ids, check_site)
    permanences = load_permanences(tables["permanences"], out, site_kinds, advisors, cycle_weeks, check_site)
    settings = load_settings(meta.get("settings"), folder, out)
    finish_points(out)

    if out.faults:
        raise InputError(sorted_faults(out.faults))
    name = meta.get("name") or folder.name
    try:
        return Scenario(
            name=str(name),
            folder=folder.resolve(),
            title=str(meta.get("title") or ""),
            settings=settings,
            communes=tuple(communes),
            sites=tuple(sites),
            advisors=tuple(advisors),
            visits=tuple(visits),
            residents=tuple(residents),
            buses=tuple(buses),
            commitments=tuple(commitments),
            permanences=tuple(permanences),
            absences=tuple(absences),
            calendar=calendar,
            sources=str(meta.get("sources") or "").strip(),
        )
    except ValidationError as exc:  # pragma: no cover - every field was checked above
        raise InputError([Fault("scenario.yaml", None, "", f"scénario incohérent ({len(exc.errors())} champ(s) refusé(s))")]) from None


def read_visits(path: Path | str, scenario: Scenario) -> tuple[Visit, ...]:
    """Read an extra visits table (``.csv`` or ``.xlsx``) against a loaded scenario.

    Used to add requests to an existing plan (``itinerant visits --add NEW.csv``): the
    rows are checked like ``visits`` of the scenario (communes, residents, advisors,
    skills, calendar), and their ids must not clash with the scenario's visits.

    Raises
    ------
    InputError
        With every fault found.
    """
    path = Path(path)
    out = Collector()
    if path.is_dir():
        raise InputError([Fault(path.name, None, "", "c'est un dossier, pas un tableau de visites", "donner un fichier .csv ou .xlsx au format de visits")])
    if not path.is_file():
        raise InputError([Fault(path.name, None, "", "fichier introuvable", f"vérifier le chemin {path}")])
    rows = None
    if path.suffix.lower() not in TABLE_SUFFIXES:
        out.add(path.name, None, "", f"format {path.suffix or 'sans extension'} non pris en charge", "donner un fichier .csv ou .xlsx")
    else:
        table, faults = read_table(path)
        out.faults.extend(faults)
        rows = resolve_columns(table, "visits", out) if table is not None else None
    by_code = {c.code: c for c in scenario.communes}
    territory = territory_bounds(list(scenario.communes), None, Collector())
    check_point, check_commune, finish_points = point_checks(by_code, set(by_code), territory, "communes")
    staff = {a.id: (a.skills, a.days) for a in scenario.advisors}
    ctx = VisitContext.of(
        scenario.communes, scenario.residents, {r.id for r in scenario.residents}, staff,
        scenario.calendar, check_point, check_commune, absences=scenario.absences,
    )
    visits = load_visits(rows, out, ctx)
    finish_points(out)
    if rows is not None:
        known = {v.id for v in scenario.visits}
        for row, cells in rows.rows:
            vid = cells[rows.colmap["id"]]
            if vid in known:
                out.add(rows.file, row, rows.col("id"), f"identifiant '{vid}' déjà utilisé par une visite du scénario", "donner un nouvel identifiant")
    if out.faults:
        raise InputError(sorted_faults(out.faults))
    return tuple(visits)
