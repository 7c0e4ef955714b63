"""The direct CP-SAT model beside parcelroute's solver, on the same months.

The baseline is one boolean per (parcel, compatible batch) and a weighted-sum
objective (``baseline.py``). Both get the same time limit; ``extra_info``
records each one's time and gaps and their ratios.
"""

from __future__ import annotations

import pytest
from baseline import solve_direct_cpsat
from conftest import month

import parcelroute as pr

CASES = [
    pytest.param(200, 5, marks=pytest.mark.smoke, id="200-parcels"),
    pytest.param(2_000, 60, id="2k-parcels"),
]


def _gap(value: float, bound: float) -> float:
    return abs(bound - value) / max(abs(bound), abs(value), 1e-9)


@pytest.mark.parametrize(("parcels", "limit"), CASES)
def test_direct_cpsat_baseline(benchmark: pytest.FixtureRequest, parcels: int,
                               limit: float) -> None:
    scenario = month(parcels=parcels)
    base = benchmark.pedantic(  # type: ignore[attr-defined]
        solve_direct_cpsat, args=(scenario, limit), rounds=1, iterations=1)
    ours = pr.solve(scenario, time_limit=limit)
    assert base.delivered_priority <= ours.bound["delivered_priority"] + 1e-9
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        baseline_seconds=base.seconds,
        baseline_optimal=base.optimal,
        baseline_gap={"delivered_priority": _gap(base.delivered_priority, base.priority_bound),
                      "batch_cost": _gap(base.batch_cost, base.cost_bound)},
        parcelroute_seconds=ours.solve_seconds,
        parcelroute_status=ours.status.value,
        parcelroute_gap={k: ours.gap(k) for k in ("delivered_priority", "batch_cost")},
        time_ratio=base.seconds / max(ours.solve_seconds, 1e-9),
    )
