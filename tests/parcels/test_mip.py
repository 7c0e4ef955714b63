"""The HiGHS wrapper of the parcel levels: the solution it returns is the one it values."""

from __future__ import annotations

import itertools
import json
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcelroute._highs import new_highs
from parcelroute.parcels.mip import (
    MipModel,
    knapsack_bound,
    lagrangian_bound,
    solve_lp,
    solve_mip,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def _presolve_start() -> tuple[MipModel, np.ndarray]:
    """A small batch-cost model and a costlier start that HiGHS 1.16 hands back as optimal.

    With this start HiGHS reports the optimum 3,885 (found after presolve) but
    returns the start itself (cost 9,985) as its solution.
    """
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(DATA / "presolve_start.mps"))
    lp = h.getLp()
    a = lp.a_matrix_
    model = MipModel(maximize=False)
    cols = model.add_columns(np.array(lp.col_cost_), lower=np.array(lp.col_lower_),
                             upper=np.array(lp.col_upper_))
    by_row: dict[int, list[tuple[int, float]]] = {}
    for j in range(lp.num_col_):
        for t in range(a.start_[j], a.start_[j + 1]):
            by_row.setdefault(a.index_[t], []).append((j, a.value_[t]))
    for i in range(lp.num_row_):
        entries = by_row.get(i, [])
        model.add_row(cols[[j for j, _ in entries]], np.array([v for _, v in entries]),
                      lower=lp.row_lower_[i], upper=lp.row_upper_[i])
    start = np.array(json.loads((DATA / "presolve_start.json").read_text())["start"], float)
    return model, start


def test_the_start_is_feasible_and_costlier_than_the_optimum() -> None:
    model, start = _presolve_start()
    assert float(model.cost @ start) == 9985.0
    *_, lo, hi = model.matrix()
    act = model.row_activity(start)
    assert np.all(act >= lo - 1e-9) and np.all(act <= hi + 1e-9)


@pytest.mark.parametrize("with_start", [True, False])
def test_the_returned_solution_has_the_returned_value(with_start: bool) -> None:
    model, start = _presolve_start()
    out = solve_mip(model, start=start if with_start else None, threads=1)
    assert out.optimal and out.value == out.bound == 3885.0
    assert out.x is not None and float(model.cost @ out.x) == 3885.0


def _stairs(n: int) -> MipModel:
    """An LP with ``n`` columns whose optimum is ``n / 2`` (each pair shares one unit)."""
    model = MipModel(maximize=True)
    x = model.add_columns(np.ones(n), upper=np.ones(n))
    for j in range(n - 1):
        model.add_row(x[[j, j + 1]], np.ones(2), upper=1.0)
    return model


@pytest.mark.parametrize("pdlp", [False, True])
def test_a_cancelled_lp_is_not_solved(pdlp: bool) -> None:
    """An LP whose cancel event is set before it starts is not solved: no plan, no bound.

    (PDLP, which calls no interrupt callback, would otherwise run to its end.)
    """
    cancel = threading.Event()
    cancel.set()
    out = solve_lp(_stairs(2_000), cancel=cancel, ipm=True, pdlp=pdlp)
    assert out.status == "not_solved"
    assert out.row_dual is None and out.x is None and not out.optimal
    assert out.bound == math.inf


def test_an_lp_whose_cancel_is_not_set_solves() -> None:
    """The event only stops the solve when it is set."""
    out = solve_lp(_stairs(2_000), cancel=threading.Event())
    assert out.status == "Optimal" and out.row_dual is not None
    assert out.value == pytest.approx(1_000.0)


def test_a_cancelled_mip_stops() -> None:
    """A MIP whose cancel event is set stops too, without claiming optimality."""
    cancel = threading.Event()
    cancel.set()
    model, start = _presolve_start()
    out = solve_mip(model, start=start, cancel=cancel)
    assert not out.optimal


def test_pdlp_duals_prove_a_bound_its_value_does_not() -> None:
    """PDLP's loose solve claims no bound; the Lagrangian of its duals is one, near the optimum."""
    model = _stairs(2_001)  # optimum 1,001: every other column
    out = solve_lp(model, pdlp=True)
    assert math.isnan(out.bound) and not out.optimal
    assert out.row_dual is not None and out.x is not None
    bound = lagrangian_bound(model, out.row_dual).bound
    assert 1_001 - 1e-6 <= bound <= 1_001 * 1.01


