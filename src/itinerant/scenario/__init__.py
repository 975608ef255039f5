"""Scenarios: the frozen model, table reading, cell parsers and loading with every fault."""

from itinerant.scenario.load import (
    DAY_NAMES_FR,
    french_holidays,
    load_scenario,
    parse_date,
    parse_days,
    parse_duration,
    parse_time,
    parse_window,
    parse_windows,
    read_visits,
    validate_scenario,
)

__all__ = [
    "DAY_NAMES_FR",
    "french_holidays",
    "load_scenario",
    "parse_date",
    "parse_days",
    "parse_duration",
    "parse_time",
    "parse_window",
    "parse_windows",
    "read_visits",
    "validate_scenario",
]
