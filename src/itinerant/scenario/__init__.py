"""Scenarios: the frozen model, table reading, cell parsers and loading with every fault.

Modules, in reading order: ``model`` (the frozen Scenario), ``tables`` (CSV/XLSX ->
text cells), ``columns`` (table files and column names), ``cells`` (cell parsers),
``rows`` (row reader and fault collector), ``bounds`` (territory and place checks),
``meta`` (scenario.yaml), ``load_places`` / ``load_visits`` / ``load_bus`` (one loader
per table) and ``load`` (:func:`load_scenario`, :func:`read_visits`).
"""

from itinerant.core.units import parse_time
from itinerant.scenario.cells import (
    DAY_NAMES_FR,
    parse_bool,
    parse_date,
    parse_days,
    parse_duration,
    parse_float,
    parse_int,
    parse_window,
    parse_windows,
)
from itinerant.scenario.columns import COLUMNS, TABLES
from itinerant.scenario.load import load_scenario, read_visits, validate_scenario
from itinerant.scenario.meta import french_holidays

__all__ = [
    "COLUMNS",
    "DAY_NAMES_FR",
    "TABLES",
    "french_holidays",
    "load_scenario",
    "parse_bool",
    "parse_date",
    "parse_days",
    "parse_duration",
    "parse_float",
    "parse_int",
    "parse_time",
    "parse_window",
    "parse_windows",
    "read_visits",
    "validate_scenario",
]
