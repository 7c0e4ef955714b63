"""Tests of the independent plan checker :mod:`parcelroute.verify`.

Every scenario and plan here is small enough to check by hand. For each rule
there is a plan that breaks it (the right violation is reported, naming the
item) and a plan at the limit that keeps it (no violation at all).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest

from parcelroute.exceptions import InvalidPlanError, InvalidScenarioError
from parcelroute.io.plan_io import read_plan_dict
from parcelroute.io.scenario_io import read_scenario_dict
from parcelroute.model.builder import ScenarioBuilder
from parcelroute.model.scenario import Scenario
from parcelroute.result import BatchLoad, ParcelAssignment, Result, Status, VisitAssignment
from parcelroute.verify import Violation, verify, verify_files

# ---------------------------------------------------------------------------------
# Parcels: a hub, a crossing (2 parcels a day, 12 h dwell) and two facilities.
#
#   HUB --9.5 h--> X --2.5 h--> F        B-1 leaves 12-01: X at 9.5 h (12-01),
#                  X --20 h---> G        F at 9.5 + 12 + 2.5 = 24 h (12-02).
#                                        B-2 leaves 12-02: X at 9.5 h (12-02),
#                                        G at 41.5 h (12-03).
# P-1 (0.1 kg) and P-2 (0.2 kg) ride B-1, whose limit is 0.3 kg; P-3 rides B-2;
# P-4 is due 12-01 at F, which no batch reaches by then.
# ---------------------------------------------------------------------------------


def parcel_data() -> dict[str, Any]:
    return {
        "format": "parcelroute-scenario/1",
        "name": "parcels",
        "network": {
            "nodes": [
                {"id": "HUB", "kind": "hub"},
                {"id": "X", "kind": "crossing", "daily_capacity": 2, "dwell_hours": 12},
                {"id": "F"},
                {"id": "G"},
            ],
            "links": [
                {"from": "HUB", "to": "X", "hours": 9.5},
                {"from": "X", "to": "F", "hours": 2.5},
                {"from": "X", "to": "G", "hours": 20},
            ],
        },
        "defaults": {"max_parcels_per_detainee": 1, "max_weight_kg_per_detainee": 10},
        "detainees": [
            {"id": "D-1", "facility": "F", "max_parcels": 2, "max_weight_kg": 0.3},
            {"id": "D-2", "facility": "G"},
        ],
        "parcels": [
            {"id": "P-1", "recipient": "D-1", "origin": "HUB", "destination": "F",
             "weight_kg": 0.1, "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-02",
             "priority": 3, "category": "food"},
            {"id": "P-2", "recipient": "D-1", "origin": "HUB", "destination": "F",
             "weight_kg": 0.2, "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-02",
             "priority": 2},
            {"id": "P-3", "recipient": "D-2", "origin": "HUB", "destination": "G",
             "weight_kg": 1, "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-03"},
            {"id": "P-4", "origin": "HUB", "destination": "F",
             "weight_kg": 5, "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-01"},
        ],
        "batches": [
            {"id": "B-1", "origin": "HUB", "departs": "2026-12-01", "stops": ["X", "F"],
             "max_weight_kg": 0.3, "max_volume_l": 2, "max_parcels": 2, "cost": 100,
             "accepts": ["food", "standard"]},
            {"id": "B-2", "origin": "HUB", "departs": "2026-12-02", "stops": ["X", "G"],
             "cost": 50},
            {"id": "B-3", "origin": "HUB", "departs": "2026-12-20", "stops": ["F"], "cost": 70},
        ],
    }


def parcel_plan() -> dict[str, Any]:
    return {
        "format": "parcelroute-plan/1",
        "scenario": "parcels",
        "status": "optimal",
        "solve_seconds": 0.1,
        "objective": {"delivered_priority": 6, "batch_cost": 150},
        "bound": {"delivered_priority": 6, "batch_cost": 150},
        "parcels": [
            {"id": "P-1", "batch": "B-1", "arrives": "2026-12-02"},
            {"id": "P-2", "batch": "B-1", "arrives": "2026-12-02"},
            {"id": "P-3", "batch": "B-2", "arrives": "2026-12-03"},
            {"id": "P-4", "batch": None, "reason": "no_compatible_batch",
             "detail": "no batch from HUB reaches F by 2026-12-01"},
        ],
        "batches": [
            {"id": "B-1", "operated": True, "parcels": 2, "weight_kg": 0.3, "volume_l": 2},
            {"id": "B-2", "operated": True, "parcels": 1, "weight_kg": 1, "volume_l": 1},
        ],
    }


def item(items: list[dict[str, Any]], id_: str) -> dict[str, Any]:
    return next(x for x in items if x["id"] == id_)


def build(data: dict[str, Any]) -> Scenario:
    return read_scenario_dict(data)


def found(violations: list[Violation]) -> list[tuple[str, str]]:
    return [(v.rule, v.item) for v in violations]


def check(data: dict[str, Any], plan: dict[str, Any]) -> list[tuple[str, str]]:
    return found(verify(build(data), plan))


# -- the reference plans keep every rule -----------------------------------------
def test_parcel_plan_at_every_limit_is_kept() -> None:
    # 0.1 + 0.2 kg vs 0.3 kg, 2 of 2 parcels, 2 of 2 at crossing X on 12-01,
    # D-1 gets 2 of 2 parcels and 0.3 of 0.3 kg, D-2 gets 1 of the default 1,
    # ready on the departure date, arrival exactly 24 h later on the due date,
    # an unused batch without a record, a true 'no_compatible_batch'.
    assert verify(build(parcel_data()), parcel_plan()) == []


def test_result_object_is_checked_like_a_plan_dict() -> None:
    scenario = build(parcel_data())
    assert verify(scenario, read_plan_dict(parcel_plan())) == []
    result = Result(
        scenario="parcels", status=Status.FEASIBLE, solve_seconds=0.0,
        objective={"delivered_priority": 6, "batch_cost": 150},
        bound={"delivered_priority": 6, "batch_cost": 150},
        parcels=(
            ParcelAssignment("P-1", "B-1", dt.date(2026, 12, 2)),
            ParcelAssignment("P-2", "B-1", dt.date(2026, 12, 2)),
            ParcelAssignment("P-3", "B-2", dt.date(2026, 12, 2)),
            ParcelAssignment("P-4", None, None, "no_compatible_batch", "Due too soon."),
        ),
        batches=(BatchLoad("B-1", True, 2, 0.3, 2.0), BatchLoad("B-2", True, 1, 1.0, 1.0)),
    )
    assert found(verify(scenario, result)) == [("parcel_arrives", "P-3")]


# -- the arrival rule ---------------------------------------------------------------
def test_arrival_of_exactly_24_hours_lands_on_the_next_date() -> None:
    plan = parcel_plan()
    item(plan["parcels"], "P-1")["arrives"] = "2026-12-01"
    out = verify(build(parcel_data()), plan)
    assert found(out) == [("parcel_arrives", "P-1")]
    assert "2026-12-02" in out[0].message


def test_arrival_just_under_24_hours_stays_on_the_departure_date() -> None:
    data = parcel_data()
    data["network"]["links"][1]["hours"] = 2.4  # 9.5 + 12 + 2.4 = 23.9 h
    plan = parcel_plan()
    for pid in ("P-1", "P-2"):
        item(plan["parcels"], pid)["arrives"] = "2026-12-01"
    # B-1 now reaches F by P-4's due date, so 'no_compatible_batch' is untrue.
    assert check(data, plan) == [("reason_false", "P-4")]
    item(plan["parcels"], "P-4").update(reason="capacity", detail="B-1 is full.")
    assert check(data, plan) == []


def test_arrival_is_exact_where_floats_would_round_below_24_hours() -> None:
    # 9.1 + 12.2 + 2.7 is 23.999999999999996 in floating point but exactly 24.
    data = parcel_data()
    data["network"]["links"][0]["hours"] = 9.1
    item(data["network"]["nodes"], "X")["dwell_hours"] = 12.2
    data["network"]["links"][1]["hours"] = 2.7
    assert check(data, parcel_plan()) == []
    plan = parcel_plan()
    item(plan["parcels"], "P-2")["arrives"] = "2026-12-01"
    assert check(data, plan) == [("parcel_arrives", "P-2")]


def test_legs_follow_the_shortest_path() -> None:
    # A direct HUB-F link of 30 h is slower than HUB-X-F (12 h, no dwell when
    # passing through X without stopping), so B-3 reaches F on its departure date.
    data = parcel_data()
    data["network"]["links"].append({"from": "HUB", "to": "F", "hours": 30})
    item(data["parcels"], "P-4")["due"] = "2026-12-20"
    item(data["parcels"], "P-4")["ready"] = "2026-12-20"
    plan = parcel_plan()
    item(plan["parcels"], "P-4").update(batch="B-3", arrives="2026-12-20")
    plan["batches"].append(
        {"id": "B-3", "operated": True, "parcels": 1, "weight_kg": 5, "volume_l": 1})
    plan["objective"] = plan["bound"] = {"delivered_priority": 7, "batch_cost": 220}
    assert check(data, plan) == []
    item(plan["parcels"], "P-4")["arrives"] = "2026-12-21"
    assert check(data, plan) == [("parcel_arrives", "P-4")]


def test_missing_arrival_date_is_reported() -> None:
    plan = parcel_plan()
    del item(plan["parcels"], "P-3")["arrives"]
    assert check(parcel_data(), plan) == [("parcel_arrives", "P-3")]


def test_arrival_after_due_date_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-1")["due"] = "2026-12-01"
    assert check(data, parcel_plan()) == [("parcel_due", "P-1")]


# -- compatibility of a parcel with its batch ---------------------------------------
def test_parcel_ready_after_departure_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-1")["ready"] = "2026-12-02"
    assert check(data, parcel_plan()) == [("parcel_ready", "P-1")]


def test_parcel_from_another_origin_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-1")["origin"] = "X"
    assert check(data, parcel_plan()) == [("parcel_origin", "P-1")]


def test_parcel_whose_destination_is_not_a_stop_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-1").update(destination="G", due="2026-12-03")
    assert check(data, parcel_plan()) == [("parcel_destination", "P-1")]


def test_category_not_accepted_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-2")["category"] = "clothes"
    assert check(data, parcel_plan()) == [("parcel_category", "P-2")]


def test_batch_without_accepts_list_takes_every_category() -> None:
    data = parcel_data()
    item(data["parcels"], "P-3")["category"] = "clothes"
    assert check(data, parcel_plan()) == []


def test_parcel_on_unknown_batch_is_reported() -> None:
    plan = parcel_plan()
    item(plan["parcels"], "P-3")["batch"] = "B-9"
    plan["batches"].pop()
    plan["objective"]["batch_cost"] = plan["bound"]["batch_cost"] = 100
    assert check(parcel_data(), plan) == [("parcel_batch", "P-3")]


# -- batch capacities ---------------------------------------------------------------
def test_weight_over_capacity_by_a_gram_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-2")["weight_kg"] = 0.201
    item(data["detainees"], "D-1")["max_weight_kg"] = 1
    plan = parcel_plan()
    item(plan["batches"], "B-1")["weight_kg"] = 0.301
    out = verify(build(data), plan)
    assert found(out) == [("capacity_weight", "B-1")]
    assert "0.301 kg" in out[0].message and "0.3 kg" in out[0].message


def test_volume_over_capacity_is_reported() -> None:
    data = parcel_data()
    item(data["parcels"], "P-2")["volume_l"] = 1.001
    plan = parcel_plan()
    item(plan["batches"], "B-1")["volume_l"] = 2.001
    assert check(data, plan) == [("capacity_volume", "B-1")]


def test_volume_at_capacity_in_decimals_is_kept() -> None:
    data = parcel_data()
    item(data["parcels"], "P-1")["volume_l"] = 0.1
    item(data["parcels"], "P-2")["volume_l"] = 0.2
    item(data["batches"], "B-1")["max_volume_l"] = 0.3
    plan = parcel_plan()
    item(plan["batches"], "B-1")["volume_l"] = 0.1 + 0.2  # 0.30000000000000004
    assert check(data, plan) == []


def test_parcel_count_over_capacity_is_reported() -> None:
    data = parcel_data()
    item(data["batches"], "B-1")["max_parcels"] = 1
    assert check(data, parcel_plan()) == [("capacity_parcels", "B-1")]


# -- crossings ----------------------------------------------------------------------
def test_crossing_over_daily_capacity_is_reported() -> None:
    data = parcel_data()
    item(data["network"]["nodes"], "X")["daily_capacity"] = 1
    out = verify(build(data), parcel_plan())
    assert found(out) == [("crossing_capacity", "X")]
    assert "2026-12-01" in out[0].message


def test_crossing_counts_each_date_apart_and_not_parcels_ending_there() -> None:
    # P-5 ends at X itself: X does not inspect it. B-2 passes X on 12-02, not 12-01.
    data = parcel_data()
    data["parcels"].append(
        {"id": "P-5", "origin": "HUB", "destination": "X", "weight_kg": 0, "volume_l": 0,
         "ready": "2026-12-01", "due": "2026-12-01"})
    item(data["batches"], "B-1")["max_parcels"] = 3
    plan = parcel_plan()
    plan["parcels"].append({"id": "P-5", "batch": "B-1", "arrives": "2026-12-01"})
    item(plan["batches"], "B-1")["parcels"] = 3
    plan["objective"]["delivered_priority"] = plan["bound"]["delivered_priority"] = 7
    assert check(data, plan) == []


def test_crossing_counts_parcels_of_all_batches_on_the_same_date() -> None:
    data = parcel_data()
    item(data["batches"], "B-2")["departs"] = "2026-12-01"  # X on 12-01, G on 12-02
    plan = parcel_plan()
    item(plan["parcels"], "P-3")["arrives"] = "2026-12-02"
    assert check(data, plan) == [("crossing_capacity", "X")]


# -- recipients ---------------------------------------------------------------------
def test_recipient_over_parcel_limit_is_reported() -> None:
    data = parcel_data()
    item(data["detainees"], "D-1")["max_parcels"] = 1
    assert check(data, parcel_plan()) == [("recipient_parcels", "D-1")]


def test_recipient_parcel_limit_falls_back_to_the_default() -> None:
    data = parcel_data()
    data["parcels"].append(
        {"id": "P-5", "recipient": "D-2", "origin": "HUB", "destination": "G",
         "weight_kg": 1, "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-03"})
    plan = parcel_plan()
    plan["parcels"].append({"id": "P-5", "batch": "B-2", "arrives": "2026-12-03"})
    item(plan["batches"], "B-2").update(parcels=2, weight_kg=2, volume_l=2)
    plan["objective"]["delivered_priority"] = plan["bound"]["delivered_priority"] = 7
    assert check(data, plan) == [("recipient_parcels", "D-2")]
    # Without a recipient, no recipient limit applies.
    del item(data["parcels"], "P-5")["recipient"]
    assert check(data, plan) == []


def test_recipient_over_weight_limit_is_reported() -> None:
    data = parcel_data()
    item(data["detainees"], "D-1")["max_weight_kg"] = 0.29
    assert check(data, parcel_plan()) == [("recipient_weight", "D-1")]


def test_recipient_weight_limit_falls_back_to_the_default() -> None:
    data = parcel_data()
    data["defaults"]["max_weight_kg_per_detainee"] = 0.5
    assert check(data, parcel_plan()) == [("recipient_weight", "D-2")]
    data["defaults"]["max_weight_kg_per_detainee"] = 1
    assert check(data, parcel_plan()) == []


# -- every parcel exactly once, batch records ---------------------------------------
def test_missing_parcel_is_reported() -> None:
    plan = parcel_plan()
    plan["parcels"] = [p for p in plan["parcels"] if p["id"] != "P-4"]
    assert check(parcel_data(), plan) == [("missing_parcel", "P-4")]


def test_duplicate_parcel_is_reported() -> None:
    plan = parcel_plan()
    plan["parcels"].append(dict(item(plan["parcels"], "P-4")))
    assert check(parcel_data(), plan) == [("duplicate_parcel", "P-4")]


def test_unknown_parcel_is_reported() -> None:
    plan = parcel_plan()
    plan["parcels"].append({"id": "P-99", "batch": None, "reason": "capacity", "detail": "x"})
    assert check(parcel_data(), plan) == [("unknown_parcel", "P-99")]


def test_unknown_and_duplicate_batch_records_are_reported() -> None:
    plan = parcel_plan()
    plan["batches"].append(
        {"id": "B-9", "operated": False, "parcels": 0, "weight_kg": 0, "volume_l": 0})
    plan["batches"].append(dict(item(plan["batches"], "B-2")))
    assert check(parcel_data(), plan) == [("unknown_batch", "B-9"), ("duplicate_batch", "B-2")]


def test_batch_carrying_parcels_without_record_is_reported() -> None:
    plan = parcel_plan()
    plan["batches"] = [b for b in plan["batches"] if b["id"] != "B-2"]
    assert check(parcel_data(), plan) == [("missing_batch", "B-2")]


def test_unused_batch_record_is_kept() -> None:
    plan = parcel_plan()
    plan["batches"].append(
        {"id": "B-3", "operated": False, "parcels": 0, "weight_kg": 0, "volume_l": 0})
    assert check(parcel_data(), plan) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("operated", False), ("parcels", 3), ("weight_kg", 0.31), ("volume_l", 1.5)],
)
def test_batch_record_not_matching_its_parcels_is_reported(field: str, value: Any) -> None:
    plan = parcel_plan()
    item(plan["batches"], "B-1")[field] = value
    assert check(parcel_data(), plan) == [("batch_record", "B-1")]


def test_unused_batch_record_claiming_operation_is_reported() -> None:
    plan = parcel_plan()
    plan["batches"].append(
        {"id": "B-3", "operated": True, "parcels": 0, "weight_kg": 0, "volume_l": 0})
    assert check(parcel_data(), plan) == [("batch_record", "B-3")]


def test_batch_record_within_tolerance_is_kept() -> None:
    plan = parcel_plan()
    item(plan["batches"], "B-1")["weight_kg"] = 0.3000004
    item(plan["batches"], "B-2")["volume_l"] = 1.0000009
    assert check(parcel_data(), plan) == []


# -- reasons ------------------------------------------------------------------------
def test_left_out_parcel_without_reason_or_detail_is_reported() -> None:
    plan = parcel_plan()
    item(plan["parcels"], "P-4").update(reason=None)
    del item(plan["parcels"], "P-4")["detail"]
    assert check(parcel_data(), plan) == [("reason_missing", "P-4"), ("detail_missing", "P-4")]
    result = read_plan_dict(parcel_plan())
    blank = ParcelAssignment("P-4", None, None, " ", "")
    result = Result(result.scenario, result.status, 0.0, result.objective, result.bound,
                    (*result.parcels[:3], blank), result.batches)
    assert found(verify(build(parcel_data()), result)) == [
        ("reason_missing", "P-4"), ("detail_missing", "P-4")]


def test_recipient_limit_for_a_parcel_without_recipient_is_reported() -> None:
    """Binds: P-4 has no recipient; slack: the same code once it has one."""
    data, plan = parcel_data(), parcel_plan()
    item(plan["parcels"], "P-4")["reason"] = "recipient_limit"
    assert check(data, plan) == [("reason_false", "P-4")]
    item(data["parcels"], "P-4")["recipient"] = "D-2"
    assert check(data, plan) == []


@pytest.mark.parametrize("reason", ["banana", "no_escort", "Capacity"])
def test_a_reason_code_that_is_no_parcel_reason_is_reported(reason: str) -> None:
    """Binds: a code of no kind, a visit's code, a code in the wrong case; slack: every
    parcel code, where it can apply to P-4."""
    plan = parcel_plan()
    item(plan["parcels"], "P-4")["reason"] = reason
    out = verify(build(parcel_data()), plan)
    assert found(out) == [("reason_unknown", "P-4")]
    assert f"got {reason!r} instead" in out[0].message and "'no_compatible_batch'" in out[0].message
    for code in ("no_compatible_batch", "recipient_limit", "capacity", "crossing_capacity",
                 "cost", "time_limit"):
        item(plan["parcels"], "P-4")["reason"] = code
        assert "reason_unknown" not in {rule for rule, _ in check(parcel_data(), plan)}


def test_cost_for_a_parcel_of_positive_priority_is_reported() -> None:
    """Binds: P-4 has priority 1; slack: the same code once its priority is 0 and it is
    due late enough for B-3, which would run for it alone."""
    data, plan = parcel_data(), parcel_plan()
    item(plan["parcels"], "P-4")["reason"] = "cost"
    out = verify(build(data), plan)
    assert found(out) == [("reason_false", "P-4")]
    assert "its priority is 1" in out[0].message
    item(data["parcels"], "P-4").update(priority=0, due="2026-12-25")
    assert check(data, plan) == []


def test_a_left_out_parcel_with_an_arrival_date_is_reported() -> None:
    plan = parcel_plan()
    item(plan["parcels"], "P-4")["arrives"] = "2026-12-02"
    assert check(parcel_data(), plan) == [("left_out_assigned", "P-4")]


def test_parcels_out_of_the_scenarios_order_are_reported() -> None:
    """FORMATS: plans keep the scenario's order; the first one out of it is named."""
    plan = parcel_plan()
    plan["parcels"][0], plan["parcels"][2] = plan["parcels"][2], plan["parcels"][0]
    out_ = verify(build(parcel_data()), plan)
    assert found(out_) == [("plan_order", "P-2")]
    assert "after parcel 'P-3'" in out_[0].message


