"""Greedy plans and load tracking: every move keeps every rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.model.scenario import Scenario
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.greedy import (
    Loads,
    empty_batches,
    fill_left_out,
    greedy_assign,
    operated,
    round_fractional,
)
from parcelroute.parcels.problem import ParcelProblem

DAY = dt.date(2026, 12, 1)


def problem(s: Scenario) -> ParcelProblem:
    return ParcelProblem(s, Compatibility(s))


def keeps_rules(prob: ParcelProblem, assign: np.ndarray) -> bool:
    """An independent check of the integer limits of a plan."""
    chosen = assign[assign >= 0]
    pp, pb = prob.pair_parcel[chosen], prob.pair_batch[chosen]
    if not np.array_equal(pp, np.flatnonzero(assign >= 0)):
        return False
    for dim in prob.dims:
        load = np.bincount(pb, weights=dim.per_parcel[pp], minlength=prob.num_batches)
        if np.any((dim.capacity >= 0) & (load > dim.capacity)):
            return False
    x = np.zeros(prob.num_pairs)
    x[chosen] = 1
    if any(x[es].sum() > cap for _, _, cap, es in prob.crossing_rows):
        return False
    for _r, n_max, w_max, members in prob.recipient_rows:
        got = members[assign[members] >= 0]
        if (n_max >= 0 and len(got) > n_max) or (w_max >= 0 and prob.weight[got].sum() > w_max):
            return False
    return True


@pytest.fixture(scope="module")
def month() -> ParcelProblem:
    return problem(generate_scenario(400, 0, 5))


def small() -> Scenario:
    b = pr.ScenarioBuilder(name="greedy")
    b.add_node("HUB", kind="hub").add_node("X", kind="crossing", daily_capacity=2)
    b.add_node("F-1").add_link("HUB", "X", hours=4).add_link("X", "F-1", hours=4)
    b.set_defaults(max_parcels_per_detainee=1)
    b.add_detainee("D-1", side="A", facility="F-1")
    for k, cost in enumerate((10, 20)):
        b.add_batch(f"B-{k}", origin="HUB", departs=DAY, stops=["X", "F-1"], cost=cost,
                    max_weight_kg=5)
    for k, (w, rec) in enumerate([(3, None), (3, None), (1, "D-1"), (1, "D-1")]):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=w, volume_l=1,
                     ready=DAY, due=DAY + dt.timedelta(days=2), priority=2 - k % 2,
                     recipient=rec)
    return b.build()


def test_loads_track_every_limit() -> None:
    prob = problem(small())
    loads = Loads(prob)
    first = int(prob.option_start[0])  # P-0 on B-0
    assert loads.fits(first)
    loads.add(first)
    assert loads.batch_count(0) == 1
    assert not loads.fits(int(prob.option_start[1]))  # 3 + 3 kg > 5 kg on B-0
    assert loads.fits(int(prob.option_start[1]) + 1)  # B-1 has room
    loads.add(int(prob.option_start[2]))  # P-2 to D-1
    assert not loads.fits(int(prob.option_start[3]))  # D-1 may receive one parcel
    assert not loads.fits(int(prob.option_start[1]) + 1)  # the crossing takes 2 a day
    loads.add(first, -1)
    assert loads.fits(int(prob.option_start[1]) + 1)


def test_greedy_keeps_every_rule_and_prefers_priority(month: ParcelProblem) -> None:
    loads = Loads(month)
    assign = greedy_assign(month, loads)
    assert keeps_rules(month, assign)
    prob = problem(small())
    assign = greedy_assign(prob, Loads(prob))
    assert keeps_rules(prob, assign)
    # the crossing lets two parcels through: the two of priority 2
    assert np.flatnonzero(assign >= 0).tolist() == [0, 2]


def test_round_fractional_follows_the_fractions(month: ParcelProblem) -> None:
    rng = np.random.default_rng(1)
    frac = rng.random(month.num_pairs)
    assign = round_fractional(month, frac)
    assert keeps_rules(month, assign)
    allowed = month.pair_batch % 2 == 0
    assign = round_fractional(month, frac, allowed=allowed, open_cost=False)
    assert keeps_rules(month, assign)
    assert np.all(allowed[assign[assign >= 0]])


def test_empty_batches_never_loses_a_parcel(month: ParcelProblem) -> None:
    assign = greedy_assign(month, Loads(month))
    emptied = empty_batches(month, assign)
    assert keeps_rules(month, emptied)
    assert np.array_equal(emptied >= 0, assign >= 0)
    cost = month.scaled_cost()
    assert cost[operated(month, emptied)].sum() <= cost[operated(month, assign)].sum()


def test_fill_left_out_only_adds(month: ParcelProblem) -> None:
    assign = greedy_assign(month, Loads(month))
    dropped = assign.copy()
    dropped[np.flatnonzero(assign >= 0)[::3]] = -1
    filled = fill_left_out(month, dropped)
    assert keeps_rules(month, filled)
    assert np.all(filled[dropped >= 0] == dropped[dropped >= 0])
    assert (filled >= 0).sum() >= (dropped >= 0).sum()
    free = fill_left_out(month, dropped, free_only=True)
    assert np.all(operated(month, free) <= operated(month, dropped) | operated(month, free))
    assert not np.any(operated(month, free) & ~operated(month, dropped))
