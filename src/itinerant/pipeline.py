"""The one module that knows the whole chain.

scenario -> territory -> matrices -> problem -> solver -> plan -> reports.

Every CLI command is one function here. Each takes a ``progress`` object (see
:func:`progress_display`) to report long steps, and returns what the CLI prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itinerant.core import atomic
from itinerant.core.errors import Fault, InputError, ItinerantError
from itinerant.scenario.model import Scenario
from itinerant.scenario.places import scenario_places

if TYPE_CHECKING:  # the matrices module loads scipy: imported when a command needs it
    from itinerant.matrices import ScenarioMatrices

if TYPE_CHECKING:
    from itinerant.antennes.results import Comparison

REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_SCENARIO = "clunisois"


# --------------------------------------------------------------------------- progress


class Progress:
    """Reports long steps; a silent one when ``quiet``."""

    def __init__(self, rich_progress: Any | None = None):
        self._rich = rich_progress

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Show ``label`` with a spinner while the block runs."""
        if self._rich is None:
            yield
            return
        task = self._rich.add_task(label, total=1)
        try:
            yield
        finally:
            self._rich.update(task, completed=1)


@contextlib.contextmanager
def progress_display(*, quiet: bool = False) -> Iterator[Progress]:
    """A rich progress display on stderr (nothing when ``quiet``)."""
    if quiet:
        yield Progress(None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    with RichProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=12),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as rich_progress:
        yield Progress(rich_progress)


QUIET = Progress(None)


# --------------------------------------------------------------------------- scenario


def resolve_scenario(folder: Path | None) -> Path:
    """The scenario folder: the given one, else ``scenarios/clunisois``."""
    if folder is not None:
        return Path(folder)
    for base in (Path.cwd() / "scenarios", REPO_SCENARIOS):
        if (base / DEFAULT_SCENARIO / "scenario.yaml").is_file():
            return base / DEFAULT_SCENARIO
    raise ItinerantError(
        "scénario par défaut introuvable : lancer depuis le dossier du projet "
        "ou donner le dossier du scénario"
    )


def validate(folder: Path, *, progress: Progress = QUIET) -> Scenario:
    """Load and validate a scenario folder (raises InputError listing every fault)."""
    from itinerant.scenario import load_scenario

    with progress.step("Lecture du scénario"):
        return load_scenario(Path(folder))


def _local_osm(osm_file: Path) -> Path:
    """The user's road file, which must exist on this machine (nothing is downloaded)."""
    osm_file = Path(osm_file)
    if not osm_file.is_file():
        raise InputError([_fault("--osm", f"fichier introuvable : {osm_file}",
                                 "donner un fichier OpenStreetMap local (.osm, .osm.bz2, .osm.pbf)")])
    return osm_file.resolve()


def _with_osm(scenario: Scenario, osm_file: Path | None) -> Scenario:
    """The scenario, with its road file replaced by ``osm_file`` when given."""
    if osm_file is None:
        return scenario
    settings = scenario.settings.model_copy(update={"osm_file": _local_osm(osm_file)})
    return scenario.model_copy(update={"settings": settings})


def _fault(column: str, message: str, fix: str = "") -> Fault:
    return Fault(file="", row=None, column=column, message=message, fix=fix)


