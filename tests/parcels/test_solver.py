"""The parcel solver on tiny hand-checkable scenarios, and against brute force.

Each rule of the parcel half is exercised where it binds and where it is
slack; the lexicographic order, exact decimal scaling, reasons for parcels
left out, proven optimality and determinism are checked; a Hypothesis
property compares the solver with an exhaustive search on small random
scenarios.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import logging
import math
import re
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.model.scenario import Scenario
from parcelroute.options import Deadline, SolveOptions
from parcelroute.parcels import components
from parcelroute.parcels import solver as parcel_solver
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.mip import MipModel, lagrangian_bound, solve_lp, solve_mip, solve_scip
from parcelroute.parcels.problem import ParcelProblem

DAY = dt.date(2026, 12, 1)
DATA = Path(__file__).parent.parent / "data"


def day(k: int) -> str:
    return (DAY + dt.timedelta(days=k)).isoformat()


def base(name: str = "t", *, crossing: int | None = None, dwell: float = 0) -> pr.ScenarioBuilder:
    """HUB -> X (a crossing) -> F-1 -> F-2, 10 hours per leg."""
    b = pr.ScenarioBuilder(name=name)
    b.add_node("HUB", kind="hub")
    if crossing is None:
        b.add_node("X", kind="crossing", dwell_hours=dwell)
    else:
        b.add_node("X", kind="crossing", daily_capacity=crossing, dwell_hours=dwell)
    b.add_node("F-1").add_node("F-2")
    b.add_link("HUB", "X", hours=10).add_link("X", "F-1", hours=10).add_link("F-1", "F-2",
                                                                            hours=10)
    return b


def parcel(b: pr.ScenarioBuilder, pid: str, *, dest: str = "F-1", w: float = 1, v: float = 1,
           ready: int = 0, due: int = 5, prio: int = 1, rec: str | None = None,
           cat: str | None = None) -> None:
    fields: dict[str, Any] = {"origin": "HUB", "destination": dest, "weight_kg": w,
                              "volume_l": v, "ready": day(ready), "due": day(due),
                              "priority": prio}
    if rec is not None:
        fields["recipient"] = rec
    if cat is not None:
        fields["category"] = cat
    b.add_parcel(pid, **fields)


def batch(b: pr.ScenarioBuilder, bid: str, *, departs: int = 0, cost: float = 10,
          stops: tuple[str, ...] = ("X", "F-1", "F-2"), **limits: Any) -> None:
    b.add_batch(bid, origin="HUB", departs=day(departs), stops=list(stops), cost=cost, **limits)


def solve(s: Scenario, **kw: Any) -> pr.Result:
    result = pr.solve(s, **kw)
    assert pr.verify(s, result) == []
    return result


def where(result: pr.Result) -> dict[str, str | None]:
    return {p.id: p.batch for p in result.parcels}


def reasons(result: pr.Result) -> dict[str, str | None]:
    return {p.id: p.reason for p in result.parcels if not p.delivered}


def levels(result: pr.Result) -> dict[str, float]:
    """The two parcel levels of a result."""
    return {k: result.objective[k] for k in ("delivered_priority", "batch_cost")}


def assert_optimal(result: pr.Result) -> None:
    assert result.status == pr.Status.OPTIMAL
    for level in ("delivered_priority", "batch_cost"):
        assert result.objective[level] == pytest.approx(result.bound[level])


# -- capacities -------------------------------------------------------------------------
@pytest.mark.parametrize(("limit", "kw"), [
    ("max_weight_kg", {"w": 3}),
    ("max_volume_l", {"v": 3}),
    ("max_parcels", {}),
])
def test_batch_capacity_binds(limit: str, kw: dict[str, float]) -> None:
    b = base()
    value = 2 if limit == "max_parcels" else 6
    limits: dict[str, Any] = {limit: value}
    batch(b, "B-1", **limits)
    for k in range(3):
        parcel(b, f"P-{k}", prio=k + 1, w=kw.get("w", 1), v=kw.get("v", 1))
    r = solve(b.build())
    assert_optimal(r)
    assert r.objective["delivered_priority"] == 5  # the two highest priorities
    assert where(r)["P-0"] is None and reasons(r)["P-0"] == "capacity"


def test_batch_capacity_slack_delivers_all() -> None:
    b = base()
    batch(b, "B-1", max_weight_kg=100, max_volume_l=100, max_parcels=10)
    for k in range(3):
        parcel(b, f"P-{k}", w=3, v=3)
    r = solve(b.build())
    assert_optimal(r)
    assert all(where(r).values())
    assert r.objective["batch_cost"] == 10


def test_exact_decimal_scaling() -> None:
    b = base()
    batch(b, "B-1", max_weight_kg=0.3)
    parcel(b, "P-1", w=0.1)
    parcel(b, "P-2", w=0.2)
    r = solve(b.build())
    assert r.objective["delivered_priority"] == 2  # 0.1 + 0.2 fits 0.3 exactly
    b = base()
    batch(b, "B-1", max_weight_kg=0.3)
    parcel(b, "P-1", w=0.1)
    parcel(b, "P-2", w=0.200001)  # six decimals: kept exactly
    r = solve(b.build())
    assert r.objective["delivered_priority"] == 1
    assert_optimal(r)
    b = base()
    batch(b, "B-1", max_weight_kg=0.3)
    parcel(b, "P-1", w=0.1)
    parcel(b, "P-2", w=0.20000001)  # eight: rounded up, so no proof is claimed
    r = solve(b.build())
    assert r.objective["delivered_priority"] == 1
    assert r.status is not pr.Status.OPTIMAL and r.bound["delivered_priority"] >= 1


def test_parcel_too_big_for_any_batch_is_capacity() -> None:
    b = base()
    batch(b, "B-1", max_weight_kg=1)
    parcel(b, "P-1", w=2)
    r = solve(b.build())
    assert reasons(r) == {"P-1": "capacity"}
    assert "does not fit alone" in (r.parcels[0].detail or "")


# -- crossings --------------------------------------------------------------------------
def test_crossing_capacity_binds_per_date() -> None:
    b = base(crossing=1)
    batch(b, "B-1", departs=0)
    batch(b, "B-2", departs=1)
    for k in range(3):
        parcel(b, f"P-{k}", prio=k + 1)
    r = solve(b.build())
    assert_optimal(r)
    assert r.objective["delivered_priority"] == 5  # one parcel per date through X
    assert r.objective["batch_cost"] == 20
    assert reasons(r) == {"P-0": "capacity"}
    assert "crossing X" in (r.parcel_by_id["P-0"].detail or "")


def test_crossing_slack() -> None:
    b = base(crossing=5)
    batch(b, "B-1")
    for k in range(3):
        parcel(b, f"P-{k}")
    r = solve(b.build())
    assert_optimal(r)
    assert levels(r) == {"delivered_priority": 3, "batch_cost": 10}


def test_crossing_date_follows_dwell_and_arrival() -> None:
    # HUB -> X takes 10 h, so a batch leaving on day 0 crosses on day 0; with 20 h of
    # travel and 6 h of dwell at X the batch leaving on day 0 is at X on day 0 and the
    # one leaving on day 1 on day 1: two dates, one parcel each.
    b = base(crossing=1, dwell=6)
    batch(b, "B-1", departs=0)
    batch(b, "B-2", departs=1)
    parcel(b, "P-1", due=5)
    parcel(b, "P-2", due=5)
    r = solve(b.build())
    assert r.objective["delivered_priority"] == 2
    assert {where(r)["P-1"], where(r)["P-2"]} == {"B-1", "B-2"}


def test_parcel_dropped_at_a_stop_before_the_crossing_does_not_use_it() -> None:
    b = base(crossing=0)
    batch(b, "B-1", stops=("F-1", "X", "F-2"))
    parcel(b, "P-1", dest="F-1")  # leaves before X
    parcel(b, "P-2", dest="F-2")  # would pass X, which inspects nothing
    r = solve(b.build())
    assert where(r) == {"P-1": "B-1", "P-2": None}
    assert reasons(r)["P-2"] == "capacity"


# -- dates ------------------------------------------------------------------------------
def test_ready_and_due_with_the_arrival_rule() -> None:
    b = base()
    batch(b, "B-0", departs=0)  # reaches F-2 after 30 h: day 1
    batch(b, "B-3", departs=3)
    parcel(b, "P-late", ready=1, due=9)  # not ready for B-0
    parcel(b, "P-tight", dest="F-2", ready=0, due=1)  # only B-0 arrives by day 1
    parcel(b, "P-never", dest="F-2", ready=2, due=3)  # B-3 arrives on day 4
    r = solve(b.build())
    assert where(r) == {"P-late": "B-3", "P-tight": "B-0", "P-never": None}
    assert reasons(r)["P-never"] == "no_compatible_batch"
    assert str(r.parcel_by_id["P-tight"].arrives) == day(1)


def test_categories() -> None:
    b = base()
    batch(b, "B-food", accepts=["food"], cost=1)
    batch(b, "B-any", cost=50)
    parcel(b, "P-food", cat="food")
    parcel(b, "P-letter", cat="letters")
    r = solve(b.build())
    assert where(r) == {"P-food": "B-any", "P-letter": "B-any"}  # one batch is cheaper
    assert levels(r) == {"delivered_priority": 2, "batch_cost": 50}
    b = base()
    batch(b, "B-food", accepts=["food"], cost=1)
    batch(b, "B-any", cost=50)
    parcel(b, "P-food", cat="food")
    r = solve(b.build())
    assert where(r) == {"P-food": "B-food"}
    b = base()
    batch(b, "B-food", accepts=["food"])
    parcel(b, "P-letter", cat="letters")
    r = solve(b.build())
    assert reasons(r) == {"P-letter": "no_compatible_batch"}
    assert "do not accept category" in (r.parcels[0].detail or "")


# -- recipients -------------------------------------------------------------------------
def test_recipient_count_limit_from_defaults() -> None:
    b = base()
    b.set_defaults(max_parcels_per_detainee=2)
    b.add_detainee("D-1", side="A", facility="F-1")
    batch(b, "B-1")
    for k in range(3):
        parcel(b, f"P-{k}", prio=k + 1, rec="D-1")
    r = solve(b.build())
    assert_optimal(r)
    assert r.objective["delivered_priority"] == 5
    assert reasons(r) == {"P-0": "recipient_limit"}


def test_recipient_weight_limit_of_the_detainee() -> None:
    b = base()
    b.add_detainee("D-1", side="A", facility="F-1", max_weight_kg=5)
    batch(b, "B-1")
    parcel(b, "P-a", w=3, prio=2, rec="D-1")
    parcel(b, "P-b", w=3, prio=1, rec="D-1")
    parcel(b, "P-c", w=2, prio=1, rec="D-1")
    r = solve(b.build())
    assert_optimal(r)
    assert r.objective["delivered_priority"] == 3  # 3 kg + 2 kg
    assert reasons(r) == {"P-b": "recipient_limit"}


def test_recipient_limit_slack_and_blocked() -> None:
    b = base()
    b.add_detainee("D-1", side="A", facility="F-1", max_parcels=0)
    b.add_detainee("D-2", side="A", facility="F-1", max_parcels=5, max_weight_kg=1)
    batch(b, "B-1")
    parcel(b, "P-1", rec="D-1")
    parcel(b, "P-2", w=0.5, rec="D-2")
    parcel(b, "P-3", w=2, rec="D-2")
    r = solve(b.build())
    assert where(r)["P-2"] == "B-1"
    assert reasons(r) == {"P-1": "recipient_limit", "P-3": "recipient_limit"}


# -- the two levels ---------------------------------------------------------------------
def test_more_priority_beats_lower_cost() -> None:
    b = base()
    batch(b, "B-cheap", max_parcels=1, cost=1)
    batch(b, "B-dear", max_parcels=1, cost=1000)
    parcel(b, "P-1")
    parcel(b, "P-2")
    r = solve(b.build())
    assert_optimal(r)
    assert levels(r) == {"delivered_priority": 2, "batch_cost": 1001}


def test_equal_priority_takes_the_cheapest_batches() -> None:
    b = base()
    batch(b, "B-1", cost=30, max_parcels=3)
    batch(b, "B-2", cost=20, max_parcels=2)
    batch(b, "B-3", cost=20, max_parcels=2)
    for k in range(3):
        parcel(b, f"P-{k}")
    r = solve(b.build())
    assert_optimal(r)
    assert levels(r) == {"delivered_priority": 3, "batch_cost": 30}
    assert set(where(r).values()) == {"B-1"}


def test_priority_zero_rides_only_operated_batches() -> None:
    b = base()
    batch(b, "B-1", cost=10, max_parcels=1)
    batch(b, "B-2", cost=10)
    parcel(b, "P-1", prio=1)
    parcel(b, "P-0", prio=0)
    r = solve(b.build())
    assert_optimal(r)
    assert levels(r) == {"delivered_priority": 1, "batch_cost": 10}


def test_no_compatible_batch_only_when_impossible() -> None:
    b = base()
    batch(b, "B-1", max_parcels=1)
    parcel(b, "P-1", prio=2)
    parcel(b, "P-2", prio=1)
    r = solve(b.build())
    assert reasons(r) == {"P-2": "capacity"}


def test_same_seed_same_plan() -> None:
    """Without a time limit the same seed gives the same plan, parcel by parcel."""
    s = generate_scenario(120, 0, 3)
    first = solve(s, seed=5)
    second = solve(s, seed=5)
    assert [(p.id, p.batch) for p in first.parcels] == [(p.id, p.batch) for p in second.parcels]


def test_same_seed_same_proven_values_under_a_time_limit() -> None:
    """Under a time limit two searches race on each level (two workers): the plan may
    differ between runs, each level's proven value and bound do not."""
    s = generate_scenario(120, 0, 3)
    first = solve(s, seed=5, time_limit=20)
    second = solve(s, seed=5, time_limit=20)
    assert_optimal(first)
    assert_optimal(second)
    assert levels(first) == levels(second)


def test_generated_month_is_proven() -> None:
    from parcelroute.generate import generate_scenario

    s = generate_scenario(150, 0, 11)
    r = solve(s, time_limit=30)
    assert_optimal(r)


def _plain_two_level(s: Scenario) -> tuple[float, float]:
    """Both levels by a plain two-stage SCIP model: one binary per option, ``x <= y`` links.

    Written apart from the solver's own model (no fixings, hulls or cuts), to
    check the values the solver claims optimal.
    """
    from ortools.linear_solver import pywraplp

    from parcelroute.parcels.problem import ParcelProblem

    prob = ParcelProblem(s, Compatibility(s))
    pairs = list(zip(prob.pair_parcel.tolist(), prob.pair_batch.tolist(), strict=True))

    def level(target: int | None) -> float:
        m = pywraplp.Solver.CreateSolver("SCIP")
        x = [m.BoolVar(f"x{k}") for k in range(len(pairs))]
        y = [m.BoolVar(f"y{b}") for b in range(prob.num_batches)]
        by_parcel: dict[int, list[int]] = {}
        for k, (i, b) in enumerate(pairs):
            by_parcel.setdefault(i, []).append(k)
            m.Add(x[k] <= y[b])
        for ks in by_parcel.values():
            m.Add(sum(x[k] for k in ks) <= 1)
        for b, ks in enumerate(prob.batch_pairs):
            for dim in prob.dims:
                if dim.capacity[b] >= 0:
                    m.Add(sum(int(dim.per_parcel[prob.pair_parcel[k]]) * x[k] for k in ks.tolist())
                          <= int(dim.capacity[b]))
        for _node, _day, capacity, es in prob.crossing_rows:
            m.Add(sum(x[k] for k in es.tolist()) <= capacity)
        for _r, n_max, w_max, members in prob.recipient_rows:
            ks = [k for i in members.tolist() for k in by_parcel.get(i, [])]
            if n_max >= 0:
                m.Add(sum(x[k] for k in ks) <= n_max)
            if w_max >= 0:
                m.Add(sum(int(prob.weight[pairs[k][0]]) * x[k] for k in ks) <= w_max)
        priority = sum(int(prob.priority[i]) * x[k] for k, (i, _b) in enumerate(pairs))
        if target is None:
            m.Maximize(priority)
        else:
            m.Add(priority >= target)
            m.Minimize(sum(float(prob.cost[b]) * y[b] for b in range(prob.num_batches)))
        assert m.Solve() == pywraplp.Solver.OPTIMAL
        return float(m.Objective().Value())

    first = round(level(None))
    return float(first), level(first)


