"""The priced, facility-by-facility bound on the transport cost: valid and not empty."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

import parcelroute as pr
from parcelroute.generate import generate_scenario_dict
from parcelroute.io import read_scenario_dict
from parcelroute.visits.bounds import CostBound, cost_bound_in_background, lagrangian_cost_bound
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.lns import ReciprocityPrice, reciprocity_search, relax_by_facility
from parcelroute.visits.model import VisitModel, cost_scale


def test_the_bound_is_the_best_price_for_the_priority_asked() -> None:
    found = CostBound(sums={5: -40.0, 9: -80.5})
    assert found.bound(10) == 10  # 5 * 10 - 40 beats 9 * 10 - 80.5
    assert found.bound(20) == 100  # 9 * 20 - 80.5, rounded up
    assert found.bound(0) == 0  # never below zero
    assert CostBound().bound(50) == 0


def _generated_month(seed: int) -> tuple[VisitIndex, list[list[int]], tuple[int, bool], int,
                                          int]:
    """A generated month of 60 requests: its index, choices and cost scale, the best
    priority and the least scaled cost at that priority (both proven by CP-SAT)."""
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
    return index, choices, scale, best, round(solver.objective_value)


@pytest.mark.parametrize("seed", [0, 2])
def test_priced_bound_never_exceeds_the_least_cost(seed: int) -> None:
    index, choices, scale, best, least = _generated_month(seed)
    found = lagrangian_cost_bound(index, choices, best, None, scale=scale)
    assert found.sums
    assert 0 < found.bound(best) <= least


def test_background_pricing_stops_when_asked() -> None:
    index = VisitIndex(read_scenario_dict(generate_scenario_dict(1, 60, 3)))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    job = cost_bound_in_background(index, choices, 10**6, None)
    found = job.result()  # stopped at once: whatever prices were done still hold
    assert all(isinstance(total, float) for total in found.sums.values())


def _one_bus_for_side_b(max_difference: int) -> pr.Scenario:
    """Side A's two families come on their own; side B's one needs a bus costing 30.

    With ``max_difference`` 0 the best plan schedules one visit of each side
    (priority 2) and pays the bus; with 1 all three visits are scheduled (priority
    3), and the bus is paid too.
    """
    b = pr.ScenarioBuilder(name="one bus for side B")
    b.add_node("F-1").add_node("C")
    for d, side in (("D-A1", "A"), ("D-A2", "A"), ("D-B1", "B")):
        b.add_detainee(d, facility="F-1", side=side)
    b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00", end="12:00",
                  capacity=3)
    b.add_transport("T-1", origin="C", facility="F-1", date="2026-12-05", seats=4, cost=30)
    week = [("2026-12-01", "2026-12-10")]
    b.add_visit_request("V-A1", detainee="D-A1", priority=1, available=week)
    b.add_visit_request("V-A2", detainee="D-A2", priority=1, available=week)
    b.add_visit_request("V-B1", detainee="D-B1", priority=1, transport_from="C",
                        available=week)
    b.set_reciprocity(max_difference)
    return b.build()


def _priced_bounds(scenario: pr.Scenario, priority: int,
                   ) -> tuple[ReciprocityPrice | None, int, int]:
    """The reciprocity price, and the cost bound at ``priority`` without and with it."""
    index = VisitIndex(scenario)
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    _caps, relaxed = relax_by_facility(index, choices, None)
    price = reciprocity_search(index, choices, None, relaxed)
    plain = lagrangian_cost_bound(index, choices, priority, None).bound(priority)
    priced = lagrangian_cost_bound(index, choices, priority, None,
                                   reciprocity=price).bound(priority)
    return price, plain, priced


def test_pricing_reciprocity_raises_the_cost_bound_where_it_binds() -> None:
    """Binds: alone the facility reaches priority 2 with side A's free visits; the
    agreement needs side B's bus, and with side A charged 1 per visit (side B earning
    as much) the bound is the bus's 30, the optimum."""
    scenario = _one_bus_for_side_b(0)
    price, plain, priced = _priced_bounds(scenario, 2)
    assert price is not None and (price.ahead, price.quarters) == (0, 4)
    assert (plain, priced) == (0, 30)
    result = pr.solve(scenario)
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["transport_cost"] == result.bound["transport_cost"] == 30


def test_reciprocity_is_not_priced_where_the_facilities_keep_it() -> None:
    """Does not bind: with a difference of 1 allowed the facility alone keeps the
    agreement, no price is found, and the bound at priority 3 is the bus's 30 as
    before."""
    scenario = _one_bus_for_side_b(1)
    assert _priced_bounds(scenario, 3) == (None, 30, 30)
    result = pr.solve(scenario)
    assert result.status is pr.Status.OPTIMAL
    assert (result.objective["visit_priority"], result.objective["transport_cost"]) == (3, 30)


@pytest.mark.parametrize("seed", range(6))
def test_the_bound_with_reciprocity_priced_never_exceeds_the_least_cost(seed: int) -> None:
    """Generated months of 60 requests: whatever price reciprocity gets, the bound holds."""
    index, choices, scale, best, least = _generated_month(seed)
    _caps, relaxed = relax_by_facility(index, choices, None, scale=scale)
    found = reciprocity_search(index, choices, None, relaxed, scale=scale)
    side = 0 if found is None else found.ahead
    for quarters in (1, 4, 8):
        price = ReciprocityPrice(0, side, quarters)
        bound = lagrangian_cost_bound(index, choices, best, None, scale=scale,
                                      reciprocity=price).bound(best)
        assert bound <= least


def test_the_top_price_pays_a_dearest_transport_at_the_priced_worth() -> None:
    """Both families need the 30 bus. Unpriced, side B's priority-1 family pays for it at
    price 30. With side A charged 1 point a visit, side A's priority-2 family is worth 1
    and pays at 30; with side B charged, side A's is worth 3 (10) and side B's nothing;
    with side A charged 2 points, side A's is worth nothing and side B's 3 (10)."""
    from parcelroute.visits.bounds import _top_price

    b = pr.ScenarioBuilder(name="priced worth")
    b.add_node("F-1").add_node("C")
    b.add_detainee("D-A1", facility="F-1", side="A").add_detainee("D-B1", facility="F-1",
                                                                    side="B")
    b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00", end="12:00",
                  capacity=2)
    b.add_transport("T-1", origin="C", facility="F-1", date="2026-12-05", seats=4, cost=30)
    week = [("2026-12-01", "2026-12-10")]
    b.add_visit_request("V-A1", detainee="D-A1", priority=2, transport_from="C",
                        available=week)
    b.add_visit_request("V-B1", detainee="D-B1", priority=1, transport_from="C",
                        available=week)
    b.set_reciprocity(0)
    index = VisitIndex(b.build())
    choices = [index.model_sessions(r) for r in range(2)]
    assert _top_price(index, choices, 1) == 30  # V-B1, worth 1
    assert _top_price(index, choices, 1, ReciprocityPrice(0, 0, 4)) == 30  # V-A1, worth 1
    assert _top_price(index, choices, 1, ReciprocityPrice(0, 1, 4)) == 10  # V-A1 worth 3
    assert _top_price(index, choices, 1, ReciprocityPrice(0, 0, 8)) == 10  # V-B1 worth 3