def test_a_plan_that_does_not_state_its_time_is_reported() -> None:
    """DOMAIN: the plan says the time spent (the reference plan states 0.1 s)."""
    plan = parcel_plan()
    del plan["solve_seconds"]
    assert check(parcel_data(), plan) == [("solve_seconds", "")]


def test_an_infeasible_status_is_reported() -> None:
    """Leaving every item out keeps every rule: no scenario is infeasible."""
    plan = parcel_plan()
    plan["status"] = "infeasible"
    assert check(parcel_data(), plan) == [("status", "")]


def test_untrue_no_compatible_batch_is_reported() -> None:
    plan = parcel_plan()
    item(plan["parcels"], "P-3").update(
        batch=None, reason="no_compatible_batch", detail="none")
    del item(plan["parcels"], "P-3")["arrives"]
    plan["batches"].pop()
    plan["objective"] = plan["bound"] = {"delivered_priority": 5, "batch_cost": 100}
    out = verify(build(parcel_data()), plan)
    # (B-2 could carry P-3, priority 1: the bound of 5 is no bound either)
    assert found(out) == [("reason_false", "P-3"), ("objective_bound", "delivered_priority")]
    assert "B-2" in out[0].message
    assert "fits on batch 'B-2' as the plan stands, which delivers 6" in out[1].message