def _assert_proven_as_plain(path: Path, time_limit: float) -> float:
    """Solve the scenario at ``path``: proven, valid, and both levels as the plain model's.

    Returns the batch cost.
    """
    s = pr.read_scenario(path)
    r = solve(s, time_limit=time_limit)
    assert_optimal(r)
    assert pr.verify(s, r) == []
    priority, cost = _plain_two_level(s)
    assert r.objective["delivered_priority"] == priority
    assert r.objective["batch_cost"] == pytest.approx(cost)
    return r.objective["batch_cost"]


def test_scarce_month_with_a_cost_per_batch_is_proven() -> None:
    """Capacity, crossings and detainee limits all bind, every batch has its own cost.

    The batch-cost MIP proves this month at once; the values are those a plain
    two-stage SCIP model proves.
    """
    _assert_proven_as_plain(DATA / "scarce_month_300.json", time_limit=60)


def test_a_bound_far_above_the_optimum_is_brought_down_in_few_steps(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: priorities of 1,000 beside 1-3 leave the level-1 LP bound (2,860) 842 above
    the optimum (2,018). Targets lowered one at a time took 842 MIPs (about 14 s), and
    steps of 1, 2, 4, ... take ten; steps of a share of the gap to the best plan
    (LADDER_PARTS) take at most four, and both levels are the plain model's. The plan of
    2,018 comes from the search at a target (which then proves it optimal) or, when the
    neighbourhood MIPs beside it find it first, from them; the search then proves 2,019
    out of reach. The knapsack bound is off (it proves 2,019 on this month at once)."""
    monkeypatch.setattr(parcel_solver, "KNAPSACK_SHARE", 0)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        assert _assert_proven_as_plain(DATA / "large_priority_gap.json", time_limit=30) == 47
    steps = caplog.text.count("proven impossible")
    assert 1 <= steps <= 4
    assert "level 1 2018.0 (bound 2018.0)" in caplog.text
    assert ("optimal at 2018, proven from target" in caplog.text
            or "target 2019 proven impossible']" in caplog.text)


def test_steps_of_one_bring_a_far_bound_down_in_more_steps(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same month with LADDER_PARTS off (steps of 1, 2, 4, ...): the same optimum,
    proven in ten steps or more (the knapsack bound off: on this month it proves 2,019)."""
    monkeypatch.setattr(parcel_solver, "LADDER_PARTS", 0)
    monkeypatch.setattr(parcel_solver, "KNAPSACK_SHARE", 0)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        assert _assert_proven_as_plain(DATA / "large_priority_gap.json", time_limit=30) == 47
    assert caplog.text.count("proven impossible") >= 10
    assert "level 1 2018.0 (bound 2018.0)" in caplog.text


def _impossible_targets(caplog: pytest.LogCaptureFixture) -> list[int]:
    """The level-1 targets proven out of reach, in order (from the level's notes)."""
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith(
        "parcels: level 1 "))
    return [int(t) for t in re.findall(r"target (\d+) proven impossible", line)]


