"""Family visit scheduling: most priority first, then least transport cost, with bounds.

The solve runs in steps, each cheap enough for a month of several thousand
requests on two cores:

1. Without the escort and reciprocity rules the requests of each facility
   form a small model of their own; solving them one by one gives an upper
   bound on the scheduled priority and a start plan
   (:func:`~parcelroute.visits.lns.relax_by_facility`). When those plans
   break reciprocity, pricing the visits of the side ahead tightens the
   bound (:func:`~parcelroute.visits.lns.reciprocity_search`).
2. That plan is made to keep every rule, then improved a few facilities at a
   time (:func:`~parcelroute.visits.lns.improve_by_facility`; while a wide
   reciprocity agreement binds, a re-plan that keeps the priority but leaves
   room under it counts as better, for another facility to use). When the full
   model will not run, the other core meanwhile prices the scheduled
   priority (and reciprocity, at the price found in 1) facility by facility
   for a proven bound on the transport cost, the facilities' linear
   relaxations first, then their CP-SAT models
   (:func:`~parcelroute.visits.bounds.lagrangian_cost_bound`); once that is
   done (at once where there is no cost to price), it re-plans facilities
   beside the first core.
3. The full CP-SAT model (:class:`~parcelroute.visits.model.VisitModel`)
   starts from that plan: level 1 maximises the scheduled priority; level 2
   fixes it at the value reached and minimises the transport cost. Each
   level goes to HiGHS (:class:`~parcelroute.visits.mip.HighsLevel`: its cuts
   close the weak fixed-charge relaxation of the transport level much
   faster), then to CP-SAT while unproven; with many workers the two race
   on the level instead (:func:`~parcelroute.visits.race.run_race`), sharing
   the best verified value and the best bound. With two or three workers,
   HiGHS meanwhile starts level 2 on the other core at the priority of level
   1's bound (stepping down while it proves that priority out of reach),
   which is level 2's own model whenever level 1 ends there (:class:`_Ahead`).
   That run minimises a cost that leans to priority in its relaxation (the
   same value on every plan of its model), and once level 1 is over, the
   core level 1 used joins in with the plain cost: two searches, each fast
   on other months. Searches side by side, whose plan depends on which one
   finishes first, run only under a time limit: without one the levels run
   one after the other, and the same scenario and seed give the same plan.
   Each level's bound is the best one proven (for level 1 also the
   relaxation's and the steps down's, whichever is lower).
   On months too large for the full model in the time given, the improved
   plan and the relaxation bounds are the answer; when the improvement and
   the pricing end early, though, the full model gets the time they leave.
   A month the full model fits but needs long for (:data:`STAGED_MIN_SECONDS`)
   is improved and priced first, and its full model gets the rest; where that
   rest falls short of the forecast, the improvement gets the whole time.
   Where the start plan falls far below the relaxation's bound (escorts or a
   tight agreement tie the facilities together), the full model runs after
   all, with a millisecond per session choice at least (:func:`_coupled`).
4. Requests that still fit are added, and every refused request gets a reason.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from parcelroute._highs import prepare_threads
from parcelroute._integral import ceil_bound, floor_bound
from parcelroute.model.scenario import Scenario
from parcelroute.options import Deadline, PartOutcome, Progress, SolveOptions
from parcelroute.result import VisitAssignment
from parcelroute.visits.bounds import CostBound, cost_bound_in_background
from parcelroute.visits.greedy import fill, greedy_plan
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.lns import (
    FacilityModels,
    ReciprocityPrice,
    improve_by_facility,
    plan_from_relaxation,
    reciprocity_search,
    relax_by_facility,
    relaxations_bound,
)
from parcelroute.visits.mip import HighsLevel, MipLevel
from parcelroute.visits.model import Level, VisitModel, cost_scale, scaled_cost
from parcelroute.visits.plan import Placement, PlanState
from parcelroute.visits.race import LevelRace, better_value, run_race, tighter_bound
from parcelroute.visits.reasons import reason_for

__all__ = ["VisitResume", "cost_scale", "scaled_cost", "solve_visits"]

logger = logging.getLogger("parcelroute")

#: Share of the time left that level 1 gets when a level 2 follows (HiGHS, then CP-SAT; or
#: both racing) ...
LEVEL1_SHARE = 0.89
#: ... and the share of level 1's time that HiGHS gets before CP-SAT takes over. Until
#: 2026-12-06 level 1 had 75 % of the time left, HiGHS 70 % of it (52.5 % of the whole),
#: and CP-SAT 75 % of what HiGHS left (88 % in all when HiGHS used its share). Where level 1
#: ends unproven, HiGHS often finds its better plans late: with 63 % of the whole, CP-SAT
#: 26 % and level 2 about the same 11 %, of twelve such months (1,000-4,000 requests, 10-60
#: s) six ended closer to level 1's bound (3.0 -> 0.6 %, 1.2 -> 0.1 %, 1.0 -> 0 %, 0.6 ->
#: 0.1 %, 0.5 -> 0.2 %, 0.005 -> 0 %), none further, and six the same (one of them, at
#: 3.2 %, reached 0.5 % in another run: HiGHS found that plan after about 10.4 s of its
#: 10.5; measured in benchmarks/HISTORY.md).
MIP_SHARE = 0.71
#: Share of level 2's time that HiGHS gets: all of it. CP-SAT (one worker) used to take the
#: last 30 %: on 500-request months (seeds 1, 3, 4, 5, 7, 8, 9, 11 at a 10 s limit) it then
#: improved neither the plan nor the bound HiGHS had left in any case, while HiGHS needed
#: only a little more time to prove some of them. CP-SAT still answers when HiGHS cannot
#: take the model or stops early without proving the level.
LEVEL2_MIP_SHARE = 1.0
#: CP-SAT does not take over a level for less than this many seconds (the level's start
#: plan, or HiGHS' better one, stands).
CP_SAT_MIN_SECONDS = 0.2
#: Fewest workers with which HiGHS and CP-SAT race on a level, each on half of them.
#: Measured on 500-request months (2 cores): HiGHS with 2 threads proves both levels
#: as fast or faster than HiGHS with 1 thread, and CP-SAT with 1 worker proves
#: neither level in 30 s, so on 2 or 3 workers HiGHS gets them all, CP-SAT follows.
RACE_MIN_WORKERS = 4
#: With 2 or 3 workers, level 2 starts on HiGHS beside level 1 at the priority of level 1's
#: bound, and one lower each time HiGHS proves that priority out of reach, at most this
#: many times (each proof takes about a second on a 500-request month).
AHEAD_STEPS = 3
#: Share of the time left that the facilities' linear relaxations may take for level 1's
#: bound when the CP-SAT pass over the facilities missed some (50,000 requests at 60 s):
#: those would otherwise count every request's priority.
LP_BOUND_SHARE = 0.75
#: Share of the time left for the per-facility relaxations (they rarely need it).
RELAX_SHARE = 0.3
#: ... or, when solving and pricing each facility once may take longer than that
#: (:meth:`~parcelroute.visits.lns.FacilityModels.seconds`), up to this share: without
#: its bound a month of 20,000 requests ended 32 % below a bound of 30,466 at 60 s, and
#: with it 0.3 % below 21,735.
RELAX_MAX_SHARE = 0.7
#: Seconds kept back per request for the last step (what still fits, and a reason for
#: every refusal): 50,000 requests took 5.8 s there, more than the 2 s kept before, and
#: the solve ended past its time limit.
FINISH_SECONDS_PER_REQUEST = 1.5e-4
#: Seconds per (request, session) choice that building the facilities' models takes
#: (14-23 us measured from 1,252 to 409,063 choices): they are built only when that,
#: the start plans and the reserve fit in the time left.
MODEL_SECONDS_PER_CHOICE = 2e-5
#: Seconds per choice for the start plans after the facilities' relaxations (the plan
#: from the relaxations and the greedy plan: 10 us measured at 409,063 choices), kept
#: back from the relaxations' time.
START_SECONDS_PER_CHOICE = 1.2e-5
#: Share of the time left for improving the start plan when the full model follows.
LNS_SHARE = 0.2
#: When the full model follows, the start plan is improved for at most this many seconds,
LNS_BASE_SECONDS = 0.1
#: ... plus one second per this many requests.
LNS_REQUESTS_PER_SECOND = 5000
#: Session choices the full model digests per second of the time left (presolve and
#: first bound); with less time the improved start plan and the relaxation bound answer ...
FULL_MODEL_CHOICES_PER_SECOND = 300
#: ... and the time it needs grows faster than the month: it runs only with at least this
#: many seconds times the square of the thousands of choices left. A 2,000-request month
#: (4,726 choices) has level 1 proven with it at 30 s (2,403, against 2,389 from the
#: improved plan), and both levels close at 45-60 s; at 3,000 requests (7,535 choices) it
#: proves level 1 at 90 s but ends at 60 s with no cost bound at all, as at 5,000 (16,132),
#: where the improved plan and the priced bound end within 0.1 % and 8-10 % (measured in
#: benchmarks/HISTORY.md).
FULL_MODEL_SECONDS_PER_THOUSAND_SQUARED = 1.1
#: Smaller months need less than both rules: at most this many seconds times the cube of the
#: thousands of choices (which is less below about 2,600). Of nine 500-request months of
#: two generators (1,136-1,815 choices), the full model proves seven in 1.4-3.6 s, six of
#: them at a 3 s limit, where the improved plan proved one; at 1,000 requests (2,478-3,527
#: choices) the improved plan is still as good or better at 6.5-7.5 s (measured in
#: benchmarks/HISTORY.md).
FULL_MODEL_SECONDS_PER_THOUSAND_CUBED = 0.5
#: A month whose full model is forecast to need at least this many seconds
#: (:func:`_full_model_need`; 62 s at 3,000 requests of the generator, 152 s at 4,000, 286 s
#: at 5,000, 25 s at 2,000) is improved facility by facility and priced first, as where the
#: full model does not fit, for :data:`STAGED_SHARE` of the time left; the full model then
#: gets the rest, from the improved plan (:func:`_late_full_model`). Run first with a start
#: plan improved for a second, the full model of the 5,000-request month ended a 600 s solve
#: at priority 6,243 and cost 83,300, where a 300 s solve without it reached 6,251 and
#: 56,390 (measured in benchmarks/HISTORY.md).
STAGED_MIN_SECONDS = 45.0
#: ... and that share. With half of the time (or the forecast's, if more) the 4,000-request
#: month ended a 250 s solve at priority 5,026 (cost 53,360), where the full model run first
#: reached 5,028 (cost 71,240): its level 1 needs the time. With a quarter: 5,028 and 57,750;
#: the 5,000-request month at 600 s 6,251 and 56,870 (6,253 and 56,790 with half). A month
#: whose full model would get less than its forecast in the rest is not staged: the
#: improvement gets the whole time (:func:`_full_model_fits`). Staged at 320 s, the
#: 5,000-request month ended at 6,246 and 57,070 (its full model found nothing better in
#: 240 s of the 286 s it needs), and 6,249 and 56,950 with the whole time improving; the
#: 4,000-request month at 200 s at 5,024 and 52,170 / 41,194, and 5,026 and 52,370 / 45,600.
STAGED_SHARE = 0.25
#: When the improved plan and the priced bound end with at least this many seconds left
#: (and the reserve), the full model runs after all in that time (:func:`_late_full_model`),
LATE_FULL_MODEL_MIN_SECONDS = 1.0
#: ... and at least this many seconds per thousand session choices, for building it (1.15 s
#: at 16,832 choices, 0.48 s at 7,535, 0.13 s at 6,031). A floor of a fifth of its forecast
#: instead left one of the five independent 500-request months it proves at 4 s (1,645-1,815
#: choices) unproven.
LATE_FULL_MODEL_SECONDS_PER_THOUSAND = 0.1
#: The plan's improvement counts room under reciprocity only where the agreement allows at
#: least this difference. There the side ahead stays at its limit and has visits waiting
#: for room: on the generated months (a difference of 5 % of the requests), at 60 s, the
#: 5,000-request months end 6-12 priority points higher (within 0.02-0.16 % of the bound,
#: against 0.13-0.35 %), their transport-cost gaps 10.1, 8.3 and 7.7 % (10.1, 9.6 and
#: 8.3 %); the 2,000-request month at 20 s 2,389 -> 2,397 (transport-cost gap 17.5 % ->
#: 9.3 %). With a difference of 1 to 3 (an independent generator's months) the lead swings
#: between both limits: of eight months, four ended higher and three lower, one by 37
#: points (measured in benchmarks/HISTORY.md).
ROOM_MIN_DIFFERENCE = 10
#: The full model runs whatever its forecast when the start plan falls more than this share
#: below the relaxation's bound: the rules that tie the facilities together (escorts who
#: work at one facility a day, a tight reciprocity agreement) then bind, and the facility
#: by facility improvement recovers little of the loss while the relaxation's bound stays
#: far above. The generated months of 1,000 requests and more start 0.9-1.9 % below it;
#: seventeen months of 1,000-5,000 requests of an independent generator (agreements of 1 to
#: 4 visits, ten escorts) 3.0-32 %. On those, at 10-60 s, seven are now proven optimal
#: instead of three, and level 1 ends within 0.5 % of its bound on thirteen instead of six
#: (two end further from it: 1.8 -> 3.0 % and 0.50 -> 0.60 %; measured in
#: benchmarks/HISTORY.md).
COUPLED_START_GAP = 0.025
#: ... given at least this many seconds per session choice (15 s for 15,000 choices: with
#: less, the full model did no better than the improvement) ...
COUPLED_SECONDS_PER_CHOICE = 0.001
#: ... and on months of at most this many choices (the largest measured had 15,408).
COUPLED_MAX_CHOICES = 20_000


def _room_counts(scenario: Scenario, price: ReciprocityPrice | None) -> bool:
    """Whether the plan's improvement counts room under reciprocity (see
    :func:`~parcelroute.visits.lns.improve_by_facility`): where the relaxation broke
    the agreement (``price``) and it allows :data:`ROOM_MIN_DIFFERENCE` or more."""
    rec = scenario.reciprocity
    return price is not None and rec is not None and rec.max_difference >= ROOM_MIN_DIFFERENCE


def _in_model(index: VisitIndex, ri: int) -> bool:
    """Whether a request enters the model: priority 0 only counts under reciprocity."""
    return index.requests[ri].priority > 0 or index.side(ri) is not None


def solve_visits(scenario: Scenario, options: SolveOptions, deadline: Deadline,
                 resume: VisitResume | None = None) -> PartOutcome:
    """Schedule the visit requests: most priority first, then least transport cost.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : SolveOptions
        Workers, seed, relative gap and progress callback.
    deadline : Deadline
        The time left of the whole solve.
    resume : VisitResume, optional
        An earlier solve's ``resume`` on the same scenario and options: this
        solve goes on from its plan and bounds instead of starting afresh.

    Returns
    -------
    PartOutcome
        Objective and bound for ``visit_priority`` and ``transport_cost``,
        and one :class:`~parcelroute.VisitAssignment` per request in scenario
        order, each refused one with a reason code and a sentence; its
        ``resume`` is a :class:`VisitResume` to go on from.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.options import Deadline, SolveOptions
    >>> b = pr.ScenarioBuilder(name="one visit")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=2)
    >>> _ = b.add_visit_request("V-1", detainee="D-1", priority=3,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> out = solve_visits(b.build(), SolveOptions(), Deadline(None))
    >>> out.objective, out.visits[0].session
    ({'visit_priority': 3, 'transport_cost': 0.0}, 'S-1')
    """
    started = time.perf_counter()
    cost_bound = 0.0
    reserve = _reserve(deadline, len(scenario.visit_requests))
    facilities: FacilityModels | None = None
    if resume is None:
        prep, state, facilities = _prepare(scenario, options, deadline, reserve)
    else:
        # going on from an earlier solve: its relaxations and bounds stand, its plan starts
        prep, state = resume.prep, resume.plan()
        logger.info("visits: going on from the earlier plan for %.2f s", deadline.left() or 0.0)
    index, possible, choices = prep.index, prep.possible, prep.choices
    scale, caps, bound1, rec_price = prep.scale, prep.caps, prep.bound1, prep.rec_price
    n = len(index.requests)
    size = sum(len(c) for c in choices)
    stats = dict(prep.stats) if resume is None else dict(resume.stats)
    options.report(Progress("visits: visit_priority", deadline.elapsed(),
                            float(state.priority()), float(bound1)))

    # 2. a few facilities at a time (and, when the full model will not run, a bound on
    # the transport cost on the other core; when it will, with 2 or 3 workers, level 2
    # already starts on it there)
    run_full = _full_model_fits(deadline, reserve, size)
    staged = _staged(deadline, reserve, size) if run_full else None
    if staged is not None:
        # a large month: the improved plan and the priced bound first, the full model after
        run_full = False
        stats["visits_staged"] = 1.0
    elif not run_full and _coupled(deadline, reserve, size, state.priority(), bound1):
        run_full = True
        stats["visits_coupled"] = 1.0
    lns_seconds = _lns_budget(deadline, reserve, n, run_full) if staged is None else staged
    vm: VisitModel | None = None
    ahead: _Ahead | None = None
    if run_full:
        vm = VisitModel(index, choices, scale=scale, caps=caps)
        stats["visits_variables"] = float(len(vm.all_vars()))
        if _side_by_side(deadline) and vm.has_costs() and \
                2 <= options.workers < RACE_MIN_WORKERS and not _within(
                    state.priority(), bound1, options.relative_gap):
            ahead = _start_ahead(vm, bound1, options, deadline, reserve)
    pricing = None
    priced: CostBound | None = None
    # (no facility models at the start: the time left could not build them, nor the pricing's)
    no_time = resume is None and facilities is None
    if not run_full and options.workers >= 2 and _has_costs(index, choices) \
            and not deadline.passed() and not no_time:
        # aim at the relaxation's bound: the improved plan usually ends close to it
        pricing = cost_bound_in_background(
            index, choices, bound1, lns_seconds, scale=scale, reciprocity=rec_price,
            models=None if facilities is None else list(facilities.models.values()))
    facilities = None  # (the pricing, if any, holds what it needs)
    # the second core re-plans facilities too once the pricing is over (at once without one)
    spare: threading.Event | None = None
    if pricing is not None:
        spare = pricing.done
    elif not run_full and options.workers >= 2:
        spare = threading.Event()
        spare.set()
    try:
        stats["visits_improved_facilities"] = float(improve_by_facility(
            state, choices, lns_seconds, seed=options.seed, scale=scale,
            room_below=bound1 if _room_counts(scenario, rec_price) else None,
            ahead=None if rec_price is None else rec_price.ahead, spare=spare,
            deterministic=deadline.limit is None))
        if pricing is not None:
            # the full model does not follow: the pricing may use the rest of its time
            priced = pricing.result(wait=True)
            stats["visits_cost_prices"] = float(len(priced.sums))
            cost_bound = priced.bound(state.priority()) / scale[0]
            options.report(Progress("visits: transport_cost", deadline.elapsed(),
                                    _exact_cost(state, scale[0], scale[1]), cost_bound))
        stats["visits_lns_priority"] = float(state.priority())
        stats["visits_prepare_seconds"] = time.perf_counter() - started
        options.report(Progress("visits: visit_priority", deadline.elapsed(),
                                float(state.priority()), float(bound1)))
        if vm is None and _late_full_model(deadline, reserve, size):
            # the improvement and the pricing ended early (small months settle in a second
            # or two): the full model gets what they left, the bounds found so far stay
            vm = VisitModel(index, choices, scale=scale, caps=caps)
            stats["visits_late_full_model"] = 1.0
            logger.debug("visits: the full model in the %.2f s left", deadline.left() or 0.0)

        # 3. the full model, level by level
        if vm is not None:
            need_level2 = vm.has_costs()
            if not _within(state.priority(), bound1, options.relative_gap):
                before = state
                state, bound1 = _level1(vm, state, bound1, options, deadline, reserve,
                                        LEVEL1_SHARE if need_level2 else 1.0, stats,
                                        threads=None if ahead is None else 1)
                if need_level2 and state is not before:
                    # level 1 ignores the cost: lower it facility by facility for a better
                    # start (while level 2 may already run ahead on the other core)
                    improve_by_facility(state, choices, min(lns_seconds, _budget(
                        deadline, reserve, LNS_SHARE) or lns_seconds), seed=options.seed,
                        scale=scale, deterministic=deadline.limit is None)
            if ahead is not None:
                ahead, bound1 = _settle(ahead, state, bound1, stats)
            if need_level2:
                state, cost_bound = _level2(vm, state, options, deadline, reserve, stats,
                                            ahead)
                if priced is not None:  # (it holds at any priority at least the one priced)
                    cost_bound = max(cost_bound, priced.bound(state.priority()) / scale[0])
    except BaseException:
        if ahead is not None:
            ahead.cancel()
        raise

    if resume is not None:
        # (the priority bound started from the earlier run's; the cost bounds of both runs
        # hold for every plan of at least their own plan's priority)
        earlier = resume.plan()
        if _better(earlier, state):
            state = earlier
        cost_bound = max(cost_bound, resume.cost_bound)
    # (what a later solve may go on from: the plan before the requests left out of the model
    # are added)
    placements = _placements(state)

    # 4. what still fits, and a reason for every refusal
    stats["visits_filled"] = float(fill(state, possible))
    visits = _assignments(state)
    cost = _exact_cost(state, scale[0], scale[1])
    stats["visits_seconds" if resume is None else "visits_resumed_seconds"] = \
        time.perf_counter() - started
    after = VisitResume(replace(prep, bound1=bound1), dict(stats), cost_bound, placements)
    return PartOutcome(
        objective={"visit_priority": state.priority(), "transport_cost": cost},
        bound={"visit_priority": bound1, "transport_cost": min(cost_bound, cost)},
        visits=tuple(visits),
        stats=stats,
        resume=after,
    )


@dataclass(frozen=True)
class _Prepared:
    """Step 1's answer (but its start plan): the model's requests and choices, the
    relaxations' bounds."""

    index: VisitIndex
    possible: list[list[int]]
    """Every session each request may have."""
    choices: list[list[int]]
    """The sessions each request has in the model (none for those left out of it)."""
    scale: tuple[int, bool]
    caps: dict[str, int]
    """Each facility's most priority alone (:func:`relax_by_facility`)."""
    bound1: int
    rec_price: ReciprocityPrice | None
    stats: dict[str, float]


@dataclass(frozen=True)
class VisitResume:
    """What a visit solve leaves for a second one on the same scenario.

    :func:`solve_visits` given it skips step 1 and starts from ``placements``;
    its bounds stand, and the better plan of the two solves is the answer.
    A mixed month's visits go on this way when the parcels leave time
    (:func:`parcelroute.solve`).
    """

    prep: _Prepared
    stats: dict[str, float]
    cost_bound: float
    """The transport cost bound proven at the plan's priority (or above it)."""
    placements: dict[int, Placement]

    def plan(self) -> PlanState:
        """A fresh copy of the plan."""
        return PlanState.from_assignments(self.prep.index, self.placements)


def _placements(state: PlanState) -> dict[int, Placement]:
    return {ri: p for ri, p in enumerate(state.placed) if p is not None}


def _prepare(scenario: Scenario, options: SolveOptions, deadline: Deadline,
             reserve: float) -> tuple[_Prepared, PlanState, FacilityModels | None]:
    """Step 1: each facility alone, without escorts and reciprocity: a bound and a start
    (and the facilities' models, for the transport-cost bound to price).

    Once the time limit has passed, or when the time left after ``reserve`` cannot
    build the facilities' models and make the start plans (about 32 us per choice),
    the greedy plan is the start, and the bound counts the priority of every
    facility not yet solved alone (no models)."""
    index = VisitIndex(scenario)
    n = len(index.requests)
    possible = [index.model_sessions(ri) for ri in range(n)]
    choices = [possible[ri] if _in_model(index, ri) else [] for ri in range(n)]
    scale = cost_scale([t.cost for t in index.transports])
    stats: dict[str, float] = {"visits_model_requests": float(sum(1 for c in choices if c))}

    def greedy_only(caps: dict[str, int], why: str = "the time limit is reached",
                    ) -> tuple[_Prepared, PlanState, None]:
        """The start and bound once the time limit has passed (or is too near)."""
        logger.info("visits: %s: the greedy plan, without search", why)
        stats["visits_time_limit_reached"] = 1.0
        state = greedy_plan(index, choices)
        bound1 = _relaxation_bound(index, choices, caps)
        stats["visits_start_priority"] = float(state.priority())
        stats["visits_relaxation_bound"] = float(bound1)
        return (_Prepared(index, possible, choices, scale, caps, bound1, None, stats), state,
                None)

    if deadline.passed():
        return greedy_only({})
    size = sum(len(c) for c in choices)
    left = deadline.left()
    if left is not None and left - reserve < (MODEL_SECONDS_PER_CHOICE
                                              + START_SECONDS_PER_CHOICE) * size:
        return greedy_only({}, f"{left:.1f} s left ({reserve:.1f} s of them kept for the last "
                               f"step) cannot build the facilities' models of {size} choices")
    # (the start plans made after the relaxations take their time out of the relaxations')
    reserve += START_SECONDS_PER_CHOICE * size
    relax_seconds = _budget(deadline, reserve, RELAX_SHARE)
    relax_start = time.perf_counter()
    facilities = FacilityModels(index, choices, scale)
    if deadline.passed():  # (the facilities' models take seconds on 20,000 requests)
        return greedy_only({})
    if relax_seconds is not None:
        # large facilities: time to solve each once and price each once, within a cap
        need = 2 * facilities.seconds(options.workers)
        relax_seconds = max(relax_seconds,
                            min(need, _budget(deadline, reserve, RELAX_MAX_SHARE) or need))
    relax_pass = time.perf_counter()
    caps, relaxed = relax_by_facility(index, choices, relax_seconds, scale=scale,
                                      workers=options.workers, models=facilities)
    bound1 = _relaxation_bound(index, choices, caps)
    relax_pass = time.perf_counter() - relax_pass
    if relax_seconds is not None:
        relax_seconds -= time.perf_counter() - relax_start
    if deadline.passed():
        return greedy_only(caps)
    rec_price = None
    if relax_seconds is not None and len(caps) < len(facilities.models):
        # the pass missed facilities (each would count all its requests' priority): their
        # linear relaxations bound every facility, and price the agreement
        lp_seconds = max(relax_seconds, _budget(deadline, reserve, LP_BOUND_SHARE) or 0.0)
        lp_caps, rec_price = relaxations_bound(index, facilities, caps,
                                               time.perf_counter() + lp_seconds,
                                               options.workers)
        stats["visits_lp_caps"] = float(len(lp_caps))
        caps = {**caps, **lp_caps}
        bound1 = _relaxation_bound(index, choices, caps)
    elif relax_seconds is None or relax_seconds > 0:
        rec_price = reciprocity_search(index, choices, relax_seconds, relaxed, scale=scale,
                                       workers=options.workers, models=facilities,
                                       pass_seconds=relax_pass)
    if rec_price is not None:
        bound1 = min(bound1, rec_price.bound)
    state = plan_from_relaxation(index, choices, relaxed)
    greedy = greedy_plan(index, choices)
    if _better(greedy, state):
        state = greedy
    stats["visits_start_priority"] = float(state.priority())
    stats["visits_relaxation_bound"] = float(bound1)
    return (_Prepared(index, possible, choices, scale, caps, bound1, rec_price, stats), state,
            facilities)


def _level1(vm: VisitModel, state: PlanState, bound1: int, options: SolveOptions,
            deadline: Deadline, reserve: float, share: float, stats: dict[str, float],
            threads: int | None = None) -> tuple[PlanState, int]:
    """Level 1: most scheduled priority, HiGHS and CP-SAT racing (or one after the other).

    ``threads`` caps HiGHS' threads (the other core may be busy with level 2
    ahead). Returns the best plan and the proven upper bound on its priority.
    """
    vm.model.maximize(vm.priority())
    capped = vm.model.clone()
    capped.add(vm.priority() <= bound1)
    out = _solve_level(vm, capped, vm.plan_values(state), state.priority(), bound1,
                       _LevelSetup("visits: visit_priority", "level1", False, 1.0, share,
                                   share * MIP_SHARE), options, deadline, reserve, stats,
                       threads=threads)
    if out.values is not None:
        state = PlanState.from_assignments(vm.index, vm.placements(out.values))
    assert out.bound is not None  # the relaxation's bound was known before
    return state, out.bound


def _level2(vm: VisitModel, state: PlanState, options: SolveOptions, deadline: Deadline,
            reserve: float, stats: dict[str, float], ahead: _Ahead | None = None,
            ) -> tuple[PlanState, float]:
    """Level 2: least transport cost at the plan's priority, HiGHS and CP-SAT racing.

    With ``ahead`` (level 2 at the plan's priority, started by HiGHS beside
    level 1) its answer stands for HiGHS'. Returns the best plan and the
    proven lower bound on its transport cost.
    """
    vm.model.add(vm.priority() >= state.priority())
    vm.model.minimize(vm.cost())
    out = _solve_level(vm, vm.model, vm.plan_values(state), _scaled_total(state, vm.scale),
                       None, _LevelSetup("visits: transport_cost", "level2", True,
                                         float(vm.scale), 1.0, LEVEL2_MIP_SHARE),
                       options, deadline, reserve, stats, ahead=ahead)
    if out.values is not None:
        state = PlanState.from_assignments(vm.index, vm.placements(out.values))
    return state, 0.0 if out.bound is None else max(0.0, out.bound / vm.scale)


class _Ahead:
    """Level 2 under way on HiGHS (one thread, its own) while level 1 is solved.

    Level 1 usually ends at the bound the relaxations proved before it. The
    transport-cost model at that priority is then level 2's own model, so
    HiGHS starts on it at once, beside level 1. When HiGHS proves that no
    plan reaches that priority, level 1's bound drops by one and HiGHS starts
    again one lower, up to :data:`AHEAD_STEPS` times. Once level 1 ends, the
    run is level 2's HiGHS answer if its priority is level 1's value, and is
    cancelled otherwise.

    The run minimises the leaning cost
    (:meth:`~parcelroute.visits.model.VisitModel.leaning_cost`) when its
    numbers allow: its priority is always a proven bound on level 1, so that
    is the transport cost of every plan of its model, while its search is
    fast on other months than the plain cost's. Once level 1 is over and the
    run kept, the core level 1 used joins it with the plain cost
    (:meth:`join`).

    Parameters
    ----------
    vm : VisitModel
        The full model, before level 1 sets its objective.
    priority : int
        The priority level 1 is assumed to reach (its proven bound).
    options, deadline, reserve
        As for the levels.

    Raises
    ------
    ValueError
        If the model has a constraint HiGHS cannot be given.
    """

    def __init__(self, vm: VisitModel, priority: int, options: SolveOptions,
                 deadline: Deadline, reserve: float) -> None:
        self.priority = priority
        """The priority of the model HiGHS solves (or solved last)."""
        self.bound1 = priority
        """The bound on level 1 the runs proved (no plan reaches a priority above it)."""
        self.steps = 0
        """How many times a priority was proven out of reach and the run started lower."""
        self._options, self._deadline, self._reserve = options, deadline, reserve
        self._base = vm.model.clone()
        self._row = len(self._base.proto.constraints)
        self._base.add(vm.priority() >= priority)
        self._weight = vm.leaning_weight()
        if self._weight is None:
            self._base.minimize(vm.cost())
        else:  # no plan reaches a priority above this one: level 1's bound
            self._base.minimize(vm.leaning_cost(priority, self._weight))
        self._lock = threading.Lock()
        self._cancelled = False
        self._race: LevelRace | None = None
        first = self._highs(priority)  # raises ValueError before any thread starts
        prepare_threads(1)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcelroute-visits")
        try:
            self._job = pool.submit(self._run, first)
        finally:
            pool.shutdown(wait=False)

    def _highs(self, priority: int) -> HighsLevel:
        model = self._base.clone()
        model.proto.constraints[self._row].linear.domain[0] = priority
        if self._weight is not None:  # the leaning cost at this priority
            model.proto.objective.offset = float(self._weight * priority)
        highs = HighsLevel(model, _budget(self._deadline, self._reserve, LEVEL2_MIP_SHARE),
                           seed=self._options.seed, threads=1)
        race = LevelRace(minimise=True, value=None, bound=None,
                         relative_gap=self._options.relative_gap)
        highs.watch(race)
        with self._lock:
            self._race = race
            if self._cancelled:
                race.stop()
        return highs

    def _run(self, highs: HighsLevel) -> MipLevel | None:
        try:
            return self._steps(highs)
        except Exception:  # optional: level 2 is then solved as usual
            logger.exception("visits: level 2 ahead failed")
            return None

    def _steps(self, highs: HighsLevel) -> MipLevel:
        out = highs.run()
        for _ in range(AHEAD_STEPS - 1):
            with self._lock:
                if not out.infeasible or self._cancelled:
                    break
                self.priority -= 1
                self.bound1 = self.priority
                self.steps += 1
            logger.debug("visits: no plan reaches priority %d; level 2 ahead at %d",
                         self.priority + 1, self.priority)
            out = self._highs(self.priority).run()
        if out.infeasible:
            with self._lock:
                self.bound1 = self.priority - 1
                self.steps += 1
        return out

    def join(self, model: cp_model.CpModel, start: dict[int, int], value: int,
             seconds: float | None, threads: int) -> MipLevel | None:
        """Level 2's own model on HiGHS in this thread, beside the run ahead, sharing its race.

        Level 1 has ended at :attr:`priority`, and ``model`` is level 2's own
        (at least that priority, least transport cost), solved from the start
        plan of ``value``. With the run ahead on the leaning cost these are
        two searches of one level, each fast on other months; they share the
        best plan and the best bound, and the first proof ends both. Returns
        ``None`` (nothing run) when the run ahead minimises the plain cost
        itself or has already finished, or when HiGHS cannot take the model.
        """
        with self._lock:
            race = self._race
        if self._weight is None or race is None or self._job.done() or race.stopped.is_set():
            return None
        try:
            highs = HighsLevel(model, seconds, seed=self._options.seed, threads=threads,
                               start=start)
        except ValueError as exc:
            logger.debug("visits: no HiGHS level 2 beside the run ahead (%s)", exc)
            return None
        race.offer_value(value, "start")
        highs.watch(race)
        return highs.run()

    def result(self) -> MipLevel | None:
        """HiGHS' answer at :attr:`priority` once it has finished (transport-cost units);
        ``None`` if the run failed."""
        return self._job.result()

    def cancel(self) -> None:
        """Stop HiGHS and wait for its thread."""
        with self._lock:
            self._cancelled = True
            if self._race is not None:
                self._race.stop()
        self._job.result()


def _settle(ahead: _Ahead, state: PlanState, bound1: int, stats: dict[str, float],
            ) -> tuple[_Ahead | None, int]:
    """Level 1 is over: keep the run ahead if it is level 2's model, else cancel it.

    Returns the run (``None`` once cancelled) and level 1's bound, lowered to
    what the run proved out of reach.
    """
    # (its priority only drops below a priority proven out of reach, never below a
    # plan's: level 1's value is at most its priority)
    void = state.priority() < ahead.priority
    if void:
        ahead.cancel()
    stats["visits_level2_ahead"] = float(not void)
    stats["visits_ahead_steps"] = float(ahead.steps)
    bound1 = max(state.priority(), min(bound1, ahead.bound1))
    return (None if void else ahead), bound1


def _start_ahead(vm: VisitModel, priority: int, options: SolveOptions, deadline: Deadline,
                 reserve: float) -> _Ahead | None:
    """:class:`_Ahead`, or ``None`` when HiGHS cannot take the model."""
    try:
        return _Ahead(vm, priority, options, deadline, reserve)
    except ValueError as exc:
        logger.debug("visits: no HiGHS level 2 ahead (%s)", exc)
        return None


@dataclass(frozen=True)
class _LevelSetup:
    """How one level is solved: its progress phase, stats prefix, sense and time shares.

    ``share`` is the level's part of the time left; ``mip_share`` is HiGHS'
    part of it when the provers run one after the other.
    """

    phase: str
    name: str
    minimise: bool
    scale: float
    share: float
    mip_share: float


@dataclass
class _LevelAnswer:
    """A level's best plan (``None``: the start plan stays), its value and proven bound."""

    values: dict[int, int] | None
    value: int
    bound: int | None


def _solve_level(vm: VisitModel, mip_model: cp_model.CpModel, start: dict[int, int],
                 value: int, bound: int | None, setup: _LevelSetup, options: SolveOptions,
                 deadline: Deadline, reserve: float, stats: dict[str, float], *,
                 threads: int | None = None, ahead: _Ahead | None = None) -> _LevelAnswer:
    """Solve the objective set on ``vm.model``, from a verified start plan of ``value``.

    With at least :data:`RACE_MIN_WORKERS` workers and a time limit, HiGHS
    (on ``mip_model``, the same model with optional valid cuts) and CP-SAT
    race, each on half the workers; otherwise HiGHS goes first with every worker (at most
    ``threads``) and CP-SAT takes over while the level is unproven and at
    least :data:`CP_SAT_MIN_SECONDS` are left. A model
    HiGHS cannot take is left to CP-SAT alone. With ``ahead`` HiGHS has
    already been started on this level and its answer is awaited instead.
    """
    level_left = deadline.left()
    beside: MipLevel | None = None
    if ahead is not None:  # the idle core joins the run ahead
        beside = ahead.join(mip_model, start, value,
                            _budget(deadline, reserve, setup.mip_share),
                            max(1, _highs_threads(options.workers, False) - 1))
    ahead_mip = None if ahead is None else ahead.result()
    if ahead_mip is None and beside is None:  # no run ahead, or it failed: HiGHS as usual
        ahead = None
    racing = options.workers >= RACE_MIN_WORKERS and ahead is None and _side_by_side(deadline)
    highs: HighsLevel | None = None
    if ahead is None:
        seconds = _budget(deadline, reserve, setup.share if racing else setup.mip_share)
        workers = _highs_threads(options.workers, racing)
        try:
            highs = HighsLevel(mip_model, seconds, seed=options.seed,
                               threads=workers if threads is None else min(threads, workers),
                               start=start)
        except ValueError as exc:  # a model HiGHS cannot take: CP-SAT alone
            logger.debug("visits: no HiGHS %s (%s)", setup.name, exc)
    if highs is not None and racing:
        return _race_level(vm, highs, start, value, bound, setup, options, deadline, stats,
                           seconds)
    answer = _LevelAnswer(None, value, bound)
    if beside is not None:
        stats[f"visits_{setup.name}_beside_seconds"] = beside.seconds
        _take(answer, beside.solved, beside.value, beside.values, beside.bound, setup.minimise)
        if beside.solved and answer.values is beside.values:
            start = beside.values
    mip = highs.run() if highs is not None else ahead_mip
    if mip is not None:
        stats[f"visits_{setup.name}_mip_seconds"] = mip.seconds
        _take(answer, mip.solved, mip.value, mip.values, mip.bound, setup.minimise)
        options.report(_progress(setup, deadline, answer))
        if mip.solved and answer.values is mip.values:
            start = mip.values
    if _proven(answer, setup.minimise):
        return answer
    seconds = _rest_of_level(deadline, reserve, setup.share, level_left)
    if seconds is not None and seconds < CP_SAT_MIN_SECONDS:  # the plan in hand stands
        return answer
    if setup.minimise and answer.bound is not None:  # the cost level starts from HiGHS' bound
        vm.model.add(vm.cost() >= answer.bound)
    vm.hint_values(start)
    level = vm.solve(options, deadline, setup.phase, seconds,
                     scale=setup.scale, maximise=not setup.minimise,
                     known=None if answer.bound is None else answer.bound / setup.scale,
                     incumbent=answer.value / setup.scale)
    stats[f"visits_{setup.name}_seconds"] = level.seconds
    _take(answer, level.solved, level.value, level.values,
          None if level.bound is None else _whole(level.bound, setup.minimise), setup.minimise)
    return answer


def _race_level(vm: VisitModel, highs: HighsLevel, start: dict[int, int], value: int,
                bound: int | None, setup: _LevelSetup, options: SolveOptions,
                deadline: Deadline, stats: dict[str, float], seconds: float | None,
                ) -> _LevelAnswer:
    """HiGHS and CP-SAT on the same level at once, sharing value and bound.

    The returned plan is the best one either prover holds when the race
    ends; on a tie HiGHS' plan is taken. The value and the bound of a
    proven level do not depend on which prover wins, but when several plans
    are optimal, which one is returned can (each prover alone is
    deterministic; their timing is not). Below :data:`RACE_MIN_WORKERS`
    workers, or without a time limit, there is no race and the plan is
    deterministic.
    """
    answer = _LevelAnswer(None, value, bound)

    def notify(best: int | None, proven: int | None) -> None:
        shown = _LevelAnswer(None, value if best is None else best, proven)
        options.report(_progress(setup, deadline, shown))

    race = LevelRace(minimise=setup.minimise, value=value, bound=bound,
                     relative_gap=options.relative_gap, notify=notify)
    if race.done():
        return answer
    highs.watch(race)
    vm.hint_values(start)

    def cp_sat(shared: LevelRace) -> Level:
        return vm.solve(options, deadline, setup.phase, seconds, scale=setup.scale,
                        maximise=not setup.minimise, race=shared,
                        workers=max(1, options.workers - _highs_threads(options.workers, True)))

    out = run_race(race, lambda _: highs.run(), cp_sat)
    if out.highs is not None:
        stats[f"visits_{setup.name}_mip_seconds"] = out.highs.seconds
        _take(answer, out.highs.solved, out.highs.value, out.highs.values, out.highs.bound,
              setup.minimise)
    if out.cp_sat is not None:
        level = out.cp_sat
        stats[f"visits_{setup.name}_seconds"] = level.seconds
        _take(answer, level.solved, level.value, level.values,
              None if level.bound is None else _whole(level.bound, setup.minimise),
              setup.minimise)
    answer.bound = tighter_bound(answer.bound, race.bound, minimise=setup.minimise)
    stats[f"visits_{setup.name}_won_by_highs"] = float(race.bound_source == "highs")
    logger.debug("%s: %s, value %s from %s, bound %s from %s", setup.phase,
                 "proven" if _proven(answer, setup.minimise) else "open", answer.value,
                 race.source, answer.bound, race.bound_source)
    options.report(_progress(setup, deadline, answer))
    return answer


def _side_by_side(deadline: Deadline) -> bool:
    """Whether two searches of one level may run side by side, the first to prove it
    ending both: only under a time limit. Without one, the plan found must not depend on
    which of them finished first (the same scenario and seed give the same plan)."""
    return deadline.limit is not None


def _highs_threads(workers: int, racing: bool) -> int:
    """HiGHS' threads: all of them alone, half of them (at least one) in a race."""
    return max(1, workers // 2) if racing else max(1, workers)


def _take(answer: _LevelAnswer, solved: bool, value: int, values: dict[int, int],
          bound: int | None, minimise: bool) -> None:
    """Keep a prover's plan if strictly better, and its bound if tighter."""
    if solved and better_value(value, answer.value, minimise=minimise):
        answer.values, answer.value = values, value
    answer.bound = tighter_bound(answer.bound, bound, minimise=minimise)


def _proven(answer: _LevelAnswer, minimise: bool) -> bool:
    """Whether the answer's value meets its bound."""
    if answer.bound is None:
        return False
    return answer.value <= answer.bound if minimise else answer.value >= answer.bound


def _whole(bound: float, minimise: bool) -> int:
    """A CP-SAT bound of an integral objective, rounded the safe way."""
    return ceil_bound(bound) if minimise else floor_bound(bound)


def _progress(setup: _LevelSetup, deadline: Deadline, answer: _LevelAnswer) -> Progress:
    """A progress report of a level (a cost bound below 0 is shown as 0)."""
    bound: float | None = None
    if answer.bound is not None:
        bound = (max(0, answer.bound) if setup.minimise else answer.bound) / setup.scale
    return Progress(setup.phase, deadline.elapsed(), answer.value / setup.scale, bound)


def _has_costs(index: VisitIndex, choices: list[list[int]]) -> bool:
    """Whether some request of the model may ride a transport that costs something."""
    return any(index.transports[ti].cost > 0
               for ri, sessions in enumerate(choices)
               if sessions and index.requests[ri].transport_from is not None
               for si in sessions for ti in index.request_transports(ri, si))


def _relaxation_bound(index: VisitIndex, choices: list[list[int]], caps: dict[str, int]) -> int:
    """The sum over facilities of their cap, or of all their priorities when not solved."""
    total: dict[str, int] = {}
    for ri, sessions in enumerate(choices):
        if sessions:
            fac = index.facility(ri)
            total[fac] = total.get(fac, 0) + index.requests[ri].priority
    return sum(min(caps.get(fac, p), p) for fac, p in total.items())


def _better(a: PlanState, b: PlanState) -> bool:
    """Whether plan ``a`` is better than ``b``: more priority, or as much for less cost."""
    return (a.priority(), -a.transport_cost()) > (b.priority(), -b.transport_cost())


def _within(value: float, bound: float, gap: float) -> bool:
    """Whether a maximised value is within a relative gap of its bound."""
    return bound - value <= gap * max(abs(bound), abs(value), 1e-9)


def _scaled_total(state: PlanState, scale: int) -> int:
    """The plan's transport cost in the model's scaled integers."""
    return sum(scaled_cost(state.index.transports[ti].cost, scale)
               for ti in state.used_transports())


def _full_model_need(size: int) -> float:
    """Seconds the full model of ``size`` session choices is forecast to need to get
    anywhere (see :data:`FULL_MODEL_SECONDS_PER_THOUSAND_SQUARED`)."""
    thousands = size / 1000
    return min(FULL_MODEL_SECONDS_PER_THOUSAND_CUBED * thousands ** 3,
               max(size / FULL_MODEL_CHOICES_PER_SECOND,
                   FULL_MODEL_SECONDS_PER_THOUSAND_SQUARED * thousands ** 2))


def _full_model_fits(deadline: Deadline, reserve: float, size: int) -> bool:
    """Whether the full model can be expected to get anywhere in the time left: where it
    runs after the improvement (:func:`_staged`), in the time the improvement leaves it."""
    left = deadline.left()
    if left is None:
        return True
    room = left - reserve
    if _stages(size):
        room *= 1 - STAGED_SHARE
    return room >= _full_model_need(size)


def _stages(size: int) -> bool:
    """Whether a month of ``size`` session choices is improved and priced before its full
    model (:data:`STAGED_MIN_SECONDS`)."""
    return _full_model_need(size) >= STAGED_MIN_SECONDS


def _staged(deadline: Deadline, reserve: float, size: int) -> float | None:
    """Seconds for the improvement and the pricing before a large month's full model
    (:data:`STAGED_MIN_SECONDS`, :data:`STAGED_SHARE`); ``None`` where the full model goes
    first."""
    left = deadline.left()
    if left is None or not _stages(size):
        return None
    return STAGED_SHARE * max(0.0, left - reserve)


def _coupled(deadline: Deadline, reserve: float, size: int, start: int, bound: int) -> bool:
    """Whether the full model runs although its forecast denies it: the start plan of
    priority ``start`` lies more than :data:`COUPLED_START_GAP` below the relaxation's
    ``bound``, and the time left is enough for ``size`` session choices."""
    left = deadline.left()
    if left is None or size > COUPLED_MAX_CHOICES or bound <= 0:
        return False
    return (start < (1 - COUPLED_START_GAP) * bound
            and left - reserve >= COUPLED_SECONDS_PER_CHOICE * size)


def _late_full_model(deadline: Deadline, reserve: float, size: int) -> bool:
    """Whether the full model of ``size`` session choices runs after all, in the time the
    improvement leaves.

    Its forecast (:func:`_full_model_fits`) can deny a month the full model
    proves: a 500-request month denied at 3 s (its 1,780 choices need 2.8 s)
    ended its improvement at 1.6 s, and the full model, given the rest,
    proved both levels by 2.6 s.
    """
    left = deadline.left()
    return left is not None and left - reserve >= max(
        LATE_FULL_MODEL_MIN_SECONDS, LATE_FULL_MODEL_SECONDS_PER_THOUSAND * size / 1000)


def _lns_budget(deadline: Deadline, reserve: float, n: int, run_full: bool) -> float:
    """Seconds for improving the plan facility by facility."""
    cap = LNS_BASE_SECONDS + n / LNS_REQUESTS_PER_SECOND
    left = deadline.left()
    if left is None:
        return cap
    if run_full:
        return min(cap, LNS_SHARE * (left - reserve))
    return max(0.0, left - reserve)


def _reserve(deadline: Deadline, requests: int = 0) -> float:
    """Seconds kept back for reading the plan and writing the reasons: up to 2 s, or
    :data:`FINISH_SECONDS_PER_REQUEST` per request if more, however short the time left
    (the last step takes its time whatever the search had)."""
    left = deadline.left()
    if left is None:
        return 0.0
    return max(min(2.0, 0.05 * left), FINISH_SECONDS_PER_REQUEST * requests)


def _rest_of_level(deadline: Deadline, reserve: float, share: float,
                   level_left: float | None) -> float | None:
    """Seconds left of a level that started with ``level_left`` seconds and has ``share``
    of them (after the reserve), whatever its first prover used."""
    left = deadline.left()
    if left is None or level_left is None:
        return None
    return max(0.0, share * (level_left - reserve) - (level_left - left))


def _budget(deadline: Deadline, reserve: float, share: float) -> float | None:
    """Seconds for the next level: a share of the time left after the reserve."""
    left = deadline.left()
    if left is None:
        return None
    return max(0.01, (left - reserve) * share)


def _exact_cost(state: PlanState, scale: int, exact: bool) -> float:
    """The total cost of used transports, summed without rounding error when scaled exactly."""
    used = state.used_transports()
    costs = [state.index.transports[ti].cost for ti in used]
    if exact:
        return sum(scaled_cost(c, scale) for c in costs) / scale
    return math.fsum(costs)


def _assignments(state: PlanState) -> list[VisitAssignment]:
    """One record per request, in scenario order, with a reason for each refused one."""
    ix = state.index
    out: list[VisitAssignment] = []
    for ri, r in enumerate(ix.requests):
        p = state.placed[ri]
        if p is not None:
            out.append(VisitAssignment(
                r.id,
                ix.sessions[p.session].id,
                ix.escorts[p.escort].id if p.escort is not None else None,
                ix.transports[p.transport].id if p.transport is not None else None,
            ))
        else:
            code, detail = reason_for(state, ri)
            out.append(VisitAssignment(r.id, reason=code, detail=detail))
    return out