@contextlib.contextmanager
def output_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces it as a whole at the end (see
    :func:`itinerant.core.atomic.staged_dir`): a killed run never leaves a mix of files.
    ``out`` is checked on entry, before any long step."""
    try:
        with atomic.staged_dir(out) as tmp:
            yield tmp
    except atomic.OutputFolderError as exc:
        raise InputError([_fault("--out", str(exc), "choisir un dossier nouveau ou vide, ou le dossier d'une sortie précédente")]) from None


def check_input_files(**files: Path | Sequence[Path] | None) -> None:
    """Every given input file exists and is a file (``--replan``, ``--add``, ``--previous``,
    ``--points``, variants): one fault per option, before anything long starts."""
    faults = []
    for option, value in files.items():
        paths = [] if value is None else [value] if isinstance(value, (str, Path)) else list(value)
        for path in map(Path, paths):
            flag = "variante" if option == "variants" else "--" + option.replace("_", "-")
            if path.is_dir():
                faults.append(_fault(flag, f"{path} est un dossier, pas un fichier", "indiquer le chemin d'un fichier"))
            elif not path.is_file():
                faults.append(_fault(flag, f"fichier introuvable : {path}", "vérifier le chemin"))
    if faults:
        raise InputError(faults)


def _moved(path: Path, tmp: Path, out: Path) -> Path:
    """Where ``path``, written under ``tmp``, lies once ``tmp`` became ``out``."""
    return Path(out) / Path(path).relative_to(tmp)


# --------------------------------------------------------------------------- territory


def territory_of(scenario: Scenario, *, progress: Progress = QUIET):
    """The road territory of a scenario, or None when it has no OSM file (estimated model)."""
    osm = scenario.settings.osm_file
    if osm is None:
        return None
    from itinerant.roads.territory import territory_for_scenario

    with progress.step(f"Graphe routier ({Path(osm).name})"):
        return territory_for_scenario(scenario)


def build_territory(
    folder: Path, *, osm_file: Path, progress: Progress = QUIET
) -> str:
    """Build and cache the territory of a scenario from a local OSM file."""
    scenario = _with_osm(validate(folder, progress=progress), osm_file)
    territory = territory_of(scenario, progress=progress)
    places = scenario_places(scenario)
    with progress.step("Rattachement des lieux au réseau"):
        from itinerant.matrices import matrices_for_scenario

        matrices_for_scenario(scenario, territory).drive()
    from itinerant.roads.territory import default_cache_dir

    osm = scenario.settings.osm_file
    assert osm is not None  # _with_osm above refuses a scenario without a road file
    return (
        f"Territoire prêt ({Path(osm).name}) : "
        f"{territory.drive.number_of_nodes()} nœuds routiers, "
        f"{territory.walk.number_of_nodes()} nœuds piétons ; {len(places)} lieux rattachés "
        f"à moins de {scenario.settings.max_snap_m} m. Cache : {default_cache_dir()}"
    )


# --------------------------------------------------------------------------- matrices


def points_matrix(
    points_csv: Path, out: Path, *, osm_file: Path | None, progress: Progress = QUIET
) -> Path:
    """``itinerant matrix``: drive matrix between the points of a CSV ``id,lat,lon``
    (on the roads of ``osm_file``, else on the estimated model)."""
    from itinerant.matrices import (
        drive_matrix,
        matrix_from_points_file,
        read_points_csv,
        save_npz,
    )

    check_input_files(points=points_csv)
    out = Path(out)
    if out.is_dir() or (out.exists() and not out.is_file()):
        raise InputError([_fault("--out", f"{out} est un dossier", "donner le nom du fichier .npz à écrire, par exemple matrice.npz")])
    if out.parent.exists() and not out.parent.is_dir():
        raise InputError([_fault("--out", f"{out.parent} est un fichier, pas un dossier", "donner un chemin dans un dossier")])
    if osm_file is not None:
        osm_file = _local_osm(osm_file)
    with progress.step("Matrice des trajets"):
        if osm_file is not None:
            matrix_from_points_file(osm_file, Path(points_csv), out)
        else:
            save_npz(drive_matrix(read_points_csv(Path(points_csv)), territory=None), out)
    return out


# --------------------------------------------------------------------------- helpers


def background_of(scenario: Scenario, matrices: ScenarioMatrices | None = None) -> Any:
    """What maps draw under the tiles (and alone offline): the scenario's commune
    boundaries and names, and the main roads when a road file was given."""
    from itinerant.reports.background import scenario_background

    bg = scenario_background(scenario)
    territory = matrices.territory if matrices is not None else None
    if territory is not None:
        bg = bg.with_roads(_main_roads(territory.drive))
    return bg


MAIN_ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary",
                        "motorway_link", "trunk_link", "primary_link", "secondary_link"})


def _main_roads(graph: Any) -> list[list[tuple[float, float]]]:
    """(lat, lon) polylines of the main roads of an osmnx drive graph, one per edge pair."""
    lines, seen = [], set()
    for u, v, data in graph.edges(data=True):
        kinds = data.get("highway")
        kinds = set(kinds) if isinstance(kinds, list) else {kinds}
        if not kinds & MAIN_ROADS or (v, u) in seen:
            continue
        seen.add((u, v))
        geom = data.get("geometry")
        if geom is not None:
            lines.append([(float(y), float(x)) for x, y in geom.coords])
        else:
            a, b = graph.nodes[u], graph.nodes[v]
            lines.append([(float(a["y"]), float(a["x"])), (float(b["y"]), float(b["x"]))])
    return lines


def _load(folder: Path | None, osm_file: Path | None, progress: Progress) -> tuple[Scenario, ScenarioMatrices]:
    scenario = _with_osm(validate(resolve_scenario(folder), progress=progress), osm_file)
    territory = territory_of(scenario, progress=progress)
    from itinerant.matrices import matrices_for_scenario

    return scenario, matrices_for_scenario(scenario, territory, progress=progress)


def _load_lenient(folder: Path | None, osm_file: Path | None, progress: Progress):
    """Like :func:`_load`, bad visit rows set aside: (scenario, matrices, rejected rows)."""
    from itinerant.matrices import matrices_for_scenario
    from itinerant.scenario.lenient import load_scenario_lenient

    with progress.step("Lecture du scénario"):
        scenario, rejected = load_scenario_lenient(resolve_scenario(folder))
    scenario = _with_osm(scenario, osm_file)
    territory = territory_of(scenario, progress=progress)
    return scenario, matrices_for_scenario(scenario, territory, progress=progress), rejected


def _estimated_note(matrices: ScenarioMatrices) -> str:
    return " (temps de trajet ESTIMÉS, sans réseau routier)" if matrices.estimated else ""


@dataclass(frozen=True)
class VisitsResult:
    """A solved week in memory: the scenario it was planned on (with added visits),
    its matrices, the typed plan and problem, and the plan document (``plan.json``)."""

    scenario: Scenario
    matrices: ScenarioMatrices
    plan: Any
    problem: Any
    doc: dict[str, Any]

    def summary(self) -> str:
        """One French paragraph on the plan (the plan's own summary), for the terminal."""
        return f"{self.plan.summary(self.scenario.settings.language)}{_estimated_note(self.matrices)}."


def parse_now(text: str) -> dt.datetime:
    """``--now``: ``AAAA-MM-JJTHH:MM`` or ``AAAA-MM-JJ HH:MM`` (local time)."""
    try:
        return dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1)).replace(tzinfo=None)
    except ValueError:
        raise InputError([_fault("--now", f"date et heure illisibles « {text} »",
                                 "écrire AAAA-MM-JJTHH:MM, par exemple 2026-12-01T18:30")]) from None