def test_after_the_first_target_the_ladder_starts_a_step_below(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: the LP bound 2,860 is out of reach and the gap to the best plan is hundreds
    of points, so the next target is a step ``s`` below 2,859, not 2,859 itself (which
    would be proven out of reach much as 2,860 was). The knapsack bound is off (on this
    month it proves 2,019, and no ladder is needed: see the next tests)."""
    monkeypatch.setattr(parcel_solver, "KNAPSACK_SHARE", 0)
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        assert _assert_proven_as_plain(DATA / "large_priority_gap.json", time_limit=30) == 47
    first, second, *_ = _impossible_targets(caplog)
    assert first == 2860 and 2018 < second < first - 2


def test_with_a_step_of_one_the_ladder_tries_one_below_first(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind: with steps of one (LADDER_PARTS off, as on months whose LP bound is a
    few points above the best plan) the target after 2,860 is 2,859 (knapsack bound off)."""
    monkeypatch.setattr(parcel_solver, "LADDER_PARTS", 0)
    monkeypatch.setattr(parcel_solver, "KNAPSACK_SHARE", 0)
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        assert _assert_proven_as_plain(DATA / "large_priority_gap.json", time_limit=30) == 47
    assert _impossible_targets(caplog)[:2] == [2860, 2859]


def test_the_knapsack_bound_ends_the_ladder_after_the_first_target(
        caplog: pytest.LogCaptureFixture) -> None:
    """Binds: the LP fills batches with parts of parcels worth 1,000; with whole parcels the
    same duals prove 2,019. Once the LP bound 2,860 is out of reach the bound is 2,019, and
    the optimum 2,018 is proven with no other target out of reach (the ladder without the
    knapsack bound proves several: see the tests above)."""
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        assert _assert_proven_as_plain(DATA / "large_priority_gap.json", time_limit=30) == 47
    assert _impossible_targets(caplog) == [2860]
    assert "knapsack bound (3 of 3 batches)" in caplog.text
    assert "level 1 2018.0 (bound 2018.0)" in caplog.text


def test_the_progress_bound_stays_at_or_below_the_knapsack_bound() -> None:
    """Binds: the targets of the search (2,860 first) lie above the knapsack bound (2,019);
    once that bound is known no progress report of the level shows a higher one."""
    seen: list[float] = []

    def record(p: pr.Progress) -> None:
        if p.phase == "parcels: delivered_priority" and p.bound is not None:
            seen.append(p.bound)

    r = solve(pr.read_scenario(DATA / "large_priority_gap.json"), time_limit=30,
              callback=record)
    assert r.bound["delivered_priority"] == 2018
    first = next(k for k, b in enumerate(seen) if b <= 2019)
    assert seen[:first] and max(seen[first:]) <= 2019


def test_without_a_knapsack_that_binds_the_bound_is_the_lps(
        caplog: pytest.LogCaptureFixture) -> None:
    """Does not bind: no batch of this month can be filled with parts of parcels beyond
    what whole parcels fill, so no knapsack is solved and the LP's bound stands."""
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        r = solve(pr.read_scenario(DATA / "large_priorities.json"), time_limit=30)
    assert r.objective["delivered_priority"] == r.bound["delivered_priority"] == 11077385
    assert "knapsack" not in caplog.text


def test_a_gap_of_a_few_points_keeps_steps_of_one() -> None:
    """Does not bind: with a gap below twice LADDER_PARTS the unit stays 1 (the months of
    `parcelroute generate`, whose LP bound is within a few points of the optimum)."""
    assert parcel_solver._ladder_step(2671, 2669) == 1
    assert parcel_solver._ladder_step(2671, 2668) == 1
    assert parcel_solver._ladder_step(2671, 2667) == 2
    assert parcel_solver._ladder_step(2859, 2018) == 420


def _search_stopped_in_time(monkeypatch: pytest.MonkeyPatch,
                            caplog: pytest.LogCaptureFixture) -> tuple[list[int], pr.Result]:
    """``large_priority_gap.json`` with every level-1 MIP stopped by time, its dual bound
    500 below its target; the targets the MIPs were given, and the result."""
    from parcelroute.parcels.mip import MipOutcome

    seen: list[int] = []

    def stopped(self: Any, model: Any, lo: Any, hi: Any, start: Any, time_limit: Any,
                target: int, cancel: Any = None) -> MipOutcome:
        seen.append(target)
        return MipOutcome(None, math.nan, target - 500.0, False, "Time limit reached", 0.0)

    monkeypatch.setattr(parcel_solver._Level1, "_mip", stopped)
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        r = solve(pr.read_scenario(DATA / "large_priority_gap.json"), workers=1)
    return seen, r


def test_a_search_stopped_in_time_keeps_a_bound_that_holds_outside_its_model(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A MIP over the fixed model that stops with a dual bound far below its target
    bounds only the plans inside the model: those outside are worth less than the
    target, so the level's bound is one below the target, not the MIP's bound (the
    knapsack bound off: on this month it proves 2,019 whatever the MIPs do)."""
    monkeypatch.setattr(parcel_solver, "KNAPSACK_SHARE", 0)
    seen, r = _search_stopped_in_time(monkeypatch, caplog)
    assert seen and seen[-1] == 2860  # the RENS model, then the search at the LP bound
    assert r.bound["delivered_priority"] == 2859
    assert r.objective["delivered_priority"] <= 2018


def test_a_search_stopped_in_time_ends_with_the_knapsack_bound_below_it(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Binds: the same stopped search, with the knapsack bound on: the level ends with
    that bound (2,019), below the one the search proves (2,859)."""
    seen, r = _search_stopped_in_time(monkeypatch, caplog)
    assert seen and seen[-1] == 2860
    assert r.bound["delivered_priority"] == 2019
    assert "the knapsack bound stands" in caplog.text


def test_batch_cost_bound_rounds_up_to_a_multiple_of_the_costs_divisor() -> None:
    """Costs 420 and 670: every plan costs a multiple of 10, so a bound of 1,101.3 proves 1,110."""
    from parcelroute.options import Deadline, SolveOptions
    from parcelroute.parcels.compat import Compatibility
    from parcelroute.parcels.problem import ParcelProblem
    from parcelroute.parcels.solver import _Level2

    b = base()
    batch(b, "B-1", cost=420)
    batch(b, "B-2", cost=670)
    s = b.build()
    prob = ParcelProblem(s, Compatibility(s))
    assert prob.cost_step == 10
    level2 = _Level2(prob, SolveOptions(), Deadline(None))
    assert level2._round_bound(1101.3) == 1110.0
    assert level2._round_bound(1110.0000001) == 1110.0
    assert level2._round_bound(1100.0) == 1100.0


def _roomy_month(parcels: int, seed: int) -> Scenario:
    """A generated month with twice the batch capacity."""
    import dataclasses

    s = generate_scenario(parcels, 0, seed)
    return dataclasses.replace(s, batches=tuple(dataclasses.replace(
        b, max_parcels=None if b.max_parcels is None else 2 * b.max_parcels,
        max_weight_kg=None if b.max_weight_kg is None else 2 * b.max_weight_kg,
        max_volume_l=None if b.max_volume_l is None else 2 * b.max_volume_l)
        for b in s.batches))


def _plan_of(prob: ParcelProblem, batches: list[int]) -> np.ndarray:
    """The option of each parcel riding the batch of that index."""
    return np.array([int(np.flatnonzero((prob.pair_parcel == i) & (prob.pair_batch == b))[0])
                     for i, b in enumerate(batches)], np.int64)


def _level2_at(s: Scenario, assign: list[int], *, time_limit: float | None = 30.0,
               ) -> tuple[Any, tuple[Any, ...]]:
    """A batch-cost level holding the plan ``assign`` (batch index per parcel), and its model."""
    from parcelroute.parcels.solver import _cost, _fixing, _Level1Info, _Level2, _value

    prob = ParcelProblem(s, Compatibility(s))
    plan = _plan_of(prob, assign)
    level1 = _value(prob, plan)
    level2 = _Level2(prob, SolveOptions(time_limit=time_limit), Deadline(time_limit))
    fix = _fixing(prob, level1, _Level1Info(None, None, None, None))
    none = np.zeros(prob.num_parcels, bool)
    built = level2._model(fix, none, none, level1, [])
    level2.best, level2.best_cost, level2.level1 = plan, _cost(prob, plan), level1
    return level2, built


def _batches_of_four(parcels: int, batches: int) -> Scenario:
    """Parcels of priority 2 for batches of four parcels each (cost 10 per batch)."""
    b = base()
    for k in range(parcels):
        parcel(b, f"P-{k}", prio=2)
    for k in range(batches):
        batch(b, f"B-{k}", max_parcels=4)
    return b.build()


def _six_parcels_three_batches() -> Scenario:
    """Six parcels for three batches of four: two batches (cost 20) are enough, and the LP knows."""
    return _batches_of_four(6, 3)


@pytest.mark.parametrize(("repack", "start"), [(True, 10), (False, 100)])
def test_level_2_starts_from_level_1s_parcels_placed_again_where_cheaper(
        repack: bool, start: float) -> None:
    """Binds: level 1's plan puts both parcels on the dear batch B-0 (100); emptying only
    moves parcels to batches already operated, so it keeps B-0, while placing the same
    parcels again puts both on B-1 (10), where level 2 starts. Does not bind (REPACK off):
    it starts at 100. Either way it ends at the optimum, 10."""
    b = base()
    batch(b, "B-0", cost=100, max_parcels=4)
    for k in (1, 2):
        batch(b, f"B-{k}", cost=10, max_parcels=4)
    for k in range(2):
        parcel(b, f"P-{k}", prio=2)
    level2, _built = _level2_at(b.build(), [0, 0], time_limit=None)
    seen: list[float] = []
    level2.options = dataclasses.replace(
        level2.options, callback=lambda p: seen.append(p.incumbent))
    with mock.patch.object(parcel_solver, "REPACK", repack):
        best, result = level2.solve(level2.best, level2.level1,
                                    parcel_solver._Level1Info(None, None, None, None))
    assert seen[0] == start
    assert parcel_solver._cost(level2.prob, best) == result.value == result.bound == 10
    assert parcel_solver._value(level2.prob, best) == level2.level1 == 4


def test_lp_guided_batch_mip_finds_the_plan_the_lp_bound_proves() -> None:
    """Beside the whole MIP: the LP's bound (20) and a plan over the LP's batches that meets it."""
    s = _six_parcels_three_batches()
    level2, (model, x, y, build) = _level2_at(s, [0, 0, 1, 1, 2, 2])
    assert level2.best_cost == 30
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert (level2.best_cost, level2.lower_bound) == (20, 20)
    batches = np.bincount(level2.prob.pair_batch[level2.best], minlength=3)
    assert batches.min() == 0 and batches.max() <= 4 and batches.sum() == 6


def test_lp_guided_batch_mip_cancelled_keeps_the_plan_and_bound() -> None:
    s = _six_parcels_three_batches()
    level2, (model, x, y, build) = _level2_at(s, [0, 0, 1, 1, 2, 2])
    cancel = threading.Event()
    cancel.set()
    level2._guided(model, x, y, build, cancel, 1)
    assert (level2.best_cost, level2.lower_bound) == (30, 0.0)


def _two_hubs_one_crossing(room: int = 2, h1_priority: int = 1) -> Scenario:
    """Hubs H-1 and H-2 each send a batch through crossing X (``room`` parcels a day).

    Each hub has two parcels that must cross on day 0, of priority 1 (H-1's of
    ``h1_priority``); with a room of 2 any two of the four fill the crossing. At
    priority 1, H-2's batch alone, carrying its two parcels, is enough (cost 7);
    one parcel per hub uses both batches (17).
    """
    b = pr.ScenarioBuilder(name="two hubs, one crossing")
    b.add_node("H-1", kind="hub").add_node("H-2", kind="hub")
    b.add_node("X", kind="crossing", daily_capacity=room).add_node("F-1")
    b.add_link("H-1", "X", hours=10).add_link("H-2", "X", hours=10).add_link("X", "F-1", hours=10)
    for bid, hub, cost in (("B-1", "H-1", 10), ("B-2", "H-2", 7)):
        b.add_batch(bid, origin=hub, departs=day(0), stops=["X", "F-1"], cost=cost,
                    max_parcels=4)
    for pid, hub in (("P-1", "H-1"), ("P-2", "H-1"), ("Q-1", "H-2"), ("Q-2", "H-2")):
        b.add_parcel(pid, origin=hub, destination="F-1", weight_kg=1, ready=day(0), due=day(1),
                     priority=h1_priority if hub == "H-1" else 1)
    return b.build()


def _p1_and_q1(s: Scenario) -> tuple[ParcelProblem, np.ndarray]:
    """The problem of ``s`` and the plan delivering P-1 and Q-1 (one option each)."""
    prob = ParcelProblem(s, Compatibility(s))
    plan = np.full(prob.num_parcels, -1, np.int64)
    for parcel_index in (0, 2):
        plan[parcel_index] = int(np.flatnonzero(prob.pair_parcel == parcel_index)[0])
    return prob, plan


def _one_parcel_per_hub() -> tuple[Any, tuple[Any, ...]]:
    """The batch-cost level of :func:`_two_hubs_one_crossing` at P-1 on B-1 and Q-1 on B-2."""
    from parcelroute.parcels.solver import _cost, _fixing, _Level1Info, _Level2

    prob, plan = _p1_and_q1(_two_hubs_one_crossing())
    level2 = _Level2(prob, SolveOptions(time_limit=30), Deadline(30))
    fix = _fixing(prob, 2, _Level1Info(None, None, None, None))
    none = np.zeros(prob.num_parcels, bool)
    built = level2._model(fix, none, none, 2, [])
    level2.best, level2.best_cost, level2.level1 = plan, _cost(prob, plan), 2
    return level2, built


def test_only_a_crossing_s_day_frees_room_across_hubs() -> None:
    """Binds: neither batch alone (nor one hub's day) can be closed, both together can."""
    from parcelroute.parcels.neighbourhood import local_replan

    level2, _ = _one_parcel_per_hub()
    prob, plan = level2.prob, level2.best
    assert level2.best_cost == 17
    hoods = parcel_solver.crossing_day_hoods(prob)
    assert [h.tolist() for h in hoods] == [[0, 1]]
    for hood in ([0], [1]):
        cand = local_replan(prob, plan, np.array(hood), 2, time_limit=10)
        assert cand is None or parcel_solver._cost(prob, cand) == 17
    cand = local_replan(prob, plan, hoods[0], 2, time_limit=10)
    assert cand is not None and parcel_solver._cost(prob, cand) == 7


def test_no_crossing_limit_that_can_bind_gives_no_crossing_hoods() -> None:
    """Slack: with room for all four parcels the crossing has no row, and no neighbourhood."""
    s = _two_hubs_one_crossing(room=4)
    assert parcel_solver.crossing_day_hoods(ParcelProblem(s, Compatibility(s))) == []


def _hubs_through_one_crossing(hubs: int) -> Scenario:
    """``hubs`` hubs each send one batch with two parcels through crossing X (room for 3)
    on day 0: any two batches' four parcels overflow it, a flow cover per pair."""
    b = pr.ScenarioBuilder(name=f"{hubs} hubs, one crossing")
    b.add_node("X", kind="crossing", daily_capacity=3).add_node("F-1")
    b.add_link("X", "F-1", hours=10)
    for h in range(hubs):
        b.add_node(f"H-{h}", kind="hub").add_link(f"H-{h}", "X", hours=10)
        b.add_batch(f"B-{h}", origin=f"H-{h}", departs=day(0), stops=["X", "F-1"],
                    cost=10 + h, max_parcels=4)
        for k in range(2):
            b.add_parcel(f"P-{h}-{k}", origin=f"H-{h}", destination="F-1", weight_kg=1,
                         ready=day(0), due=day(1))
    return b.build()


def _flow_covers(hubs: int) -> int:
    """How many flow covers the batch-cost model of :func:`_hubs_through_one_crossing` has."""
    from parcelroute.parcels.solver import _fixing, _Level1Info, _Level2

    s = _hubs_through_one_crossing(hubs)
    prob = ParcelProblem(s, Compatibility(s))
    level2 = _Level2(prob, SolveOptions(time_limit=30), Deadline(30))
    none = np.zeros(prob.num_parcels, bool)
    level2._model(_fixing(prob, 3, _Level1Info(None, None, None, None)), none, none, 3, [])
    (note,) = [n for n in level2.notes if "flow covers" in n]
    return int(re.search(r"(\d+) flow covers", note).group(1))  # type: ignore[union-attr]


def _forced_and_optional(forced: int) -> Scenario:
    """``forced`` parcels P-k of priority 1 and 100 - ``forced`` of priority 0, each of
    1 kg, for B-0 (day 0) or B-2 (day 2), 10 each with room for 100; B-1 (day 1, 1) on the
    same route carries half a kilogram at most."""
    b = base()
    batch(b, "B-0", departs=0, max_parcels=100)
    batch(b, "B-1", departs=1, max_weight_kg=0.5, cost=1)
    batch(b, "B-2", departs=2, max_parcels=100)
    for k in range(100):
        parcel(b, f"P-{k}", prio=1 if k < forced else 0)
    return b.build()


def _batch_cost_lp(s: Scenario, forced: int) -> tuple[float, str]:
    """The batch-cost LP's value with the first ``forced`` parcels forced (every parcel of
    priority 1 delivered), and the model's note (built as for :meth:`_Level2._lp_bound`)."""
    from parcelroute.parcels.solver import _fixing, _Level1Info, _Level2

    prob = ParcelProblem(s, Compatibility(s))
    level1 = int(prob.priority.sum())
    level2 = _Level2(prob, SolveOptions(time_limit=30), Deadline(30))
    must = np.arange(prob.num_parcels) < forced
    fix = _fixing(prob, level1, _Level1Info(None, None, None, None))
    model, *_ = level2._model(fix, must, must, level1, [],
                              cover_rows=parcel_solver.PARCEL_COVERS)
    lp = solve_lp(model)
    assert lp.optimal
    (note,) = [n for n in level2.notes if "parcel covers" in n]
    return prob.unscale_cost(lp.value), note


@pytest.mark.parametrize("covers", [True, False])
def test_a_forced_parcel_needs_one_of_its_own_batches_operated(
        monkeypatch: pytest.MonkeyPatch, covers: bool) -> None:
    """Binds: a parcel every plan delivers gets ``y_0 + y_2 >= 1``, and the LP pays a whole
    batch (10). Without the row, the window cut over the route's days 0-2 lets B-1, which
    cannot carry it, stand in (1), and about a hundredth of B-0 or B-2 carries it."""
    monkeypatch.setattr(parcel_solver, "PARCEL_COVERS", covers)
    value, note = _batch_cost_lp(_forced_and_optional(1), forced=1)
    if covers:
        assert value == pytest.approx(10.0)
    else:
        assert 1.0 < value < 1.2
    assert ("1 parcel covers" if covers else "0 parcel covers") in note


def test_the_batch_cost_mip_has_no_parcel_cover_rows() -> None:
    """The whole MIP is built without them (slack), whatever :data:`PARCEL_COVERS` says."""
    from parcelroute.parcels.solver import _fixing, _Level1Info, _Level2

    s = _forced_and_optional(1)
    prob = ParcelProblem(s, Compatibility(s))
    level2 = _Level2(prob, SolveOptions(time_limit=30), Deadline(30))
    must = np.arange(prob.num_parcels) < 1
    fix = _fixing(prob, 1, _Level1Info(None, None, None, None))
    level2._model(fix, must, must, 1, [])
    assert any("0 parcel covers" in n for n in level2.notes)


def test_parcels_of_one_batch_set_share_a_cover_row() -> None:
    """Three forced parcels with the same two batches: one row (binding as above)."""
    value, note = _batch_cost_lp(_forced_and_optional(3), forced=3)
    assert value == pytest.approx(10.0)
    assert "1 parcel covers" in note


def test_a_parcel_that_may_stay_gets_no_cover_row() -> None:
    """Slack: nothing forced (no window cut either), no row: about a hundredth of B-0 or
    B-2 carries the parcel the level-1 row asks for."""
    value, note = _batch_cost_lp(_forced_and_optional(1), forced=0)
    assert "0 parcel covers" in note
    assert 0.0 < value < 0.2


def _cover_bound(s: Scenario, forced: int) -> tuple[float, list[str], int]:
    """:meth:`_Level2._cover_bound` with the first ``forced`` parcels forced: the bound it
    proves, the level's notes, and how often the window cuts were found for it and for the
    batch-cost model built after it."""
    from parcelroute.parcels.solver import _fixing, _Level1Info, _Level2

    prob = ParcelProblem(s, Compatibility(s))
    level1 = int(prob.priority.sum())
    level2 = _Level2(prob, SolveOptions(time_limit=30), Deadline(30))
    must = np.arange(prob.num_parcels) < forced
    fix = _fixing(prob, level1, _Level1Info(None, None, None, None))
    found: list[int] = []
    cuts = parcel_solver._window_cuts

    def counted(*args: Any, **kw: Any) -> Any:
        found.append(1)
        return cuts(*args, **kw)

    rec_sets: list[Any] = []  # (the level passes its own list to every build)
    with mock.patch.object(parcel_solver, "_window_cuts", counted):
        level2._cover_bound(fix, must, must, rec_sets)
        level2._model(fix, must, must, level1, rec_sets)
    return prob.unscale_cost(level2.lower_bound), level2.notes, len(found)


@pytest.mark.parametrize("covers", [True, False])
def test_the_batches_alone_bound_the_batch_cost(monkeypatch: pytest.MonkeyPatch,
                                                covers: bool) -> None:
    """Binds: the cheapest batches meeting the parcel cover pay a whole batch (10); without
    the cover row the window cut over days 0-2 is met by B-1 alone (1). The window cuts are
    found once for the bound and the model built after it."""
    monkeypatch.setattr(parcel_solver, "PARCEL_COVERS", covers)
    bound, notes, found = _cover_bound(_forced_and_optional(1), forced=1)
    assert bound == pytest.approx(10.0 if covers else 1.0)
    assert any(n.startswith("batch cover bound") for n in notes)
    assert found == 1


def test_the_batches_alone_are_not_solved_without_time() -> None:
    """Slack as to the bound: with the level's time used up, no MIP is started for it."""
    from parcelroute.parcels.solver import _fixing, _Level1Info, _Level2

    s = _forced_and_optional(1)
    prob = ParcelProblem(s, Compatibility(s))
    deadline = Deadline(0.01)
    level2 = _Level2(prob, SolveOptions(time_limit=0.01), deadline)
    must = np.arange(prob.num_parcels) < 1
    fix = _fixing(prob, 1, _Level1Info(None, None, None, None))
    while (deadline.left() or 0.0) > 0:
        time.sleep(0.01)
    with mock.patch.object(parcel_solver, "solve_mip") as mip:
        level2._cover_bound(fix, must, must, [])
    mip.assert_not_called()
    assert level2.lower_bound == 0.0


def test_with_nothing_forced_the_batches_alone_prove_nothing() -> None:
    """Slack: no cut and no cover row, no bound (and no MIP solved for it)."""
    with mock.patch.object(parcel_solver, "solve_mip") as mip:
        bound, notes, _found = _cover_bound(_forced_and_optional(1), forced=0)
    assert bound == 0.0
    assert not any(n.startswith("batch cover bound") for n in notes)
    mip.assert_not_called()


def test_a_crossing_s_day_of_few_batches_gets_its_flow_covers() -> None:
    """Slack: five batches (at most FLOW_COVER_MAX_BATCHES) give one cover per pair, 10."""
    assert parcel_solver.FLOW_COVER_MAX_BATCHES == 5
    assert _flow_covers(5) == 10


def test_a_crossing_s_day_of_many_batches_gets_none() -> None:
    """Binds: six batches would give 15 covers (63 subsets); none is derived, and the month
    is still proven (HiGHS cuts on its own): the three parcels of the cheapest batches."""
    assert _flow_covers(6) == 0
    s = _hubs_through_one_crossing(6)
    result = pr.solve(s, time_limit=30)
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["delivered_priority"] == 3
    assert result.objective["batch_cost"] == 21
    assert pr.verify(s, result) == []


def _level1_from_one_parcel_per_hub() -> tuple[Any, np.ndarray]:
    """Level 1 of :func:`_two_hubs_one_crossing` with H-1's parcels of priority 2, at
    P-1 and Q-1 delivered (priority 3; P-1 and P-2 deliver 4)."""
    prob, plan = _p1_and_q1(_two_hubs_one_crossing(h1_priority=2))
    return parcel_solver._Level1(prob, SolveOptions(time_limit=30), Deadline(30), 30.0), plan


def test_level_1_neighbourhood_mips_move_a_crossing_s_room_between_hubs() -> None:
    """Binds: only the crossing's day frees both hubs' parcels at once (3 -> 4)."""
    level, plan = _level1_from_one_parcel_per_hub()
    assign, best = level._improve(plan, 3, 4, lambda: False, None)
    assert best == 4 == parcel_solver._value(level.prob, assign)
    assert sorted(np.flatnonzero(assign >= 0).tolist()) == [0, 1]


def test_level_1_origin_days_alone_cannot_move_a_crossing_s_room(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind without the crossing's day: each hub's day keeps the plan at 3."""
    monkeypatch.setattr(parcel_solver, "crossing_day_hoods", lambda _prob: [])
    level, plan = _level1_from_one_parcel_per_hub()
    assign, best = level._improve(plan, 3, 4, lambda: False, None)
    assert best == 3 == parcel_solver._value(level.prob, assign)


def _guided_finds_nothing(monkeypatch: pytest.MonkeyPatch, cancel: threading.Event | None = None,
                          ) -> None:
    """The LP-guided MIP returns no plan at its time limit (and sets ``cancel``, if given)."""
    def nothing(*_args: Any, **_kwargs: Any) -> Any:
        if cancel is not None:
            cancel.set()
        return parcel_solver.MipOutcome(None, math.inf, -math.inf, False, "Time limit reached",
                                        0.0)

    monkeypatch.setattr(parcel_solver, "solve_mip", nothing)


def test_after_the_lp_guided_mip_neighbourhood_mips_lower_the_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: the LP-guided MIP finds nothing; the crossing's neighbourhood closes a batch."""
    _guided_finds_nothing(monkeypatch)
    level2, (model, x, y, build) = _one_parcel_per_hub()
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert level2.best_cost == 7
    assert level2.notes[-1].endswith("neighbourhood MIPs") and level2.notes[-1][0] != "0"


@pytest.mark.parametrize(("seconds", "lns_at_most"), [(5.0, 0.7 * 5.0), (60.0, 6.0)])
def test_the_lp_guided_mip_leaves_the_neighbourhood_mips_a_share_or_six_seconds(
        monkeypatch: pytest.MonkeyPatch, seconds: float, lns_at_most: float) -> None:
    """Short solves leave 0.7 of the time to the neighbourhood MIPs; long ones 6 s, since
    the LP-guided MIP keeps finding plans long after the neighbourhoods stop (60 s on the
    2,000-parcel month: 75,820 with the cap, 76,250 without)."""
    limits: list[float] = []

    def nothing(*_args: Any, time_limit: float, **_kwargs: Any) -> Any:
        limits.append(time_limit)
        return parcel_solver.MipOutcome(None, math.inf, -math.inf, False, "Time limit reached",
                                        0.0)

    monkeypatch.setattr(parcel_solver, "solve_mip", nothing)
    level2, (model, x, y, build) = _one_parcel_per_hub()
    level2.deadline = Deadline(seconds)
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert len(limits) == 1
    assert seconds - lns_at_most - 1.0 <= limits[0] <= seconds - lns_at_most + 1e-9


def test_without_a_time_limit_no_neighbourhood_mips_follow_the_lp_guided_mip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack: without a time limit the LP-guided MIP has all the time; nothing follows it."""
    _guided_finds_nothing(monkeypatch)
    level2, (model, x, y, build) = _one_parcel_per_hub()
    level2.deadline = Deadline(None)
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert level2.best_cost == 17
    assert not any(n.endswith("neighbourhood MIPs") for n in level2.notes)


@pytest.mark.parametrize(("seconds", "polish"), [(5.0, 0.5), (60.0, 1.0)])
def test_the_last_pass_keeps_a_tenth_of_the_time_or_one_second(
        monkeypatch: pytest.MonkeyPatch, seconds: float, polish: float) -> None:
    """The whole MIP leaves a tenth of the level's time for the last pass of single
    batches (slack at 5 s: 0.5 s), and at most 1 s (binds at 60 s)."""
    kept: list[float] = []
    monkeypatch.setattr(parcel_solver._Level2, "_exact",
                        lambda self, *_args: kept.append(self._polish_seconds))
    s = _six_parcels_three_batches()
    prob = ParcelProblem(s, Compatibility(s))
    level2 = parcel_solver._Level2(prob, SolveOptions(time_limit=seconds), Deadline(seconds))
    level2.solve(_plan_of(prob, [0, 0, 1, 1, 2, 2]), 12,
                 parcel_solver._Level1Info(None, None, None, None))
    assert len(kept) == 1 and polish - 0.05 <= kept[0] <= polish


def _lp_out_of_time(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """The LP beside the whole MIP stops at its time limit; the limits it was given."""
    limits: list[float | None] = []

    def stopped(*_args: Any, time_limit: float | None = None, **_kwargs: Any) -> Any:
        limits.append(time_limit)
        return parcel_solver.MipOutcome(None, math.nan, -math.inf, False, "Time limit reached",
                                        time_limit or 0.0)

    monkeypatch.setattr(parcel_solver, "solve_lp", stopped)
    return limits


def test_an_lp_not_back_in_its_share_guides_no_mip_and_the_neighbourhoods_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: the LP gets a quarter of the time; out of it, no LP-guided MIP runs (and no
    bound is claimed), and the crossing's neighbourhood closes a batch at once."""
    limits = _lp_out_of_time(monkeypatch)
    rens: list[object] = []
    monkeypatch.setattr(parcel_solver, "solve_mip", lambda *a, **k: rens.append(a))
    level2, (model, x, y, build) = _one_parcel_per_hub()
    left = level2._mip_left()
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert len(limits) == 1 and limits[0] is not None and left is not None
    assert parcel_solver.GUIDED_LP_SHARE * (left - 1.0) <= limits[0] \
        <= parcel_solver.GUIDED_LP_SHARE * left
    assert rens == []
    assert any("no LP-guided batch MIP" in n for n in level2.notes)
    assert (level2.best_cost, level2.lower_bound) == (7, 0.0)


def test_an_lp_back_in_its_share_guides_the_batch_mip() -> None:
    """Slack: the LP returns at once, its bound counts and the LP-guided MIP runs."""
    level2, (model, x, y, build) = _one_parcel_per_hub()
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert level2.best_cost == 7 and level2.lower_bound == 7
    assert not any("no LP-guided batch MIP" in n for n in level2.notes)


def _whole_mip_solution(level2: Any, model: MipModel, x: np.ndarray, y: np.ndarray, build: Any,
                        plan: np.ndarray) -> np.ndarray:
    """The whole MIP's column values of ``plan``."""
    kept = level2.best
    level2.best = plan
    try:
        return np.asarray(level2._start(model, x, y, build))
    finally:
        level2.best = kept


@pytest.mark.parametrize("cheaper", [True, False])
def test_a_cheaper_plan_of_the_whole_mip_starts_the_searches_rounds_again(cheaper: bool) -> None:
    """Binds with a cheaper plan: a search's kinds that had ended (a round that saved
    nothing) give their neighbourhoods again, "least filled" those of the new plan. Slack
    with a plan no cheaper: the kinds stay ended."""
    level2, (model, x, y, build) = _one_parcel_per_hub()
    prob = level2.prob
    queue = parcel_solver._HoodQueue({"crossing day": [np.array([0, 1])],
                                      "least filled": [np.array([0]), np.array([1])]}, rounds=3)
    while queue.next() is not None:
        pass
    level2._queues.append(queue)
    plan = np.full(prob.num_parcels, -1, np.int64)
    if cheaper:  # Q-1 and Q-2 on B-2 alone (7 instead of 17)
        for parcel_index in (2, 3):
            plan[parcel_index] = int(np.flatnonzero(prob.pair_parcel == parcel_index)[0])
    else:
        plan = level2.best.copy()
    level2._offer_solution(build, x, _whole_mip_solution(level2, model, x, y, build, plan), 0.0)
    assert level2.best_cost == (7 if cheaper else 17)
    picks = []
    while (pick := queue.next()) is not None:
        picks.append((queue.names[pick.kind], pick.batches.tolist()))
    if cheaper:
        assert ("crossing day", [0, 1]) in picks and ("least filled", [1]) in picks
        assert ("least filled", [0]) not in picks  # B-1 no longer operated
    else:
        assert picks == []


def test_a_cancelled_lp_guided_mip_has_no_neighbourhood_mips_after_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack: once the whole MIP has returned (``cancel``), the neighbourhood MIPs do not start."""
    cancel = threading.Event()
    _guided_finds_nothing(monkeypatch, cancel)
    level2, (model, x, y, build) = _one_parcel_per_hub()
    level2._guided(model, x, y, build, cancel, 1)
    assert level2.best_cost == 17
    assert not any(n.endswith("neighbourhood MIPs") for n in level2.notes)


def test_lp_guided_bound_never_passes_the_optimum() -> None:
    """Where the LP is weak (parcels of 0.6 of a batch) its bound stays below the optimum.

    Three parcels of 6 kg for batches of 10 kg: each needs a batch of its own
    (cost 30), while the LP splits them over 1.8 batches: its bound 18 rounds up to
    20, the costs' step.
    """
    b = base()
    for k in range(3):
        parcel(b, f"P-{k}", w=6, prio=2)
    for k in range(3):
        batch(b, f"B-{k}", max_weight_kg=10)
    s = b.build()
    level2, (model, x, y, build) = _level2_at(s, [0, 1, 2])
    level2._guided(model, x, y, build, threading.Event(), 1)
    assert (level2.best_cost, level2.lower_bound) == (30, 20)
    r = solve(s, time_limit=30)
    assert_optimal(r)
    assert r.objective["batch_cost"] == 30


@pytest.mark.parametrize(("time_limit", "kept", "cost"), [(30.0, 1.0, 20), (None, 0.0, 30)])
def test_last_pass_over_the_mip_plan_only_under_a_time_limit(
        time_limit: float | None, kept: float, cost: float) -> None:
    """Under a time limit the whole MIP leaves 1 s for single-batch MIPs over its plan.

    The whole MIP is stubbed out here (as if it found nothing in its time), and so are
    the start's own improvements (emptying, placing again): the last pass then closes one
    of the three batches. Without a time limit the MIP runs until it proves the level,
    and no pass follows.
    """
    s = _six_parcels_three_batches()
    level2, _built = _level2_at(s, [0, 0, 1, 1, 2, 2], time_limit=time_limit)
    plan, level1 = level2.best, level2.level1
    seen: list[float] = []

    def mip_found_nothing(self: Any, *args: Any) -> None:
        if self.deadline.left() is not None:
            seen.append(self.deadline.left() - self._mip_left())

    with mock.patch.object(parcel_solver._Level2, "_exact", mip_found_nothing), \
            mock.patch.object(parcel_solver, "empty_batches", lambda _prob, assign: assign), \
            mock.patch.object(parcel_solver, "repack", lambda _prob, _assign: None):
        best, _res = level2.solve(plan, level1, parcel_solver._Level1Info(None, None, None,
                                                                           None))
    assert parcel_solver._cost(level2.prob, best) == cost
    assert seen == ([pytest.approx(kept, abs=0.05)] if time_limit else [])


@pytest.mark.parametrize(("moved", "cost", "batches"), [
    # another search's change (batch 1 into batch 0) stays beside this one (3 into 2)
    ([0, 0, 1, 1, 2, 2, 2, 2], 20, [0, 0, 0, 0, 2, 2, 2, 2]),
    # both changes fill batch 0 beyond its four parcels: this one is refused
    ([0, 0, 1, 1, 0, 0, 3, 3], 30, [0, 0, 0, 0, 2, 2, 3, 3]),
])
def test_a_re_plan_keeps_what_another_search_changed_meanwhile(
        moved: list[int], cost: float, batches: list[int]) -> None:
    """Two searches share the best plan: each re-plan brings only its own moves to it.

    From the plan of four batches, one search has already emptied batch 1
    into batch 0; the other offers, from the same start, its own re-plan.
    """
    s = _batches_of_four(8, 4)  # two batches are enough
    level2, _built = _level2_at(s, [0, 0, 1, 1, 2, 2, 3, 3])
    prob = level2.prob
    start = level2.best
    assert level2._offer(_plan_of(prob, [0, 0, 0, 0, 2, 2, 3, 3]))
    assert level2.best_cost == 30
    level2._offer_change(start, _plan_of(prob, moved))
    assert level2.best_cost == cost
    assert prob.pair_batch[level2.best].tolist() == batches


def test_neighbourhoods_go_round_again_only_after_a_cheaper_plan() -> None:
    """Handed out in order; a second round after a round that saved something, not after one
    that did not; never more rounds than allowed."""
    hoods = [np.array([k], np.int64) for k in range(3)]
    queue = parcel_solver._HoodQueue({"single": hoods}, 5)

    def round_of(q: parcel_solver._HoodQueue) -> list[list[int]]:
        return [p.batches.tolist() for p in (q.next() for _ in range(3)) if p is not None]

    assert round_of(queue) == [[0], [1], [2]]
    queue.record(0, saved=10.0, seconds=0.1)  # the first round saved 10
    assert round_of(queue) == [[0], [1], [2]]
    queue.record(0, saved=0.0, seconds=0.1)
    assert queue.next() is None  # the second round saved nothing
    queue.record(0, saved=50.0, seconds=0.1)
    assert queue.next() is None  # the search has ended, whatever comes after
    once = parcel_solver._HoodQueue({"single": hoods}, 1)
    assert [once.next() is not None for _ in range(3)] == [True] * 3
    once.record(0, saved=90.0, seconds=0.1)
    assert once.next() is None  # one round only, however much it saved
    assert parcel_solver._HoodQueue({"none": []}, 5).next() is None


def _kinds_drawn(rates: tuple[float, float], seconds: tuple[float, float],
                 draws: int) -> list[int]:
    """Kind 'a' (three neighbourhoods) goes through its first round, then kind 'b' is tried;
    each re-plan saves ``rates`` per second and takes ``seconds``: the kinds of the next
    ``draws``."""
    many = [np.array([k], np.int64) for k in range(10_000)]
    queue = parcel_solver._HoodQueue({"a": many[:3], "b": many}, 10**6, seed=3)
    picked: list[int] = []
    while picked.count(1) < 3:
        pick = queue.next()
        assert pick is not None
        picked.append(pick.kind)
        queue.record(pick.kind, saved=rates[pick.kind] * seconds[pick.kind],
                     seconds=seconds[pick.kind])
    assert picked[:3] == [0, 0, 0]  # the first round of 'a' comes first
    kinds = []
    for _ in range(draws):
        pick = queue.next()
        assert pick is not None
        kinds.append(pick.kind)
        queue.record(pick.kind, saved=rates[pick.kind] * seconds[pick.kind],
                     seconds=seconds[pick.kind])
    return kinds


def test_the_first_kind_goes_round_first_in_its_order() -> None:
    """The first kind's first round comes before any other kind, in its order."""
    first = [np.array([k], np.int64) for k in (5, 3, 9)]
    queue = parcel_solver._HoodQueue({"a": first, "none": [], "b": [np.array([1])] * 9}, 5)
    picks = [queue.next() for _ in range(3)]
    assert [(p.kind, p.batches.tolist()) for p in picks if p is not None] == [
        (0, [5]), (0, [3]), (0, [9])]
    queue.record(0, saved=0.0, seconds=0.1)
    assert [p.kind for p in (queue.next() for _ in range(9)) if p is not None] == [2] * 9
    # an empty first kind leaves the draw to the others from the start
    no_first = parcel_solver._HoodQueue({"none": [], "b": [np.array([1])]}, 1)
    pick = no_first.next()
    assert pick is not None and pick.kind == 1


def test_the_kind_that_saves_more_per_second_is_drawn_more_often() -> None:
    """Binds: kind 'b' saved ten times as much per second, and is drawn about ten times as often
    (its odds 10 to 1); kind 'a' is still drawn (the floor keeps it in the search)."""
    kinds = _kinds_drawn((1.0, 10.0), (0.5, 0.5), 1100)
    assert 850 <= kinds.count(1) <= 1100 - 50


def test_kinds_that_save_alike_are_drawn_alike() -> None:
    """Does not bind: two kinds that saved the same per second, in re-plans of the same
    length, are drawn about equally."""
    kinds = _kinds_drawn((5.0, 5.0), (0.5, 0.5), 1000)
    assert 400 <= kinds.count(1) <= 600


def test_a_kind_of_quick_re_plans_is_drawn_more_often() -> None:
    """Two kinds that save the same per second share the time equally: the one whose re-plans
    take a tenth of the time is drawn about ten times as often."""
    kinds = _kinds_drawn((5.0, 5.0), (0.5, 0.05), 1100)
    assert 850 <= kinds.count(1) <= 1100 - 50


def test_a_kind_that_ends_leaves_the_draw_to_the_others() -> None:
    """A kind whose round saved nothing ends; the others go on alone."""
    queue = parcel_solver._HoodQueue(
        {"short": [np.array([0])], "long": [np.array([1])] * 50}, 5)
    seen = []
    while (pick := queue.next()) is not None:
        seen.append(pick.kind)
        queue.record(pick.kind, saved=1.0 if pick.kind == 1 else 0.0, seconds=0.5)
    assert seen[:2] == [0, 1]  # 'short' went round once; its round saved nothing
    assert seen.count(0) == 1
    assert seen.count(1) == 50 * 5  # every round of 'long' saved something


def test_roomy_month_is_proven_by_one_worker_and_by_two() -> None:
    """The batch-cost level with the LP-guided MIP beside it (two workers) and without (one)."""
    s = _roomy_month(300, 4)
    one = solve(s, time_limit=60, workers=1)
    two = solve(s, time_limit=60, workers=2)
    assert_optimal(one)
    assert_optimal(two)
    assert levels(one) == levels(two)


def test_no_parcels_or_no_batches() -> None:
    b = base()
    batch(b, "B-1")
    r = solve(b.build())
    assert r.objective["batch_cost"] == 0
    b = base()
    parcel(b, "P-1")
    r = solve(b.build())
    assert reasons(r) == {"P-1": "no_compatible_batch"}


# -- the MIP layer ----------------------------------------------------------------------
def test_lagrangian_bound_is_valid_for_any_multipliers() -> None:
    m = MipModel(maximize=True)
    x = m.add_columns(np.array([5.0, 4.0, 3.0]), upper=np.ones(3), integer=True)
    m.add_row(x, np.array([2.0, 3.0, 1.0]), upper=4.0)
    m.add_row(x[:2], np.array([1.0, 1.0]), lower=0.0, upper=1.0)
    best = solve_mip(m).value
    for mult in ([0.0, 0.0], [1.0, 2.0], [-3.0, 0.5], [2.5, -1.0]):
        assert lagrangian_bound(m, np.array(mult)).bound >= best - 1e-9
    lp = solve_lp(m, ipm=False)
    assert lp.row_dual is not None
    assert lagrangian_bound(m, lp.row_dual).bound == pytest.approx(lp.value)


def test_scip_and_highs_agree_and_mps_is_exact() -> None:
    m = MipModel(maximize=False)
    x = m.add_columns(np.array([0.1, 0.2, 0.3]), upper=np.ones(3), integer=True)
    m.add_row(x, np.array([0.1, 0.2, 0.30000000000000004]), lower=0.3)
    assert solve_scip(m).value == pytest.approx(solve_mip(m).value)
    assert "0.30000000000000004" in m.to_mps()


def test_highs_threads_can_change_between_solves() -> None:
    m = MipModel(maximize=True)
    x = m.add_columns(np.array([1.0, 1.0]), upper=np.ones(2), integer=True)
    m.add_row(x, np.ones(2), upper=1.0)
    assert solve_mip(m, threads=2).value == 1.0
    assert solve_mip(m, threads=1).value == 1.0
    assert solve_mip(m, threads=2).value == 1.0


# -- against an exhaustive search -------------------------------------------------------
def brute_force(s: Scenario) -> tuple[int, Decimal]:
    """The lexicographic optimum by trying every assignment (tiny scenarios only)."""
    compat = Compatibility(s)
    node_cap = {n.id: n.daily_capacity for n in s.nodes if n.daily_capacity is not None}
    choices = [[None, *compat.options[i]] for i in range(len(s.parcels))]
    best: tuple[int, Decimal] | None = None
    for combo in itertools.product(*choices):
        load: dict[int, list[Decimal]] = {}
        cross: dict[tuple[str, dt.date], int] = {}
        got: dict[str, list[Decimal]] = {}
        ok = True
        for p, o in zip(s.parcels, combo, strict=True):
            if o is None:
                continue
            w, v = Decimal(repr(p.weight_kg)), Decimal(repr(p.volume_l))
            acc = load.setdefault(o.batch, [Decimal(0), Decimal(0), Decimal(0)])
            acc[0] += w
            acc[1] += v
            acc[2] += 1
            for node, when in compat.crossings_of(o):
                cross[(node, when)] = cross.get((node, when), 0) + 1
            if p.recipient is not None:
                r = got.setdefault(p.recipient, [Decimal(0), Decimal(0)])
                r[0] += 1
                r[1] += w
        for bi, (w, v, n) in load.items():
            bt = s.batches[bi]
            if (bt.max_weight_kg is not None and w > Decimal(repr(bt.max_weight_kg))) or \
                    (bt.max_volume_l is not None and v > Decimal(repr(bt.max_volume_l))) or \
                    (bt.max_parcels is not None and n > bt.max_parcels):
                ok = False
        for (node, _when), passing in cross.items():
            if passing > node_cap[node]:
                ok = False
        for d, (n, w) in got.items():
            n_max, w_max = s.parcel_limits(d)
            if (n_max is not None and n > n_max) or \
                    (w_max is not None and w > Decimal(repr(w_max))):
                ok = False
        if not ok:
            continue
        prio = sum(p.priority for p, o in zip(s.parcels, combo, strict=True) if o is not None)
        cost = sum((Decimal(repr(s.batches[bi].cost)) for bi in load), Decimal(0))
        key = (prio, -cost)
        if best is None or key > (best[0], -best[1]):
            best = (prio, cost)
    assert best is not None
    return best


@st.composite
def small_scenarios(draw: st.DrawFn) -> Scenario:
    b = base("random", crossing=draw(st.one_of(st.none(), st.integers(0, 3))),
             dwell=draw(st.sampled_from([0, 6, 14])))
    b.set_defaults(max_parcels_per_detainee=draw(st.integers(1, 3)),
                   max_weight_kg_per_detainee=draw(st.sampled_from([2.5, 4, 10])))
    b.add_detainee("D-1", side="A", facility="F-1")
    b.add_detainee("D-2", side="A", facility="F-2",
                   max_parcels=draw(st.one_of(st.none(), st.integers(0, 2))))
    n_batches = draw(st.integers(1, 3))
    for k in range(n_batches):
        limits: dict[str, Any] = {}
        if draw(st.booleans()):
            limits["max_weight_kg"] = draw(st.sampled_from([0.3, 1.5, 2, 3.7, 6]))
        if draw(st.booleans()):
            limits["max_volume_l"] = draw(st.sampled_from([1, 2.5, 4]))
        if draw(st.booleans()):
            limits["max_parcels"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            limits["accepts"] = ["food"]
        stops = draw(st.sampled_from([("X", "F-1", "F-2"), ("F-1", "X", "F-2"), ("X", "F-2")]))
        batch(b, f"B-{k}", departs=draw(st.integers(0, 2)), stops=stops,
              cost=draw(st.sampled_from([0, 5, 10, 12.5, 40])), **limits)
    n_parcels = draw(st.integers(1, 6 if n_batches <= 2 else 5))
    for k in range(n_parcels):
        ready = draw(st.integers(0, 2))
        parcel(b, f"P-{k}", dest=draw(st.sampled_from(["F-1", "F-2"])),
               w=draw(st.sampled_from([0.1, 0.2, 0.5, 1, 1.7, 3])),
               v=draw(st.sampled_from([0.5, 1, 2])), ready=ready,
               due=ready + draw(st.integers(0, 4)), prio=draw(st.integers(0, 3)),
               rec=draw(st.sampled_from([None, "D-1", "D-2"])),
               cat=draw(st.sampled_from([None, "food"])))
    return b.build()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_random_scenarios_match_brute_force(s: Scenario) -> None:
    r = solve(s, time_limit=20)
    prio, cost = brute_force(s)
    assert r.bound["delivered_priority"] >= prio - 1e-9
    assert r.objective["delivered_priority"] <= prio + 1e-9
    if r.status == pr.Status.OPTIMAL:
        assert r.objective["delivered_priority"] == prio
        assert Decimal(repr(r.objective["batch_cost"])) == cost
        for level in ("delivered_priority", "batch_cost"):
            assert r.objective[level] == pytest.approx(r.bound[level])
    if r.objective["delivered_priority"] == prio:
        assert r.bound["batch_cost"] <= float(cost) + 1e-9


#: Rules about what a plan says of itself or its batches' records, not about where its
#: parcels ride.
EXPLAINING = ("reason_missing", "detail_missing", "reason_unknown", "reason_false",
              "left_out_assigned", "objective_value", "objective_bound", "objective_gap",
              "status", "solve_seconds", "batch_record", "missing_batch", "duplicate_batch",
              "unknown_batch", "parcel_arrives")


def _with_parcels(result: pr.Result, parcels: dict[str, pr.ParcelAssignment]) -> pr.Result:
    return pr.Result(result.scenario, pr.Status.FEASIBLE, 0.0, {}, {},
                     parcels=tuple(parcels[p.id] for p in result.parcels))


def _rides_by_the_rules(s: Scenario, plan: pr.Result) -> bool:
    return not [x for x in pr.verify(s, plan) if x.rule not in EXPLAINING]


#: The rules that make a batch unable ever to carry a parcel, and those of its room.
NEVER = {"parcel_origin", "parcel_destination", "parcel_ready", "parcel_due", "parcel_category"}
ROOM = {"capacity_weight", "capacity_volume", "capacity_parcels", "crossing_capacity"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios(), st.data())
def test_verify_finds_room_for_a_parcel_exactly_where_adding_it_keeps_every_rule(
        s: Scenario, data: st.DataObject) -> None:
    """``verify``'s room check against brute force, on the solver's plan with some parcels
    taken out: a parcel left out as 'capacity' is said to have room on a batch as the plan
    stands exactly when some batch given to it keeps every rule; else said to fit no batch
    ever exactly when every batch breaks a rule that never changes, else said to be
    stopped by its recipient alone exactly when no batch that may carry it lacks room."""
    result = solve(s, time_limit=20)
    delivered = [p.id for p in result.parcels if p.delivered]
    drop = data.draw(st.sets(st.sampled_from(delivered), min_size=1)) if delivered else set()
    out = pr.ParcelAssignment  # (a record left out, with a code verify never questions)
    parcels = {p.id: (out(p.id, reason="time_limit", detail="Taken out.") if p.id in drop
                      else p) for p in result.parcels}
    assume(_rides_by_the_rules(s, _with_parcels(result, parcels)))
    for p in s.parcels:
        if parcels[p.id].delivered:
            continue
        broken = [{x.rule for x in pr.verify(s, _with_parcels(result, {**parcels,
                                                                        p.id: out(p.id, b.id)}))
                   if x.rule not in EXPLAINING} for b in s.batches]
        may = [rules for rules in broken if not rules & NEVER]
        claimed = _with_parcels(result, {**parcels, p.id: out(p.id, reason="capacity",
                                                              detail="Full.")})
        said = [x.message for x in pr.verify(s, claimed)
                if x.item == p.id and x.rule == "reason_false"]
        fits = any(not rules for rules in broken)
        event(f"a left-out parcel {'fits' if fits else 'fits nowhere'}")
        assert any("has room for it as the plan stands" in m for m in said) == fits, (p.id, said)
        if not fits:
            assert any("no batch could ever carry it" in m for m in said) == (not may)
            recipient_only = bool(may) and not any(rules & ROOM for rules in may)
            event("no batch ever" if not may else
                  "its recipient alone" if recipient_only else "full batches")
            assert any("are what stop it" in m for m in said) == recipient_only, (p.id, said)
            assert len(said) == (not may or recipient_only)


# -- independent parts ---------------------------------------------------------------
@contextlib.contextmanager
def every_part_alone(max_share: float = 1.0) -> Any:
    """Solve every independent part on its own, however small."""
    with mock.patch.object(components, "MIN_PART_OPTIONS", 1), \
            mock.patch.object(parcel_solver, "SPLIT_MAX_SHARE", max_share):
        yield


@st.composite
def two_hub_scenarios(draw: st.DrawFn) -> Scenario:
    """Two hubs whose batches cross at X: apart unless X's limit or D-1's joins them."""
    b = base("two hubs", crossing=draw(st.one_of(st.none(), st.integers(0, 4))))
    b.add_node("HUB-2", kind="hub").add_link("HUB-2", "X", hours=10)
    b.add_detainee("D-1", side="A", facility="F-1", max_parcels=draw(st.integers(0, 3)))
    for hub in ("HUB", "HUB-2"):
        for k in range(draw(st.integers(1, 2))):
            limits: dict[str, Any] = {}
            if draw(st.booleans()):
                limits["max_parcels"] = draw(st.integers(0, 2))
            if draw(st.booleans()):
                limits["max_weight_kg"] = draw(st.sampled_from([1, 2.5]))
            b.add_batch(f"B-{hub}-{k}", origin=hub, departs=day(draw(st.integers(0, 2))),
                        stops=list(draw(st.sampled_from([("X", "F-1", "F-2"), ("X", "F-2")]))),
                        cost=draw(st.sampled_from([0, 5, 10, 12.5])), **limits)
        for k in range(draw(st.integers(1, 3))):
            ready = draw(st.integers(0, 2))
            fields: dict[str, Any] = {
                "origin": hub, "destination": draw(st.sampled_from(["F-1", "F-2"])),
                "weight_kg": draw(st.sampled_from([0.5, 1, 1.5])), "volume_l": 1,
                "ready": day(ready), "due": day(ready + draw(st.integers(0, 3))),
                "priority": draw(st.integers(0, 3))}
            if draw(st.booleans()):
                fields["recipient"] = "D-1"
            b.add_parcel(f"P-{hub}-{k}", **fields)
    return b.build()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_hub_scenarios())
def test_months_solved_part_by_part_match_brute_force(s: Scenario) -> None:
    with every_part_alone():
        r = solve(s, time_limit=20)
    prio, cost = brute_force(s)
    assert_optimal(r)
    assert r.objective["delivered_priority"] == prio
    assert Decimal(repr(r.objective["batch_cost"])) == cost


@pytest.mark.parametrize(("seed", "size"), [(0, 40), (2, 60), (4, 60)])
def test_parts_prove_the_levels_of_the_whole_month(seed: int, size: int) -> None:
    s = generate_scenario(size, 0, seed)
    whole = solve(s, time_limit=30)
    with every_part_alone():
        parts = solve(s, time_limit=30)
    assert parts.stats["parcels_parts"] == 2 and whole.stats["parcels_parts"] == 1
    assert_optimal(whole)
    assert_optimal(parts)
    assert levels(parts) == pytest.approx(levels(whole))


# -- the MIP's reach under a time limit ---------------------------------------------------
@pytest.mark.parametrize(("pairs", "seconds", "beyond"), [
    (9_262, 2.0, True),  # the generated 2,000-parcel month at 2 s: options per second bind
    (9_262, 10.0, False),  # at 10 s: slack
    (9_262, None, False),  # without a time limit: slack
    (50_000, 60.0, True),  # the timed cap binds
    (50_000, None, False),  # no time limit: the cap of every solve is slack
    (70_000, None, True),  # MIP_MAX_PAIRS binds
    (4_000, 0.5, False),  # too few options for the rule
])
def test_the_mips_reach_depends_on_the_time_limit(pairs: int, seconds: float | None,
                                                  beyond: bool) -> None:
    month = mock.Mock(num_pairs=pairs)
    assert parcel_solver._beyond_mip(month, seconds) is beyond


def test_a_month_beyond_the_mips_reach_in_its_time_takes_that_path() -> None:
    """With a time limit too short for its options, a month takes the path beyond one MIP's
    reach: its plan verifies and its bounds hold against the optimum proven without a limit,
    where the same month is solved as one MIP."""
    s = generate_scenario(150, 0, 11)
    exact = solve(s, time_limit=None)
    assert_optimal(exact)
    assert exact.stats["parcels_beyond_mip"] == 0
    with mock.patch.object(parcel_solver, "MIP_TIMED_MIN_PAIRS", 0), \
            mock.patch.object(parcel_solver, "MIP_PAIRS_PER_SECOND", 1.0):
        timed = solve(s, time_limit=10)
        unlimited = solve(s, time_limit=None)
    assert timed.stats["parcels_beyond_mip"] == 1
    assert unlimited.stats["parcels_beyond_mip"] == 0
    assert_optimal(unlimited)
    prio = exact.objective["delivered_priority"]
    assert timed.objective["delivered_priority"] <= prio <= timed.bound["delivered_priority"]
    if timed.objective["delivered_priority"] == prio:
        assert timed.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6
    # by default a month this small keeps the MIP at a 10 s limit
    assert solve(s, time_limit=10).stats["parcels_beyond_mip"] == 0


def room_after_level_2() -> Scenario:
    """C rides only B-1 (two seats, 10); A may take B-1 or B-2 (5), D B-1 or B-4 (3).

    With A and D on B-1, C has no seat: level 2 moves them to B-2 and B-4 (8), which
    frees B-1 for C (18); with C, the cheapest plan puts A beside it (13)."""
    b = base("room after level 2")
    batch(b, "B-1", accepts=["a", "c", "d"], max_parcels=2, cost=10)
    batch(b, "B-2", accepts=["a"], max_parcels=1, cost=5)
    batch(b, "B-4", accepts=["d"], max_parcels=1, cost=3)
    parcel(b, "A", cat="a")
    parcel(b, "C", cat="c")
    parcel(b, "D", cat="d")
    return b.build()


def _level_1_ends_at_a_and_d_on_b1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Level 1 ends unproven (2 of a bound of 3) with A and D on B-1."""

    def unproven(self: Any) -> tuple[np.ndarray, Any, Any]:
        prob = self.prob
        ids = [p.id for p in prob.scenario.parcels]
        bids = [b.id for b in prob.scenario.batches]
        assign = np.full(prob.num_parcels, -1, np.int64)
        for k in range(prob.num_pairs):
            pid, bid = ids[prob.pair_parcel[k]], bids[prob.pair_batch[k]]
            if pid in ("A", "D") and bid == "B-1":
                assign[prob.pair_parcel[k]] = k
        info = parcel_solver._Level1Info(None, None, None, None)
        return assign, parcel_solver.LevelResult(2.0, 3.0), info

    monkeypatch.setattr(parcel_solver._Level1, "solve", unproven)


def _level_2_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the level-1 value of each pass of level 2."""
    passes: list[int] = []
    run = parcel_solver._Level2.solve

    def spy(self: Any, assign: Any, level1: int, info: Any) -> Any:
        passes.append(level1)
        return run(self, assign, level1, info)

    monkeypatch.setattr(parcel_solver._Level2, "solve", spy)
    return passes


@pytest.mark.parametrize("rounds", [parcel_solver.AGAIN_ROUNDS, 0])
def test_level_2_is_planned_again_when_its_plan_makes_room_for_a_left_out_parcel(
        monkeypatch: pytest.MonkeyPatch, rounds: int) -> None:
    """Level 1 leaves C out, unproven; level 2's plan frees C's only batch and C goes.
    Level 2 is then planned again for three parcels: 13 and proven (binds). Without
    that pass (``rounds`` 0) the plan keeps level 2's batches and C's: 18, unproven."""
    s = room_after_level_2()
    _level_1_ends_at_a_and_d_on_b1(monkeypatch)
    monkeypatch.setattr(parcel_solver, "AGAIN_ROUNDS", rounds)
    passes = _level_2_passes(monkeypatch)
    r = solve(s, time_limit=10)
    assert r.objective["delivered_priority"] == 3 == r.bound["delivered_priority"]
    assert passes == ([2, 3] if rounds else [2])
    if rounds:
        assert levels(r) == {"delivered_priority": 3, "batch_cost": 13}
        assert where(r) == {"A": "B-1", "C": "B-1", "D": "B-4"}
        assert_optimal(r)
    else:
        assert levels(r) == {"delivered_priority": 3, "batch_cost": 18}
        assert r.bound["batch_cost"] == 8
        assert r.status is pr.Status.FEASIBLE


@pytest.mark.parametrize(("name", "value"), [("AGAIN_MIN_SECONDS", 1e9),
                                             ("AGAIN_MIN_SHARE", 1.0)])
def test_level_2_is_not_planned_again_without_the_time(monkeypatch: pytest.MonkeyPatch,
                                                       name: str, value: float) -> None:
    """The same month with less than :data:`AGAIN_MIN_SECONDS`, or less than
    :data:`AGAIN_MIN_SHARE` of the parcels' time, left after level 2 (slack: no second
    pass, C still goes)."""
    s = room_after_level_2()
    _level_1_ends_at_a_and_d_on_b1(monkeypatch)
    monkeypatch.setattr(parcel_solver, name, value)
    passes = _level_2_passes(monkeypatch)
    r = solve(s, time_limit=10)
    assert passes == [2]
    assert levels(r) == {"delivered_priority": 3, "batch_cost": 18}
    assert r.status is pr.Status.FEASIBLE


def test_level_2_is_planned_once_where_level_1_is_proven(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Level 1 proven, all three parcels delivered: nothing is left out to go after level 2,
    and the month is proven at 13 (A and C on B-1, D on B-4) in one pass (slack)."""
    passes = _level_2_passes(monkeypatch)
    r = solve(room_after_level_2(), time_limit=10)
    assert passes == [3]
    assert levels(r) == {"delivered_priority": 3, "batch_cost": 13}
    assert_optimal(r)


def _whole_mip_runs(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """Record the time left at each call of the batch-cost level's whole MIP."""
    calls: list[float | None] = []
    exact = parcel_solver._Level2._exact

    def spy(self: Any, *args: Any) -> None:
        calls.append(self.deadline.left())
        exact(self, *args)

    monkeypatch.setattr(parcel_solver._Level2, "_exact", spy)
    return calls


@pytest.mark.parametrize(("seed", "constants", "runs"), [
    (11, {}, True),  # the searches end with 9 s left: the whole MIP proves the optimum
    (11, {"AFTER_SEARCH_MIP_MIN_SECONDS": 1e9}, False),  # too little time left for it
    (1, {}, False),  # the searches close the level themselves
])
def test_searches_that_end_early_leave_their_time_to_the_whole_mip(
        monkeypatch: pytest.MonkeyPatch, seed: int, constants: dict[str, float],
        runs: bool) -> None:
    """A 150-parcel month forced beyond the MIP's reach at 10 s: where the neighbourhood
    searches end with time to spare and no proof, the whole MIP takes the rest and proves
    the optimum of the month solved as one MIP (binds); not where the time it needs is not
    left, nor where the searches prove the level themselves (slack)."""
    s = generate_scenario(150, 0, seed)
    exact = solve(s, time_limit=30)
    assert_optimal(exact)
    monkeypatch.setattr(parcel_solver, "MIP_TIMED_MIN_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "MIP_PAIRS_PER_SECOND", 1.0)
    for name, value in constants.items():
        monkeypatch.setattr(parcel_solver, name, value)
    calls = _whole_mip_runs(monkeypatch)
    r = solve(s, time_limit=10)
    assert r.stats["parcels_beyond_mip"] == 1
    assert pr.verify(s, r) == []
    assert r.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6
    assert len(calls) == int(runs)
    if runs:
        left = calls[0]
        assert left is not None and left >= parcel_solver.AFTER_SEARCH_MIP_MIN_SECONDS
        assert_optimal(r)
        assert r.objective == pytest.approx(exact.objective)
    elif seed == 11:
        # the searches alone leave this month unproven
        assert r.status is pr.Status.FEASIBLE


def test_a_month_beyond_every_mips_reach_gets_no_whole_mip_after_its_searches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Above :data:`MIP_MAX_PAIRS` options the whole MIP never runs, however much time the
    ended searches leave (the rule's other limit, binding)."""
    s = generate_scenario(150, 0, 11)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    calls = _whole_mip_runs(monkeypatch)
    r = solve(s, time_limit=10)
    assert r.stats["parcels_beyond_mip"] == 1
    assert pr.verify(s, r) == []
    assert calls == []


def test_a_month_beyond_the_mips_reach_in_its_time_is_not_split() -> None:
    """Independent parts are planned apart only within one MIP's reach (binds); the same
    month within it is split (slack)."""
    s = generate_scenario(40, 0, 0)
    with every_part_alone():
        apart = solve(s, time_limit=30)
        with mock.patch.object(parcel_solver, "MIP_TIMED_MIN_PAIRS", 0), \
                mock.patch.object(parcel_solver, "MIP_PAIRS_PER_SECOND", 1.0):
            whole = solve(s, time_limit=30)
    assert apart.stats["parcels_parts"] == 2 and apart.stats["parcels_beyond_mip"] == 0
    assert whole.stats["parcels_parts"] == 1 and whole.stats["parcels_beyond_mip"] == 1


def hubs_with(north: int, south: int) -> Scenario:
    """Hubs N and S, one batch each to F-1, with ``north`` and ``south`` parcels."""
    b = pr.ScenarioBuilder(name="parts")
    b.add_node("N", kind="hub").add_node("S", kind="hub").add_node("F-1")
    b.add_link("N", "F-1", hours=5).add_link("S", "F-1", hours=5)
    for hub, count in (("N", north), ("S", south)):
        b.add_batch(f"B-{hub}", origin=hub, departs=day(0), stops=["F-1"], cost=10,
                    max_parcels=max(1, count - 1))
        for k in range(count):
            b.add_parcel(f"P-{hub}{k}", origin=hub, destination="F-1", weight_kg=1,
                         volume_l=1, ready=day(0), due=day(3), priority=k % 3)
    return b.build()


@pytest.mark.parametrize(("north", "parts"), [(20, 1), (19, 2)])
def test_a_part_of_nearly_every_option_leaves_the_month_whole(north: int, parts: int) -> None:
    # 20 of 21 options is more than 0.95 of them (binds); 19 of 20 is not (does not bind)
    with every_part_alone(max_share=0.95):
        r = solve(hubs_with(north, 1))
    assert_optimal(r)
    assert r.stats["parcels_parts"] == parts


@pytest.mark.parametrize(("mip_max_pairs", "parts"), [(6, 1), (7, 2)])
def test_a_month_beyond_the_mips_reach_stays_whole(mip_max_pairs: int, parts: int) -> None:
    # seven options: beyond a MIP of six (binds), within one of seven (does not bind)
    with every_part_alone(), mock.patch.object(parcel_solver, "MIP_MAX_PAIRS", mip_max_pairs):
        r = solve(hubs_with(4, 3))
    assert r.stats["parcels_parts"] == parts
    assert r.objective["delivered_priority"] == 6


@pytest.mark.parametrize(("seconds_per_part", "parts"), [(20.0, 1), (0.5, 2)])
def test_a_month_with_little_time_per_part_stays_whole(seconds_per_part: float,
                                                       parts: int) -> None:
    # 30 s for two parts: less than 20 s each (binds), more than 0.5 s each (does not)
    with every_part_alone(), \
            mock.patch.object(parcel_solver, "SPLIT_MIN_SECONDS", seconds_per_part):
        r = solve(hubs_with(4, 3), time_limit=30)
    assert_optimal(r)
    assert r.stats["parcels_parts"] == parts


def test_parts_report_progress_under_their_own_names_then_the_totals() -> None:
    seen: list[pr.Progress] = []
    with every_part_alone():
        r = solve(hubs_with(4, 3), callback=seen.append)
    assert_optimal(r)
    phases = [p.phase for p in seen]
    assert "parcels: delivered_priority (part 1 of 2)" in phases
    assert "parcels: batch_cost (part 2 of 2)" in phases
    assert phases[-2:] == ["parcels: delivered_priority", "parcels: batch_cost"]
    # each batch leaves out a parcel of priority 0: 1 + 2 from each hub, two batches run
    assert (seen[-2].incumbent, seen[-1].incumbent) == (6, 20)


def test_each_part_gets_a_share_in_proportion_to_its_options() -> None:
    shares: list[float] = []
    real = parcel_solver._solve_problem

    def record(prob: ParcelProblem, options: SolveOptions, deadline: Deadline,
               t0: float, stats: dict[str, float] | None = None) -> Any:
        shares.append(deadline.left() or 0.0)
        return real(prob, options, deadline, t0, stats)

    with every_part_alone(), mock.patch.object(parcel_solver, "_solve_problem", record):
        solve(hubs_with(3, 9), time_limit=40)
    # the part of 3 options first, with about 3/12 of the time; the other with what is left
    assert shares[0] == pytest.approx(10, abs=1)
    assert shares[1] > 25


def test_parts_whose_options_differ_from_the_whole_leave_the_month_whole(
        caplog: pytest.LogCaptureFixture) -> None:
    def reversed_batches(s: Scenario, part: components.Part) -> Scenario:
        sub = components.part_scenario(s, part)
        return dataclasses.replace(sub, batches=sub.batches[::-1])

    s = generate_scenario(40, 0, 0)
    with every_part_alone(), caplog.at_level(logging.WARNING, logger="parcelroute"), \
            mock.patch.object(parcel_solver, "part_scenario", reversed_batches):
        r = solve(s, time_limit=30)
    assert "solved whole" in caplog.text
    assert_optimal(r)
    assert r.stats["parcels_parts"] == 1


def assert_bounds_hold(s: Scenario, r: pr.Result) -> None:
    """Neither level's value passes the brute-force optimum, nor its bound falls short of
    it (the batch-cost bound where level 1 is at its optimum); optimal means the optimum."""
    prio, cost = brute_force(s)
    assert r.objective["delivered_priority"] <= prio + 1e-9
    assert r.bound["delivered_priority"] >= prio - 1e-9
    if r.objective["delivered_priority"] == prio:
        assert r.bound["batch_cost"] <= float(cost) + 1e-9
    if r.status == pr.Status.OPTIMAL:
        assert r.objective["delivered_priority"] == prio
        assert Decimal(repr(r.objective["batch_cost"])) == cost


#: The paths of months too large for one MIP, forced on small ones: (name, solver constants).
LARGE_PATHS = {
    "interior point LP": {"MIP_MAX_PAIRS": 0},
    "PDLP at level 1": {"MIP_MAX_PAIRS": 0, "LP_MAX_PAIRS": 0},
    "PDLP at level 2": {"MIP_MAX_PAIRS": 0, "LP_LEVEL2_FACTOR": 1e9},
    "two searches at level 2": {"MIP_MAX_PAIRS": 0, "LP_LEVEL2_FACTOR": 1e9,
                                "PDLP_SECONDS_PER_OPTION": 1e9},
}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("path", sorted(LARGE_PATHS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=small_scenarios())
def test_the_large_paths_plans_verify_and_bounds_hold(path: str, workers: int,
                                                      s: Scenario) -> None:
    """Forced on small random months, every large-month path returns a plan the checker
    accepts, and neither level's bound passes the brute-force optimum."""
    with contextlib.ExitStack() as stack:
        for name, value in LARGE_PATHS[path].items():
            stack.enter_context(mock.patch.object(parcel_solver, name, value))
        r = solve(s, time_limit=20, workers=workers)
    assert pr.verify(s, r) == []
    assert_bounds_hold(s, r)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), size=st.sampled_from([40, 60, 90]),
       path=st.sampled_from(sorted(LARGE_PATHS)), workers=st.sampled_from([1, 2]))
def test_the_large_paths_on_generated_months_agree_with_the_mip(seed: int, size: int, path: str,
                                                                workers: int) -> None:
    """Generated months the MIP proves, solved again on a forced large-month path.

    Small generated months are scarce enough for level 1's LP, PDLP and
    rounding to run (unlike most brute-force months): the plan must verify and
    each bound hold against the proven optimum.
    """
    s = generate_scenario(size, 0, seed)
    exact = solve(s, time_limit=30)
    assume(exact.status is pr.Status.OPTIMAL)
    with contextlib.ExitStack() as stack:
        for name, value in LARGE_PATHS[path].items():
            stack.enter_context(mock.patch.object(parcel_solver, name, value))
        r = solve(s, time_limit=20, workers=workers)
        # level 1 alone too: the solve raises a bound below a plan's value to that value
        level1 = parcel_solver._Level1(ParcelProblem(s, Compatibility(s)),
                                       SolveOptions(workers=workers), Deadline(20.0), 20.0)
        _assign, first, _info = level1.solve()
    assert pr.verify(s, r) == []
    prio = exact.objective["delivered_priority"]
    assert first.value <= prio <= first.bound
    assert r.objective["delivered_priority"] <= prio <= r.bound["delivered_priority"]
    if r.objective["delivered_priority"] == prio:
        assert r.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6
    if r.status is pr.Status.OPTIMAL:
        assert r.objective == pytest.approx(exact.objective)


def test_a_month_whose_optimum_presolve_finds_is_proven() -> None:
    """HiGHS finds this month's batch-cost optimum after presolve, from a costlier start.

    HiGHS 1.16 then hands the start back as its solution; the solver solves
    again without it and returns the optimum, which a plain two-stage SCIP
    model confirms.
    """
    assert _assert_proven_as_plain(DATA / "presolve_start_month.json", time_limit=30) == 388.5


def test_scip_stopped_before_solving_proves_no_bound() -> None:
    # SCIP reports a bound of 0 when its time runs out before it solves anything
    # (NOT_SOLVED); taken at face value that "proved" a maximum of 0
    for maximize in (True, False):
        m = _hard_knapsacks(maximize)
        for limit in (0.01, 0.3):
            out = solve_scip(m, time_limit=limit)
            if out.status == "not_solved":
                assert out.bound == (math.inf if maximize else -math.inf)
            if out.x is not None:  # whatever the status, the bound is on the right side
                assert (out.bound >= out.value) if maximize else (out.bound <= out.value)
            # the true optimum lies within every bound reported (0 is feasible, worth 0)
            assert (out.bound >= 0) if maximize else (out.bound <= 0)


def _hard_knapsacks(maximize: bool) -> MipModel:
    """3,000 binaries in 300 random knapsack rows: SCIP needs seconds to prove it."""
    rng = np.random.default_rng(0)
    m = MipModel(maximize=maximize)
    n = 3000
    sign = 1.0 if maximize else -1.0
    x = m.add_columns(sign * rng.integers(1, 100, n).astype(np.float64), upper=np.ones(n),
                      integer=True)
    for _ in range(300):
        idx = rng.choice(n, 50, replace=False)
        m.add_row(x[idx], rng.integers(1, 100, 50).astype(np.float64), upper=500.0)
    return m


def test_scip_cancelled_before_it_starts_solves_nothing() -> None:
    cancel = threading.Event()
    cancel.set()
    out = solve_scip(_hard_knapsacks(True), cancel=cancel)
    assert out.status == "not_solved" and out.x is None and out.bound == math.inf


def test_scip_cancelled_while_it_solves_stops_with_a_true_bound() -> None:
    m = _hard_knapsacks(True)
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    try:
        out = solve_scip(m, time_limit=120, cancel=cancel)
    finally:
        timer.cancel()
    assert not out.optimal
    assert out.seconds < 60  # stopped long before its time limit
    if out.x is not None:
        assert out.value == pytest.approx(float(m.cost @ out.x))
        assert out.bound >= out.value


def _calls_twice(capacity: int) -> pr.Scenario:
    """B-1 calls at crossing X twice on 2026-12-01 (HUB, X, F, X, G, one hour apart)."""
    b = pr.ScenarioBuilder(name="a batch calls twice at a crossing in one day")
    b.add_node("HUB", kind="hub").add_node("X", kind="crossing", daily_capacity=capacity)
    b.add_node("F").add_node("G")
    b.add_link("HUB", "X", hours=1).add_link("X", "F", hours=1).add_link("X", "G", hours=1)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["X", "F", "X", "G"], cost=10)
    b.add_parcel("P-1", origin="HUB", destination="G", weight_kg=1, volume_l=1,
                 ready="2026-12-01", due="2026-12-03")
    b.add_parcel("P-2", origin="HUB", destination="F", weight_kg=1, volume_l=1,
                 ready="2026-12-01", due="2026-12-03")
    return b.build()


def test_a_parcel_counts_at_each_call_of_its_batch_at_a_crossing() -> None:
    # P-1 (to G) passes X at both calls, P-2 (to F) at the first: together 3 inspections
    binds = _calls_twice(2)
    result = pr.solve(binds, time_limit=10)
    assert pr.verify(binds, result) == []
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["delivered_priority"] == 1  # P-1 alone needs 2, P-2 alone 1
    slack = _calls_twice(3)
    result = pr.solve(slack, time_limit=10)
    assert pr.verify(slack, result) == []
    assert result.objective["delivered_priority"] == 2 and result.status is pr.Status.OPTIMAL


def _thirds(weight: float) -> pr.Scenario:
    b = pr.ScenarioBuilder(name="three parcels of a third of a batch")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_weight_kg=1, cost=10)
    for k in (1, 2, 3):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=weight, volume_l=1,
                     ready="2026-12-01", due="2026-12-03")
    return b.build()


def test_weights_with_many_decimals_are_kept_exactly() -> None:
    # 3 x 0.33333 kg = 0.99999 kg fits the 1 kg batch; rounded to 4 decimals it did not
    scenario = _thirds(0.33333)
    result = pr.solve(scenario, time_limit=10)
    assert pr.verify(scenario, result) == []
    assert result.objective["delivered_priority"] == 3 and result.status is pr.Status.OPTIMAL


def test_weights_too_fine_to_keep_exactly_prove_nothing() -> None:
    # 0.333333333333 kg has 12 decimals: the solver rounds each parcel up (to 0.333333334),
    # so the three no longer fit together in its models; the last fill, in exact decimals,
    # adds the third (3 x 0.333333333333 <= 1), and the batch cost is claimed proven nowhere
    scenario = _thirds(0.333333333333)
    result = pr.solve(scenario, time_limit=10)
    assert pr.verify(scenario, result) == []
    assert result.objective["delivered_priority"] == 3
    assert result.bound["delivered_priority"] >= 3
    assert result.bound["batch_cost"] == 0
    assert result.status is not pr.Status.OPTIMAL


@pytest.mark.parametrize(("limit", "delivered"), [(0.999999999999, 3), (0.999999999998, 2)])
def test_the_exact_fill_adds_a_parcel_only_where_it_fits_exactly(limit: float,
                                                                 delivered: int) -> None:
    """Binds at 0.999999999999 kg (three of 0.333333333333 fit exactly); slack one
    trillionth below it, where they do not."""
    b = pr.ScenarioBuilder(name="thirds")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_weight_kg=limit,
                cost=10)
    for k in (1, 2, 3):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=0.333333333333,
                     volume_l=1, ready="2026-12-01", due="2026-12-03")
    scenario = b.build()
    result = pr.solve(scenario, time_limit=10)
    assert pr.verify(scenario, result) == []
    assert result.objective["delivered_priority"] == delivered


