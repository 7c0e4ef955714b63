"""Greedy plans: starts for the MIPs, rounding of LP solutions, batch emptying, a final fill
and trades that deliver left-out parcels.

All moves keep every rule: a :class:`Loads` tracks the load of each batch in
each dimension, of each crossing row and of each recipient row that can bind.
The hot paths work on plain Python integers (a few hundred nanoseconds per
option tried), so a plan for 200,000 parcels takes a couple of seconds.
"""

from __future__ import annotations

import time
import weakref
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from parcelroute._gc import paused
from parcelroute.parcels.problem import ParcelProblem, exact_decimal

__all__ = [
    "Loads",
    "empty_batches",
    "fill_exactly",
    "fill_left_out",
    "greedy_assign",
    "operated",
    "repack",
    "round_fractional",
    "swap_batches",
    "trade_left_out",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_BIG = 1 << 62


class _Index:
    """What every :class:`Loads` of one problem shares, as Python lists (read only)."""

    def __init__(self, prob: ParcelProblem) -> None:
        with paused():  # (a list per option)
            self.cap = [np.where(d.capacity < 0, _BIG, d.capacity).tolist() for d in prob.dims]
            self.per = [d.per_parcel.tolist() for d in prob.dims]
            self.cross_cap = [c for _, _, c, _ in prob.crossing_rows]
            pair_cross: list[list[int]] = [[] for _ in range(prob.num_pairs)]
            for r, (_, _, _, es) in enumerate(prob.crossing_rows):
                for e in es.tolist():
                    pair_cross[e].append(r)
            self.pair_cross = pair_cross
            # options counted twice at a crossing on one date (their batch calls twice)
            self.twice = {e for e, rs in enumerate(pair_cross) if len(rs) > 1 and len(set(rs)) < len(rs)}
            rec_row = [-1] * prob.num_parcels
            for r, (_, _, _, members) in enumerate(prob.recipient_rows):
                for i in members.tolist():
                    rec_row[i] = r
            self.rec_row = rec_row
            self.rec_n_cap = [n if n >= 0 else _BIG for _, n, _, _ in prob.recipient_rows]
            self.rec_w_cap = [w if w >= 0 else _BIG for _, _, w, _ in prob.recipient_rows]
            self.pp = prob.pair_parcel.tolist()
            self.pb = prob.pair_batch.tolist()


_INDEXES: weakref.WeakKeyDictionary[ParcelProblem, _Index] = weakref.WeakKeyDictionary()


def _index_of(prob: ParcelProblem) -> _Index:
    """The shared index of ``prob``, built on first use (a solve builds many loads)."""
    index = _INDEXES.get(prob)
    if index is None:
        index = _INDEXES[prob] = _Index(prob)
    return index


class Loads:
    """Loads of batches, crossings and recipients under a partial assignment.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="tiny")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_parcels=1, cost=10)
    >>> for p in ("P-1", "P-2"):
    ...     _ = b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
    ...                      ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> loads = Loads(ParcelProblem(s, Compatibility(s)))
    >>> loads.fits(0), loads.add(0), loads.fits(1)
    (True, None, False)
    """

    def __init__(self, prob: ParcelProblem) -> None:
        self.prob = prob
        nb = prob.num_batches
        index = _index_of(prob)
        self._cap, self._per = index.cap, index.per
        self.pair_cross, self._twice = index.pair_cross, index.twice
        self._rec_row = index.rec_row
        self._rec_n_cap, self._rec_w_cap = index.rec_n_cap, index.rec_w_cap
        self._pp, self._pb = index.pp, index.pb
        self._cross_cap = index.cross_cap
        self._load = [[0] * nb for _ in prob.dims]
        self._count = [0] * nb
        self._cross = [0] * len(prob.crossing_rows)
        self._rec_n = [0] * len(prob.recipient_rows)
        self._rec_w = [0] * len(prob.recipient_rows)

    # numpy views, for explanations and checks
    @property
    def cap(self) -> IntArray:
        """Capacities, one row per dimension (a huge number when unlimited)."""
        return np.array(self._cap, np.int64).reshape(len(self._cap), -1)

    @property
    def per(self) -> IntArray:
        """Per-parcel sizes, one row per dimension."""
        return np.array(self._per, np.int64).reshape(len(self._per), -1)

    @property
    def load(self) -> IntArray:
        """Batch loads, one row per dimension."""
        return np.array(self._load, np.int64).reshape(len(self._load), -1)

    @property
    def count(self) -> IntArray:
        """Parcels on each batch."""
        return np.array(self._count, np.int64)

    @property
    def cross(self) -> IntArray:
        """Parcels through each crossing row."""
        return np.array(self._cross, np.int64)

    @property
    def cross_cap(self) -> IntArray:
        """Capacity of each crossing row."""
        return np.array(self._cross_cap, np.int64)

    @property
    def rec_row(self) -> IntArray:
        """The recipient row of each parcel (-1: none that can bind)."""
        return np.array(self._rec_row, np.int64)

    @property
    def rec_n(self) -> IntArray:
        """Parcels delivered to each recipient row."""
        return np.array(self._rec_n, np.int64)

    @property
    def rec_w(self) -> IntArray:
        """Weight delivered to each recipient row."""
        return np.array(self._rec_w, np.int64)

    @property
    def rec_n_cap(self) -> IntArray:
        """Count limit of each recipient row."""
        return np.array(self._rec_n_cap, np.int64)

    @property
    def rec_w_cap(self) -> IntArray:
        """Weight limit of each recipient row."""
        return np.array(self._rec_w_cap, np.int64)

    @classmethod
    def of(cls, prob: ParcelProblem, assign: IntArray) -> Loads:
        """Loads of a full assignment (``assign[i]`` is a pair index or -1)."""
        loads = cls(prob)
        for e in assign[assign >= 0].tolist():
            loads.add(e)
        return loads

    def batch_count(self, b: int) -> int:
        """Parcels on batch ``b``."""
        return self._count[b]

    def fits(self, e: int, *, same_recipient_load: bool = False) -> bool:
        """Whether option ``e`` can be added without breaking a limit."""
        i, b = self._pp[e], self._pb[e]
        for load, per, cap in zip(self._load, self._per, self._cap, strict=True):
            if load[b] + per[i] > cap[b]:
                return False
        cross, ccap = self._cross, self._cross_cap
        if self._twice and e in self._twice:
            rs = self.pair_cross[e]
            if any(cross[r] + rs.count(r) > ccap[r] for r in rs):
                return False
        else:
            for r in self.pair_cross[e]:
                if cross[r] >= ccap[r]:
                    return False
        if not same_recipient_load:
            r = self._rec_row[i]
            if r >= 0 and (self._rec_n[r] + 1 > self._rec_n_cap[r]
                           or self._rec_w[r] + self._per[0][i] > self._rec_w_cap[r]):
                return False
        return True

    def recipient_allows(self, i: int) -> bool:
        """Whether parcel ``i`` fits its recipient's limits."""
        r = self._rec_row[i]
        return r < 0 or (self._rec_n[r] + 1 <= self._rec_n_cap[r]
                         and self._rec_w[r] + self._per[0][i] <= self._rec_w_cap[r])

    def add(self, e: int, sign: int = 1, *, recipient: bool = True) -> None:
        """Add (or with ``sign=-1`` remove) option ``e``."""
        i, b = self._pp[e], self._pb[e]
        for load, per in zip(self._load, self._per, strict=True):
            load[b] += sign * per[i]
        self._count[b] += sign
        for r in self.pair_cross[e]:
            self._cross[r] += sign
        r = self._rec_row[i] if recipient else -1
        if r >= 0:
            self._rec_n[r] += sign
            self._rec_w[r] += sign * self._per[0][i]


def _options(prob: ParcelProblem) -> list[list[int]]:
    starts = prob.option_start.tolist()
    with paused():  # (a list per parcel)
        return [list(range(starts[i], starts[i + 1])) for i in range(prob.num_parcels)]


def operated(prob: ParcelProblem, assign: IntArray) -> BoolArray:
    """Which batches carry at least one parcel under ``assign``."""
    used = np.zeros(prob.num_batches, bool)
    chosen = assign[assign >= 0]
    used[prob.pair_batch[chosen]] = True
    return used


def _cheapest_fit(options: list[int], loads: Loads, pb: list[int], cost: list[float]) -> int:
    """Of ``options``, the one that fits on a batch already operated, else on the cheapest
    batch that fits (ties: the lower batch index); -1 where none fits."""
    count = loads._count
    best, best_key = -1, None
    for e in options:
        b = pb[e]
        key = (count[b] == 0, cost[b], b)
        # (the key first: most options lose on it, and the test of their fit is dearer)
        if (best_key is None or key < best_key) and loads.fits(e):
            best, best_key = e, key
    return best


@paused()  # (a key tuple per parcel to sort by)
def greedy_assign(prob: ParcelProblem, loads: Loads,
                  preference: FloatArray | None = None) -> IntArray:
    """Assign parcels by priority, preferring batches already operated, then cheap ones.

    ``loads`` must be empty; it holds the resulting loads afterwards. With
    ``preference`` (one number per option, higher first) parcels whose best
    option is most preferred go first, and each takes its most preferred
    option that fits.
    """
    assign = np.full(prob.num_parcels, -1, np.int64)
    opts = _options(prob)
    cost = prob.cost.tolist()
    prio = prob.priority.tolist()
    weight = prob.weight.tolist()
    pb = prob.pair_batch.tolist()
    pref = None if preference is None else preference.tolist()
    if pref is None:
        order = sorted((i for i in range(prob.num_parcels) if opts[i]),
                       key=lambda i: (-prio[i], len(opts[i]), -weight[i], i))
    else:
        top = {i: max(pref[e] for e in opts[i]) for i in range(prob.num_parcels) if opts[i]}
        order = sorted(top, key=lambda i: (-prio[i], -top[i], len(opts[i]), -weight[i], i))
    count = loads._count
    for i in order:
        if pref is None:
            best = _cheapest_fit(opts[i], loads, pb, cost)
        else:
            best, best_key = -1, None
            for e in opts[i]:
                b = pb[e]
                key = (-pref[e], count[b] == 0, cost[b], b)
                if (best_key is None or key < best_key) and loads.fits(e):
                    best, best_key = e, key
        if best >= 0:
            loads.add(best)
            assign[i] = best
    return assign


def round_fractional(prob: ParcelProblem, x: FloatArray, *, allowed: BoolArray | None = None,
                     open_cost: bool = True) -> IntArray:
    """A plan that follows a fractional solution ``x`` (one value per option) where it can.

    Options are taken in decreasing order of ``x`` (ties: higher priority);
    each parcel takes the first option that still fits; parcels left over are
    then placed greedily (only on ``allowed`` options when given).
    """
    loads = Loads(prob)
    assign = np.full(prob.num_parcels, -1, np.int64)
    pri = prob.priority[prob.pair_parcel].astype(np.float64)
    ok = np.ones(prob.num_pairs, bool) if allowed is None else allowed
    cand = np.flatnonzero(ok & (x > 1e-6))
    order = cand[np.lexsort((cand, -pri[cand], -x[cand]))]
    pp = prob.pair_parcel.tolist()
    done = assign.tolist()
    for e in order.tolist():
        i = pp[e]
        if done[i] >= 0:
            continue
        if loads.fits(e):
            loads.add(e)
            done[i] = e
    assign = np.array(done, np.int64)
    return _fill(prob, assign, loads, allowed=ok, may_open=open_cost)


@paused()  # (a key tuple per parcel to sort by)
def _fill(prob: ParcelProblem, assign: IntArray, loads: Loads, *, allowed: BoolArray | None,
          may_open: bool, free_only: bool = False) -> IntArray:
    opts = _options(prob)
    pb = prob.pair_batch.tolist()
    cost = prob.cost.tolist()
    prio = prob.priority.tolist()
    ok = None if allowed is None else allowed.tolist()
    out = assign.tolist()
    left = [i for i in range(prob.num_parcels) if out[i] < 0 and opts[i]]
    left.sort(key=lambda i: (-prio[i], i))
    count = loads._count
    for i in left:
        if not loads.recipient_allows(i):
            continue
        can_open = may_open and not free_only and prio[i] > 0
        best, best_key = -1, None
        for e in opts[i]:
            if ok is not None and not ok[e]:
                continue
            b = pb[e]
            if count[b] == 0 and not can_open:
                continue
            key = (count[b] == 0, cost[b], b)
            if (best_key is None or key < best_key) and loads.fits(e):
                best, best_key = e, key
        if best >= 0:
            loads.add(best)
            out[i] = best
    return np.array(out, np.int64)


def empty_batches(prob: ParcelProblem, assign: IntArray, passes: int = 3,
                  allowed: BoolArray | None = None) -> IntArray:
    """Close operated batches whose parcels all fit in the other operated batches."""
    out = assign.tolist()
    loads = Loads.of(prob, assign)
    opts = _options(prob)
    pb = prob.pair_batch.tolist()
    cost = prob.cost.tolist()
    weight = prob.weight.tolist()
    ok = None if allowed is None else allowed.tolist()
    count = loads._count
    on_batch: list[list[int]] = [[] for _ in range(prob.num_batches)]
    for i, e in enumerate(out):
        if e >= 0:
            on_batch[pb[e]].append(i)
    for _ in range(passes):
        improved = False
        order = sorted((b for b in range(prob.num_batches) if on_batch[b]),
                       key=lambda b: (len(on_batch[b]), -cost[b], b))
        for b in order:
            if not on_batch[b] or cost[b] <= 0:
                continue
            moved: list[tuple[int, int]] = []
            for i in on_batch[b]:
                loads.add(out[i], -1, recipient=False)
            success = True
            for i in sorted(on_batch[b], key=lambda i: -weight[i]):
                target = -1
                for e in opts[i]:
                    c = pb[e]
                    if c != b and count[c] > 0 and (ok is None or ok[e]) \
                            and loads.fits(e, same_recipient_load=True):
                        target = e
                        break
                if target < 0:
                    success = False
                    break
                loads.add(target, recipient=False)
                moved.append((i, target))
            if success:
                for i, new in moved:
                    out[i] = new
                    on_batch[pb[new]].append(i)
                on_batch[b] = []
                improved = True
            else:
                for _i, new in moved:
                    loads.add(new, -1, recipient=False)
                for i in on_batch[b]:
                    loads.add(out[i], recipient=False)
        if not improved:
            break
    return np.array(out, np.int64)


def fill_exactly(prob: ParcelProblem, assign: IntArray) -> IntArray:
    """Add left-out parcels that fit with their exact sizes, where sizes were rounded.

    Weights and volumes of more decimals than the solver keeps are rounded up
    (and limits down), so a parcel can be left out that fits by the exact
    sizes. Here every limit is checked in exact decimals: each left-out parcel
    (the highest priority first) takes an option on an operated batch where it
    fits, else, with a positive priority, the cheapest batch where it fits.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="thirds").add_node("HUB", kind="hub").add_node("F-1")
    >>> _ = b.add_link("HUB", "F-1", hours=2)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_weight_kg=0.999999999999)
    >>> for k in range(3):
    ...     _ = b.add_parcel(f"P-{k}", origin="HUB", destination="F-1",
    ...                      weight_kg=0.333333333333, volume_l=1, ready="2026-12-01",
    ...                      due="2026-12-05")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> fill_exactly(prob, np.array([0, 1, -1])).tolist()
    [0, 1, 2]
    """
    dec = exact_decimal
    sc = prob.scenario
    out = assign.tolist()
    loads = Loads.of(prob, assign)  # (its counts and crossings are exact)
    pb = prob.pair_batch.tolist()
    cost = prob.cost.tolist()
    starts = prob.option_start.tolist()
    weight = [Decimal(0)] * prob.num_batches
    volume = [Decimal(0)] * prob.num_batches
    rec_n: dict[str, int] = {}
    rec_w: dict[str, Decimal] = {}
    for i, e in enumerate(out):
        if e >= 0:
            p = sc.parcels[i]
            weight[pb[e]] += dec(p.weight_kg)
            volume[pb[e]] += dec(p.volume_l)
            if p.recipient is not None:
                rec_n[p.recipient] = rec_n.get(p.recipient, 0) + 1
                rec_w[p.recipient] = rec_w.get(p.recipient, Decimal(0)) + dec(p.weight_kg)
    count, cross, ccap = loads._count, loads._cross, loads._cross_cap
    left = sorted((i for i in range(prob.num_parcels) if out[i] < 0
                   and starts[i] < starts[i + 1]), key=lambda i: (-int(prob.priority[i]), i))
    for i in left:
        p = sc.parcels[i]
        w, v = dec(p.weight_kg), dec(p.volume_l)
        if p.recipient is not None:
            n_max, w_max = sc.parcel_limits(p.recipient)
            if (n_max is not None and rec_n.get(p.recipient, 0) + 1 > n_max) or (
                    w_max is not None and rec_w.get(p.recipient, Decimal(0)) + w > dec(w_max)):
                continue
        best, best_key = -1, None
        for e in range(starts[i], starts[i + 1]):
            b = pb[e]
            if count[b] == 0 and int(prob.priority[i]) <= 0:
                continue
            bt = sc.batches[b]
            if (bt.max_parcels is not None and count[b] + 1 > bt.max_parcels) or (
                    bt.max_weight_kg is not None and weight[b] + w > dec(bt.max_weight_kg)) or (
                    bt.max_volume_l is not None and volume[b] + v > dec(bt.max_volume_l)):
                continue
            rows = loads.pair_cross[e]
            if any(cross[r] + rows.count(r) > ccap[r] for r in rows):
                continue
            key = (count[b] == 0, cost[b], b)
            if best_key is None or key < best_key:
                best, best_key = e, key
        if best >= 0:
            loads.add(best, recipient=False)
            out[i] = best
            weight[pb[best]] += w
            volume[pb[best]] += v
            if p.recipient is not None:
                rec_n[p.recipient] = rec_n.get(p.recipient, 0) + 1
                rec_w[p.recipient] = rec_w.get(p.recipient, Decimal(0)) + w
    return np.array(out, np.int64)


def swap_batches(prob: ParcelProblem, assign: IntArray) -> IntArray:
    """Move all the parcels of an operated batch to one idle batch that costs less.

    The dearest operated batches go first; each takes the cheapest idle batch
    that every one of its parcels may ride and where they all fit together
    (capacities and the crossings on the new route; the recipients' loads do
    not change). The same parcels are delivered, for less: the neighbourhood
    searches of the batch-cost level move a few parcels at a time and can miss
    such a move when the batch holds many.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="two vans").add_node("HUB", kind="hub").add_node("F-1")
    >>> _ = b.add_link("HUB", "F-1", hours=2)
    >>> for k, cost in ((1, 30), (2, 20)):
    ...     _ = b.add_batch(f"B-{k}", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                     cost=cost, max_weight_kg=10)
    >>> for k in (1, 2):
    ...     _ = b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=4,
    ...                      volume_l=1, ready="2026-12-01", due="2026-12-05")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> dear = np.array([0, 2])  # both parcels on B-1 (options in batch order)
    >>> prob.pair_batch[swap_batches(prob, dear)].tolist()
    [1, 1]
    """
    out = assign.tolist()
    loads = Loads.of(prob, assign)
    pb = prob.pair_batch.tolist()
    cost = prob.cost.tolist()
    count = loads._count
    starts = prob.option_start.tolist()
    on_batch: list[list[int]] = [[] for _ in range(prob.num_batches)]
    for i, e in enumerate(out):
        if e >= 0:
            on_batch[pb[e]].append(i)
    with paused():
        for b in sorted((b for b in range(prob.num_batches) if on_batch[b]),
                        key=lambda b: (-cost[b], b)):
            parcels = on_batch[b]
            # the idle, cheaper batches every parcel of `b` may ride, and its option there
            common: dict[int, list[int]] | None = None
            for i in parcels:
                here = {pb[e]: e for e in range(starts[i], starts[i + 1])
                        if common is None or pb[e] in common}
                if common is None:
                    common = {c: [e] for c, e in here.items()
                              if count[c] == 0 and cost[c] < cost[b]}
                else:
                    common = {c: [*es, here[c]] for c, es in common.items() if c in here}
                if not common:
                    break
            if not common:
                continue
            for i in parcels:
                loads.add(out[i], -1, recipient=False)
            for c in sorted(common, key=lambda c: (cost[c], c)):
                placed: list[int] = []
                for e in common[c]:
                    if not loads.fits(e, same_recipient_load=True):
                        break
                    loads.add(e, recipient=False)
                    placed.append(e)
                if len(placed) == len(parcels):
                    for i, e in zip(parcels, placed, strict=True):
                        out[i] = e
                    on_batch[c], on_batch[b] = parcels, []
                    break
                for e in placed:
                    loads.add(e, -1, recipient=False)
            else:
                for i in parcels:
                    loads.add(out[i], recipient=False)
    return np.array(out, np.int64)


def repack(prob: ParcelProblem, assign: IntArray) -> IntArray | None:
    """The parcels ``assign`` delivers, placed again with the batch cost in mind.

    Parcels with the fewest options go first (the heaviest first among them);
    each takes an option on a batch already operated if one fits, else on
    the cheapest batch that fits. Level 1 picks its plan for priority alone
    and spreads parcels over many batches; this start for the batch-cost
    level delivers the same parcels. Returns ``None`` when a parcel no
    longer fits anywhere.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="two vans").add_node("HUB", kind="hub").add_node("F-1")
    >>> _ = b.add_link("HUB", "F-1", hours=2)
    >>> for k in (1, 2):
    ...     _ = b.add_batch(f"B-{k}", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                     cost=10 * k, max_weight_kg=10)
    >>> for k in (1, 2):
    ...     _ = b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=4,
    ...                      volume_l=1, ready="2026-12-01", due="2026-12-05")
    >>> from parcelroute.parcels.compat import Compatibility
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> spread = np.array([0, 3])  # P-1 on B-1, P-2 on B-2 (options in batch order)
    >>> prob.pair_batch[spread].tolist(), prob.pair_batch[repack(prob, spread)].tolist()
    ([0, 1], [0, 0])
    """
    opts = _options(prob)
    pb = prob.pair_batch.tolist()
    cost = prob.cost.tolist()
    weight = prob.weight.tolist()
    loads = Loads(prob)
    out = np.full(prob.num_parcels, -1, np.int64)
    for i in sorted(np.flatnonzero(assign >= 0).tolist(), key=lambda i: (len(opts[i]),
                                                                        -weight[i], i)):
        best = _cheapest_fit(opts[i], loads, pb, cost)
        if best < 0:
            return None
        loads.add(best)
        out[i] = best
    return out


def fill_left_out(prob: ParcelProblem, assign: IntArray, *, free_only: bool = False) -> IntArray:
    """Add left-out parcels that still fit.

    A parcel with positive priority may open a batch (it raises the first
    level); a parcel of priority 0, or any parcel with ``free_only``, only
    rides a batch already operated.
    """
    loads = Loads.of(prob, assign)
    return _fill(prob, assign, loads, allowed=None, may_open=True, free_only=free_only)


def trade_left_out(prob: ParcelProblem, assign: IntArray, *,
                   time_limit: float | None = None) -> IntArray:
    """Deliver left-out parcels by trades with planned ones, for more priority.

    For each left-out parcel ``f`` with positive priority (the highest first)
    and each of its batches, where ``f`` does not fit as the plan stands, one
    planned parcel ``a`` of that batch makes room: ``a`` moves to another of
    its own batches; or ``a`` is left out and another parcel of ``a``'s
    detainee is delivered in its place elsewhere (their limits then still
    hold), when the two added parcels are worth more than ``a``; or, when
    ``f`` is worth more than ``a``, ``a`` is left out. Each trade keeps every
    rule (checked as it is made) and raises the delivered priority. The pass
    repeats while it finds trades, until ``time_limit`` seconds have passed.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="one seat each")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> for bid, day in (("B-1", "2026-12-01"), ("B-2", "2026-12-02")):
    ...     _ = b.add_batch(bid, origin="HUB", departs=day, stops=["F-1"], max_parcels=1)
    >>> _ = b.add_parcel("A", origin="HUB", destination="F-1", weight_kg=1,
    ...                  ready="2026-12-01", due="2026-12-04")
    >>> _ = b.add_parcel("F", origin="HUB", destination="F-1", weight_kg=1,
    ...                  ready="2026-12-01", due="2026-12-01")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> trade_left_out(prob, np.array([0, -1])).tolist()  # A moves to B-2, F takes B-1
    [1, 2]
    """
    t0 = time.perf_counter()
    loads = Loads.of(prob, assign)
    opts = _options(prob)
    pb = prob.pair_batch.tolist()
    prio = prob.priority.tolist()
    rec_row = loads._rec_row
    mates: list[list[int]] = [members.tolist() for _, _, _, members in prob.recipient_rows]
    out = assign.tolist()
    on_batch: list[set[int]] = [set() for _ in range(prob.num_batches)]
    for i, e in enumerate(out):
        if e >= 0:
            on_batch[pb[e]].add(i)

    def move(i: int, new: int) -> None:
        """Parcel ``i`` to option ``new`` (-1: left out), in the loads and the plan."""
        old = out[i]
        if old >= 0:
            loads.add(old, -1)
            on_batch[pb[old]].discard(i)
        if new >= 0:
            loads.add(new)
            on_batch[pb[new]].add(i)
        out[i] = new

    def attempt(changes: list[tuple[int, int]]) -> bool:
        """Make ``changes`` (parcel, new option) in order if each fits; else undo them."""
        done: list[tuple[int, int]] = []
        for i, new in changes:
            old = out[i]
            move(i, -1)  # (a parcel that moves leaves its batch and recipient first)
            if new >= 0 and not loads.fits(new):
                move(i, old)
                for j, before in reversed(done):
                    move(j, before)
                return False
            move(i, new)
            done.append((i, old))
        return True

    load, per, cap = loads._load, loads._per, loads._cap
    cross, cross_cap, pair_cross = loads._cross, loads._cross_cap, loads.pair_cross

    def room_without(a: int, f: int, ef: int) -> bool:
        """Whether option ``ef`` of ``f`` fits once ``a`` leaves its batch (a quick test
        that spares most trades that cannot work; a trade is checked in full as made)."""
        b = pb[ef]
        if any(ld[b] - pr[a] + pr[f] > cp[b] for ld, pr, cp in zip(load, per, cap, strict=True)):
            return False
        gone = pair_cross[out[a]]
        if any(cross[r] - gone.count(r) >= cross_cap[r] for r in pair_cross[ef]):
            return False
        return rec_row[f] < 0 or rec_row[f] == rec_row[a] or loads.recipient_allows(f)

    def trade(f: int) -> bool:
        for ef in opts[f]:
            if attempt([(f, ef)]):
                return True
            for a in sorted(on_batch[pb[ef]]):
                if not room_without(a, f, ef):
                    continue
                ea = out[a]
                if any(attempt([(a, e), (f, ef)]) for e in opts[a] if e != ea):
                    return True
                r = rec_row[a]
                if r >= 0:
                    for d in mates[r]:
                        if d in (a, f) or out[d] >= 0 or prio[d] + prio[f] <= prio[a]:
                            continue
                        if any(attempt([(a, -1), (d, e), (f, ef)]) for e in opts[d]):
                            return True
                if prio[f] > prio[a] and attempt([(a, -1), (f, ef)]):
                    return True
        return False

    found = True
    while found:
        found = False
        left = [i for i in range(prob.num_parcels) if out[i] < 0 and prio[i] > 0 and opts[i]]
        left.sort(key=lambda i: (-prio[i], i))
        for f in left:
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                return np.array(out, np.int64)
            if out[f] < 0 and trade(f):
                found = True
    return np.array(out, np.int64)
