"""Reading plan files: every malformed value is refused with a clear message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.io.scenario_io import MAX_PROBLEMS


def plan() -> dict[str, Any]:
    return {
        "format": "parcelroute-plan/1",
        "scenario": "tiny",
        "status": "optimal",
        "solve_seconds": 0.1,
        "objective": {"delivered_priority": 2, "batch_cost": 5},
        "bound": {"delivered_priority": 2, "batch_cost": 5},
        "gap": {"delivered_priority": 0, "batch_cost": 0},
        "parcels": [
            {"id": "P1", "batch": "B1", "arrives": "2026-12-02"},
            {"id": "P2", "batch": None, "reason": "capacity", "detail": "full"},
        ],
        "batches": [{"id": "B1", "operated": True, "parcels": 1, "weight_kg": 4, "volume_l": 1}],
        "visits": [{"id": "V1", "session": "S1", "escort": None, "transport": None}],
    }


def problems_of(data: Any) -> list[pr.Problem]:
    with pytest.raises(pr.InvalidPlanError) as info:
        pr.read_plan_dict(data)
    return list(info.value.problems)


def test_a_valid_plan_reads() -> None:
    result = pr.read_plan_dict(plan())
    assert result.scenario == "tiny" and result.parcels[0].arrives is not None
    assert result.batches[0].parcels == 1 and result.batches[0].operated is True


def set_in(data: dict[str, Any], path: str, value: Any) -> None:
    *keys, last = path.split(".")
    for key in keys:
        data = data[key] if not key.isdigit() else data[int(key)]  # type: ignore[index]
    data[last] = value


@pytest.mark.parametrize(
    ("where", "value", "path", "words"),
    [
        ("solve_seconds", float("nan"), "solve_seconds", ["'solve_seconds' of the plan", "NaN"]),
        ("solve_seconds", -1, "solve_seconds", ["greater than or equal to 0", "got -1 instead"]),
        ("scenario", 5, "scenario", ["'scenario' of the plan", "a string", "got 5 instead"]),
        ("scenario", None, "scenario", ["got null instead"]),
        ("parcels.0.arrives", "20261202", "parcels[0].arrives",
         ["parcel 'P1'", "'YYYY-MM-DD'", 'got "20261202" instead']),
        ("parcels.0.arrives", "2026-W49-3", "parcels[0].arrives", ['"2026-W49-3"']),
        ("parcels.0.batch", True, "parcels[0].batch", ["parcel 'P1'", "got true instead"]),
        ("batches.0.operated", "no", "batches[0].operated", ["batch 'B1'", "true or false", '"no"']),
        ("batches.0.operated", 1, "batches[0].operated", ["got 1 instead"]),
        ("batches.0.parcels", 0.5, "batches[0].parcels", ["whole number", "got 0.5 instead"]),
        ("batches.0.parcels", -1, "batches[0].parcels", ["got -1 instead"]),
        ("batches.0.parcels", float("inf"), "batches[0].parcels", ["got Infinity instead"]),
        ("batches.0.weight_kg", float("nan"), "batches[0].weight_kg", ["finite", "got NaN instead"]),
        ("batches.0.volume_l", float("inf"), "batches[0].volume_l", ["got Infinity instead"]),
        pytest.param("batches.0.weight_kg", 10**400, "batches[0].weight_kg", ["401 digits"],
                     id="weight_kg-10**400"),
        ("objective.happiness", 3, "objective.happiness", ["'delivered_priority'", '"happiness"']),
        ("bound.batch_cost", None, "bound.batch_cost", ["finite number", "got null instead"]),
        ("objective.batch_cost", float("-inf"), "objective.batch_cost", ["got -Infinity instead"]),
        ("gap.batch_cost", -0.5, "gap.batch_cost", ["got -0.5 instead"]),
        ("visits.0.session", {}, "visits[0].session", ["visit 'V1'", "got {} instead"]),
        ("parcels", {}, "parcels", ["a list of objects", "got {} instead"]),
        ("status", "great", "status", ["'optimal'", '"great"']),
        ("format", None, "format", ["'parcelroute-plan/1'", "got null instead"]),
    ],
)
def test_each_malformed_value_is_refused(where: str, value: Any, path: str, words: list[str]) -> None:
    data = copy.deepcopy(plan())
    set_in(data, where, value)
    found = problems_of(data)
    match = [p for p in found if p.path == path]
    assert match, f"no problem at {path}: {found}"
    message = match[0].message
    for word in words:
        assert word in message, (word, message)
    assert message.startswith("The '") and message.endswith(" instead.")
    for python in ("None", "True", "False", " inf", "nan", "dict"):  # JSON words, not Python's
        assert python not in message, (python, message)


@pytest.mark.parametrize(("entry", "shown"), [
    ({"batch": "B1"}, "got nothing (the field is missing) instead"),
    ({"id": 17, "batch": "B1"}, "got 17 instead"),
    ({"id": "", "batch": "B1"}, 'got "" instead'),
    ({"id": None}, "got null instead"),
])
def test_entries_without_a_string_id_say_what_they_hold(entry: dict[str, Any], shown: str) -> None:
    data = plan()
    data["parcels"][0] = entry
    (problem,) = problems_of(data)
    assert problem.path == "parcels[0].id"
    assert "must be a non-empty string" in problem.message and shown in problem.message


def test_a_non_object_entry_is_shown_as_json() -> None:
    data = plan()
    data["visits"].append(None)
    (problem,) = problems_of(data)
    assert problem.path == "visits[1]" and "got null instead" in problem.message


def test_problems_are_listed_up_to_the_cap() -> None:
    data = plan()
    data["parcels"] = [{"id": i} for i in range(MAX_PROBLEMS + 9)]
    with pytest.raises(pr.InvalidPlanError) as info:
        pr.read_plan_dict(data)
    assert len(info.value.problems) == MAX_PROBLEMS and info.value.truncated == 9
    assert "... and 9 more" in str(info.value)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("literal", "words"), [
    ("NaN", ["NaN, which is not a JSON number (line 3, column 38, at batches[0].parcels)"]),
    ("-Infinity", ["-Infinity, which is not a JSON number (line 3, column 38"]),
    ("1e309", ["numbers below about 1e308; got 1e309 (line 3, column 38, at batches[0].parcels)"]),
])
def test_non_finite_numbers_in_a_file_are_refused_saying_where(
        tmp_path: Path, literal: str, words: list[str]) -> None:
    text = ('{"format": "parcelroute-plan/1",\n "status": "optimal",\n'
            ' "batches": [{"id": "B1", "parcels": ' + literal + '}], "note": "NaN 1e999"}')
    with pytest.raises(pr.InvalidPlanError) as info:
        pr.read_plan(write(tmp_path, text))
    (problem,) = info.value.problems
    assert problem.path == "batches[0].parcels"
    for word in words:
        assert word in problem.message, (word, problem.message)


def test_unreadable_json_is_an_invalid_plan(tmp_path: Path) -> None:
    long_int = '{"format": "parcelroute-plan/1", "solve_seconds": ' + "7" * 5000 + "}"
    deep = "[" * 100_000 + "]" * 100_000
    for text, words in ((long_int, ["more than 4300 digits", "line 1, column 51"]),
                        (deep, ["nested 100000 levels deep", "deeper than parcelroute can read"]),
                        ("", ["empty file"])):
        with pytest.raises(pr.InvalidPlanError) as info:
            pr.read_plan(write(tmp_path, text))
        for word in words:
            assert word in str(info.value), (word, str(info.value))
