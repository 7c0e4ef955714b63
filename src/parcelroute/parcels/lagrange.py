"""A Lagrangian bound on the delivered priority that scales to any volume.

Every batch capacity row, crossing row and recipient row that can bind is
moved into the objective with a multiplier ``pi >= 0``; what is left (each
parcel rides at most one of its options) is solved by inspection: a parcel
takes its option of largest reduced cost when that is positive. For every
``pi >= 0`` the value

    L(pi) = sum_r pi_r * rhs_r + sum_i max(0, max_j rc_j(pi))

is a proven upper bound on the delivered priority of every plan (weak
duality), and its best value over ``pi`` equals the LP bound. The
multipliers are improved by projected subgradient steps (Polyak's rule
towards the best plan known), each step one pass of array operations over
the options, so the bound costs a fraction of an LP solve at national volume.
The reduced costs also rank parcels and options for a greedy plan.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from parcelroute.parcels.problem import ParcelProblem

__all__ = ["CostStart", "LagrangeOutcome", "RelaxedRows", "cost_bound", "subgradient_bound"]

STEP_SCALE = 0.5
STALL = 20
DEFLECT = 0.3
#: Step scale of the batch-cost bound (its multipliers move further).
COST_STEP_SCALE = 1.0
#: Steps without a better batch-cost bound before its target margin is halved.
COST_STALL = 20
#: First target margin of the batch-cost bound, as a share of the best cost known.
COST_MARGIN = 0.2
#: Starts of the priority multiplier raced first, as multiples of the best cost known.
MU_STARTS = (1.0, 4.0, 16.0)
#: Steps of each start in that race.
COST_TRIAL = 30

logger = logging.getLogger("parcelroute")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RelaxedRows:
    """The rows moved into the objective, as coordinates over options (``a_rj``), rhs 1.

    Every row is divided by its right-hand side, so that one step length suits
    rows of kilograms, litres and parcel counts alike.
    """

    row: IntArray
    pair: IntArray
    coef: FloatArray
    num_rows: int
    #: The relaxed row of each of ``prob.crossing_rows`` (-1: none), and of each of
    #: ``prob.recipient_rows``' count and weight limits (shape ``(n, 2)``, -1: none).
    crossing: IntArray | None = None
    recipient: IntArray | None = None

    @classmethod
    def of(cls, prob: ParcelProblem, *, with_capacity: bool = True) -> RelaxedRows:
        """Capacity (unless ``with_capacity`` is false), crossing and recipient rows that can bind.

        Examples
        --------
        >>> import parcelroute as pr
        >>> from parcelroute.parcels.compat import Compatibility
        >>> b = pr.ScenarioBuilder(name="one seat")
        >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
        >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
        ...                 max_parcels=1, cost=10)
        >>> for p in ("P-1", "P-2"):
        ...     _ = b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1,
        ...                      ready="2026-12-01", due="2026-12-03")
        >>> s = b.build()
        >>> rows = RelaxedRows.of(ParcelProblem(s, Compatibility(s)))
        >>> rows.num_rows, rows.coef.tolist()
        (1, [1.0, 1.0])
        """
        rows: list[IntArray] = []
        pairs: list[IntArray] = []
        coefs: list[FloatArray] = []
        count = 0
        pp = prob.pair_parcel
        for d, dim in enumerate(prob.dims):
            for b in prob.binding_dims[d] if with_capacity else []:
                es = prob.batch_pairs[b]
                cap = int(dim.capacity[b])
                if cap <= 0 or not len(es):
                    continue
                rows.append(np.full(len(es), count, np.int64))
                pairs.append(es.astype(np.int64))
                coefs.append(dim.per_parcel[pp[es]].astype(np.float64) / cap)
                count += 1
        crossing = np.full(len(prob.crossing_rows), -1, np.int64)
        for c, (_node, _day, capacity, es) in enumerate(prob.crossing_rows):
            if capacity <= 0:
                continue
            rows.append(np.full(len(es), count, np.int64))
            pairs.append(es.astype(np.int64))
            coefs.append(np.full(len(es), 1.0 / capacity))
            crossing[c] = count
            count += 1
        starts = prob.option_start
        recipient = np.full((len(prob.recipient_rows), 2), -1, np.int64)
        for r, (_r, n_max, w_max, members) in enumerate(prob.recipient_rows):
            es = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in members.tolist()])
            if not len(es):
                continue
            for kind, (limit, per) in enumerate(((n_max, np.ones(len(es))),
                                                 (w_max, prob.weight[pp[es]].astype(np.float64)))):
                if limit <= 0:
                    continue
                rows.append(np.full(len(es), count, np.int64))
                pairs.append(es.astype(np.int64))
                coefs.append(per / limit)
                recipient[r, kind] = count
                count += 1
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0, crossing,
                       recipient)
        return cls(np.concatenate(rows), np.concatenate(pairs), np.concatenate(coefs), count,
                   crossing, recipient)


@dataclass(frozen=True)
class LagrangeOutcome:
    """The best bound found, its multipliers and the reduced cost of every option."""

    bound: float
    multiplier: FloatArray
    reduced_cost: FloatArray
    iterations: int
    seconds: float


def _evaluate(prob: ParcelProblem, rows: RelaxedRows, prio: FloatArray, pi: FloatArray,
              heads: IntArray) -> tuple[float, FloatArray, FloatArray]:
    """``L(pi)``, the reduced costs and the subgradient (``1 - a_r x(pi)`` per row)."""
    rc = prio - np.bincount(rows.pair, weights=rows.coef * pi[rows.row],
                            minlength=prob.num_pairs)
    best = np.maximum.reduceat(rc, heads) if len(heads) else np.zeros(0)
    value = float(math.fsum(pi.tolist()) + math.fsum(np.maximum(best, 0.0).tolist()))
    # the option each parcel takes: its first option of largest reduced cost, if positive
    per_pair_best = np.repeat(best, np.diff(np.append(heads, prob.num_pairs)))
    take = (rc >= per_pair_best) & (per_pair_best > 0)
    first = np.zeros(prob.num_pairs, bool)
    if take.any():
        idx = np.flatnonzero(take)
        owner = prob.pair_parcel[idx]
        keep = np.ones(len(idx), bool)
        keep[1:] = owner[1:] != owner[:-1]
        first[idx[keep]] = True
    use = np.bincount(rows.row, weights=rows.coef * first[rows.pair], minlength=rows.num_rows)
    return value, rc, np.asarray(1.0 - use, np.float64)


def subgradient_bound(
    prob: ParcelProblem,
    *,
    target: float,
    time_limit: float | None = None,
    max_iterations: int = 400,
    rows: RelaxedRows | None = None,
    should_stop: Callable[[float], bool] | None = None,
) -> LagrangeOutcome:
    """Improve ``L(pi)`` by projected subgradient steps and return the best bound seen.

    Parameters
    ----------
    prob : ParcelProblem
    target : float
        The value of the best plan known (Polyak's step aims at it).
    time_limit : float, optional
        Seconds to spend at most.
    max_iterations : int
        Steps to take at most.
    rows : RelaxedRows, optional
        The relaxed rows, when already built.
    should_stop : callable, optional
        Called with the best bound after each step; ``True`` stops.

    Returns
    -------
    LagrangeOutcome
        ``bound`` is proven for every plan whatever the iteration count.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="one seat, two parcels")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_parcels=1, cost=10)
    >>> for p, prio in (("P-1", 1), ("P-2", 3)):
    ...     _ = b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1, priority=prio,
    ...                      ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> out = subgradient_bound(ParcelProblem(s, Compatibility(s)), target=3)
    >>> round(out.bound, 6)
    3.0
    """
    t0 = time.perf_counter()
    rows = RelaxedRows.of(prob) if rows is None else rows
    heads = prob.option_start[:-1][prob.active]
    pi = np.zeros(rows.num_rows)
    prio = prob.priority[prob.pair_parcel].astype(np.float64)
    best_value, rc = _evaluate(prob, rows, prio, pi, heads)[:2]
    best_pi, best_rc = pi.copy(), rc
    if rows.num_rows == 0 or not len(heads):
        return LagrangeOutcome(best_value, best_pi, best_rc, 0, time.perf_counter() - t0)
    step_scale, stall, it = STEP_SCALE, 0, 0
    direction = np.zeros(rows.num_rows)
    while it < max_iterations:
        it += 1
        value, rc, grad = _evaluate(prob, rows, prio, pi, heads)
        if value < best_value - 1e-9:
            best_value, best_pi, best_rc = value, pi.copy(), rc
            stall = 0
        else:
            stall += 1
            if stall >= STALL:
                step_scale, stall = step_scale / 2, 0
        if value <= target + 1e-9 or step_scale < 1e-5:
            break
        grad = np.where((pi <= 0) & (grad > 0), 0.0, grad)
        # deflection (Camerini, Fratta and Maffioli): half of the previous direction
        direction = grad + DEFLECT * direction
        direction = np.where((pi <= 0) & (direction > 0), 0.0, direction)
        norm = float(direction @ direction)
        if norm <= 1e-18:
            break
        pi = np.maximum(0.0, pi - step_scale * (value - target) / norm * direction)
        if should_stop is not None and should_stop(best_value):
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
    logger.debug("lagrange: bound %.3f after %d steps in %.2f s", best_value, it,
                 time.perf_counter() - t0)
    return LagrangeOutcome(best_value, best_pi, best_rc, it, time.perf_counter() - t0)


# -- level 2: the cost of operated batches ----------------------------------------------
def _knapsack_bound(prob: ParcelProblem, value: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per batch, an upper bound on the value of a load it can carry; and that load.

    Only options of positive ``value`` count. For every capacity dimension that
    can bind, the fractional knapsack (Dantzig's bound: by value per unit, the
    last option cut) bounds the load's value; the smallest of them is kept, and
    its fractional load is returned for the subgradient.
    """
    nb = prob.num_batches
    pb = prob.pair_batch
    pos = value > 0
    best = np.bincount(pb, weights=np.where(pos, value, 0.0), minlength=nb)
    load = pos.astype(np.float64)
    for d, dim in enumerate(prob.dims):
        binds = np.zeros(nb, bool)
        binds[prob.binding_dims[d]] = True
        sel = np.flatnonzero(pos & binds[pb])
        if not len(sel):
            continue
        w = dim.per_parcel[prob.pair_parcel[sel]].astype(np.float64)
        v = value[sel]
        ratio = np.where(w > 0, v / np.maximum(w, 1e-300), np.inf)
        order = np.lexsort((-ratio, pb[sel]))
        sel, w, v = sel[order], w[order], v[order]
        groups = pb[sel]
        frac = _fill(groups, w, dim.capacity[groups].astype(np.float64))
        bound = np.bincount(groups, weights=frac * v, minlength=nb)
        tighter = binds & (bound < best - 1e-12)  # batches this dimension does not bind keep theirs
        if tighter.any():
            best = np.where(tighter, bound, best)
            take = tighter[groups]
            load[sel[take]] = frac[take]
    return np.asarray(best, np.float64), load


