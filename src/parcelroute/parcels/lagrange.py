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

import numpy as np
import numpy.typing as npt

from parcelroute.parcels.problem import ParcelProblem

__all__ = ["LagrangeOutcome", "RelaxedRows", "subgradient_bound"]

STEP_SCALE = 0.5
STALL = 20
DEFLECT = 0.3

logger = logging.getLogger("parcelroute")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


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

    @classmethod
    def of(cls, prob: ParcelProblem) -> RelaxedRows:
        """Capacity, crossing and recipient rows of ``prob`` that can bind.

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
        pp, pb = prob.pair_parcel, prob.pair_batch
        for d, dim in enumerate(prob.dims):
            for b in prob.binding_dims[d]:
                es = prob.batch_pairs[b]
                cap = int(dim.capacity[b])
                if cap <= 0 or not len(es):
                    continue
                rows.append(np.full(len(es), count, np.int64))
                pairs.append(es.astype(np.int64))
                coefs.append(dim.per_parcel[pp[es]].astype(np.float64) / cap)
                count += 1
        for _node, _day, capacity, es in prob.crossing_rows:
            if capacity <= 0:
                continue
            rows.append(np.full(len(es), count, np.int64))
            pairs.append(es.astype(np.int64))
            coefs.append(np.full(len(es), 1.0 / capacity))
            count += 1
        starts = prob.option_start
        for _r, n_max, w_max, members in prob.recipient_rows:
            es = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in members.tolist()])
            if not len(es):
                continue
            for limit, per in ((n_max, np.ones(len(es))),
                               (w_max, prob.weight[pp[es]].astype(np.float64))):
                if limit <= 0:
                    continue
                rows.append(np.full(len(es), count, np.int64))
                pairs.append(es.astype(np.int64))
                coefs.append(per / limit)
                count += 1
        del pb
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0)
        return cls(np.concatenate(rows), np.concatenate(pairs), np.concatenate(coefs), count)


@dataclass(frozen=True)
class LagrangeOutcome:
    """The best bound found, its multipliers and the reduced cost of every option."""

    bound: float
    multiplier: FloatArray
    reduced_cost: FloatArray
    iterations: int
    seconds: float


def _evaluate(prob: ParcelProblem, rows: RelaxedRows, pi: FloatArray,
              heads: IntArray) -> tuple[float, FloatArray, FloatArray]:
    """``L(pi)``, the reduced costs and the subgradient (``1 - a_r x(pi)`` per row)."""
    prio = prob.priority[prob.pair_parcel].astype(np.float64)
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
    best_value, rc = _evaluate(prob, rows, pi, heads)[:2]
    best_pi, best_rc = pi.copy(), rc
    if rows.num_rows == 0 or not len(heads):
        return LagrangeOutcome(best_value, best_pi, best_rc, 0, time.perf_counter() - t0)
    step_scale, stall, it = STEP_SCALE, 0, 0
    direction = np.zeros(rows.num_rows)
    while it < max_iterations:
        it += 1
        value, rc, grad = _evaluate(prob, rows, pi, heads)
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