def _read_added(add: Path | None, scenario: Scenario, faults: list[Fault]) -> tuple[Any, ...]:
    """The urgent requests of ``--add`` (none without it); their faults (an id already
    used is one) go to ``faults``."""
    from itinerant.scenario import read_visits

    try:
        return read_visits(add, scenario) if add is not None else ()
    except InputError as exc:
        faults += exc.faults
        return ()


def _with_added(scenario: Scenario, matrices: ScenarioMatrices, added: Sequence[Any],
                progress: Progress) -> tuple[Scenario, ScenarioMatrices]:
    """The scenario with the urgent requests, and its matrices (unchanged without any)."""
    if not added:
        return scenario, matrices
    from itinerant.matrices import matrices_for_scenario
    from itinerant.visits.build import merge_visits

    scenario = merge_visits(scenario, added)
    return scenario, matrices_for_scenario(scenario, matrices.territory, progress=progress)


def plan_visits(
    scenario: Scenario,
    matrices: ScenarioMatrices,
    *,
    replan: Path | None = None,
    add: Path | None = None,
    engine: str = "auto",
    time_limit: float | None = None,
    progress: Progress = QUIET,
    now: dt.datetime | str | None = None,
    freeze_announced: bool = False,
    seed: int = 0,
    iterations: int | None = None,
    rejected: Sequence[Any] = (),
) -> VisitsResult:
    """Solve the week of home visits, in memory (nothing written).

    ``now``: nothing is placed before it (default: the current time with ``replan``);
    ``time_limit`` None: grows with the number of requests; the same ``seed`` and
    ``iterations`` give the same plan; ``freeze_announced``: a re-plan keeps every
    announced visit in its slot; ``rejected``: visit rows set aside by lenient loading,
    listed unassigned with their faults."""
    from itinerant.visits import SolveParams, problem_from_scenario, solve
    from itinerant.visits.io import plan_to_dict, read_plan

    if isinstance(now, str):
        now = parse_now(now)
    if replan is not None and now is None:
        now = dt.datetime.now().replace(second=0, microsecond=0)

    faults: list[Fault] = []
    previous = None
    added: tuple[Any, ...] = ()
    try:
        previous = read_plan(replan) if replan is not None else None
    except InputError as exc:
        faults += exc.faults
    added = _read_added(add, scenario, faults)
    if faults:
        raise InputError(faults)
    scenario, matrices = _with_added(scenario, matrices, added, progress)
    problem = problem_from_scenario(
        scenario, matrices.drive(), replan=previous, added_visits=added, now=now, rejected=rejected
    )
    if engine not in ("auto", "pyvrp", "ortools"):
        raise InputError([_fault("--engine", f"moteur inconnu « {engine} »", "auto, pyvrp ou ortools")])
    params = SolveParams(
        engine=engine,  # type: ignore[arg-type]  # checked against the engine names just above
        time_limit_s=time_limit, language=scenario.settings.language,
        seed=seed, iterations=iterations, freeze_announced=freeze_announced,
    )
    with progress.step(f"Tournées à domicile ({len(problem.tasks)} visites)"):
        plan = solve(problem, params)
    return VisitsResult(scenario, matrices, plan, problem, plan_to_dict(plan, problem))


def write_visits(
    result: VisitsResult, out: Path, *, reports: bool = True, progress: Progress = QUIET
) -> None:
    """Write a solved week into ``out``: the machine files (``plan.json``, ``routes.csv``,
    ``unassigned.csv``) and, with ``reports``, what people read: the route sheets (HTML;
    PDF per sheet and one per day), the week page and map, the French workbook and the
    French CSVs (``tournees.csv``, ``non_planifiees.csv``)."""
    from itinerant.visits.io import write_plan

    out = Path(out)
    with progress.step("Vérification et écriture du plan"):
        write_plan(result.plan, result.problem, out)
    if reports:
        from itinerant.reports import render_week

        scenario = result.scenario
        with progress.step("Feuilles de route, semaine et classeur"):
            render_week(scenario, result.doc, out, language=scenario.settings.language,
                        estimated=result.matrices.estimated,
                        geometry=result.matrices.geometry(),
                        background=background_of(scenario, result.matrices))


