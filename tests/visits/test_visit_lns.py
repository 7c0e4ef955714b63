"""Facility by facility: the reciprocity bound and the prices it tries."""

from __future__ import annotations

import logging
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.visits import lns
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.lns import FacilityModels, reciprocity_bound, relax_by_facility

WEEK = [("2026-12-01", "2026-12-10")]


def two_sides(*, contested: bool) -> pr.Scenario:
    """Side A ahead by one visit in the relaxation; ``contested``: one seat for A and B.

    Contested: A-1 (priority 2) and B-1 (priority 1) want the only seat. At the
    first price (the lowest priority, 1) B-1's visit is worth 2 and A-1's 1, so
    B-1 takes the seat and side A no longer leads. Not contested: A-1, A-2
    (priority 2) and B-1 (priority 1) all fit, and at that price side A still
    leads by one.
    """
    b = pr.ScenarioBuilder(name="two sides", start="2026-12-01", end="2026-12-31")
    b.add_node("F-1")
    b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00", end="12:00",
                  capacity=1 if contested else 4)
    b.add_detainee("D-A1", facility="F-1", side="A")
    b.add_detainee("D-B1", facility="F-1", side="B")
    b.add_visit_request("V-A1", detainee="D-A1", priority=2, available=WEEK)
    b.add_visit_request("V-B1", detainee="D-B1", priority=1, available=WEEK)
    if not contested:
        b.add_detainee("D-A2", facility="F-1", side="A")
        b.add_visit_request("V-A2", detainee="D-A2", priority=2, available=WEEK)
    b.set_reciprocity(0)
    return b.build()


def priced(scenario: pr.Scenario, caplog: pytest.LogCaptureFixture) -> tuple[int | None, int]:
    """The reciprocity bound and how many prices it tried."""
    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    _caps, relaxed = relax_by_facility(index, choices, None)
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        bound = reciprocity_bound(index, choices, None, relaxed)
    prices = sum(1 for r in caplog.records if r.getMessage().startswith("reciprocity price"))
    return bound, prices


@pytest.mark.parametrize(("contested", "prices", "bound", "optimum"), [
    # binds: at price 1 B-1's visit is worth 1 + 1, A-1's 2 - 1; in quarters 8 // 4, and no
    # plan of one visit keeps max_difference 0
    (True, 1, 2, 0),
    # does not bind: price 1 gives 1 + 1 + 2 = 4; side A still leads, so price 1.5 follows:
    # 0.5 + 0.5 + 2.5 = 3.5, rounded down to the optimum
    (False, 2, 3, 3),
])
def test_the_price_search_stops_once_the_side_ahead_no_longer_leads(
        caplog: pytest.LogCaptureFixture, contested: bool, prices: int, bound: int,
        optimum: int) -> None:
    scenario = two_sides(contested=contested)
    assert priced(scenario, caplog) == (bound, prices)
    assert pr.solve(scenario).objective["visit_priority"] == optimum


@st.composite
def two_sided_months(draw: st.DrawFn) -> pr.Scenario:
    """Up to 8 detainees on two sides (A more often) at two facilities, open sessions."""
    b = pr.ScenarioBuilder(name="random two sides", start="2026-12-01", end="2026-12-31")
    facilities = ["F-1", "F-2"]
    for f in facilities:
        b.add_node(f)
    for i in range(draw(st.integers(1, 4))):
        b.add_session(f"S-{i}", facility=draw(st.sampled_from(facilities)),
                      date=draw(st.sampled_from(["2026-12-04", "2026-12-05"])),
                      start="10:00", end="12:00", capacity=draw(st.integers(1, 3)))
    dets = [f"D-{i}" for i in range(draw(st.integers(2, 8)))]
    for d in dets:
        b.add_detainee(d, facility=draw(st.sampled_from(facilities)),
                       side=draw(st.sampled_from(["A", "A", "B"])))
    for i in range(draw(st.integers(1, 10))):
        b.add_visit_request(f"V-{i}", detainee=draw(st.sampled_from(dets)),
                            priority=draw(st.integers(0, 3)), available=WEEK)
    b.set_reciprocity(draw(st.integers(0, 1)))
    return b.build()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_sided_months())
def test_reciprocity_bound_is_never_below_the_optimum(scenario: pr.Scenario) -> None:
    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    _caps, relaxed = relax_by_facility(index, choices, None)
    bound = reciprocity_bound(index, choices, None, relaxed)
    result = pr.solve(scenario)
    assert result.status is pr.Status.OPTIMAL
    if bound is not None:
        assert result.objective["visit_priority"] <= bound


def _no_cp_sat_pass(*_: object, **__: object) -> None:
    raise AssertionError("a CP-SAT pass over the facilities ran")


