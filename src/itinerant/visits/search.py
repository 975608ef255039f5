"""Stopping the search: on time, or after a number of iterations (deterministic), and
whether the search had settled when it stopped.

Both engines report each new best solution to a :class:`SearchLog`; the plan's summary
says when the best was still improving in the last quarter of the run ("the search
stopped before it settled": give it more time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

SETTLED_SHARE = 0.75
"""The search has settled when its last improvement came before this share of the run."""


def default_time_limit(n_tasks: int) -> float:
    """Default search time for a week of ``n_tasks`` requests, seconds.

    15 s up to 120 requests, then 0.125 s per request (300 requests: 37.5 s), at most 75 s.
    The whole solve (search, repairs, reasons) stays within about 1.6 times this.
    """
    return float(min(75.0, max(15.0, 0.125 * n_tasks)))


@dataclass
class SearchLog:
    """What the engines tell about their search (filled as they run).

    Attributes
    ----------
    budget_s
        Time budget given, seconds (None when stopping on iterations).
    iterations
        Iteration budget (None when stopping on time).
    """

    budget_s: float | None = None
    iterations: int | None = None
    runs: list[tuple[float, float]] = field(default_factory=list)
    """Per engine run: (share of the run at the last improvement, run length in s)."""

    def settled(self) -> bool:
        """Whether every run's last improvement came before ``SETTLED_SHARE`` of it."""
        return all(share <= SETTLED_SHARE for share, _ in self.runs)


class Stop:
    """A PyVRP stopping criterion: time or iterations, recording the last improvement.

    With ``iterations`` set the time limit is ignored, so that the same seed and the
    same number of iterations always give the same result.
    """

    def __init__(self, max_s: float, iterations: int | None, log: SearchLog | None):
        self._t0 = time.perf_counter()
        self._max_s = max_s
        self._iterations = iterations
        self._log = log
        self._n = 0
        self._best: float | None = None
        self._last = 0.0

    def _progress(self) -> float:
        if self._iterations is not None:
            return float(self._n)
        return time.perf_counter() - self._t0

    def __call__(self, best_cost: float) -> bool:
        if self._best is None or best_cost < self._best:
            self._best = best_cost
            self._last = self._progress()
        self._n += 1
        if self._iterations is not None:
            done = self._n >= self._iterations
        else:
            done = time.perf_counter() - self._t0 >= self._max_s
        if done:
            self.record()
        return done

    def record(self) -> None:
        """Log this run (called when it stops)."""
        if self._log is None:
            return
        total = self._progress()
        share = self._last / total if total > 0 else 0.0
        self._log.runs.append((share, time.perf_counter() - self._t0))
        self._log = None  # once