def run_visits(
    folder: Path | None,
    out: Path,
    *,
    replan: Path | None = None,
    add: Path | None = None,
    engine: str = "auto",
    time_limit: float | None = None,
    reports: bool = True,
    osm_file: Path | None = None,
    progress: Progress = QUIET,
    now: dt.datetime | str | None = None,
    freeze_announced: bool = False,
    seed: int = 0,
    iterations: int | None = None,
    strict: bool = False,
) -> str:
    """``itinerant visits``: plan the week of home visits and write it into ``out``
    (see :func:`write_visits`). Returns a one-paragraph French summary."""
    check_input_files(replan=replan, add=add)
    if add is not None and Path(out).resolve() in Path(add).resolve().parents:
        raise InputError([_fault("--add", f"{add} est dans le dossier de sortie {out}, remplacé en entier à la fin du calcul",
                                 "ranger ce fichier ailleurs (par exemple à côté du scénario)")])
    with output_folder(out) as tmp:
        rejected: Sequence[Any] = ()
        if strict:
            scenario, matrices = _load(folder, osm_file, progress)
        else:
            scenario, matrices, rejected = _load_lenient(folder, osm_file, progress)
        result = plan_visits(scenario, matrices, replan=replan, add=add, engine=engine,
                             time_limit=time_limit, progress=progress, now=now,
                             freeze_announced=freeze_announced, seed=seed, iterations=iterations,
                             rejected=rejected)
        write_visits(result, tmp, reports=reports, progress=progress)
    return f"{result.summary()} Fichiers : {Path(out)}"


@dataclass(frozen=True)
class BusResult:
    """A solved bus rota and what it was solved from (the reports take it as it is)."""

    scenario: Scenario
    matrices: ScenarioMatrices
    problem: Any
    rota: Any
    baseline: Any

    def summary(self) -> str:
        return f"{self.rota.summary(self.baseline)}{_estimated_note(self.matrices)}"


def plan_bus(
    scenario: Scenario,
    matrices: ScenarioMatrices,
    *,
    previous: Path | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    iterations: int | None = None,
    progress: Progress = QUIET,
) -> BusResult:
    """Solve the bus rota of a loaded scenario (nothing written). With ``iterations``
    the search is deterministic: one CP-SAT worker, ``iterations / 1000`` deterministic
    seconds per stage (same seed, same rota)."""
    from itinerant.bus import rota_from_scenario

    if not scenario.buses:
        raise InputError([_fault("bus", "le scénario ne décrit aucun bus", "ajouter une table bus")])
    drive, walk = matrices.drive(), matrices.walk_to_stops()
    with progress.step(f"Tournée du bus ({len(scenario.communes)} communes)"):
        problem, rota, base = rota_from_scenario(
            scenario, drive, walk, previous_timetable=previous, time_limit_s=time_limit,
            seed=seed, deterministic_s=None if iterations is None else iterations / 1000,
        )
    return BusResult(scenario, matrices, problem, rota, base)


def run_bus(
    folder: Path | None,
    out: Path,
    *,
    previous: Path | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    iterations: int | None = None,
    osm_file: Path | None = None,
    progress: Progress = QUIET,
    loaded: tuple[Scenario, ScenarioMatrices] | None = None,
) -> str:
    """``itinerant bus``: the regular bus rota; write timetable.csv, days.csv, kpis.json.
    Returns the rota's French summary."""
    from itinerant.bus import write_outputs

    check_input_files(previous=previous)
    with output_folder(out) as tmp:
        scenario, matrices = loaded or _load(folder, osm_file, progress)
        result = plan_bus(scenario, matrices, previous=previous, time_limit=time_limit,
                          seed=seed, iterations=iterations, progress=progress)
        with progress.step("Écriture de la tournée du bus"):
            write_outputs(tmp, result.problem, result.rota, result.baseline)
    return f"{result.summary()}\nFichiers : {Path(out)}"


def _variant_dir(scenario: Scenario) -> Path:
    return scenario.folder / "antennes"


def run_antennes(
    folder: Path | None,
    out: Path,
    *,
    model: str = "mclp",
    p: int = 1,
    minutes: int = 15,
    mode: str = "car",
    osm_file: Path | None = None,
    seed: int = 0,
    progress: Progress = QUIET,
) -> str:
    """``itinerant antennes``: place ``p`` new antennes among the candidate sites
    (``seed``: the solvers' random seed)."""
    from itinerant.antennes.variant import variant_from_dict

    with output_folder(out) as tmp:
        scenario, matrices = _load(folder, osm_file, progress)
        variant = variant_from_dict(
            {"title": f"{model}, p = {p}, {minutes} min", "model": model, "p": p,
             "minutes": minutes, "mode": mode},
            variant_id=f"{model}-p{p}-{minutes}min",
            file="ligne de commande",
        )
        variant = dataclasses.replace(variant, seed=seed)
        comparison = _compare(scenario, matrices, [variant], tmp, progress)
        _render_comparison(scenario, matrices, comparison, tmp, progress)
    v = comparison.variants[0]
    new = ", ".join(s.name for s in v.new_sites) or "aucune"
    status = "optimum prouvé" if v.optimal else f"écart {100 * v.gap:.1f} %"
    return (
        f"Antennes ({model}, p = {p}) : nouvelles antennes : {new} ; {v.covered()} personnes "
        f"peu mobiles à {minutes} min ou moins ; {status}{_estimated_note(matrices)}. "
        f"Fichiers : {Path(out)}"
    )


def _compare(scenario: Scenario, matrices: ScenarioMatrices, variants: list, out: Path,
             progress: Progress) -> Comparison:
    """Solve the variants on the access matrices of their modes (and today's sites by
    car); write comparison.json; return the :class:`Comparison`."""
    from itinerant.antennes.compare import compare, write_comparison_json

    by_mode = {m: matrices.residents_to_sites(m) for m in sorted({"car", *(v.mode for v in variants)})}
    with progress.step(f"Placement des antennes ({len(variants)} scénario(s))"):
        comparison = compare(scenario, by_mode, variants)
        write_comparison_json(comparison, Path(out) / "comparison.json")
    return comparison


