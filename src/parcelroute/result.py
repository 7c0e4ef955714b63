"""The answer of a solve: a frozen :class:`Result` with its status, objective and bound."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

__all__ = [
    "LEVELS",
    "BatchLoad",
    "ParcelAssignment",
    "Reason",
    "Result",
    "Status",
    "VisitAssignment",
]


class Status(StrEnum):
    """How good a plan is known to be."""

    OPTIMAL = "optimal"
    """Every objective level equals its proven bound."""
    FEASIBLE = "feasible"
    """The plan keeps every rule, but some level is not proven optimal."""
    INFEASIBLE = "infeasible"
    """No plan keeps every rule."""
    UNKNOWN = "unknown"
    """Nothing could be decided in the time given."""


class Reason(StrEnum):
    """Why a parcel or a visit request was left out of the plan."""

    NO_COMPATIBLE_BATCH = "no_compatible_batch"
    RECIPIENT_LIMIT = "recipient_limit"
    CAPACITY = "capacity"
    #: A parcel whose every batch passes a crossing at its daily capacity (read in plans;
    #: parcelroute's own plans say ``capacity`` for a full batch and a full crossing alike).
    CROSSING_CAPACITY = "crossing_capacity"
    NO_SESSION = "no_session"
    DETAINEE_LIMIT = "detainee_limit"
    KEEP_APART = "keep_apart"
    NO_ESCORT = "no_escort"
    NO_SEAT = "no_seat"
    RECIPROCITY = "reciprocity"
    #: The search stopped before placing an item that could still be placed.
    TIME_LIMIT = "time_limit"
    #: A parcel of priority 0 that only a batch operated for it alone could carry, or a
    #: visit of priority 0 that only a transport not otherwise used could carry, left out
    #: to save that cost.
    COST = "cost"


#: Objective levels in the plan file: (name, sense), in strict order within each half.
LEVELS: tuple[tuple[str, str], ...] = (
    ("delivered_priority", "max"),
    ("batch_cost", "min"),
    ("visit_priority", "max"),
    ("transport_cost", "min"),
)


@dataclass(frozen=True, slots=True)
class ParcelAssignment:
    """Where one parcel goes: a batch and arrival date, or a reason it stays."""

    id: str
    batch: str | None = None
    arrives: dt.date | None = None
    reason: str | None = None
    detail: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the parcel rides a batch."""
        return self.batch is not None


@dataclass(frozen=True, slots=True)
class BatchLoad:
    """What one batch carries."""

    id: str
    operated: bool
    parcels: int
    weight_kg: float
    volume_l: float


@dataclass(frozen=True, slots=True)
class VisitAssignment:
    """One visit request: its session, escort and transport, or a reason it is refused."""

    id: str
    session: str | None = None
    escort: str | None = None
    transport: str | None = None
    reason: str | None = None
    detail: str | None = None

    @property
    def scheduled(self) -> bool:
        """Whether the request got a session."""
        return self.session is not None


def _gap(value: float, bound: float, sense: str) -> float:
    diff = (bound - value) if sense == "max" else (value - bound)
    if diff <= 0:
        return 0.0
    return diff / max(abs(bound), abs(value), 1e-9)


@dataclass(frozen=True)
class Result:
    """A plan and what is proven about it.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    status : Status
        ``optimal`` only when every level equals its proven bound.
    solve_seconds : float
        Wall time of the solve.
    objective, bound : dict of str to float
        Each level's value and its best proven bound (an upper bound for a
        maximised level, a lower bound for a minimised one, given the levels
        before it).
    parcels, batches, visits : tuple
        One record per parcel, batch and visit request, in scenario order.

    Examples
    --------
    >>> import parcelroute as pr
    >>> r = pr.Result("demo", pr.Status.OPTIMAL, 0.1,
    ...               {"delivered_priority": 3, "batch_cost": 10},
    ...               {"delivered_priority": 3, "batch_cost": 10})
    >>> r.gap("batch_cost")
    0.0
    """

    scenario: str
    status: Status
    solve_seconds: float
    objective: dict[str, float]
    bound: dict[str, float]
    parcels: tuple[ParcelAssignment, ...] = ()
    batches: tuple[BatchLoad, ...] = ()
    visits: tuple[VisitAssignment, ...] = ()
    stats: dict[str, float] = field(default_factory=dict, compare=False)

    def gap(self, level: str) -> float:
        """Relative gap between a level's value and its bound (0 when proven)."""
        sense = dict(LEVELS)[level]
        return _gap(self.objective.get(level, 0.0), self.bound.get(level, 0.0), sense)

    @property
    def max_gap(self) -> float:
        """The largest relative gap over all levels."""
        return max((self.gap(name) for name, _ in LEVELS if name in self.objective), default=0.0)

    @cached_property
    def parcel_by_id(self) -> dict[str, ParcelAssignment]:
        """Parcel records keyed by parcel id."""
        return {p.id: p for p in self.parcels}

    @cached_property
    def visit_by_id(self) -> dict[str, VisitAssignment]:
        """Visit records keyed by request id."""
        return {v.id: v for v in self.visits}

    @cached_property
    def batch_by_id(self) -> dict[str, BatchLoad]:
        """Batch records keyed by batch id."""
        return {b.id: b for b in self.batches}

    def summary(self) -> str:
        """A few lines a coordinator can read: status, counts, reasons, cost, gap, time."""
        lines = [f"status: {self.status.value}   time: {self.solve_seconds:.2f} s"]
        if self.parcels:
            sent = sum(p.delivered for p in self.parcels)
            reasons = Counter(p.reason for p in self.parcels if not p.delivered)
            used = sum(b.operated for b in self.batches)
            lines.append(
                f"parcels: {sent} of {len(self.parcels)} delivered "
                f"(priority {_num(self.objective['delivered_priority'])}, "
                f"bound {_num(self.bound['delivered_priority'])})"
            )
            if reasons:
                lines.append(
                    "  left out: " + ", ".join(f"{n} {r}" for r, n in reasons.most_common())
                )
            lines.append(
                f"batches: {used} of {len(self.batches)} operated, cost "
                f"{_num(self.objective['batch_cost'])} (bound {_num(self.bound['batch_cost'])})"
            )
        if self.visits:
            granted = sum(v.scheduled for v in self.visits)
            reasons = Counter(v.reason for v in self.visits if not v.scheduled)
            lines.append(
                f"visits: {granted} of {len(self.visits)} scheduled "
                f"(priority {_num(self.objective['visit_priority'])}, "
                f"bound {_num(self.bound['visit_priority'])}), transport cost "
                f"{_num(self.objective['transport_cost'])} "
                f"(bound {_num(self.bound['transport_cost'])})"
            )
            if reasons:
                lines.append(
                    "  refused: " + ", ".join(f"{n} {r}" for r, n in reasons.most_common())
                )
        lines.append(self._gap_line())
        return "\n".join(lines)

    def _gap_line(self) -> str:
        """The largest gap and the level it is of, then the other open levels' gaps."""
        gaps = sorted(((self.gap(name), name) for name, _ in LEVELS if name in self.objective
                       and self.gap(name) > 0), key=lambda g: -g[0])
        if not gaps:
            return f"gap: {100 * self.max_gap:.3f} %"
        (top, name), *rest = gaps
        others = "".join(f"; {n} {100 * g:.3f} %" for g, n in rest)
        return f"gap: {100 * top:.3f} % ({name}{others})"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"
