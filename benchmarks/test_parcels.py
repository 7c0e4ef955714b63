"""Parcel allocation at monthly volume and beyond.

Run with ``make bench`` (pytest-benchmark). Each test solves a generated month
(seed 2026) with the time limit set to the target's wall budget, checks every
round's plan with the independent checker, and records status, value, bound and
gap of each level (last round, plus the worst over rounds) in the benchmark's
``extra_info``; ``benchmarks/report.py`` turns
the JSON into the tables of ``RESULTS.md``.
"""

from __future__ import annotations

import pytest
from conftest import month, roomy, timed_solves

LEVELS = ("delivered_priority", "batch_cost")

#: parcels, time limit (s), accepted relative gap, rounds
CASES = [
    pytest.param(200, 10, 0.0, 1, marks=pytest.mark.smoke, id="200-parcels"),
    pytest.param(2_000, 10, 0.0, 3, id="2k-parcels"),
    pytest.param(20_000, 20, 0.005, 1, id="20k-parcels"),
    pytest.param(200_000, 120, 0.01, 1, id="200k-parcels"),
]


@pytest.mark.parametrize(("parcels", "limit", "gap", "rounds"), CASES)
def test_parcels(benchmark: pytest.FixtureRequest, parcels: int, limit: float, gap: float,
                 rounds: int) -> None:
    scenario = month(parcels=parcels)
    info = timed_solves(benchmark, scenario, LEVELS, limit, gap, rounds)
    benchmark.extra_info.update(parcels=parcels, **info)  # type: ignore[attr-defined]
    assert info["violations"] == 0


@pytest.mark.parametrize(("parcels", "factor", "limit", "rounds"),
                         [pytest.param(2_000, 2.0, 10, 3, id="2k-parcels-roomy")])
def test_roomy_parcels(benchmark: pytest.FixtureRequest, parcels: int, factor: float,
                       limit: float, rounds: int) -> None:
    """The 2,000-parcel month with twice the batch and crossing capacity (no target: a
    month with room to spare, where the batch-cost MIP closes quickly)."""
    scenario = roomy(month(parcels=parcels), factor)
    info = timed_solves(benchmark, scenario, LEVELS, limit, 0.0, rounds)
    benchmark.extra_info.update(parcels=parcels, factor=factor, **info)  # type: ignore[attr-defined]
    assert info["violations"] == 0