@pytest.mark.parametrize(("contested", "bound", "price"), [
    # binds: one seat, A-1 worth 8 - p quarters and B-1 4 + p; the LP's best is their
    # larger one, 7 quarters at p = 1 and 6 at p = 2: 1 (the least price of it), where
    # CP-SAT's two prices proved 2
    (True, 1, 1),
    # binds: room for all three, A-1 and A-2 worth 8 - p, B-1 4 + p: (20 - p) / 4 up to
    # p = 8, first 3 at p = 5, the optimum
    (False, 3, 5),
])
def test_without_time_for_a_pass_the_price_is_searched_on_the_relaxations(
        monkeypatch: pytest.MonkeyPatch, contested: bool, bound: int, price: int) -> None:
    """Where one CP-SAT pass over the facilities took longer than the time left, the
    prices are tried on the facilities' linear relaxations, by bisection on the bound's
    slope, and no CP-SAT pass runs."""
    scenario = two_sides(contested=contested)
    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    _caps, relaxed = relax_by_facility(index, choices, None)
    optimum = pr.solve(scenario).objective["visit_priority"]
    monkeypatch.setattr(lns, "_solve_facilities", _no_cp_sat_pass)
    found = lns.reciprocity_search(index, choices, 5.0, relaxed, pass_seconds=6.0)
    assert found is not None
    assert (found.bound, found.ahead, found.quarters) == (bound, 0, price)
    assert optimum <= bound


@pytest.mark.parametrize(("seconds", "pass_seconds"), [(5.0, 4.0), (None, 6.0), (5.0, None)])
def test_with_time_for_a_pass_the_prices_stay_with_cp_sat(
        monkeypatch: pytest.MonkeyPatch, seconds: float | None,
        pass_seconds: float | None) -> None:
    """A pass that fits the time left, no time limit, or no pass measured: CP-SAT prices,
    as before (bound 2 for the contested month)."""
    index = VisitIndex(two_sides(contested=True))
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    _caps, relaxed = relax_by_facility(index, choices, None)
    monkeypatch.setattr(lns, "_reciprocity_on_relaxations", _no_cp_sat_pass)
    found = lns.reciprocity_search(index, choices, seconds, relaxed,
                                   pass_seconds=pass_seconds)
    assert found is not None and found.bound == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_sided_months())
def test_the_reciprocity_bound_on_the_relaxations_is_never_below_the_optimum(
        scenario: pr.Scenario) -> None:
    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    _caps, relaxed = relax_by_facility(index, choices, None)
    found = lns.reciprocity_search(index, choices, 30.0, relaxed, pass_seconds=31.0)
    result = pr.solve(scenario)
    assert result.status is pr.Status.OPTIMAL
    if found is not None:
        assert result.objective["visit_priority"] <= found.bound


@pytest.mark.parametrize("workers", [1, 2])
def test_the_relaxations_bound_the_facilities_cp_sat_missed(workers: int) -> None:
    """Binds: CP-SAT's pass reached no facility. F-1's LP at price 0 is the larger
    request alone (8 quarters: cap 2), and with reciprocity priced on the LPs (either side
    tried) the bound is 1, at 1 quarter charged to side A, as on the relaxations alone.
    A solve before leaves HiGHS' thread pool at two threads: the LPs, one thread each,
    some on other threads, still run (they returned an error before the pool was matched
    on this thread first)."""
    assert pr.solve(two_sides(contested=True), workers=2).status is pr.Status.OPTIMAL
    index = VisitIndex(two_sides(contested=True))
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    models = FacilityModels(index, choices, (1, True))
    lp_caps, found = lns.relaxations_bound(index, models, {}, None, workers)
    assert lp_caps == {"F-1": 2}
    assert found is not None and (found.bound, found.ahead, found.quarters) == (1, 0, 1)