def test_no_compatible_batch_checks_category_too() -> None:
    # P-4 may wait until 12-20 and is 'clothes': B-3 (no accepts list) takes it.
    data = parcel_data()
    item(data["parcels"], "P-4").update(due="2026-12-20", category="clothes")
    # (and B-3, idle, could carry P-4: the stated bound of 6 is no bound)
    assert check(data, parcel_plan()) == [("reason_false", "P-4"),
                                          ("objective_bound", "delivered_priority")]
    item(data["batches"], "B-3")["accepts"] = ["food"]
    assert check(data, parcel_plan()) == []


# -- objective, bound, status -------------------------------------------------------
@pytest.mark.parametrize(("level", "value"), [("delivered_priority", 7), ("batch_cost", 100)])
def test_wrong_objective_value_is_reported(level: str, value: int) -> None:
    plan = parcel_plan()
    plan["objective"][level] = value
    plan["bound"][level] = value
    plan["status"] = "feasible"
    assert check(parcel_data(), plan) == [("objective_value", level)]


def test_missing_objective_of_a_half_with_items_is_reported() -> None:
    plan = parcel_plan()
    del plan["objective"]["batch_cost"]
    assert check(parcel_data(), plan) == [("objective_value", "batch_cost")]


def test_objective_within_tolerance_is_kept() -> None:
    plan = parcel_plan()
    plan["objective"]["batch_cost"] = 150.0001
    assert check(parcel_data(), plan) == []


def test_objective_above_upper_bound_is_reported() -> None:
    plan = parcel_plan()
    plan["status"] = "feasible"
    plan["bound"]["delivered_priority"] = 5
    assert check(parcel_data(), plan) == [("objective_bound", "delivered_priority")]


def test_objective_below_lower_bound_is_reported() -> None:
    plan = parcel_plan()
    plan["status"] = "feasible"
    plan["bound"]["batch_cost"] = 160
    assert check(parcel_data(), plan) == [("objective_bound", "batch_cost")]


def test_feasible_plan_with_a_gap_is_kept() -> None:
    plan = parcel_plan()
    plan["status"] = "feasible"
    plan["bound"] = {"delivered_priority": 8, "batch_cost": 100}
    assert check(parcel_data(), plan) == []


def test_a_stated_gap_that_its_value_and_bound_do_not_give_is_reported() -> None:
    """Binds: 0.5 where value and bound give 0.25 (and 0 where they are equal); slack:
    the gaps they give, written to 9 decimals."""
    plan = parcel_plan()
    plan["status"] = "feasible"
    plan["bound"] = {"delivered_priority": 8, "batch_cost": 100}
    plan["gap"] = {"delivered_priority": 0.25, "batch_cost": 0.333333333}
    assert check(parcel_data(), plan) == []
    plan["gap"]["delivered_priority"] = 0.5
    out = verify(build(parcel_data()), plan)
    assert found(out) == [("objective_gap", "delivered_priority")]
    assert "gap of 0.5" in out[0].message and "give 0.250000000" in out[0].message
    plan = parcel_plan()
    plan["gap"] = {"delivered_priority": 0.0, "batch_cost": 0.01}
    assert check(parcel_data(), plan) == [("objective_gap", "batch_cost")]


