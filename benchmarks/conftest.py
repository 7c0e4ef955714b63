"""Shared fixtures of the benchmark suite: generated scenarios, made once per session."""

from __future__ import annotations

from functools import cache

import pytest

from parcelroute.generate import generate_scenario
from parcelroute.model.scenario import Scenario


@cache
def month(parcels: int = 0, visits: int = 0, seed: int = 2026) -> Scenario:
    """A synthetic month from ``parcelroute generate`` (cached)."""
    return generate_scenario(parcels, visits, seed)


@pytest.fixture
def scenario_of() -> object:
    return month
