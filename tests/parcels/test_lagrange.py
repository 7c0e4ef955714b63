"""The Lagrangian bound on delivered priority, and the solver path that uses it."""

from __future__ import annotations

import functools
import logging
import math
import re
import time
from collections.abc import Callable
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.options import Deadline, SolveOptions
from parcelroute.parcels import lagrange
from parcelroute.parcels import solver as parcel_solver
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.greedy import Loads, greedy_assign
from parcelroute.parcels.lagrange import RelaxedRows, cost_bound, subgradient_bound
from parcelroute.parcels.mip import MipModel, MipOutcome, solve_lp
from parcelroute.parcels.problem import ParcelProblem


def _one_seat(priorities: list[int], seats: int | None) -> pr.Scenario:
    b = pr.ScenarioBuilder(name="seats")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=seats,
                cost=10)
    for k, prio in enumerate(priorities):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=1, priority=prio,
                     ready="2026-12-01", due="2026-12-03")
    return b.build()


@functools.cache
def _proven(parcels: int, seed: int) -> tuple[pr.Scenario, pr.Result]:
    """The generated month of ``parcels`` parcels and ``seed`` and its plan proven optimal
    by the default path, solved once for every test that compares a forced path with it
    (call it before forcing one)."""
    s = generate_scenario(parcels, 0, seed)
    exact = pr.solve(s, time_limit=60)
    assert exact.status is pr.Status.OPTIMAL
    return s, exact


def _month_300() -> tuple[pr.Scenario, pr.Result]:
    """The generated 300-parcel month of seed 3 and its plan proven optimal (about 2 s)."""
    return _proven(300, 3)


def _problem(s: pr.Scenario) -> ParcelProblem:
    return ParcelProblem(s, Compatibility(s))


def test_bound_binds_on_a_full_batch() -> None:
    """Two seats, three parcels: the bound is the two best priorities."""
    out = subgradient_bound(_problem(_one_seat([1, 2, 3], 2)), target=5, max_iterations=500)
    assert 5 - 1e-6 <= out.bound < 6


def test_bound_is_the_sum_when_nothing_binds() -> None:
    """Enough seats: no row is relaxed and the bound is every priority."""
    prob = _problem(_one_seat([1, 2, 3], 3))
    assert RelaxedRows.of(prob).num_rows == 0
    out = subgradient_bound(prob, target=0)
    assert out.bound == pytest.approx(6.0)
    assert out.iterations == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bound_never_below_the_proven_optimum(seed: int) -> None:
    """On generated months the bound is at least the optimum proven by the MIP."""
    s, exact = _proven(150, seed)
    assert exact.bound["delivered_priority"] == exact.objective["delivered_priority"]
    out = subgradient_bound(_problem(s), target=exact.objective["delivered_priority"],
                            max_iterations=300)
    assert out.bound >= exact.objective["delivered_priority"] - 1e-6
    assert out.bound <= _problem(s).deliverable_priority() + 1e-6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 5), min_size=1, max_size=8), st.integers(0, 8))
def test_any_multipliers_give_a_valid_bound(priorities: list[int], seats: int) -> None:
    """Whatever the steps do, the bound is at least the best plan (the top ``seats`` priorities)."""
    prob = _problem(_one_seat(priorities, seats))
    best = sum(sorted(priorities, reverse=True)[:seats])
    for iterations in (0, 1, 7):
        out = subgradient_bound(prob, target=best, max_iterations=iterations)
        assert out.bound >= best - 1e-6


@pytest.mark.parametrize(("workers", "pdlp_max", "note"),
                         [(1, 10**9, "too large for an LP: Lagrangian bound"),
                          (2, 10**9, "PDLP (bounds|rounding)"),
                          (2, 0, "too large for an LP: Lagrangian bound")])
def test_solver_uses_the_lagrangian_path_beyond_lp_size(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture,
                                                        workers: int, pdlp_max: int,
                                                        note: str) -> None:
    """Past the LP size limit, level 1 still gets a proven bound and a checked plan.

    With one worker, or past PDLP's size limit, the bound is the subgradient
    steps'; otherwise PDLP's loose duals (made a proven bound by the
    Lagrangian) run beside them.
    """
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "LP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "PDLP_MAX_PAIRS", pdlp_max)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=30, workers=workers)
    assert re.search(f"level 1 .*{note}", caplog.text)
    assert pr.verify(s, big) == []
    optimum = exact.objective["delivered_priority"]
    assert big.objective["delivered_priority"] <= optimum
    assert big.bound["delivered_priority"] >= optimum
    assert big.bound["delivered_priority"] < _problem(s).deliverable_priority() or \
        big.objective["delivered_priority"] == optimum
    assert 0 < big.bound["batch_cost"] <= big.objective["batch_cost"]
    if big.objective["delivered_priority"] == optimum:
        assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_cost_bound_never_above_the_proven_optimum(seed: int) -> None:
    """The batch-cost bound is at most the cost proven optimal by the MIP, and close to it.

    It gets within 25 % of the optimum in 400 steps whether it aims at the
    optimum or at a plan ten times as costly (a poor first plan must not leave
    the bound near 0, as a Polyak step towards that plan's cost did).
    """
    s, exact = _proven(150, seed)
    prob = _problem(s)
    scale = prob.cost_scale if prob.cost_int is not None else 1
    optimum = exact.objective["batch_cost"]
    for target in (optimum, 10 * optimum):
        out = cost_bound(prob, exact.objective["delivered_priority"], target=target * scale,
                         max_iterations=400)
        assert 0.75 * optimum < prob.unscale_cost(out.bound) <= optimum + 1e-6


def test_cost_bound_binds_when_one_batch_is_needed() -> None:
    """One parcel and two one-seat batches: the bound is the cheaper batch."""
    b = pr.ScenarioBuilder(name="cheaper of two")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    for bid, cost in (("B-1", 30), ("B-2", 10)):
        b.add_batch(bid, origin="HUB", departs="2026-12-01", stops=["F-1"], max_parcels=1,
                    cost=cost)
    for p in ("P-1", "P-2"):
        b.add_parcel(p, origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                     due="2026-12-03")
    prob = _problem(b.build())
    one = cost_bound(prob, 1, target=10)
    two = cost_bound(prob, 2, target=40, max_iterations=2000)
    assert one.bound == pytest.approx(10.0, abs=1e-6)
    assert 10.0 < two.bound <= 40.0 + 1e-6


