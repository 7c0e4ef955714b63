"""HiGHS instances for every part of parcelroute that solves with HiGHS.

HiGHS keeps one thread pool per process and refuses to run an instance that
asks for a different number of threads than the pool was made with; parts of
parcelroute use one or two threads in the same process, so every instance
comes from :func:`new_highs`, whose ``run`` resets the pool when the count
changes. The start-up banner HiGHS prints on its first instance is kept off
standard output.
"""

from __future__ import annotations

import os
import sys

import highspy

__all__ = ["new_highs", "prepare_threads"]

_banner_shown = False
_scheduler_threads: object = None


def _match_pool(threads: object) -> None:
    global _scheduler_threads
    if _scheduler_threads != threads:
        if _scheduler_threads is not None:
            highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = threads


class _Highs(highspy.Highs):
    """HiGHS whose global thread pool always matches this instance's ``threads`` option."""

    def run(self) -> highspy.HighsStatus:
        """Solve, after matching the global thread pool to this instance."""
        _match_pool(self.getOptionValue("threads"))
        return super().run()


def prepare_threads(threads: int) -> None:
    """Match HiGHS's thread pool to ``threads`` before instances run side by side.

    Resetting the pool while another instance solves is unsafe: call this on
    the main thread before starting HiGHS instances on several threads, all
    asking for ``threads``, so that none of them resets it.
    """
    _match_pool(threads)


def new_highs() -> highspy.Highs:
    """A HiGHS instance (its start-up banner is kept off standard output).

    Its ``run`` resets HiGHS's process-wide thread pool when this instance
    asks for another number of threads than the previous run did; HiGHS
    would otherwise refuse to solve.
    """
    global _banner_shown
    if _banner_shown:
        return _Highs()  # type: ignore[no-untyped-call]
    _banner_shown = True
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = _Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h
