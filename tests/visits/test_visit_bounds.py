"""The priced, facility-by-facility bound on the transport cost: valid and not empty."""

from __future__ import annotations

import time

import pytest
from ortools.sat.python import cp_model

import parcelroute as pr
from parcelroute._integral import ceil_bound
from parcelroute.generate import generate_scenario_dict
from parcelroute.io import read_scenario_dict
from parcelroute.visits import bounds
from parcelroute.visits.bounds import (
    CostBound,
    _facility_models,
    _FacilityLp,
    _price_all,
    _priced,
    _relaxed_all,
    cost_bound_in_background,
    lagrangian_cost_bound,
)
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


def _facility_lps(index: VisitIndex, choices: list[list[int]], scale: tuple[int, bool],
                  ) -> tuple[list[VisitModel], list[_FacilityLp]]:
    models = _facility_models(index, choices, scale)
    return models, [_FacilityLp(vm, None) for vm in models]


@pytest.mark.parametrize("seed", [0, 2])
def test_a_facility_relaxation_never_exceeds_cp_sat_proven_optimum(seed: int) -> None:
    """Each facility's LP at a price is below the priced optimum CP-SAT proves; solved
    again at another price (from its last basis) it still is, and both are kept."""
    index, choices, scale, _best, _least = _generated_month(seed)
    models, lps = _facility_lps(index, choices, scale)
    for price in (3, 40):
        for vm, lp in zip(models, lps, strict=True):
            exact = _priced(vm, price, 30.0)
            relaxed = lp.solve(price, None)
            assert exact is not None and relaxed is not None
            assert relaxed[0] <= exact[0] + 1e-6
            assert lp.found[price] == relaxed
    assert all(set(lp.found) == {3, 40} for lp in lps)


def test_a_facility_without_a_plan_in_time_takes_its_relaxation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: CP-SAT finds no plan for any facility, so the pass sums the LPs' bounds
    (before, the pass was lost and the price with it)."""
    index, choices, scale, best, least = _generated_month(0)
    models, lps = _facility_lps(index, choices, scale)
    monkeypatch.setattr(bounds, "_priced", lambda *args, **kwargs: None)
    found = _price_all(models, lps, 20, None, None)
    assert found is not None
    assert found[0] == pytest.approx(sum(lp.found[20][0] for lp in lps))
    assert ceil_bound(found[0] + 20 * best) <= least


def test_a_facility_solved_in_time_keeps_the_better_of_its_two_bounds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind: with time enough CP-SAT proves each facility, and its bound (never
    below the LP's at the same price) is what the pass sums."""
    monkeypatch.setattr(bounds, "FACILITY_SECONDS", 30.0)
    index, choices, scale, _best, _least = _generated_month(2)
    models, lps = _facility_lps(index, choices, scale)
    relaxed = _relaxed_all(lps, 20, None, None)
    found = _price_all(models, lps, 20, None, None)
    solved = [_priced(vm, 20, 30.0) for vm in models]
    exact = sum(one[0] for one in solved if one is not None)
    assert None not in solved and relaxed is not None and found is not None
    assert found[0] == pytest.approx(exact)
    assert found[0] >= relaxed[0] - 1e-6


