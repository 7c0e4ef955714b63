"""HiGHS and CP-SAT racing on one level: shared bounds, stopping, and the fallbacks."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

import pytest
from ortools.sat.python import cp_model

import parcelroute as pr
from parcelroute.generate import generate_scenario, generate_scenario_dict
from parcelroute.io import read_scenario_dict
from parcelroute.options import Deadline, Progress, SolveOptions
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.mip import HighsLevel
from parcelroute.visits.model import VisitModel
from parcelroute.visits.race import LevelRace, better_value, run_race, tighter_bound

#: Searches side by side (the race, level 2 ahead) run only under a time limit; small months
#: are proven long before this one.
SIDE_BY_SIDE = 600.0


@functools.cache
def _month_100_alone() -> tuple[pr.Scenario, pr.Result]:
    """The generated 100-request month (seed 0) solved by one worker without a time limit (the
    same plan every run), once for the tests that compare a run side by side with it (call it
    before patching the solver)."""
    scenario = generate_scenario(0, 100, 0)
    return scenario, pr.solve(scenario, time_limit=None, workers=1)


@pytest.mark.parametrize(("minimise", "expected"), [(True, 9), (False, 7)])
def test_the_combined_bound_is_the_better_one(minimise: bool, expected: int) -> None:
    assert tighter_bound(7, 9, minimise=minimise) == expected
    assert tighter_bound(9, 7, minimise=minimise) == expected
    assert tighter_bound(None, 7, minimise=minimise) == 7
    assert tighter_bound(7, None, minimise=minimise) == 7


def test_better_value_is_strict() -> None:
    assert not better_value(5, 5, minimise=True)
    assert not better_value(5, 5, minimise=False)
    assert better_value(4, 5, minimise=True) and better_value(6, 5, minimise=False)


def test_a_worse_bound_never_replaces_a_better_one() -> None:
    race = LevelRace(minimise=False, value=None, bound=10)
    race.offer_bound(12, "cp-sat")
    assert (race.bound, race.bound_source) == (10, "known")
    race.offer_bound(9, "highs")
    assert (race.bound, race.bound_source) == (9, "highs")


def test_value_of_one_prover_and_bound_of_the_other_close_the_level() -> None:
    stopped: list[str] = []
    race = LevelRace(minimise=True, value=20, bound=None)
    race.add_stopper(lambda: stopped.append("cp-sat"))
    race.offer_bound(15, "highs")
    assert not race.proven() and not race.stopped.is_set()
    race.offer_value(15, "cp-sat")
    assert race.proven() and race.stopped.is_set() and stopped


def test_the_relative_gap_ends_the_level_without_proving_it() -> None:
    race = LevelRace(minimise=True, value=100, bound=98, relative_gap=0.05)
    assert race.done() and not race.proven()


def test_a_stopper_added_after_the_end_is_called_at_once() -> None:
    race = LevelRace(minimise=True, value=1, bound=1)
    race.stop()
    called = threading.Event()
    race.add_stopper(called.set)
    assert called.is_set()


def test_highs_failing_leaves_cp_sat_to_finish() -> None:
    race = LevelRace(minimise=True, value=5, bound=None)

    def broken(_: LevelRace) -> int:
        raise RuntimeError("boom")

    def cp_sat(r: LevelRace) -> str:
        r.offer_bound(5, "cp-sat")
        return "proved"

    out = run_race(race, broken, cp_sat)
    assert (out.highs, out.cp_sat) == (None, "proved") and race.proven()


def _hard_cp_sat_model() -> tuple[cp_model.CpModel, dict[int, int]]:
    """A covering model whose linear relaxation is exact: HiGHS proves it at the root.

    CP-SAT alone is kept searching by a 60-second wait in the race's CP-SAT side.
    """
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{i}") for i in range(6)]
    m.add(sum(x) >= 3)
    m.minimize(sum((i + 1) * v for i, v in enumerate(x)))
    return m, {v.index: 1 for v in x}


def test_highs_proves_first_and_stops_cp_sat() -> None:
    model, start = _hard_cp_sat_model()
    race = LevelRace(minimise=True, value=21, bound=None)
    highs = HighsLevel(model, None, start=start)
    highs.watch(race)

    def cp_sat(r: LevelRace) -> str:
        return "stopped" if r.stopped.wait(60.0) else "timed out"

    out = run_race(race, lambda _: highs.run(), cp_sat)
    assert out.cp_sat == "stopped"
    assert out.highs is not None and out.highs.solved and out.highs.value == 6
    assert race.proven() and (race.value, race.bound) == (6, 6)
    assert race.bound_source == "highs"


def test_cp_sat_in_a_race_is_stopped_when_the_level_is_proven() -> None:
    scenario = read_scenario_dict(generate_scenario_dict(3, 60, 3))
    index = VisitIndex(scenario)
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    vm = VisitModel(index, choices)
    vm.model.maximize(vm.priority())
    reports: list[Progress] = []
    options = SolveOptions(workers=1, callback=reports.append)
    race = LevelRace(minimise=False, value=None, bound=None)
    level = vm.solve(options, Deadline(None), "visits", None, race=race)
    assert level.solved and race.proven() and race.value == level.value
    assert reports == []  # in a race, the race reports


def _month(seed: int) -> pr.Scenario:
    return read_scenario_dict(generate_scenario_dict(seed, 60, 3))


@pytest.fixture
def racing(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS and CP-SAT race from two workers on (one each)."""
    import parcelroute.visits.solver as solver

    monkeypatch.setattr(solver, "RACE_MIN_WORKERS", 2)


