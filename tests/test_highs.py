"""Tests of parcelroute._highs: HiGHS instances, their thread pool and the run guard."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest

from parcelroute import _highs
from parcelroute._highs import new_highs


def _knapsack(threads: int, time_limit: float | None) -> highspy.Highs:
    """max 5a + 4b + 3c s.t. 2a + 3b + c <= 4, binary: optimum 8 (a and c)."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    if time_limit is not None:
        h.setOptionValue("time_limit", time_limit)
    h.addVars(3, np.zeros(3), np.ones(3))
    h.changeColsCost(3, np.arange(3, dtype=np.int32), np.array([-5.0, -4.0, -3.0]))
    h.changeColsIntegrality(3, np.arange(3, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * 3))
    h.addRow(-np.inf, 4.0, 3, np.arange(3, dtype=np.int32), np.array([2.0, 3.0, 1.0]))
    return h


@pytest.mark.parametrize("time_limit", [None, 5.0])
def test_a_run_that_returns_in_time_keeps_its_results(time_limit: float | None) -> None:
    """The guard does not bind: the run's own status, solution and bound come back."""
    before = threading.active_count()
    h = _knapsack(1, time_limit)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(-8.0)
    assert h.getInfo().mip_dual_bound == pytest.approx(-8.0)
    assert list(np.round(h.getSolution().col_value)) == [1.0, 0.0, 1.0]
    assert threading.active_count() == before  # the guard's thread has ended


def test_runs_with_other_thread_counts_follow_one_another() -> None:
    """The pool is reset between runs asking for 1 and 2 threads."""
    for threads in (2, 1, 2):
        h = _knapsack(threads, 5.0)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        assert h.getOptionValue("threads")[1] == threads


def test_a_run_beside_another_keeps_the_pool_it_runs_on() -> None:
    """Binds: while a 2-thread run is under way, a run asking for 1 thread gets the pool's
    2 instead of resetting the pool under it; once none is, the pool follows again."""
    _knapsack(2, 5.0).run()
    assert _highs._match_pool(2, start=True) == 2  # a run under way on another thread
    try:
        beside = _knapsack(1, 5.0)
        beside.run()
        assert beside.getOptionValue("threads")[1] == 2
        assert beside.getInfo().objective_function_value == pytest.approx(-8.0)
    finally:
        _highs._run_ended()
    assert _highs._running == 0
    alone = _knapsack(1, None)
    alone.run()
    assert alone.getOptionValue("threads")[1] == 1
    assert _highs._running == 0


_LEFT_BEHIND = """
import math, sys, time
import parcelroute._highs as guard
guard.OVERRUN_SECONDS, guard.OVERRUN_FRACTION = 1.0, 0.0
h = guard.new_highs()
h.setOptionValue("output_flag", False)
h.readModel(sys.argv[1])
h.setOptionValue("threads", 1)
h.setOptionValue("mip_abs_gap", 0.99)
h.setOptionValue("mip_heuristic_run_rens", True)
h.setOptionValue("time_limit", 14.0)
t = time.perf_counter()
h.run()
info = h.getInfo()
print(round(time.perf_counter() - t, 1), h.modelStatusToString(h.getModelStatus()),
      info.objective_function_value, info.mip_dual_bound, info.primal_solution_status,
      len(h.getSolution().col_value), guard.runs_left_behind(), sep="|")
again = guard.new_highs()
again.setOptionValue("output_flag", False)
again.readModel(sys.argv[1])
again.setOptionValue("threads", 2)
again.setOptionValue("mip_heuristic_run_rens", False)
again.setOptionValue("time_limit", 5.0)
again.run()
print(again.getOptionValue("threads")[1], again.getInfo().primal_solution_status)
import atexit
from parcelroute.cli import run
atexit.register(print, "clean-up ran")
sys.argv = ["parcelroute", "--version"]
run()
"""


_FIRST_ON_MANY_THREADS = """
import threading
from parcelroute._highs import new_highs
start = threading.Barrier(8)
made = []

def make() -> None:
    start.wait()
    made.append(new_highs())

threads = [threading.Thread(target=make) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(made), "instances")
"""


def test_the_banner_stays_off_standard_output_when_threads_make_the_first_instances(
        run_script: Callable[..., Any]) -> None:
    """Eight threads make the process's first HiGHS instances at once: HiGHS' start-up
    banner never reaches standard output (it did at 20,000 parcels, where level 1's LP
    starts on a thread of its own beside the main thread's first MIP)."""
    for _ in range(3):
        proc = run_script(_FIRST_ON_MANY_THREADS, fail="making HiGHS instances hung")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "8 instances\n"


