"""Tests of parcelroute._gc: the collector held back while many objects are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from parcelroute._gc import paused


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Restore the collector's state after the test, whatever it did."""
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_state")
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_back_as_it_was(enabled: bool) -> None:
    """Held back inside; enabled again after only where it was (a caller's disabled
    collector stays disabled: binds; an enabled one comes back: slack)."""
    (gc.enable if enabled else gc.disable)()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("collector_state")
def test_the_collector_comes_back_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="bad"), paused():
        raise ValueError("bad")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_state")
def test_reading_a_scenario_leaves_the_collector_enabled(tmp_path: Path) -> None:
    """Reading holds it back, and gives it back, also when the file is refused."""
    import parcelroute as pr

    gc.enable()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "parcelroute-scenario/1", "parcels": 3}')
    with pytest.raises(pr.InvalidScenarioError):
        pr.read_scenario(bad)
    assert gc.isenabled()