@pytest.mark.parametrize("left_behind", [True, False])
def test_a_facility_lp_left_behind_is_never_run_again(monkeypatch: pytest.MonkeyPatch,
                                                      left_behind: bool) -> None:
    """Binds: a facility LP whose run was left behind (its worker may still be inside)
    gives no bound, and is neither run nor built again at later prices. Slack: one that
    returned gives its bound at every price."""
    index = VisitIndex(two_sides(contested=True))
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    prices = lns._RelaxedPrices(index, FacilityModels(index, choices, (1, True)), 4, None)
    import parcelroute.visits.mip as mip

    for module in (lns, mip):
        monkeypatch.setattr(module, "was_left_behind", lambda _lp: left_behind)
    runs: list[int] = []
    resolve = lns.resolve_relaxation

    def counted(*args: object) -> float | None:
        runs.append(1)
        return resolve(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(lns, "resolve_relaxation", counted)
    got = [prices.facility(0, price) for price in (0, 1)]
    if left_behind:
        assert got == [None, None] and len(runs) == 1 and prices.lps == [None]
    else:
        assert got == [8, 7] and len(runs) == 2


def test_the_relaxations_leave_the_facilities_cp_sat_bounded() -> None:
    """Slack: a facility CP-SAT bounded gets no LP cap, and without reciprocity no price."""
    b = pr.ScenarioBuilder(name="no agreement", start="2026-12-01", end="2026-12-31")
    for fac in ("F-1", "F-2"):
        b.add_node(fac)
        b.add_session(f"S-{fac}", facility=fac, date="2026-12-05", start="10:00",
                      end="12:00", capacity=1)
        for i in range(2):
            b.add_detainee(f"D-{fac}-{i}", facility=fac)
            b.add_visit_request(f"V-{fac}-{i}", detainee=f"D-{fac}-{i}", priority=i + 1,
                                available=WEEK)
    index = VisitIndex(b.build())
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    models = FacilityModels(index, choices, (1, True))
    lp_caps, found = lns.relaxations_bound(index, models, {"F-1": 2}, None)
    assert (lp_caps, found) == ({"F-2": 2}, None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_sided_months())
def test_the_bound_of_the_relaxations_is_never_below_the_optimum(scenario: pr.Scenario) -> None:
    """Whichever side the price charges (the search tries both), the LP caps and the
    priced bound hold."""
    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    models = FacilityModels(index, choices, (1, True))
    lp_caps, found = lns.relaxations_bound(index, models, {}, None, 2)
    optimum = pr.solve(scenario).objective["visit_priority"]
    assert optimum <= sum(lp_caps.values())
    if found is not None:
        assert optimum <= found.bound


@pytest.mark.parametrize("missed", [True, False])
def test_a_pass_that_missed_facilities_is_completed_by_their_relaxations(
        monkeypatch: pytest.MonkeyPatch, missed: bool) -> None:
    """Binds: step 1's CP-SAT pass reports no facility (as at 50,000 requests in 60 s,
    where it reached half of them): the LPs bound every facility, level 1's bound holds
    and the plan keeps every rule. Slack: a pass that reached all takes no LP cap."""
    import parcelroute.visits.solver as solver

    relax = solver.relax_by_facility

    def nothing_solved(*args: object, **kwargs: object) -> object:
        caps, placements = relax(*args, **kwargs)  # type: ignore[arg-type]
        return ({} if missed else caps), placements

    scenario = generate_scenario(0, 80, 5)
    exact = pr.solve(scenario)
    monkeypatch.setattr(solver, "relax_by_facility", nothing_solved)
    result = pr.solve(scenario, time_limit=30)
    assert pr.verify(scenario, result) == []
    assert ("visits_lp_caps" in result.stats) is missed
    if missed:  # (without them the bound would count every request's priority)
        assert result.stats["visits_lp_caps"] > 1
        assert result.stats["visits_relaxation_bound"] < sum(
            r.priority for r in scenario.visit_requests)
    assert result.bound["visit_priority"] >= exact.objective["visit_priority"]
    assert result.objective["visit_priority"] <= exact.objective["visit_priority"]


def test_the_relaxation_pass_time_reaches_the_price_search(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 1 hands the reciprocity search the time its CP-SAT pass over the facilities
    took, which decides where the prices are tried."""
    import parcelroute.visits.solver as solver

    given_: list[float | None] = []
    search = solver.reciprocity_search

    def spy(*args: object, **kwargs: object) -> lns.ReciprocityPrice | None:
        given_.append(kwargs["pass_seconds"])  # type: ignore[arg-type]
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solver, "reciprocity_search", spy)
    scenario = generate_scenario(0, 60, 3)
    result = pr.solve(scenario, time_limit=30)
    assert len(given_) == 1 and given_[0] is not None and 0.0 < given_[0] < 30.0
    assert pr.verify(scenario, result) == []


@pytest.mark.parametrize("limit", [None, 30.0])
def test_without_a_time_limit_the_improvement_counts_deterministic_time(
        monkeypatch: pytest.MonkeyPatch, limit: float | None) -> None:
    """Binds without a time limit: every re-plan gets CP-SAT's deterministic time (its
    use is counted against the budget) and no wall-time limit, so the plan does not
    depend on the machine's load. Slack under a time limit: wall time, as before."""
    import parcelroute.visits.solver as solver

    calls: list[dict[str, object]] = []
    improve = lns._improve

    def spy(*args: object, **kwargs: object) -> bool:
        calls.append(dict(kwargs))
        return improve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns, "_improve", spy)
    flags: list[object] = []
    by_facility = solver.improve_by_facility

    def outer(*args: object, **kwargs: object) -> int:
        flags.append(kwargs.get("deterministic"))
        return by_facility(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solver, "improve_by_facility", outer)
    scenario = generate_scenario(0, 80, 5)
    result = pr.solve(scenario, time_limit=limit)
    assert pr.verify(scenario, result) == []
    assert flags and all(f is (limit is None) for f in flags)
    assert calls
    if limit is None:
        assert all(isinstance(c.get("spent"), list) and "left" not in c for c in calls)
    else:
        assert all("spent" not in c and c.get("left") is not None for c in calls)


