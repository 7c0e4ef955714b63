"""Family visit scheduling at monthly volume and beyond (see ``make bench``)."""

from __future__ import annotations

import pytest
from conftest import month

import parcelroute as pr

CASES = [
    pytest.param(100, 30, 0.0, marks=pytest.mark.smoke, id="100-requests"),
    pytest.param(500, 60, 0.0, id="500-requests"),
    pytest.param(5_000, 90, 0.01, id="5k-requests"),
]


@pytest.mark.parametrize(("visits", "limit", "gap"), CASES)
def test_visits(benchmark: pytest.FixtureRequest, visits: int, limit: float, gap: float) -> None:
    scenario = month(visits=visits)
    result = benchmark.pedantic(  # type: ignore[attr-defined]
        pr.solve, args=(scenario,), kwargs={"time_limit": limit, "relative_gap": gap},
        rounds=3, iterations=1,
    )
    assert pr.verify(scenario, result) == []
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        status=result.status.value, objective=result.objective, bound=result.bound,
        gap={k: result.gap(k) for k in ("visit_priority", "transport_cost")},
        stats={k: v for k, v in result.stats.items() if k.startswith("visits_")},
    )