def _fill(groups: IntArray, size: FloatArray, capacity: FloatArray) -> FloatArray:
    """The share of each option that fits, options in order within their batch (Dantzig).

    ``groups`` are the options' batches (each batch's options together),
    ``capacity`` each option's batch capacity; an option of size 0 always fits.

    Examples
    --------
    >>> _fill(np.array([0, 0, 0, 1]), np.array([2.0, 2.0, 2.0, 1.0]),
    ...       np.array([5.0, 5.0, 5.0, 0.5])).tolist()
    [1.0, 1.0, 0.5, 0.5]
    """
    cw = np.cumsum(size)
    heads = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    offset = np.repeat(cw[heads] - size[heads], np.diff(np.r_[heads, len(groups)]))
    before = cw - offset - size
    return np.where(size > 0, np.clip((capacity - before) / np.maximum(size, 1e-300), 0.0, 1.0),
                    1.0)


#: Relative difference of two ratios below which their order within a batch is not checked
#: (sums of the same multipliers taken in another order differ in their last bits).
RATIO_SLACK = 1e-12
#: The most batches :func:`_batch_ratio_key` can tell apart (more: sorted from scratch).
MAX_KEYED_BATCHES = 2**16


class _Knapsacks:
    """:func:`_knapsack_bound` for one ascent, each dimension's order kept between calls.

    Successive subgradient steps change the values little, so the options of
    each batch stay nearly in the order of the step before. Re-sorting that
    order with a merge sort (on a key of batch and ratio) is then about twice
    as fast as sorting from scratch (20 ms against 39 ms a step at 20,000
    parcels). Where the key cannot tell two ratios apart and they come out of
    order by more than :data:`RATIO_SLACK`, the dimension is sorted exactly.
    The bound is :func:`_knapsack_bound`'s, except that ratios within
    :data:`RATIO_SLACK` of each other may be taken in either order: a
    difference of about that share of the bound, far below the tolerance of
    :data:`parcelroute._integral.TOLERANCE` with which bounds are rounded.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="one batch, room for two")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_parcels=2, cost=10)
    >>> for p in ("P-1", "P-2", "P-3"):
    ...     _ = b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1,
    ...                      ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> prob = ParcelProblem(s, Compatibility(s))
    >>> bound, load = _Knapsacks(prob)(np.array([3.0, 5.0, 4.0]))
    >>> bound.tolist(), load.tolist()
    ([9.0], [0.0, 1.0, 1.0])
    """

    def __init__(self, prob: ParcelProblem) -> None:
        self.prob = prob
        nb = prob.num_batches
        pb = prob.pair_batch
        # per dimension that can bind somewhere: its batches, their options grouped by
        # batch (the order the next call starts from), sizes and capacities
        self._dims: list[tuple[BoolArray, IntArray, FloatArray, FloatArray]] = []
        for d, dim in enumerate(prob.dims):
            binds = np.zeros(nb, bool)
            binds[prob.binding_dims[d]] = True
            sel = np.flatnonzero(binds[pb])
            if not len(sel):
                continue
            order = sel[np.argsort(pb[sel], kind="stable")]
            self._dims.append((binds, order,
                               dim.per_parcel[prob.pair_parcel].astype(np.float64),
                               dim.capacity.astype(np.float64)))

    def __call__(self, value: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per batch, the bound of :func:`_knapsack_bound` on ``value``; and its load."""
        prob = self.prob
        nb = prob.num_batches
        pb = prob.pair_batch
        pos = value > 0
        best = np.bincount(pb, weights=np.where(pos, value, 0.0), minlength=nb)
        load = pos.astype(np.float64)
        for k, (binds, order, size, capacity) in enumerate(self._dims):
            v, w, g = value[order], size[order], pb[order]
            p = v > 0
            # by value per unit, the options of value <= 0 last (they carry nothing)
            ratio = np.full(len(v), -np.inf)
            ratio[p] = np.inf
            div = p & (w > 0)
            ratio[div] = v[div] / w[div]
            if nb <= MAX_KEYED_BATCHES:
                perm = np.argsort(_batch_ratio_key(g, ratio), kind="stable")
                order, v, w, g, p, ratio = (order[perm], v[perm], w[perm], g[perm], p[perm],
                                            ratio[perm])
                fin = np.isfinite(ratio)
                r = np.where(fin, ratio, 0.0)
                both = (g[1:] == g[:-1]) & fin[1:] & fin[:-1]
                unsorted = bool(np.any(both & (r[1:] > r[:-1] + RATIO_SLACK * np.abs(r[:-1]))))
            else:
                unsorted = True
            if unsorted:
                exact = np.lexsort((-ratio, g))
                order, v, w, g, p = order[exact], v[exact], w[exact], g[exact], p[exact]
            self._dims[k] = (binds, order, size, capacity)
            frac = np.where(p, _fill(g, np.where(p, w, 0.0), capacity[g]), 0.0)
            bound = np.bincount(g, weights=frac * np.where(p, v, 0.0), minlength=nb)
            tighter = binds & (bound < best - 1e-12)  # as in _knapsack_bound
            if tighter.any():
                best = np.where(tighter, bound, best)
                take = tighter[g] & p
                load[order[take]] = frac[take]
        return np.asarray(best, np.float64), load


def _batch_ratio_key(batch: IntArray, ratio: FloatArray) -> IntArray:
    """An int64 key in the order of (batch, decreasing ratio); near-equal ratios may tie.

    The ratio's float bits are made monotone as integers and their low 17
    bits dropped, which leaves room for 65,536 batches above them.

    Examples
    --------
    >>> key = _batch_ratio_key(np.array([0, 0, 1, 1]), np.array([2.0, -1.0, np.inf, 3.0]))
    >>> np.argsort(key).tolist()
    [0, 1, 2, 3]
    """
    bits = (-ratio).view(np.int64)
    monotone = np.where(bits < 0, np.int64(-(2**63)) - bits - 1, bits)
    return (batch.astype(np.int64) << 47) + ((monotone >> 17) + (1 << 46))


@dataclass(frozen=True)
class CostStart:
    """Multipliers for :func:`cost_bound` to start from, on rows divided by their right-hand
    sides: ``mu`` of the priority row, ``pi`` of each parcel's "at most one batch",
    ``sigma`` of each row of ``RelaxedRows.of(prob, with_capacity=False)``."""

    mu: float
    pi: FloatArray
    sigma: FloatArray


def cost_bound(
    prob: ParcelProblem,
    level1: float,
    *,
    target: float,
    time_limit: float | None = None,
    max_iterations: int = 5000,
    start: CostStart | None = None,
) -> LagrangeOutcome:
    """A proven lower bound on the batch cost of every plan delivering ``level1`` priority.

    The priority row (multiplier ``mu``), each parcel's "at most one batch"
    (``pi``) and the crossing and recipient rows (``sigma``) are moved into
    the objective; what is left splits into one problem per batch (open it and
    load the options worth most, or not), bounded from above by fractional
    knapsacks. For every multiplier vector ``>= 0``

        L = mu + (-sum pi - sum sigma) + sum_b min(0, c_b - K_b)

    (rows divided by their right-hand sides) is a lower bound; subgradient
    steps raise it. The best plan known (``target``) is often far above the
    bound that can be reached, so each step aims at a variable target (Fumero's
    rule): the best bound so far plus a margin that grows while steps reach it
    and halves when :data:`COST_STALL` steps bring nothing better. The solve
    stops at ``target``. The steps start from ``start`` (an LP's duals, say)
    where given, else from a short race of several starts of ``mu``.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.parcels.compat import Compatibility
    >>> b = pr.ScenarioBuilder(name="two batches, one needed")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    >>> for bid, cost in (("B-1", 10), ("B-2", 30)):
    ...     _ = b.add_batch(bid, origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                     max_parcels=1, cost=cost)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1,
    ...                  ready="2026-12-01", due="2026-12-03")
    >>> s = b.build()
    >>> out = cost_bound(ParcelProblem(s, Compatibility(s)), 1, target=10)
    >>> round(out.bound, 6)
    10.0
    """
    t0 = time.perf_counter()
    if level1 <= 0 or prob.num_pairs == 0:
        return LagrangeOutcome(0.0, np.zeros(0), np.zeros(prob.num_pairs), 0, 0.0)

    out_of_time = partial(_past, t0, time_limit)
    rows = RelaxedRows.of(prob, with_capacity=False)
    prio = prob.priority[prob.pair_parcel].astype(np.float64) / float(level1)
    knapsacks = _Knapsacks(prob)
    if start is not None:
        run = _CostAscent(prob, rows, prio, target, 0.0, knapsacks)
        run.mu = max(0.0, start.mu)
        run.pi, run.sigma = np.maximum(start.pi, 0.0), np.maximum(start.sigma, 0.0)
        run.steps(max_iterations, out_of_time)
        logger.debug("lagrange: cost bound %.3f after %d steps from a start in %.2f s",
                     run.best_value, run.iterations, time.perf_counter() - t0)
        return LagrangeOutcome(run.best_value, np.zeros(0), run.best_load, run.iterations,
                               time.perf_counter() - t0)
    # the good start of mu varies by month: a short race of several (at most half of the
    # time and of the steps), the best one goes on
    runs = [_CostAscent(prob, rows, prio, target, mu, knapsacks) for mu in MU_STARTS]
    trial = min(COST_TRIAL, max(1, max_iterations // (2 * len(runs))))
    for k, run in enumerate(runs):
        run.steps(trial, partial(_past, t0, None if time_limit is None
                                 else time_limit * (k + 1) / (2 * len(runs))))
    best = max(runs, key=lambda r: r.best_value)
    best.steps(max_iterations - sum(r.iterations for r in runs), out_of_time)
    iterations = sum(r.iterations for r in runs)
    logger.debug("lagrange: cost bound %.3f after %d steps in %.2f s", best.best_value,
                 iterations, time.perf_counter() - t0)
    return LagrangeOutcome(best.best_value, np.zeros(0), best.best_load, iterations,
                           time.perf_counter() - t0)


def _past(t0: float, seconds: float | None) -> bool:
    """Whether ``seconds`` have passed since ``t0`` (never when ``None``)."""
    return seconds is not None and time.perf_counter() - t0 > seconds


class _CostAscent:
    """Subgradient ascent of the batch-cost bound from one start of ``mu``."""

    def __init__(self, prob: ParcelProblem, rows: RelaxedRows, prio: FloatArray, target: float,
                 mu_start: float, knapsacks: _Knapsacks | None = None) -> None:
        self.prob = prob
        self.knapsacks = _Knapsacks(prob) if knapsacks is None else knapsacks
        self.cost = prob.scaled_cost()
        self.rows = rows
        self.prio = prio
        self.target = target
        self.mu = mu_start * target
        self.pi = np.zeros(prob.num_parcels)
        self.sigma = np.zeros(self.rows.num_rows)
        self.best_value = 0.0
        self.best_load = np.zeros(prob.num_pairs)
        self.margin = COST_MARGIN * target
        self.floor = 1e-7 * max(target, 1.0)
        self.stall = 0
        self.iterations = 0
        self.finished = False

    def steps(self, count: int, out_of_time: Callable[[], bool]) -> None:
        """Up to ``count`` steps; stops early at the target, on a vanishing margin or time."""
        prob, rows, prio, cost = self.prob, self.rows, self.prio, self.cost
        n = prob.num_parcels
        pp, pb = prob.pair_parcel, prob.pair_batch
        mu, pi, sigma = self.mu, self.pi, self.sigma
        for _ in range(count):
            if self.finished:
                break
            self.iterations += 1
            value = mu * prio - pi[pp] - np.bincount(
                rows.pair, weights=rows.coef * sigma[rows.row], minlength=prob.num_pairs)
            k_b, load = self.knapsacks(value)
            gain = cost - k_b
            opened = gain < 0
            lag = float(mu - math.fsum(pi.tolist()) - math.fsum(sigma.tolist())
                        + math.fsum(gain[opened].tolist()))
            x = np.where(opened[pb], load, 0.0)
            if lag > self.best_value + 1e-9:
                self.best_value, self.best_load, self.stall = lag, x, 0
            else:
                self.stall += 1
                if self.stall >= COST_STALL:
                    self.margin, self.stall = self.margin / 2, 0
            if lag >= self.target - 1e-9 or self.margin < self.floor:
                self.finished = True
                break
            aim = min(self.target, self.best_value + self.margin)
            if lag >= aim - 1e-9:
                self.margin *= 1.5
                aim = min(self.target, self.best_value + self.margin)
            g_mu = 1.0 - float(prio @ x)
            g_pi = np.bincount(pp, weights=x, minlength=n) - 1.0
            g_sigma = np.bincount(rows.row, weights=rows.coef * x[rows.pair],
                                  minlength=rows.num_rows) - 1.0
            if mu <= 0 and g_mu < 0:
                g_mu = 0.0
            g_pi = np.where((pi <= 0) & (g_pi < 0), 0.0, g_pi)
            g_sigma = np.where((sigma <= 0) & (g_sigma < 0), 0.0, g_sigma)
            norm = g_mu * g_mu + float(g_pi @ g_pi) + float(g_sigma @ g_sigma)
            if norm <= 1e-18:
                self.finished = True
                break
            t = COST_STEP_SCALE * (aim - lag) / norm
            mu = max(0.0, mu + t * g_mu)
            pi = np.maximum(0.0, pi + t * g_pi)
            sigma = np.maximum(0.0, sigma + t * g_sigma)
            if out_of_time():
                break
        self.mu, self.pi, self.sigma = mu, pi, sigma