@pytest.mark.parametrize(("seconds", "limit"), [(60.0, 0.6), (1.0, 0.1)])
def test_a_neighbourhood_gets_a_share_of_a_long_budget(
        monkeypatch: pytest.MonkeyPatch, seconds: float, limit: float) -> None:
    """Each facility's model may take 1 % of a long search's budget (binds at 60 s), and
    never less than 0.1 s (binds at 1 s)."""
    import parcelroute.visits.lns as lns
    from parcelroute.generate import generate_scenario
    from parcelroute.visits.plan import PlanState

    given: list[float] = []

    def record(state: object, choices: object, facilities: object, requests: object,
               seconds: float, scale: object, room: bool, lock: object = None,
               left: float | None = None) -> bool:
        given.append(seconds)
        return False

    monkeypatch.setattr(lns, "_improve", record)
    index = VisitIndex(generate_scenario(0, 60, 3))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    assert lns.improve_by_facility(PlanState(index), choices, seconds) == 0
    assert given and all(s == pytest.approx(limit, abs=1e-6) for s in given)


def room_month() -> pr.Scenario:
    """Side B's facility seats either its priority-2 family of four or its two priority-1
    families of two (four visitors at most); side A's three priority-1 requests all fit,
    and side A may have one visit more than side B. Two B visits let A have three:
    priority 5."""
    b = pr.ScenarioBuilder(name="room under reciprocity", start="2026-12-01",
                           end="2026-12-31")
    for fac in ("F-A", "F-B"):
        b.add_node(fac)
        b.add_session(f"S-{fac}", facility=fac, date="2026-12-05", start="10:00",
                      end="12:00", capacity=3, max_visitors=4)
    for i, (side, priority, visitors) in enumerate(
            [("A", 1, 1), ("A", 1, 1), ("A", 1, 1), ("B", 2, 4), ("B", 1, 2), ("B", 1, 2)]):
        b.add_detainee(f"D-{i}", facility=f"F-{side}", side=side)
        b.add_visit_request(f"V-{i}", detainee=f"D-{i}", priority=priority,
                            visitors=visitors, available=WEEK)
    b.set_reciprocity(1)
    return b.build()


@pytest.mark.parametrize(("room_below", "priority"), [
    (6, 5),  # binds: F-B's re-plan takes its two families (same priority, one more B
             # visit), then F-A's re-plan adds its third visit
    (None, 4),  # slack: F-B's two plans are worth the same, so it keeps the one it has
    (4, 4),  # slack: the plan already has the priority of the bound given
])
def test_room_under_reciprocity_ranks_after_priority_while_level_1_is_open(
        monkeypatch: pytest.MonkeyPatch, room_below: int | None, priority: int) -> None:
    import parcelroute.visits.lns as lns
    from parcelroute.visits.plan import Placement, PlanState

    monkeypatch.setattr(lns, "MAX_FACILITIES", 1)  # (a pair of facilities finds 5 at once)
    index = VisitIndex(room_month())
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    state = PlanState(index)
    for ri, si in ((0, 0), (1, 0), (3, 1)):  # two A visits, and B's family of four
        state.add(ri, Placement(si))
    assert (state.priority(), state.side_count) == (4, [2, 1])  # side A leads by 1: binds
    lns.improve_by_facility(state, choices, 5.0, room_below=room_below, ahead=0)
    assert state.priority() == priority
    assert state.side_count[0] - state.side_count[1] == 1
    assert pr.solve(room_month()).objective["visit_priority"] == 5


@pytest.mark.parametrize(("difference", "price", "counts"), [
    (10, True, True),  # binds: the agreement allows 10, and the relaxation broke it
    (9, True, False),  # slack: the lead swings between both limits
    (10, False, False),  # slack: the relaxation kept the agreement (no price)
])
def test_room_counts_where_the_agreement_allows_a_wide_difference(
        difference: int, price: bool, counts: bool) -> None:
    from parcelroute.visits.lns import ReciprocityPrice
    from parcelroute.visits.solver import ROOM_MIN_DIFFERENCE, _room_counts

    assert ROOM_MIN_DIFFERENCE == 10
    b = pr.ScenarioBuilder(name="an agreement").set_reciprocity(difference)
    found = ReciprocityPrice(bound=7, ahead=0, quarters=4) if price else None
    assert _room_counts(b.build(), found) is counts