@functools.cache
def _problem_150() -> ParcelProblem:
    return _problem(generate_scenario(150, 0, 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds=st.lists(st.integers(0, 2**31), min_size=1, max_size=4),
       keyed=st.booleans(), ties=st.booleans())
def test_kept_order_knapsacks_give_dantzigs_bound(seeds: list[int], keyed: bool,
                                                  ties: bool) -> None:
    """Call after call (values drifting as in the ascent), the kept-order knapsacks give the
    bound of sorting from scratch, and their load is worth that bound in every batch."""
    prob = _problem_150()
    knapsacks = lagrange._Knapsacks(prob)
    old = lagrange.MAX_KEYED_BATCHES
    lagrange.MAX_KEYED_BATCHES = old if keyed else 0
    try:
        value = np.zeros(prob.num_pairs)
        for seed in seeds:
            rng = np.random.default_rng(seed)
            step = rng.normal(0.0, 3.0, prob.num_pairs)
            value = np.round(value + step) if ties else value + step
            bound, load = knapsacks(value)
            want, _ = lagrange._knapsack_bound(prob, value)
            np.testing.assert_allclose(bound, want, rtol=1e-9, atol=1e-9)
            assert np.all((load >= 0) & (load <= 1)) and np.all(load[value <= 0] == 0)
            worth = np.bincount(prob.pair_batch, weights=load * value,
                                minlength=prob.num_batches)
            np.testing.assert_allclose(worth, bound, rtol=1e-9, atol=1e-9)
    finally:
        lagrange.MAX_KEYED_BATCHES = old


def test_batch_ratio_key_orders_by_batch_then_decreasing_ratio() -> None:
    """Every ratio, infinite ones included, falls in its batch's band, largest first."""
    rng = np.random.default_rng(7)
    batch = rng.integers(0, 50, 2000)
    ratio = np.concatenate([rng.normal(0, 1e3, 1990), [np.inf, -np.inf] * 5])
    order = np.argsort(lagrange._batch_ratio_key(batch, ratio), kind="stable")
    assert np.all(np.diff(batch[order]) >= 0)
    same = batch[order][1:] == batch[order][:-1]
    assert np.all(ratio[order][1:][same] <= ratio[order][:-1][same])


def test_cost_bound_is_zero_with_nothing_to_deliver() -> None:
    """Delivering nothing costs nothing: the bound is 0."""
    prob = _problem(_one_seat([1, 2], 1))
    assert cost_bound(prob, 0, target=0).bound == 0.0


def test_the_lp_path_gives_the_lp_bound_with_any_workers(monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture,
                                                         ) -> None:
    """Past the MIP size limit level 1 gets the LP's bound, beside the subgradient steps or after.

    With one worker the LP runs after the subgradient steps. With two it runs
    on its own thread beside them, and PDLP's approximate LP runs beside it
    on this core: the bound is the tighter of the two, at most the exact
    LP's (which one worker gets) and at least the proven optimum.
    """
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    bounds = {}
    for w in (1, 2):
        with caplog.at_level(logging.INFO, logger="parcelroute"):
            big = pr.solve(s, time_limit=60, workers=w)
        note = r"'LP (bound|rounding)'" if w == 1 else r"'(PDLP|LP) (bound|rounding)'"
        assert re.search(f"level 1 .*{note}", caplog.text)
        caplog.clear()
        assert pr.verify(s, big) == []
        assert big.bound["delivered_priority"] >= exact.objective["delivered_priority"]
        assert big.objective["delivered_priority"] <= exact.objective["delivered_priority"]
        assert 0 < big.bound["batch_cost"] <= big.objective["batch_cost"]
        bounds[w] = big.bound["delivered_priority"]
    assert bounds[2] <= bounds[1]


def _lps_stopped(out_of_time: Callable[[MipModel, bool], bool]) -> Callable[..., MipOutcome]:
    """:func:`solve_lp`, but every LP for which ``out_of_time(model, pdlp)`` holds stops at
    its limit (no solution, no duals)."""

    def limited(model: MipModel, **kw: Any) -> MipOutcome:
        if out_of_time(model, bool(kw.get("pdlp"))):
            return MipOutcome(None, math.nan, math.nan, False, "Time limit reached", 1.0)
        return solve_lp(model, **kw)

    return limited


def _solve_300_with_lps_out_of_time(monkeypatch: pytest.MonkeyPatch,
                                    caplog: pytest.LogCaptureFixture,
                                    out_of_time: Callable[[MipModel, bool], bool],
                                    ) -> tuple[pr.Scenario, pr.Result, pr.Result]:
    """The 300-parcel month on the large path (two workers, level 1's LP not expected to
    end in time for the two methods side by side), with every LP for which
    ``out_of_time(model, pdlp)`` holds stopped at its limit (no solution, no duals)."""
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    monkeypatch.setattr(parcel_solver, "solve_lp", _lps_stopped(out_of_time))
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=60, workers=2)
    assert pr.verify(s, big) == []
    optimum = exact.objective["delivered_priority"]
    assert big.objective["delivered_priority"] <= optimum <= big.bound["delivered_priority"]
    return s, exact, big


def test_pdlp_beside_an_lp_that_does_not_finish_gives_the_bound(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """An interior point LP that runs out of time leaves level 1 PDLP's bound and plan.

    On a slow machine the interior point LP of a 20,000-parcel month can take
    longer than level 1's share; PDLP's approximate LP, solved beside it,
    still proves a bound through the Lagrangian, and its rounding and the
    neighbourhood MIPs give the plan.
    """
    # level 1's interior point LP runs out of time
    s, _exact, big = _solve_300_with_lps_out_of_time(
        monkeypatch, caplog, lambda model, pdlp: model.maximize and not pdlp)
    assert re.search(r"level 1 .*'PDLP bound'", caplog.text)
    assert "'LP bound'" not in caplog.text
    assert big.bound["delivered_priority"] < _problem(s).deliverable_priority()


def test_pdlp_returning_nothing_leaves_the_subgradient_steps_and_the_lp(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """PDLP stopped at its limit returns nothing: the subgradient steps then run, and the
    exact LP beside them still gives its bound."""
    _solve_300_with_lps_out_of_time(monkeypatch, caplog, lambda _model, pdlp: pdlp)
    assert re.search(r"level 1 .*'PDLP Time limit reached', 'Lagrangian bound after", caplog.text)
    assert re.search(r"level 1 .*'LP (bound|rounding)'", caplog.text)


def _one_batch_swap() -> pr.Scenario:
    """A 10 kg batch; A (6 kg, priority 3) first leaves B and C (5 kg, priority 2 each) out."""
    b = pr.ScenarioBuilder(name="swap")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], max_weight_kg=10,
                cost=10)
    for pid, w, prio in (("A", 6, 3), ("B", 5, 2), ("C", 5, 2)):
        b.add_parcel(pid, origin="HUB", destination="F-1", weight_kg=w, priority=prio,
                     ready="2026-12-01", due="2026-12-03")
    return b.build()


