"""Tests of parcelroute.solve: how the two halves of a scenario share the time."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.options import Deadline, SolveOptions, SubDeadline
from parcelroute.parcels import packing
from parcelroute.visits import solver as visit_solver

solve_module = importlib.import_module("parcelroute.solve")  # (the package attribute is the
# function)


@pytest.fixture
def time_left(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Record the time each half has left when it starts."""
    seen: dict[str, Any] = {}
    visits, parcels = visit_solver.solve_visits, packing.solve_parcel_half

    def on_visits(scenario: pr.Scenario, options: Any, deadline: Deadline,
                  resume: Any = None) -> Any:
        if resume is not None:  # (the visits going on after the parcels)
            seen["resumed"] = deadline.left()
            return visits(scenario, options, deadline, resume)
        seen["visits"] = deadline.left()
        out = visits(scenario, options, deadline)
        seen["visits_done"] = deadline.elapsed()
        seen["visits_first"] = out
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


def test_parcels_solved_early_leave_their_time_to_the_visits(
        time_left: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: visits short of a proof in their share go on from their plan in the time the
    parcels leave, and end proven with a plan at least as good."""
    monkeypatch.setattr(solve_module, "VISIT_SHARE", 0.005)  # (0.1 s: too little to prove)
    scenario = generate_scenario(40, 300, 3)
    result = pr.solve(scenario, time_limit=20)
    first = time_left["visits_first"]
    assert first.objective != first.bound  # (unproven after its share)
    assert time_left["resumed"] > 10.0
    assert result.status is pr.Status.OPTIMAL
    assert result.objective["visit_priority"] >= first.objective["visit_priority"]
    assert result.bound["visit_priority"] <= first.bound["visit_priority"]
    assert result.stats["visits_resumed_seconds"] > 0
    assert pr.verify(scenario, result) == []


def test_visits_do_not_go_on_without_time_left(
        time_left: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind: with less than RESUME_MIN_SECONDS left the unproven visits stay as
    they ended."""
    monkeypatch.setattr(solve_module, "VISIT_SHARE", 0.005)
    monkeypatch.setattr(solve_module, "RESUME_MIN_SECONDS", 60.0)
    scenario = generate_scenario(40, 300, 3)
    result = pr.solve(scenario, time_limit=20)
    assert "resumed" not in time_left
    first = time_left["visits_first"]
    assert result.objective["visit_priority"] == first.objective["visit_priority"]
    assert result.objective["transport_cost"] == first.objective["transport_cost"]
    assert result.status is pr.Status.FEASIBLE
    assert pr.verify(scenario, result) == []


def test_visits_proven_in_their_share_do_not_go_on(time_left: dict[str, Any]) -> None:
    """Does not bind: visits proven in their share are not solved again."""
    result = pr.solve(generate_scenario(60, 40, 3), time_limit=10)
    assert result.status is pr.Status.OPTIMAL
    assert "resumed" not in time_left


def test_visits_going_on_without_time_keep_their_plan_and_bounds() -> None:
    """A resumed visit solve never returns a worse plan or a looser bound than the one
    it goes on from, even with no time at all."""
    scenario = generate_scenario(0, 300, 3)
    options = SolveOptions(time_limit=1)
    first = visit_solver.solve_visits(scenario, options, Deadline(0.2))
    again = visit_solver.solve_visits(scenario, options, Deadline(0.0), resume=first.resume)
    assert again.objective["visit_priority"] >= first.objective["visit_priority"]
    if again.objective["visit_priority"] == first.objective["visit_priority"]:
        assert again.objective["transport_cost"] <= first.objective["transport_cost"]
    assert again.bound["visit_priority"] <= first.bound["visit_priority"]
    assert again.bound["transport_cost"] >= first.bound["transport_cost"] or \
        again.bound["transport_cost"] == again.objective["transport_cost"]
    assert len(again.visits) == len(scenario.visit_requests)


def test_visits_alone_have_the_whole_time(time_left: dict[str, Any]) -> None:
    """Does not bind: without parcels the visit half has the whole limit."""
    result = pr.solve(generate_scenario(0, 40, 3), time_limit=10)
    assert result.status is pr.Status.OPTIMAL
    assert time_left["visits"] > 9.0
    assert "parcels" not in time_left


def test_batches_without_parcels_leave_the_visits_the_whole_time(
        time_left: dict[str, Any]) -> None:
    """Does not bind: standing batches with no parcel this month take no time from the
    visits (all of them stay unused)."""
    with_parcels = generate_scenario(60, 40, 3)
    scenario = dataclasses.replace(with_parcels, parcels=())
    result = pr.solve(scenario, time_limit=10)
    assert time_left["visits"] > 9.0
    assert "parcels" in time_left  # (the batches are still reported, all unused)
    assert len(result.batches) == len(scenario.batches)
    assert not any(b.operated or b.parcels for b in result.batches)
    assert result.status is pr.Status.OPTIMAL


def test_without_a_time_limit_no_half_is_limited(time_left: dict[str, Any]) -> None:
    """Does not bind: without a limit neither half gets a share."""
    pr.solve(generate_scenario(60, 40, 3))
    assert time_left["visits"] is None and time_left["parcels"] is None


def test_a_month_of_parcels_never_loads_the_visit_modules() -> None:
    """Importing parcelroute, solving and checking a month of parcels alone leave CP-SAT
    (and pandas, which it loads: about 0.3 s of the command's time limit) unloaded; the
    visit names load on first use."""
    script = (
        "import sys, parcelroute as pr\n"
        "from parcelroute.generate import generate_scenario\n"
        "s = generate_scenario(30, 0, 1)\n"
        "assert pr.verify(s, pr.solve(s, time_limit=10)) == []\n"
        "print(sorted(m for m in ('pandas', 'ortools.sat.python.cp_model') if m in sys.modules))\n"
        "print(pr.offer_slots.__module__, pr.SlotOffer.__name__, 'offer_slots' in dir(pr))\n"
        "print('ortools.sat.python.cp_model' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    assert proc.stdout.splitlines() == ["[]", "parcelroute.visits.offer SlotOffer True", "True"]


@pytest.mark.parametrize(("parcels", "visits", "loaded"), [(0, 40, False), (30, 0, True)])
def test_networkx_loads_only_for_a_month_with_parcels(tmp_path: Path, parcels: int, visits: int,
                                                      loaded: bool) -> None:
    """Binds: reading, solving and checking a month of visits alone leave NetworkX unloaded
    (about 0.1 s of the command's time limit); slack: parcels need the network's paths."""
    path = tmp_path / "month.json"
    pr.write_scenario(generate_scenario(parcels, visits, 1), path)
    script = (
        "import sys, parcelroute as pr\n"
        f"s = pr.read_scenario({str(path)!r})\n"
        "assert pr.verify(s, pr.solve(s, time_limit=10)) == []\n"
        "print('networkx' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    assert proc.stdout.splitlines() == [str(loaded)]


def test_an_unknown_name_of_the_package_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'offer'"):
        _ = pr.offer  # type: ignore[attr-defined]


@pytest.mark.parametrize(("limit", "passed"), [(None, False), (0.0, True), (60.0, False)])
def test_a_deadline_has_passed_once_its_limit_is_reached(limit: float | None,
                                                         passed: bool) -> None:
    """Binds at a limit of 0 s; not without a limit, nor with a minute left. A share of a
    deadline has passed once its own seconds or its parent's have."""
    deadline = Deadline(limit)
    assert deadline.passed() is passed
    assert SubDeadline(deadline, 0.0).passed()
    assert SubDeadline(deadline, 60.0).passed() is passed


@pytest.mark.parametrize(("limit", "passed"), [(0.0, True), (60.0, False)])
def test_a_soft_share_has_passed_when_its_parent_has(limit: float, passed: bool) -> None:
    """Binds where the parent's limit is reached; not where only the share's own seconds
    are gone (a part of a month whose first plan takes longer than its share)."""
    deadline = Deadline(limit)
    part = SubDeadline(deadline, 0.0, soft=True)
    assert part.left() == 0.0
    assert part.passed() is passed
    assert SubDeadline(part, 0.0, soft=True).passed() is passed


def _one_parcel() -> pr.Scenario:
    b = pr.ScenarioBuilder(name="one parcel")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=30)
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], cost=100)
    b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
                 ready="2026-12-01", due="2026-12-03")
    return b.build()


