"""Bin packing parts of a scenario: detection, solving, and merging with the rest."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.bpplib import bin_packing_scenario_dict, iter_bpplib
from parcelroute.parcels.packing import find_packing_parts

BPPLIB = Path(__file__).resolve().parents[3] / "shared" / "data" / "bpplib"


def triplets(bins: int, capacity: int, seed: int) -> list[int]:
    """Items cut from exactly full bins, three per bin (optimum = bins)."""
    rng = random.Random(seed)
    items = []
    for _ in range(bins):
        a = rng.randint(capacity // 4 + 1, capacity // 2 - 1)
        b = rng.randint(capacity // 4 + 1, capacity // 2 - 1)
        c = capacity - a - b
        items += [a, b, c]
    rng.shuffle(items)
    return items


def solve_dict(data: dict[str, Any], **kw: Any) -> tuple[pr.Scenario, pr.Result]:
    scenario = pr.read_scenario_dict(data)
    result = pr.solve(scenario, **kw)
    assert pr.verify(scenario, result) == []
    return scenario, result


def operated(result: pr.Result) -> int:
    return sum(b.operated for b in result.batches)


@pytest.mark.parametrize("seed", [1, 2])
def test_triplets_reach_the_known_optimum(seed: int) -> None:
    items = triplets(12, 1000, seed)
    _, result = solve_dict(bin_packing_scenario_dict(items, 1000), time_limit=20, seed=seed)
    assert operated(result) == 12
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["batch_cost"] == result.bound["batch_cost"] == 12
    assert result.objective["delivered_priority"] == len(items)


def test_l2_case_needs_one_bin_per_large_item() -> None:
    _, result = solve_dict(bin_packing_scenario_dict([6, 6, 6], 10))
    assert operated(result) == 3 and result.status is pr.Status.OPTIMAL


def test_one_part_is_found_for_a_converted_instance() -> None:
    scenario = pr.read_scenario_dict(bin_packing_scenario_dict([6, 5, 4, 3], 10))
    parts = find_packing_parts(scenario)
    assert len(parts) == 1 and parts[0].dimension == "weight" and parts[0].capacity == 10


def test_decimal_weights_are_scaled_exactly() -> None:
    data = bin_packing_scenario_dict([0.1, 0.2, 0.3, 0.3], 0.3)
    _, result = solve_dict(data)
    assert operated(result) == 3


def _with_crossing(data: dict[str, Any]) -> dict[str, Any]:
    data["network"]["nodes"].append({"id": "X", "kind": "crossing", "daily_capacity": 2})
    data["network"]["links"] = [{"from": "HUB", "to": "X", "hours": 2},
                                {"from": "X", "to": "FACILITY", "hours": 2}]
    for b in data["batches"]:
        b["stops"] = ["X", "FACILITY"]
    return data


def test_a_crossing_with_capacity_keeps_the_general_solver() -> None:
    data = _with_crossing(bin_packing_scenario_dict([5, 5, 5], 10))
    assert find_packing_parts(pr.read_scenario_dict(data)) == []
    _, result = solve_dict(data)
    assert sum(p.delivered for p in result.parcels) == 2  # the crossing takes two a day


def test_two_binding_dimensions_keep_the_general_solver() -> None:
    data = bin_packing_scenario_dict([5, 5, 5], 10)
    for p, v in zip(data["parcels"], [9, 1, 1], strict=True):
        p["volume_l"] = v
    for b in data["batches"]:
        b["max_volume_l"] = 9
    assert find_packing_parts(pr.read_scenario_dict(data)) == []
    _, result = solve_dict(data)
    assert operated(result) == 2


def test_binding_recipient_limit_keeps_the_general_solver() -> None:
    data = bin_packing_scenario_dict([5, 5, 5], 10)
    data["detainees"] = [{"id": "D1", "facility": "FACILITY", "max_parcels": 2}]
    for p in data["parcels"]:
        p["recipient"] = "D1"
    assert find_packing_parts(pr.read_scenario_dict(data)) == []
    _, result = solve_dict(data)
    assert sum(p.delivered for p in result.parcels) == 2
    assert {p.reason for p in result.parcels if not p.delivered} == {"recipient_limit"}


def test_too_few_batches_fall_back_to_the_general_solver() -> None:
    data = bin_packing_scenario_dict([6, 6, 6], 10, batches=2)
    _, result = solve_dict(data)
    assert sum(p.delivered for p in result.parcels) == 2
    assert result.status is pr.Status.OPTIMAL


def test_packing_part_beside_a_general_part() -> None:
    data = bin_packing_scenario_dict([6, 5, 4, 5], 10)
    data["network"]["nodes"].append({"id": "F2"})
    data["network"]["links"].append({"from": "HUB", "to": "F2", "hours": 40})
    data["parcels"].append({"id": "Q-1", "origin": "HUB", "destination": "F2", "weight_kg": 3,
                            "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-31",
                            "priority": 3})
    data["batches"].append({"id": "C-1", "origin": "HUB", "departs": "2026-12-03",
                            "stops": ["F2"], "max_weight_kg": 10, "cost": 7})
    scenario, result = solve_dict(data)
    assert result.parcel_by_id["Q-1"].batch == "C-1"
    assert result.objective["batch_cost"] == 2 + 7
    assert result.objective["delivered_priority"] == 4 + 3
    assert result.status is pr.Status.OPTIMAL
    assert [p.id for p in result.parcels] == [p.id for p in scenario.parcels]
    assert [b.id for b in result.batches] == [b.id for b in scenario.batches]


def test_priority_zero_parcels_only_fill_opened_batches() -> None:
    data = bin_packing_scenario_dict([6, 6, 3, 5], 10)
    data["parcels"][2]["priority"] = 0  # fits beside a 6
    data["parcels"][3]["priority"] = 0  # would need a batch of its own
    _, result = solve_dict(data)
    assert operated(result) == 2
    assert result.parcels[2].delivered
    assert result.parcels[3].reason == "cost"


@pytest.mark.skipif(not BPPLIB.is_dir(), reason="BPPLIB data not present")
def test_small_bpplib_sample_reaches_known_optima() -> None:
    sample = [i for i in iter_bpplib(BPPLIB, ["scholl_1"]) if i.name.startswith("N1C1W1_")][:3]
    assert sample
    for inst in sample:
        capacity, weights = inst.load()
        _, result = solve_dict(bin_packing_scenario_dict(weights, capacity, name=inst.name),
                               time_limit=10)
        assert operated(result) == inst.optimum, inst.name


def test_count_limit_of_zero_is_no_packing_part() -> None:
    # B-1 takes no parcel at all (max_parcels 0) and is the only batch of HUB: P-1 stays,
    # with an honest reason; the two idle identical batches of HUB-2 carry nothing
    scenario = pr.read_scenario(Path(__file__).parents[1] / "data" / "packing_count_limit_zero.json")
    result = pr.solve(scenario, time_limit=10)
    assert pr.verify(scenario, result) == []
    p1 = result.parcel_by_id["P-1"]
    assert p1.batch is None and p1.reason == "capacity"
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["delivered_priority"] == result.bound["delivered_priority"] == 0


def test_a_part_whose_batches_take_parcels_only_by_count_is_a_packing_part() -> None:
    data = bin_packing_scenario_dict([1, 1, 1], 10)
    for b in data["batches"]:
        del b["max_weight_kg"]
        b["max_parcels"] = 2
    _, result = solve_dict(data)
    assert operated(result) == 2 and result.status is pr.Status.OPTIMAL


def test_a_scenario_that_is_one_packing_part_gives_it_nearly_all_the_time() -> None:
    # nothing is left for the general solver, so the part gets the time limit, not half
    from unittest import mock

    import parcelroute.parcels.packing as packing

    given: list[float | None] = []
    real = packing.solve_bin_packing

    def spy(*args: Any, **kw: Any) -> Any:
        given.append(kw.get("time_limit"))
        return real(*args, **kw)

    scenario = pr.read_scenario_dict(bin_packing_scenario_dict([6, 5, 4, 3], 10))
    with mock.patch.object(packing, "solve_bin_packing", spy):
        result = pr.solve(scenario, time_limit=10)
    assert result.status is pr.Status.OPTIMAL
    assert len(given) == 1 and given[0] is not None and given[0] >= 9.0


def test_a_bin_packing_solve_reports_its_progress() -> None:
    """The callback hears the engine's packings and bounds as they improve, not only the end."""
    rng = random.Random(0)
    sizes: list[int] = []
    for _ in range(40):  # Falkenauer-like triplets: first-fit decreasing needs 47 bins
        a = rng.randint(380, 490)
        b = rng.randint(250, 1000 - a - 250)
        sizes += [a, b, 1000 - a - b]
    scenario = pr.read_scenario_dict(bin_packing_scenario_dict(sizes, 1000))
    seen: list[pr.Progress] = []
    result = pr.solve(scenario, time_limit=10, callback=seen.append)
    assert result.status is pr.Status.OPTIMAL and result.objective["batch_cost"] == 40
    packing = [p for p in seen if "bin packing" in p.phase]
    assert packing[-1].incumbent == packing[-1].bound == 40
    assert max(p.incumbent or 0 for p in packing) > 40
