"""Command-line interface: parses arguments and calls :mod:`itinerant.pipeline`.

Nothing here knows how planning works; every command is one pipeline call. Input
errors are printed as a list of faults, exit code 1, never a traceback.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperGroup

from itinerant import pipeline
from itinerant.core.errors import InputError, ItinerantError


class _SolveByDefault(TyperGroup):
    """`itinerant antennes SCENARIO ...` means `itinerant antennes solve SCENARIO ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["solve", *args]
        return super().parse_args(ctx, args)

app = typer.Typer(
    help="itinerant : tournées à domicile, bus France services et antennes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
territory_app = typer.Typer(help="Réseau routier du territoire.", no_args_is_help=True)
antennes_app = typer.Typer(
    cls=_SolveByDefault,
    help="Placement des antennes : `antennes SCENARIO --model ...` ou `antennes compare`.",
    no_args_is_help=True,
)
app.add_typer(territory_app, name="territory")
app.add_typer(antennes_app, name="antennes")

err = Console(stderr=True)
out_console = Console(soft_wrap=True)

ScenarioArg = typer.Argument(..., help="Dossier du scénario (scenario.yaml + tables).")
QuietOpt = typer.Option(False, "--quiet", "-q", help="Sans barre de progression.")
OsmOpt = typer.Option(
    None, "--osm", help="Fichier OpenStreetMap local (.osm, .osm.bz2, .osm.pbf)."
)
SeedOpt = typer.Option(0, "--seed", help="Graine du hasard des solveurs (entier positif ou nul).")
IterationsOpt = typer.Option(
    None, "--iterations",
    help="Arrêt déterministe après N itérations (même graine et même N : même résultat) "
         "au lieu du temps de calcul.",
)

ENGINES = ("auto", "pyvrp", "ortools")
MODELS = ("mclp", "pmedian", "pcenter", "lscp")
STRATEGIES = ("integrated", "sequential")
MAX_TIME_LIMIT_S = 24 * 3600
MAX_ITERATIONS = 10_000_000
MAX_FAULTS_SHOWN = 100
"""Faults printed by a solving command (``validate`` prints them all)."""


class _BadOptions(Exception):
    def __init__(self, faults: list[str]):
        self.faults = faults


def _check_options(
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    iterations: int | None = None,
    engine: str | None = None,
    model: str | None = None,
    p: int | None = None,
    minutes: int | None = None,
    strategy: str | None = None,
    semaine: int | None = None,
    now: str | None = None,
) -> None:
    """Every bad option value, in French, before anything is read or solved (exit 2)."""
    faults = []
    if time_limit is not None and not (math.isfinite(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT_S):
        faults.append(f"--time-limit {time_limit:g} : écrire un nombre de secondes entre 0 et {MAX_TIME_LIMIT_S}, par exemple 15")
    if seed is not None and not 0 <= seed < 2**31:
        faults.append(f"--seed {seed} : écrire un entier positif ou nul, par exemple 0")
    if iterations is not None and not 0 < iterations <= MAX_ITERATIONS:
        faults.append(f"--iterations {iterations} : écrire un entier entre 1 et {MAX_ITERATIONS}, par exemple 2000")
    if engine is not None and engine not in ENGINES:
        faults.append(f"--engine « {engine} » : moteur inconnu (écrire {', '.join(ENGINES)})")
    if model is not None and model not in MODELS:
        faults.append(f"--model « {model} » : modèle inconnu (écrire {', '.join(MODELS)})")
    if p is not None and not 0 <= p <= 1000:
        faults.append(f"--p {p} : écrire un nombre d'antennes entre 0 et 1000")
    if minutes is not None and not 0 < minutes <= 600:
        faults.append(f"--minutes {minutes} : écrire un seuil en minutes entre 1 et 600")
    if strategy is not None and strategy not in STRATEGIES:
        faults.append(f"--strategy « {strategy} » : stratégie inconnue (écrire {' ou '.join(STRATEGIES)})")
    if semaine is not None and not 1 <= semaine <= 52:
        faults.append(f"--semaine {semaine} : écrire le numéro de la semaine dans le cycle, par exemple 1")
    if now is not None:
        try:
            pipeline.parse_now(now)
        except InputError:
            faults.append(f"--now « {now} » : date et heure illisibles (écrire AAAA-MM-JJTHH:MM, par exemple 2026-12-01T18:30)")
    if faults:
        raise _BadOptions(faults)


def _run(func, *args, quiet: bool = False, options: dict | None = None, show_all: bool = False, **kwargs):
    """Check ``options`` (exit 2), then call a pipeline function with a progress display;
    print faults (exit 1), never a traceback."""
    try:
        _check_options(**(options or {}))
    except _BadOptions as exc:
        err.print(f"[bold red]Option{'s' if len(exc.faults) > 1 else ''} invalide{'s' if len(exc.faults) > 1 else ''} :[/]")
        for message in exc.faults:
            err.print(f"  - {message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        with pipeline.progress_display(quiet=quiet) as progress:
            return func(*args, progress=progress, **kwargs)
    except InputError as exc:
        err.print(f"[bold red]{exc.args[0].splitlines()[0]}[/]")
        shown = exc.faults if show_all else exc.faults[:MAX_FAULTS_SHOWN]
        for fault in shown:
            err.print(f"  - {fault}", markup=False, highlight=False, soft_wrap=True)
        if len(exc.faults) > len(shown):
            rest = len(exc.faults) - MAX_FAULTS_SHOWN
            err.print(f"  … et {rest} autre{'s' if rest > 1 else ''} (itinerant validate les liste toutes dans le même ordre ; corriger d'abord celles-ci)",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except ItinerantError as exc:
        err.print(f"[bold red]Erreur :[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@app.command()
def demo(
    scenario: Path | None = typer.Argument(
        None, help="Dossier du scénario (défaut : scenarios/clunisois)."
    ),
    out: Path = typer.Option(Path("out/demo"), "--out", help="Dossier de sortie."),
    seed: int = SeedOpt,
    iterations: int | None = IterationsOpt,
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Tout le parcours sur le scénario par défaut : matrices, tournées, bus, antennes, pages."""
    index = _run(pipeline.run_demo, scenario, out, osm_file=osm, quiet=quiet, seed=seed, iterations=iterations,
                 options={"seed": seed, "iterations": iterations})
    if not quiet:
        out_console.print(f"Ouvrir [bold]{index}[/]")


@app.command()
def validate(scenario: Path = ScenarioArg) -> None:
    """Vérifie un scénario et liste toutes ses erreurs (code de sortie 1 s'il y en a)."""
    loaded = _run(pipeline.validate, scenario, quiet=True, show_all=True)
    out_console.print(
        f"Scénario « {loaded.name} » valide : {len(loaded.communes)} communes, "
        f"{len(loaded.sites)} lieux, {len(loaded.advisors)} conseillers, "
        f"{len(loaded.visits)} demandes de visite, {len(loaded.residents)} habitants."
    )


@territory_app.command("build")
def territory_build(
    scenario: Path = ScenarioArg,
    osm: Path = typer.Option(..., "--osm", help="Fichier OpenStreetMap local."),
    quiet: bool = QuietOpt,
) -> None:
    """Construit (et met en cache) les graphes routier et piéton du territoire."""
    summary = _run(pipeline.build_territory, scenario, osm_file=osm, quiet=quiet)
    out_console.print(summary)


@app.command()
def matrix(
    osm: Path | None = OsmOpt,
    points: Path = typer.Option(..., "--points", help="CSV id,lat,lon."),
    out: Path = typer.Option(..., "--out", help="Fichier .npz à écrire."),
    quiet: bool = QuietOpt,
) -> None:
    """Matrices durée (s) et distance (m) en voiture entre des points (id,lat,lon)."""
    path = _run(pipeline.points_matrix, points, out, osm_file=osm, quiet=quiet)
    out_console.print(f"Écrit {path}")


@app.command()
def visits(
    scenario: Path = ScenarioArg,
    out: Path = typer.Option(..., "--out", help="Dossier de sortie."),
    replan: Path | None = typer.Option(None, "--replan", help="plan.json à reprendre."),
    add: Path | None = typer.Option(None, "--add", help="Nouvelles demandes (CSV)."),
    engine: str = typer.Option("auto", "--engine", help="auto, pyvrp ou ortools."),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="Secondes de calcul (par défaut : selon le nombre de demandes)."),
    now: str | None = typer.Option(
        None, "--now", help="Maintenant, AAAA-MM-JJTHH:MM : rien n'est placé avant (défaut avec --replan : l'heure actuelle)."),
    freeze_announced: bool = typer.Option(
        False, "--freeze-announced", help="Re-planification : garder toutes les visites annoncées à leur place."),
    strict: bool = typer.Option(
        False, "--strict", help="Une ligne de visite erronée bloque tout (par défaut : écartée et listée)."),
    seed: int = SeedOpt,
    iterations: int | None = IterationsOpt,
    no_reports: bool = typer.Option(
        False, "--no-reports",
        help="Sans feuilles de route, page de la semaine, classeur ni CSV en français.",
    ),
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Planifie la semaine de visites à domicile : plan.json, routes.csv, unassigned.csv,
    et (sauf --no-reports) les feuilles de route HTML et PDF (feuilles/), la page et la
    carte de la semaine, le classeur semaine.xlsx, tournees.csv et non_planifiees.csv."""
    summary = _run(
        pipeline.run_visits,
        scenario,
        out,
        replan=replan,
        add=add,
        engine=engine,
        time_limit=time_limit,
        now=now,
        freeze_announced=freeze_announced,
        strict=strict,
        seed=seed,
        iterations=iterations,
        reports=not no_reports,
        osm_file=osm,
        quiet=quiet,
        options={"engine": engine, "time_limit": time_limit, "seed": seed, "iterations": iterations},
    )
    out_console.print(summary)


@app.command()
def week(
    scenario: Path = ScenarioArg,
    out: Path = typer.Option(..., "--out", help="Dossier de sortie."),
    strategy: str = typer.Option(
        "integrated", "--strategy", help="integrated (tout ensemble) ou sequential (permanences puis visites)."
    ),
    bus_timetable: Path | None = typer.Option(
        None, "--bus-timetable", help="timetable.csv du bus : ses jours de la semaine (défaut : jours du bus)."
    ),
    previous: Path | None = typer.Option(
        None, "--previous", help="week.json de la semaine précédente : mêmes conseillers aux mêmes permanences."
    ),
    replan: Path | None = typer.Option(
        None, "--replan", help="week.json de cette semaine à re-planifier à partir de maintenant."),
    now: str | None = typer.Option(
        None, "--now", help="Maintenant, AAAA-MM-JJTHH:MM : ce qui a commencé avant est gardé, rien n'est placé avant "
                            "(défaut avec --replan : l'heure actuelle)."),
    add: Path | None = typer.Option(None, "--add", help="Nouvelles demandes de visite (CSV ou Excel)."),
    freeze_announced: bool = typer.Option(
        False, "--freeze-announced", help="Re-planification : garder toutes les visites annoncées à leur place."),
    semaine: int = typer.Option(1, "--semaine", help="Numéro de la semaine dans le cycle (1 = celle de week_start)."),
    time_limit: float = typer.Option(32.0, "--time-limit", help="Secondes de calcul."),
    seed: int = SeedOpt,
    iterations: int | None = IterationsOpt,
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Planifie la semaine de l'équipe : permanences, bus, tournées et séances en mairie ;
    avec --replan, la re-planifie en cours de semaine (le passé gardé, les changements listés)."""
    summary = _run(
        pipeline.run_week,
        scenario,
        out,
        strategy=strategy,
        bus_timetable=bus_timetable,
        previous=previous,
        replan=replan,
        now=now,
        add=add,
        freeze_announced=freeze_announced,
        week_number=semaine,
        seed=seed,
        iterations=iterations,
        time_limit=time_limit,
        osm_file=osm,
        quiet=quiet,
        options={"time_limit": time_limit, "strategy": strategy, "seed": seed, "semaine": semaine,
                 "now": now, "iterations": iterations},
    )
    out_console.print(summary)


@app.command()
def bus(
    scenario: Path = ScenarioArg,
    out: Path = typer.Option(..., "--out", help="Dossier de sortie."),
    previous: Path | None = typer.Option(
        None, "--previous", help="timetable.csv publié, pour limiter les changements."
    ),
    time_limit: float = typer.Option(30.0, "--time-limit", help="Secondes de calcul."),
    seed: int = SeedOpt,
    iterations: int | None = IterationsOpt,
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Calcule la tournée régulière du bus (timetable.csv, days.csv, kpis.json)."""
    summary = _run(
        pipeline.run_bus,
        scenario,
        out,
        previous=previous,
        time_limit=time_limit,
        seed=seed,
        iterations=iterations,
        osm_file=osm,
        quiet=quiet,
        options={"time_limit": time_limit, "seed": seed, "iterations": iterations},
    )
    out_console.print(summary)


@antennes_app.command("solve")
def antennes_solve(
    scenario: Path = ScenarioArg,
    model: str = typer.Option("mclp", "--model", help="mclp, pmedian, pcenter ou lscp."),
    p: int = typer.Option(1, "--p", help="Nombre de nouvelles antennes."),
    minutes: int = typer.Option(15, "--minutes", help="Seuil de couverture (min)."),
    out: Path = typer.Option(..., "--out", help="Dossier de sortie."),
    osm: Path | None = OsmOpt,
    seed: int = SeedOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Place de nouvelles antennes avec un modèle exact."""
    summary = _run(
        pipeline.run_antennes,
        scenario,
        out,
        model=model,
        p=p,
        minutes=minutes,
        osm_file=osm,
        seed=seed,
        quiet=quiet,
        options={"model": model, "p": p, "minutes": minutes, "seed": seed},
    )
    out_console.print(summary)


@antennes_app.command("compare")
def antennes_compare(
    scenario: Path = ScenarioArg,
    variants: list[Path] = typer.Argument(..., help="Fichiers de variantes (.yaml)."),
    out: Path = typer.Option(..., "--out", help="Dossier de sortie."),
    osm: Path | None = OsmOpt,
    seed: int = SeedOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Compare des scénarios d'antennes : rapport HTML en français et classeur Excel."""
    report = _run(
        pipeline.run_compare, scenario, variants, out, osm_file=osm, seed=seed, quiet=quiet,
        options={"seed": seed},
    )
    out_console.print(f"Rapport : {report}")


@app.command()
def serve(
    scenario: Path | None = typer.Argument(
        None, help="Dossier d'un scénario à importer au démarrage (facultatif)."
    ),
    host: str = typer.Option(
        "127.0.0.1", "--host",
        help="Adresse d'écoute ; 0.0.0.0 ouvre le bureau au réseau de l'équipe (avec un avertissement).",
    ),
    port: int = typer.Option(8000, "--port", help="Port."),
) -> None:
    """Ouvre le bureau de la coordination (application web locale) sur http://127.0.0.1:8000."""
    from itinerant.desk.server import serve as serve_desk

    try:
        serve_desk(scenario, host=host, port=port, say=out_console.print)
    except InputError as exc:
        err.print(f"[bold red]{exc.args[0].splitlines()[0]}[/]")
        raise typer.Exit(1) from None


_UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _usage_fr(exc: Exception) -> str:
    """A French sentence for a command-line usage error of the argument parser."""
    name = type(exc).__name__
    param = getattr(exc, "param", None)
    opt = "/".join(getattr(param, "opts", []) or []) or (getattr(param, "name", "") or "")
    if getattr(param, "param_type_name", "") == "argument":
        opt = opt.upper()
    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if name == "NoSuchOption":
        near = getattr(exc, "possibilities", None)
        hint = f" (options proches : {', '.join(sorted(near))})" if near else ""
        return f"option inconnue : {getattr(exc, 'option_name', '')}{hint}"
    if name == "MissingParameter":
        kind = getattr(param, "param_type_name", "option")
        return f"{'argument obligatoire absent' if kind == 'argument' else 'option obligatoire absente'} : {opt}"
    if "requires an argument" in text:
        return f"l'option {getattr(exc, 'option_name', '') or text.split(chr(39))[1]} demande une valeur"
    if name == "BadParameter":
        low = text.lower()
        want = "un nombre entier" if "integer" in low else "un nombre" if "number" in low or "float" in low else "une valeur valide"
        return f"valeur invalide pour {opt} : écrire {want}"
    if text.startswith("No such command"):
        return f"commande inconnue : {text.split(chr(39))[1] if chr(39) in text else text}"
    if text.startswith("Got unexpected extra argument"):
        return f"argument en trop : {text.rsplit('(', 1)[-1].rstrip(')')}"
    return f"utilisation incorrecte ({text})"


def main(argv: list[str] | None = None) -> None:
    """The ``itinerant`` console script and ``python -m itinerant``.

    Exit codes: 0 done, 1 bad data (every fault listed), 2 bad option or usage, 3 an
    internal error (a bug: reported in one line, without traceback)."""
    try:
        code = app(argv, standalone_mode=False)
    except _UsageError as exc:
        err.print(f"[bold red]Utilisation incorrecte :[/] {_usage_fr(exc)}", highlight=False, soft_wrap=True)
        err.print("  (voir itinerant --help, ou itinerant COMMANDE --help)", highlight=False)
        sys.exit(2)
    except (KeyboardInterrupt, EOFError):
        err.print("Interrompu.")
        sys.exit(130)
    except typer.Abort:
        err.print("Interrompu.")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last resort: a bug, never a traceback for users
        err.print(f"[bold red]Erreur interne (à signaler) :[/] {type(exc).__name__}: {exc}", highlight=False, soft_wrap=True)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
