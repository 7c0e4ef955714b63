"""Plan records: where each parcel goes, and a true reason for each one left out."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np
import numpy.typing as npt

from parcelroute.parcels.greedy import Loads
from parcelroute.parcels.problem import ParcelProblem
from parcelroute.result import BatchLoad, ParcelAssignment, Reason

__all__ = ["explain"]

IntArray = npt.NDArray[np.int64]
_DIM_WORDS = {"weight": "weight", "volume": "volume", "count": "parcel count"}


def _names(items: list[str], most: int = 3) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _kg(value: float) -> str:
    return f"{value:g} kg"


class _Snapshot:
    """The loads of a finished plan, as arrays read once."""

    def __init__(self, loads: Loads) -> None:
        self.loads = loads
        self.cap = loads.cap
        self.per = loads.per
        self.load = loads.load
        self.cross = loads.cross
        self.cross_cap = loads.cross_cap
        self.rec_row = loads.rec_row
        self.rec_n = loads.rec_n
        self.rec_w = loads.rec_w
        self.rec_n_cap = loads.rec_n_cap
        self.rec_w_cap = loads.rec_w_cap


def _left_out(prob: ParcelProblem, snap: _Snapshot, i: int, opts: range) -> tuple[str, str]:
    """Reason code and sentence for a parcel the plan does not deliver."""
    scenario = prob.scenario
    p = scenario.parcels[i]
    blocked = prob.blocked.get(i)
    if blocked == "no_compatible_batch":
        return Reason.NO_COMPATIBLE_BATCH.value, prob.compat.explain_no_batch(i)
    if blocked == "recipient_limit":
        n_max, w_max = scenario.parcel_limits(p.recipient or "")
        if n_max == 0:
            return Reason.RECIPIENT_LIMIT.value, (
                f"detainee {p.recipient} may receive no parcels")
        return Reason.RECIPIENT_LIMIT.value, (
            f"it weighs {_kg(p.weight_kg)}, more than the {_kg(w_max or 0)} detainee "
            f"{p.recipient} may receive in total")
    if blocked == "capacity":
        why = Counter(prob.too_big.get(i, []))
        what = ", ".join(f"{n} by {_DIM_WORDS.get(k, k)}" for k, n in why.most_common())
        return Reason.CAPACITY.value, (
            f"it does not fit alone in any batch that could carry it ({what})")
    r = int(snap.rec_row[i])
    if r >= 0:
        d = prob.recipient_ids[prob.recipient_rows[r][0]]
        if snap.rec_n[r] + 1 > snap.rec_n_cap[r]:
            return Reason.RECIPIENT_LIMIT.value, (
                f"detainee {d} already receives {int(snap.rec_n[r])} parcels in this plan, "
                "the most allowed")
        if snap.rec_w[r] + snap.per[0, i] > snap.rec_w_cap[r]:
            got = snap.rec_w[r] / prob.weight_scale
            cap = snap.rec_w_cap[r] / prob.weight_scale
            return Reason.RECIPIENT_LIMIT.value, (
                f"detainee {d} already receives {_kg(got)} in this plan; this parcel "
                f"({_kg(p.weight_kg)}) would exceed the {_kg(cap)} limit")
    full: list[str] = []
    crossings: list[str] = []
    room: list[str] = []
    for e in opts:
        b = int(prob.pair_batch[e])
        bid = scenario.batches[b].id
        over = [prob.dims[k].name for k in range(3)
                if snap.load[k, b] + snap.per[k, i] > snap.cap[k, b]]
        if over:
            full.append(f"{bid} ({', '.join(_DIM_WORDS[o] for o in over)})")
            continue
        calls = snap.loads.pair_cross[e]
        jammed = [prob.crossing_rows[c] for c in calls
                  if snap.cross[c] + calls.count(c) > snap.cross_cap[c]]
        if jammed:
            node, day, capacity, _ = jammed[0]
            crossings.append(f"{bid} (crossing {node} full with {capacity} parcels on "
                             f"{day.isoformat()})")
        else:
            room.append(bid)
    if len(full) + len(crossings) == len(opts):
        parts = []
        if full:
            parts.append("full: " + _names(full))
        if crossings:
            parts.append("blocked at a crossing: " + _names(crossings))
        return Reason.CAPACITY.value, (
            "every batch that could carry it is taken in this plan; " + "; ".join(parts))
    if p.priority > 0:  # (the fill after the levels places these; a cost never excuses them)
        return Reason.TIME_LIMIT.value, (
            f"the solver stopped before it could place it; {_names(room)} could still carry it")
    return Reason.COST.value, (
        f"its priority is {p.priority} and each batch with room for it would have to be "
        "operated for it alone, which only adds cost")


def explain(prob: ParcelProblem, assign: IntArray) -> tuple[
        tuple[ParcelAssignment, ...], tuple[BatchLoad, ...]]:
    """The per-parcel and per-batch records of the plan ``assign``.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="tiny")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], cost=10)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> parcels, batches = explain(prob, np.array([0]))
    >>> parcels[0].batch, batches[0].parcels
    ('B-1', 1)
    """
    scenario = prob.scenario
    snap = _Snapshot(Loads.of(prob, assign))
    starts = prob.option_start.tolist()
    records = []
    weight: list[list[float]] = [[] for _ in range(prob.num_batches)]
    volume: list[list[float]] = [[] for _ in range(prob.num_batches)]
    count = np.zeros(prob.num_batches, np.int64)
    pair_batch = prob.pair_batch.tolist()
    arrives = prob.pair_arrives.tolist()
    for i, p in enumerate(scenario.parcels):
        e = int(assign[i])
        if e >= 0:
            b = pair_batch[e]
            records.append(ParcelAssignment(p.id, scenario.batches[b].id,
                                            dt.date.fromordinal(arrives[e])))
            weight[b].append(p.weight_kg)
            volume[b].append(p.volume_l)
            count[b] += 1
        else:
            code, detail = _left_out(prob, snap, i, range(starts[i], starts[i + 1]))
            records.append(ParcelAssignment(p.id, None, None, code, detail))
    batches = tuple(
        BatchLoad(b.id, bool(count[k] > 0), int(count[k]), round(math.fsum(weight[k]), 6),
                  round(math.fsum(volume[k]), 6))
        for k, b in enumerate(scenario.batches)
    )
    return tuple(records), batches
