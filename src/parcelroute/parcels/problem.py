"""The parcel allocation problem in integer arrays, ready for a solver.

Weights and volumes are scaled to integers exactly when they have few
decimals; otherwise a parcel's weight is rounded *up* and a capacity *down*,
so an integer solution never overfills a batch that the real numbers would
not. Options a parcel can never use alone (heavier than the batch takes, a
crossing with no capacity) are dropped here, and constraints that cannot bind
are left out of the models. Everything is built with array operations: no
Python loop runs once per (parcel, batch) option.
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

__all__ = ["Dimension", "ParcelProblem", "decimal_scale", "exact_decimal", "l2_bound"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: Most decimals of weights and volumes kept exactly (a milligram, a millilitre: more are
#: rounded, parcels up and limits down, and then nothing is claimed proven). More would
#: bring the solvers' relative tolerances close to one unit on large limits.
MAX_DECIMALS = 6
MAX_COST_DECIMALS = 6
#: Scaled totals stay below this, so that sums of integers are exact in floating point too.
EXACT_TOTAL = 2**53


def exact_decimal(value: float) -> Decimal:
    """The exact decimal a scenario's number stands for (``0.1`` is one tenth).

    Examples
    --------
    >>> exact_decimal(0.1) * 3 == Decimal("0.3"), exact_decimal(4)
    (True, Decimal('4'))
    """
    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)


def _decimals(value: float) -> int:
    exponent = exact_decimal(float(value)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def decimal_scale(values: list[float] | FloatArray, max_decimals: int) -> tuple[int, bool]:
    """The power of ten that makes every value integral, and whether it is exact.

    At most ``10**max_decimals``, and small enough that the scaled total of
    ``values`` stays below :data:`EXACT_TOTAL`.

    Examples
    --------
    >>> decimal_scale([3.2, 12.25, 4], 4)
    (100, True)
    >>> decimal_scale([0.123456789], 4)
    (10000, False)
    >>> decimal_scale([0.33333, 1], 9)
    (100000, True)
    >>> decimal_scale([1e9, 0.5], 9)
    (10, True)
    >>> decimal_scale([1e14, 0.25], 9)
    (10, False)
    """
    arr = np.asarray(values, dtype=np.float64)
    uniq = np.unique(arr)
    need = max((_decimals(float(v)) for v in uniq), default=0)
    digits = min(need, max_decimals)
    total = float(np.abs(arr).sum())
    while digits > 0 and total * 10**digits >= EXACT_TOTAL:
        digits -= 1
    return 10**digits, digits == need


def _scaled(value: float, scale: int, rounding: str) -> int:
    return int((exact_decimal(float(value)) * scale).to_integral_value(rounding=rounding))


def _scaled_array(values: FloatArray, scale: int, rounding: str) -> IntArray:
    """``_scaled`` of every value, computed once per distinct value."""
    if len(values) == 0:
        return np.zeros(0, np.int64)
    uniq, inverse = np.unique(values, return_inverse=True)
    mapped = np.array([_scaled(float(v), scale, rounding) for v in uniq], np.int64)
    return mapped[inverse]


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
        One entry per (parcel, batch) option that survived filtering, sorted
        by parcel then batch.
    pair_arrives : int array
        Arrival date (proleptic ordinal) at the parcel's destination.
    crossing_rows : list of (node, date, capacity, pair indices)
        Crossing inspections that can bind. An option appears once per call of
        its batch at the node on that date (a batch may call twice in a day).
    recipient_rows : list of (recipient, count limit, weight limit, parcel indices)
        Recipient limits that can bind (a limit of -1 is none).
    blocked : dict of int to str
        Parcels left out before solving, with their reason code.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="tiny")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_weight_kg=1, cost=10)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=0.4, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03")
    >>> _ = b.add_parcel("P-2", origin="HUB", destination="F-1", weight_kg=2, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> prob.pair_parcel.tolist(), prob.blocked
    ([0], {1: 'capacity'})
    """

    def __init__(self, scenario: Scenario, compat: Compatibility) -> None:
        self.scenario = scenario
        self.compat = compat
        parcels, batches = scenario.parcels, scenario.batches
        self.num_parcels, self.num_batches = len(parcels), len(batches)
        n, nb = self.num_parcels, self.num_batches

        recipients = sorted({p.recipient for p in parcels if p.recipient is not None})
        recipient_limits = {d: scenario.parcel_limits(d) for d in recipients}
        p_weight = np.fromiter((p.weight_kg for p in parcels), np.float64, n)
        p_volume = np.fromiter((p.volume_l for p in parcels), np.float64, n)
        b_weight = [b.max_weight_kg for b in batches if b.max_weight_kg is not None]
        b_volume = [b.max_volume_l for b in batches if b.max_volume_l is not None]
        r_weight = [w for _, w in recipient_limits.values() if w is not None]
        self.weight_scale, self.weight_exact = decimal_scale(
            np.concatenate([p_weight, np.asarray(b_weight + r_weight, np.float64)]), MAX_DECIMALS)
        self.volume_scale, self.volume_exact = decimal_scale(
            np.concatenate([p_volume, np.asarray(b_volume, np.float64)]), MAX_DECIMALS)
        b_cost = np.fromiter((b.cost for b in batches), np.float64, nb)
        self.cost_scale, self.cost_exact = decimal_scale(b_cost, MAX_COST_DECIMALS)

        ws, vs = self.weight_scale, self.volume_scale
        self.weight: IntArray = _scaled_array(p_weight, ws, ROUND_CEILING)
        self.volume: IntArray = _scaled_array(p_volume, vs, ROUND_CEILING)
        self.priority: IntArray = np.fromiter((p.priority for p in parcels), np.int64, n)
        self.cost: FloatArray = b_cost
        self.cost_int: IntArray | None = (
            _scaled_array(b_cost, self.cost_scale, ROUND_FLOOR) if self.cost_exact else None
        )

        def caps(values: list[float | None], scale: int) -> IntArray:
            out = np.full(len(values), -1, np.int64)
            given = np.array([v is not None for v in values], bool)
            if given.any():
                out[given] = _scaled_array(
                    np.array([v for v in values if v is not None], np.float64), scale, ROUND_FLOOR)
            return out

        self.dims = (
            Dimension("weight", self.weight, caps([b.max_weight_kg for b in batches], ws)),
            Dimension("volume", self.volume, caps([b.max_volume_l for b in batches], vs)),
            Dimension("count", np.ones(n, np.int64),
                      np.array([-1 if b.max_parcels is None else b.max_parcels for b in batches],
                               np.int64)),
        )
        node_cap = {nd.id: nd.daily_capacity for nd in scenario.nodes
                    if nd.daily_capacity is not None}

        # recipient limits, and parcels that no recipient limit lets through at all
        self.blocked: dict[int, str] = {}
        rid = {d: r for r, d in enumerate(recipients)}
        self.recipient_ids: list[str] = recipients
        self.recipient_limit: list[tuple[int, int]] = []  # (count, weight) scaled, -1 = none
        for d in recipients:
            n_max, w_max = recipient_limits[d]
            self.recipient_limit.append(
                (-1 if n_max is None else n_max,
                 -1 if w_max is None else _scaled(w_max, ws, ROUND_FLOOR)))
        self.recipient_of: IntArray = np.fromiter(
            (-1 if p.recipient is None else rid[p.recipient] for p in parcels), np.int64, n)
        lim = np.array(self.recipient_limit, np.int64).reshape(-1, 2)
        has_r = self.recipient_of >= 0
        r_n = np.full(n, -1, np.int64)
        r_w = np.full(n, -1, np.int64)
        r_n[has_r] = lim[self.recipient_of[has_r], 0]
        r_w[has_r] = lim[self.recipient_of[has_r], 1]
        rec_blocked = has_r & ((r_n == 0) | ((r_w >= 0) & (self.weight > r_w)))

        # options that a parcel could use on its own
        pp, pb = compat.pair_parcel, compat.pair_batch
        pa, pk = compat.pair_arrives, compat.pair_position
        no_option = compat.option_count == 0
        why = np.full(len(pp), -1, np.int64)  # index of the first reason, -1: usable
        for d_index, dim in enumerate(self.dims):
            cap = dim.capacity[pb]
            bad = (why < 0) & (cap >= 0) & (dim.per_parcel[pp] > cap)
            why[bad] = d_index
        zero_nodes: list[str] = []
        first_zero = np.full(nb, np.iinfo(np.int64).max, np.int64)
        zero_node_of = np.full(nb, -1, np.int64)
        for b, cross in enumerate(compat.crossings):
            for k, node, _day in cross:
                if node_cap.get(node) == 0:
                    if node not in zero_nodes:
                        zero_nodes.append(node)
                    first_zero[b] = k
                    zero_node_of[b] = zero_nodes.index(node)
                    break
        bad = (why < 0) & (first_zero[pb] < pk)
        why[bad] = 3 + zero_node_of[pb[bad]]
        self.too_big: dict[int, list[str]] = defaultdict(list)
        names = [d.name for d in self.dims] + [f"crossing {z}" for z in zero_nodes]
        for i, w in zip(pp[why >= 0].tolist(), why[why >= 0].tolist(), strict=True):
            self.too_big[i].append(names[w])
        keep = (why < 0) & ~rec_blocked[pp]
        kept = np.bincount(pp[keep], minlength=n) if n else np.zeros(0, np.int64)
        for i in np.flatnonzero(rec_blocked).tolist():
            self.blocked[i] = "recipient_limit"
        for i in np.flatnonzero(~rec_blocked & ~no_option & (kept == 0)).tolist():
            self.blocked[i] = "capacity"
        for i in np.flatnonzero(no_option).tolist():
            self.blocked[i] = "no_compatible_batch"
        self.blocked = dict(sorted(self.blocked.items()))

        self.pair_parcel: IntArray = pp[keep]
        self.pair_batch: IntArray = pb[keep]
        self.pair_arrives: IntArray = pa[keep]
        self.pair_position: IntArray = pk[keep]
        self.num_pairs = int(keep.sum())
        counts = kept.astype(np.int64)
        self.option_start: IntArray = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.active: BoolArray = counts > 0

        # crossing rows: (node, date) -> pairs that bring a parcel there
        batch_order = np.argsort(self.pair_batch, kind="stable")
        bcounts = np.bincount(self.pair_batch, minlength=nb) if nb else np.zeros(0, np.int64)
        self.batch_pairs: list[IntArray] = np.split(batch_order, np.cumsum(bcounts)[:-1]) \
            if nb else []
        cross_pairs: dict[tuple[str, dt.date], list[IntArray]] = defaultdict(list)
        for b, cross in enumerate(compat.crossings):
            if not cross or not len(self.batch_pairs[b]):
                continue
            es = self.batch_pairs[b]
            for k, node, day in cross:
                sel = es[self.pair_position[es] > k]
                if len(sel):
                    cross_pairs[(node, day)].append(sel)
        self.crossing_rows: list[tuple[str, dt.date, int, IntArray]] = []
        for (node, day), parts in sorted(cross_pairs.items()):
            es = np.sort(np.concatenate(parts))
            capacity = int(node_cap[node])
            if most_inspected(self.pair_parcel, es) > capacity:
                self.crossing_rows.append((node, day, capacity, es))

        # recipient rows that can bind
        self.recipient_rows: list[tuple[int, int, int, IntArray]] = []
        members_all = np.flatnonzero(self.active & has_r)
        if len(members_all):
            rec = self.recipient_of[members_all]
            order = np.argsort(rec, kind="stable")
            members_all, rec = members_all[order], rec[order]
            uniq, starts = np.unique(rec, return_index=True)
            ends = np.append(starts[1:], len(rec))
            cnt = ends - starts
            wsum = np.add.reduceat(self.weight[members_all], starts)
            n_lim = lim[uniq, 0]
            w_lim = lim[uniq, 1]
            n_bind = (n_lim >= 0) & (cnt > n_lim)
            w_bind = (w_lim >= 0) & (wsum > w_lim)
            for j in np.flatnonzero(n_bind | w_bind).tolist():
                self.recipient_rows.append((
                    int(uniq[j]), int(n_lim[j]) if n_bind[j] else -1,
                    int(w_lim[j]) if w_bind[j] else -1,
                    members_all[starts[j]:ends[j]].copy()))

        # batch capacity rows that can bind
        self.binding_dims: list[list[int]] = []
        for dim in self.dims:
            load = np.bincount(self.pair_batch, weights=dim.per_parcel[self.pair_parcel],
                               minlength=nb) if nb else np.zeros(0)
            rows = np.flatnonzero((dim.capacity >= 0) & (load > dim.capacity))
            self.binding_dims.append(rows.tolist())

    def arrives(self, pair: int) -> dt.date:
        """The arrival date of option ``pair`` at its parcel's destination."""
        return dt.date.fromordinal(int(self.pair_arrives[pair]))

    @property
    def unconstrained(self) -> bool:
        """Whether no capacity, crossing or recipient limit can bind."""
        return not (self.crossing_rows or self.recipient_rows or any(self.binding_dims))

    def deliverable_priority(self) -> int:
        """Sum of priorities of every parcel that has an option: a bound on level 1."""
        return int(self.priority[self.active].sum())

    def scaled_cost(self) -> FloatArray:
        """Batch costs in the solver's units (integers when exact)."""
        if self.cost_int is not None:
            return self.cost_int.astype(np.float64)
        return self.cost

    @property
    def cost_step(self) -> int:
        """A number every plan's scaled batch cost is a multiple of (gcd of the costs; 1 if inexact).

        Examples
        --------
        >>> import parcelroute as pr
        >>> from parcelroute.parcels.compat import Compatibility
        >>> b = pr.ScenarioBuilder(name="round costs")
        >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
        >>> for bid, cost in (("B-1", 420), ("B-2", 670)):
        ...     _ = b.add_batch(bid, origin="HUB", departs="2026-12-01", stops=["F-1"], cost=cost)
        >>> s = b.build()
        >>> ParcelProblem(s, Compatibility(s)).cost_step
        10
        """
        if self.cost_int is None:
            return 1
        step = int(np.gcd.reduce(self.cost_int[self.cost_int > 0])) if np.any(
            self.cost_int > 0) else 1
        return max(1, step)

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


def most_inspected(pair_parcel: IntArray, es: IntArray) -> int:
    """The most parcels a crossing row ``es`` can count: each parcel rides one option, and
    an option listed twice (its batch calls twice that day) counts twice.

    Examples
    --------
    >>> most_inspected(np.array([0, 0, 1]), np.array([0, 1, 1, 2]))
    3
    """
    if not len(es):
        return 0
    pairs, times = np.unique(es, return_counts=True)
    per_parcel = np.zeros(int(pair_parcel[pairs].max()) + 1, np.int64)
    np.maximum.at(per_parcel, pair_parcel[pairs], times)
    return int(per_parcel.sum())


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