@pytest.mark.parametrize(("setting", "value", "said"), [
    ("seed", -1, "The 'seed' of a solve must be a whole number between 0 and 2147483647; "
                 "got -1 instead."),
    ("seed", 2**31, "got 2147483648 instead"),
    ("seed", 1.5, "got 1.5 instead"),
    ("seed", True, "got True instead"),
    ("workers", 0, "The 'workers' of a solve must be a whole number between 1 and 64; "
                   "got 0 instead."),
    ("workers", "2", "got '2' instead"),
    ("time_limit", -1, "The 'time_limit' of a solve must be a finite number of seconds "
                       "greater than or equal to 0, or None for no limit; got -1 instead."),
    ("time_limit", float("nan"), "got nan instead"),
    ("time_limit", float("inf"), "got inf instead"),
    ("time_limit", "10", "got '10' instead"),
    ("relative_gap", -0.01, "The 'relative_gap' of a solve must be a finite number greater "
                            "than or equal to 0; got -0.01 instead."),
    ("callback", 3, "The 'callback' of a solve must be a callable"),
])
def test_a_setting_out_of_its_range_is_refused_before_solving(setting: str, value: Any,
                                                               said: str) -> None:
    with pytest.raises(ValueError) as err:
        pr.solve(_one_parcel(), **{setting: value})
    assert said in str(err.value)


@pytest.mark.parametrize(("setting", "value"), [
    ("seed", 0), ("seed", 2**31 - 1), ("workers", 1), ("workers", 64), ("time_limit", 0),
    ("time_limit", 10), ("time_limit", None), ("relative_gap", 0.0), ("relative_gap", 1),
])
def test_a_setting_at_the_ends_of_its_range_is_accepted(setting: str, value: Any) -> None:
    result = pr.solve(_one_parcel(), **{setting: value})
    assert len(result.parcels) == 1
    assert pr.verify(_one_parcel(), result) == []


def test_numpy_settings_reach_the_solvers_as_python_numbers() -> None:
    np = pytest.importorskip("numpy")
    options = SolveOptions(np.float64(5.0), np.int64(7), np.float32(0.0), np.int32(2))
    assert (options.time_limit, options.seed, options.relative_gap, options.workers) == (
        5.0, 7, 0.0, 2)
    assert [type(v) for v in (options.time_limit, options.seed, options.relative_gap,
                              options.workers)] == [float, int, float, int]
    result = pr.solve(_one_parcel(), seed=np.int64(3), workers=np.int64(1))
    assert result.status is pr.Status.OPTIMAL


def test_a_scenario_that_is_not_one_is_refused_with_its_type() -> None:
    with pytest.raises(TypeError, match=r"The 'scenario' of a solve must be a Scenario .*"
                                        r"got dict instead\."):
        pr.solve({"format": "parcelroute-scenario/1"})  # type: ignore[arg-type]
