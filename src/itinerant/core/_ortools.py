"""The one module that imports OR-Tools.

The PyPI wheel (9.15) exposes ``ortools.constraint_solver.pywrapcp`` and
``routing_enums_pb2``; OR-Tools' main branch samples import an unreleased
``ortools.routing``. Keeping every import here means an upgrade touches one file.
"""

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.sat.python import cp_model

__all__ = ["pywrapcp", "routing_enums_pb2", "cp_model"]
