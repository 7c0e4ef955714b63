"""HiGHS instances for every part of parcelroute that solves with HiGHS.

HiGHS keeps one thread pool per process and refuses to run an instance that
asks for a different number of threads than the pool was made with; parts of
parcelroute use one or two threads in the same process, so every instance
comes from :func:`new_highs`, whose ``run`` resets the pool when the count
changes and no other run is under way (resetting it under a running instance
is unsafe); a run asking for another count while one is takes the pool's
count instead. The start-up banner HiGHS prints on its first instance is kept
off standard output.

A run with a time limit is also guarded: HiGHS 1.16 has loops that check
neither the time limit nor interrupts (the presolve of a RENS sub-MIP, for
one), so a run that has not returned :data:`OVERRUN_SECONDS` (plus
:data:`OVERRUN_FRACTION` of its limit) after its time limit is left behind on
its own thread. It then reports a time limit with no solution and no bound,
and the thread pool is never reset while it still runs. While a solve with a
time limit is under way (:func:`solve_ends_at`), no run is waited for past the
solve's end (but each still gets :data:`END_OVERRUN_SECONDS` past its own
limit): a 60 s solve whose last MIP ignored its limit used to end at 63.5 s.

A process that ends while a run left behind still runs can be aborted by
HiGHS' own clean-up (``terminate called without an active exception``). Once
a run is left behind, the end of the process therefore waits (up to
:data:`EXIT_WAIT_SECONDS`) for every such run to return; the ``parcelroute``
command, which ends with :func:`os._exit` once its output is written, does
not wait.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import highspy

__all__ = ["END_OVERRUN_SECONDS", "EXIT_WAIT_SECONDS", "OVERRUN_FRACTION", "OVERRUN_SECONDS",
           "leave_behind", "new_highs", "prepare_threads", "runs_left_behind", "solve_ends_at"]

logger = logging.getLogger("parcelroute")

#: Seconds past its time limit after which a HiGHS run is left behind.
OVERRUN_SECONDS = 1.5
#: ... plus this fraction of the time limit.
OVERRUN_FRACTION = 0.1
#: Seconds past its own time limit that a run is waited for in any case, even past the end
#: of the solve under way (runs that keep their limit return within 0.8 s of it).
END_OVERRUN_SECONDS = 0.5
#: Longest wait, when the process ends, for the runs left behind to return. Those of a 60 s
#: solve of an independent 20,000-parcel month returned 2.4-4.7 s after it; a run caught in
#: one of HiGHS' endless loops never does, and the process then ends as it would have.
EXIT_WAIT_SECONDS = 30.0

_banner_shown = False
#: held while the first instance is made with standard output silenced (see new_highs)
_banner_lock = threading.Lock()
_scheduler_threads: int | None = None
_pool_lock = threading.Lock()
#: HiGHS runs under way (a run left behind counts until it returns, if ever); the pool is
#: never reset while one is.
_running = 0
#: Runs left behind that have not returned yet.
_left_behind = 0
#: Notified whenever a run left behind returns.
_returned = threading.Condition(_pool_lock)
_exit_wait_registered = False
#: The ends (``time.perf_counter()`` values) of the solves under way with a time limit.
_solve_ends: list[float] = []
_ends_lock = threading.Lock()


@contextmanager
def solve_ends_at(end: float | None) -> Iterator[None]:
    """Within this block no HiGHS run is waited for past ``end`` (a ``perf_counter`` value).

    ``None`` (no time limit) changes nothing. With several solves under way
    in one process, the latest end counts.

    Examples
    --------
    >>> import time
    >>> with solve_ends_at(time.perf_counter() + 60):
    ...     _wait_cap() is not None
    True
    >>> _wait_cap() is None
    True
    """
    if end is None:
        yield
        return
    with _ends_lock:
        _solve_ends.append(end)
    try:
        yield
    finally:
        with _ends_lock:
            _solve_ends.remove(end)


def _wait_cap() -> float | None:
    """Seconds until the latest end of the solves under way (``None``: no such solve)."""
    with _ends_lock:
        if not _solve_ends:
            return None
        return max(_solve_ends) - time.perf_counter()


def _match_pool(threads: int, *, start: bool = False) -> int:
    """Match the pool to ``threads``; the count a run must ask for (the pool's own
    count while another run still uses the pool). With ``start`` the caller's run
    is counted as under way until :func:`_run_ended`."""
    global _scheduler_threads, _running
    with _pool_lock:
        if _scheduler_threads != threads:
            if _scheduler_threads is not None and _running:
                threads = _scheduler_threads
            else:
                if _scheduler_threads is not None:
                    highspy.Highs.resetGlobalScheduler(True)
                _scheduler_threads = threads
        if start:
            _running += 1
        return threads


def _count_ended(abandoned: bool) -> None:
    """Count a run as ended (``_pool_lock`` held); one left behind leaves that count too."""
    global _running, _left_behind
    _running -= 1
    if abandoned:
        _left_behind -= 1
        _returned.notify_all()


def _leave_behind() -> None:
    """Count a run as left behind (``_pool_lock`` held); the process's end will wait for it."""
    global _left_behind, _exit_wait_registered
    _left_behind += 1
    if not _exit_wait_registered:
        atexit.register(_wait_at_exit)
        _exit_wait_registered = True


