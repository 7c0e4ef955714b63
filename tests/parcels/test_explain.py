"""Tests of the per-parcel records and reasons of :mod:`parcelroute.parcels.explain`."""

from __future__ import annotations

import numpy as np

import parcelroute as pr
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.explain import explain
from parcelroute.parcels.problem import ParcelProblem


def _problem(priorities: list[int], max_parcels: int = 5) -> ParcelProblem:
    b = pr.ScenarioBuilder(name="explain")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], cost=10,
                max_parcels=max_parcels)
    for k, priority in enumerate(priorities):
        b.add_parcel(f"P-{k + 1}", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
                     ready="2026-12-01", due="2026-12-03", priority=priority)
    s = b.build()
    return ParcelProblem(s, Compatibility(s))


def test_a_parcel_left_out_with_room_is_cost_only_at_priority_zero() -> None:
    """Binds: priority 0 with an idle batch gives 'cost'; slack: priority 2 in the same
    plan gives 'time_limit' (cost never excuses a parcel that raises the first level)."""
    parcels, batches = explain(_problem([0, 2]), np.array([-1, -1]))
    assert [p.reason for p in parcels] == ["cost", "time_limit"]
    assert parcels[1].detail == ("the solver stopped before it could place it; B-1 could "
                                 "still carry it")
    assert not batches[0].operated


def test_a_parcel_left_out_of_a_full_batch_is_capacity_at_any_priority() -> None:
    """Binds: the one-parcel batch carries P-1; P-2 and P-3 are 'capacity' whatever
    their priority."""
    parcels, batches = explain(_problem([1, 0, 3], max_parcels=1), np.array([0, -1, -1]))
    assert [p.reason for p in parcels] == [None, "capacity", "capacity"]
    assert batches[0].parcels == 1