@pytest.mark.usefixtures("racing")
@pytest.mark.parametrize("seed", [0, 4])
def test_racing_and_one_after_the_other_agree(seed: int) -> None:
    scenario = _month(seed)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert pr.verify(scenario, result) == []
    assert result.status.value == "optimal"
    assert any(k.endswith("_won_by_highs") for k in result.stats)  # a level was raced
    alone = pr.solve(scenario, time_limit=None, workers=1)
    assert not any(k.endswith("_won_by_highs") for k in alone.stats)
    assert result.objective == alone.objective == result.bound


@pytest.mark.parametrize("race", [False, True])
def test_without_a_time_limit_nothing_runs_side_by_side(monkeypatch: pytest.MonkeyPatch,
                                                        race: bool) -> None:
    """Without a time limit the levels run one after the other: no level 2 ahead (two
    workers) and no race (here from two workers on), so that the plan never depends on
    which of two searches finished first. Under a time limit both run."""
    import parcelroute.visits.solver as solver

    if race:
        monkeypatch.setattr(solver, "RACE_MIN_WORKERS", 2)
    scenario = generate_scenario(0, 100, 0)
    result = pr.solve(scenario, time_limit=None, workers=2)
    assert result.status.value == "optimal"
    assert not any(k.endswith("_won_by_highs") for k in result.stats)
    assert "visits_level2_ahead" not in result.stats
    timed = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    if race:
        assert any(k.endswith("_won_by_highs") for k in timed.stats)
    else:
        assert timed.stats["visits_level2_ahead"] == 1.0
    assert timed.objective == result.objective == result.bound


@pytest.mark.parametrize("race", [False, True])
def test_a_model_highs_cannot_take_is_left_to_cp_sat(monkeypatch: pytest.MonkeyPatch,
                                                     race: bool) -> None:
    import parcelroute.visits.solver as solver

    def refuse(*_: object, **__: object) -> HighsLevel:
        raise ValueError("not for HiGHS")

    monkeypatch.setattr(solver, "HighsLevel", refuse)
    if race:
        monkeypatch.setattr(solver, "RACE_MIN_WORKERS", 2)
    scenario = _month(1)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert pr.verify(scenario, result) == []
    assert result.status.value == "optimal"
    assert not any(k.endswith(("_mip_seconds", "_won_by_highs")) for k in result.stats)


