"""Immutable, validated scenario data.

Objects of these classes are made by :func:`parcelroute.read_scenario` (from a
file), :func:`parcelroute.read_scenario_dict` (from parsed JSON) or
:class:`parcelroute.ScenarioBuilder` (in code). All three validate the data
first, so a :class:`Scenario` in hand is always consistent: ids are unique,
references resolve, numbers are in range and batch routes exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parcelroute.model.network import Network

__all__ = [
    "Batch",
    "DateRange",
    "Defaults",
    "Detainee",
    "Escort",
    "Link",
    "Node",
    "Parcel",
    "Reciprocity",
    "Scenario",
    "Session",
    "Transport",
    "VisitRequest",
]

SCENARIO_FORMAT = "parcelroute-scenario/1"


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of dates, ``start`` to ``end``."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Node:
    """A place in the network: hub, crossing point, facility or city.

    ``daily_capacity`` is the number of parcels the node inspects per date
    (``None``: unlimited); ``dwell_hours`` is how long a batch stays when the
    node is one of its stops.
    """

    id: str
    kind: str = "facility"
    daily_capacity: int | None = None
    dwell_hours: float = 0.0


@dataclass(frozen=True, slots=True)
class Link:
    """A road, rail or hand-over link taking ``hours`` to travel."""

    source: str
    target: str
    hours: float
    directed: bool = False


@dataclass(frozen=True, slots=True)
class Defaults:
    """Scenario-wide defaults for the per-detainee parcel limits."""

    max_parcels_per_detainee: int | None = None
    max_weight_kg_per_detainee: float | None = None


@dataclass(frozen=True, slots=True)
class Detainee:
    """A detained person who receives parcels and visits."""

    id: str
    side: str | None = None
    facility: str | None = None
    max_parcels: int | None = None
    max_weight_kg: float | None = None
    max_visits: int = 1
    unavailable: frozenset[dt.date] = frozenset()
    keep_apart: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel from home, ready at its ``origin`` hub and due at ``destination``.

    ``volume_l`` may be left out of a scenario file (it then counts as 0).
    """

    id: str
    origin: str
    destination: str
    weight_kg: float
    volume_l: float
    ready: dt.date
    due: dt.date
    recipient: str | None = None
    priority: int = 1
    category: str = "standard"


@dataclass(frozen=True, slots=True)
class Batch:
    """A transport batch: leaves ``origin`` on ``departs`` and calls at ``stops``.

    A missing capacity (``None``) is no limit; ``accepts`` of ``None`` takes
    every category.
    """

    id: str
    origin: str
    departs: dt.date
    stops: tuple[str, ...]
    max_weight_kg: float | None = None
    max_volume_l: float | None = None
    max_parcels: int | None = None
    cost: float = 0.0
    accepts: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A visit session at a facility."""

    id: str
    facility: str
    date: dt.date
    start: dt.time
    end: dt.time
    capacity: int
    max_visitors: int | None = None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class VisitRequest:
    """A family's request to visit a detainee."""

    id: str
    detainee: str
    available: tuple[DateRange, ...]
    visitors: int = 1
    priority: int = 1
    language: str | None = None
    transport_from: str | None = None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Escort:
    """An escort or interpreter who accompanies visits."""

    id: str
    languages: frozenset[str]
    available: tuple[DateRange, ...]
    max_visits_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class Transport:
    """An organised transport (a bus) from a city to a facility on one date."""

    id: str
    origin: str
    facility: str
    date: dt.date
    seats: int
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Reciprocity:
    """The agreement that both sides' detainees get about as many visits."""

    max_difference: int


@dataclass(frozen=True)
class Scenario:
    """One month (or any horizon) of parcels and visits to plan.

    Build it with :func:`parcelroute.read_scenario`,
    :func:`parcelroute.read_scenario_dict` or
    :class:`parcelroute.ScenarioBuilder`; they validate the data.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="tiny")
    >>> b.add_node("HUB", kind="hub").add_node("F-1")
    ScenarioBuilder(name='tiny')
    >>> b.add_link("HUB", "F-1", hours=5)
    ScenarioBuilder(name='tiny')
    >>> b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=2,
    ...              volume_l=3, ready="2026-12-01", due="2026-12-05")
    ScenarioBuilder(name='tiny')
    >>> scenario = b.build()
    >>> [p.id for p in scenario.parcels]
    ['P-1']
    """

    name: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    nodes: tuple[Node, ...] = ()
    links: tuple[Link, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
    detainees: tuple[Detainee, ...] = ()
    parcels: tuple[Parcel, ...] = ()
    batches: tuple[Batch, ...] = ()
    sessions: tuple[Session, ...] = ()
    visit_requests: tuple[VisitRequest, ...] = ()
    escorts: tuple[Escort, ...] = ()
    transports: tuple[Transport, ...] = ()
    reciprocity: Reciprocity | None = None
    categories: frozenset[str] | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def network(self) -> Network:
        """The transport network, with shortest travel times between nodes."""
        from parcelroute.model.network import Network

        return Network(self.nodes, self.links)

    @cached_property
    def detainee_by_id(self) -> dict[str, Detainee]:
        """Detainees keyed by id."""
        return {d.id: d for d in self.detainees}

    @cached_property
    def node_by_id(self) -> dict[str, Node]:
        """Nodes keyed by id."""
        return {n.id: n for n in self.nodes}

    def parcel_limits(self, detainee_id: str) -> tuple[int | None, float | None]:
        """The (parcel count, weight) limits of one detainee, defaults applied."""
        d = self.detainee_by_id.get(detainee_id)
        max_parcels = d.max_parcels if d is not None else None
        max_weight = d.max_weight_kg if d is not None else None
        if max_parcels is None:
            max_parcels = self.defaults.max_parcels_per_detainee
        if max_weight is None:
            max_weight = self.defaults.max_weight_kg_per_detainee
        return max_parcels, max_weight
