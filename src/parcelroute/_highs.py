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

__all__ = ["new_highs"]

_banner_shown = False
_scheduler_threads: object = None


class _Highs(highspy.Highs):
    """HiGHS whose global thread pool always matches this instance's ``threads`` option."""

    def run(self) -> highspy.HighsStatus:
        """Solve, after matching the global thread pool to this instance."""
        global _scheduler_threads
        threads = self.getOptionValue("threads")
        if _scheduler_threads != threads:
            if _scheduler_threads is not None:
                self.resetGlobalScheduler(True)
            _scheduler_threads = threads
        return super().run()


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
