"""Which batches can carry which parcels, and on which dates they pass crossings.

This is the rule set of DOMAIN.md that does not depend on the other parcels:
origin, destination among the stops, ready and due dates under the arrival
rule, and accepted categories. The solver only chooses among these options.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from parcelroute.model.scenario import Parcel, Scenario

__all__ = ["Compatibility", "Option", "compatibility"]


@dataclass(frozen=True, slots=True)
class Option:
    """One batch a parcel can ride: the batch index, arrival date and stop position."""

    batch: int
    arrives: dt.date
    position: int


@dataclass(frozen=True)
class _Call:
    departs: dt.date
    arrives: dt.date
    batch: int
    position: int


class Compatibility:
    """The compatible options of every parcel, and the crossings each option passes.

    Attributes
    ----------
    options : list of list of Option
        ``options[i]`` are the batches parcel ``i`` can ride.
    arrivals : list of list of date or None
        ``arrivals[b][k]``: arrival date of batch ``b`` at its ``k``-th stop.
    crossings : list of list of (int, str, date)
        ``crossings[b]``: the stops ``(position, node, date)`` of batch ``b``
        whose node has a daily capacity.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        net = scenario.network
        nodes = scenario.node_by_id
        self.arrivals: list[list[dt.date | None]] = [net.arrival_dates(b) for b in scenario.batches]
        self.crossings: list[list[tuple[int, str, dt.date]]] = []
        calls: dict[tuple[str, str], list[_Call]] = defaultdict(list)
        for bi, batch in enumerate(scenario.batches):
            seen: set[str] = set()
            cross = []
            for k, (stop, day) in enumerate(zip(batch.stops, self.arrivals[bi], strict=True)):
                if day is None:
                    break
                if nodes[stop].daily_capacity is not None:
                    cross.append((k, stop, day))
                if stop not in seen:  # a parcel leaves at the first call at its destination
                    seen.add(stop)
                    calls[(batch.origin, stop)].append(_Call(batch.departs, day, bi, k))
            self.crossings.append(cross)
        for lst in calls.values():
            lst.sort(key=lambda c: (c.departs, c.batch))
        self._calls = dict(calls)
        self.options: list[list[Option]] = [self._options_of(p) for p in scenario.parcels]

    def _options_of(self, parcel: Parcel) -> list[Option]:
        calls = self._calls.get((parcel.origin, parcel.destination), [])
        start = bisect.bisect_left(calls, parcel.ready, key=lambda c: c.departs)
        out = []
        for call in calls[start:]:
            if call.arrives > parcel.due:
                continue
            batch = self.scenario.batches[call.batch]
            if batch.accepts is not None and parcel.category not in batch.accepts:
                continue
            out.append(Option(call.batch, call.arrives, call.position))
        out.sort(key=lambda o: o.batch)
        return out

    def crossings_of(self, option: Option) -> list[tuple[str, dt.date]]:
        """The (node, date) crossing inspections a parcel riding ``option`` uses."""
        return [(node, day) for k, node, day in self.crossings[option.batch] if k < option.position]

    def explain_no_batch(self, index: int) -> str:
        """A sentence saying why no batch can ever carry parcel ``index``."""
        p = self.scenario.parcels[index]
        calls = self._calls.get((p.origin, p.destination), [])
        if not calls:
            return f"no batch from {p.origin} calls at {p.destination}"
        window = [c for c in calls if c.departs >= p.ready and c.arrives <= p.due]
        if not window:
            return (
                f"no batch from {p.origin} leaves on or after {p.ready.isoformat()} (ready) "
                f"and reaches {p.destination} by {p.due.isoformat()} (due)"
            )
        return (
            f"the batches from {p.origin} that reach {p.destination} between "
            f"{p.ready.isoformat()} and {p.due.isoformat()} do not accept category {p.category!r}"
        )


def compatibility(scenario: Scenario) -> Compatibility:
    """Compute the compatible batches of every parcel of ``scenario``."""
    return Compatibility(scenario)

