"""The model a capable user would write first: direct CP-SAT, weighted-sum objective.

One boolean per (parcel, compatible batch), one per batch, every parcel rule
of DOMAIN.md, and a single objective ``M * priority - cost`` with ``M`` larger
than the total cost, so it is exact. It is the baseline the benchmarks compare
parcelroute's solver with.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from parcelroute.model.scenario import Scenario
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.problem import ParcelProblem


@dataclass
class BaselineOutcome:
    """Values and bounds of the two parcel levels found by the direct model."""

    delivered_priority: float
    batch_cost: float
    priority_bound: float
    cost_bound: float
    optimal: bool
    seconds: float


def solve_direct_cpsat(scenario: Scenario, time_limit: float, workers: int = 2,
                       seed: int = 0) -> BaselineOutcome:
    """Solve the parcel half with the direct CP-SAT model."""
    t0 = time.perf_counter()
    prob = ParcelProblem(scenario, Compatibility(scenario))
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x_{i}_{b}") for i, b in
         zip(prob.pair_parcel.tolist(), prob.pair_batch.tolist(), strict=True)]
    y = [model.new_bool_var(f"y_{b}") for b in range(prob.num_batches)]
    by_parcel: dict[int, list[int]] = defaultdict(list)
    by_batch: dict[int, list[int]] = defaultdict(list)
    for e, (i, b) in enumerate(zip(prob.pair_parcel.tolist(), prob.pair_batch.tolist(),
                                   strict=True)):
        by_parcel[i].append(e)
        by_batch[b].append(e)
        model.add_implication(x[e], y[b])
    for es in by_parcel.values():
        model.add_at_most_one(x[e] for e in es)
    for dim in prob.dims:
        for b, es in by_batch.items():
            cap = int(dim.capacity[b])
            if cap >= 0:
                model.add(sum(int(dim.per_parcel[prob.pair_parcel[e]]) * x[e] for e in es) <= cap)
    for _node, _day, capacity, pairs in prob.crossing_rows:
        model.add(sum(x[e] for e in pairs.tolist()) <= capacity)
    for _r, n_max, w_max, members in prob.recipient_rows:
        es = [e for i in members.tolist() for e in by_parcel[i]]
        if n_max >= 0:
            model.add(sum(x[e] for e in es) <= n_max)
        if w_max >= 0:
            model.add(sum(int(prob.weight[prob.pair_parcel[e]]) * x[e] for e in es) <= w_max)
    cost = [int(c) for c in prob.scaled_cost()]
    big = sum(cost) + 1
    pri = prob.priority[prob.pair_parcel].tolist()
    model.maximize(sum(big * p * x[e] for e, p in enumerate(pri))
                   - sum(c * y[b] for b, c in enumerate(cost)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - t0))
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound
        delivered = sum(p for e, p in enumerate(pri) if solver.value(x[e]))
        paid = sum(c for b, c in enumerate(cost) if solver.value(y[b]))
        # big * priority - cost <= bound with 0 <= cost < big
        priority_bound: float = (int(bound) + big - 1) // big
        cost_bound = max(0.0, delivered * big - bound) if priority_bound == delivered else 0.0
    else:
        delivered, paid, priority_bound, cost_bound = 0, 0, float(prob.deliverable_priority()), 0.0
    return BaselineOutcome(
        delivered_priority=float(delivered),
        batch_cost=prob.unscale_cost(float(paid)),
        priority_bound=float(priority_bound),
        cost_bound=prob.unscale_cost(float(cost_bound)),
        optimal=status == cp_model.OPTIMAL,
        seconds=time.perf_counter() - t0,
    )