def huge_month() -> pr.Scenario:
    """One seat; V-1 (priority 1) has it, V-2 (priority 1e9) does not. Each family rides
    one of ten transports of cost 1e9: priority weighted above the cost (one more than the
    costs together, 1e10) times 1e9 does not fit in 64 bits."""
    b = pr.ScenarioBuilder(name="huge numbers", start="2026-12-01", end="2026-12-31")
    b.add_node("F-1").add_node("C-1", kind="city")
    b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00", end="12:00",
                  capacity=1)
    for i, priority in ((1, 1), (2, 10**9)):
        b.add_detainee(f"D-{i}", facility="F-1")
        b.add_visit_request(f"V-{i}", detainee=f"D-{i}", priority=priority,
                            transport_from="C-1", available=WEEK)
    for t in range(10):
        b.add_transport(f"T-{t}", origin="C-1", facility="F-1", date="2026-12-05", seats=4,
                        cost=10**9)
    return b.build()


def test_a_re_plan_whose_objective_would_overflow_maximises_priority_alone() -> None:
    """Binds: the re-plan still swaps V-1 for V-2 (CP-SAT refused the weighted model as
    one that may overflow, and the plan stayed at priority 1)."""
    from parcelroute.visits.lns import improve_by_facility
    from parcelroute.visits.plan import PlanState

    index = VisitIndex(huge_month())
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    state = PlanState(index)
    state.add(0, state.fit(0, 0))
    assert state.priority() == 1
    assert improve_by_facility(state, choices, 5.0) >= 1
    assert state.priority() == 10**9
    assert state.transport_cost() == 10**9


@pytest.mark.parametrize(("priorities", "costs", "sided", "weights"), [
    (10, 99, 3, (400, 100, 1)),  # slack: every term fits
    (10, 99, 0, (100, 0, 1)),  # slack: no room asked for
    (2**55, 99, 3, (100, 0, 1)),  # binds: the room goes (400 * 2**55 > 2**62 > 100 * 2**55)
    (2**56, 2**7, 0, (1, 0, 0)),  # binds: the cost goes too (129 * 2**56 > 2**62)
])
def test_a_re_plan_drops_the_terms_its_objective_cannot_hold(
        priorities: int, costs: int, sided: int, weights: tuple[int, int, int]) -> None:
    from parcelroute.visits.lns import MAX_OBJECTIVE, _objective_weights

    assert MAX_OBJECTIVE == 2**62
    assert _objective_weights(priorities, costs, sided) == weights


# -- each facility's time limit -----------------------------------------------------------
@pytest.mark.parametrize("seconds", [600.0, None])
def test_a_large_facility_gets_time_in_proportion_to_its_model(
        monkeypatch: pytest.MonkeyPatch, seconds: float | None) -> None:
    """Binds on a facility of many variables (more than 0.25 s at 0.3 ms each); slack on a
    small one, which keeps the 0.25 s floor. Each facility's solve is given its own limit:
    of wall time under a time limit, of CP-SAT's deterministic time without one."""
    scenario = generate_scenario(0, 300, 3)
    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    models = FacilityModels(index, choices, (1, True))
    sizes = {fac: len(vm.all_vars()) for fac, vm in models.models.items()}
    assert all(lns.facility_limit(vm) == lns.FACILITY_LIMIT
               for vm in models.models.values())  # (small facilities: the floor)
    monkeypatch.setattr(lns, "FACILITY_SECONDS_PER_VARIABLE", 0.01)
    big = max(sizes, key=lambda f: sizes[f])
    assert lns.facility_limit(models.models[big]) == pytest.approx(0.01 * sizes[big])
    assert lns.facility_limit(models.models[big], 100.0) == 100.0
    models = FacilityModels(index, choices, (1, True))
    assert models.limits[big] == pytest.approx(0.01 * sizes[big])
    assert models.seconds(2) == pytest.approx(0.01 * sum(sizes.values()) / 2)
    limits: list[float] = []
    solve = lns.cp_model.CpSolver.solve

    def spy(self: lns.cp_model.CpSolver, model: lns.cp_model.CpModel, *args: object) -> object:
        wall, work = self.parameters.max_time_in_seconds, self.parameters.max_deterministic_time
        assert (wall if seconds is None else work) == math.inf
        limits.append(work if seconds is None else wall)
        return solve(self, model, *args)

    monkeypatch.setattr(lns.cp_model.CpSolver, "solve", spy)
    relax_by_facility(index, choices, seconds, models=models)
    assert sorted(limits) == pytest.approx(sorted(models.limits.values()), rel=1e-3)


