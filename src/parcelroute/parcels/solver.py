"""Parcel allocation: two objective levels solved in strict order with HiGHS.

Level 1 maximises the delivered priority; level 2 fixes that value and
minimises the cost of operated batches. Each level is a mixed-integer
program over the (parcel, batch) options of :mod:`parcelroute.parcels.compat`,
started from a greedy plan, with only the constraints that can bind. Its
value and HiGHS's proven dual bound are reported as they are.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from parcelroute.model.scenario import Scenario
from parcelroute.options import Deadline, PartOutcome, Progress, SolveOptions
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.explain import explain
from parcelroute.parcels.greedy import (
    Loads,
    empty_batches,
    fill_left_out,
    greedy_assign,
)
from parcelroute.parcels.mip import MipModel, solve_mip
from parcelroute.parcels.problem import ParcelProblem, l2_bound

__all__ = ["solve_parcels"]

logger = logging.getLogger("parcelroute")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class LevelResult:
    """Value and proven bound of one level, in scenario units."""

    value: float
    bound: float
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _parcel_rows(prob: ParcelProblem, x: IntArray, forced: npt.NDArray[np.bool_] | None,
                 model: MipModel) -> None:
    """Each parcel rides at most one batch (exactly one when it must be delivered)."""
    parcels = prob.pair_parcel
    uniq, group = np.unique(parcels, return_inverse=True)
    upper = np.ones(len(uniq))
    lower = np.zeros(len(uniq)) if forced is None else forced[uniq].astype(np.float64)
    model.add_grouped_rows(group.astype(np.int64), x, np.ones(len(x)), lower, upper)


def _capacity_rows(prob: ParcelProblem, x: IntArray, y: IntArray | None, model: MipModel) -> None:
    """Weight, volume and count of a batch stay within its limits (times y_b when linked)."""
    for dim, rows in zip(prob.dims, prob.binding_dims, strict=True):
        for b in rows:
            es = prob.batch_pairs[b]
            coef = dim.per_parcel[prob.pair_parcel[es]].astype(np.float64)
            cap = float(dim.capacity[b])
            if y is None:
                model.add_row(x[es], coef, upper=cap)
            else:
                model.add_row(np.append(x[es], y[b]), np.append(coef, -cap), upper=0.0)


def _crossing_rows(prob: ParcelProblem, x: IntArray, model: MipModel) -> None:
    """A crossing inspects at most its daily capacity of parcels on each date."""
    for _node, _day, capacity, es in prob.crossing_rows:
        model.add_row(x[es], np.ones(len(es)), upper=float(capacity))


def _recipient_rows(prob: ParcelProblem, x: IntArray, model: MipModel) -> None:
    """A detainee receives at most their parcel count and weight limits."""
    pair_of_parcel: dict[int, list[int]] = {}
    for e, i in enumerate(prob.pair_parcel.tolist()):
        pair_of_parcel.setdefault(i, []).append(e)
    for _r, n_max, w_max, members in prob.recipient_rows:
        es = np.array([e for i in members.tolist() for e in pair_of_parcel[i]], np.int64)
        if n_max >= 0:
            model.add_row(x[es], np.ones(len(es)), upper=float(n_max))
        if w_max >= 0:
            coef = prob.weight[prob.pair_parcel[es]].astype(np.float64)
            model.add_row(x[es], coef, upper=float(w_max))


def _linking_rows(prob: ParcelProblem, x: IntArray, y: IntArray, model: MipModel) -> None:
    """A parcel rides only an operated batch: x_pb <= y_b."""
    n = len(x)
    starts = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    index = np.empty(2 * n, np.int64)
    index[0::2] = x
    index[1::2] = y[prob.pair_batch]
    value = np.tile(np.array([1.0, -1.0]), n)
    model.add_rows(starts, index, value, np.full(n, -math.inf), np.zeros(n))


def _symmetry_rows(prob: ParcelProblem, y: IntArray, model: MipModel) -> None:
    """Among interchangeable batches, operate the earlier ones first: y_b >= y_b'."""
    for group in prob.identical_batch_groups():
        for a, b in itertools.pairwise(group):
            model.add_row(np.array([y[a], y[b]]), np.array([1.0, -1.0]), lower=0.0)