def _wait_at_exit() -> None:
    """Wait, up to :data:`EXIT_WAIT_SECONDS`, for the runs left behind to return.

    Registered with :mod:`atexit` when a run is first left behind, so that
    the process does not end (and HiGHS' clean-up abort it) while one runs.
    """
    end = time.monotonic() + EXIT_WAIT_SECONDS
    with _returned:
        if _left_behind:
            logger.warning("waiting up to %.0f s for %d HiGHS run(s) left behind to return "
                           "before the process ends", EXIT_WAIT_SECONDS, _left_behind)
        while _left_behind and (left := end - time.monotonic()) > 0:
            _returned.wait(left)
        if _left_behind:
            logger.warning("%d HiGHS run(s) left behind still run as the process ends",
                           _left_behind)


def _run_ended() -> None:
    with _pool_lock:
        _count_ended(False)


class _Highs(highspy.Highs):
    """HiGHS whose global thread pool always matches this instance's ``threads``
    option, and whose runs are guarded against ignoring their time limit."""

    _abandoned = False
    _minimize = True
    _in_run = False

    def leave_behind(self) -> bool:
        """Count this instance's run, under way on another thread, as left behind.

        For a run whose result is no longer wanted but which does not stop at
        once (an interrupt is only seen between HiGHS' phases): the process's
        end then waits for it, as for a run that ignores its time limit, and
        the instance reports no solution and no bound. False when no run is
        under way or it was already left behind.
        """
        with _pool_lock:
            if not self._in_run or self._abandoned:
                return False
            self._abandoned = True
            _leave_behind()
            return True

    def _ended(self) -> None:
        """Count the run as ended (``_pool_lock`` held)."""
        self._in_run = False
        _count_ended(self._abandoned)

    def run(self) -> highspy.HighsStatus:
        """Solve, after matching the global thread pool to this instance.

        A run with a time limit that has not returned :data:`OVERRUN_SECONDS`
        plus :data:`OVERRUN_FRACTION` of its limit after that limit is left
        behind: the instance then reports ``kTimeLimit``, no solution and no bound.
        """
        threads = int(self.getOptionValue("threads")[1])
        pool = _match_pool(threads, start=True)
        if pool != threads:
            logger.debug("HiGHS runs with the %s threads of a pool still in use", pool)
            self.setOptionValue("threads", pool)
        with _pool_lock:
            self._in_run = True
        limit = float(self.getOptionValue("time_limit")[1])
        if not math.isfinite(limit) or limit >= 1e9:
            try:
                return super().run()
            finally:
                with _pool_lock:
                    self._ended()
        self._minimize = self.getObjectiveSense()[1] == highspy.ObjSense.kMinimize
        outcome: list[object] = []
        done = threading.Event()
        finished = False

        def work() -> None:
            nonlocal finished
            try:
                outcome.append(highspy.Highs.run(self))
            except BaseException as exc:  # handed to the caller below
                outcome.append(exc)
            finally:
                with _pool_lock:
                    finished = True
                    self._ended()
                done.set()

        worker = threading.Thread(target=work, name="parcelroute-highs", daemon=True)
        started = time.perf_counter()
        try:
            worker.start()
        except BaseException:
            with _pool_lock:
                self._ended()
            raise
        wait = limit + OVERRUN_SECONDS + OVERRUN_FRACTION * limit
        cap = _wait_cap()
        if cap is not None:
            # not past the solve's end, unless the run's own limit reaches beyond it
            wait = min(wait, max(limit + END_OVERRUN_SECONDS, cap))
        if not done.wait(wait):
            with _pool_lock:
                if not finished and not self._abandoned:
                    self._abandoned = True
                    _leave_behind()
            if self._abandoned:
                logger.warning("HiGHS has not returned %.1f s after its time limit of %.1f s: "
                               "its run is left behind and none of its results is used",
                               max(0.0, wait - limit), limit)
                return highspy.HighsStatus.kWarning
        done.wait()
        worker.join()
        late = time.perf_counter() - started - limit
        if late > 0.5:
            logger.debug("HiGHS returned %.2f s after its time limit of %.1f s", late, limit)
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[return-value]

    def getModelStatus(self) -> highspy.HighsModelStatus:  # noqa: N802 - HiGHS' name
        """The model status (``kTimeLimit`` for a run left behind)."""
        if self._abandoned:
            return highspy.HighsModelStatus.kTimeLimit
        return super().getModelStatus()

    def getInfo(self) -> highspy.HighsInfo:  # noqa: N802 - HiGHS' name
        """The run's information (no solution and no bound for a run left behind)."""
        if not self._abandoned:
            return super().getInfo()
        info = highspy.HighsInfo()
        info.objective_function_value = math.nan
        info.mip_dual_bound = -math.inf if self._minimize else math.inf
        info.mip_gap = math.inf
        return info

    def getSolution(self) -> highspy.HighsSolution:  # noqa: N802 - HiGHS' name
        """The solution (empty for a run left behind)."""
        if self._abandoned:
            return highspy.HighsSolution()
        return super().getSolution()