def test_a_pdlp_option_highs_does_not_know_is_an_error() -> None:
    """A misspelt PDLP option would be ignored by HiGHS; the wrapper refuses it instead."""
    with pytest.raises(ValueError, match="pdlp_gap_tolerance"):
        solve_lp(_stairs(10), pdlp=True, pdlp_options={"pdlp_gap_tolerance": 1e-3})


# -- choice rows in the Lagrangian bound -------------------------------------------------
def _two_parcels(maximize: bool) -> MipModel:
    """Two parcels, each riding one of two batches (values 3 and 2), one shared batch limit."""
    model = MipModel(maximize=maximize)
    x = model.add_columns(np.array([3.0, 3.0, 2.0, 2.0]), upper=np.ones(4))
    model.add_row(x[:2], np.ones(2), lower=0.0, upper=1.0)  # parcel A
    model.add_row(x[2:], np.ones(2), lower=0.0, upper=1.0)  # parcel B
    model.add_row(x[[0, 2]], np.array([4.0, 4.0]), upper=8.0)  # a batch with room for both
    return model


def test_choice_row_multipliers_are_set_at_their_best() -> None:
    """Multipliers that price no parcel row still prove the optimum: each row's is chosen."""
    model = _two_parcels(maximize=True)
    assert lagrangian_bound(model, np.zeros(3)).bound == pytest.approx(5.0)
    # a poor multiplier on one parcel row is replaced as well
    assert lagrangian_bound(model, np.array([0.5, 0.0, 0.0])).bound == pytest.approx(5.0)
    # taken as given (an LP solved to optimality): every column counts at its best
    assert lagrangian_bound(model, np.zeros(3), best_choice=False).bound == pytest.approx(10.0)


def test_choice_rows_when_minimising() -> None:
    """Minimising, an exactly-one row costs its cheapest column, an at-most-one row nothing."""
    model = MipModel(maximize=False)
    x = model.add_columns(np.array([3.0, 5.0, -2.0, -4.0]), upper=np.ones(4))
    model.add_row(x[:2], np.ones(2), lower=1.0, upper=1.0)
    model.add_row(x[2:], np.ones(2), upper=1.0)
    assert lagrangian_bound(model, np.zeros(2)).bound == pytest.approx(3.0 - 4.0)


def test_rows_sharing_a_column_are_not_both_choice_rows() -> None:
    """Of two choice rows over one column only the parcel's is set at its best.

    Setting both at once would price the shared column twice: a valid but
    weaker bound (8 here instead of 5; the optimum is 4).
    """
    model = MipModel(maximize=True)
    x = model.add_columns(np.array([4.0, 1.0, 1.0]), upper=np.ones(3))
    model.add_row(x[:2], np.ones(2), lower=0.0, upper=1.0)
    model.add_row(x[[0, 2]], np.ones(2), upper=1.0)
    assert lagrangian_bound(model, np.zeros(2)).bound == pytest.approx(5.0)
    assert solve_lp(model, ipm=False).value == pytest.approx(4.0)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), maximize=st.booleans())
def test_the_lagrangian_bound_holds_for_any_multipliers(data: st.DataObject,
                                                       maximize: bool) -> None:
    """Random 0-1 models mixing choice rows (some overlapping) and knapsack rows."""
    n = data.draw(st.integers(2, 7))
    cost = np.array(data.draw(st.lists(st.integers(-5, 9), min_size=n, max_size=n)), float)
    model = MipModel(maximize=maximize)
    x = model.add_columns(cost, upper=np.ones(n))
    for _ in range(data.draw(st.integers(1, 5))):
        cols = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n)))
        kind = data.draw(st.sampled_from(["at most one", "exactly one", "choice free",
                                          "knapsack"]))
        if kind == "knapsack":
            weights = np.array(data.draw(st.lists(st.integers(1, 6), min_size=len(cols),
                                                  max_size=len(cols))), float)
            model.add_row(x[cols], weights, upper=float(data.draw(st.integers(1, 10))))
        elif kind == "exactly one":
            model.add_row(x[cols], np.ones(len(cols)), lower=1.0, upper=1.0)
        else:
            model.add_row(x[cols], np.ones(len(cols)), lower=0.0 if kind == "at most one"
                          else -math.inf, upper=1.0)
    lp = solve_lp(model, ipm=False)
    if not lp.optimal:  # an infeasible draw (two exactly-one rows that cannot both hold)
        return
    mult = np.array(data.draw(st.lists(st.floats(-6, 6), min_size=model.num_rows,
                                       max_size=model.num_rows)))
    bound = lagrangian_bound(model, mult).bound
    tol = 1e-7 * max(1.0, abs(lp.value))
    assert bound >= lp.value - tol if maximize else bound <= lp.value + tol


