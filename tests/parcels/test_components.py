"""Independent parts of a parcel problem: what joins two parcels and what does not."""

from __future__ import annotations

import pytest

import parcelroute as pr
from parcelroute.model.scenario import Scenario
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.components import independent_parts, part_scenario
from parcelroute.parcels.problem import ParcelProblem


def two_hubs(*, crossing: int | None = None, recipient_limit: int | None = None,
             parcels: tuple[int, int] = (2, 2), stray: bool = False) -> Scenario:
    """Hubs N and S, each with one batch to F-1 through X and its own parcels.

    With ``recipient_limit`` every parcel goes to detainee D-1 with that limit;
    with ``stray`` a parcel no batch can carry (due before any batch arrives) and
    a batch no parcel can ride (it leaves before every parcel is ready) are added.
    """
    b = pr.ScenarioBuilder(name="two hubs")
    b.add_node("N", kind="hub").add_node("S", kind="hub").add_node("F-1")
    if crossing is None:
        b.add_node("X", kind="crossing")
    else:
        b.add_node("X", kind="crossing", daily_capacity=crossing)
    b.add_link("N", "X", hours=5).add_link("S", "X", hours=5).add_link("X", "F-1", hours=5)
    if recipient_limit is not None:
        b.add_detainee("D-1", side="A", facility="F-1", max_parcels=recipient_limit)
    for hub, count in zip(("N", "S"), parcels, strict=True):
        b.add_batch(f"B-{hub}", origin=hub, departs="2026-12-02", stops=["X", "F-1"], cost=10)
        for k in range(count):
            fields = {"origin": hub, "destination": "F-1", "weight_kg": 1, "volume_l": 1,
                      "ready": "2026-12-01", "due": "2026-12-05"}
            if recipient_limit is not None:
                fields["recipient"] = "D-1"
            b.add_parcel(f"P-{hub}{k}", **fields)
    if stray:
        b.add_batch("B-early", origin="N", departs="2026-11-30", stops=["X", "F-1"], cost=10)
        b.add_parcel("P-late", origin="N", destination="F-1", weight_kg=1, volume_l=1,
                     ready="2026-12-01", due="2026-12-01")
    return b.build()


def parts_of(s: Scenario, min_options: int = 1) -> list[tuple[list[int], list[int]]]:
    prob = ParcelProblem(s, Compatibility(s))
    return [(p.parcels.tolist(), p.batches.tolist())
            for p in independent_parts(prob, min_options=min_options)]


def test_batches_of_different_hubs_are_independent() -> None:
    assert parts_of(two_hubs()) == [([0, 1], [0]), ([2, 3], [1])]


def test_a_crossing_limit_that_can_bind_joins_the_batches_it_counts() -> None:
    # four parcels, three inspections a day: the crossing is shared
    assert parts_of(two_hubs(crossing=3)) == [([0, 1, 2, 3], [0, 1])]


def test_a_crossing_limit_that_cannot_bind_joins_nothing() -> None:
    assert len(parts_of(two_hubs(crossing=4))) == 2


def test_a_recipient_limit_that_can_bind_joins_the_parcels_it_covers() -> None:
    assert parts_of(two_hubs(recipient_limit=3)) == [([0, 1, 2, 3], [0, 1])]


def test_a_recipient_limit_that_cannot_bind_joins_nothing() -> None:
    assert len(parts_of(two_hubs(recipient_limit=4))) == 2


def test_parcels_and_batches_without_options_are_in_no_part() -> None:
    s = two_hubs(stray=True)
    parts = parts_of(s)
    assert [p for p, _ in parts] == [[0, 1], [2, 3]]
    assert [b for _, b in parts] == [[0], [1]]  # B-early (2) carries nothing


@pytest.mark.parametrize(("min_options", "sizes"), [(1, [2, 3]), (2, [2, 3]), (3, [5])])
def test_small_parts_are_merged_until_they_reach_the_minimum(
        min_options: int, sizes: list[int]) -> None:
    s = two_hubs(parcels=(3, 2))
    parts = independent_parts(ParcelProblem(s, Compatibility(s)), min_options=min_options)
    assert [p.options for p in parts] == sizes
    assert sorted(i for p in parts for i in p.parcels.tolist()) == [0, 1, 2, 3, 4]


def test_a_part_scenario_keeps_its_items_in_order_and_shares_the_network() -> None:
    s = two_hubs()
    prob = ParcelProblem(s, Compatibility(s))
    part = independent_parts(prob, min_options=1)[1]
    sub = part_scenario(s, part)
    assert [p.id for p in sub.parcels] == ["P-S0", "P-S1"]
    assert [b.id for b in sub.batches] == ["B-S"]
    assert sub.network is s.network
    assert sub.nodes == s.nodes and sub.detainees == s.detainees