def _packing_bound_rows(
    prob: ParcelProblem, y: IntArray, forced: npt.NDArray[np.bool_], model: MipModel
) -> int:
    """Interchangeable batches must be enough for the parcels that can only ride them.

    For each group of interchangeable batches, the parcels that must be
    delivered and have no option outside the group need at least the
    bin-packing bound L2 of batches, in every capacity dimension.
    Returns the number of rows added.
    """
    added = 0
    groups = prob.identical_batch_groups()
    if not groups:
        return 0
    group_of = np.full(prob.num_batches, -1, np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    pair_group = group_of[prob.pair_batch]
    parcels = prob.pair_parcel
    # a parcel qualifies if all its options lie in one group
    first = np.full(prob.num_parcels, -2, np.int64)
    ok = np.ones(prob.num_parcels, bool)
    for e in range(prob.num_pairs):
        i, g = int(parcels[e]), int(pair_group[e])
        if g < 0:
            ok[i] = False
        elif first[i] == -2:
            first[i] = g
        elif first[i] != g:
            ok[i] = False
    for g, members in enumerate(groups):
        sel = ok & forced & (first == g)
        if not sel.any():
            continue
        need = 0
        b0 = members[0]
        for dim in prob.dims:
            c = int(dim.capacity[b0])
            if c >= 0:
                need = max(need, l2_bound(dim.per_parcel[sel], c))
        need = min(need, len(members))
        if need > 1:
            model.add_row(y[np.array(members)], np.ones(len(members)), lower=float(need))
            added += 1
    return added


def _level1(prob: ParcelProblem, loads: Loads, options: SolveOptions, deadline: Deadline,
            share: float) -> tuple[IntArray, LevelResult]:
    """Maximise the delivered priority."""
    upper = float(prob.deliverable_priority())
    assign = greedy_assign(prob, loads)
    greedy_value = float(prob.priority[assign >= 0].sum()) if len(assign) else 0.0
    if prob.unconstrained or greedy_value >= upper:
        return assign, LevelResult(greedy_value, upper, notes=["greedy reaches the bound"])
    model = MipModel(maximize=True)
    x = model.add_columns(prob.priority[prob.pair_parcel].astype(np.float64),
                          upper=np.ones(prob.num_pairs))
    _parcel_rows(prob, x, None, model)
    _capacity_rows(prob, x, None, model)
    _crossing_rows(prob, x, model)
    _recipient_rows(prob, x, model)
    start = _pairs_from_assign(prob, assign)

    def progress(incumbent: float, bound: float) -> None:
        options.report(Progress("parcels: delivered_priority", deadline.elapsed(), incumbent,
                                bound))

    out = solve_mip(model, time_limit=deadline.share(share * 0.45), relative_gap=options.relative_gap,
                    threads=options.workers, seed=options.seed, start=start, on_progress=progress)
    bound = min(upper, math.floor(out.bound + 1e-6)) if math.isfinite(out.bound) else upper
    if out.x is not None and out.value > greedy_value + 1e-9:
        assign = _assign_from_pairs(prob, out.x)
    value = float(prob.priority[assign >= 0].sum())
    return assign, LevelResult(value, max(bound, value), out.seconds, [out.status])


def _level2(prob: ParcelProblem, assign: IntArray, level1: float, options: SolveOptions,
            deadline: Deadline) -> tuple[IntArray, LevelResult]:
    """Minimise the cost of operated batches, delivered priority held at its level-1 value."""
    cost = prob.scaled_cost()
    if prob.num_pairs == 0:
        return assign, LevelResult(0.0, 0.0)
    everything = level1 >= prob.deliverable_priority()
    forced = prob.active & (prob.priority > 0) if everything else np.zeros(prob.num_parcels, bool)
    model = MipModel(maximize=False)
    x = model.add_columns(np.zeros(prob.num_pairs), upper=np.ones(prob.num_pairs))
    y = model.add_columns(cost, upper=np.ones(prob.num_batches))
    _parcel_rows(prob, x, forced, model)
    _capacity_rows(prob, x, y, model)
    _crossing_rows(prob, x, model)
    _recipient_rows(prob, x, model)
    _linking_rows(prob, x, y, model)
    _symmetry_rows(prob, y, model)
    cuts = _packing_bound_rows(prob, y, forced, model) if everything else 0
    if not everything:
        pri = prob.priority[prob.pair_parcel].astype(np.float64)
        model.add_row(x, pri, lower=level1)
    # unused batches: y_b = 0 when the batch has no option at all
    start_assign = _canonical(prob, assign)
    start = np.concatenate([_pairs_from_assign(prob, start_assign),
                            _operated(prob, start_assign).astype(np.float64)])

    def progress(incumbent: float, bound: float) -> None:
        options.report(Progress("parcels: batch_cost", deadline.elapsed(),
                                prob.unscale_cost(incumbent), prob.unscale_cost(bound)))

    out = solve_mip(model, time_limit=deadline.left(), relative_gap=options.relative_gap,
                    threads=options.workers, seed=options.seed, start=start, on_progress=progress)
    best = start_assign
    if out.x is not None:
        cand = _assign_from_pairs(prob, out.x[: prob.num_pairs])
        cand_cost = float(cost[_operated(prob, cand)].sum())
        if cand_cost < float(cost[_operated(prob, best)].sum()) - 1e-9 and \
                float(prob.priority[cand >= 0].sum()) >= level1:
            best = cand
    value = prob.unscale_cost(float(cost[_operated(prob, best)].sum()))
    raw = out.bound if math.isfinite(out.bound) else 0.0
    if prob.cost_int is not None:
        raw = math.ceil(raw - 1e-6)
    bound = min(value, max(0.0, prob.unscale_cost(raw)))
    notes = [out.status, f"{cuts} packing cuts"]
    return best, LevelResult(value, bound, out.seconds, notes)


def _pairs_from_assign(prob: ParcelProblem, assign: IntArray) -> FloatArray:
    """0/1 vector over pairs from a per-parcel chosen pair (-1: none)."""
    x = np.zeros(prob.num_pairs)
    chosen = assign[assign >= 0]
    x[chosen] = 1.0
    return x


def _assign_from_pairs(prob: ParcelProblem, xval: FloatArray) -> IntArray:
    """Per-parcel chosen pair from a 0/1 vector over pairs."""
    assign = np.full(prob.num_parcels, -1, np.int64)
    chosen = np.flatnonzero(xval > 0.5)
    assign[prob.pair_parcel[chosen]] = chosen
    return assign


def _operated(prob: ParcelProblem, assign: IntArray) -> npt.NDArray[np.bool_]:
    """Which batches carry at least one parcel."""
    used = np.zeros(prob.num_batches, bool)
    chosen = assign[assign >= 0]
    used[prob.pair_batch[chosen]] = True
    return used


def _canonical(prob: ParcelProblem, assign: IntArray) -> IntArray:
    """Relabel interchangeable batches so that the operated ones come first."""
    groups = prob.identical_batch_groups()
    if not groups:
        return assign
    pair_index = {(int(i), int(b)): e for e, (i, b) in
                  enumerate(zip(prob.pair_parcel.tolist(), prob.pair_batch.tolist(), strict=True))}
    used = _operated(prob, assign)
    out = assign.copy()
    for group in groups:
        carrying = [b for b in group if used[b]]
        target = dict(zip(carrying, group[: len(carrying)], strict=True))
        if all(a == b for a, b in target.items()):
            continue
        for i in np.flatnonzero(assign >= 0):
            b = int(prob.pair_batch[assign[i]])
            if b in target and target[b] != b:
                out[i] = pair_index[(int(i), target[b])]
    return out


def solve_parcels(scenario: Scenario, options: SolveOptions, deadline: Deadline,
                  share: float = 1.0) -> PartOutcome:
    """Allocate every parcel of ``scenario`` to a batch or say why it stays.

    Parameters
    ----------
    scenario : Scenario
    options : SolveOptions
    deadline : Deadline
        The whole solve's deadline; this half uses about ``share`` of what is left.
    share : float
        Fraction of the remaining time for the parcel half.

    Returns
    -------
    PartOutcome
        ``delivered_priority`` and ``batch_cost`` with their bounds, one record
        per parcel and per batch.
    """
    t0 = deadline.elapsed()
    compat = Compatibility(scenario)
    prob = ParcelProblem(scenario, compat)
    t_build = deadline.elapsed() - t0
    loads = Loads(prob)
    assign, lv1 = _level1(prob, loads, options, deadline, share)
    options.report(Progress("parcels: delivered_priority", deadline.elapsed(), lv1.value, lv1.bound))
    assign = empty_batches(prob, assign)
    assign, lv2 = _level2(prob, assign, lv1.value, options, deadline)
    # a parcel that still fits goes too (only priority-0 parcels can, once level 1 is proven)
    assign = fill_left_out(prob, assign)
    lv1.value = float(prob.priority[assign >= 0].sum())
    lv1.bound = max(lv1.bound, lv1.value)
    options.report(Progress("parcels: batch_cost", deadline.elapsed(), lv2.value, lv2.bound))
    parcels, batches = explain(prob, assign)
    stats = {
        "parcels_build_seconds": t_build,
        "parcels_level1_seconds": lv1.seconds,
        "parcels_level2_seconds": lv2.seconds,
        "parcels_pairs": float(prob.num_pairs),
    }
    logger.info("parcels: level 1 %s (bound %s) %s; level 2 %s (bound %s) %s",
                lv1.value, lv1.bound, lv1.notes, lv2.value, lv2.bound, lv2.notes)
    return PartOutcome(
        objective={"delivered_priority": lv1.value, "batch_cost": lv2.value},
        bound={"delivered_priority": lv1.bound, "batch_cost": lv2.bound},
        parcels=parcels,
        batches=batches,
        stats=stats,
    )
