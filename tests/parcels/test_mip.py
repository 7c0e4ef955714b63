"""The HiGHS wrapper of the parcel levels: the solution it returns is the one it values."""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import numpy as np
import pytest

from parcelroute._highs import new_highs
from parcelroute.parcels.mip import MipModel, lagrangian_bound, solve_lp, solve_mip

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
