"""Family visit scheduling at monthly volume and beyond (see ``make bench``)."""

from __future__ import annotations

import pytest
from conftest import month, timed_solves

LEVELS = ("visit_priority", "transport_cost")

#: visit requests, time limit (s), accepted relative gap, rounds
CASES = [
    pytest.param(100, 10, 0.0, 1, marks=pytest.mark.smoke, id="100-requests"),
    pytest.param(500, 30, 0.0, 3, id="500-requests"),
    pytest.param(5_000, 60, 0.01, 1, id="5k-requests"),
    # no target: national scale, ten times the 5,000-request month
    pytest.param(20_000, 60, 0.01, 1, id="20k-requests"),
]


@pytest.mark.parametrize(("visits", "limit", "gap", "rounds"), CASES)
def test_visits(benchmark: pytest.FixtureRequest, visits: int, limit: float, gap: float,
                rounds: int) -> None:
    scenario = month(visits=visits)
    info = timed_solves(benchmark, scenario, LEVELS, limit, gap, rounds)
    benchmark.extra_info.update(visits=visits, **info)  # type: ignore[attr-defined]
    assert info["violations"] == 0
