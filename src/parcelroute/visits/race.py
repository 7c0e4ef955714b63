"""Race HiGHS and CP-SAT on one objective level, one core each.

Both provers work on the same level at the same time: HiGHS in a thread of
its own (its ``run`` releases the GIL), CP-SAT in the calling thread. They
share, through a :class:`LevelRace`, the best value of a *verified* plan
(CP-SAT's own solutions, and HiGHS solutions CP-SAT accepted) and the best
bound proven by either. The level is closed as soon as the best value meets
the best bound (or is within the relative gap asked): the prover still
running is stopped (CP-SAT with ``stop_search``, HiGHS through its interrupt
callback) and the HiGHS thread is joined before :func:`run_race` returns.

All values and bounds are integers in the CP-SAT objective's own sense and
units; a bound is a lower bound when minimising and an upper bound when
maximising, so the combined bound is the larger (minimising) or the smaller
(maximising) of the two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["LevelRace", "RaceResult", "better_value", "run_race", "tighter_bound"]

logger = logging.getLogger("parcelroute")

#: Seconds between two requests to stop CP-SAT once the race is over.
STOP_POLL_SECONDS = 0.05

_A = TypeVar("_A")
_B = TypeVar("_B")


def tighter_bound(a: int | None, b: int | None, *, minimise: bool) -> int | None:
    """The better of two proven bounds (``None``: nothing proven).

    Examples
    --------
    >>> tighter_bound(7, 9, minimise=True), tighter_bound(7, 9, minimise=False)
    (9, 7)
    >>> tighter_bound(None, 4, minimise=True), tighter_bound(None, None, minimise=False)
    (4, None)
    """
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b) if minimise else min(a, b)


def better_value(a: int | None, b: int | None, *, minimise: bool) -> bool:
    """Whether value ``a`` is strictly better than ``b`` (``None``: no plan).

    Examples
    --------
    >>> better_value(5, 6, minimise=True), better_value(5, 6, minimise=False)
    (True, False)
    >>> better_value(3, None, minimise=True), better_value(None, 3, minimise=True)
    (True, False)
    """
    if a is None:
        return False
    if b is None:
        return True
    return a < b if minimise else a > b


class LevelRace:
    """What two provers of one level share: best verified value, best bound, a stop flag.

    Thread-safe. ``notify(value, bound)`` is called (under the lock, so one
    call at a time) whenever either improves.

    Parameters
    ----------
    minimise : bool
        The sense of the level.
    value : int or None
        The value of a verified plan known before the race.
    bound : int or None
        A bound proven before the race.
    relative_gap : float
        The level is done once the value is within this relative gap of the bound.
    notify : callable, optional
        Progress sink.

    Examples
    --------
    >>> race = LevelRace(minimise=True, value=10, bound=None)
    >>> race.offer_bound(8, "cp-sat"); race.offer_bound(7, "highs")
    >>> race.bound, race.bound_source, race.proven()
    (8, 'cp-sat', False)
    >>> race.offer_value(8, "highs")
    >>> race.proven(), race.source
    (True, 'highs')
    """

    def __init__(self, *, minimise: bool, value: int | None, bound: int | None,
                 relative_gap: float = 0.0,
                 notify: Callable[[int | None, int | None], None] | None = None) -> None:
        self.minimise = minimise
        self.value = value
        self.source = "start"
        self.bound = bound
        self.bound_source = "known"
        self.relative_gap = relative_gap
        self.notify = notify
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._stoppers: list[Callable[[], None]] = []

    def offer_value(self, value: int, source: str) -> None:
        """A verified plan of this value was found by ``source``."""
        with self._lock:
            if better_value(value, self.value, minimise=self.minimise):
                self.value, self.source = value, source
                self._changed()

    def offer_bound(self, bound: int, source: str) -> None:
        """``source`` proved this bound."""
        with self._lock:
            if tighter_bound(bound, self.bound, minimise=self.minimise) != self.bound:
                self.bound, self.bound_source = bound, source
                self._changed()

    def _changed(self) -> None:
        """Report, and stop both provers once the level is done (lock held)."""
        if self.notify is not None:
            self.notify(self.value, self.bound)
        if self._done():
            self._stop()

    def proven(self) -> bool:
        """Whether the best value meets the best bound."""
        if self.value is None or self.bound is None:
            return False
        return self.value <= self.bound if self.minimise else self.value >= self.bound

    def _done(self) -> bool:
        if self.proven():
            return True
        if self.value is None or self.bound is None or self.relative_gap <= 0:
            return False
        gap = abs(self.value - self.bound)
        return gap <= self.relative_gap * max(abs(self.value), abs(self.bound), 1)

    def done(self) -> bool:
        """Whether the level is proven, or within the relative gap asked."""
        with self._lock:
            return self._done()

    def add_stopper(self, stop: Callable[[], None]) -> None:
        """Call ``stop`` when the race ends (at once if it already has)."""
        with self._lock:
            self._stoppers.append(stop)
            if self.stopped.is_set():
                stop()

    def stop(self) -> None:
        """End the race: both provers are asked to stop."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        """Set the flag and call every stopper (again: one may not have been listening)."""
        self.stopped.set()
        for stop in self._stoppers:
            stop()


@dataclass
class RaceResult(Generic[_A, _B]):
    """What each prover returned (``None``: it did not run or failed)."""

    highs: _A | None
    cp_sat: _B | None


def run_race(race: LevelRace, highs: Callable[[LevelRace], _A],
             cp_sat: Callable[[LevelRace], _B]) -> RaceResult[_A, _B]:
    """Run ``highs`` in a thread and ``cp_sat`` here, until both have returned.

    Each gets the shared ``race`` and is stopped as soon as the level is
    done, so the race ends with the faster proof. CP-SAT returning (done or
    out of time) also stops HiGHS; HiGHS returning without the level done
    (out of time, or its plan refused) leaves CP-SAT to go on. The HiGHS
    thread is always joined; an exception of it is logged and its result
    left out (CP-SAT's still counts).

    Examples
    --------
    >>> race = LevelRace(minimise=False, value=3, bound=None)
    >>> def fast(r: LevelRace) -> str:
    ...     r.offer_bound(3, "highs")
    ...     return "proved"
    >>> def slow(r: LevelRace) -> str:
    ...     return "stopped" if r.stopped.wait(5.0) else "timed out"
    >>> out = run_race(race, fast, slow)
    >>> out.highs, out.cp_sat, race.proven()
    ('proved', 'stopped', True)
    """
    box: dict[str, _A] = {}
    finished = threading.Event()

    def highs_side() -> None:
        try:
            box["out"] = highs(race)
        except Exception:  # logged: CP-SAT's answer still stands
            logger.exception("visits: HiGHS failed in the race")
        # CP-SAT may have been between two checks when the race ended: ask until it returns
        while race.done() and not finished.wait(STOP_POLL_SECONDS):
            race.stop()

    thread = threading.Thread(target=highs_side, name="visits-highs", daemon=True)
    thread.start()
    try:
        mine = cp_sat(race)
    finally:
        finished.set()
        race.stop()
        thread.join()
    return RaceResult(box.get("out"), mine)
