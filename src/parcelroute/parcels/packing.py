"""Parts of a parcel scenario that are exactly one-dimensional bin packing.

A group of interchangeable batches (same origin, departure, stops, limits,
cost and accepted categories) forms a *packing part* when the parcels that can
ride them can ride nothing else, those batches carry nothing else, no crossing
on their route has a daily capacity, no recipient limit of those parcels can
bind, and at most one capacity dimension can bind. If the parcels fit in the
group's batches, delivering all of them is the best first level, and the
second level is the cost of one batch times the fewest bins: a bin packing
problem, solved by :mod:`parcelroute.parcels.binpacking` with a proven lower
bound. Everything else goes to the general solver, and the two answers are
merged (their levels and bounds add up, as the parts share nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from parcelroute.model.scenario import Batch, Scenario
from parcelroute.options import Deadline, PartOutcome, Progress, SolveOptions
from parcelroute.parcels.binpacking import solve_bin_packing
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.problem import MAX_DECIMALS, _scaled, decimal_scale, exact_decimal
from parcelroute.result import BatchLoad, ParcelAssignment

__all__ = ["PackingPart", "find_packing_parts", "solve_parcel_half"]

logger = logging.getLogger("parcelroute")

_DIMS = ("weight_kg", "volume_l", None)


@dataclass(frozen=True)
class PackingPart:
    """One bin packing part: parcels (scenario indices) and its interchangeable batches."""

    parcels: tuple[int, ...]
    optional: tuple[int, ...]
    batches: tuple[int, ...]
    arrives: dict[int, dt.date]
    sizes: tuple[int, ...]
    capacity: int
    dimension: str


def _batch_key(b: Batch) -> tuple[object, ...]:
    return (b.origin, b.departs, b.stops, b.max_weight_kg, b.max_volume_l, b.max_parcels,
            b.cost, None if b.accepts is None else tuple(sorted(b.accepts)))


def find_packing_parts(scenario: Scenario) -> list[PackingPart]:
    """The bin packing parts of ``scenario`` (see the module docstring).

    Examples
    --------
    >>> from parcelroute.bpplib import bin_packing_scenario_dict
    >>> from parcelroute.io import read_scenario_dict
    >>> s = read_scenario_dict(bin_packing_scenario_dict([6, 5, 4], 10))
    >>> [(p.sizes, p.capacity) for p in find_packing_parts(s)]
    [((6, 5, 4), 10)]
    """
    batches = scenario.batches
    if not batches or not scenario.parcels:
        return []
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for j, b in enumerate(batches):
        groups[_batch_key(b)].append(j)
    members = list(groups.values())
    if len(members) == len(batches):  # no two batches alike: nothing to gain
        return []
    capped = {n.id for n in scenario.nodes if n.daily_capacity is not None}
    reps = tuple(batches[g[0]] for g in members)
    compat = Compatibility(dataclasses.replace(scenario, batches=reps))
    by_group: dict[int, list[int]] = defaultdict(list)
    mixed: set[int] = set()
    for i, opts in enumerate(compat.options):
        groups_of = {o.batch for o in opts}
        if len(groups_of) == 1:
            by_group[next(iter(groups_of))].append(i)
        else:
            mixed.update(groups_of)
    # recipients whose limits could bind, over every parcel that has some option
    per_recipient: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(scenario.parcels):
        if p.recipient is not None and compat.options[i]:
            per_recipient[p.recipient].append(i)
    binding_recipients = set()
    for d, idx in per_recipient.items():
        n_max, w_max = scenario.parcel_limits(d)
        if (n_max is not None and len(idx) > n_max) or (
                w_max is not None and sum(scenario.parcels[i].weight_kg for i in idx) > w_max):
            binding_recipients.add(d)
    parts = []
    for g, idx in sorted(by_group.items()):
        if g in mixed:
            continue
        rep = reps[g]
        if any(stop in capped for stop in rep.stops):
            continue
        if any(scenario.parcels[i].recipient in binding_recipients for i in idx):
            continue
        arrives = {i: compat.options[i][0].arrives for i in idx}
        part = _make_part(scenario, idx, members[g], rep, arrives)
        if part is not None:
            parts.append(part)
    return parts


def _make_part(scenario: Scenario, idx: list[int], group: list[int], rep: Batch,
               arrives: dict[int, dt.date]) -> PackingPart | None:
    """A packing part if at most one dimension can bind, else None."""
    parcels = scenario.parcels
    binding = []
    for dim, cap in zip(_DIMS, (rep.max_weight_kg, rep.max_volume_l, rep.max_parcels), strict=True):
        if cap is None:
            continue
        total = len(idx) if dim is None else sum(getattr(parcels[i], dim) for i in idx)
        if total > cap:
            binding.append((dim, cap))
    if len(binding) > 1:
        return None
    forced = tuple(i for i in idx if parcels[i].priority > 0)
    optional = tuple(i for i in idx if parcels[i].priority == 0)
    if not binding:
        return PackingPart(forced, optional, tuple(group), arrives, tuple(1 for _ in forced),
                           max(1, len(forced)), "none")
    dim, cap = binding[0]
    if dim is None:
        if forced and int(cap) < 1:  # no parcel fits: the general solver says why
            return None
        return PackingPart(forced, optional, tuple(group), arrives, tuple(1 for _ in forced),
                           int(cap), "count")
    values = [getattr(parcels[i], dim) for i in idx]
    scale, exact = decimal_scale([*values, cap], MAX_DECIMALS)
    if not exact:  # the general solver reports such a part without claiming a proof
        return None
    sizes = tuple(_scaled(getattr(parcels[i], dim), scale, ROUND_CEILING) for i in forced)
    capacity = _scaled(cap, scale, ROUND_FLOOR)
    if any(s > capacity for s in sizes):
        return None
    return PackingPart(forced, optional, tuple(group), arrives, sizes, capacity,
                       "weight" if dim == "weight_kg" else "volume")


@dataclass
class _PartPlan:
    bins: list[list[int]]
    lower_bound: int


def _fill_optional(scenario: Scenario, part: PackingPart, plan: _PartPlan) -> list[int]:
    """Put priority-0 parcels into the opened batches where they still fit; return them."""
    if not part.optional or not plan.bins:
        return []
    rep = scenario.batches[part.batches[0]]
    limits = [None if v is None else exact_decimal(v) for v in
              (rep.max_weight_kg, rep.max_volume_l, rep.max_parcels)]

    def need(i: int) -> tuple[Decimal, Decimal, Decimal]:
        p = scenario.parcels[i]
        return exact_decimal(p.weight_kg), exact_decimal(p.volume_l), Decimal(1)

    loads = [[sum((need(i)[d] for i in members), Decimal(0)) for d in range(3)]
             for members in plan.bins]
    placed = []
    for i in part.optional:
        extra = need(i)
        for k, load in enumerate(loads):
            if all(lim is None or load[d] + extra[d] <= lim for d, lim in enumerate(limits)):
                for d in range(3):
                    load[d] += extra[d]
                plan.bins[k].append(i)
                placed.append(i)
                break
    return placed


def solve_parcel_half(scenario: Scenario, options: SolveOptions,
                      deadline: Deadline) -> PartOutcome:
    """Solve the parcel half: packing parts with the bin packing engine, the rest in general.

    Returns the same :class:`~parcelroute.options.PartOutcome` as
    :func:`parcelroute.parcels.solver.solve_parcels` would for the whole scenario.
    """
    from parcelroute.parcels.solver import solve_parcels

    parts = find_packing_parts(scenario)
    solved: list[tuple[PackingPart, _PartPlan]] = []
    # a share of the time stays for the general solver; when the parts are all there is,
    # only a little, for a part that turns out to need more batches than it has
    in_parts = sum(len(p.parcels) + len(p.optional) for p in parts)
    alone = in_parts == len(scenario.parcels) and \
        sum(len(p.batches) for p in parts) == len(scenario.batches)
    for k, part in enumerate(parts):
        limit = deadline.share(0.95 / (len(parts) - k) if alone else 1 / (len(parts) - k + 1))
        phase = "parcels: batch_cost (bin packing)" if len(parts) == 1 else \
            f"parcels: batch_cost (bin packing, part {k + 1} of {len(parts)})"

        def progress(bins: int, lower: int, phase: str = phase) -> None:
            options.report(Progress(phase, deadline.elapsed(), float(bins), float(lower)))

        res = solve_bin_packing(list(part.sizes), part.capacity, time_limit=limit, seed=options.seed,
                                workers=options.workers, on_progress=progress)
        if len(res.bins) > len(part.batches):
            logger.info("packing part of %d parcels needs %d bins but has %d batches: "
                        "solved in general", len(part.parcels), len(res.bins), len(part.batches))
            continue
        bins = [[part.parcels[k] for k in members] for members in res.bins if members]
        solved.append((part, _PartPlan(bins, res.lower_bound)))
        options.report(Progress(phase, deadline.elapsed(), float(len(bins)),
                                float(res.lower_bound)))
    if not solved:
        return solve_parcels(scenario, options, deadline)

    taken_parcels = {i for part, _ in solved for i in (*part.parcels, *part.optional)}
    taken_batches = {j for part, _ in solved for j in part.batches}
    rest = dataclasses.replace(
        scenario,
        parcels=tuple(p for i, p in enumerate(scenario.parcels) if i not in taken_parcels),
        batches=tuple(b for j, b in enumerate(scenario.batches) if j not in taken_batches),
    )
    general = solve_parcels(rest, options, deadline) if rest.parcels or rest.batches else None

    records: dict[str, ParcelAssignment] = {}
    loads: dict[str, BatchLoad] = {}
    objective = {"delivered_priority": 0.0, "batch_cost": 0.0}
    bound = {"delivered_priority": 0.0, "batch_cost": 0.0}
    for part, plan in solved:
        placed = set(_fill_optional(scenario, part, plan))
        cost = scenario.batches[part.batches[0]].cost
        for k, j in enumerate(part.batches):
            batch = scenario.batches[j]
            members = plan.bins[k] if k < len(plan.bins) else []
            ps = [scenario.parcels[i] for i in members]
            loads[batch.id] = BatchLoad(batch.id, bool(ps), len(ps),
                                        round(math.fsum(p.weight_kg for p in ps), 6),
                                        round(math.fsum(p.volume_l for p in ps), 6))
            for i in members:
                p = scenario.parcels[i]
                records[p.id] = ParcelAssignment(p.id, batch.id, part.arrives[i])
        for i in part.optional:
            if i not in placed:
                p = scenario.parcels[i]
                records[p.id] = ParcelAssignment(
                    p.id, None, None, "cost",
                    "its priority is 0 and no batch already running has room for it; "
                    "running another batch for it would only add cost")
        prio = float(sum(scenario.parcels[i].priority for i in part.parcels))
        objective["delivered_priority"] += prio
        bound["delivered_priority"] += prio
        objective["batch_cost"] += cost * len(plan.bins)
        bound["batch_cost"] += cost * plan.lower_bound
    stats: dict[str, float] = {"packing_parts": float(len(solved))}
    if general is not None:
        for key in objective:
            objective[key] += general.objective[key]
            bound[key] += general.bound[key]
        records.update((r.id, r) for r in general.parcels)
        loads.update((b.id, b) for b in general.batches)
        stats.update(general.stats)
    return PartOutcome(
        objective=objective,
        bound=bound,
        parcels=tuple(records[p.id] for p in scenario.parcels),
        batches=tuple(loads[b.id] for b in scenario.batches),
        stats=stats,
    )