def test_an_empty_model_is_solved_to_optimality() -> None:
    # HiGHS answers "model empty" for a model without columns: nothing to decide, worth 0
    out = solve_mip(MipModel(maximize=False))
    assert out.optimal and out.value == 0 and out.bound == 0 and out.x is not None


def test_a_failing_lp_guided_mip_leaves_the_whole_mip_s_answer(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The MIP beside the whole one is optional: if it fails, the level is still proven."""
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(parcel_solver._Level2, "_guided", broken)
    s = _roomy_month(300, 4)
    r = solve(s, time_limit=60, workers=2)
    assert_optimal(r)
    assert "LP-guided batch MIP failed" in caplog.text


def test_priorities_of_millions_keep_reduced_cost_fixing_consistent() -> None:
    """Priorities of about a million: the integer the level-1 bound proves allows for a
    rounding tolerance of tens of units, and reduced-cost fixing allows for it too.

    Before, a target above the float bound by that tolerance fixed some options to 0
    and to 1 at once, and SCIP refused the model (an internal error on valid input).
    """
    s = pr.read_scenario(DATA / "large_priorities.json")
    r = solve(s, time_limit=30)
    priority, cost = _plain_two_level(s)
    assert r.objective["delivered_priority"] == r.bound["delivered_priority"] == priority
    assert r.bound["batch_cost"] <= r.objective["batch_cost"] <= cost + 1e-6 * cost


def test_fixing_gap_allows_for_the_bound_s_rounding_tolerance() -> None:
    from parcelroute.parcels.solver import _fixing_gap

    bound = 60_000_000.4  # proves 60,000,060 once its tolerance of 60 is allowed
    assert _fixing_gap(bound, 60_000_060) >= 0
    assert _fixing_gap(2672.0, 2672) == pytest.approx(2672e-6)


# -- neighbourhoods of the large path ---------------------------------------------------
def _heavy_and_light(weight_limit: bool = True) -> tuple[ParcelProblem, np.ndarray]:
    """B-1 carries one heavy parcel (9 of 10 kg, 1 of 5 parcels), B-2 two light ones
    (2 of 10 kg, 2 of 5 parcels); B-3 carries nothing."""
    b = base()
    limits: dict[str, float] = {"max_weight_kg": 10} if weight_limit else {}
    for bid in ("B-1", "B-2", "B-3"):
        batch(b, bid, max_parcels=5, **limits)
    parcel(b, "P-1", w=9)
    parcel(b, "P-2")
    parcel(b, "P-3")
    s = b.build()
    prob = ParcelProblem(s, Compatibility(s))
    on = {"P-1": "B-1", "P-2": "B-2", "P-3": "B-2"}
    ids = [p.id for p in s.parcels]
    bids = [bt.id for bt in s.batches]
    assign = np.full(prob.num_parcels, -1, np.int64)
    for e in range(prob.num_pairs):
        i, bt = int(prob.pair_parcel[e]), int(prob.pair_batch[e])
        if on[ids[i]] == bids[bt]:
            assign[i] = e
    return prob, assign


def test_least_filled_hoods_rank_by_the_fullest_dimension() -> None:
    """Weight binds: B-1 is 90 % full by weight though 20 % by count, so B-2 (40 %) comes first."""
    prob, assign = _heavy_and_light()
    hoods = parcel_solver.least_filled_hoods(prob, assign)
    assert [h.tolist() for h in hoods] == [[1], [0]]


def test_least_filled_hoods_by_count_when_weight_is_slack() -> None:
    """Without the weight limit B-1's one parcel of five is the least fill."""
    prob, assign = _heavy_and_light(weight_limit=False)
    hoods = parcel_solver.least_filled_hoods(prob, assign)
    assert [h.tolist() for h in hoods] == [[0], [1]]


def _two_routes() -> ParcelProblem:
    """Route A (HUB -> X -> F-1 -> F-2) runs on days 0-6, route B (HUB -> X -> F-1) on days
    0 and 3; A's batches are listed out of date order."""
    b = base()
    for d in (3, 0, 6, 1, 5, 2, 4):
        batch(b, f"A-{d}", departs=d, max_parcels=5)
    for d in (0, 3):
        batch(b, f"B-{d}", departs=d, stops=("X", "F-1"), max_parcels=5)
    parcel(b, "P-1", ready=0, due=9)
    s = b.build()
    return ParcelProblem(s, Compatibility(s))


def test_route_window_hoods_are_runs_of_one_route_in_date_order() -> None:
    """Runs of four consecutive batches, overlapping by two, the last run ending the route;
    a route shorter than a run is one hood."""
    prob = _two_routes()
    names = [bt.id for bt in prob.scenario.batches]
    every = np.ones(prob.num_batches, bool)
    hoods = parcel_solver.route_window_hoods(prob, every, seed=1, width=4)
    got = sorted([names[b] for b in h] for h in hoods)
    assert got == [["A-0", "A-1", "A-2", "A-3"], ["A-2", "A-3", "A-4", "A-5"],
                   ["A-3", "A-4", "A-5", "A-6"], ["B-0", "B-3"]]
    # the same hoods in another order for another seed, and the same order for the same seed
    again = parcel_solver.route_window_hoods(prob, every, seed=1, width=4)
    assert [h.tolist() for h in again] == [h.tolist() for h in hoods]
    other = parcel_solver.route_window_hoods(prob, every, seed=2, width=4)
    assert sorted(h.tolist() for h in other) == sorted(h.tolist() for h in hoods)


def test_route_window_hoods_keep_to_the_batches_given() -> None:
    prob = _two_routes()
    names = [bt.id for bt in prob.scenario.batches]
    some = np.array([n in ("A-0", "A-2", "A-4", "B-3") for n in names])
    hoods = parcel_solver.route_window_hoods(prob, some, seed=0, width=2)
    got = sorted([names[b] for b in h] for h in hoods)
    assert got == [["A-0", "A-2"], ["A-2", "A-4"], ["B-3"]]


def _fewest_by_sorting(pos: np.ndarray, caps: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Each window's fewest batches, one window at a time: its batches' capacities sorted,
    the largest first, counted until they reach the load (all of them if they never do)."""
    nd = demand.shape[1]
    out = np.zeros((nd, nd), np.int64)
    for a, c in itertools.combinations_with_replacement(range(nd), 2):
        window = np.flatnonzero((pos >= a) & (pos <= c))
        k = 0
        for d in range(caps.shape[0]):
            if demand[d, a, c] > 0:
                total = np.cumsum(np.sort(caps[d, window])[::-1])
                k = max(k, int(np.searchsorted(total, demand[d, a, c])) + 1)
        out[a, c] = min(k, len(window))
    return out


@settings(max_examples=60, deadline=None)
@given(data=st.data(), nd=st.integers(1, 6), m=st.integers(0, 9), chunk=st.sampled_from([1, 7, 10**6]))
def test_window_cut_batch_counts_match_sorting_each_window(data: st.DataObject, nd: int, m: int,
                                                           chunk: int) -> None:
    """The window cuts' batch counts, all windows at once (in blocks of any size), are those
    of sorting each window's capacities: zero and unlimited capacities, windows without
    batches, and loads more than a window carries included."""
    pos = np.array(data.draw(st.lists(st.integers(0, nd - 1), min_size=m, max_size=m)), np.int64)
    cap = st.one_of(st.integers(0, 20).map(float), st.just(math.inf))
    caps = np.array([data.draw(st.lists(cap, min_size=m, max_size=m)) for _ in range(3)],
                    np.float64).reshape(3, m)
    demand = np.array(data.draw(st.lists(st.integers(0, 60), min_size=3 * nd * nd,
                                         max_size=3 * nd * nd)), np.int64).reshape(3, nd, nd)
    with mock.patch.object(parcel_solver, "WINDOW_CHUNK", chunk):
        got = parcel_solver._fewest_batches(pos, caps, demand)
    assert np.array_equal(got, _fewest_by_sorting(pos, caps, demand))


def _spread_level2(seconds: float) -> tuple[parcel_solver._Level2, parcel_solver._HoodQueue]:
    """Two parcels on two batches of 10 where one batch carries both: level 2 at its start."""
    b = base()
    for bid in ("B-1", "B-2"):
        batch(b, bid, max_parcels=2)
    parcel(b, "P-1")
    parcel(b, "P-2")
    s = b.build()
    prob = ParcelProblem(s, Compatibility(s))
    level2 = parcel_solver._Level2(prob, SolveOptions(workers=2), Deadline(seconds))
    spread = np.array([0, 3])  # P-1 on B-1, P-2 on B-2 (options 0, 1 and 2, 3)
    level2.best, level2.best_cost = spread, parcel_solver._cost(prob, spread)
    level2.level1 = 2
    hoods = parcel_solver.least_filled_hoods(prob, spread)
    return level2, parcel_solver._HoodQueue({"least filled": hoods}, parcel_solver.LNS_ROUNDS)


def test_search_to_end_uses_the_time_the_bounds_leave() -> None:
    """With time left beyond the reserve, the searches run and close a batch."""
    level2, queue = _spread_level2(30.0)
    assert level2.best_cost == 20.0
    level2._search_to_end(queue, reserve=1.0)
    assert level2.best_cost == 10.0
    assert any(n.endswith("neighbourhood MIPs") and not n.startswith("0 ")
               for n in level2.notes)


def test_search_to_end_keeps_the_reserve() -> None:
    """No search starts where only the reserve is left."""
    level2, queue = _spread_level2(30.0)
    level2._search_to_end(queue, reserve=30.0)
    assert level2.best_cost == 20.0
    assert level2.notes == []


def _confirmed(scenario: pr.Scenario, caplog: pytest.LogCaptureFixture) -> tuple[pr.Result, bool]:
    """Solve; and whether the batch-cost optimum was confirmed below HiGHS' tolerance."""
    with caplog.at_level(logging.DEBUG, logger="parcelroute"):
        result = pr.solve(scenario, time_limit=30)
    return result, any("optimum confirmed below HiGHS' tolerance" in r.getMessage()
                       for r in caplog.records)


def test_an_optimum_hidden_by_highs_tolerance_is_found_and_proven(
        caplog: pytest.LogCaptureFixture) -> None:
    """Binds: batch costs in cents, a month's cost near 1.2e7 cents. HiGHS reports its
    model optimal at 117,076.11 while a plan of 117,076.10 keeps every rule (shipped
    beside the month), and the bound, which keeps HiGHS' relative tolerance, proves only
    117,075.98. Solved again with the cost held below 117,076.11, HiGHS finds that plan,
    and below 117,076.10 finds nothing: the month is optimal at 117,076.10."""
    from parcelroute.io.plan_io import read_plan

    scenario = pr.read_scenario(DATA / "cent_costs_month.json")
    cheaper = read_plan(DATA / "cent_costs_month.plan.json")
    assert pr.verify(scenario, cheaper) == []
    assert cheaper.objective["batch_cost"] == pytest.approx(117076.10, abs=1e-9)
    result, confirmed = _confirmed(scenario, caplog)
    assert confirmed
    assert pr.verify(scenario, result) == []
    assert result.objective["delivered_priority"] == cheaper.objective["delivered_priority"]
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["batch_cost"] == result.bound["batch_cost"] == cheaper.objective[
        "batch_cost"]


def test_an_optimum_within_highs_tolerance_needs_no_confirming(
        caplog: pytest.LogCaptureFixture) -> None:
    """Does not bind: costs of a few hundred units, where HiGHS' bound proves its optimum."""
    result, confirmed = _confirmed(pr.read_scenario(DATA / "scarce_month_300.json"), caplog)
    assert result.status is pr.Status.OPTIMAL
    assert not confirmed


def _level2_notes(caplog: pytest.LogCaptureFixture) -> str:
    """The level-2 part of the parcel solver's closing log line."""
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith(
        "parcels: level 1"))
    return line.split("; level 2", 1)[1]


def test_a_batch_cost_mip_that_proves_nothing_in_time_leaves_the_subgradient_bound(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Binds: when neither the whole batch-cost MIP nor the LP beside it returns a bound
    in time (HiGHS' MIP presolve took 13 s against a 4.8 s limit on a dense month), the
    subgradient steps bound the level in part of the last pass's time: a bound above the
    trivial 0 and at or below the optimum (118,360, proven below)."""
    monkeypatch.setattr(parcel_solver._Level2, "_exact", lambda self, *args: None)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        r = pr.solve(pr.read_scenario(DATA / "scarce_month_300.json"), time_limit=20)
    assert pr.verify(pr.read_scenario(DATA / "scarce_month_300.json"), r) == []
    assert 0 < r.bound["batch_cost"] <= 118_360 <= r.objective["batch_cost"]
    assert "Lagrangian bound after" in _level2_notes(caplog)


def test_a_batch_cost_mip_that_proves_its_bound_needs_no_subgradient_steps(
        caplog: pytest.LogCaptureFixture) -> None:
    """Does not bind: the whole MIP proves the same month at once."""
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        r = pr.solve(pr.read_scenario(DATA / "scarce_month_300.json"), time_limit=20)
    assert r.status is pr.Status.OPTIMAL
    assert r.objective["batch_cost"] == r.bound["batch_cost"] == 118_360
    assert "Lagrangian bound" not in _level2_notes(caplog)


def test_the_last_progress_reports_the_plan_s_final_values(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: parcels that still fit are added after level 2 (here level 1 hands over a plan
    without one of its parcels, as a search stopped in time may, and the filling before
    level 2 finds no room for it, as when only level 2's moves make room), which raises
    level 1 past its last report; a final report gives both levels' values as in the plan."""
    solve_level1 = parcel_solver._Level1.solve
    fill = parcel_solver.fill_left_out
    calls: list[int] = []

    def no_room_at_first(prob: ParcelProblem, assign: Any, **kw: Any) -> Any:
        calls.append(1)
        return assign if len(calls) == 1 else fill(prob, assign, **kw)

    monkeypatch.setattr(parcel_solver, "fill_left_out", no_room_at_first)

    def one_short(self: Any) -> Any:
        assign, result, info = solve_level1(self)
        dropped = int(np.flatnonzero(assign >= 0)[0])
        result.value -= float(self.prob.priority[dropped])
        assign = assign.copy()
        assign[dropped] = -1
        return assign, result, info

    monkeypatch.setattr(parcel_solver._Level1, "solve", one_short)
    seen: list[pr.Progress] = []
    s = generate_scenario(60, 0, 1)
    r = pr.solve(s, time_limit=30, callback=seen.append)
    assert pr.verify(s, r) == []
    first = [p for p in seen if p.phase == "parcels: delivered_priority"]
    cost = [p for p in seen if p.phase == "parcels: batch_cost"]
    assert first[-1].incumbent == r.objective["delivered_priority"]
    assert first[-1].bound == r.bound["delivered_priority"]
    assert cost[-1].incumbent == r.objective["batch_cost"]
    assert min(p.incumbent for p in first[1:]) < r.objective["delivered_priority"]
    # before level 2, after it, and after level 2 planned again for the raised level 1
    assert len(calls) == 3


def _level1_search_finds_nothing(level: Any, model: MipModel, lo: Any, hi: Any, start: Any,
                                 time_limit: float | None, target: int,
                                 cancel: threading.Event | None = None) -> Any:
    """Level 1's MIPs (the search and RENS) as on a month they cannot solve in time: each
    runs to its time limit (or until stopped) and returns no plan and no bound."""
    from parcelroute.parcels.mip import MipOutcome

    (cancel or threading.Event()).wait(time_limit)
    return MipOutcome(None, math.nan, math.inf, False, "Time limit reached", 0.0)


@pytest.mark.serial
@pytest.mark.parametrize("workers", [1, 2])
def test_level_1_neighbourhood_mips_lift_a_plan_the_search_cannot_find(workers: int) -> None:
    """Binds: on a month whose level-1 MIPs find nothing in time (as on months with
    crossings of 30 parcels a day, see SIDE_RENS_SHARE), the neighbourhood MIPs lift the
    LP-rounded plan from 306 to the optimum, 310, beside the search (two workers) or
    before it (one); without them the plan stays at 306. The bound holds either way.

    Serial: the 306 is the best of the subgradient steps' and the LP's roundings, and
    the steps' share of the 3 s limit takes fewer steps beside other busy processes
    (one worker then rounds to 305)."""
    s = pr.read_scenario(DATA / "cent_costs_month.json")
    with mock.patch.object(parcel_solver._Level1, "_mip", _level1_search_finds_nothing):
        lifted = solve(s, time_limit=3, workers=workers)
        with mock.patch.object(parcel_solver._Level1, "_improve",
                               lambda _self, assign, best, *_a, **_k: (assign, best)):
            rounded = solve(s, time_limit=3, workers=workers)
    for r in (lifted, rounded):
        assert pr.verify(s, r) == []
        assert r.bound["delivered_priority"] >= 310
    assert rounded.objective["delivered_priority"] == 306
    assert lifted.objective["delivered_priority"] == 310


def test_level_1_neighbourhood_mips_leave_a_proven_level_as_it_is() -> None:
    """Does not bind: where the search proves level 1 (the same month, solved whole) the
    level is the same optimum with or without the neighbourhood MIPs beside it."""
    s = pr.read_scenario(DATA / "cent_costs_month.json")
    with_them = solve(s, time_limit=20, workers=2)
    with mock.patch.object(parcel_solver._Level1, "_improve",
                           lambda _self, assign, best, *_a, **_k: (assign, best)):
        without = solve(s, time_limit=20, workers=2)
    for r in (with_them, without):
        assert pr.verify(s, r) == []
        assert r.objective["delivered_priority"] == r.bound["delivered_priority"] == 310


@pytest.mark.parametrize("workers", [1, 2])
def test_without_a_time_limit_level_1_runs_no_neighbourhood_mips(
        workers: int, caplog: pytest.LogCaptureFixture) -> None:
    """Does not bind: without a time limit the search runs to its proof, and the plan of
    a solve does not depend on how far neighbourhood MIPs got in the meantime."""
    s = pr.read_scenario(DATA / "cent_costs_month.json")
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        r = solve(s, workers=workers)
    level1 = [line for line in caplog.text.splitlines() if "parcels: level 1 " in line]
    assert level1 and "neighbourhood MIPs" not in level1[-1].split("; level 2")[0]
    assert r.objective["delivered_priority"] == r.bound["delivered_priority"] == 310


def _level1_leaves_out(monkeypatch: pytest.MonkeyPatch, s: Scenario, parcel: str) -> None:
    """Level 1 ends unproven with ``parcel`` left out although it fits (as a plan of the
    subgradient steps can, beyond one MIP's reach)."""
    solve = parcel_solver._Level1.solve

    def short(self: Any) -> Any:
        assign, result, info = solve(self)
        k = [p.id for p in s.parcels].index(parcel)
        assign = assign.copy()
        assign[k] = -1
        result.value = float(parcel_solver._value(self.prob, assign))
        return assign, result, info

    monkeypatch.setattr(parcel_solver._Level1, "solve", short)


def _two_destinations() -> Scenario:
    """P-1 rides B-1 only, P-2 B-2 only (10 each)."""
    b = base()
    b.add_batch("B-1", origin="HUB", departs=day(1), stops=["F-1"], max_weight_kg=10, cost=10)
    b.add_batch("B-2", origin="HUB", departs=day(1), stops=["F-2"], max_weight_kg=10, cost=10)
    parcel(b, "P-1", ready=1)
    parcel(b, "P-2", dest="F-2", ready=1)
    return b.build()


def test_a_parcel_level_1_left_out_goes_before_the_batch_cost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: level 1 unproven and P-2 still fits (opening B-2): it goes in before level 2,
    which then plans and proves the cost of both batches."""
    s = _two_destinations()
    _level1_leaves_out(monkeypatch, s, "P-2")
    r = pr.solve(s, time_limit=10)
    assert pr.verify(s, r) == []
    assert {p.id: p.batch for p in r.parcels} == {"P-1": "B-1", "P-2": "B-2"}
    assert r.objective["delivered_priority"] == 2
    assert r.objective["batch_cost"] == r.bound["batch_cost"] == 20


def test_a_proven_level_1_gets_no_parcel_before_the_batch_cost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack: level 1 proven, nothing to add; both parcels ride, at a proven 20."""
    s = _two_destinations()
    r = pr.solve(s, time_limit=10)
    assert r.status is pr.Status.OPTIMAL
    assert r.objective["batch_cost"] == r.bound["batch_cost"] == 20


def _seats_month() -> Scenario:
    """One-seat batches B-0 (day 0) and B-1 (day 1); A may ride either, F only B-0."""
    b = pr.ScenarioBuilder(name="trade")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    for k in (0, 1):
        b.add_batch(f"B-{k}", origin="HUB", departs=day(k), stops=["F-1"], max_parcels=1,
                    cost=10)
    b.add_parcel("A", origin="HUB", destination="F-1", weight_kg=1, ready=day(0), due=day(1))
    b.add_parcel("F", origin="HUB", destination="F-1", weight_kg=1, ready=day(0), due=day(0))
    return b.build()


@pytest.mark.parametrize(("large", "gap", "traded"),
                         [(True, 0.0, True), (False, 0.0, False), (True, 0.01, False)])
def test_beyond_the_mip_an_unproven_level_1_is_followed_by_trades(
        monkeypatch: pytest.MonkeyPatch, large: bool, gap: float, traded: bool) -> None:
    """Binds beyond the MIP's reach: level 1 ends below its bound with A on F's only batch
    (made to here); the trades move A to B-1 and deliver F, within TRADE_SHARE of the time
    limit. Does not bind within the MIP's reach, nor where a gap is accepted: no trades
    (level 1 keeps its whole share)."""
    s = _seats_month()
    calls: list[float | None] = []
    real = parcel_solver.trade_left_out

    def spy(prob: ParcelProblem, assign: np.ndarray, **kw: Any) -> np.ndarray:
        calls.append(kw.get("time_limit"))
        return real(prob, assign, **kw)

    def short(self: Any) -> tuple[np.ndarray, Any, Any]:
        a_on_b0 = np.array([0, -1], np.int64)  # options: A on B-0, A on B-1, F on B-0
        return a_on_b0, parcel_solver.LevelResult(1.0, 2.0), parcel_solver._Level1Info(
            None, None, None, None)

    monkeypatch.setattr(parcel_solver, "trade_left_out", spy)
    monkeypatch.setattr(parcel_solver._Level1, "solve", short)
    monkeypatch.setattr(parcel_solver, "_beyond_mip", lambda *_a: large)
    r = solve(s, time_limit=10, relative_gap=gap)
    assert pr.verify(s, r) == []
    if traded:
        assert calls == [pytest.approx(parcel_solver.TRADE_SHARE * 10, abs=0.1)]
        assert [(p.id, p.batch) for p in r.parcels] == [("A", "B-1"), ("F", "B-0")]
        assert r.objective["delivered_priority"] == 2
    else:
        assert calls == []
        assert r.objective["delivered_priority"] == 1


#: What only improves a plan or a bound, and so does not run past the time limit.
_IMPROVERS = ("solve_lp", "solve_mip", "subgradient_bound", "cost_bound", "empty_batches",
              "repack", "round_fractional", "trade_left_out")


def test_past_the_time_limit_the_first_plan_is_returned_whole(
        caplog: pytest.LogCaptureFixture) -> None:
    """Binds: with the limit reached before the greedy plan is made, that plan is the
    result, every parcel accounted for, the batch cost with no bound; no LP, MIP,
    subgradient step, batch emptying, repacking, rounding or trade runs."""
    s = generate_scenario(100, 0, 3)
    with contextlib.ExitStack() as stack, caplog.at_level(logging.INFO, "parcelroute"):
        for name in _IMPROVERS:
            stack.enter_context(mock.patch.object(parcel_solver, name,
                                                  side_effect=AssertionError(name)))
        out = parcel_solver.solve_parcels(s, SolveOptions(time_limit=0.0), Deadline(0.0))
    assert sorted(p.id for p in out.parcels) == sorted(p.id for p in s.parcels)
    assert all(p.batch is not None or p.reason for p in out.parcels)
    assert out.bound["batch_cost"] == 0.0
    assert out.objective["batch_cost"] > 0
    # the greedy plan is not the best here (below: 129 given time)
    assert out.objective["delivered_priority"] < out.bound["delivered_priority"]
    assert "time limit reached before level 2" in caplog.text
    r = pr.solve(s, time_limit=1e-9)
    assert r.status is pr.Status.FEASIBLE
    assert pr.verify(s, r) == []
    assert len(r.parcels) == len(s.parcels)


def test_within_the_time_limit_the_plan_is_improved(caplog: pytest.LogCaptureFixture) -> None:
    """Slack: with time, the same month's levels are searched and bounded: level 1 is
    proven above the greedy plan's value (128) and the batch cost is proven too."""
    s = generate_scenario(100, 0, 3)
    with caplog.at_level(logging.INFO, "parcelroute"):
        out = parcel_solver.solve_parcels(s, SolveOptions(), Deadline(None))
    assert out.objective["delivered_priority"] == out.bound["delivered_priority"] == 129
    assert out.objective["batch_cost"] == out.bound["batch_cost"] == 12_580
    assert "time limit reached" not in caplog.text


def test_a_part_past_its_share_is_still_planned_within_the_limit() -> None:
    """Binds: the first part's share of the time is used up before it starts (as by a slow
    first plan), but the month's limit is not: the part's levels are still searched and
    proven (a part's share is a budget, not a limit)."""
    real = parcel_solver._solve_problem
    late: list[bool] = []

    def slow(prob: ParcelProblem, options: SolveOptions, deadline: Deadline, t0: float,
             stats: dict[str, float] | None = None) -> Any:
        if not late:  # the first part: its share runs out first
            while (deadline.left() or 0.0) > 0:
                time.sleep(0.01)
            late.append(deadline.passed())
        return real(prob, options, deadline, t0, stats)

    with every_part_alone(), mock.patch.object(parcel_solver, "_solve_problem", slow):
        r = solve(hubs_with(3, 9), time_limit=4)
    assert late == [False]
    assert r.stats["parcels_parts"] == 2
    assert_optimal(r)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=small_scenarios(), limit=st.sampled_from([1e-9, 0.001, 0.005, 0.02, 0.1]))
def test_plans_under_a_very_short_limit_verify_and_their_bounds_hold(s: Scenario,
                                                                     limit: float) -> None:
    """Limits that end the solve anywhere (before the first plan, in level 1 or in level
    2): the plan has every parcel once and verifies, and neither level's bound passes the
    brute-force optimum."""
    r = solve(s, time_limit=limit)
    assert pr.verify(s, r) == []
    assert [p.id for p in r.parcels] == [p.id for p in s.parcels]
    assert_bounds_hold(s, r)


@pytest.mark.parametrize("proven", [False, True])
def test_a_batch_cost_plan_with_a_dear_batch_an_idle_one_could_replace_is_swapped(
        monkeypatch: pytest.MonkeyPatch, proven: bool) -> None:
    """Binds: level 2 hands back both parcels on the dear van (100) with a bound of 10;
    the solve moves them to the idle cheap van and states 10. Slack: a level-2 result
    already proven (value = bound) is left as it is (here the mock's dear plan stays)."""
    b = base("swap")
    for k, cost in enumerate((100, 10)):
        b.add_batch(f"B-{k}", origin="HUB", departs=day(0), stops=["X", "F-1"], cost=cost,
                    max_weight_kg=10)
    for k in range(2):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=4, volume_l=1,
                     ready=day(0), due=day(5))
    scenario = b.build()

    def dear(self: Any, assign: Any, level1: int, info: Any) -> Any:
        plan = np.array([0, 2])  # both on B-0 (options in batch order)
        bound = 100.0 if proven else 10.0
        return plan, parcel_solver.LevelResult(100.0, bound)

    monkeypatch.setattr(parcel_solver._Level2, "solve", dear)
    result = pr.solve(scenario, time_limit=30)
    assert pr.verify(scenario, result) == []
    batches = {p.batch for p in result.parcels}
    if proven:
        assert batches == {"B-0"} and result.objective["batch_cost"] == 100
    else:
        assert batches == {"B-1"} and result.objective["batch_cost"] == 10
        assert result.status is pr.Status.OPTIMAL