def run_compare(
    folder: Path | None,
    variant_files: Sequence[Path],
    out: Path,
    *,
    osm_file: Path | None = None,
    progress: Progress = QUIET,
    loaded: tuple[Scenario, ScenarioMatrices] | None = None,
    render: bool = True,
    seed: int = 0,
) -> Any:
    """``itinerant antennes compare``: solve each variant, write comparison.json, and
    render the French report (HTML, PDF) and workbook. Returns the report's path, or
    the :class:`~itinerant.antennes.compare.Comparison` when ``render`` is False."""
    from itinerant.antennes.variant import check_variant, load_variant

    with output_folder(out) as tmp:
        scenario, matrices = loaded or _load(folder, osm_file, progress)
        faults: list[Fault] = []
        variants = []
        for path in variant_files:
            try:
                variants.append(dataclasses.replace(load_variant(path), seed=seed))
            except InputError as exc:
                faults.extend(exc.faults)
        if faults:  # every file's faults at once, those against the scenario included
            raise InputError(faults + [f for v in variants for f in check_variant(scenario, v)])
        comparison = _compare(scenario, matrices, variants, tmp, progress)
        if not render:
            return comparison
        report = _render_comparison(scenario, matrices, comparison, tmp, progress)
    return _moved(report, tmp, out)


def _render_comparison(scenario: Scenario, matrices: ScenarioMatrices, comparison: Comparison, out: Path,
                       progress: Progress) -> Path:
    """The French report (HTML, PDF) and Excel table of a comparison; returns the HTML."""
    from itinerant.reports import render_antennes_report

    with progress.step("Rapport de comparaison des antennes"):
        result = render_antennes_report(
            scenario, comparison, out, language=scenario.settings.language,
            estimated=matrices.estimated,
        )
    html = result["html"]
    assert html is not None  # the report's page is always written
    return Path(html)


# --------------------------------------------------------------------------- team week (issue 14)


def team_matrix(scenario: Scenario, matrices: ScenarioMatrices, progress: Progress = QUIET) -> Any:
    """The drive matrix of the team's week: the sites, the visits and the town halls
    where mairie sessions may be held (``mairie-<commune code>``).

    Parameters
    ----------
    scenario, matrices
        The scenario and its matrices (their territory snaps the town halls).
    progress
        Progress reporter (a step is shown when town halls are added).

    Returns
    -------
    TravelMatrix
        ``matrices.drive()`` itself when no request accepts the mairie; else a new
        matrix over those places (seconds and metres)."""
    from itinerant.matrices import drive_matrix
    from itinerant.scenario.places import scenario_places
    from itinerant.team.build import mairie_places

    halls = mairie_places(scenario)
    if not halls:
        return matrices.drive()
    with progress.step("Matrice des trajets (avec les mairies)"):
        return drive_matrix(scenario_places(scenario) + halls, territory=matrices.territory,
                            max_snap_m=scenario.settings.max_snap_m)


def _bus_week_from_timetable(scenario: Scenario, timetable: Path, week_number: int
                             ) -> tuple[dict[str, tuple[int, ...]], dict[str, dict[int, str]]]:
    """Weekdays the bus runs in cycle week ``week_number`` according to a ``timetable.csv``,
    and each day's stops in words (« 10:00-11:30 Blanot ; 12:30-14:00 Bray »: the crew's
    sheet), by bus id."""
    from itinerant.bus import read_timetable
    from itinerant.core.units import hhmm

    cycle = max((b.cycle_weeks for b in scenario.buses), default=4)
    rows = [r for r in read_timetable(timetable, cycle_weeks=cycle) if not r["weeks"] or week_number in r["weeks"]]
    communes = {c.code: c.name for c in scenario.communes}
    stops: dict[int, list[tuple[int, str]]] = {}
    for r in rows:
        stops.setdefault(r["weekday"], []).append(
            (r["start_s"], f"{hhmm(r['start_s'])}-{hhmm(r['end_s'])} {communes.get(r['commune_code'], r['commune_code'])}"))
    days = tuple(sorted(stops))
    text = {w: "Arrêts : " + " ; ".join(t for _, t in sorted(s)) for w, s in stops.items()}
    return {b.id: days for b in scenario.buses}, {b.id: text for b in scenario.buses}


def place_names(scenario: Scenario) -> dict[str, str]:
    """What people call each location id of the team's week, for ``week.json``.

    Returns
    -------
    dict
        Location id -> name: a site's name, a visit's commune name (the visit's own
        name stays private), ``mairie-<code>`` -> « mairie de <commune> »."""
    communes = {c.code: c.name for c in scenario.communes}
    names = {s.id: s.name for s in scenario.sites}
    names.update({v.id: communes.get(v.commune_code, v.commune_code) for v in scenario.visits})
    names.update({f"mairie-{c}": f"mairie de {n}" for c, n in communes.items()})
    return names


