"""Scenario data: the immutable problem description and its transport network."""

from parcelroute.model.network import Network
from parcelroute.model.scenario import (
    Batch,
    DateRange,
    Defaults,
    Detainee,
    Escort,
    Link,
    Node,
    Parcel,
    Reciprocity,
    Scenario,
    Session,
    Transport,
    VisitRequest,
)

__all__ = [
    "Batch",
    "DateRange",
    "Defaults",
    "Detainee",
    "Escort",
    "Link",
    "Network",
    "Node",
    "Parcel",
    "Reciprocity",
    "Scenario",
    "Session",
    "Transport",
    "VisitRequest",
]