def test_optimal_status_with_a_gap_is_reported() -> None:
    plan = parcel_plan()
    plan["bound"]["delivered_priority"] = 8
    assert check(parcel_data(), plan) == [("status", "delivered_priority")]


def test_unknown_status_is_reported() -> None:
    plan = parcel_plan()
    plan["status"] = "done"
    assert check(parcel_data(), plan) == [("status", "")]
    result = read_plan_dict(parcel_plan())
    bad = Result(result.scenario, "done", 0.0, result.objective,  # type: ignore[arg-type]
                 result.bound, result.parcels, result.batches, result.visits)
    assert found(verify(build(parcel_data()), bad)) == [("status", "")]


def test_every_status_value_but_infeasible_is_accepted() -> None:
    """(An infeasible status is reported: see test_an_infeasible_status_is_reported.)"""
    for status in ("optimal", "feasible", "unknown"):
        plan = parcel_plan()
        plan["status"] = status
        assert check(parcel_data(), plan) == []


# -- no early exit, stable order ----------------------------------------------------
def test_all_violations_are_reported_in_a_stable_order() -> None:
    data = parcel_data()
    item(data["detainees"], "D-1")["max_parcels"] = 1
    item(data["network"]["nodes"], "X")["daily_capacity"] = 1
    plan = parcel_plan()
    item(plan["parcels"], "P-1")["arrives"] = "2026-12-05"
    plan["parcels"].pop()
    first = check(data, plan)
    assert first == [
        ("parcel_arrives", "P-1"),
        ("missing_parcel", "P-4"),
        ("crossing_capacity", "X"),
        ("recipient_parcels", "D-1"),
    ]
    assert check(data, plan) == first


def test_violation_renders_on_one_line() -> None:
    v = Violation("capacity_weight", "B-1", "Batch 'B-1' carries 0.301 kg.")
    assert str(v) == "capacity_weight [B-1]: Batch 'B-1' carries 0.301 kg."
    assert str(Violation("reciprocity", "", "Too many.")) == "reciprocity: Too many."
    with pytest.raises(AttributeError):
        v.rule = "x"  # type: ignore[misc]


def test_many_parcels_are_checked_quickly() -> None:
    b = ScenarioBuilder(name="many")
    b.add_node("HUB", kind="hub").add_node("F").add_link("HUB", "F", hours=30)
    n, per_batch = 20_000, 1_000
    for j in range(n // per_batch):
        b.add_batch(f"B-{j}", origin="HUB", departs="2026-12-01", stops=["F"],
                    max_weight_kg=100.0, max_parcels=per_batch, cost=1)
    for i in range(n):
        b.add_parcel(f"P-{i}", origin="HUB", destination="F", weight_kg=0.1, volume_l=0.1,
                     ready="2026-12-01", due="2026-12-02")
    scenario = b.build()
    plan: dict[str, Any] = {
        "format": "parcelroute-plan/1", "status": "optimal", "solve_seconds": 1.0,
        "objective": {"delivered_priority": n, "batch_cost": n // per_batch},
        "bound": {"delivered_priority": n, "batch_cost": n // per_batch},
        "parcels": [{"id": f"P-{i}", "batch": f"B-{i // per_batch}", "arrives": "2026-12-02"}
                    for i in range(n)],
        "batches": [{"id": f"B-{j}", "operated": True, "parcels": per_batch,
                     "weight_kg": 100, "volume_l": 100} for j in range(n // per_batch)],
    }
    start = time.perf_counter()
    assert verify(scenario, plan) == []  # 1000 x 0.1 kg is exactly 100 kg
    assert time.perf_counter() - start < 5
    item(plan["parcels"], "P-0")["batch"] = "B-1"
    assert found(verify(scenario, plan)) == [
        ("batch_record", "B-0"), ("batch_record", "B-0"), ("batch_record", "B-0"),
        ("batch_record", "B-1"), ("batch_record", "B-1"), ("batch_record", "B-1"),
        ("capacity_weight", "B-1"), ("capacity_parcels", "B-1"),
    ]


# ---------------------------------------------------------------------------------
# Visits: facility F (D-1 side A, D-2 side B, D-4 and D-5 without side) and G (D-3,
# side B). D-1 and D-2 are kept apart. Sessions on 12-05 at F: S-1 10-12 (2 visits,
# 3 people), S-2 12-14 (1 visit), S-5 11-13; S-3 on 12-06 (closed); S-6 on 12-07;
# at G: S-4 10-12 and S-7 14-16.
# ---------------------------------------------------------------------------------


def visit_data() -> dict[str, Any]:
    def session(id_: str, facility: str, day: str, start: str, end: str, capacity: int,
                **more: Any) -> dict[str, Any]:
        return {"id": id_, "facility": facility, "date": f"2026-12-{day}", "start": start,
                "end": end, "capacity": capacity, **more}

    def request(id_: str, detainee: str, first: str, last: str, **more: Any) -> dict[str, Any]:
        return {"id": id_, "detainee": detainee,
                "available": [{"from": f"2026-12-{first}", "to": f"2026-12-{last}"}], **more}

    return {
        "format": "parcelroute-scenario/1",
        "name": "visits",
        "network": {"nodes": [{"id": "F"}, {"id": "G"}, {"id": "CITY", "kind": "city"},
                              {"id": "TOWN", "kind": "city"}], "links": []},
        "detainees": [
            {"id": "D-1", "side": "A", "facility": "F", "max_visits": 2,
             "unavailable": ["2026-12-06"], "keep_apart": ["D-2"]},
            {"id": "D-2", "side": "B", "facility": "F"},
            {"id": "D-3", "side": "B", "facility": "G"},
            {"id": "D-4", "facility": "F"},
            {"id": "D-5", "facility": "F"},
        ],
        "sessions": [
            session("S-1", "F", "05", "10:00", "12:00", 2, max_visitors=3),
            session("S-2", "F", "05", "12:00", "14:00", 1),
            session("S-3", "F", "06", "10:00", "12:00", 2, closed=True),
            session("S-4", "G", "05", "10:00", "12:00", 1),
            session("S-5", "F", "05", "11:00", "13:00", 2),
            session("S-6", "F", "07", "10:00", "12:00", 2),
            session("S-7", "G", "05", "14:00", "16:00", 1),
        ],
        "visit_requests": [
            request("V-1", "D-1", "01", "10", visitors=2, priority=3, language="uk",
                    transport_from="CITY"),
            request("V-2", "D-3", "05", "05"),
            request("V-3", "D-2", "05", "05"),
            request("V-4", "D-2", "01", "10", closed=True),
            request("V-5", "D-1", "05", "07"),
            request("V-6", "D-4", "05", "05"),
            request("V-7", "D-5", "05", "05"),
        ],
        "escorts": [
            {"id": "E-1", "languages": ["uk"], "max_visits_per_day": 2,
             "available": [{"from": "2026-12-05", "to": "2026-12-31"}]},
            {"id": "E-2", "languages": ["uk"],
             "available": [{"from": "2026-12-10", "to": "2026-12-31"}]},
            {"id": "E-3", "languages": ["ru"],
             "available": [{"from": "2026-12-01", "to": "2026-12-31"}]},
        ],
        "transports": [
            {"id": "T-1", "origin": "CITY", "facility": "F", "date": "2026-12-05",
             "seats": 2, "cost": 300},
            {"id": "T-2", "origin": "CITY", "facility": "F", "date": "2026-12-06",
             "seats": 5, "cost": 100},
            {"id": "T-3", "origin": "CITY", "facility": "G", "date": "2026-12-05",
             "seats": 1, "cost": 50},
            {"id": "T-4", "origin": "TOWN", "facility": "F", "date": "2026-12-05",
             "seats": 5, "cost": 10},
        ],
        "reciprocity": {"max_difference": 1},
    }


def out(reason: str) -> dict[str, Any]:
    return {"session": None, "escort": None, "transport": None, "reason": reason,
            "detail": f"refused: {reason}"}


def at(session: str, escort: str | None = None, transport: str | None = None) -> dict[str, Any]:
    return {"session": session, "escort": escort, "transport": transport}


#: The most visit priority the scenario allows: V-1, V-2, V-4, V-5 (S-6), V-6 and V-7 (S-2
#: and S-5); V-3 never fits beside V-1 (D-1 and D-2 are kept apart) and V-4 (D-2's one visit).
BEST_VISIT_PRIORITY = 8


def visit_plan(priority: int = 5, cost: float = 300, **visits: dict[str, Any]) -> dict[str, Any]:
    """The reference plan (V-1, V-2, V-4 scheduled) of a solve stopped by its time limit,
    with some visits replaced: V-3 is truly kept apart, V-5, V-6 and V-7 would still fit."""
    base = {
        "V-1": at("S-1", "E-1", "T-1"),
        "V-2": at("S-4"),
        "V-3": out("keep_apart"),
        "V-4": at("S-3"),
        "V-5": out("time_limit"),
        "V-6": out("time_limit"),
        "V-7": out("time_limit"),
    }
    base.update({k.replace("_", "-"): v for k, v in visits.items()})
    levels = {"visit_priority": priority, "transport_cost": cost}
    return {
        "format": "parcelroute-plan/1", "scenario": "visits", "status": "feasible",
        "solve_seconds": 0.1, "objective": dict(levels),
        "bound": {"visit_priority": BEST_VISIT_PRIORITY, "transport_cost": cost},
        "parcels": [], "batches": [],
        "visits": [{"id": k, **v} for k, v in base.items()],
    }


def test_visit_plan_at_every_limit_is_kept() -> None:
    # T-1 carries 2 of 2 seats, E-1 is available from 12-05 (the session date),
    # sides A and B get 1 and 2 visits (difference 1 of 1), D-1 and D-2 are at F
    # on different dates, V-4 (closed) is in the closed session S-3.
    assert check(visit_data(), visit_plan()) == []


def test_visit_result_object_is_checked() -> None:
    result = Result(
        "visits", Status.OPTIMAL, 0.0, {"visit_priority": 5, "transport_cost": 300},
        {"visit_priority": 5, "transport_cost": 300},
        visits=(
            VisitAssignment("V-1", "S-1", "E-1", "T-1"),
            VisitAssignment("V-2", "S-4"),
            VisitAssignment("V-3", None, None, None, "keep_apart", "D-1 is visited on 12-05."),
            VisitAssignment("V-4", "S-3"),
            VisitAssignment("V-5", None, None, None, "time_limit", "The solve stopped."),
            VisitAssignment("V-6", None, None, None, "time_limit", "The solve stopped."),
            VisitAssignment("V-7", "S-9"),
        ),
    )
    assert found(verify(build(visit_data()), result)) == [
        ("visit_session", "V-7"), ("objective_value", "visit_priority"),
        ("objective_bound", "visit_priority"), ("status", "visit_priority"),
        ("objective_bound", "visit_priority"),  # V-5 fits in S-6: 6 + 1 is possible
    ]


# -- every request exactly once -----------------------------------------------------
def test_missing_duplicate_and_unknown_visits_are_reported() -> None:
    plan = visit_plan()
    plan["visits"] = [v for v in plan["visits"] if v["id"] != "V-7"]
    plan["visits"].append({"id": "V-6", **out("capacity")})
    plan["visits"].append({"id": "V-99", **out("capacity")})
    assert check(visit_data(), plan) == [
        ("duplicate_visit", "V-6"), ("unknown_visit", "V-99"), ("missing_visit", "V-7")]


# -- a request and its session -------------------------------------------------------
def test_unknown_session_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_2=at("S-9"))) == [("visit_session", "V-2")]


def test_session_at_another_facility_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_2=at("S-2"))) == [("visit_facility", "V-2")]


def test_session_outside_available_dates_is_reported() -> None:
    plan = visit_plan(priority=5, V_3=at("S-3"), V_4=out("detainee_limit"))
    assert check(visit_data(), plan) == [("visit_available", "V-3")]


def test_session_on_the_last_available_date_is_kept() -> None:
    # V-5 is available up to 12-07, the date of S-6; D-1 gets 2 of 2 visits.
    assert check(visit_data(), visit_plan(priority=6, V_5=at("S-6"))) == []


def test_session_when_detainee_is_unavailable_is_reported() -> None:
    plan = visit_plan(V_5=at("S-3"), V_4=out("keep_apart"))
    assert check(visit_data(), plan) == [("visit_unavailable", "V-5")]


def test_closed_request_in_open_session_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_4=at("S-6"))) == [("visit_closed", "V-4")]