def test_level1_neighbourhoods_raise_the_priority_while_the_lp_runs() -> None:
    """Re-planning the batch swaps A for B and C (3 -> 4); once the LP is back, none runs."""
    s = _one_batch_swap()
    prob = _problem(s)
    level = parcel_solver._Level1(prob, SolveOptions(workers=2), Deadline(None), None)
    greedy = greedy_assign(prob, Loads(prob))
    assert parcel_solver._value(prob, greedy) == 3
    running: Future[MipOutcome] = Future()
    better, value = level._improve(greedy, 3, 4, running.done, None)
    assert value == 4 == parcel_solver._value(prob, better)
    assert sorted(better.tolist()) == [-1, 1, 2]  # B and C on the batch, A left out
    assert level.notes == ["1 neighbourhood MIPs"]
    level.notes.clear()
    running.set_result(MipOutcome(None, math.nan, math.nan, False, "Optimal", 0.0))
    same, value = level._improve(greedy, 3, 4, running.done, None)
    assert value == 3 and same is greedy
    assert level.notes == ["0 neighbourhood MIPs"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_plan_the_first_bound_proves_skips_the_lp(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture,
                                                     workers: int) -> None:
    """One seat, priorities 1 and 3: the first bound proves the greedy plan; the exact LP's
    bound is not used.

    With one worker that is the subgradient steps' bound. With two, PDLP's
    approximate LP runs first beside the exact LP (which is then stopped), and
    the subgradient steps are not needed.
    """
    s = _one_seat([1, 3], 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        result = pr.solve(s, time_limit=30, workers=workers)
    assert result.objective["delivered_priority"] == result.bound["delivered_priority"] == 3
    first = "'PDLP bound'" if workers == 2 else "Lagrangian bound after"
    other = "Lagrangian bound after" if workers == 2 else "'PDLP bound'"
    assert first in caplog.text and other not in caplog.text
    assert "'LP bound'" not in caplog.text
    assert pr.verify(s, result) == []


def _lp_not_expected_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make level 1's LP look too slow for the two methods side by side (LEVEL1_RACE):
    the paths of months where it is not expected to end in time."""
    monkeypatch.setattr(parcel_solver, "LEVEL1_LP_SECONDS_PER_OPTION", 1e9)


def _without_the_batch_cost_lp(monkeypatch: pytest.MonkeyPatch, *,
                               cover_bound: bool = False) -> None:
    """Force the path of months too large for one MIP, with the batch-cost LP made to look
    too slow for the time left (PDLP's loose LP or the subgradient steps bound the level).

    The batches' cover bound (:meth:`_Level2._cover_bound`) is left out unless
    ``cover_bound``: on the 300-parcel month it is above both PDLP bounds, which these
    tests follow."""
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "LP_LEVEL2_FACTOR", 1e9)
    monkeypatch.setattr(parcel_solver, "LP_LEVEL2_SIMPLEX_FACTOR", 1e9)
    if not cover_bound:
        monkeypatch.setattr(parcel_solver._Level2, "_cover_bound", lambda *_args: None)


def _from_level_1s_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Level 2 from level 1's plan as it is (REPACK off): placed again, the 150-parcel
    month's start is cheaper, and the neighbourhood search can close the level before the
    batch-cost LP returns, which the paths these tests force need open."""
    monkeypatch.setattr(parcel_solver, "REPACK", False)


def _two_lone_parcels() -> pr.Scenario:
    """P-1 rides only B-1 and P-2 only B-2 (cost 100 each); Q rides either, or B-3 (cost 1).
    Every plan delivering all three pays B-1 and B-2 (200, Q rides along), while the LP
    pays half of each (their count rows hold two options each) and B-3 for Q: 101."""
    b = pr.ScenarioBuilder(name="two lone parcels")
    b.add_node("HUB", kind="hub").add_node("F-3").add_link("HUB", "F-3", hours=5)
    for k in (1, 2):
        b.add_node(f"F-{k}").add_link("HUB", f"F-{k}", hours=5).add_link(f"F-{k}", "F-3",
                                                                          hours=5)
        b.add_batch(f"B-{k}", origin="HUB", departs="2026-12-01", stops=[f"F-{k}", "F-3"],
                    cost=100)
        b.add_parcel(f"P-{k}", origin="HUB", destination=f"F-{k}", weight_kg=1,
                     ready="2026-12-01", due="2026-12-03")
    b.add_batch("B-3", origin="HUB", departs="2026-12-01", stops=["F-3"], cost=1)
    b.add_parcel("Q", origin="HUB", destination="F-3", weight_kg=1, ready="2026-12-01",
                 due="2026-12-03")
    return b.build()


def test_cost_steps_from_an_lp_s_duals_pass_the_weak_lp() -> None:
    """Binds: the batch-cost LP pays half of B-1 and B-2 (101); the steps, started at its
    duals, pay whole batches and prove 200, the optimum."""
    s = _two_lone_parcels()
    prob = _problem(s)
    level2 = parcel_solver._Level2(prob, SolveOptions(), Deadline(None))
    fix = parcel_solver._fixing(prob, 3, parcel_solver._Level1Info(None, None, None, None))
    none = np.zeros(prob.num_parcels, bool)
    model, _x, _y, build = level2._model(fix, none, none, 3, [])
    lp = solve_lp(model)
    assert lp.row_dual is not None and build.rows is not None
    assert prob.unscale_cost(lp.value) == pytest.approx(101)
    start = parcel_solver._cost_start(prob, build.rows, lp.row_dual, 3)
    assert start.mu > 0 and np.all(start.pi >= 0) and np.all(start.sigma >= 0)
    out = cost_bound(prob, 3, target=prob.scaled_cost().sum(), start=start)
    assert prob.unscale_cost(out.bound) == pytest.approx(200)
    exact = pr.solve(s)
    assert exact.status is pr.Status.OPTIMAL and exact.objective["batch_cost"] == 200


def test_cost_steps_from_no_multipliers_prove_nothing_in_one_step() -> None:
    """Slack: from zero multipliers one step proves 0; the start is where the steps begin."""
    prob = _problem(_two_lone_parcels())
    rows = RelaxedRows.of(prob, with_capacity=False)
    zero = lagrange.CostStart(0.0, np.zeros(prob.num_parcels), np.zeros(rows.num_rows))
    out = cost_bound(prob, 3, target=prob.scaled_cost().sum(), start=zero, max_iterations=1)
    assert out.bound == 0 and out.iterations == 1


def _steps_after_pdlp(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                      ratio: float, first_steps: int = 10**9,
                      ) -> tuple[pr.Result, pr.Result, list[Any]]:
    """The 150-parcel month (seed 1) proven optimal, then on the large path at 30 s with
    PDLP's bound taken as weak below ``ratio`` times the first steps' (when they made fewer
    than ``first_steps``) and no second PDLP; both results, and the starts the steps were
    given."""
    s, exact = _proven(150, 1)
    _without_the_batch_cost_lp(monkeypatch)
    monkeypatch.setattr(parcel_solver, "PDLP_SECOND_FACTOR", 1e9)
    monkeypatch.setattr(parcel_solver, "WEAK_LP_RATIO", ratio)
    monkeypatch.setattr(parcel_solver, "WEAK_LP_MAX_FIRST_STEPS", first_steps)
    _from_level_1s_plan(monkeypatch)
    starts: list[Any] = []
    real = parcel_solver.cost_bound

    def spy(*args: Any, **kw: Any) -> Any:
        starts.append(kw.get("start"))
        return real(*args, **kw)

    monkeypatch.setattr(parcel_solver, "cost_bound", spy)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=30, workers=2)
    assert pr.verify(s, big) == []
    return exact, big, starts


def test_after_a_weak_pdlp_the_steps_go_on_from_its_duals(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Binds: a PDLP bound taken as weak (WEAK_LP_RATIO and WEAK_LP_MAX_FIRST_STEPS made
    huge) is followed by the steps, started at its duals, in place of the second search;
    the bound stays a bound."""
    exact, big, starts = _steps_after_pdlp(monkeypatch, caplog, 1e9)
    assert re.search(r"level 2 .*'PDLP bound'.*'steps from the LP duals'", caplog.text)
    assert starts[0] is None and isinstance(starts[-1], lagrange.CostStart)
    if big.objective["delivered_priority"] == exact.objective["delivered_priority"]:
        assert 0 < big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


def test_after_a_pdlp_stronger_than_the_steps_they_do_not_resume(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Slack: a PDLP bound not below WEAK_LP_RATIO (0 here) times the first steps' stands,
    and its core joins the search."""
    _exact, _big, starts = _steps_after_pdlp(monkeypatch, caplog, 0.0)
    assert "steps from the LP duals" not in caplog.text
    assert re.search(r"level 2 .*'PDLP bound', 'a second neighbourhood search after the LP'",
                     caplog.text)
    assert all(start is None for start in starts)


def test_after_first_steps_that_ran_long_a_close_pdlp_is_not_weak(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Slack: with a PDLP bound close to the first steps' (WEAK_LP_RATIO huge) but first
    steps not cut short (WEAK_LP_MAX_FIRST_STEPS at 0: none counts as cut short), their
    bound is taken as near their relaxation's: PDLP's stands, and the steps do not go on."""
    _exact, _big, starts = _steps_after_pdlp(monkeypatch, caplog, 1e9, first_steps=0)
    assert "steps from the LP duals" not in caplog.text
    assert all(start is None for start in starts)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pdlp_cost_bound_never_passes_the_optimum(monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture,
                                                      seed: int) -> None:
    """Where the exact LP would not finish, PDLP's loose duals bound the batch cost, validly.

    The month is small enough for the MIP, which proves its optimum; the large
    path is forced, and the LP made to look too slow for the time left.
    """
    s, exact = _proven(150, seed)
    _without_the_batch_cost_lp(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=30, workers=2)
    assert pr.verify(s, big) == []
    if big.objective["delivered_priority"] < exact.objective["delivered_priority"]:
        pytest.skip("the large path did not reach the level-1 optimum: its cost bound is "
                    "for another level-1 value")
    # the subgradient steps first (a bound in any case), then PDLP's
    assert re.search(r"level 2 .*'Lagrangian bound after \d+ steps'.*'PDLP bound'", caplog.text)
    assert "PDLP would not finish" not in caplog.text
    assert 0 < big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


def test_after_the_batch_cost_pdlp_its_core_joins_the_neighbourhood_search(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Binds: PDLP's bound is in long before the searches' time is up (a 150-parcel month
    on the large path, 30 s): its core then searches beside the first search, sharing
    its queue, and the plan of the two verifies. (No second, tighter PDLP here: on so small a
    month it would leave the second search an empty queue.)"""
    s = generate_scenario(150, 0, 1)
    _without_the_batch_cost_lp(monkeypatch)
    monkeypatch.setattr(parcel_solver, "PDLP_SECOND_FACTOR", 1e9)
    _from_level_1s_plan(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=30, workers=2)
    assert pr.verify(s, big) == []
    assert re.search(r"level 2 .*'PDLP bound', 'a second neighbourhood search after the LP'",
                     caplog.text)


def test_a_batch_cost_pdlp_that_takes_the_searches_time_is_followed_by_no_search(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Does not bind: a batch-cost PDLP that returns only when the searches' time is up
    (made to wait out its time limit here) leaves its core nothing to join them with."""
    s = generate_scenario(150, 0, 1)
    _without_the_batch_cost_lp(monkeypatch)
    _from_level_1s_plan(monkeypatch)

    def slow(model: MipModel, **kw: Any) -> MipOutcome:
        if kw.get("pdlp") and not model.maximize and kw.get("time_limit"):
            time.sleep(kw["time_limit"] / parcel_solver.PDLP_OVERRUN)
        return solve_lp(model, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", slow)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=4, workers=2)
    assert pr.verify(s, big) == []
    assert re.search(r"level 2 .*'PDLP bound'", caplog.text)
    assert "second neighbourhood search" not in caplog.text


@pytest.mark.parametrize("slow", [True, False])
def test_a_batch_cost_lp_whose_model_took_its_time_is_not_started(
        monkeypatch: pytest.MonkeyPatch, slow: bool) -> None:
    """Binds (``slow``): building the batch-cost LP's model (its window cuts) took all the
    time the LP had (made to here: the build waits out the solve's time). HiGHS is then
    not started on it, so it takes no presolve's time past the limit, and the level keeps
    the subgradient steps' bound. Does not bind: built in time, the LP (PDLP) runs."""
    s = generate_scenario(150, 0, 1)
    _without_the_batch_cost_lp(monkeypatch)
    _from_level_1s_plan(monkeypatch)
    built: list[MipModel] = []
    solved: list[MipModel] = []
    real_model, real_lp = parcel_solver._Level2._model, parcel_solver.solve_lp

    def model(self: Any, *args: Any, **kw: Any) -> Any:
        out = real_model(self, *args, **kw)
        built.append(out[0])
        if slow:
            time.sleep(max(0.0, self.deadline.left() or 0.0) + 0.05)
        return out

    def spy(lp_model: MipModel, **kw: Any) -> MipOutcome:
        solved.append(lp_model)
        return real_lp(lp_model, **kw)

    monkeypatch.setattr(parcel_solver._Level2, "_model", model)
    monkeypatch.setattr(parcel_solver, "solve_lp", spy)
    big = pr.solve(s, time_limit=4, workers=2)
    assert pr.verify(s, big) == []
    assert built
    assert any(m is b for m in solved for b in built) is not slow
    assert big.bound["batch_cost"] > 0


def _batch_cost_pdlps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """Record each batch-cost PDLP solve: its optimality tolerance and the (scaled) bound."""
    calls: list[tuple[float, float]] = []
    real = parcel_solver._Level2._lp_bound

    def spy(self: Any, *args: Any, **kw: Any) -> float:
        out: float = real(self, *args, **kw)
        if kw.get("pdlp"):
            tolerances = kw.get("tolerances") or parcel_solver.PDLP_LOOSE_TOLERANCES
            calls.append((tolerances["pdlp_optimality_tolerance"], out))
        return out

    monkeypatch.setattr(parcel_solver._Level2, "_lp_bound", spy)
    return calls


def test_with_time_to_spare_a_second_tighter_pdlp_bounds_the_batch_cost(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Binds: with time to spare after PDLP's loose solve (a 300-parcel month on the large
    path, 10 s), PDLP runs again to the tighter tolerance. Here its bound is the higher
    (28,110 against 27,270), and the level keeps it; it is never above the cost proven
    optimal."""
    s, exact = _month_300()
    _without_the_batch_cost_lp(monkeypatch)
    calls = _batch_cost_pdlps(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=10, workers=2)
    assert pr.verify(s, big) == []
    assert [tol for tol, _ in calls] == [
        parcel_solver.PDLP_LOOSE_TOLERANCES["pdlp_optimality_tolerance"],
        parcel_solver.PDLP_SECOND_TOLERANCES["pdlp_optimality_tolerance"]]
    (_, loose), (_, tight) = calls
    assert tight > loose
    assert "'a second, tighter PDLP bound'" in caplog.text
    assert big.bound["batch_cost"] >= _problem(s).unscale_cost(tight) - 1e-6
    if big.objective["delivered_priority"] == exact.objective["delivered_priority"]:
        assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


def test_the_batches_alone_can_bound_the_batch_cost_above_pdlp(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: on the 300-parcel month on the large path (10 s) the cheapest batches meeting
    every window cut and parcel cover cost 28,240, above both PDLP bounds (27,520 and
    28,110): the level keeps it, never above the cost proven optimal."""
    s, exact = _month_300()
    _without_the_batch_cost_lp(monkeypatch, cover_bound=True)
    calls = _batch_cost_pdlps(monkeypatch)
    big = pr.solve(s, time_limit=10, workers=2)
    assert pr.verify(s, big) == []
    assert calls and all(_problem(s).unscale_cost(b) < 28_240 for _tol, b in calls)
    assert big.bound["batch_cost"] >= 28_240
    assert big.objective["delivered_priority"] == exact.objective["delivered_priority"]
    assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


@pytest.mark.parametrize("pdlp_max_pairs", [parcel_solver.PDLP_MAX_PAIRS, 0])
def test_where_pdlp_would_not_finish_the_batches_alone_still_bound_the_batch_cost(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        pdlp_max_pairs: int) -> None:
    """Binds: the 300-parcel month on the large path where PDLP would not finish (two
    searches, no LP) still gets the batches' bound, 28,240, below the optimum. Does not
    bind above :data:`PDLP_MAX_PAIRS` options (here made 0): no batches' bound."""
    s, exact = _month_300()
    _without_the_batch_cost_lp(monkeypatch, cover_bound=True)
    monkeypatch.setattr(parcel_solver, "PDLP_SECONDS_PER_OPTION", 1e9)
    monkeypatch.setattr(parcel_solver, "PDLP_MAX_PAIRS", pdlp_max_pairs)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=10, workers=2)
    assert pr.verify(s, big) == []
    assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6
    if pdlp_max_pairs:
        assert "PDLP would not finish" in caplog.text
        assert "batch cover bound" in caplog.text
        assert big.bound["batch_cost"] >= 28_240
    else:
        assert "batch cover bound" not in caplog.text


def test_without_time_to_spare_pdlp_runs_once(monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """Does not bind: when the time left is below what the tighter PDLP may need (a factor of
    the loose solve's time), only the loose solve runs."""
    s, _exact = _month_300()
    _without_the_batch_cost_lp(monkeypatch)
    monkeypatch.setattr(parcel_solver, "PDLP_SECOND_FACTOR", 1e9)
    calls = _batch_cost_pdlps(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=10, workers=2)
    assert pr.verify(s, big) == []
    assert [tol for tol, _ in calls] == [
        parcel_solver.PDLP_LOOSE_TOLERANCES["pdlp_optimality_tolerance"]]
    assert "tighter PDLP" not in caplog.text


def _level1_steps_shares(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, bool]]:
    """Record the share of the time left that each level-1 subgradient run is given, and
    whether it also stops when something else ends (``until``)."""
    shares: list[tuple[float, bool]] = []
    original = parcel_solver._Level1._lagrangian

    def recorded(self: Any, assign: Any, best: int, upper: int, fraction: float,
                 until: Any = None) -> Any:
        shares.append((fraction, until is not None))
        return original(self, assign, best, upper, fraction, until)

    monkeypatch.setattr(parcel_solver._Level1, "_lagrangian", recorded)
    return shares


def test_after_a_level1_pdlp_that_returned_nothing_the_steps_take_most_of_the_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: beside the interior point LP, PDLP's approximate LP returns nothing (made to
    here): the subgradient steps then get STEPS_AFTER_PDLP_SHARE of the time left, and
    their bound holds."""
    s, exact = _proven(150, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    shares = _level1_steps_shares(monkeypatch)

    def no_pdlp(model: MipModel, **kw: Any) -> MipOutcome:
        if kw.get("pdlp") and model.maximize:
            return MipOutcome(None, math.nan, math.inf, False, "Time limit reached", 0.0)
        return solve_lp(model, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", no_pdlp)
    big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    assert shares == [(parcel_solver.STEPS_AFTER_PDLP_SHARE, False)]
    assert big.bound["delivered_priority"] >= exact.objective["delivered_priority"]


def test_after_a_level1_pdlp_that_returned_no_steps_follow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind: where PDLP's approximate LP returns beside the interior point LP, no
    subgradient run follows it."""
    s = generate_scenario(150, 0, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    shares = _level1_steps_shares(monkeypatch)
    pr.solve(s, time_limit=20, workers=2)
    assert shares == []


@pytest.mark.parametrize("fits", [False, True])
def test_a_level1_pdlp_beside_that_would_not_finish_does_not_start(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fits: bool) -> None:
    """Binds where PDLP's approximate LP beside the interior point LP is expected to outlast
    its share (LEVEL1_PDLP_SECONDS_PER_OPTION made far too long): it does not start, the
    LP is solved by the dual simplex method, the subgradient steps take
    STEPS_AFTER_PDLP_SHARE of the time left (or until that LP returns), and the bound
    holds. Does not bind where it is expected to end: it runs, and no steps follow it."""
    s, exact = _proven(150, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    if not fits:
        monkeypatch.setattr(parcel_solver, "LEVEL1_PDLP_SECONDS_PER_OPTION", 1e9)
    shares = _level1_steps_shares(monkeypatch)
    pdlp_models = _record_pdlp(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    assert (True in pdlp_models) is fits  # a PDLP run on level 1's LP
    assert ("PDLP beside would not finish" in caplog.text) is not fits
    assert ("'dual simplex LP'" in caplog.text) is not fits
    assert shares == ([] if fits else [(parcel_solver.STEPS_AFTER_PDLP_SHARE, True)])
    assert big.bound["delivered_priority"] >= exact.objective["delivered_priority"]


@pytest.mark.parametrize(("ratio", "runs"), [(2.0, False), (3.0, True)])
def test_a_level1_pdlp_beside_does_not_start_where_priorities_spread_widely(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, ratio: float,
        runs: bool) -> None:
    """Binds where the priorities (1 to 3 here) spread more than
    LEVEL1_PDLP_MAX_PRIORITY_RATIO (made 2): PDLP beside the interior point LP does not
    start, the LP is solved by the dual simplex method and the steps take PDLP's time
    until that LP returns. Does not bind at a ratio of 3: it runs."""
    s = generate_scenario(150, 0, 1)
    assert {p.priority for p in s.parcels} == {1, 2, 3}
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    monkeypatch.setattr(parcel_solver, "LEVEL1_PDLP_MAX_PRIORITY_RATIO", ratio)
    shares = _level1_steps_shares(monkeypatch)
    pdlp_models = _record_pdlp(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    assert (True in pdlp_models) is runs
    assert ("PDLP beside would not finish" in caplog.text) is not runs
    assert ("'dual simplex LP'" in caplog.text) is not runs
    assert shares == ([] if runs else [(parcel_solver.STEPS_AFTER_PDLP_SHARE, True)])


@pytest.mark.parametrize("cap", [1.25, 1e9])
def test_a_level1_pdlp_beside_gets_little_more_than_its_expected_time(
        monkeypatch: pytest.MonkeyPatch, cap: float) -> None:
    """Binds at LEVEL1_PDLP_CAP = 1.25: PDLP beside the interior point LP gets 1.25 times
    its expected time (LEVEL1_PDLP_SECONDS_PER_OPTION per option). Does not bind with a
    cap too large to matter: it gets its whole share of level 1's time."""
    s = generate_scenario(150, 0, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    monkeypatch.setattr(parcel_solver, "LEVEL1_PDLP_CAP", cap)
    monkeypatch.setattr(parcel_solver, "LEVEL1_PDLP_SECONDS_PER_OPTION", 1e-3)
    limits: list[float] = []

    def recorded(model: MipModel, **kw: Any) -> MipOutcome:
        if kw.get("pdlp") and model.maximize:
            limits.append(kw["time_limit"])
        return solve_lp(model, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", recorded)
    prob = ParcelProblem(s, Compatibility(s))
    r = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, r) == []
    expected = 1e-3 * prob.num_pairs
    assert len(limits) == 1
    if cap == 1.25:
        assert limits[0] == pytest.approx(1.25 * expected)
    else:
        assert limits[0] > 2 * expected  # the share: 0.8 of level 1's 11 s


def test_beside_the_main_pdlp_the_steps_run_until_it_returns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: PDLP as level 1's main LP on a month of up to STEPS_BESIDE_PDLP_MAX_PAIRS
    options: the steps beside it may take 0.9 of the time and stop when it returns."""
    s = generate_scenario(150, 0, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "LP_MAX_PAIRS", 0)
    shares = _level1_steps_shares(monkeypatch)
    r = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, r) == []
    assert shares == [(0.9, True)]


def test_beside_the_main_pdlp_of_a_larger_month_the_steps_keep_a_short_share(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind: above STEPS_BESIDE_PDLP_MAX_PAIRS options (made 0 here) the steps
    beside PDLP keep 0.15 of the time, not to slow it down."""
    s = generate_scenario(150, 0, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "LP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "STEPS_BESIDE_PDLP_MAX_PAIRS", 0)
    shares = _level1_steps_shares(monkeypatch)
    pr.solve(s, time_limit=20, workers=2)
    assert shares == [(0.15, False)]


def _record_pdlp(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record every PDLP solve from now on: ``model.maximize`` of each (level 1's LP
    maximises, the batch-cost LP minimises)."""
    pdlp_models: list[bool] = []

    def recorded(model: MipModel, **kw: Any) -> MipOutcome:
        if kw.get("pdlp"):
            pdlp_models.append(model.maximize)
        return solve_lp(model, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", recorded)
    return pdlp_models


@pytest.mark.parametrize("pdlp_max", [None, 10])
def test_beyond_the_interior_point_lp_pdlp_still_bounds_the_batch_cost(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        pdlp_max: int | None) -> None:
    """A month above LP_MAX_PAIRS (no interior point LP) gets PDLP's batch-cost bound where
    PDLP is expected to finish, as the 200,000-parcel month does; above PDLP_MAX_PAIRS the
    subgradient steps alone bound it. Either bound holds."""
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "LP_MAX_PAIRS", 10)
    if pdlp_max is not None:
        monkeypatch.setattr(parcel_solver, "PDLP_MAX_PAIRS", pdlp_max)
    pdlp_models = _record_pdlp(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=10, workers=2)
    assert pr.verify(s, big) == []
    level2 = caplog.text[caplog.text.index("level 2"):]
    assert ("'PDLP bound'" in level2) is (pdlp_max is None)
    assert (False in pdlp_models) is (pdlp_max is None)  # a PDLP run on the batch-cost LP
    assert "LP bound (too large for a MIP)" not in level2  # no interior point LP
    assert big.bound["batch_cost"] > 0
    if big.objective["delivered_priority"] == exact.objective["delivered_priority"]:
        assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


def test_a_batch_cost_pdlp_that_would_not_finish_leaves_its_core_to_a_second_search(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """PDLP expected to outlast the time: after the subgradient steps its core searches too.

    The expected time per option is made far too long here. No PDLP runs on the
    batch-cost LP, the bound is the steps' and holds, and the plan of the two searches
    verifies.
    """
    s, exact = _proven(150, 1)
    _without_the_batch_cost_lp(monkeypatch)
    _lp_not_expected_in_time(monkeypatch)
    monkeypatch.setattr(parcel_solver, "PDLP_SECONDS_PER_OPTION", 1e9)
    pdlp_models = _record_pdlp(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=30, workers=2)
    assert pr.verify(s, big) == []
    assert re.search(r"level 2 .*'Lagrangian bound after \d+ steps', "
                     r"'PDLP would not finish: a second neighbourhood search'", caplog.text)
    assert True in pdlp_models and False not in pdlp_models  # level 1's PDLP only
    assert big.bound["batch_cost"] > 0
    if big.objective["delivered_priority"] == exact.objective["delivered_priority"]:
        assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


@pytest.mark.parametrize("pdlp_fits", [False, True])
def test_the_steps_take_the_bound_s_whole_share_when_pdlp_would_not_finish(
        monkeypatch: pytest.MonkeyPatch, pdlp_fits: bool) -> None:
    """Binds where PDLP would not finish: the subgradient steps' bound is the level's, and
    they get the bound's whole share of the time (COST_NO_PDLP_SHARE). Does not bind where
    PDLP is expected to finish: the steps get COST_FIRST_SHARE of it, PDLP the rest."""
    s = generate_scenario(150, 0, 1)
    _without_the_batch_cost_lp(monkeypatch)
    if not pdlp_fits:
        monkeypatch.setattr(parcel_solver, "PDLP_SECONDS_PER_OPTION", 1e9)
    limits: list[float | None] = []
    real = parcel_solver.cost_bound

    def recorded(*args: Any, time_limit: float | None = None, **kwargs: Any) -> Any:
        limits.append(time_limit)
        return real(*args, time_limit=time_limit, **kwargs)

    monkeypatch.setattr(parcel_solver, "cost_bound", recorded)
    level2 = parcel_solver._Level2
    shares: list[float] = []
    original = level2._large

    def large(self: parcel_solver._Level2, *args: Any, **kwargs: Any) -> Any:
        left = self.deadline.left()
        assert left is not None
        shares.append(0.9 * left)  # the bound's share of the level's time (no LP)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(level2, "_large", large)
    result = pr.solve(s, time_limit=8, workers=2)
    assert pr.verify(s, result) == []
    assert len(limits) == 1 and limits[0] is not None and len(shares) == 1
    expected = parcel_solver.COST_FIRST_SHARE if pdlp_fits else parcel_solver.COST_NO_PDLP_SHARE
    assert limits[0] == pytest.approx(expected * shares[0], rel=0.05)


@pytest.mark.parametrize(("share", "fits"), [(1.01, True), (0.99, False)])
def test_the_batch_cost_pdlp_is_expected_to_take_its_time_per_option(share: float,
                                                                      fits: bool) -> None:
    """PDLP_SECONDS_PER_OPTION per option, within 0.85 of the time it may have (see
    PDLP_OVERRUN): it binds just below that time and not just above it."""
    s = generate_scenario(20, 0, 1)
    prob = _problem(s)
    options, deadline = SolveOptions(workers=2), Deadline(None)
    expected = parcel_solver.PDLP_SECONDS_PER_OPTION * prob.num_pairs
    level2 = parcel_solver._Level2(prob, options, deadline)
    assert level2._pdlp_fits(share * expected / parcel_solver.PDLP_OVERRUN) is fits


@pytest.mark.parametrize(("share", "fits"), [(1.01, True), (0.99, False)])
def test_the_batch_cost_lp_is_expected_to_end_in_the_time_it_gets(share: float,
                                                                   fits: bool) -> None:
    """LP_LEVEL2_FACTOR times level 1's LP, against LP_TIME_SHARE of what the searches
    before it (LP_SEARCH_SHARE) leave: it binds just below that time, not just above it."""
    s = generate_scenario(20, 0, 1)
    level2 = parcel_solver._Level2(_problem(s), SolveOptions(workers=2), Deadline(None))
    level2.first = SimpleNamespace(lp_seconds=6.9, lp_simplex=False)  # type: ignore[assignment]
    gets = parcel_solver.LP_TIME_SHARE * (1 - parcel_solver.LP_SEARCH_SHARE)
    assert level2._lp_fits(share * parcel_solver.LP_LEVEL2_FACTOR * 6.9 / gets) is fits


def test_the_batch_cost_lp_is_not_expected_to_end_in_time_without_level_1s() -> None:
    """No level-1 LP time (level 1 ran no LP): the batch-cost LP is not started."""
    s = generate_scenario(20, 0, 1)
    level2 = parcel_solver._Level2(_problem(s), SolveOptions(workers=2), Deadline(None))
    assert not level2._lp_fits(1e9)
    level2.first = SimpleNamespace(lp_seconds=None, lp_simplex=False)  # type: ignore[assignment]
    assert not level2._lp_fits(1e9)


def test_the_20000_parcel_month_at_60_s_gives_the_lp_the_time_it_needs() -> None:
    """The case that set the rule: level 1's LP took 6.9 s and 51.9 s were left. The
    interior point LP, which needs about 29 s there, would get 0.8 x 0.6 x 51.9 = 24.9 s:
    PDLP's bound instead. With 112 s left (a 120 s solve) it gets 53.8 s and runs."""
    s = generate_scenario(20, 0, 1)
    level2 = parcel_solver._Level2(_problem(s), SolveOptions(workers=2), Deadline(None))
    level2.first = SimpleNamespace(lp_seconds=6.9, lp_simplex=False)  # type: ignore[assignment]
    assert not level2._lp_fits(51.9)
    assert level2._lp_fits(112.0)


def test_a_batch_cost_the_subgradient_steps_prove_skips_pdlp(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Two batches of the same cost on two days for one parcel: the steps prove 10 and PDLP
    never runs."""
    b = pr.ScenarioBuilder(name="either day")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    for bid, departs in (("B-1", "2026-12-01"), ("B-2", "2026-12-02")):
        b.add_batch(bid, origin="HUB", departs=departs, stops=["F-1"], max_parcels=1, cost=10)
    b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, ready="2026-12-01",
                 due="2026-12-05")
    s = b.build()
    _without_the_batch_cost_lp(monkeypatch)
    pdlp_models = _record_pdlp(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        result = pr.solve(s, time_limit=30, workers=2)
    assert pr.verify(s, result) == []
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["batch_cost"] == result.bound["batch_cost"] == 10
    assert re.search(r"level 2 .*'Lagrangian bound after \d+ steps'", caplog.text)
    assert False not in pdlp_models  # no PDLP on the (minimising) batch-cost LP


def test_the_batch_cost_pdlp_returning_nothing_leaves_the_subgradient_bound(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """PDLP stopped at its limit on the batch-cost LP: the steps that ran before it bound it."""
    s, exact = _proven(150, 1)
    _without_the_batch_cost_lp(monkeypatch)
    monkeypatch.setattr(parcel_solver, "solve_lp",
                        _lps_stopped(lambda model, pdlp: pdlp and not model.maximize))
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=30, workers=2)
    assert pr.verify(s, big) == []
    assert re.search(r"level 2 .*'Lagrangian bound after \d+ steps'", caplog.text)
    assert not re.search(r"level 2 .*'PDLP bound'", caplog.text)
    assert big.bound["batch_cost"] > 0
    if big.objective["delivered_priority"] == exact.objective["delivered_priority"]:
        assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


def _record_lps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, str]]:
    """Record every LP solve from now on: ``model.maximize`` and the method of each
    ("pdlp", "ipm" or "simplex")."""
    lps: list[tuple[bool, str]] = []

    def recorded(model: MipModel, **kw: Any) -> MipOutcome:
        method = "pdlp" if kw.get("pdlp") else "ipm" if kw.get("ipm", True) else "simplex"
        lps.append((model.maximize, method))
        return solve_lp(model, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", recorded)
    return lps


@pytest.mark.parametrize("simplex", [True, False])
def test_without_pdlp_beside_level_1s_lp_is_the_dual_simplex(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        simplex: bool) -> None:
    """Binds where PDLP does not run beside level 1's LP (priorities spread more than
    LEVEL1_PDLP_MAX_PRIORITY_RATIO, made 2): the LP is solved by the dual simplex method,
    its bound holds, and neighbourhood MIPs guided by it follow. With LEVEL1_SIMPLEX off
    the interior point method solves it, as where PDLP runs beside."""
    s, exact = _proven(150, 1)
    _without_the_batch_cost_lp(monkeypatch)
    _lp_not_expected_in_time(monkeypatch)
    monkeypatch.setattr(parcel_solver, "LEVEL1_PDLP_MAX_PRIORITY_RATIO", 2.0)
    monkeypatch.setattr(parcel_solver, "LEVEL1_SIMPLEX", simplex)
    lps = _record_lps(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    level1 = [method for maximize, method in lps if maximize]
    assert level1 == ["simplex" if simplex else "ipm"]
    assert ("'dual simplex LP'" in caplog.text) is simplex
    assert big.bound["delivered_priority"] >= exact.objective["delivered_priority"]
    if simplex and big.objective["delivered_priority"] < big.bound["delivered_priority"]:
        # the LP returned long before its time was up: guided neighbourhoods follow it
        assert re.search(r"level 1 .*'LP bound'.*'\d+ neighbourhood MIPs'\]", caplog.text)


def test_with_pdlp_beside_level_1s_lp_is_the_interior_point_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind where PDLP runs beside level 1's LP (priorities 1 to 3 within
    LEVEL1_PDLP_MAX_PRIORITY_RATIO): the interior point method solves that LP."""
    s = generate_scenario(150, 0, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    _lp_not_expected_in_time(monkeypatch)
    lps = _record_lps(monkeypatch)
    r = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, r) == []
    assert "simplex" not in [method for maximize, method in lps if maximize]
    assert (True, "ipm") in lps


@pytest.mark.parametrize(("share", "fits"), [(1.01, True), (0.99, False)])
def test_the_batch_cost_simplex_lp_is_expected_to_take_a_multiple_of_level_1s(
        share: float, fits: bool) -> None:
    """LP_LEVEL2_SIMPLEX_FACTOR times level 1's dual simplex LP: it binds just below that
    time, not just above it. The interior point LP is then not expected to fit at all."""
    s = generate_scenario(20, 0, 1)
    level2 = parcel_solver._Level2(_problem(s), SolveOptions(workers=2), Deadline(None))
    level2.first = SimpleNamespace(lp_seconds=2.0, lp_simplex=True)  # type: ignore[assignment]
    expected = parcel_solver.LP_LEVEL2_SIMPLEX_FACTOR * 2.0
    assert level2._simplex_fits(share * expected) is fits
    assert not level2._lp_fits(1e9)


def test_the_batch_cost_simplex_lp_needs_level_1s_by_the_simplex_method() -> None:
    """Does not bind after an interior point LP, or none, at level 1: never expected."""
    s = generate_scenario(20, 0, 1)
    level2 = parcel_solver._Level2(_problem(s), SolveOptions(workers=2), Deadline(None))
    assert not level2._simplex_fits(1e9)
    level2.first = SimpleNamespace(lp_seconds=2.0, lp_simplex=False)  # type: ignore[assignment]
    assert not level2._simplex_fits(1e9)
    level2.first = SimpleNamespace(lp_seconds=None, lp_simplex=True)  # type: ignore[assignment]
    assert not level2._simplex_fits(1e9)


@pytest.mark.parametrize("fits", [True, False])
def test_after_level_1s_simplex_lp_the_batch_cost_lp_takes_pdlps_place(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fits: bool) -> None:
    """Binds where level 1's LP was solved by the dual simplex method and the batch-cost
    LP is expected to end in PDLP's time (LP_LEVEL2_SIMPLEX_FACTOR made tiny): the
    batch-cost LP is solved that way instead of by PDLP, once, and its bound never passes
    the cost proven optimal. Does not bind where it is not expected to end: PDLP's."""
    s, exact = _month_300()
    _without_the_batch_cost_lp(monkeypatch)
    _lp_not_expected_in_time(monkeypatch)  # (no race: level 1's LP by the simplex method)
    monkeypatch.setattr(parcel_solver, "LEVEL1_PDLP_MAX_PRIORITY_RATIO", 0.5)
    monkeypatch.setattr(parcel_solver, "LP_LEVEL2_SIMPLEX_FACTOR", 1e-9 if fits else 1e9)
    lps = _record_lps(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=10, workers=2)
    assert pr.verify(s, big) == []
    assert (True, "simplex") in lps
    level2 = [method for maximize, method in lps if not maximize]
    if fits:
        assert level2 == ["simplex"]
    else:
        assert level2[0] == "pdlp" and "simplex" not in level2
    assert ("'dual simplex LP bound'" in caplog.text) is fits
    if big.objective["delivered_priority"] == exact.objective["delivered_priority"]:
        assert big.bound["batch_cost"] <= exact.objective["batch_cost"] + 1e-6


@pytest.mark.parametrize("race", [True, False])
def test_where_level_1s_lp_is_expected_in_time_two_methods_race(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, race: bool) -> None:
    """Binds where level 1's LP is expected to end in its time (a 300-parcel month on the
    large path): the dual simplex and the interior point methods solve it side by side, no
    PDLP runs beside them, the first to return gives the bound, and neighbourhoods guided by
    it may follow. Does not bind where it is not expected to end in time
    (LEVEL1_LP_SECONDS_PER_OPTION made far too long): one LP, PDLP beside it."""
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    if not race:
        _lp_not_expected_in_time(monkeypatch)
    lps = _record_lps(monkeypatch)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    level1 = sorted(method for maximize, method in lps if maximize)
    optimum = exact.objective["delivered_priority"]
    assert big.objective["delivered_priority"] <= optimum <= big.bound["delivered_priority"]
    if race:
        assert level1 == ["ipm", "simplex"]
        assert re.search(r"level 1 [\d.]+ \(bound [\d.]+\) "
                         r"\['race: the (dual simplex|interior point) LP', 'LP bound'", caplog.text)
    else:
        assert level1 == ["ipm", "pdlp"]
        assert "race:" not in caplog.text


def test_a_race_neither_lp_wins_leaves_the_subgradient_bound(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Both of level 1's LPs side by side stopped at their limit (no duals): the
    subgradient steps bound the level, and that bound holds."""
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "solve_lp",
                        _lps_stopped(lambda model, pdlp: model.maximize))
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    assert re.search(r"level 1 .*'race: neither LP in time'.*'Lagrangian bound after \d+ steps'",
                     caplog.text)
    optimum = exact.objective["delivered_priority"]
    assert big.objective["delivered_priority"] <= optimum <= big.bound["delivered_priority"]


def test_with_race_off_level_1s_lp_is_not_raced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind with LEVEL1_RACE off: one LP (the interior point one, PDLP beside)."""
    s = generate_scenario(150, 0, 1)
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)
    monkeypatch.setattr(parcel_solver, "LEVEL1_RACE", False)
    lps = _record_lps(monkeypatch)
    r = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, r) == []
    assert sorted(method for maximize, method in lps if maximize) == ["ipm", "pdlp"]


@pytest.mark.parametrize("failing", ["ipm", "simplex"])
def test_a_race_lp_that_fails_at_once_leaves_the_other_to_end(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        failing: str) -> None:
    """One of level 1's two LPs returns at once without duals (a solver error): it does
    not stop the other, whose bound and values the level then takes."""
    s, exact = _month_300()
    monkeypatch.setattr(parcel_solver, "MIP_MAX_PAIRS", 0)

    def one_fails(model: MipModel, **kw: Any) -> MipOutcome:
        method = "ipm" if kw.get("ipm", True) else "simplex"
        if model.maximize and not kw.get("pdlp") and method == failing:
            return MipOutcome(None, math.nan, math.nan, False, "Solve error", 0.0)
        if model.maximize and method != failing:
            time.sleep(0.3)  # (so that the failing one is back first)
        return solve_lp(model, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", one_fails)
    with caplog.at_level(logging.INFO, logger="parcelroute"):
        big = pr.solve(s, time_limit=20, workers=2)
    assert pr.verify(s, big) == []
    other = "interior point" if failing == "simplex" else "dual simplex"
    assert f"'race: the {other} LP', 'LP bound'" in caplog.text
    optimum = exact.objective["delivered_priority"]
    assert big.objective["delivered_priority"] <= optimum <= big.bound["delivered_priority"]


def _race_of_slow_lps(monkeypatch: pytest.MonkeyPatch, needs: float, borrow: float,
                      ) -> tuple[parcel_solver.LevelResult, list[float], int, float]:
    """Level 1's race on the 300-parcel month, with 1 s for the level (the LPs get 0.9 s)
    and ``borrow`` seconds to borrow, each LP needing ``needs`` seconds: it returns solved
    when its limit allows that, and stops at its limit (no duals) otherwise. Returns the
    level's result, the time limits the subgradient steps got, and the month's optimum."""
    s, exact = _month_300()
    prob = _problem(s)

    def slow(model: MipModel, **kw: Any) -> MipOutcome:
        limit = kw.get("time_limit")
        if model.maximize and limit is not None and limit < needs:
            time.sleep(limit)
            return MipOutcome(None, math.nan, math.nan, False, "Time limit reached", limit)
        if model.maximize:
            time.sleep(needs)
        return solve_lp(model, **kw)

    steps: list[float] = []

    def timed_steps(*args: Any, **kw: Any) -> Any:
        steps.append(kw["time_limit"])
        return subgradient_bound(*args, **kw)

    monkeypatch.setattr(parcel_solver, "solve_lp", slow)
    monkeypatch.setattr(parcel_solver, "subgradient_bound", timed_steps)
    level = parcel_solver._Level1(prob, SolveOptions(workers=2), Deadline(None), 1.0, borrow)
    model, x, _ = parcel_solver._level1_model(prob, parcel_solver._hulls(prob, prob.active))
    assign = greedy_assign(prob, Loads(prob))
    left = level.left()
    assert left is not None
    _, result = level._race(model, x, assign, parcel_solver._value(prob, assign),
                            prob.deliverable_priority(), 0.9 * left, 0.1 * left)
    return result, steps, int(exact.objective["delivered_priority"]), left



def test_a_race_past_its_time_borrows_from_level_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: LPs that need 1.2 s return within the 0.9 s and the 0.6 s borrowed, and their
    duals bound the level (no subgradient steps)."""
    result, steps, optimum, _ = _race_of_slow_lps(monkeypatch, needs=1.2, borrow=0.6)
    assert re.search(r"race: the (dual simplex|interior point) LP", " ".join(result.notes))
    assert "LP bound" in result.notes
    assert steps == []
    assert result.value <= optimum <= result.bound


def test_a_race_without_time_to_borrow_ends_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack: nothing to borrow, and the same LPs stop at 0.9 s; the steps bound the level."""
    result, steps, optimum, _ = _race_of_slow_lps(monkeypatch, needs=1.2, borrow=0.0)
    assert "race: neither LP in time" in result.notes
    assert len(steps) == 1
    assert result.value <= optimum <= result.bound


def test_after_a_race_lost_even_with_borrowed_time_the_steps_keep_their_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """LPs that never return: once the borrowed time is spent the level's own time is
    gone, and the steps still get the 0.09 of the level's time they had without borrowing
    (not 0.05: the time left when the race starts, a little under the 1 s)."""
    result, steps, optimum, left = _race_of_slow_lps(monkeypatch, needs=60.0, borrow=0.6)
    assert "race: neither LP in time" in result.notes
    assert len(steps) == 1 and steps[0] >= 0.085 * left
    assert result.value <= optimum <= result.bound


@pytest.mark.parametrize(("workers", "parallel"), [(2, True), (1, True), (2, False)])
def test_level1_guided_neighbourhoods_run_on_every_worker(workers: int, parallel: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """After level 1's LP, the guided neighbourhoods are searched on every worker (binds with
    two), each keeping the changes of its own re-plans; with one worker, or with
    LEVEL1_PARALLEL_LNS off, one search as before (does not bind). Either way the swap of A
    for B and C is found (3 -> 4) and the plan keeps every rule."""
    monkeypatch.setattr(parcel_solver, "LEVEL1_PARALLEL_LNS", parallel)
    s = _one_batch_swap()
    prob = _problem(s)
    level = parcel_solver._Level1(prob, SolveOptions(workers=workers), Deadline(None), None)
    greedy = greedy_assign(prob, Loads(prob))
    guide = np.ones(prob.num_pairs)
    better, value = level._improve_both(greedy, 3, 4, None, guide)
    assert value == 4 == parcel_solver._value(prob, better)
    assert parcel_solver._plan_ok(prob, better)
    assert sorted(better.tolist()) == [-1, 1, 2]
    both = workers == 2 and parallel
    assert any("on 2 workers" in note for note in level.notes) is both


def test_level1_guided_neighbourhoods_keep_only_plans_that_keep_every_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two searches side by side on the generated 150-parcel month, each re-plan merged into
    the best plan: whatever they find, the plan returned keeps every rule, and it is worth
    at least the plan it started from."""
    s = generate_scenario(150, 0, 1)
    prob = _problem(s)
    level = parcel_solver._Level1(prob, SolveOptions(workers=2), Deadline(10.0), 10.0)
    start = greedy_assign(prob, Loads(prob))
    first = parcel_solver._value(prob, start)
    guide = np.random.default_rng(0).random(prob.num_pairs)
    better, value = level._improve_both(start, first, prob.deliverable_priority(), 0.0, guide)
    assert value == parcel_solver._value(prob, better) >= first
    assert parcel_solver._plan_ok(prob, better)