def test_a_pass_shares_the_time_left_among_the_facilities(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With 0.4 s left for the facilities of a month, none is given more than its share
    of the time still left (before, each got at least 0.5 s and the pass outran its
    time)."""
    index, choices, scale, _best, _least = _generated_month(1)
    models, lps = _facility_lps(index, choices, scale)
    assert len(models) >= 2
    limits: list[float] = []
    real = bounds._priced

    def record(vm: VisitModel, price: int, seconds: float, *args: object,
               ) -> tuple[float, float] | None:
        limits.append(seconds)
        return real(vm, price, seconds)

    monkeypatch.setattr(bounds, "_priced", record)
    started = time.perf_counter()
    found = _price_all(models, lps, 10, started + 0.4, None)
    assert found is not None and len(limits) == len(models)
    n = len(models)
    for k, limit in enumerate(limits):  # (the k-th shares at most 0.4 s with n - k - 1 others)
        assert limit <= max(bounds.SHARE_FLOOR, bounds.PASS_SHARE * 0.4 / (n - k)) + 1e-9
    assert time.perf_counter() - started < 0.4 + 2.0  # (generous: CI machines are loaded)


def test_the_relaxations_aim_the_search_and_bound_on_their_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The LPs alone give a positive bound, below the least cost and below what CP-SAT's
    price adds; CP-SAT prices the one price where the LPs' bound was best."""
    index, choices, scale, best, least = _generated_month(0)
    monkeypatch.setattr(bounds, "AIMED_PRICES", 0)
    relaxed = lagrangian_cost_bound(index, choices, best, None, scale=scale)
    assert 0 < relaxed.bound(best) <= least
    monkeypatch.setattr(bounds, "AIMED_PRICES", 1)
    first: list[int] = []
    real = bounds._price_all

    def record(models: list[VisitModel], lps: list[_FacilityLp], price: int,
               *args: object) -> tuple[float, float] | None:
        first.append(price)
        return real(models, lps, price, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(bounds, "_price_all", record)
    found = lagrangian_cost_bound(index, choices, best, None, scale=scale)
    aimed = max(relaxed.sums, key=lambda price: relaxed.sums[price] + price * best)
    assert first == [aimed]  # (and no other: more passes add little and slow the plan)
    assert relaxed.bound(best) <= found.bound(best) <= least


def test_a_relaxation_solved_again_has_its_whole_time() -> None:
    """HiGHS counts an instance's time limit over all its runs: each solve sets the limit
    to the time already run plus the time left, and a price solved once is not solved
    again (the CP-SAT pass's fallback reuses it)."""
    index, choices, scale, _best, _least = _generated_month(0)
    _models, lps = _facility_lps(index, choices, scale)
    lp = lps[0]
    assert lp.solve(5, None) is not None
    highs = lp._lp
    assert highs is not None
    highs.getRunTime = lambda: 100.0  # type: ignore[method-assign]  # as after long runs
    found = lp.solve(9, time.perf_counter() + 5.0)
    assert found is not None  # (with a limit of 5 s it would stop at once)
    assert highs.getOptionValue("time_limit")[1] >= 100.0
    runs: list[int] = []
    highs.run = lambda: runs.append(1)  # type: ignore[method-assign]
    assert lp.solve(9, None) == found and not runs


@pytest.mark.parametrize(("tries", "expected"), [(1, [195]), (3, [195, 200])])
def test_the_top_price_is_tried_only_within_the_tries(tries: int,
                                                      expected: list[int]) -> None:
    """Prices that never reach the target climb to the top price: from 195 of 200 the
    search has converged at once. With one try allowed (CP-SAT after the relaxations)
    the top is not priced on top of it; with three it is."""
    out = CostBound()
    seen: list[int] = []

    def price_all(price: int) -> tuple[float, float]:
        seen.append(price)
        return -10.0 * price, 0.0  # the plans reach nothing: the price keeps rising

    tried = bounds._bisect(price_all, out, 195, 200, 100, 0.0, tries, "test")
    assert tried == seen == expected
    assert set(out.sums) == set(seen)


def test_the_facilities_models_of_step_1_are_priced_as_built_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the models step 1 built (FacilityModels), the pricing builds none of its own
    and proves the same bound as with its own."""
    from parcelroute.visits.lns import FacilityModels

    index, choices, scale, best, least = _generated_month(0)
    own = lagrangian_cost_bound(index, choices, best, None, scale=scale)
    given = list(FacilityModels(index, choices, scale).models.values())

    def refuse(*args: object) -> list[VisitModel]:
        raise AssertionError("the models were given")

    monkeypatch.setattr(bounds, "_facility_models", refuse)
    reused = lagrangian_cost_bound(index, choices, best, None, scale=scale, models=given)
    assert reused.bound(best) == own.bound(best) <= least
