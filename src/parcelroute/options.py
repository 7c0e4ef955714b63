"""Solve options, progress reports and the outcome of each half of a solve."""

from __future__ import annotations

import logging
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from parcelroute.result import BatchLoad, ParcelAssignment, VisitAssignment

__all__ = ["Deadline", "PartOutcome", "Progress", "ProgressCallback", "SolveOptions",
           "SubDeadline"]

logger = logging.getLogger("parcelroute")

#: Largest random seed (the solvers take 32-bit seeds, and no negative one).
MAX_SEED = 2**31 - 1
#: Most solver threads a solve accepts.
MAX_WORKERS = 64


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report while a solve runs.

    Attributes
    ----------
    phase : str
        What is being solved, e.g. ``"parcels: delivered_priority"``.
    elapsed : float
        Seconds since the solve started.
    incumbent, bound : float or None
        The best value found so far for the level being solved, and its
        best proven bound.
    """

    phase: str
    elapsed: float
    incumbent: float | None = None
    bound: float | None = None


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    Attributes
    ----------
    time_limit : float or None
        Wall-time limit in seconds for the whole solve (``None``: no limit).
    seed : int
        Random seed. Without a time limit the same seed and scenario give the same
        plan. Under a time limit the plan may also depend on how far each search
        got, and, with two workers or more, on which of two searches running side
        by side finished first (a level proven optimal keeps its value either way).
    relative_gap : float
        Stop a level once its relative gap is at most this (0: prove optimality).
    workers : int
        Solver threads.
    callback : callable or None
        Called with a :class:`Progress` on every new incumbent or bound.
    """

    time_limit: float | None = None
    seed: int = 0
    relative_gap: float = 0.0
    workers: int = 2
    callback: ProgressCallback | None = None

    def __post_init__(self) -> None:
        """Refuse a setting out of its range, naming it and the value received."""
        if self.time_limit is not None and not _is_number(self.time_limit, 0.0, math.inf):
            _refuse("time_limit", "a finite number of seconds greater than or equal to 0, "
                    "or None for no limit", self.time_limit)
        if not _is_whole(self.seed, 0, MAX_SEED):
            _refuse("seed", f"a whole number between 0 and {MAX_SEED}", self.seed)
        if not _is_number(self.relative_gap, 0.0, math.inf):
            _refuse("relative_gap", "a finite number greater than or equal to 0",
                    self.relative_gap)
        if not _is_whole(self.workers, 1, MAX_WORKERS):
            _refuse("workers", f"a whole number between 1 and {MAX_WORKERS}", self.workers)
        # NumPy scalars pass the checks above; the solvers get plain Python numbers
        if self.time_limit is not None:
            object.__setattr__(self, "time_limit", float(self.time_limit))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "relative_gap", float(self.relative_gap))
        object.__setattr__(self, "workers", int(self.workers))
        if self.callback is not None and not callable(self.callback):
            _refuse("callback", "a callable taking a Progress, or None", self.callback)

    def report(self, progress: Progress) -> None:
        """Send a progress report to the log and the callback.

        A value that is not finite (no incumbent or bound known yet) is sent as ``None``.
        """
        if not _finite(progress.incumbent) or not _finite(progress.bound):
            progress = Progress(progress.phase, progress.elapsed,
                                progress.incumbent if _finite(progress.incumbent) else None,
                                progress.bound if _finite(progress.bound) else None)
        logger.debug("%s: incumbent %s bound %s after %.2f s", progress.phase,
                     progress.incumbent, progress.bound, progress.elapsed)
        if self.callback is not None:
            self.callback(progress)


def _is_number(value: object, low: float, high: float) -> bool:
    """Whether ``value`` is a real number (not a bool) in ``[low, high)``, and finite."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    number = float(value)
    return math.isfinite(number) and low <= number < high


def _is_whole(value: object, low: int, high: int) -> bool:
    """Whether ``value`` is an int (not a bool) in ``[low, high]``."""
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and low <= int(value) <= high)


def _refuse(name: str, expected: str, value: object) -> NoReturn:
    raise ValueError(f"The '{name}' of a solve must be {expected}; got {value!r} instead.")


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


class Deadline:
    """The time left of a solve's wall-time limit."""

    def __init__(self, limit: float | None) -> None:
        self.start = time.perf_counter()
        self.limit = limit

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def left(self) -> float | None:
        """Seconds left (never negative), or ``None`` without a limit."""
        if self.limit is None:
            return None
        return max(0.0, self.limit - self.elapsed())

    def passed(self) -> bool:
        """Whether the limit has been reached (never, without one).

        The steps that only improve a plan or a bound are skipped once it has:
        past it, a solve only completes the plan it has and accounts for every item.
        """
        left = self.left()
        return left is not None and left <= 0.0

    def share(self, fraction: float, floor: float = 0.05) -> float | None:
        """A ``fraction`` of the time left (at least ``floor`` s), or ``None``."""
        left = self.left()
        return None if left is None else max(floor, left * fraction)


class SubDeadline(Deadline):
    """A deadline ``seconds`` from now, never later than ``parent``.

    Its clock is the parent's: :meth:`elapsed` counts from the start of the
    whole solve. A ``soft`` share (a part of a month among others) is a budget
    only: it has :meth:`passed` when its parent has, so that a part whose
    first plan takes longer than its share is still searched and bounded.
    """

    def __init__(self, parent: Deadline, seconds: float, *, soft: bool = False) -> None:
        super().__init__(None)
        self.start = parent.start
        self._parent = parent
        self._until = parent.elapsed() + max(0.0, seconds)
        self.limit = parent.limit
        self.soft = soft

    def left(self) -> float | None:
        """Seconds left of this share, and never more than the parent has left."""
        own = max(0.0, self._until - self.elapsed())
        parent = self._parent.left()
        return own if parent is None else min(own, parent)

    def passed(self) -> bool:
        """Whether this share (or, when ``soft``, the parent's limit) has been reached."""
        return self._parent.passed() if self.soft else super().passed()


@dataclass
class PartOutcome:
    """What one half (parcels or visits) of a solve produced.

    ``objective`` and ``bound`` hold that half's two levels.
    """

    objective: dict[str, float]
    bound: dict[str, float]
    parcels: tuple[ParcelAssignment, ...] = ()
    batches: tuple[BatchLoad, ...] = ()
    visits: tuple[VisitAssignment, ...] = ()
    stats: dict[str, float] = field(default_factory=dict)
    resume: object | None = None
    """What a later solve of the same half may go on from (the visits'
    :class:`~parcelroute.visits.solver.VisitResume`), if anything."""