def _sides_across_facilities(max_difference: int) -> pr.Scenario:
    """F-1 has one side-A visit, scheduled first; F-2's one seat is wanted by V-A2
    (side A, priority 5) and V-B2 (side B, priority 1)."""
    b = pr.ScenarioBuilder(name="sides across facilities", start="2026-12-01",
                           end="2026-12-31")
    for fac in ("F-1", "F-2"):
        b.add_node(fac)
        b.add_session(f"S-{fac}", facility=fac, date="2026-12-05", start="10:00",
                      end="12:00", capacity=1)
    b.add_detainee("D-A1", facility="F-1", side="A")
    b.add_detainee("D-A2", facility="F-2", side="A")
    b.add_detainee("D-B2", facility="F-2", side="B")
    b.add_visit_request("V-A1", detainee="D-A1", priority=1, available=WEEK)
    b.add_visit_request("V-A2", detainee="D-A2", priority=5, available=WEEK)
    b.add_visit_request("V-B2", detainee="D-B2", priority=1, available=WEEK)
    b.set_reciprocity(max_difference)
    return b.build()


@pytest.mark.parametrize(("max_difference", "before", "taken"),
                         [(1, False, "V-B2"), (1, True, "V-B2"), (2, False, "V-A2")])
def test_a_facility_re_plan_counts_the_sides_scheduled_elsewhere(max_difference: int,
                                                                 before: bool,
                                                                 taken: str) -> None:
    """Binds with a difference of 1: F-1's side-A visit stays, so F-2's seat must go to
    side B although V-A2 is worth more, whether V-B2 had it before the re-plan (its own
    visit is not counted as kept) or not. With 2 allowed it does not bind: V-A2 takes it."""
    from parcelroute.visits.plan import PlanState

    index = VisitIndex(_sides_across_facilities(max_difference))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    state = PlanState(index)
    state.add(0, state.fit(0, choices[0][0]))
    if before:
        state.add(2, state.fit(2, choices[2][0]))
    improved = lns._improve(state, choices, ["F-2"], [1, 2], 5.0, (1, True), None)
    assert improved is not before
    scheduled = {index.requests[ri].id for ri, p in enumerate(state.placed) if p is not None}
    assert scheduled == {"V-A1", taken}


# -- a second worker ----------------------------------------------------------------------
def test_sweeps_grow_after_a_sweep_without_gain_and_shrink_after_a_gain() -> None:
    """One worker: each sweep hands out every facility once, in disjoint groups; a sweep
    without a gain makes the groups one larger, a gain makes them single again, and the
    search is over once the largest groups gain nothing."""
    import time

    sweeps = lns._Sweeps(["F-1", "F-2", "F-3", "F-4"], seed=0)
    stop = time.perf_counter() + 60

    def sweep(gain: bool) -> list[list[str]]:
        groups: list[list[str]] = []
        while sweeps.queue or not groups:
            group = sweeps.take(stop)
            assert group is not None
            groups.append(group)
            sweeps.give_back(gain and len(groups) == 1)
        return groups

    def sizes(groups: list[list[str]]) -> list[int]:
        assert sorted(f for g in groups for f in g) == ["F-1", "F-2", "F-3", "F-4"]
        return [len(g) for g in groups]

    assert sizes(sweep(False)) == [1, 1, 1, 1]
    assert sizes(sweep(True)) == [2, 2]
    assert sizes(sweep(False)) == [1, 1, 1, 1]
    assert sizes(sweep(False)) == [2, 2]
    assert sizes(sweep(False)) == [3, 1]
    assert sweeps.take(stop) is None  # (groups of 3 gained nothing: over)
    assert sweeps.improved == 1
    late = lns._Sweeps(["F-1"], seed=0)
    assert late.take(time.perf_counter()) is None  # (the time is up)


def _escort_month(same_day: bool) -> pr.Scenario:
    """V-1 at F-1 and V-2 at F-2 both need E-1, the only escort who speaks uk; F-2's
    session is on F-1's date when ``same_day``, else the day after."""
    b = pr.ScenarioBuilder(name="one escort, two facilities", start="2026-12-01",
                           end="2026-12-31")
    for fac, date in (("F-1", "2026-12-05"), ("F-2", "2026-12-05" if same_day else "2026-12-06")):
        b.add_node(fac)
        b.add_session(f"S-{fac}", facility=fac, date=date, start="10:00", end="12:00",
                      capacity=2)
    b.add_escort("E-1", languages=["uk"], available=[("2026-12-01", "2026-12-31")])
    for i in (1, 2):
        b.add_detainee(f"D-{i}", facility=f"F-{i}")
        b.add_visit_request(f"V-{i}", detainee=f"D-{i}", language="uk", available=WEEK)
    return b.build()