def _blocks_model(data: st.DataObject, maximize: bool) -> tuple[MipModel, np.ndarray]:
    """A random 0-1 model of two or three blocks: knapsack rows inside a block, choice rows
    and knapsack rows across blocks."""
    n = data.draw(st.integers(2, 8))
    block = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    cost = np.array(data.draw(st.lists(st.integers(-5, 9), min_size=n, max_size=n)), float)
    model = MipModel(maximize=maximize)
    x = model.add_columns(cost, upper=np.ones(n))
    for b in np.unique(block).tolist():
        cols = np.flatnonzero(block == b)
        for _ in range(data.draw(st.integers(0, 2))):
            weights = np.array(data.draw(st.lists(st.integers(0, 6), min_size=len(cols),
                                                  max_size=len(cols))), float)
            model.add_row(x[cols], weights, upper=float(data.draw(st.integers(0, 9))))
    for _ in range(data.draw(st.integers(0, 3))):
        cols = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n)))
        if data.draw(st.booleans()):
            model.add_row(x[cols], np.ones(len(cols)), upper=1.0)
        else:
            weights = np.array(data.draw(st.lists(st.integers(1, 6), min_size=len(cols),
                                                  max_size=len(cols))), float)
            model.add_row(x[cols], weights, upper=float(data.draw(st.integers(1, 10))))
    return model, block


def _brute_force(model: MipModel) -> float | None:
    """The optimum of a 0-1 model by enumeration (None when nothing is feasible)."""
    start, index, value, rl, ru = model.matrix()
    rows = np.repeat(np.arange(model.num_rows), np.diff(start))
    best: float | None = None
    for bits in itertools.product((0.0, 1.0), repeat=model.num_cols):
        v = np.array(bits)
        act = np.bincount(rows, weights=value * v[index], minlength=model.num_rows)
        if np.all(act <= ru + 1e-9) and np.all(act >= rl - 1e-9):
            obj = float(model.cost @ v)
            if best is None or (obj > best if model.maximize else obj < best):
                best = obj
    return best


@settings(max_examples=80, deadline=None)
@given(data=st.data(), maximize=st.booleans())
def test_the_knapsack_bound_holds_for_any_multipliers(data: st.DataObject,
                                                      maximize: bool) -> None:
    """Whatever the multipliers, no 0-1 vector beats the knapsack bound, and it is never
    weaker than the Lagrangian bound at the same multipliers (knapsacks solved or not)."""
    model, block = _blocks_model(data, maximize)
    best = _brute_force(model)
    if best is None:
        return
    mult = np.array(data.draw(st.lists(st.floats(-6, 6), min_size=model.num_rows,
                                       max_size=model.num_rows)))
    bound = knapsack_bound(model, mult, block, time_limit=data.draw(
        st.sampled_from([None, 0.0]))).bound
    assert bound >= best - 1e-6 if maximize else bound <= best + 1e-6
    plain = lagrangian_bound(model, mult, best_choice=False).bound
    tol = 1e-6 * max(1.0, abs(plain))
    assert bound <= plain + tol if maximize else bound >= plain - tol


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_at_the_lp_duals_the_knapsack_bound_is_at_most_the_lp(data: st.DataObject) -> None:
    """Between the integer optimum and the LP's value."""
    model, block = _blocks_model(data, True)
    lp = solve_lp(model, ipm=False)
    assert lp.optimal and lp.row_dual is not None  # x = 0 is always feasible here
    out = knapsack_bound(model, lagrangian_bound(model, lp.row_dual, best_choice=False)
                         .multiplier, block)
    best = _brute_force(model)
    assert best is not None
    assert best - 1e-6 <= out.bound <= lp.value + 1e-6 * max(1.0, abs(lp.value))


