"""The direct CP-SAT model beside parcelroute's solver, on the same months.

The baseline is one boolean per (parcel, compatible batch) and a weighted-sum
objective (``baseline.py``). Both get the same time limit (the parcel case's
wall budget) and are asked for a proven optimum; ``extra_info`` records each
one's wall time, status, values, bounds and gaps, and their ratios
(baseline / parcelroute).
"""

from __future__ import annotations

import time

import pytest
from baseline import solve_direct_cpsat
from conftest import month

import parcelroute as pr

LEVELS = ("delivered_priority", "batch_cost")

#: parcels, time limit (s) for each of the two solvers
CASES = [
    pytest.param(200, 2, marks=pytest.mark.smoke, id="200-parcels"),
    pytest.param(2_000, 10, id="2k-parcels"),
    pytest.param(20_000, 20, id="20k-parcels"),
]


def _gap(value: float, bound: float) -> float:
    """Relative gap as :meth:`parcelroute.Result.gap` computes it (sense-free)."""
    return abs(bound - value) / max(abs(bound), abs(value), 1e-9)


def _ratio(a: float, b: float) -> float | None:
    """``a / b``, or ``None`` when ``b`` is 0 (the report shows it in words)."""
    return a / b if b > 0 else None


@pytest.mark.parametrize(("parcels", "limit"), CASES)
def test_direct_cpsat_baseline(benchmark: pytest.FixtureRequest, parcels: int,
                               limit: float) -> None:
    scenario = month(parcels=parcels)
    base = benchmark.pedantic(  # type: ignore[attr-defined]
        solve_direct_cpsat, args=(scenario, limit), rounds=1, iterations=1)
    t0 = time.perf_counter()
    ours = pr.solve(scenario, time_limit=limit)
    ours_seconds = time.perf_counter() - t0
    base_gap = {"delivered_priority": _gap(base.delivered_priority, base.priority_bound),
                "batch_cost": _gap(base.batch_cost, base.cost_bound)}
    ours_gap = {k: ours.gap(k) for k in LEVELS}
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        parcels=parcels,
        time_limit=limit,
        baseline_seconds=base.seconds,
        baseline_status="optimal" if base.optimal else "feasible",
        baseline_objective={"delivered_priority": base.delivered_priority,
                            "batch_cost": base.batch_cost},
        baseline_bound={"delivered_priority": base.priority_bound, "batch_cost": base.cost_bound},
        baseline_gap=base_gap,
        parcelroute_seconds=ours_seconds,
        parcelroute_status=ours.status.value,
        parcelroute_objective={k: ours.objective[k] for k in LEVELS},
        parcelroute_bound={k: ours.bound[k] for k in LEVELS},
        parcelroute_gap=ours_gap,
        time_ratio=_ratio(base.seconds, ours_seconds),
        gap_ratio={k: _ratio(base_gap[k], ours_gap[k]) for k in LEVELS},
    )
    assert base.delivered_priority <= ours.bound["delivered_priority"] + 1e-9
    assert pr.verify(scenario, ours) == []
