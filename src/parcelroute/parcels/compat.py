"""Which batches can carry which parcels, and on which dates they pass crossings.

This is the rule set of DOMAIN.md that does not depend on the other parcels:
origin, destination among the stops, ready and due dates under the arrival
rule, and accepted categories. The solver only chooses among these options.

The options are computed with array operations, one block of parcels with
the same origin, destination and category at a time, so that hundreds of
thousands of parcels take a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from parcelroute.model.scenario import Scenario

__all__ = ["Compatibility", "Option", "compatibility"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Option:
    """One batch a parcel can ride: the batch index, arrival date and stop position."""

    batch: int
    arrives: dt.date
    position: int


@dataclass
class _Calls:
    """The batches from one origin that call at one node (first call), by departure."""

    departs: IntArray
    arrives: IntArray
    batch: IntArray
    position: IntArray


class Compatibility:
    """The compatible options of every parcel, and the crossings each option passes.

    Attributes
    ----------
    pair_parcel, pair_batch : int arrays
        One entry per (parcel, batch) option, sorted by parcel then batch.
    pair_arrives : int array
        Arrival date (proleptic ordinal) of the option's batch at the parcel's
        destination.
    pair_position : int array
        Position of that destination in the batch's stops (its first call).
    arrivals : list of list of date or None
        ``arrivals[b][k]``: arrival date of batch ``b`` at its ``k``-th stop.
    crossings : list of list of (int, str, date)
        ``crossings[b]``: the stops ``(position, node, date)`` of batch ``b``
        whose node has a daily capacity.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="tiny")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=30)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], cost=10)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03")
    >>> c = Compatibility(b.build())
    >>> c.options[0]
    [Option(batch=0, arrives=datetime.date(2026, 12, 2), position=0)]
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        net = scenario.network
        nodes = scenario.node_by_id
        self.arrivals: list[list[dt.date | None]] = [net.arrival_dates(b) for b in scenario.batches]
        self.crossings: list[list[tuple[int, str, dt.date]]] = []
        calls: dict[tuple[str, str], list[tuple[int, int, int, int]]] = defaultdict(list)
        for bi, batch in enumerate(scenario.batches):
            seen: set[str] = set()
            cross = []
            for k, (stop, day) in enumerate(zip(batch.stops, self.arrivals[bi], strict=True)):
                if day is None:
                    break
                node = nodes.get(stop)
                if node is not None and node.daily_capacity is not None:
                    cross.append((k, stop, day))
                if stop not in seen:  # a parcel leaves at the first call at its destination
                    seen.add(stop)
                    calls[(batch.origin, stop)].append(
                        (batch.departs.toordinal(), day.toordinal(), bi, k))
            self.crossings.append(cross)
        self._calls: dict[tuple[str, str], _Calls] = {}
        for key, rows in calls.items():
            arr = np.array(sorted(rows, key=lambda r: (r[0], r[2])), np.int64).reshape(-1, 4)
            self._calls[key] = _Calls(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])
        self._build_pairs()

    def _build_pairs(self) -> None:
        scenario = self.scenario
        parcels = scenario.parcels
        batches = scenario.batches
        n = len(parcels)
        ready = np.fromiter((p.ready.toordinal() for p in parcels), np.int64, n)
        due = np.fromiter((p.due.toordinal() for p in parcels), np.int64, n)
        blocks: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, p in enumerate(parcels):
            blocks[(p.origin, p.destination, p.category)].append(i)
        out_p: list[IntArray] = []
        out_b: list[IntArray] = []
        out_a: list[IntArray] = []
        out_k: list[IntArray] = []
        for (origin, dest, category), members in blocks.items():
            calls = self._calls.get((origin, dest))
            if calls is None:
                continue
            take = np.fromiter(
                ((acc := batches[b].accepts) is None or category in acc for b in calls.batch),
                bool, len(calls.batch))
            if not take.any():
                continue
            c_dep, c_arr = calls.departs[take], calls.arrives[take]
            idx = np.asarray(members, np.int64)
            fits = (c_dep[None, :] >= ready[idx][:, None]) & (c_arr[None, :] <= due[idx][:, None])
            ii, jj = np.nonzero(fits)
            out_p.append(idx[ii])
            out_b.append(calls.batch[take][jj])
            out_a.append(c_arr[jj])
            out_k.append(calls.position[take][jj])

        def cat(parts: list[IntArray]) -> IntArray:
            return np.concatenate(parts) if parts else np.zeros(0, np.int64)

        pp, pb, pa, pk = cat(out_p), cat(out_b), cat(out_a), cat(out_k)
        order = np.lexsort((pb, pp))
        self.pair_parcel: IntArray = pp[order]
        self.pair_batch: IntArray = pb[order]
        self.pair_arrives: IntArray = pa[order]
        self.pair_position: IntArray = pk[order]
        counts = np.bincount(self.pair_parcel, minlength=n) if n else np.zeros(0, np.int64)
        self.option_count: IntArray = counts.astype(np.int64)
        self.option_start: IntArray = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    @cached_property
    def options(self) -> list[list[Option]]:
        """``options[i]``: the batches parcel ``i`` can ride, by batch index."""
        out: list[list[Option]] = [[] for _ in self.scenario.parcels]
        for i, b, a, k in zip(self.pair_parcel.tolist(), self.pair_batch.tolist(),
                              self.pair_arrives.tolist(), self.pair_position.tolist(),
                              strict=True):
            out[i].append(Option(b, dt.date.fromordinal(a), k))
        return out

    def crossings_of(self, option: Option) -> list[tuple[str, dt.date]]:
        """The (node, date) crossing inspections a parcel riding ``option`` uses."""
        return [(node, day) for k, node, day in self.crossings[option.batch] if k < option.position]

    def explain_no_batch(self, index: int) -> str:
        """A sentence saying why no batch can ever carry parcel ``index``."""
        p = self.scenario.parcels[index]
        calls = self._calls.get((p.origin, p.destination))
        if calls is None:
            return f"no batch from {p.origin} calls at {p.destination}"
        window = (calls.departs >= p.ready.toordinal()) & (calls.arrives <= p.due.toordinal())
        if not window.any():
            return (
                f"no batch from {p.origin} leaves on or after {p.ready.isoformat()} (ready) "
                f"and reaches {p.destination} by {p.due.isoformat()} (due)"
            )
        return (
            f"the batches from {p.origin} that reach {p.destination} between "
            f"{p.ready.isoformat()} and {p.due.isoformat()} do not accept category {p.category!r}"
        )


def compatibility(scenario: Scenario) -> Compatibility:
    """Compute the compatible batches of every parcel of ``scenario``.

    Examples
    --------
    >>> import parcelroute as pr
    >>> compatibility(pr.ScenarioBuilder(name="empty").build()).pair_parcel.size
    0
    """
    return Compatibility(scenario)