# -- session limits -----------------------------------------------------------------
def test_session_over_capacity_is_reported() -> None:
    plan = visit_plan(priority=7, V_6=at("S-2"), V_7=at("S-2"))
    assert check(visit_data(), plan) == [("session_capacity", "S-2")]


def test_session_over_visitor_limit_is_reported() -> None:
    data = visit_data()
    item(data["visit_requests"], "V-6")["visitors"] = 2
    assert check(data, visit_plan(priority=6, V_6=at("S-1"))) == [("session_visitors", "S-1")]


def test_session_at_capacity_and_visitor_limit_is_kept() -> None:
    # S-1: 2 of 2 visits, 2 + 1 = 3 of 3 people; E-1 serves both in the same session.
    assert check(visit_data(), visit_plan(priority=6, V_6=at("S-1", "E-1"))) == []


# -- detainee limits ----------------------------------------------------------------
def test_two_visits_of_a_detainee_on_one_date_are_reported() -> None:
    out_ = check(visit_data(), visit_plan(priority=6, V_5=at("S-2")))
    assert out_ == [("detainee_per_date", "D-1")]


def test_detainee_over_max_visits_is_reported() -> None:
    data = visit_data()
    item(data["detainees"], "D-1")["max_visits"] = 1
    assert check(data, visit_plan(priority=6, V_5=at("S-6"))) == [("detainee_max_visits", "D-1")]


def test_default_of_one_visit_per_detainee_applies() -> None:
    # D-2 (no max_visits) gets V-3 on 12-05 and V-4 on 12-06.
    data = visit_data()
    item(data["detainees"], "D-1")["keep_apart"] = []
    data["reciprocity"]["max_difference"] = 2  # A: 1, B: 3
    plan = visit_plan(priority=6, V_3=at("S-2"))
    assert check(data, plan) == [("detainee_max_visits", "D-2")]


# -- keep apart ---------------------------------------------------------------------
def test_detainees_kept_apart_visited_together_are_reported() -> None:
    plan = visit_plan(V_3=at("S-2"), V_4=out("detainee_limit"))
    out_ = verify(build(visit_data()), plan)
    assert found(out_) == [("keep_apart", "D-1")]
    assert "D-2" in out_[0].message and "2026-12-05" in out_[0].message


def test_keep_apart_listed_by_either_detainee_is_enough() -> None:
    data = visit_data()
    item(data["detainees"], "D-1")["keep_apart"] = []
    item(data["detainees"], "D-2")["keep_apart"] = ["D-1"]
    plan = visit_plan(V_3=at("S-2"), V_4=out("detainee_limit"))
    assert check(data, plan) == [("keep_apart", "D-1")]


def test_keep_apart_at_different_facilities_is_kept() -> None:
    data = visit_data()
    item(data["detainees"], "D-1")["keep_apart"] = ["D-2", "D-3"]  # D-3 is at G on 12-05
    assert check(data, visit_plan()) == []


# -- escorts ------------------------------------------------------------------------
def test_language_request_without_escort_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_1=at("S-1", None, "T-1"))) == [
        ("escort_missing", "V-1")]


def test_unknown_escort_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_1=at("S-1", "E-9", "T-1"))) == [
        ("escort_unknown", "V-1")]


def test_escort_without_the_language_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_1=at("S-1", "E-3", "T-1"))) == [
        ("escort_language", "V-1")]


def test_unavailable_escort_is_reported() -> None:
    assert check(visit_data(), visit_plan(V_1=at("S-1", "E-2", "T-1"))) == [
        ("escort_available", "V-1")]


def test_escort_given_without_language_still_must_be_available() -> None:
    plan = visit_plan(priority=6, V_6=at("S-2", "E-2"))
    assert check(visit_data(), plan) == [("escort_available", "V-6")]
    assert check(visit_data(), visit_plan(priority=6, V_6=at("S-2"))) == []


def test_escort_at_overlapping_sessions_is_reported() -> None:
    out_ = verify(build(visit_data()), visit_plan(priority=6, V_6=at("S-5", "E-1")))
    assert found(out_) == [("escort_overlap", "E-1")]
    assert "S-1" in out_[0].message and "S-5" in out_[0].message


def test_escort_at_back_to_back_sessions_is_kept() -> None:
    # S-1 ends at 12:00 when S-2 starts; E-1 has 2 of 2 visits that day.
    assert check(visit_data(), visit_plan(priority=6, V_6=at("S-2", "E-1"))) == []


def test_escort_at_two_facilities_on_one_date_is_reported() -> None:
    plan = visit_plan(V_2=at("S-7", "E-1"))
    assert check(visit_data(), plan) == [("escort_facility", "E-1")]


def test_escort_over_visits_per_day_is_reported() -> None:
    plan = visit_plan(priority=7, V_6=at("S-1", "E-1"), V_7=at("S-2", "E-1"))
    assert check(visit_data(), plan) == [("escort_per_day", "E-1")]
    data = visit_data()
    item(data["escorts"], "E-1")["max_visits_per_day"] = 3
    assert check(data, plan) == []


