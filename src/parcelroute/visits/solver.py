"""Family visit scheduling: most priority first, then least transport cost, with bounds.

The solve runs in steps, each cheap enough for a month of several thousand
requests on two cores:

1. Without the escort and reciprocity rules the requests of each facility
   form a small model of their own; solving them one by one gives an upper
   bound on the scheduled priority and a start plan
   (:func:`~parcelroute.visits.lns.relax_by_facility`). When those plans
   break reciprocity, pricing the visits of the side ahead tightens the
   bound (:func:`~parcelroute.visits.lns.reciprocity_bound`).
2. That plan is made to keep every rule, then improved a few facilities at a
   time (:func:`~parcelroute.visits.lns.improve_by_facility`).
3. The full CP-SAT model (:class:`~parcelroute.visits.model.VisitModel`)
   starts from that plan: level 1 maximises the scheduled priority; level 2
   fixes it at the value reached and minimises the transport cost. Each
   level goes to HiGHS first (:func:`~parcelroute.visits.mip.solve_with_highs`:
   its cuts close the weak fixed-charge relaxation of the transport level much
   faster), then to CP-SAT while unproven. Each level's bound is the best one
   proven (for level 1 also the relaxation's, whichever is lower). On months too large for the full model
   in the time given, the improved plan and the relaxation bound are the
   answer.
4. Requests that still fit are added, and every refused request gets a reason.
"""

from __future__ import annotations

import logging
import math
import time

from parcelroute.model.scenario import Scenario
from parcelroute.options import Deadline, PartOutcome, Progress, SolveOptions
from parcelroute.result import VisitAssignment
from parcelroute.visits.greedy import fill, greedy_plan
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.lns import (
    improve_by_facility,
    plan_from_relaxation,
    reciprocity_bound,
    relax_by_facility,
)
from parcelroute.visits.mip import solve_with_highs
from parcelroute.visits.model import VisitModel, cost_scale, scaled_cost
from parcelroute.visits.plan import PlanState
from parcelroute.visits.reasons import reason_for

__all__ = ["cost_scale", "scaled_cost", "solve_visits"]

logger = logging.getLogger("parcelroute")

#: Share of the time left that level 1 gets when a level 2 follows.
LEVEL1_SHARE = 0.75
#: Share of the time left for level 2 that HiGHS gets before CP-SAT takes over.
MIP_SHARE = 0.7
#: Share of the time left for the per-facility relaxations (they rarely need it).
RELAX_SHARE = 0.3
#: Share of the time left for improving the start plan when the full model follows.
LNS_SHARE = 0.2
#: Without a time limit, the start plan is improved for at most this many seconds,
LNS_BASE_SECONDS = 1.0
#: ... plus one second per this many requests.
LNS_REQUESTS_PER_SECOND = 500
#: Session choices the full model digests per second of the time left (presolve and
#: first bound); with less time the improved start plan and the relaxation bound answer.
FULL_MODEL_CHOICES_PER_SECOND = 300


def _in_model(index: VisitIndex, ri: int) -> bool:
    """Whether a request enters the model: priority 0 only counts under reciprocity."""
    return index.requests[ri].priority > 0 or index.side(ri) is not None


