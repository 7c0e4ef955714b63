"""Fixtures shared across the test folders."""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def rens_loop_model(tmp_path: Path) -> Path:
    """The transport-cost level of ``generate --visits 500 --seed 19`` as an MPS file:
    with RENS, HiGHS 1.16 loops forever on it (the presolve of a RENS sub-MIP)."""
    model = tmp_path / "rens_loop.mps"
    model.write_bytes(gzip.decompress((DATA / "visits_rens_loop.mps.gz").read_bytes()))
    return model


@pytest.fixture
def run_script() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a Python script in a subprocess, ``run_script(script, *args, fail=message)``:
    the test fails with ``message`` if it has not returned in 90 s, so that a HiGHS run
    that never returns fails the test instead of hanging the suite."""

    def run(script: str, *args: object, fail: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([sys.executable, "-c", script, *map(str, args)],
                                  capture_output=True, text=True, timeout=90)
        except subprocess.TimeoutExpired:
            pytest.fail(fail)

    return run
