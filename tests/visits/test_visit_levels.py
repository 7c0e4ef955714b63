"""How a level passes from HiGHS to CP-SAT (``visits.solver._solve_level``)."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.sat.python import cp_model

from parcelroute.generate import generate_scenario_dict
from parcelroute.io import read_scenario_dict
from parcelroute.options import Deadline, SolveOptions
from parcelroute.visits import model as model_module
from parcelroute.visits import solver
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.mip import HighsLevel, MipLevel
from parcelroute.visits.model import Level, VisitModel


def _cost_level() -> tuple[VisitModel, dict[int, int], int]:
    """A small generated month at its best priority, minimising the transport cost.

    Returns the model, a plan of that priority and its scaled cost.
    """
    scenario = read_scenario_dict(generate_scenario_dict(0, 40, 3))
    index = VisitIndex(scenario)
    vm = VisitModel(index, [index.model_sessions(r) for r in range(len(index.requests))])
    assert vm.has_costs()
    vm.model.maximize(vm.priority())
    cp = cp_model.CpSolver()
    assert cp.solve(vm.model) == cp_model.OPTIMAL
    vm.model.add(vm.priority() >= round(cp.objective_value))
    vm.model.minimize(vm.cost())
    start = {i: int(cp.value(v)) for i, v in enumerate(vm.all_vars())}
    return vm, start, round(sum(c * start[v.index] for v, c in _cost_terms(vm)))


def _cost_terms(vm: VisitModel) -> list[tuple[Any, int]]:
    proto = vm.model.proto.objective
    return [(vm.model.get_int_var_from_proto_index(v), c)
            for v, c in zip(proto.vars, proto.coeffs, strict=True)]


class _Limit(Deadline):
    """A deadline with a fixed number of seconds always left."""

    def __init__(self, left: float) -> None:
        super().__init__(None)
        self._left = left

    def left(self) -> float | None:
        return self._left


@pytest.mark.parametrize(("left", "cp_sat_runs"), [(0.1, False), (30.0, True)])
def test_cp_sat_takes_over_an_open_cost_level_only_with_time_left(
        monkeypatch: pytest.MonkeyPatch, left: float, cp_sat_runs: bool) -> None:
    """HiGHS has the level's whole time; CP-SAT follows only with time left to use."""
    vm, start, value = _cost_level()
    budgets: list[float | None] = []

    def unproven(self: HighsLevel) -> MipLevel:
        budgets.append(self.seconds)
        return MipLevel(True, value=value, bound=value - 1, values=start)

    calls: list[float | None] = []

    def cp_sat(self: VisitModel, *args: Any, **kw: Any) -> Level:
        calls.append(args[3])
        return Level(False)

    monkeypatch.setattr(HighsLevel, "run", unproven)
    monkeypatch.setattr(VisitModel, "solve", cp_sat)
    setup = solver._LevelSetup("visits: transport_cost", "level2", True, 1.0, 1.0,
                               solver.LEVEL2_MIP_SHARE)
    answer = solver._solve_level(vm, vm.model, start, value, None, setup,
                                 SolveOptions(workers=2), _Limit(left), 0.0, {})
    assert budgets == [pytest.approx(left)]  # HiGHS: all of it
    assert (calls != []) == cp_sat_runs
    assert answer.value == value and answer.bound == value - 1


class _Found(model_module._Reporter):
    """A reporter fed solutions by hand (CP-SAT's own values stand in for a search)."""

    value = 0.0

    @property
    def objective_value(self) -> float:  # type: ignore[override]
        return self.value

    @property
    def best_objective_bound(self) -> float:  # type: ignore[override]
        return 3672.0


@pytest.mark.parametrize(("incumbent", "reported"), [(3671.0, [3672.0]),
                                                     (None, [3662.0, 3667.0, 3672.0])])
def test_cp_sat_reports_no_plan_worse_than_the_one_in_hand(
        incumbent: float | None, reported: list[float]) -> None:
    """Binds with a plan in hand (HiGHS' 3,671): CP-SAT's own worse plans after it are not
    shown as the incumbent; slack without one: every better plan is shown."""
    seen: list[float | None] = []
    options = SolveOptions(callback=lambda p: seen.append(p.incumbent))
    reporter = _Found(options, Deadline(None), "visits: visit_priority", 1.0, True, 3672.0,
                      incumbent=incumbent)
    for value in (3662.0, 3667.0, 3672.0):
        reporter.value = value
        reporter.on_solution_callback()
    assert seen == reported