def _batches_model(capacity: float, unit: float) -> MipModel:
    """Two batches of ``capacity`` kg, four parcels of 2 kg worth 1 that each may take
    (weights and capacities in units of ``unit`` kg)."""
    model = MipModel(maximize=True)
    x = model.add_columns(np.ones(8), upper=np.ones(8))  # parcel p on batch b: x[2 p + b]
    for p in range(4):
        model.add_row(x[[2 * p, 2 * p + 1]], np.ones(2), upper=1.0)
    for b in range(2):
        model.add_row(x[[b, 2 + b, 4 + b, 6 + b]], np.full(4, 2.0 * unit),
                      upper=capacity * unit)
    return model


def _two_batches(capacity: float) -> tuple[MipModel, np.ndarray, float, np.ndarray]:
    """:func:`_batches_model` in kg, each option's batch, the LP's value and its duals."""
    model = _batches_model(capacity, 1.0)
    lp = solve_lp(model)
    assert lp.row_dual is not None
    return model, np.array([0, 1] * 4), lp.value, lp.row_dual


def test_the_knapsack_bound_counts_whole_parcels() -> None:
    """Binds: batches of 3 kg carry one parcel of 2 kg each; the LP carries 1.5 each."""
    model, block, value, dual = _two_batches(3.0)
    assert value == pytest.approx(3.0)
    out = knapsack_bound(model, dual, block)
    assert out.bound == pytest.approx(2.0) and out.blocks == out.solved == 2


def test_with_room_for_every_parcel_the_knapsack_bound_is_the_lagrangian() -> None:
    """Does not bind: batches of 8 kg take every parcel, and no knapsack is solved."""
    model, block, value, dual = _two_batches(8.0)
    assert value == pytest.approx(4.0)
    out = knapsack_bound(model, dual, block)
    assert out.bound == pytest.approx(lagrangian_bound(model, dual).bound)
    assert out.bound == pytest.approx(4.0) and out.blocks == 0


def test_a_knapsack_beyond_64_bit_integers_counts_its_rows_priced() -> None:
    """Capacities of 3e19 units do not fit the solver's integers: the LP's bound stands
    (the duals of the same model in kg, each capacity's per unit)."""
    _model, block, value, dual = _two_batches(3.0)
    assert value == pytest.approx(3.0)
    out = knapsack_bound(_batches_model(3.0, 1e19), dual / np.array([1, 1, 1, 1, 1e19, 1e19]),
                         block)
    assert out.solved == 0 and out.blocks == 2
    assert out.bound == pytest.approx(3.0)


def test_a_knapsack_out_of_time_counts_its_rows_priced() -> None:
    """With no time, each batch counts its capacity priced by the duals: the LP's bound."""
    model, block, _value, dual = _two_batches(3.0)
    out = knapsack_bound(model, dual, block, time_limit=0.0)
    assert out.solved == 0 and out.blocks == 2
    assert out.bound == pytest.approx(3.0)


def _presolve_rules_off(monkeypatch: pytest.MonkeyPatch, columns: int, relax: bool) -> int:
    """HiGHS' ``presolve_rule_off`` in the run of a knapsack MIP of ``columns`` columns."""
    from parcelroute.parcels import mip

    made: list[Any] = []

    def recorded() -> Any:
        made.append(new_highs())
        return made[-1]

    monkeypatch.setattr(mip, "new_highs", recorded)
    m = MipModel(maximize=True)
    x = m.add_columns(np.ones(columns), upper=np.ones(columns), integer=True)
    m.add_row(x, np.full(columns, 2.0), upper=3.0)
    out = solve_mip(m, relax=relax, time_limit=30)
    assert out.value == pytest.approx(1.5 if relax else 1.0)
    (h,) = made
    return int(h.getOptionValue("presolve_rule_off")[1])


def test_large_mips_run_without_probing_and_enumeration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: a MIP of LIGHT_PRESOLVE_COLUMNS columns runs with both presolve rules off."""
    from parcelroute.parcels import mip

    rules = _presolve_rules_off(monkeypatch, mip.LIGHT_PRESOLVE_COLUMNS, relax=False)
    assert rules == mip.LIGHT_PRESOLVE_RULES_OFF == 2**15 + 2**16


@pytest.mark.parametrize(("columns", "relax"), [(100, False), (15_000, True)])
def test_smaller_mips_and_lps_keep_highs_presolve(monkeypatch: pytest.MonkeyPatch, columns: int,
                                                  relax: bool) -> None:
    """Does not bind: a MIP below the threshold, and an LP of any size, keep every rule."""
    assert _presolve_rules_off(monkeypatch, columns, relax) == 0