def test_highs_threads_in_and_out_of_a_race() -> None:
    from parcelroute.visits.solver import _highs_threads

    assert [_highs_threads(w, True) for w in (1, 2, 3, 4, 8)] == [1, 1, 1, 2, 4]
    assert [_highs_threads(w, False) for w in (1, 2, 4)] == [1, 2, 4]


@pytest.mark.parametrize(("requests", "seed", "steps"), [(100, 0, 0), (150, 0, 1)])
def test_level2_ahead_agrees_with_one_worker(requests: int, seed: int, steps: int) -> None:
    """With two workers level 2 starts beside level 1 at the relaxation's bound.

    At 100 requests (seed 0) level 1 reaches that bound; at 150 it ends one
    below, which HiGHS proves beside level 1 before starting again one lower.
    Either way the values are those of one worker, where nothing runs ahead.
    """
    scenario = generate_scenario(0, requests, seed)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert pr.verify(scenario, result) == []
    assert result.status.value == "optimal"
    assert result.stats["visits_level2_ahead"] == 1.0
    assert result.stats["visits_ahead_steps"] == steps
    assert result.stats["visits_relaxation_bound"] == result.objective["visit_priority"] + steps
    alone = pr.solve(scenario, time_limit=None, workers=1)
    assert "visits_level2_ahead" not in alone.stats
    assert result.objective == alone.objective == result.bound


