"""Antenne placement (MCLP, p-median, p-center, LSCP on CP-SAT) and scenario comparison.

- :mod:`itinerant.antennes.models`: the exact models on plain matrices;
- :mod:`itinerant.antennes.build`: variants (YAML) and scenario + matrix -> model inputs;
- :mod:`itinerant.antennes.compare`: the comparison tables, comparison.json and .xlsx.
"""

from itinerant.antennes.build import (
    Variant,
    build_demand,
    load_variant,
    site_roles,
    solve_variant,
    variant_from_dict,
)
from itinerant.antennes.compare import compare, comparison_data
from itinerant.antennes.models import (
    MODELS,
    PlacementResult,
    solve_lscp,
    solve_mclp,
    solve_model,
    solve_pcenter,
    solve_pmedian,
)

__all__ = [
    "MODELS",
    "PlacementResult",
    "Variant",
    "build_demand",
    "compare",
    "comparison_data",
    "load_variant",
    "site_roles",
    "solve_lscp",
    "solve_mclp",
    "solve_model",
    "solve_pcenter",
    "solve_pmedian",
    "solve_variant",
    "variant_from_dict",
]
