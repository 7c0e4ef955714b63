"""The parcel allocation problem in integer arrays, ready for a solver.

Weights and volumes are scaled to integers exactly when they have few
decimals; otherwise a parcel's weight is rounded *up* and a capacity *down*,
so an integer solution never overfills a batch that the real numbers would
not. Options a parcel can never use alone (heavier than the batch takes, a
crossing with no capacity) are dropped here, and constraints that cannot bind
are left out of the models.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np
import numpy.typing as npt

from parcelroute.model.scenario import Scenario
from parcelroute.parcels.compat import Compatibility

__all__ = ["Dimension", "ParcelProblem", "decimal_scale"]

IntArray = npt.NDArray[np.int64]
MAX_DECIMALS = 4
MAX_COST_DECIMALS = 6


def _decimals(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def decimal_scale(values: list[float], max_decimals: int) -> tuple[int, bool]:
    """The power of ten that makes every value integral, and whether it is exact.

    Examples
    --------
    >>> decimal_scale([3.2, 12.25, 4], 4)
    (100, True)
    >>> decimal_scale([0.123456789], 4)
    (10000, False)
    """
    need = max((_decimals(v) for v in values), default=0)
    return 10 ** min(need, max_decimals), need <= max_decimals


def _scaled(value: float, scale: int, rounding: str) -> int:
    return int((Decimal(repr(float(value))) * scale).to_integral_value(rounding=rounding))


@dataclass(frozen=True)
class Dimension:
    """One capacity dimension (weight, volume or count) of the batches."""

    name: str
    per_parcel: IntArray
    capacity: IntArray
    """Per batch; -1 means no limit."""


class ParcelProblem:
    """Integer data of the parcel problem over the options that can be used.

    Attributes
    ----------
    pair_parcel, pair_batch : int arrays
        One entry per (parcel, batch) option that survived filtering.
    crossing_rows : list of (node, date, capacity, pair indices)
        Crossing inspections that can bind.
    recipient_rows : list of (detainee, count limit, weight limit, parcel indices)
        Recipient limits that can bind (a limit of -1 is none).
    blocked : dict of int to str
        Parcels left out before solving, with their reason code.
    """

    def __init__(self, scenario: Scenario, compat: Compatibility) -> None:
        self.scenario = scenario
        self.compat = compat
        parcels, batches = scenario.parcels, scenario.batches
        self.num_parcels, self.num_batches = len(parcels), len(batches)

        recipient_limits = {
            d: scenario.parcel_limits(d) for d in {p.recipient for p in parcels if p.recipient}
        }
        weight_values = [p.weight_kg for p in parcels]
        weight_values += [b.max_weight_kg for b in batches if b.max_weight_kg is not None]
        weight_values += [w for _, w in recipient_limits.values() if w is not None]
        self.weight_scale, self.weight_exact = decimal_scale(weight_values, MAX_DECIMALS)
        volume_values = [p.volume_l for p in parcels]
        volume_values += [b.max_volume_l for b in batches if b.max_volume_l is not None]
        self.volume_scale, self.volume_exact = decimal_scale(volume_values, MAX_DECIMALS)
        cost_values = [b.cost for b in batches]
        self.cost_scale, self.cost_exact = decimal_scale(cost_values, MAX_COST_DECIMALS)

        ws, vs = self.weight_scale, self.volume_scale
        self.weight = np.array([_scaled(p.weight_kg, ws, ROUND_CEILING) for p in parcels], np.int64)
        self.volume = np.array([_scaled(p.volume_l, vs, ROUND_CEILING) for p in parcels], np.int64)
        self.priority = np.array([p.priority for p in parcels], np.int64)
        self.cost = np.array([b.cost for b in batches], np.float64)
        self.cost_int = (
            np.array([_scaled(b.cost, self.cost_scale, ROUND_FLOOR) for b in batches], np.int64)
            if self.cost_exact
            else None
        )

        def cap(value: float | None, scale: int) -> int:
            return -1 if value is None else _scaled(value, scale, ROUND_FLOOR)

        self.dims = (
            Dimension("weight", self.weight,
                      np.array([cap(b.max_weight_kg, ws) for b in batches], np.int64)),
            Dimension("volume", self.volume,
                      np.array([cap(b.max_volume_l, vs) for b in batches], np.int64)),
            Dimension("count", np.ones(len(parcels), np.int64),
                      np.array([-1 if b.max_parcels is None else b.max_parcels for b in batches],
                               np.int64)),
        )
        node_cap = {n.id: n.daily_capacity for n in scenario.nodes if n.daily_capacity is not None}

        # recipient limits, and parcels that no recipient limit lets through at all
        self.blocked: dict[int, str] = {}
        self.recipient_of = np.full(len(parcels), -1, np.int64)
        self.recipient_ids: list[str] = []
        self.recipient_limit: list[tuple[int, int]] = []  # (count, weight) scaled, -1 = none
        rid: dict[str, int] = {}
        for i, p in enumerate(parcels):
            if p.recipient is None:
                continue
            if p.recipient not in rid:
                rid[p.recipient] = len(self.recipient_ids)
                self.recipient_ids.append(p.recipient)
                n_max, w_max = recipient_limits[p.recipient]
                self.recipient_limit.append(
                    (-1 if n_max is None else n_max, cap(w_max, ws))
                )
            r = rid[p.recipient]
            self.recipient_of[i] = r
            n_max_i, w_max_i = self.recipient_limit[r]
            if n_max_i == 0 or (w_max_i >= 0 and self.weight[i] > w_max_i):
                self.blocked[i] = "recipient_limit"

        # options that a parcel could use on its own
        pp: list[int] = []
        pb: list[int] = []
        arrives: list[dt.date] = []
        pos: list[int] = []
        self.too_big: dict[int, list[str]] = defaultdict(list)
        for i, opts in enumerate(compat.options):
            if not opts:
                self.blocked[i] = "no_compatible_batch"
                continue
            if i in self.blocked:
                continue
            kept = 0
            for o in opts:
                why = None
                for dim in self.dims:
                    c = int(dim.capacity[o.batch])
                    if c >= 0 and dim.per_parcel[i] > c:
                        why = dim.name
                        break
                if why is None:
                    for node, _day in compat.crossings_of(o):
                        if node_cap[node] == 0:
                            why = f"crossing {node}"
                            break
                if why is not None:
                    self.too_big[i].append(why)
                    continue
                pp.append(i)
                pb.append(o.batch)
                arrives.append(o.arrives)
                pos.append(o.position)
                kept += 1
            if kept == 0:
                self.blocked[i] = "capacity"
        self.pair_parcel = np.array(pp, np.int64)
        self.pair_batch = np.array(pb, np.int64)
        self.pair_arrives = arrives
        self.pair_position = np.array(pos, np.int64)
        self.num_pairs = len(pp)

        # crossing rows: (node, date) -> pairs that bring a parcel there
        cross_pairs: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
        for e in range(self.num_pairs):
            b, k = int(pb[e]), int(pos[e])
            for kk, node, day in compat.crossings[b]:
                if kk < k:
                    cross_pairs[(node, day)].append(e)
        self.crossing_rows: list[tuple[str, dt.date, int, IntArray]] = []
        for (node, day), es in sorted(cross_pairs.items()):
            capacity = int(node_cap[node])
            distinct = len({pp[e] for e in es})
            if distinct > capacity:
                self.crossing_rows.append((node, day, capacity, np.array(es, np.int64)))

        # recipient rows that can bind
        by_recipient: dict[int, list[int]] = defaultdict(list)
        active = np.zeros(len(parcels), bool)
        if self.num_pairs:
            active[self.pair_parcel] = True
        for i in np.flatnonzero(active).tolist():
            r = int(self.recipient_of[i])
            if r >= 0:
                by_recipient[r].append(int(i))
        self.recipient_rows: list[tuple[int, int, int, IntArray]] = []
        for r, members in sorted(by_recipient.items()):
            n_max, w_max = self.recipient_limit[r]
            idx = np.array(members, np.int64)
            n_bind = n_max >= 0 and len(members) > n_max
            w_bind = w_max >= 0 and int(self.weight[idx].sum()) > w_max
            if n_bind or w_bind:
                self.recipient_rows.append(
                    (r, n_max if n_bind else -1, w_max if w_bind else -1, idx)
                )
        self.active = active

        # batch capacity rows that can bind
        self.batch_pairs: list[IntArray] = [np.zeros(0, np.int64)] * self.num_batches
        if self.num_pairs:
            order = np.argsort(self.pair_batch, kind="stable")
            counts = np.bincount(self.pair_batch, minlength=self.num_batches)
            splits = np.cumsum(counts)[:-1]
            self.batch_pairs = list(np.split(order, splits))
        self.binding_dims: list[list[int]] = []
        for dim in self.dims:
            rows = []
            for b in range(self.num_batches):
                c = int(dim.capacity[b])
                on_b = self.batch_pairs[b]
                if c >= 0 and len(on_b) and int(dim.per_parcel[self.pair_parcel[on_b]].sum()) > c:
                    rows.append(b)
            self.binding_dims.append(rows)

    @property
    def unconstrained(self) -> bool:
        """Whether no capacity, crossing or recipient limit can bind."""
        return not (self.crossing_rows or self.recipient_rows or any(self.binding_dims))

    def deliverable_priority(self) -> int:
        """Sum of priorities of every parcel that has an option: a bound on level 1."""
        return int(self.priority[self.active].sum())

    def scaled_cost(self) -> npt.NDArray[np.float64]:
        """Batch costs in the solver's units (integers when exact)."""
        if self.cost_int is not None:
            return self.cost_int.astype(np.float64)
        return self.cost

    def unscale_cost(self, value: float) -> float:
        """A cost in solver units back to the scenario's units."""
        if self.cost_int is not None:
            return value / self.cost_scale
        return value

    def identical_batch_groups(self) -> list[list[int]]:
        """Groups (two or more) of interchangeable batches, each sorted by index."""
        groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
        for b, batch in enumerate(self.scenario.batches):
            if not len(self.batch_pairs[b]):
                continue
            key = (batch.origin, batch.departs, batch.stops, batch.cost,
                   batch.accepts if batch.accepts is None else tuple(sorted(batch.accepts)),
                   *(int(d.capacity[b]) for d in self.dims))
            groups[key].append(b)
        return [g for g in groups.values() if len(g) > 1]


def l2_bound(sizes: IntArray, capacity: int) -> int:
    """Martello and Toth's L2 lower bound on the bins needed for ``sizes``.

    Examples
    --------
    >>> l2_bound(np.array([6, 6, 6]), 10)
    3
    >>> l2_bound(np.array([3, 3, 3, 3]), 10)
    2
    """
    if capacity <= 0 or len(sizes) == 0:
        return 0 if len(sizes) == 0 else len(sizes)
    w = np.sort(np.asarray(sizes, np.int64))[::-1]
    best = math.ceil(int(w.sum()) / capacity)
    half = capacity / 2
    candidates = np.unique(w[w <= capacity // 2])
    for k in np.concatenate([[0], candidates]):
        j1 = w > capacity - k
        j2 = (w <= capacity - k) & (w > half)
        j3 = (w <= half) & (w >= k)
        free = int(j2.sum()) * capacity - int(w[j2].sum())
        extra = max(0, math.ceil((int(w[j3].sum()) - free) / capacity))
        best = max(best, int(j1.sum()) + int(j2.sum()) + extra)
    return best