@dataclass(frozen=True)
class TeamWeek:
    """A planned team week: ``team, week = plan_team_week(...)`` unpacks the problem and
    its checked :class:`~itinerant.team.problem.TeamPlan`; :meth:`doc` is the whole
    ``week.json`` (with, in a re-plan, what was kept from before ``now``)."""

    scenario: Scenario
    """The scenario planned (with the added requests)."""
    matrices: Any
    team: Any
    week: Any
    replan: Any = None
    """The :class:`~itinerant.team.build.Replan` of a re-plan, else None."""

    def __iter__(self) -> Iterator[Any]:
        yield self.team
        yield self.week

    def doc(self) -> dict[str, Any]:
        """The ``week.json`` document (see :mod:`itinerant.team.io`)."""
        from itinerant.team.io import week_to_dict

        return week_to_dict(self.team, self.week, names=place_names(self.scenario), replan=self.replan)


def plan_team_week(scenario: Scenario, matrices: ScenarioMatrices, *, strategy: str = "integrated",
                   time_limit: float = 32.0, bus_timetable: Path | None = None, week_number: int = 1,
                   previous: Path | None = None, replan: Path | None = None,
                   now: dt.datetime | str | None = None, add: Path | None = None,
                   freeze_announced: bool = False, seed: int = 0, iterations: int | None = None,
                   progress: Progress = QUIET) -> TeamWeek:
    """Plan the team's week: ``(team, week)`` (a :class:`TeamWeek`).

    ``previous``: last week's ``week.json`` (its holders are preferred on the same duties);
    ``week_number``: cycle week of the planned week (its duties and bus days);
    ``replan``: this week's ``week.json`` being re-planned at ``now`` (default: the
    current time): duties begun and tours left before now are kept as made, the duties
    to come keep their announced holders while they can, the announced visits hold their
    slots; ``add``: new requests (a visits table); ``freeze_announced``: no announced
    visit moves for another; ``seed``: the solvers' seed."""
    from itinerant.team import WeekParams, plan_week
    from itinerant.team.build import previous_holders, replan_from_week, team_from_scenario
    from itinerant.visits.io import plan_doc_faults

    if strategy not in ("integrated", "sequential"):
        raise InputError([_fault("--strategy", f"stratégie inconnue « {strategy} »", "integrated ou sequential")])
    cycle = max((b.cycle_weeks for b in scenario.buses), default=4)
    if not 1 <= week_number <= max(cycle, *(w for p in scenario.permanences for w in p.weeks), 1):
        raise InputError([_fault("--semaine", f"semaine {week_number} hors du cycle (1 à {cycle})",
                                 f"donner un numéro de semaine entre 1 et {cycle}")])
    if isinstance(now, str):
        now = parse_now(now)
    if replan is not None and now is None:
        now = dt.datetime.now().replace(second=0, microsecond=0)
    faults: list[Fault] = []
    rp = held = None
    added: tuple[Any, ...] = ()
    try:
        held = previous_holders(_read_week_json(Path(previous), "--previous")) if previous is not None else None
    except InputError as exc:
        faults += exc.faults
    try:
        if replan is not None:
            assert now is not None
            old = _read_week_json(Path(replan), "--replan")
            if old.get("tours") is not None:
                if not isinstance(old["tours"], dict) or "routes" not in old["tours"]:
                    raise InputError([_fault("--replan", f"{replan} : tournées illisibles (clé 'tours')",
                                             "donner le week.json écrit par itinerant week")])
                faults += plan_doc_faults(old["tours"], f"{Path(replan).name} (tournées)")
            rp = replan_from_week(old, now, tours=None if old.get("tours") is not None else _tours_beside(Path(replan)))
            if old.get("week_start") and old["week_start"] != scenario.calendar.week_start.isoformat():
                faults.append(_fault("--replan", f"semaine du {old['week_start']}, scénario de la semaine du "
                                     f"{scenario.calendar.week_start.isoformat()}",
                                     "re-planifier avec le week.json de la même semaine"))
    except InputError as exc:
        faults += exc.faults
    added = _read_added(add, scenario, faults)
    if faults:
        raise InputError(faults)
    scenario, matrices = _with_added(scenario, matrices, added, progress)
    bus_days, bus_stops = (_bus_week_from_timetable(scenario, Path(bus_timetable), week_number)
                           if bus_timetable else (None, None))
    team = team_from_scenario(scenario, team_matrix(scenario, matrices, progress), now=now,
                              week_number=week_number, bus_days=bus_days, bus_stops=bus_stops,
                              previous=held, replan=rp)
    with progress.step(f"Semaine de l'équipe ({len(team.duties)} permanences, {len(team.visits.tasks)} visites)"):
        week = plan_week(team, WeekParams(strategy=strategy, time_limit_s=time_limit, seed=seed,
                                          language=scenario.settings.language,
                                          freeze_announced=freeze_announced, iterations=iterations))
    return TeamWeek(scenario, matrices, team, week, rp)


def _tours_beside(week_json: Path) -> dict[str, Any]:
    """The visit plan of an older ``week.json`` without its tours: ``tournees/plan.json``."""
    from itinerant.visits.io import read_plan

    path = week_json.parent / "tournees" / "plan.json"
    if not path.is_file():
        raise InputError([_fault("--replan", f"{week_json} ne contient pas les tournées et {path} est introuvable",
                                 "donner le week.json d'une sortie complète d'itinerant week")])
    return read_plan(path)