# -- transports ---------------------------------------------------------------------
def test_transport_request_without_transport_is_reported() -> None:
    plan = visit_plan(cost=0, V_1=at("S-1", "E-1"))
    assert check(visit_data(), plan) == [("transport_missing", "V-1")]


def test_unknown_transport_is_reported() -> None:
    plan = visit_plan(cost=0, V_1=at("S-1", "E-1", "T-9"))
    assert check(visit_data(), plan) == [("transport_unknown", "V-1")]


def test_transport_from_elsewhere_is_reported() -> None:
    plan = visit_plan(cost=10, V_1=at("S-1", "E-1", "T-4"))
    assert check(visit_data(), plan) == [("transport_route", "V-1")]


def test_transport_to_another_facility_is_reported() -> None:
    data = visit_data()
    item(data["transports"], "T-3")["seats"] = 2
    plan = visit_plan(cost=50, V_1=at("S-1", "E-1", "T-3"))
    assert check(data, plan) == [("transport_route", "V-1")]


def test_transport_on_another_date_is_reported() -> None:
    plan = visit_plan(cost=100, V_1=at("S-1", "E-1", "T-2"))
    assert check(visit_data(), plan) == [("transport_date", "V-1")]


def test_transport_for_request_without_transport_from_is_reported() -> None:
    plan = visit_plan(cost=350, V_2=at("S-4", None, "T-3"))
    assert check(visit_data(), plan) == [("transport_unexpected", "V-2")]


def test_transport_over_seats_is_reported() -> None:
    data = visit_data()
    item(data["transports"], "T-1")["seats"] = 1
    assert check(data, visit_plan()) == [("transport_seats", "T-1")]


def test_shared_transport_is_paid_once() -> None:
    data = visit_data()
    item(data["transports"], "T-1")["seats"] = 3
    item(data["visit_requests"], "V-6")["transport_from"] = "CITY"
    plan = visit_plan(priority=6, V_6=at("S-2", None, "T-1"))
    assert check(data, plan) == []
    plan["objective"]["transport_cost"] = plan["bound"]["transport_cost"] = 600
    assert check(data, plan) == [("objective_value", "transport_cost"),
                                 ("objective_bound", "transport_cost")]


# -- reciprocity --------------------------------------------------------------------
def test_reciprocity_over_max_difference_is_reported() -> None:
    data = visit_data()
    data["reciprocity"]["max_difference"] = 0
    out_ = verify(build(data), visit_plan())
    assert found(out_) == [("reciprocity", "")]
    assert "'A' has 1" in out_[0].message and "'B' has 2" in out_[0].message


def test_reciprocity_needs_exactly_two_sides() -> None:
    data = visit_data()
    data["reciprocity"]["max_difference"] = 0
    item(data["detainees"], "D-3")["side"] = "C"  # A: 1, B: 1, C: 1 visit
    assert check(data, visit_plan()) == []
    item(data["detainees"], "D-3")["side"] = "A"  # A: 2, B: 1
    assert check(data, visit_plan()) == [("reciprocity", "")]


# -- reasons ------------------------------------------------------------------------
def test_left_out_visit_without_reason_or_detail_is_reported() -> None:
    plan = visit_plan(V_6={"session": None, "reason": None})
    assert check(visit_data(), plan) == [("reason_missing", "V-6"), ("detail_missing", "V-6")]


def test_untrue_no_session_is_reported() -> None:
    out_ = verify(build(visit_data()), visit_plan(V_5=out("no_session")))
    assert found(out_) == [("reason_false", "V-5")]


def test_true_no_session_is_kept() -> None:
    # V-4 (closed) on 12-05 only: F has only open sessions that day. V-2 on 12-20:
    # G has no session then.
    data = visit_data()
    item(data["visit_requests"], "V-4")["available"] = [{"from": "2026-12-05",
                                                         "to": "2026-12-05"}]
    item(data["visit_requests"], "V-2")["available"] = [{"from": "2026-12-20",
                                                         "to": "2026-12-21"}]
    plan = visit_plan(priority=3, V_2=out("no_session"), V_4=out("no_session"))
    assert check(data, plan) == []


def test_no_session_accounts_for_unavailable_dates() -> None:
    # V-5 on 12-06 only: S-3 is closed (V-5 is not closed, so it may go there) but
    # D-1 is unavailable that date, so 'no_session' is true.
    data = visit_data()
    item(data["visit_requests"], "V-5")["available"] = [{"from": "2026-12-06",
                                                         "to": "2026-12-06"}]
    assert check(data, visit_plan(V_5=out("no_session"))) == []
    item(data["detainees"], "D-1")["unavailable"] = []
    assert check(data, visit_plan(V_5=out("no_session"))) == [("reason_false", "V-5")]


@pytest.mark.parametrize(("reason", "needs", "kind", "other", "change"), [
    ("no_escort", {"language": "ru"}, "escorts", "E-3",
     {"available": [{"from": "2026-12-10", "to": "2026-12-31"}]}),
    ("no_seat", {"transport_from": "TOWN"}, "transports", "T-4", {"date": "2026-12-06"}),
])
def test_a_refusal_code_for_a_need_the_request_lacks_is_reported(
        reason: str, needs: dict[str, Any], kind: str, other: str,
        change: dict[str, Any]) -> None:
    """Binds: V-6 names no language and no 'transport_from'; slack: the same code once
    the request has that need and no escort or transport can meet it on 12-05."""
    plan = visit_plan(V_6=out(reason))
    out_ = verify(build(visit_data()), plan)
    assert found(out_) == [("reason_false", "V-6")]
    assert "it needs no" in out_[0].message
    data = visit_data()
    item(data["visit_requests"], "V-6").update(needs)
    item(data[kind], other).update(change)
    assert check(data, plan) == []


@pytest.mark.parametrize("reason", ["banana", "no_compatible_batch", "recipient_limit"])
def test_a_reason_code_that_is_no_visit_reason_is_reported(reason: str) -> None:
    """Binds: a code of no kind and two parcels' codes; slack: the visit codes that can
    apply to V-6."""
    plan = visit_plan(V_6=out(reason))
    assert check(visit_data(), plan) == [("reason_unknown", "V-6")]
    for code in ("no_session", "detainee_limit", "keep_apart", "no_escort", "no_seat",
                 "reciprocity", "capacity", "cost", "time_limit"):
        rules = {rule for rule, _ in check(visit_data(), visit_plan(V_6=out(code)))}
        assert "reason_unknown" not in rules


def test_cost_for_a_visit_of_positive_priority_is_reported() -> None:
    """Binds: V-6 has priority 1; slack: the same code once its priority is 0 and only
    T-4, not otherwise used, could carry its family."""
    plan = visit_plan(V_6=out("cost"))
    out_ = verify(build(visit_data()), plan)
    assert found(out_) == [("reason_false", "V-6")]
    assert "its priority is 1" in out_[0].message
    data = visit_data()
    item(data["visit_requests"], "V-6").update(priority=0, transport_from="TOWN")
    assert check(data, plan) == []


def test_keep_apart_for_a_detainee_kept_apart_from_no_one_is_reported() -> None:
    """Binds for D-4 (no partner, and an id that is no detainee is none); V-3's D-2 is
    listed by D-1, which is enough (the reference plan)."""
    plan = visit_plan(V_6=out("keep_apart"))
    assert check(visit_data(), plan) == [("reason_false", "V-6")]
    data = visit_data()
    item(data["detainees"], "D-4")["keep_apart"] = ["D-9"]
    assert check(data, plan) == [("reason_false", "V-6")]
    item(data["detainees"], "D-5")["keep_apart"] = ["D-4"]
    # D-5 is visited at F on 12-05 (V-7 in S-2), the only date of V-6.
    assert check(data, visit_plan(priority=6, V_6=out("keep_apart"), V_7=at("S-2"))) == []


def test_reciprocity_for_a_detainee_the_agreement_does_not_count_is_reported() -> None:
    """Binds for D-4 (no side) and where there is no agreement; slack for side B, which
    has 2 visits against 1 for A (one more would make the difference 2 of 1)."""
    plan = visit_plan(V_6=out("reciprocity"))
    assert check(visit_data(), plan) == [("reason_false", "V-6")]
    data = visit_data()
    item(data["detainees"], "D-4")["side"] = "B"
    assert check(data, plan) == []
    del data["reciprocity"]
    assert check(data, plan) == [("reason_false", "V-6")]


def full_sessions_on_12_05() -> dict[str, Any]:
    """The scenario where V-6 (now a family of 2) finds every session of 12-05 at F
    full once V-7 is in S-2: S-1 has 2 of 3 visitors, S-2 1 of 1 visit, S-5 is gone."""
    data = visit_data()
    item(data["visit_requests"], "V-6")["visitors"] = 2
    data["sessions"] = [x for x in data["sessions"] if x["id"] != "S-5"]
    return data


