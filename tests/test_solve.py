"""Tests of parcelroute.solve: how the two halves of a scenario share the time."""

from __future__ import annotations

from typing import Any

import pytest

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.options import Deadline
from parcelroute.parcels import packing
from parcelroute.visits import solver as visit_solver


@pytest.fixture
def time_left(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Record the time each half has left when it starts."""
    seen: dict[str, Any] = {}
    visits, parcels = visit_solver.solve_visits, packing.solve_parcel_half

    def on_visits(scenario: pr.Scenario, options: Any, deadline: Deadline) -> Any:
        seen["visits"] = deadline.left()
        out = visits(scenario, options, deadline)
        seen["visits_done"] = deadline.elapsed()
        return out

    def on_parcels(scenario: pr.Scenario, options: Any, deadline: Deadline) -> Any:
        seen["parcels"] = deadline.left()
        return parcels(scenario, options, deadline)

    monkeypatch.setattr(visit_solver, "solve_visits", on_visits)
    monkeypatch.setattr(packing, "solve_parcel_half", on_parcels)
    return seen


def test_visits_solved_early_leave_their_time_to_the_parcels(time_left: dict[str, Any]) -> None:
    """Binds: with both halves the visits go first with at most 40 % of the time, and the
    parcels then have all the rest (not 60 % of the limit, as when they went first)."""
    result = pr.solve(generate_scenario(60, 40, 3), time_limit=10)
    assert result.status is pr.Status.OPTIMAL
    assert time_left["visits"] <= 4.0 + 1e-6
    assert time_left["parcels"] == pytest.approx(10 - time_left["visits_done"], abs=0.5)
    assert time_left["parcels"] > 6.0


def test_visits_alone_have_the_whole_time(time_left: dict[str, Any]) -> None:
    """Does not bind: without parcels the visit half has the whole limit."""
    result = pr.solve(generate_scenario(0, 40, 3), time_limit=10)
    assert result.status is pr.Status.OPTIMAL
    assert time_left["visits"] > 9.0
    assert "parcels" not in time_left


def test_without_a_time_limit_no_half_is_limited(time_left: dict[str, Any]) -> None:
    """Does not bind: without a limit neither half gets a share."""
    pr.solve(generate_scenario(60, 40, 3))
    assert time_left["visits"] is None and time_left["parcels"] is None
