"""Command-line interface: parses arguments and calls :mod:`itinerant.pipeline`.

Nothing here knows how planning works; every command is one pipeline call. Input
errors are printed as a list of faults, exit code 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperGroup

from itinerant import pipeline
from itinerant.core.errors import InputError, ItinerantError


class _SolveByDefault(TyperGroup):
    """`itinerant antennes SCENARIO ...` means `itinerant antennes solve SCENARIO ...`."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
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


def _run(func, *args, quiet: bool = False, **kwargs):
    """Call a pipeline function with a progress display; print faults, no traceback."""
    try:
        with pipeline.progress_display(quiet=quiet) as progress:
            return func(*args, progress=progress, **kwargs)
    except InputError as exc:
        err.print(f"[bold red]{exc.args[0].splitlines()[0]}[/]")
        for fault in exc.faults:
            err.print(f"  - {fault}", markup=False, highlight=False, soft_wrap=True)
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
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Tout le parcours sur le scénario par défaut : matrices, tournées, bus, antennes, pages."""
    index = _run(pipeline.run_demo, scenario, out, osm_file=osm, quiet=quiet)
    if not quiet:
        out_console.print(f"Ouvrir [bold]{index}[/]")


@app.command()
def validate(scenario: Path = ScenarioArg) -> None:
    """Vérifie un scénario et liste toutes ses erreurs (code de sortie 1 s'il y en a)."""
    loaded = _run(pipeline.validate, scenario, quiet=True)
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
        reports=not no_reports,
        osm_file=osm,
        quiet=quiet,
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
    time_limit: float = typer.Option(40.0, "--time-limit", help="Secondes de calcul."),
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Planifie la semaine de l'équipe : permanences, bus, tournées et séances en mairie."""
    summary = _run(
        pipeline.run_week,
        scenario,
        out,
        strategy=strategy,
        bus_timetable=bus_timetable,
        time_limit=time_limit,
        osm_file=osm,
        quiet=quiet,
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
        osm_file=osm,
        quiet=quiet,
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
        quiet=quiet,
    )
    out_console.print(summary)


@antennes_app.command("compare")
def antennes_compare(
    scenario: Path = ScenarioArg,
    variants: list[Path] = typer.Argument(..., help="Fichiers de variantes (.yaml)."),
    out: Path = typer.Option(..., "--out", help="Dossier de sortie."),
    osm: Path | None = OsmOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Compare des scénarios d'antennes : rapport HTML en français et classeur Excel."""
    report = _run(
        pipeline.run_compare, scenario, variants, out, osm_file=osm, quiet=quiet
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


def main() -> None:
    """The ``itinerant`` console script and ``python -m itinerant``."""
    app()