def test_a_run_that_ignores_its_time_limit_is_left_behind(rens_loop_model: Path,
                                                          run_script: Callable[..., Any]) -> None:
    """The guard binds: HiGHS 1.16 with RENS loops forever on this model (the presolve of
    a RENS sub-MIP, entered 5-8 s into the run on an idle machine). The run is left
    behind 1 s after its 14 s limit with no solution and no bound, a later run asking
    for 2 threads runs on the pool's 1 thread instead of resetting it, and the
    ``parcelroute`` command then ends with its own status, skipping the process's
    clean-up, which HiGHS can abort while the run left behind goes on."""
    proc = run_script(_LEFT_BEHIND, rens_loop_model,
                      fail="a HiGHS run that ignores its time limit was not left behind")
    assert proc.returncode == 0, proc.stderr
    first, second, version = proc.stdout.splitlines()[-3:]
    seconds, status, value, bound, solution_status, columns, behind = first.split("|")
    assert 14.5 <= float(seconds) < 24.0
    assert status == "Time limit reached"
    assert math.isnan(float(value)) and float(bound) == -math.inf
    assert (solution_status, columns, behind) == ("0", "0", "1")
    assert second.split() == ["1", "2"]  # the pool's thread count, a feasible solution
    # the command ends without the process's clean-up, which HiGHS can abort while the
    # run left behind goes on ('terminate called without an active exception', status 134)
    assert version.startswith("parcelroute ")
    assert "clean-up ran" not in proc.stdout
    assert "left behind" in proc.stderr