def test_level2_ahead_out_of_reach_is_void(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound more than three above the optimum: three priorities proven out of reach, then
    the run is cancelled and level 2 solved as usual, to the same values as without it."""
    import parcelroute.visits.solver as solver

    scenario = generate_scenario(0, 100, 0)
    exact = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    bound = solver._relaxation_bound
    monkeypatch.setattr(solver, "_relaxation_bound", lambda *a: bound(*a) + 5)
    monkeypatch.setattr(solver, "reciprocity_search", lambda *a, **k: None)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert pr.verify(scenario, result) == []
    assert result.stats["visits_relaxation_bound"] > (exact.objective["visit_priority"]
                                                      + solver.AHEAD_STEPS)
    assert result.stats["visits_level2_ahead"] == 0.0
    assert result.stats["visits_ahead_steps"] == solver.AHEAD_STEPS
    assert result.status.value == "optimal"
    assert result.objective == exact.objective == result.bound


def _stopped_early(race: LevelRace | None) -> tuple[VisitModel, Any]:
    """Level 1 of a 500-request month on CP-SAT, stopped after 0.01 s (before a solution)."""
    index = VisitIndex(generate_scenario(0, 500, 1))
    vm = VisitModel(index, [index.model_sessions(r) for r in range(len(index.requests))])
    vm.model.maximize(vm.priority())
    level = vm.solve(SolveOptions(workers=1), Deadline(None), "visits", 0.01, race=race)
    return vm, level


def test_cp_sat_stopped_without_a_solution_claims_no_bound() -> None:
    """CP-SAT stopped before its first solution reports a bound of 0, which for a priority
    would claim any plan optimal (the month's optimum is 593): no bound is taken from it."""
    _, level = _stopped_early(None)
    assert not level.solved
    assert level.bound is None or level.bound >= 593


def test_cp_sat_stopped_without_a_solution_leaves_a_race_bound_alone() -> None:
    race = LevelRace(minimise=False, value=None, bound=600)
    _, level = _stopped_early(race)
    assert not level.solved
    assert race.bound is not None and race.bound >= 593
    assert not race.proven()


def test_cp_sat_keeps_the_bounds_its_search_reported() -> None:
    """The slack side: a level CP-SAT proves keeps its bound, in a race and alone."""
    scenario = generate_scenario(0, 60, 3)
    index = VisitIndex(scenario)
    choices = [index.model_sessions(r) for r in range(len(index.requests))]
    vm = VisitModel(index, choices)
    vm.model.maximize(vm.priority())
    alone = vm.solve(SolveOptions(workers=1), Deadline(None), "visits", None)
    assert alone.solved and alone.bound == alone.value
    race = LevelRace(minimise=False, value=None, bound=None)
    raced = vm.solve(SolveOptions(workers=1), Deadline(None), "visits", None, race=race)
    assert raced.solved and race.bound == race.value == alone.value


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[HighsLevel]:
    """Record every HiGHS level the solver builds."""
    import parcelroute.visits.solver as solver

    built: list[HighsLevel] = []
    real = solver.HighsLevel

    def counted(*args: Any, **kwargs: Any) -> HighsLevel:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(solver, "HighsLevel", counted)
    return built


def test_the_search_beside_proves_level2_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once level 1 is over, the idle core joins the run ahead with level 2's own model; here
    the run ahead only waits for the race to end, so the search beside alone proves level 2,
    to the values of one worker."""
    import parcelroute.visits.solver as solver
    from parcelroute.visits.mip import MipLevel

    def wait(self: Any, highs: HighsLevel) -> MipLevel:
        assert self._race is not None and self._race.stopped.wait(120)
        return MipLevel(False)

    scenario, alone = _month_100_alone()
    monkeypatch.setattr(solver._Ahead, "_steps", wait)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert result.stats["visits_level2_ahead"] == 1.0
    assert "visits_level2_beside_seconds" in result.stats
    assert pr.verify(scenario, result) == []
    assert result.status.value == "optimal"
    assert result.objective == alone.objective == result.bound


def test_the_leaning_run_ahead_proves_level2_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run ahead minimises the leaning cost (an objective offset of weight times its
    priority); with nothing beside it, it proves level 2 to the values of one worker."""
    import parcelroute.visits.solver as solver

    scenario, alone = _month_100_alone()
    monkeypatch.setattr(solver._Ahead, "join", lambda *a, **k: None)
    built = _recording(monkeypatch)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert result.stats["visits_level2_ahead"] == 1.0
    assert "visits_level2_beside_seconds" not in result.stats
    assert any(h.offset >= result.objective["visit_priority"] for h in built)
    assert result.status.value == "optimal"
    assert result.objective == alone.objective == result.bound


def test_no_leaning_cost_when_its_numbers_grow_too_large(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a leaning weight the run ahead minimises the plain cost and answers level 2
    alone, as before: nothing runs beside it."""
    import parcelroute.visits.model as model

    scenario = generate_scenario(0, 100, 0)
    monkeypatch.setattr(model, "MAX_LEANING_MAGNITUDE", 0)
    built = _recording(monkeypatch)
    result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert result.stats["visits_level2_ahead"] == 1.0
    assert "visits_level2_beside_seconds" not in result.stats
    assert built and all(h.offset == 0 for h in built)
    assert result.status.value == "optimal"
    assert result.objective == result.bound


def test_a_failing_level2_ahead_leaves_level2_to_highs_as_usual(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The run ahead is optional: when it fails, the error is logged and level 2 is solved
    as without it, to the same proven values."""
    import parcelroute.visits.solver as solver

    def fail(self: object, highs: HighsLevel) -> None:
        raise RuntimeError("no HiGHS today")

    built: list[HighsLevel] = []
    real = solver.HighsLevel

    def counted(*args: Any, **kwargs: Any) -> HighsLevel:
        built.append(real(*args, **kwargs))
        return built[-1]

    scenario, exact = _month_100_alone()
    monkeypatch.setattr(solver._Ahead, "_steps", fail)
    monkeypatch.setattr(solver, "HighsLevel", counted)
    with caplog.at_level(logging.ERROR, logger="parcelroute"):
        result = pr.solve(scenario, time_limit=SIDE_BY_SIDE, workers=2)
    assert "level 2 ahead failed" in caplog.text
    assert result.stats["visits_level2_ahead"] == 1.0
    assert len(built) == 3  # the run ahead, level 1, and level 2 as usual
    assert pr.verify(scenario, result) == []
    assert result.status.value == "optimal"
    assert result.objective == exact.objective == result.bound