def test_capacity_beside_a_session_with_room_is_reported() -> None:
    """Binds: S-1 has room for V-6 in the reference plan; slack: every session is full."""
    out_ = verify(build(visit_data()), visit_plan(V_6=out("capacity")))
    assert found(out_) == [("reason_false", "V-6")]
    assert "session 'S-1' on 2026-12-05 could take it" in out_[0].message
    plan = visit_plan(priority=6, V_6=out("capacity"), V_7=at("S-2"))
    assert check(full_sessions_on_12_05(), plan) == []


def test_a_code_that_blocks_none_of_the_sessions_is_reported() -> None:
    """Binds: V-6 finds every session full, not its detainee at a limit; slack: the
    capacity the sessions are at (the test above)."""
    plan = visit_plan(priority=6, V_6=out("detainee_limit"), V_7=at("S-2"))
    out_ = verify(build(full_sessions_on_12_05()), plan)
    assert found(out_) == [("reason_false", "V-6")]
    assert "'detainee_limit' blocks none of the 2 session(s)" in out_[0].message
    assert "S-2: S-2 has 1 of 1 visit(s)" in out_[0].message


def test_a_code_for_a_request_no_session_could_take_is_reported() -> None:
    """Binds: F has no session on 12-20, V-6's only date, so its code is 'no_session';
    slack: that code."""
    data = visit_data()
    item(data["visit_requests"], "V-6")["available"] = [{"from": "2026-12-20",
                                                         "to": "2026-12-20"}]
    out_ = verify(build(data), visit_plan(V_6=out("capacity")))
    assert found(out_) == [("reason_false", "V-6")]
    assert "no session could ever take it" in out_[0].message
    assert check(data, visit_plan(V_6=out("no_session"))) == []


def test_detainee_limit_for_a_detainee_below_its_limits_is_reported() -> None:
    """Binds: D-1 has 1 of 2 visits and none on 12-07 (S-6 is free); slack: D-1 may
    receive 1 visit only."""
    assert check(visit_data(), visit_plan(V_5=out("detainee_limit"))) == [
        ("reason_false", "V-5")]
    data = visit_data()
    item(data["detainees"], "D-1")["max_visits"] = 1
    assert check(data, visit_plan(V_5=out("detainee_limit"))) == []


def test_keep_apart_where_no_partner_is_visited_is_reported() -> None:
    """Binds: D-2's partner D-3 is visited at G, not at F, and D-2's one visit is taken
    (so V-3 is blocked, but not by keep-apart); slack: the reference plan, where D-1
    is visited at F on 12-05."""
    data = visit_data()
    item(data["detainees"], "D-1")["keep_apart"] = []
    item(data["detainees"], "D-2")["keep_apart"] = ["D-3"]
    out_ = verify(build(data), visit_plan())
    assert found(out_) == [("reason_false", "V-3")]
    assert "'keep_apart' blocks none" in out_[0].message
    assert check(visit_data(), visit_plan()) == []


@pytest.mark.parametrize(("reason", "kind", "other", "change"), [
    ("no_escort", "escorts", "E-1", {"available": [{"from": "2026-12-10", "to": "2026-12-31"}]}),
    ("no_seat", "transports", "T-1", {"seats": 1}),
])
def test_no_escort_and_no_seat_beside_a_free_one_are_reported(
        reason: str, kind: str, other: str, change: dict[str, Any]) -> None:
    """Binds: E-1 and T-1 could serve V-1 once it is left out; slack: E-1 (like E-2) is
    not available before 12-10, or T-1 has a seat for a family of 2 no more (and no
    other transport runs from CITY to F on 12-05 or 12-07, V-1's dates at F). Without
    V-1, D-2 is kept apart from no one visited, but has its one visit (V-4), and the
    agreement is dropped (side A would have none)."""
    plan = visit_plan(priority=2, cost=0, V_1=out(reason), V_3=out("detainee_limit"))
    data = visit_data()
    del data["reciprocity"]
    out_ = verify(build(data), plan)
    assert found(out_) == [("reason_false", "V-1")]
    assert "session 'S-1' on 2026-12-05 could take it" in out_[0].message
    item(data[kind], other).update(change)
    assert check(data, plan) == []


def test_reciprocity_the_agreement_allows_is_reported() -> None:
    """Binds: one more visit for side A makes 2 against 2; slack: for side B, 3 against 1
    (the test of the agreement above)."""
    data = visit_data()
    item(data["detainees"], "D-4")["side"] = "A"
    out_ = verify(build(data), visit_plan(V_6=out("reciprocity")))
    assert found(out_) == [("reason_false", "V-6")]
    assert "could take it" in out_[0].message


@pytest.mark.parametrize(("change", "false"), [
    ({}, True),                                       # no transport at all
    ({"transport_from": "CITY", "seats": 3}, True),   # T-1, already used, has a seat
    ({"transport_from": "TOWN"}, False),              # only T-4, not otherwise used
])
def test_cost_where_a_session_adds_no_cost_is_reported(change: dict[str, Any],
                                                       false: bool) -> None:
    """Binds where V-6 (priority 0) needs no transport or fits on a used one; slack where
    only a transport not otherwise used could carry its family."""
    data = visit_data()
    req = item(data["visit_requests"], "V-6")
    req["priority"] = 0
    if "transport_from" in change:
        req["transport_from"] = change["transport_from"]
    if "seats" in change:
        item(data["transports"], "T-1")["seats"] = change["seats"]
    out_ = verify(build(data), visit_plan(V_6=out("cost")))
    assert found(out_) == ([("reason_false", "V-6")] if false else [])
    if false:
        assert "at no added transport cost" in out_[0].message


def test_a_visit_bound_one_more_request_would_beat_is_reported() -> None:
    """Binds: a bound of 5 (and the claim of an optimum) while V-5 fits in S-6; slack: a
    bound of 6, which no single request beats."""
    plan = visit_plan()
    plan["bound"]["visit_priority"] = 5
    out_ = verify(build(visit_data()), plan)
    assert found(out_) == [("objective_bound", "visit_priority")]
    assert "visit request 'V-5' (priority 1) fits in session 'S-6'" in out_[0].message
    assert "which schedules 6" in out_[0].message
    plan["status"] = "optimal"
    assert check(visit_data(), plan) == [("objective_bound", "visit_priority")]
    plan["bound"]["visit_priority"] = 6
    plan["status"] = "feasible"
    assert check(visit_data(), plan) == []


def test_a_refused_visit_that_names_an_escort_or_transport_is_reported() -> None:
    plan = visit_plan(V_6={**out("time_limit"), "escort": "E-3", "transport": "T-4"})
    out_ = verify(build(visit_data()), plan)
    assert found(out_) == [("left_out_assigned", "V-6")]
    assert "escort 'E-3' and transport 'T-4'" in out_[0].message


def test_visits_out_of_the_scenarios_order_are_reported() -> None:
    """FORMATS: plans keep the scenario's order (the reference plan does)."""
    plan = visit_plan()
    plan["visits"][0], plan["visits"][1] = plan["visits"][1], plan["visits"][0]
    assert check(visit_data(), plan) == [("plan_order", "V-1")]


# -- visit objective ----------------------------------------------------------------
def test_an_optimal_visit_plan_is_kept_and_a_cost_bound_below_it_is_reported() -> None:
    """Binds: the best plan (V-5, V-6 and V-7 added: 8) said optimal with a transport-cost
    bound of 200 below its 300; slack: the bound 300 (V-1 needs T-1, the only transport
    from CITY to F on a date D-1 can be visited)."""
    plan = visit_plan(priority=8, V_5=at("S-6"), V_6=at("S-2"), V_7=at("S-5"))
    plan["status"] = "optimal"
    assert check(visit_data(), plan) == []
    plan["bound"]["transport_cost"] = 200
    assert check(visit_data(), plan) == [("status", "transport_cost")]


def test_wrong_visit_objective_is_reported() -> None:
    plan = visit_plan()
    plan["objective"]["visit_priority"] = 6
    plan["status"] = "feasible"
    plan["bound"]["visit_priority"] = 6
    assert check(visit_data(), plan) == [("objective_value", "visit_priority")]


def test_missing_visit_objective_is_reported() -> None:
    plan = visit_plan()
    del plan["objective"]["transport_cost"]
    del plan["bound"]["transport_cost"]
    assert check(visit_data(), plan) == [("objective_value", "transport_cost"),
                                         ("objective_bound", "transport_cost")]


