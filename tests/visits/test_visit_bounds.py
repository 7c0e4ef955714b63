"""The priced, facility-by-facility bound on the transport cost: valid and not empty."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from parcelroute.generate import generate_scenario_dict
from parcelroute.io import read_scenario_dict
from parcelroute.visits.bounds import CostBound, cost_bound_in_background, lagrangian_cost_bound
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.model import VisitModel, cost_scale


def test_the_bound_is_the_best_price_for_the_priority_asked() -> None:
    found = CostBound(sums={5: -40.0, 9: -80.5})
    assert found.bound(10) == 10  # 5 * 10 - 40 beats 9 * 10 - 80.5
    assert found.bound(20) == 100  # 9 * 20 - 80.5, rounded up
    assert found.bound(0) == 0  # never below zero
    assert CostBound().bound(50) == 0


@pytest.mark.parametrize("seed", [0, 2])
def test_priced_bound_never_exceeds_the_least_cost(seed: int) -> None:
    index = VisitIndex(read_scenario_dict(generate_scenario_dict(seed, 60, 3)))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    scale = cost_scale([t.cost for t in index.transports])
    vm = VisitModel(index, choices, scale=scale)
    vm.model.maximize(vm.priority())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    assert solver.solve(vm.model) == cp_model.OPTIMAL
    best = round(solver.objective_value)
    vm.model.add(vm.priority() >= best)
    vm.model.minimize(vm.cost())
    assert solver.solve(vm.model) == cp_model.OPTIMAL
    least = round(solver.objective_value)
    found = lagrangian_cost_bound(index, choices, best, None, scale=scale)
    assert found.sums
    assert 0 < found.bound(best) <= least


def test_background_pricing_stops_when_asked() -> None:
    index = VisitIndex(read_scenario_dict(generate_scenario_dict(1, 60, 3)))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    job = cost_bound_in_background(index, choices, 10**6, None)
    found = job.result()  # stopped at once: whatever prices were done still hold
    assert all(isinstance(total, float) for total in found.sums.values())
