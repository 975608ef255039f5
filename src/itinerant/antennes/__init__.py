"""Antenne placement (MCLP, p-median, p-center, LSCP on CP-SAT) and scenario comparison.

- :mod:`~itinerant.antennes.models`: the one entry point to the exact models on plain
  matrices (one model per module: ``mclp``, ``pmedian``, ``pcenter``, ``lscp``; shared
  builders in ``base``; the p-median ``presolve``);
- :mod:`~itinerant.antennes.variant`: variant files (``docs/variants.md``) and site roles;
- :mod:`~itinerant.antennes.demand`: scenario + matrix -> merged demand rows;
- :mod:`~itinerant.antennes.solve`: one variant solved on a scenario;
- :mod:`~itinerant.antennes.compare`: every variant solved and measured beside today's sites;
- :mod:`~itinerant.antennes.results`: the typed :class:`Comparison` (KPIs per variant,
  today's sites, curve, ``summary()``, ``recommended()``) and comparison.json.
"""

from itinerant.antennes.compare import compare, measure
from itinerant.antennes.demand import Demand, build_demand
from itinerant.antennes.models import (
    MODELS,
    PlacementResult,
    solve_lscp,
    solve_mclp,
    solve_model,
    solve_pcenter,
    solve_pmedian,
)
from itinerant.antennes.results import Comparison, Kpis, VariantResult, read_comparison, write_comparison_json
from itinerant.antennes.solve import solve_demand, solve_variant
from itinerant.antennes.variant import PLACEABLE_KINDS, SiteRoles, Variant, load_variant, site_roles, variant_from_dict

__all__ = [
    "MODELS",
    "PLACEABLE_KINDS",
    "Comparison",
    "Demand",
    "Kpis",
    "PlacementResult",
    "SiteRoles",
    "Variant",
    "VariantResult",
    "build_demand",
    "compare",
    "load_variant",
    "measure",
    "read_comparison",
    "site_roles",
    "solve_demand",
    "solve_lscp",
    "solve_mclp",
    "solve_model",
    "solve_pcenter",
    "solve_pmedian",
    "solve_variant",
    "variant_from_dict",
    "write_comparison_json",
]
