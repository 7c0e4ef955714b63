"""Reading and writing the scenario and plan files of FORMATS.md."""

from parcelroute.io.plan_io import PLAN_FORMAT, plan_to_dict, read_plan, read_plan_dict, write_plan
from parcelroute.io.scenario_io import (
    read_scenario,
    read_scenario_dict,
    scenario_to_dict,
    write_scenario,
)

__all__ = [
    "PLAN_FORMAT",
    "plan_to_dict",
    "read_plan",
    "read_plan_dict",
    "read_scenario",
    "read_scenario_dict",
    "scenario_to_dict",
    "write_plan",
    "write_scenario",
]
