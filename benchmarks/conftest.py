"""Shared fixtures and helpers of the benchmark suite: generated scenarios, made once per session."""

from __future__ import annotations

import dataclasses
import resource
from functools import cache
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.model.scenario import Scenario

#: The seed of every generated month in the suite (``parcelroute generate --seed 2026``).
SEED = 2026


@cache
def month(parcels: int = 0, visits: int = 0, seed: int = SEED) -> Scenario:
    """A synthetic month from ``parcelroute generate`` (cached)."""
    return generate_scenario(parcels, visits, seed)


def roomy(scenario: Scenario, factor: float) -> Scenario:
    """``scenario`` with every batch limit and crossing capacity ``factor`` times as large."""

    def times(value: float | None) -> float | None:
        return None if value is None else value * factor

    batches = tuple(dataclasses.replace(
        b, max_weight_kg=times(b.max_weight_kg), max_volume_l=times(b.max_volume_l),
        max_parcels=None if b.max_parcels is None else int(b.max_parcels * factor))
        for b in scenario.batches)
    nodes = tuple(dataclasses.replace(
        n, daily_capacity=None if n.daily_capacity is None else int(n.daily_capacity * factor))
        for n in scenario.nodes)
    return dataclasses.replace(scenario, batches=batches, nodes=nodes,
                               name=f"{scenario.name}, capacities x{factor:g}")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_solves(benchmark: Any, scenario: Scenario, levels: tuple[str, ...], time_limit: float,
                 relative_gap: float, rounds: int) -> dict[str, Any]:
    """Solve ``scenario`` ``rounds`` times under pytest-benchmark; :func:`result_info` of the rounds."""
    results: list[pr.Result] = []

    def run() -> pr.Result:
        result = pr.solve(scenario, time_limit=time_limit, relative_gap=relative_gap)
        results.append(result)
        return result

    benchmark.pedantic(run, rounds=rounds, iterations=1)
    return result_info(scenario, results, levels, time_limit, relative_gap)


def result_info(scenario: Scenario, results: list[pr.Result], levels: tuple[str, ...],
                time_limit: float, relative_gap: float) -> dict[str, Any]:
    """What the report needs of a benchmark's rounds, for ``benchmark.extra_info``.

    The last round's status, per-level value, bound and gap and the solver's own
    stats; the status of every round and the worst gap of each level over the
    rounds (a target is met only if every round meets it); the number of
    violations the independent checker finds over all rounds (0 expected); the
    settings used.
    """
    last = results[-1]
    return {
        "time_limit": time_limit,
        "relative_gap": relative_gap,
        "status": last.status.value,
        "objective": {k: last.objective.get(k, 0.0) for k in levels},
        "bound": {k: last.bound.get(k, 0.0) for k in levels},
        "gap": {k: last.gap(k) for k in levels},
        "round_status": [r.status.value for r in results],
        "round_seconds": [r.solve_seconds for r in results],
        "worst_gap": {k: max(r.gap(k) for r in results) for k in levels},
        "stats": dict(last.stats),
        "violations": sum(len(pr.verify(scenario, r)) for r in results),
        "peak_rss_mb_session": peak_rss_mb(),
    }


def pytest_benchmark_generate_commit_info(config: pytest.Config) -> dict[str, Any]:
    """Record no commit in the JSON report instead of running git.

    pytest-benchmark would otherwise run ``git describe --dirty`` (which may
    refresh the index) in a working tree that other jobs may be changing.
    """
    return {"id": None, "note": "not recorded: the suite does not call git"}


@pytest.fixture
def scenario_of() -> object:
    return month
