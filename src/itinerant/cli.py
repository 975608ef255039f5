"""Command-line interface (placeholder; wired by the pipeline work)."""
import typer

app = typer.Typer(help="itinerant")
