"""Parcel allocation at monthly volume and beyond.

Run with ``make bench`` (pytest-benchmark). Each test solves a generated month,
checks the plan with the independent checker, and records status, value,
bound and gap in the benchmark's ``extra_info``.
"""

from __future__ import annotations

import pytest
from conftest import month

import parcelroute as pr

CASES = [
    pytest.param(200, 60, 0.0, marks=pytest.mark.smoke, id="200-parcels"),
    pytest.param(2_000, 60, 0.0, id="2k-parcels"),
    pytest.param(20_000, 60, 0.005, id="20k-parcels"),
    pytest.param(200_000, 300, 0.01, id="200k-parcels"),
]


@pytest.mark.parametrize(("parcels", "limit", "gap"), CASES)
def test_parcels(benchmark: pytest.FixtureRequest, parcels: int, limit: float, gap: float) -> None:
    scenario = month(parcels=parcels)
    rounds = 3 if parcels <= 20_000 else 1
    result = benchmark.pedantic(  # type: ignore[attr-defined]
        pr.solve, args=(scenario,), kwargs={"time_limit": limit, "relative_gap": gap},
        rounds=rounds, iterations=1,
    )
    assert pr.verify(scenario, result) == []
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        status=result.status.value,
        objective=result.objective, bound=result.bound,
        gap={k: result.gap(k) for k in ("delivered_priority", "batch_cost")},
        stats=result.stats,
    )
