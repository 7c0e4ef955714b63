"""The entry point: :func:`solve` plans a whole scenario, parcels and visits."""

from __future__ import annotations

import logging

from parcelroute._highs import solve_ends_at
from parcelroute.model.scenario import Scenario
from parcelroute.options import Deadline, PartOutcome, ProgressCallback, SolveOptions, SubDeadline
from parcelroute.result import LEVELS, Result, Status

__all__ = ["solve"]

logger = logging.getLogger("parcelroute")

#: With parcels and visits to plan under a time limit, the visit half (solved first) has at
#: most this share of the time; the parcel half has the rest.
VISIT_SHARE = 0.4
#: When the parcel half ends with at least this many seconds left and the visit half is
#: not proven, the visits go on from their plan in that time.
RESUME_MIN_SECONDS = 1.0
#: Two values closer than this (relative) count as equal when deciding optimality.
TOLERANCE = 1e-9


def _within(value: float, bound: float, gap: float) -> bool:
    return abs(value - bound) <= gap * max(1.0, abs(value), abs(bound))


def _proven(value: float, bound: float) -> bool:
    return _within(value, bound, TOLERANCE)


def _goes_on(visits: PartOutcome, options: SolveOptions, deadline: Deadline) -> bool:
    """Whether the visit half, short of a proof or of the accepted gap, goes on in the time
    the parcel half left (at least :data:`RESUME_MIN_SECONDS`)."""
    left = deadline.left()
    if visits.resume is None or left is None or left < RESUME_MIN_SECONDS:
        return False
    gap = max(TOLERANCE, options.relative_gap)
    return not all(_within(value, visits.bound[name], gap)
                   for name, value in visits.objective.items())


def solve(
    scenario: Scenario,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    relative_gap: float = 0.0,
    workers: int = 2,
    callback: ProgressCallback | None = None,
) -> Result:
    """Plan every parcel and visit request of a scenario, optimally where time allows.

    The parcel half maximises delivered priority, then minimises the cost of
    operated batches; the visit half maximises scheduled priority, then
    minimises transport cost. Each level is optimised in strict order and
    reported with its value and a proven bound.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    time_limit : float, optional
        Wall-time limit in seconds for the whole solve. Without one, the solve
        runs until every level is proven (or ``relative_gap`` is reached). A
        limit shorter than building a first (greedy) plan is overrun by that
        much: that plan is then the result, every item in it, and no search
        or bound starts once the limit is reached; ``0`` asks for that first
        plan alone. (On the command line, ``--time-limit 0`` means no limit.)
    seed : int, default 0
        Random seed, 0 to 2**31 - 1: without a time limit the same scenario
        and seed give the same plan; under one, see :attr:`SolveOptions.seed`.
    relative_gap : float, default 0
        Accept a level once its relative gap is at most this (0 or more).
    workers : int, default 2
        Solver threads, 1 to 64.
    callback : callable, optional
        Receives a :class:`~parcelroute.Progress` on each new incumbent or bound.

    Returns
    -------
    Result
        Never raises for a hard scenario: a plan that is not proven optimal
        has status ``feasible``.

    Raises
    ------
    TypeError
        If ``scenario`` is not a :class:`~parcelroute.Scenario` (read a file
        with :func:`~parcelroute.read_scenario`, a parsed one with
        :func:`~parcelroute.read_scenario_dict`).
    ValueError
        If a setting is out of its range; the message names it and the value.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="one parcel")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=30)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"], cost=100)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
    ...                  ready="2026-12-01", due="2026-12-03")
    >>> result = pr.solve(b.build())
    >>> result.status.value, result.parcels[0].batch, str(result.parcels[0].arrives)
    ('optimal', 'B-1', '2026-12-02')
    """
    if not isinstance(scenario, Scenario):
        raise TypeError("The 'scenario' of a solve must be a Scenario (from read_scenario, "
                        "read_scenario_dict or ScenarioBuilder.build()); got "
                        f"{type(scenario).__name__} instead.")
    options = SolveOptions(time_limit, seed, relative_gap, workers, callback)
    deadline = Deadline(time_limit)
    with solve_ends_at(None if time_limit is None else deadline.start + time_limit):
        return _solve(scenario, options, deadline)


def _solve(scenario: Scenario, options: SolveOptions, deadline: Deadline) -> Result:
    """The body of :func:`solve`, under its deadline."""
    parts: list[PartOutcome] = []
    has_visits = bool(scenario.visit_requests)
    has_parcels = bool(scenario.parcels or scenario.batches or not has_visits)
    if has_visits:
        # the visits first, with at most a share of the time: the parcels take all the rest,
        # so a visit half proven early leaves its time to the parcels (and a parcel half
        # proven early leaves its own to the visits, which then go on from their plan)
        from parcelroute.visits.solver import solve_visits

        # (batches without parcels need no time: they all stay unused)
        left = deadline.left()
        own = deadline if left is None or not scenario.parcels else SubDeadline(
            deadline, VISIT_SHARE * left)
        parts.append(solve_visits(scenario, options, own))
    if has_parcels:
        from parcelroute.parcels.packing import solve_parcel_half

        parts.append(solve_parcel_half(scenario, options, deadline))
    if has_visits and scenario.parcels and _goes_on(parts[0], options, deadline):
        # the parcels left time, and the visits can use it: they go on from their plan
        from parcelroute.visits.solver import VisitResume

        assert isinstance(parts[0].resume, VisitResume)
        parts[0] = solve_visits(scenario, options, deadline, resume=parts[0].resume)
    objective: dict[str, float] = {}
    bound: dict[str, float] = {}
    stats: dict[str, float] = {}
    for part in parts:
        objective.update(part.objective)
        bound.update(part.bound)
        stats.update(part.stats)
    for name, _ in LEVELS:
        objective.setdefault(name, 0)
        bound.setdefault(name, 0)
    proven = all(_proven(objective[name], bound[name]) for name, _ in LEVELS)
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    result = Result(
        scenario=scenario.name,
        status=status,
        solve_seconds=deadline.elapsed(),
        objective=objective,
        bound=bound,
        parcels=tuple(p for part in parts for p in part.parcels),
        batches=tuple(b for part in parts for b in part.batches),
        visits=tuple(v for part in parts for v in part.visits),
        stats=stats,
    )
    logger.info("solved %r: %s in %.2f s", scenario.name, status.value, result.solve_seconds)
    return result