@pytest.mark.parametrize(("same_day", "group", "fits"), [
    (True, ["F-2"], False),  # binds: E-1 is at F-1 that day
    (False, ["F-2"], True),  # slack: F-2's session is the day after
    (True, ["F-1", "F-2"], True),  # slack: E-1's day at F-1 is the re-plan's own
])
def test_a_re_plan_that_takes_an_escort_busy_elsewhere_no_longer_fits(
        same_day: bool, group: list[str], fits: bool) -> None:
    from parcelroute.visits.plan import Placement, PlanState

    index = VisitIndex(_escort_month(same_day))
    state = PlanState(index)
    state.add(0, Placement(0, escort=0))  # (V-1 at F-1 with E-1, as another worker left it)
    requests = [1] if group == ["F-2"] else [0, 1]
    placements = {1: Placement(1, escort=0)}
    assert lns._still_fits(state, set(group), requests, placements) is fits


@pytest.mark.parametrize(("max_difference", "taken", "fits"), [
    (1, "V-A2", False),  # binds: side A would lead by two
    (2, "V-A2", True),  # slack: two are allowed
    (1, "V-B2", True),  # slack: the sides are level
])
def test_a_re_plan_that_breaks_the_agreement_no_longer_fits(max_difference: int, taken: str,
                                                             fits: bool) -> None:
    """V-A1 (side A, at F-1) was scheduled by another worker after F-2's re-plan read the
    plan; the re-plan schedules ``taken`` at F-2."""
    from parcelroute.visits.plan import Placement, PlanState

    index = VisitIndex(_sides_across_facilities(max_difference))
    state = PlanState(index)
    state.add(0, Placement(0))
    ri = 1 if taken == "V-A2" else 2
    assert lns._still_fits(state, {"F-2"}, [1, 2], {ri: Placement(1)}) is fits


def test_a_plan_off_the_agreement_may_keep_its_difference() -> None:
    """With none allowed, a plan already one visit off may re-plan F-2 keeping that
    difference or closing it, not widening it."""
    from parcelroute.visits.plan import Placement, PlanState

    index = VisitIndex(_sides_across_facilities(0))
    state = PlanState(index)
    state.add(0, Placement(0))
    assert lns._still_fits(state, {"F-2"}, [1, 2], {})
    assert lns._still_fits(state, {"F-2"}, [1, 2], {2: Placement(1)})
    assert not lns._still_fits(state, {"F-2"}, [1, 2], {1: Placement(1)})


def _record_threads(monkeypatch: pytest.MonkeyPatch, fail_in_helper: bool = False,
                    ) -> list[str]:
    """Replace each re-plan by a short wait that records the thread it ran on."""
    import threading
    import time

    names: list[str] = []

    def record(*args: object, **kwargs: object) -> bool:
        names.append(threading.current_thread().name)
        if fail_in_helper and threading.current_thread().name == "visits-improve":
            raise RuntimeError("a re-plan failed")
        time.sleep(0.01)
        return False

    monkeypatch.setattr(lns, "_improve", record)
    return names


