"""Errors of itinerant.

One base, :class:`ItinerantError`. Input errors also subclass :class:`ValueError`
(the osmnx rule) and carry *every* fault found, so the user fixes all at once.
A visit that cannot be planned is never an exception: it goes to the plan's
unassigned list with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass


class ItinerantError(Exception):
    """Base class of every error raised on purpose by itinerant."""


@dataclass(frozen=True)
class Fault:
    """One fault in the user's input.

    Attributes
    ----------
    file
        File name as the user knows it (``"visits.csv"``), or ``""``.
    row
        1-based data row number as seen in a spreadsheet (header is row 1, so the
        first data row is 2), or ``None`` when the fault is not tied to a row.
    column
        Column name, or ``""``.
    message
        What is wrong, in plain words.
    fix
        What to write instead, or ``""``.
    """

    file: str
    row: int | None
    column: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column:
            where.append(f"colonne '{self.column}'")
        text = ", ".join(where)
        text = f"{text} : {self.message}" if text else self.message
        if self.fix:
            text += f" ({self.fix})"
        return text


class InputError(ItinerantError, ValueError):
    """Bad input: holds every :class:`Fault` found, raised once."""

    def __init__(self, faults: list[Fault] | tuple[Fault, ...]):
        self.faults = tuple(faults)
        n = len(self.faults)
        head = f"{n} erreur{'s' if n > 1 else ''} dans les données :"
        super().__init__("\n".join([head, *(f"  - {f}" for f in self.faults)]))


class TerritoryError(ItinerantError, ValueError):
    """A road file cannot be read, or a place is too far from any road."""


class SolverError(ItinerantError):
    """A solver failed for a reason that is not the data's (should not happen)."""