def solve_visits(scenario: Scenario, options: SolveOptions, deadline: Deadline) -> PartOutcome:
    """Schedule the visit requests: most priority first, then least transport cost.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : SolveOptions
        Workers, seed, relative gap and progress callback.
    deadline : Deadline
        The time left of the whole solve.

    Returns
    -------
    PartOutcome
        Objective and bound for ``visit_priority`` and ``transport_cost``,
        and one :class:`~parcelroute.VisitAssignment` per request in scenario
        order, each refused one with a reason code and a sentence.

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
    index = VisitIndex(scenario)
    n = len(index.requests)
    possible = [index.model_sessions(ri) for ri in range(n)]
    choices = [possible[ri] if _in_model(index, ri) else [] for ri in range(n)]
    scale = cost_scale([t.cost for t in index.transports])
    size = sum(len(c) for c in choices)
    reserve = _reserve(deadline)
    stats: dict[str, float] = {"visits_model_requests": float(sum(1 for c in choices if c))}

    # 1. each facility alone, without escorts and reciprocity: a bound and a start
    relax_seconds = _budget(deadline, reserve, RELAX_SHARE)
    relax_start = time.perf_counter()
    caps, relaxed = relax_by_facility(index, choices, relax_seconds, scale=scale)
    bound1 = _relaxation_bound(index, choices, caps)
    if relax_seconds is not None:
        relax_seconds -= time.perf_counter() - relax_start
    if relax_seconds is None or relax_seconds > 0:
        price_bound = reciprocity_bound(index, choices, relax_seconds, relaxed, scale=scale)
        if price_bound is not None:
            bound1 = min(bound1, price_bound)
    state = plan_from_relaxation(index, choices, relaxed)
    greedy = greedy_plan(index, choices)
    if _better(greedy, state):
        state = greedy
    stats["visits_start_priority"] = float(state.priority())
    stats["visits_relaxation_bound"] = float(bound1)
    options.report(Progress("visits: visit_priority", deadline.elapsed(),
                            float(state.priority()), float(bound1)))

    # 2. a few facilities at a time
    run_full = _full_model_fits(deadline, reserve, size)
    lns_seconds = _lns_budget(deadline, reserve, n, run_full)
    stats["visits_improved_facilities"] = float(improve_by_facility(
        state, choices, lns_seconds, seed=options.seed, scale=scale))
    stats["visits_lns_priority"] = float(state.priority())
    stats["visits_prepare_seconds"] = time.perf_counter() - started
    options.report(Progress("visits: visit_priority", deadline.elapsed(),
                            float(state.priority()), float(bound1)))

    # 3. the full model, level by level
    cost_bound = 0.0
    proven1 = _within(state.priority(), bound1, options.relative_gap)
    if run_full:
        vm = VisitModel(index, choices, scale=scale, caps=caps)
        stats["visits_variables"] = float(len(vm.all_vars()))
        need_level2 = vm.has_costs()
        if not proven1:
            before = state
            state, bound1 = _level1(vm, state, bound1, options, deadline, reserve,
                                    LEVEL1_SHARE if need_level2 else 1.0, stats)
            if need_level2 and state is not before:
                # level 1 ignores the cost: lower it facility by facility for a better start
                improve_by_facility(state, choices, min(lns_seconds, _budget(
                    deadline, reserve, LNS_SHARE) or lns_seconds), seed=options.seed, scale=scale)
        if need_level2:
            state, cost_bound = _level2(vm, state, options, deadline, reserve, stats)

    # 4. what still fits, and a reason for every refusal
    stats["visits_filled"] = float(fill(state, possible))
    visits = _assignments(state)
    cost = _exact_cost(state, scale[0], scale[1])
    stats["visits_seconds"] = time.perf_counter() - started
    return PartOutcome(
        objective={"visit_priority": state.priority(), "transport_cost": cost},
        bound={"visit_priority": bound1, "transport_cost": min(cost_bound, cost)},
        visits=tuple(visits),
        stats=stats,
    )


def _level1(vm: VisitModel, state: PlanState, bound1: int, options: SolveOptions,
            deadline: Deadline, reserve: float, share: float, stats: dict[str, float],
            ) -> tuple[PlanState, int]:
    """Level 1: most scheduled priority; HiGHS first, then CP-SAT while unproven.

    Returns the best plan and the proven upper bound on its priority.
    """
    phase = "visits: visit_priority"
    vm.model.maximize(vm.priority())
    capped = vm.model.clone()
    capped.add(vm.priority() <= bound1)
    start = vm.plan_values(state)
    try:
        mip = solve_with_highs(capped, _budget(deadline, reserve, share * MIP_SHARE),
                               seed=options.seed, threads=options.workers, start=start)
    except ValueError as exc:  # a model HiGHS cannot take: CP-SAT alone
        logger.debug("visits: no HiGHS level 1 (%s)", exc)
    else:
        stats["visits_level1_mip_seconds"] = mip.seconds
        if mip.bound is not None:
            bound1 = min(bound1, mip.bound)
        if mip.solved and mip.value > state.priority():
            state = PlanState.from_assignments(vm.index, vm.placements(mip.values))
            start = mip.values
        options.report(Progress(phase, deadline.elapsed(), float(state.priority()),
                                float(bound1)))
    if state.priority() < bound1:
        vm.hint_values(start)
        level1 = vm.solve(options, deadline, phase, _budget(deadline, reserve, share),
                          known=float(bound1))
        stats["visits_level1_seconds"] = level1.seconds
        if level1.bound is not None:
            bound1 = min(bound1, math.floor(level1.bound + 1e-6))
        if level1.solved and level1.value > state.priority():
            state = PlanState.from_assignments(vm.index, vm.placements(level1.values))
    return state, bound1


def _level2(vm: VisitModel, state: PlanState, options: SolveOptions, deadline: Deadline,
            reserve: float, stats: dict[str, float]) -> tuple[PlanState, float]:
    """Level 2: least transport cost at the plan's priority; HiGHS first, then CP-SAT.

    Returns the best plan and the proven lower bound on its transport cost.
    """
    phase = "visits: transport_cost"
    vm.model.add(vm.priority() >= state.priority())
    vm.model.minimize(vm.cost())
    start = vm.plan_values(state)
    current = _scaled_total(state, vm.scale)
    budget = _budget(deadline, reserve, MIP_SHARE)
    bound: int | None = None
    try:
        mip = solve_with_highs(vm.model, budget, seed=options.seed, threads=options.workers,
                               start=start)
    except ValueError as exc:  # a model HiGHS cannot take: CP-SAT alone
        logger.debug("visits: no HiGHS level 2 (%s)", exc)
    else:
        stats["visits_level2_mip_seconds"] = mip.seconds
        bound = mip.bound
        if mip.solved and mip.value < current:
            state = PlanState.from_assignments(vm.index, vm.placements(mip.values))
            start, current = mip.values, mip.value
        options.report(Progress(phase, deadline.elapsed(), current / vm.scale,
                                None if bound is None else max(0, bound) / vm.scale))
    if bound is None or bound < current:
        if bound is not None:
            vm.model.add(vm.cost() >= bound)
        vm.hint_values(start)
        level2 = vm.solve(options, deadline, phase, _budget(deadline, reserve, 1.0),
                          scale=float(vm.scale), maximise=False,
                          known=None if bound is None else bound / vm.scale)
        stats["visits_level2_seconds"] = level2.seconds
        if level2.bound is not None:
            bound = max(bound or 0, math.ceil(level2.bound - 1e-6))
        if level2.solved and level2.value < current:
            state = PlanState.from_assignments(vm.index, vm.placements(level2.values))
    return state, 0.0 if bound is None else max(0.0, bound / vm.scale)


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


def _full_model_fits(deadline: Deadline, reserve: float, size: int) -> bool:
    """Whether the full model can be expected to get anywhere in the time left."""
    left = deadline.left()
    return left is None or left - reserve >= size / FULL_MODEL_CHOICES_PER_SECOND


def _lns_budget(deadline: Deadline, reserve: float, n: int, run_full: bool) -> float:
    """Seconds for improving the plan facility by facility."""
    cap = LNS_BASE_SECONDS + n / LNS_REQUESTS_PER_SECOND
    left = deadline.left()
    if left is None:
        return cap
    if run_full:
        return min(cap, LNS_SHARE * (left - reserve))
    return max(0.0, left - reserve)


def _reserve(deadline: Deadline) -> float:
    """Seconds kept back for reading the plan and writing the reasons."""
    left = deadline.left()
    return 0.0 if left is None else min(2.0, 0.05 * left)


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