@pytest.mark.parametrize("spare", [None, "unset", "set"])
def test_a_second_worker_re_plans_once_a_core_is_spare(monkeypatch: pytest.MonkeyPatch,
                                                        spare: str | None) -> None:
    """Binds when ``spare`` is set: both threads re-plan, and every facility is still
    re-planned in each group size. Slack without it, or while it is not set: the first
    worker alone."""
    import threading

    from parcelroute.visits.plan import PlanState

    names = _record_threads(monkeypatch)
    index = VisitIndex(generate_scenario(0, 300, 3))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    event = None if spare is None else threading.Event()
    if spare == "set":
        assert event is not None
        event.set()
    assert lns.improve_by_facility(PlanState(index), choices, 30.0, spare=event) == 0
    facilities = len(lns.by_facility(index, choices))
    sweeps = sum(-(-facilities // size) for size in range(1, lns.MAX_FACILITIES + 1))
    assert len(names) == sweeps  # (over after groups of every size gained nothing)
    threads = set(names)
    assert threads == ({"MainThread", "visits-improve"} if spare == "set" else {"MainThread"})


def test_a_failure_of_the_second_worker_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from parcelroute.visits.plan import PlanState

    _record_threads(monkeypatch, fail_in_helper=True)
    index = VisitIndex(generate_scenario(0, 300, 3))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    event = threading.Event()
    event.set()
    with pytest.raises(RuntimeError, match="a re-plan failed"):
        lns.improve_by_facility(PlanState(index), choices, 30.0, spare=event)


def test_two_workers_keep_every_rule_on_a_generated_month() -> None:
    """A generated month whose facilities are tied together: sides may differ by one visit
    and four escorts serve every language. Two workers re-plan it at once (some of their
    re-plans are dropped, as the other's changes take the room or the escort first), and
    the plan keeps every rule and loses nothing."""
    import threading

    from parcelroute.io.scenario_io import read_scenario_dict, scenario_to_dict
    from parcelroute.visits.lns import plan_from_relaxation
    from tests.visits.test_properties import SKIP, plan_of

    data = scenario_to_dict(generate_scenario(0, 800, 5))
    data["reciprocity"] = {"max_difference": 1}
    data["escorts"] = data["escorts"][:4]
    scenario = read_scenario_dict(data)
    index = VisitIndex(scenario)
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    _, relaxed = relax_by_facility(index, choices, None)
    state = plan_from_relaxation(index, choices, relaxed)
    start = (state.priority(), -state.transport_cost())
    event = threading.Event()
    event.set()
    lns.improve_by_facility(state, choices, 4.0, spare=event)
    assert (state.priority(), -state.transport_cost()) >= start
    assert abs(state.side_count[0] - state.side_count[1]) <= 1
    found = [x for x in pr.verify(scenario, plan_of(scenario, state)) if x.rule not in SKIP]
    assert found == []


@pytest.mark.parametrize(("same_day", "applied"), [(True, False), (False, True)])
def test_a_re_plan_is_dropped_when_the_other_worker_took_its_escort_meanwhile(
        monkeypatch: pytest.MonkeyPatch, same_day: bool, applied: bool) -> None:
    """While F-2's re-plan is solved (V-2 with E-1), the other worker schedules V-1 at
    F-1 with E-1. On the same day (binds) the re-plan is dropped and the plan keeps
    every rule; a day apart (slack) it is applied."""
    import threading

    from parcelroute.visits.plan import Placement, PlanState

    index = VisitIndex(_escort_month(same_day))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    state = PlanState(index)
    lock = threading.Lock()
    solve = lns.cp_model.CpSolver.solve

    def meanwhile(self: lns.cp_model.CpSolver, model: lns.cp_model.CpModel,
                  *args: object) -> object:
        status = solve(self, model, *args)
        with lock:  # (the other worker's change, applied under the lock)
            state.add(0, Placement(0, escort=0))
        return status

    monkeypatch.setattr(lns.cp_model.CpSolver, "solve", meanwhile)
    assert lns._improve(state, choices, ["F-2"], [1], 5.0, (1, True), None, lock) is applied
    assert (state.placed[1] is not None) is applied
    assert state.placed[0] == Placement(0, escort=0)


@pytest.mark.parametrize(("per_variable", "left", "expected"), [
    (None, None, "seconds"),  # slack: a small facility keeps the re-plan's limit
    (0.01, None, "per variable"),  # binds: a large one gets its time per variable
    (0.01, 0.05, "left"),  # binds: never more than the time left
])
def test_a_large_facility_s_re_plan_gets_time_in_proportion_to_its_model(
        monkeypatch: pytest.MonkeyPatch, per_variable: float | None, left: float | None,
        expected: str) -> None:
    from parcelroute.visits.plan import PlanState

    if per_variable is not None:
        monkeypatch.setattr(lns, "FACILITY_SECONDS_PER_VARIABLE", per_variable)
    index = VisitIndex(generate_scenario(0, 60, 3))
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    fac, requests = max(lns.by_facility(index, choices).items(), key=lambda kv: len(kv[1]))
    limits: list[float] = []
    sizes: list[int] = []
    solve = lns.cp_model.CpSolver.solve

    def spy(self: lns.cp_model.CpSolver, model: lns.cp_model.CpModel, *args: object) -> object:
        limits.append(self.parameters.max_time_in_seconds)
        sizes.append(len(model.proto.variables))
        return solve(self, model, *args)

    monkeypatch.setattr(lns.cp_model.CpSolver, "solve", spy)
    lns._improve(PlanState(index), choices, [fac], requests, 0.1, (1, True), None, left=left)
    assert len(limits) == 1
    want = {"seconds": 0.1, "left": 0.05,
            "per variable": (per_variable or 0.0) * sizes[0]}[expected]
    assert limits[0] == pytest.approx(want)
    if expected == "per variable":
        assert want > 0.1