def test_a_run_left_behind_reports_no_bound_for_a_maximisation() -> None:
    """A left-behind maximisation reports +inf as its bound, never a finite claim."""
    h = _knapsack(1, 5.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h._minimize = False  # what run() records before leaving a run behind
    h._abandoned = True
    assert h.getInfo().mip_dual_bound == math.inf
    assert h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    assert not h.getSolution().value_valid
    del h._abandoned
    assert _highs._Highs._abandoned is False


def _slow_run(monkeypatch: pytest.MonkeyPatch, seconds: float) -> threading.Event:
    """Make every HiGHS run ignore its limit: it returns only after ``seconds`` (or when the
    returned event is set)."""
    release = threading.Event()

    def run(self: highspy.Highs) -> highspy.HighsStatus:
        release.wait(seconds)
        return highspy.HighsStatus.kOk

    monkeypatch.setattr(highspy.Highs, "run", run)
    return release


def test_a_run_is_not_waited_for_past_the_end_of_the_solve(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: a run of limit 0.2 s that ignores it would be waited for 1.72 s; with the solve
    ending 0.9 s from now it is left behind at the solve's end."""
    release = _slow_run(monkeypatch, 10.0)
    h = _knapsack(1, 0.2)
    try:
        with _highs.solve_ends_at(time.perf_counter() + 0.9):
            t0 = time.perf_counter()
            h.run()
            waited = time.perf_counter() - t0
        assert h._abandoned
        assert 0.85 <= waited < 1.5
    finally:
        release.set()


def test_a_run_gets_a_little_past_its_own_limit_even_at_the_end_of_the_solve(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Does not bind: a solve already at its end still waits END_OVERRUN_SECONDS past the
    run's limit, and a run returning within that keeps its results; without a solve under
    way the usual overrun holds (1.5 s + 10 % here)."""
    monkeypatch.setattr(highspy.Highs, "run", lambda self: time.sleep(0.45) or
                        highspy.HighsStatus.kOk)
    with _highs.solve_ends_at(time.perf_counter()):
        h = _knapsack(1, 0.2)
        h.run()
        assert not h._abandoned
    release = _slow_run(monkeypatch, 10.0)
    h = _knapsack(1, 0.2)
    try:
        t0 = time.perf_counter()
        h.run()
        assert h._abandoned
        assert time.perf_counter() - t0 >= 0.2 + _highs.OVERRUN_SECONDS - 0.05
    finally:
        release.set()


_EXIT_WAIT = """
import sys, time, threading, highspy
import numpy as np
import parcelroute._highs as guard
seconds, wait = float(sys.argv[1]), float(sys.argv[2])
guard.OVERRUN_SECONDS, guard.OVERRUN_FRACTION = 0.3, 0.0
if wait >= 0:
    guard.EXIT_WAIT_SECONDS = wait

def run(self):  # a run that ignores its limit and returns after the given seconds
    time.sleep(seconds)
    print("run returned", flush=True)
    return highspy.HighsStatus.kOk

highspy.Highs.run = run
h = guard.new_highs()
h.setOptionValue("output_flag", False)
h.addVars(1, np.zeros(1), np.ones(1))
h.setOptionValue("time_limit", 0.2)
h.run()
print("left behind", guard.runs_left_behind(), time.monotonic(), flush=True)
"""


def _exit_wait(run_script: Callable[..., Any], seconds: float, wait: float) -> tuple[Any, float]:
    """Run :data:`_EXIT_WAIT`; the process and the seconds from the script's end to the exit."""
    proc = run_script(_EXIT_WAIT, seconds, wait, fail="the process did not end")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    left = next(line for line in lines if line.startswith("left behind"))
    assert left.split()[2] == "1"
    return proc, time.monotonic() - float(left.split()[3])


def test_the_process_waits_at_its_end_for_a_run_left_behind(
        run_script: Callable[..., Any]) -> None:
    """Binds: the script ends while its run left behind still runs (2.5 s after the
    start); the process waits for the run to return, with a warning, and ends then."""
    proc, _ = _exit_wait(run_script, 2.5, -1)
    assert proc.stdout.splitlines()[-1] == "run returned"
    assert "left behind to return before the process ends" in proc.stderr
    assert "still run as the process ends" not in proc.stderr


def test_the_wait_at_the_process_end_is_bounded(run_script: Callable[..., Any]) -> None:
    """Binds the other way: a run that would return only after 60 s is waited for
    EXIT_WAIT_SECONDS (1 s here), then the process ends without it."""
    proc, after = _exit_wait(run_script, 60.0, 1.0)
    assert "run returned" not in proc.stdout
    assert "still run as the process ends" in proc.stderr
    assert 0.9 <= after < 30.0


def test_no_wait_at_the_process_end_without_a_run_left_behind(
        run_script: Callable[..., Any]) -> None:
    """Does not bind: a run that returns in time leaves nothing to wait for."""
    proc = run_script("import parcelroute._highs as guard, numpy as np\n"
                      "h = guard.new_highs(); h.setOptionValue('output_flag', False)\n"
                      "h.addVars(1, np.zeros(1), np.ones(1)); h.setOptionValue('time_limit', 5.0)\n"
                      "h.run(); print(guard.runs_left_behind(), guard._exit_wait_registered)",
                      fail="the process did not end")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["0", "False"]
    assert "waiting" not in proc.stderr


def _two_second_run(time_limit: float | None) -> highspy.Highs:
    """The arc-flow MIP of a random bin packing instance: HiGHS needs about two seconds."""
    from parcelroute.bpplib import read_bpp_instance
    from parcelroute.parcels.binpacking import _ArcFlow

    capacity, sizes = read_bpp_instance(
        Path(__file__).parent / "data" / "bins_random_300_of_200.txt")
    values, demand = np.unique(sizes, return_counts=True)
    h = _ArcFlow(values[::-1].tolist(), demand[::-1].tolist(), capacity)._model()
    if time_limit is not None:
        h.setOptionValue("time_limit", time_limit)
    return h


@pytest.mark.parametrize("time_limit", [None, 60.0])
def test_a_run_under_way_can_be_left_behind(time_limit: float | None) -> None:
    """Binds: a run whose result is no longer wanted counts as left behind until it
    returns (the process's end would wait for it), then reports no solution and no bound."""
    h = _two_second_run(time_limit)
    runner = threading.Thread(target=h.run)
    runner.start()
    end = time.monotonic() + 1.0
    while not h._in_run and time.monotonic() < end:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert _highs.leave_behind(h)
    assert not _highs.leave_behind(h)  # once only
    assert _highs.runs_left_behind() == 1
    runner.join(timeout=60)
    assert not runner.is_alive()
    assert _highs.runs_left_behind() == 0
    assert h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    assert math.isinf(h.getInfo().mip_dual_bound)
    assert len(h.getSolution().col_value) == 0


def test_an_instance_without_a_run_under_way_is_not_left_behind() -> None:
    """Does not bind: before and after its run an instance has nothing to leave behind."""
    h = _knapsack(1, 5.0)
    assert not _highs.leave_behind(h)
    h.run()
    assert not _highs.leave_behind(h)
    assert _highs.runs_left_behind() == 0
    assert h.getInfo().objective_function_value == pytest.approx(-8.0)
    assert not _highs.leave_behind(highspy.Highs())  # not an instance of new_highs