def test_objective_of_the_empty_parcel_half_may_be_zero_or_absent() -> None:
    plan = visit_plan()
    plan["objective"].update(delivered_priority=0, batch_cost=0)
    plan["bound"].update(delivered_priority=0, batch_cost=0)
    assert check(visit_data(), plan) == []
    plan["objective"]["batch_cost"] = 5
    plan["bound"]["batch_cost"] = 5
    assert check(visit_data(), plan) == [("objective_value", "batch_cost"),
                                         ("objective_bound", "batch_cost")]


# -- files --------------------------------------------------------------------------
def test_verify_files_reads_both_files(tmp_path: Path) -> None:
    scenario_file = tmp_path / "scenario.json"
    plan_file = tmp_path / "plan.json"
    scenario_file.write_text(json.dumps(parcel_data()), encoding="utf-8")
    plan_file.write_text(json.dumps(parcel_plan()), encoding="utf-8")
    assert verify_files(scenario_file, plan_file) == []
    plan = parcel_plan()
    plan["bound"]["batch_cost"] = 200
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    assert found(verify_files(str(scenario_file), str(plan_file))) == [
        ("objective_bound", "batch_cost"), ("status", "batch_cost")]


def test_verify_files_raises_for_unreadable_files(tmp_path: Path) -> None:
    scenario_file = tmp_path / "scenario.json"
    plan_file = tmp_path / "plan.json"
    scenario_file.write_text(json.dumps(parcel_data()), encoding="utf-8")
    plan_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidPlanError):
        verify_files(scenario_file, plan_file)
    plan_file.write_text(json.dumps({"format": "parcelroute-plan/9"}), encoding="utf-8")
    with pytest.raises(InvalidPlanError):
        verify_files(scenario_file, plan_file)
    bad = copy.deepcopy(parcel_data())
    bad["parcels"][0]["weight_kg"] = -1
    scenario_file.write_text(json.dumps(bad), encoding="utf-8")
    plan_file.write_text(json.dumps(parcel_plan()), encoding="utf-8")
    with pytest.raises(InvalidScenarioError):
        verify_files(scenario_file, plan_file)


def test_verify_files_refuses_a_plan_that_is_no_strict_json(tmp_path: Path) -> None:
    from parcelroute.bpplib import bin_packing_scenario_dict

    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(bin_packing_scenario_dict([1, 2], 3)))
    for text in ("[" * 100_000, '{"format": NaN}', "1" * 5000):
        plan = tmp_path / "p.json"
        plan.write_text(text)
        with pytest.raises(InvalidPlanError):
            verify_files(scenario, plan)


def test_numbers_in_messages_are_written_as_a_coordinator_reads_them() -> None:
    """Binds: a number beyond a trillion (a plan stating 1e308 kg) is written in scientific
    notation, not as 309 digits. Slack: the numbers of a month are written in full."""
    from parcelroute.verify import _show

    assert _show(1e308) == "1E+308" and _show(-2e15) == "-2E+15"
    assert [_show(v) for v in (3, 0.3, 1500.001, 123456789012.5, -0.0)] == \
        ["3", "0.3", "1500.001", "123456789012.5", "0"]


# -- reasons that say a parcel does not fit, against the plan as it stands -------------
def _crossing_month(room: int, b2_parcels: int = 5) -> Scenario:
    """HUB -> X (``room`` parcels a day) -> F; B-1 through X (10), B-2 straight to F (20)."""
    b = ScenarioBuilder(name="room")
    b.add_node("HUB", kind="hub").add_node("X", kind="crossing", daily_capacity=room)
    b.add_node("F").add_link("HUB", "X", 1).add_link("X", "F", 1).add_link("HUB", "F", 3)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["X", "F"], cost=10,
                max_parcels=5)
    b.add_batch("B-2", origin="HUB", departs="2026-12-01", stops=["F"], cost=20,
                max_parcels=b2_parcels)
    b.add_detainee("D-1", facility="F", max_parcels=5)
    b.add_parcel("P-1", origin="HUB", destination="F", weight_kg=1, volume_l=1,
                 ready="2026-12-01", due="2026-12-03", priority=1)
    b.add_parcel("P-2", recipient="D-1", origin="HUB", destination="F", weight_kg=1,
                 volume_l=1, ready="2026-12-01", due="2026-12-03", priority=0)
    return b.build()


def _p2_left_out(reason: str, bound: int = 1) -> Result:
    return Result("room", Status.FEASIBLE, 0.1, {"delivered_priority": 1, "batch_cost": 10},
                  {"delivered_priority": bound, "batch_cost": 10},
                  (ParcelAssignment("P-1", "B-1", dt.date(2026, 12, 1)),
                   ParcelAssignment("P-2", None, None, reason, "why")),
                  (BatchLoad("B-1", True, 1, 1.0, 1.0),))


@pytest.mark.parametrize(("room", "b2_parcels", "reason", "expected"), [
    (2, 5, "cost", [("reason_false", "P-2")]),  # operated B-1 has room: it costs nothing
    (1, 5, "cost", []),  # X is full on 12-01: only idle B-2 could take it
    (1, 5, "capacity", [("reason_false", "P-2")]),  # idle B-2 has room
    (1, 0, "capacity", []),  # B-1 blocked at X, B-2 takes no parcel: full indeed
    (1, 0, "crossing_capacity", []),
    (2, 0, "crossing_capacity", [("reason_false", "P-2")]),  # X has room for a second
])
def test_a_reason_that_says_a_parcel_does_not_fit_is_checked_against_the_plan(
        room: int, b2_parcels: int, reason: str, expected: list[tuple[str, str]]) -> None:
    assert found(verify(_crossing_month(room, b2_parcels), _p2_left_out(reason))) == expected


def test_recipient_limit_for_a_recipient_with_room_is_reported() -> None:
    """Binds: D-1 receives nothing and may receive 5; slack: D-1 may receive none."""
    out = verify(_crossing_month(1, 0), _p2_left_out("recipient_limit"))
    assert found(out) == [("reason_false", "P-2")]
    assert "receives 0 parcel(s) and 0 kg in the plan" in out[0].message
    data = _crossing_month(1, 0)
    strict = dataclasses.replace(data, detainees=(dataclasses.replace(
        data.detainees[0], max_parcels=0),))
    assert found(verify(strict, _p2_left_out("recipient_limit"))) == []


@pytest.mark.parametrize("reason", ["capacity", "crossing_capacity", "cost"])
def test_a_room_code_for_a_parcel_no_batch_could_ever_carry_is_reported(reason: str) -> None:
    """Binds: P-4 is due on 12-01, before any batch reaches F; slack: its true code (the
    reference plan)."""
    data, plan = parcel_data(), parcel_plan()
    item(data["parcels"], "P-4")["priority"] = 0  # ('cost' may apply at priority 0 only)
    item(plan["parcels"], "P-4")["reason"] = reason
    out = verify(build(data), plan)
    assert found(out) == [("reason_false", "P-4")]
    assert "no batch could ever carry it" in out[0].message
    assert check(parcel_data(), parcel_plan()) == []


def test_capacity_where_only_the_recipient_stops_the_parcel_is_reported() -> None:
    """Binds: P-4, now for D-1 (at both its limits with P-1 and P-2), ready on 12-10 and
    due on 12-25, may ride B-3 only, which has no limits; slack: its true code
    'recipient_limit', and 'capacity' once B-3 takes at most 1 kg (P-4 weighs 5)."""
    data, plan = parcel_data(), parcel_plan()
    item(data["parcels"], "P-4").update(recipient="D-1", ready="2026-12-10", due="2026-12-25")
    item(plan["parcels"], "P-4")["reason"] = "capacity"
    out = verify(build(data), plan)
    assert found(out) == [("reason_false", "P-4")]
    assert "the limits of detainee 'D-1' are what stop it" in out[0].message
    item(plan["parcels"], "P-4")["reason"] = "recipient_limit"
    assert check(data, plan) == []
    item(plan["parcels"], "P-4")["reason"] = "capacity"
    item(data["batches"], "B-3")["max_weight_kg"] = 1
    assert check(data, plan) == []


def test_a_bound_one_more_parcel_would_beat_is_reported() -> None:
    """Binds: P-2, given priority 2, fits on B-1 as the plan stands: 1 + 2 = 3 beats a
    bound of 1 (and of 2); slack: a bound of 3 holds."""
    data = _crossing_month(2)
    data = dataclasses.replace(data, parcels=(data.parcels[0], dataclasses.replace(
        data.parcels[1], priority=2)))
    for bound, expected in ((1, [("objective_bound", "delivered_priority")]),
                            (2, [("objective_bound", "delivered_priority")]), (3, [])):
        out = verify(data, _p2_left_out("time_limit", bound))
        assert found(out) == expected
    out = verify(data, _p2_left_out("time_limit", 1))
    assert "parcel 'P-2' (priority 2) fits on batch 'B-1' as the plan stands, which " \
           "delivers 3" in out[0].message
