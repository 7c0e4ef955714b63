"""parcelroute: optimal, provable plans for parcels from home and family visits.

parcelroute plans two operations that humanitarian offices run every month
for detained prisoners of war and their families: sending parcels in
capacity-limited transport batches, and scheduling family visits. It computes
the best plan, proves how good it is (a bound and a gap), and explains every
parcel left behind and every visit not granted.

Examples
--------
>>> import parcelroute as pr
>>> b = pr.ScenarioBuilder(name="demo")
>>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=10)
>>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], cost=50)
>>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=2.5,
...                  volume_l=4, ready="2026-12-01", due="2026-12-02")
>>> result = pr.solve(b.build())
>>> result.status
<Status.OPTIMAL: 'optimal'>
>>> pr.verify(b.build(), result)
[]
"""

import importlib
from typing import TYPE_CHECKING, Any

from parcelroute.exceptions import InvalidPlanError, InvalidScenarioError, ParcelrouteError, Problem
from parcelroute.io import (
    plan_to_dict,
    read_plan,
    read_plan_dict,
    read_scenario,
    read_scenario_dict,
    scenario_to_dict,
    write_plan,
    write_scenario,
)
from parcelroute.model import (
    Batch,
    DateRange,
    Defaults,
    Detainee,
    Escort,
    Link,
    Network,
    Node,
    Parcel,
    Reciprocity,
    Scenario,
    Session,
    Transport,
    VisitRequest,
)
from parcelroute.model.builder import ScenarioBuilder
from parcelroute.options import Progress, SolveOptions
from parcelroute.result import (
    BatchLoad,
    ParcelAssignment,
    Reason,
    Result,
    Status,
    VisitAssignment,
)
from parcelroute.solve import solve
from parcelroute.verify import Violation, verify

if TYPE_CHECKING:
    from parcelroute.visits.offer import (
        PlanMismatchError,
        SlotOffer,
        UnknownRequestError,
        offer_slots,
    )

__version__ = "0.1.0"

#: Names loaded on first use: the visit modules import OR-Tools' CP-SAT (and pandas with it,
#: about 0.3 s), which a month of parcels alone never needs; ``parcelroute solve``'s start-up
#: counts towards its time limit.
_LAZY = {name: "parcelroute.visits.offer"
         for name in ("PlanMismatchError", "SlotOffer", "UnknownRequestError", "offer_slots")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'parcelroute' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "Batch",
    "BatchLoad",
    "DateRange",
    "Defaults",
    "Detainee",
    "Escort",
    "InvalidPlanError",
    "InvalidScenarioError",
    "Link",
    "Network",
    "Node",
    "Parcel",
    "ParcelAssignment",
    "ParcelrouteError",
    "PlanMismatchError",
    "Problem",
    "Progress",
    "Reason",
    "Reciprocity",
    "Result",
    "Scenario",
    "ScenarioBuilder",
    "Session",
    "SlotOffer",
    "SolveOptions",
    "Status",
    "Transport",
    "UnknownRequestError",
    "Violation",
    "VisitAssignment",
    "VisitRequest",
    "__version__",
    "offer_slots",
    "plan_to_dict",
    "read_plan",
    "read_plan_dict",
    "read_scenario",
    "read_scenario_dict",
    "scenario_to_dict",
    "solve",
    "verify",
    "write_plan",
    "write_scenario",
]