def _read_week_json(path: Path, option: str = "--previous") -> dict[str, Any]:
    """A ``week.json`` written by ``itinerant week`` (faults, not tracebacks, when it
    cannot be read)."""
    import json

    fix = "donner le week.json écrit par itinerant week"
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError([_fault(option, f"semaine {'précédente ' if option == '--previous' else ''}illisible : {path} ({'JSON invalide' if isinstance(exc, ValueError) else 'fichier illisible'})",
                                 fix)]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("duties"), list) or not all(
            isinstance(d, dict) and {"id", "day", "start", "end"} <= set(d) for d in doc["duties"]):
        raise InputError([_fault(option, f"{path} n'est pas un week.json d'itinerant week", fix)])
    from itinerant.core.units import parse_time

    faults = []
    for d in doc["duties"]:
        try:
            dt.date.fromisoformat(str(d["day"]))
            parse_time(str(d["start"]))
            parse_time(str(d["end"]))
            ok = isinstance(d.get("advisors", []), list)
        except (ValueError, TypeError):
            ok = False
        if not ok:
            faults.append(_fault(option, f"{Path(path).name} : permanence {d['id']} illisible (jour {d['day']!r}, "
                                         f"{d['start']!r}-{d['end']!r}, conseillers {d.get('advisors')!r})", fix))
    if faults:
        raise InputError(faults[:20])
    return doc


def week_summary(doc: dict[str, Any], note: str = "") -> str:
    """French summary of a ``week.json``: duties that cannot be staffed come first; a
    re-plan says what it kept and what changed."""
    lines = []
    for u in doc["unstaffed"]:
        lines.append(f"PERMANENCE NON TENUE : {u['name']} le {u['day']} {u['start']}-{u['end']} "
                     f"({u['missing']} conseiller(s) manquant(s)) : {u['reason']}")
    held = sum(1 for d in doc["duties"] if len(d["advisors"]) >= d["needed"])
    v = doc["visits"]
    def fr(x: float) -> str:
        return f"{x:.1f}".replace(".", ",").removesuffix(",0")

    hours = ", ".join(
        f"{m['name']} {fr(m['hours_h'])} h" + (f" sur {fr(m['contract_h'])} h" if m["contract_h"] else "")
        for m in doc["members"])
    lines.append(
        f"Semaine de l'équipe : {held} permanences tenues sur {len(doc['duties'])} ; "
        f"{v['served']} demandes de visite satisfaites sur {v['total']} ({v['at_home']} à domicile, "
        f"{v['in_mairie']} en mairie en {v['sessions_held']} séance(s)), {v['must_left_out']} obligatoire(s) "
        f"non planifiée(s) ; {v['km']:.0f} km{note}. Heures (contrat) : {hours}.")
    if doc.get("now"):
        made = sum(1 for d in doc["duties"] if d.get("made"))
        warn = len(doc["tours"].get("changes", []))
        lines.append(
            f"Re-planification du {doc['now'].replace('T', ' à ')} : {made} permanence(s) commencée(s) et "
            f"{v.get('made', 0)} visite(s) faite(s) avant gardées telles quelles ; "
            f"{warn} personne(s) à prévenir (tournees/a_prevenir.html) ; "
            f"{len(doc['duty_changes'])} permanence(s) changent de conseiller (changements_permanences.csv).")
    return "\n".join(lines)


def run_week(
    folder: Path | None,
    out: Path,
    *,
    strategy: str = "integrated",
    time_limit: float = 32.0,
    bus_timetable: Path | None = None,
    previous: Path | None = None,
    replan: Path | None = None,
    now: dt.datetime | str | None = None,
    add: Path | None = None,
    freeze_announced: bool = False,
    week_number: int = 1,
    seed: int = 0,
    iterations: int | None = None,
    osm_file: Path | None = None,
    progress: Progress = QUIET,
    loaded: tuple[Scenario, ScenarioMatrices] | None = None,
    render: bool = True,
) -> str:
    """``itinerant week``: one plan of the team's week (duties, tours, mairie sessions);
    writes week.json, board.csv, hours.csv, duties.csv, tournees/ and the page
    ``semaine_equipe.html`` with its workbook; a re-plan (``replan``, ``now``, ``add``,
    ``freeze_announced``: see :func:`plan_team_week`) also writes « À prévenir »
    (``a_prevenir.html``, ``changes.csv``) and ``changements_permanences.csv``.
    Returns the French summary."""
    check_input_files(bus_timetable=bus_timetable, previous=previous, replan=replan, add=add)
    if add is not None and Path(out).resolve() in Path(add).resolve().parents:
        raise InputError([_fault("--add", f"{add} est dans le dossier de sortie {out}, remplacé en entier à la fin du calcul",
                                 "ranger ce fichier ailleurs (par exemple à côté du scénario)")])
    if isinstance(now, str):
        now = parse_now(now)
    with output_folder(out) as tmp:
        scenario, matrices = loaded or _load(folder, osm_file, progress)
        if not scenario.advisors:
            raise InputError([_fault("advisors", "le scénario ne décrit aucun conseiller", "ajouter une table advisors")])
        result = plan_team_week(scenario, matrices, strategy=strategy, time_limit=time_limit,
                                bus_timetable=bus_timetable, previous=previous, replan=replan, now=now,
                                add=add, freeze_announced=freeze_announced, week_number=week_number,
                                seed=seed, iterations=iterations, progress=progress)
        doc = write_team_week(result, tmp, progress=progress, render=render)
    return week_summary(doc, _estimated_note(matrices)) + f" Fichiers : {Path(out)}"


