"""Neighbourhood MIPs: a few batches re-planned with the rest of the month fixed."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.parcels import solver as parcel_solver
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.greedy import operated
from parcelroute.parcels.neighbourhood import local_model, local_replan
from parcelroute.parcels.problem import ParcelProblem
from parcelroute.parcels.solver import _cost, _plan_ok, _value


def _problem(s: pr.Scenario) -> ParcelProblem:
    return ParcelProblem(s, Compatibility(s))


def _option(prob: ParcelProblem, parcel: int, batch: int) -> int:
    opts = np.flatnonzero((prob.pair_parcel == parcel) & (prob.pair_batch == batch))
    assert len(opts) == 1
    return int(opts[0])


def _two_vans(seats_b2: int) -> pr.Scenario:
    """B-1 carries P-1 and P-2; B-2 carries P-3, which only B-2 can take."""
    b = pr.ScenarioBuilder(name="two vans")
    b.add_node("HUB", kind="hub").add_node("F-1").add_node("F-2")
    b.add_link("HUB", "F-1", hours=5).add_link("F-1", "F-2", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=2, cost=10)
    b.add_batch("B-2", origin="HUB", departs="2026-12-01", stops=["F-1", "F-2"],
                max_parcels=seats_b2, cost=30)
    for p in ("P-1", "P-2"):
        b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                     due="2026-12-03")
    b.add_parcel("P-3", origin="HUB", destination="F-2", weight_kg=1, ready="2026-12-01",
                 due="2026-12-03")
    return b.build()


@pytest.mark.parametrize(("seats_b2", "closes"), [(3, True), (2, False)])
def test_a_batch_closes_only_when_the_room_left_by_fixed_parcels_allows(
        seats_b2: int, closes: bool) -> None:
    """B-1 closes when B-2 has room for its two parcels beside the fixed P-3; not with one seat."""
    prob = _problem(_two_vans(seats_b2))
    start = np.array([_option(prob, 0, 0), _option(prob, 1, 0), _option(prob, 2, 1)])
    new = local_replan(prob, start, np.array([0]), level1=3, time_limit=10)
    assert new is not None
    assert _plan_ok(prob, new) and _value(prob, new) == 3
    assert bool(operated(prob, new)[0]) is not closes
    assert _cost(prob, new) == (30 if closes else 40)


def test_a_batch_outside_the_neighbourhood_can_be_emptied() -> None:
    """B-2 leaves the plan when only free parcels ride it and B-1 (the neighbourhood) takes them."""
    b = pr.ScenarioBuilder(name="expensive van")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=2, cost=10)
    b.add_batch("B-2", origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=2, cost=30)
    for p in ("P-1", "P-2"):
        b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                     due="2026-12-03")
    prob = _problem(b.build())
    start = np.array([_option(prob, 0, 0), _option(prob, 1, 1)])
    new = local_replan(prob, start, np.array([0]), level1=2, time_limit=10)
    assert new is not None
    assert operated(prob, new).tolist() == [True, False]


def test_the_priority_kept_binds() -> None:
    """With the level-1 value required, a full batch cannot drop a parcel to close."""
    b = pr.ScenarioBuilder(name="one van")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=2, cost=10)
    b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                 due="2026-12-03")
    prob = _problem(b.build())
    start = np.array([_option(prob, 0, 0)])
    kept = local_replan(prob, start, np.array([0]), level1=1, time_limit=10)
    dropped = local_replan(prob, start, np.array([0]), level1=0, time_limit=10)
    assert kept is not None and kept.tolist() == start.tolist()
    assert dropped is not None and dropped.tolist() == [-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_replan_of_a_generated_month_keeps_the_rules(seed: int) -> None:
    """Random neighbourhoods of a solved month: each new plan keeps every limit and the priority.

    Generated months have binding batch, crossing and detainee limits, so the
    reduced limits of every row family are exercised. The month is solved to
    within 2 % (without a time limit: the same plan every run), which leaves
    the re-plans room to lower its cost.
    """
    s = generate_scenario(300, 0, seed)
    prob = _problem(s)
    solved = pr.solve(s, relative_gap=0.02)
    index = {b.id: k for k, b in enumerate(s.batches)}
    assign = np.full(prob.num_parcels, -1, np.int64)
    for i, rec in enumerate(solved.parcels):
        if rec.batch is not None:
            assign[i] = _option(prob, i, index[rec.batch])
    assert _plan_ok(prob, assign)
    level1 = _value(prob, assign)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        hood = rng.choice(prob.num_batches, size=4, replace=False)
        local = local_model(prob, assign, hood, level1)
        if local is None:
            continue
        new = local_replan(prob, assign, hood, level1, time_limit=5)
        assert new is not None  # the current plan is a start the MIP accepts
        assert _plan_ok(prob, new)
        assert _value(prob, new) >= level1
        assert _cost(prob, new) <= _cost(prob, assign) + 1e-9
        moved = np.flatnonzero(new != assign)
        assert np.isin(moved, local.free).all()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_large_month_path_searches_neighbourhoods(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture,
                                                     workers: int) -> None:
    """Past the MIP size limit the batch-cost level runs neighbourhood MIPs; the plan verifies.

    With two workers they run on a thread beside the subgradient bound, with one before it.
    """
    s = generate_scenario(300, 0, 2)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        result = pr.solve(s, time_limit=20, workers=workers)
    assert re.search(r"[1-9]\d* neighbourhood MIPs", caplog.text)
    assert pr.verify(s, result) == []
    assert 0 < result.bound["batch_cost"] <= result.objective["batch_cost"]


@pytest.mark.parametrize(("limit", "field", "delivered"),
                         [(1, "max_parcels", False), (2, "max_parcels", True),
                          (1.5, "max_weight_kg", False), (2.0, "max_weight_kg", True)])
def test_detainee_limits_count_the_fixed_parcels(limit: float, field: str,
                                                 delivered: bool) -> None:
    """D-1 already gets P-1 (fixed, outside the neighbourhood): P-2 goes only if D-1's limit allows.

    The MIP must deliver a third priority point, and only P-2 can give it.
    """
    b = pr.ScenarioBuilder(name="one more parcel for D-1")
    b.add_node("HUB", kind="hub").add_node("F-1").add_node("F-2")
    b.add_link("HUB", "F-1", hours=5).add_link("HUB", "F-2", hours=5)
    b.add_detainee("D-1", **{field: limit})
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=2, cost=10)
    b.add_batch("B-2", origin="HUB", departs="2026-12-01", stops=["F-2"], cost=10)
    b.add_parcel("P-1", origin="HUB", destination="F-2", weight_kg=1, ready="2026-12-01",
                 due="2026-12-03", recipient="D-1")
    b.add_parcel("P-2", origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                 due="2026-12-03", recipient="D-1")
    b.add_parcel("P-3", origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                 due="2026-12-03")
    prob = _problem(b.build())
    start = np.array([_option(prob, 0, 1), -1, _option(prob, 2, 0)])
    new = local_replan(prob, start, np.array([0]), level1=3, time_limit=10)
    if delivered:
        assert new is not None and new[1] >= 0 and _plan_ok(prob, new)
    else:
        assert new is None