def leave_behind(h: highspy.Highs) -> bool:
    """Count the run of ``h`` (from :func:`new_highs`), under way on another thread, as left
    behind (see :meth:`_Highs.leave_behind`); False for any other instance."""
    return isinstance(h, _Highs) and h.leave_behind()


def was_left_behind(h: highspy.Highs) -> bool:
    """Whether the last run of ``h`` (from :func:`new_highs`) was left behind: its worker
    may still be inside HiGHS, so ``h`` must not be changed or run again."""
    return isinstance(h, _Highs) and h._abandoned


def runs_left_behind() -> int:
    """How many HiGHS runs were left behind and have not returned yet.

    Each keeps running on a thread of its own until it returns. A process that
    ends while one does may be aborted by HiGHS' own clean-up (``terminate
    called without an active exception``): the end of a process waits for
    them (see the module's description); the ``parcelroute`` command ends
    with :func:`os._exit` once its output is written and flushed, and does
    not wait.
    """
    with _pool_lock:
        return _left_behind


def prepare_threads(threads: int) -> None:
    """Match HiGHS's thread pool to ``threads`` before instances run side by side.

    Call this on the main thread before starting HiGHS instances on several
    threads, all asking for ``threads``: the pool is never reset under a
    running instance, so an instance asking for another count than a run
    already under way gets the pool's count instead.
    """
    _match_pool(threads)


def new_highs() -> highspy.Highs:
    """A HiGHS instance (its start-up banner is kept off standard output).

    Its ``run`` resets HiGHS's process-wide thread pool when this instance
    asks for another number of threads than the previous run did; HiGHS
    would otherwise refuse to solve. A run with a time limit that overruns
    it by far is left behind (see the module's description).
    """
    global _banner_shown
    if _banner_shown:
        return _Highs()  # type: ignore[no-untyped-call]
    # the first instance prints HiGHS' banner: any other thread making one meanwhile waits,
    # or its instance would be the first and print it (seen at 20,000 parcels, where level 1's
    # LP starts on a thread of its own beside the main thread's first MIP)
    with _banner_lock:
        if not _banner_shown:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    h = _Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown = True
            return h
    return _Highs()