def write_team_week(result: TeamWeek, out: Path, *, progress: Progress = QUIET, render: bool = True,
                    pdf: bool = True) -> dict[str, Any]:
    """Write a planned team week into ``out`` (see :func:`run_week`); returns ``week.json``."""
    from itinerant.team.io import write_week

    scenario, matrices = result.scenario, result.matrices
    with progress.step("Écriture de la semaine de l'équipe"):
        doc = result.doc()
        write_week(result.team, result.week, out, doc=doc)
    if render:
        from itinerant.reports import render_week
        from itinerant.reports.team import render_team_week, with_session_visits

        with progress.step("Rendu : feuilles de route des tournées de la semaine"):
            render_week(with_session_visits(scenario, doc), doc["tours"], out / "tournees",
                        language=scenario.settings.language, estimated=matrices.estimated,
                        geometry=matrices.geometry(), pdf=pdf, team=doc)
        with progress.step("Rendu : tableau de la semaine de l'équipe"):
            render_team_week(scenario, doc, out, language=scenario.settings.language,
                             estimated=matrices.estimated)
    return doc


def run_demo(
    folder: Path | None,
    out: Path,
    *,
    osm_file: Path | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    iterations: int | None = None,
    progress: Progress = QUIET,
) -> Path:
    """``itinerant demo``: the whole chain on a scenario; returns ``index.html``.

    Writes into ``out``: ``scenario/`` (the validated scenario as JSON),
    ``matrices/`` (.npz), ``bus/``, ``equipe/`` (the team's week, its bus days from the
    rota just made), ``visites/`` (the tours of that week: sheets with each advisor's
    duties, week page, workbook, ``plan.json``; a scenario without permanences nor bus
    gets the home-visit week alone), ``antennes/``, ``territoire/`` and ``index.html``
    linking them all.
    """

    with output_folder(out) as tmp:
        index = _demo(folder, tmp, osm_file=osm_file, time_limit=time_limit, progress=progress,
                      seed=seed, iterations=iterations)
    return _moved(index, tmp, out)


def _demo(folder: Path | None, out: Path, *, osm_file: Path | None, time_limit: float | None,
          progress: Progress, seed: int = 0, iterations: int | None = None) -> Path:
    from itinerant.matrices import save_npz
    from itinerant.reports import render_reports

    scenario, matrices = _load(folder, osm_file, progress)
    loaded = (scenario, matrices)
    limit: dict[str, Any] = {"time_limit": time_limit} if time_limit else {}  # else each default
    atomic.write_json(out / "scenario" / "scenario.json", scenario.model_dump(mode="json"))
    save_npz(matrices.drive(), out / "matrices" / "voiture.npz")
    if scenario.residents and any(s.kind == "bus_stop" for s in scenario.sites):
        save_npz(matrices.walk_to_stops(), out / "matrices" / "pieton_arrets.npz")
    plan_doc = bus_rota = comparison = team_doc = None
    if scenario.buses and scenario.residents:
        from itinerant.bus import write_outputs

        bus = plan_bus(scenario, matrices, progress=progress, seed=seed, iterations=iterations,
                       **limit)
        write_outputs(out / "bus", bus.problem, bus.rota, bus.baseline)
        bus_rota = bus.rota  # the reports render the object, not the files just written
    if scenario.advisors and (scenario.permanences or scenario.buses):
        # One week: the team's. Its tours are the week of home visits (visites/), planned
        # around the duties and the bus crew of the rota just made.
        from itinerant.team.io import write_week

        timetable = out / "bus" / "timetable.csv"
        team = plan_team_week(scenario, matrices, bus_timetable=timetable if timetable.is_file() else None,
                              seed=seed, iterations=iterations, progress=progress, **limit)
        with progress.step("Écriture de la semaine de l'équipe"):
            team_doc = team.doc()
            write_week(team.team, team.week, out / "equipe", doc=team_doc, tours_dir=out / "visites")
        plan_doc = team_doc["tours"]
    elif scenario.advisors and scenario.visits:
        week = plan_visits(scenario, matrices, progress=progress, seed=seed, iterations=iterations,
                           **limit)
        write_visits(week, out / "visites", reports=False, progress=progress)
        plan_doc = week.doc
    variants = sorted(_variant_dir(scenario).glob("*.yaml"))
    if variants and scenario.residents:
        comparison = run_compare(None, variants, out / "antennes", loaded=loaded,
                                 progress=progress, render=False, seed=seed)
    result = render_reports(
        scenario, out, plan=plan_doc, bus=bus_rota, comparison=comparison,
        language=scenario.settings.language, estimated=matrices.estimated,
        geometry=matrices.geometry(), background=background_of(scenario, matrices),
        progress=progress, team=team_doc,
    )
    return Path(result["index"])


__all__: Sequence[str] = [
    "build_territory",
    "points_matrix",
    "run_antennes",
    "run_bus",
    "run_compare",
    "run_demo",
    "run_visits",
    "validate",
    "run_week",
]
