"""Tests of parcelroute.result: the summary a coordinator reads."""

from __future__ import annotations

import pytest

from parcelroute.result import Result, Status


def _result(objective: dict[str, float], bound: dict[str, float]) -> Result:
    return Result(scenario="month", status=Status.FEASIBLE, solve_seconds=1.0,
                  objective=objective, bound=bound)


@pytest.mark.parametrize(("objective", "bound", "line"), [
    ({"delivered_priority": 10, "batch_cost": 107}, {"delivered_priority": 10, "batch_cost": 100},
     "gap: 6.542 % (batch_cost)"),
    ({"visit_priority": 3671, "transport_cost": 15864},
     {"visit_priority": 3672, "transport_cost": 0},
     "gap: 100.000 % (transport_cost; visit_priority 0.027 %)"),
    ({"delivered_priority": 10, "batch_cost": 100}, {"delivered_priority": 10, "batch_cost": 100},
     "gap: 0.000 %"),
])
def test_the_gap_line_names_each_open_level(objective: dict[str, float],
                                            bound: dict[str, float], line: str) -> None:
    """Binds where a level is open: the largest gap names its level, then the other open
    levels follow; slack on a proven plan: the gap alone."""
    result = _result(objective, bound)
    assert result.summary().splitlines()[-1] == line
