"""Facility by facility: a relaxation bound, a start plan, and plan improvement.

The visits of one facility only meet the rest of the plan through the
escorts (who work at one facility per date) and the reciprocity count.

* Without those two rules the problem splits into one small model per
  facility: :func:`relax_by_facility` solves each exactly. Each optimum caps
  what that facility can reach in any plan, and their sum bounds the best
  scheduled priority from above.
* :func:`plan_from_relaxation` turns those per-facility plans into a plan
  that keeps every rule (escorts chosen greedily, reciprocity restored).
* :func:`improve_by_facility` re-solves a few facilities at a time with
  everything else kept as it is, which CP-SAT does in a blink; sweeping the
  facilities lifts a plan close to the optimum and gives the full model a
  much better start than it finds alone on large months. Two workers can
  share the sweeps, each re-planning other facilities.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import highspy
import numpy as np
from ortools.sat.python import cp_model

from parcelroute._highs import prepare_threads, was_left_behind
from parcelroute._integral import floor_bound
from parcelroute.visits.greedy import fill, trim_reciprocity
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.mip import linear_relaxation, resolve_relaxation
from parcelroute.visits.model import VisitModel, scaled_cost
from parcelroute.visits.plan import Placement, PlanState

__all__ = [
    "FacilityModels",
    "ReciprocityPrice",
    "by_facility",
    "improve_by_facility",
    "plan_from_relaxation",
    "reciprocity_bound",
    "reciprocity_search",
    "relax_by_facility",
    "relaxations_bound",
]

logger = logging.getLogger("parcelroute")

#: Largest number of facilities re-solved together.
MAX_FACILITIES = 3
#: Wall-time limit in seconds of one facility's model when improving a plan, at least ...
NEIGHBOURHOOD_LIMIT = 0.1
#: ... and at most this share of the improvement's whole budget. On the 5,000-request month
#: (60 s) a tenth of a second is too short for CP-SAT to re-plan a facility well; at 0.6 s
#: (1 % of the budget) both levels end closer to their bounds (measured in
#: benchmarks/HISTORY.md). A large facility gets :data:`FACILITY_SECONDS_PER_VARIABLE` per
#: variable of its re-plan's model if that is more: at 10,000 and 20,000 requests its
#: share (0.2-0.3 s) was too short for a model of thousands of variables.
NEIGHBOURHOOD_SHARE = 0.01
#: Wall-time limit in seconds of one facility's relaxed model (its bound stays valid).
#: Generated months of 500 to 5,000 requests reach the same bounds at 0.25 s as at 0.5 s
#: or 1 s; a facility whose bound stalls then holds up everything less.
FACILITY_LIMIT = 0.25
#: ... or this many seconds per variable of the facility's model, if more. With 20,000
#: requests (71 facilities of up to 5,000 variables) 39 facilities found no plan at all in
#: 0.25 s, so their bound fell back to every request's priority (30,466 where the
#: relaxation proves 22,757) and the reciprocity price never finished; each of them is
#: solved to optimality in at most 1.5 s (measured in benchmarks/HISTORY.md).
FACILITY_SECONDS_PER_VARIABLE = 3e-4


def facility_limit(vm: VisitModel, floor: float = FACILITY_LIMIT) -> float:
    """The wall-time limit of one facility's relaxed model: ``floor`` seconds, or
    :data:`FACILITY_SECONDS_PER_VARIABLE` per variable of ``vm`` if more."""
    return max(floor, FACILITY_SECONDS_PER_VARIABLE * len(vm.all_vars()))


#: Prices tried for the reciprocity bound.
MAX_PRICES = 2
#: Prices tried for it on the facilities' linear relaxations, where a pass of CP-SAT over
#: every facility would not fit the time left (50,000 requests): each price costs a few
#: tenths of a second there, once the relaxations are built.
MAX_LP_PRICES = 16
#: A re-plan's objective stays below this magnitude (CP-SAT refuses a model whose objective
#: may overflow 64 bits); beyond it the re-plan drops its lower-ranked terms.
MAX_OBJECTIVE = 2**62


def only(choices: list[list[int]], requests: Iterable[int]) -> list[list[int]]:
    """``choices`` with every request but ``requests`` left without a session.

    The requests left out share one empty list: the models built on the result
    only read it.

    Examples
    --------
    >>> only([[0, 1], [2], [3]], [0, 2])
    [[0, 1], [], [3]]
    """
    sub: list[list[int]] = [[]] * len(choices)
    for ri in requests:
        sub[ri] = choices[ri]
    return sub


def by_facility(index: VisitIndex, choices: list[list[int]]) -> dict[str, list[int]]:
    """The requests with a choice, by facility."""
    out: dict[str, list[int]] = defaultdict(list)
    for ri, sessions in enumerate(choices):
        if sessions:
            out[index.facility(ri)].append(ri)
    return dict(out)


def relax_by_facility(index: VisitIndex, choices: list[list[int]], seconds: float | None, *,
                      scale: tuple[int, bool] = (1, True), workers: int = 1,
                      models: FacilityModels | None = None,
                      ) -> tuple[dict[str, int], dict[int, Placement]]:
    """Solve each facility alone, without the escort and reciprocity rules.

    Parameters
    ----------
    index, choices
        The requests and the sessions each may take.
    seconds : float or None
        Wall-time limit of the whole.
    scale : tuple of int and bool
        The transport cost's scale (see :func:`~parcelroute.visits.model.cost_scale`).
    workers : int
        Facilities solved at the same time (one CP-SAT worker each).
    models : FacilityModels, optional
        The facility models, kept for :func:`reciprocity_bound`.

    Returns
    -------
    caps : dict of str to int
        For each facility solved in time, an upper bound on the priority its
        visits can reach in any plan (its relaxed optimum, or CP-SAT's bound
        on it). When every facility with requests is there, their sum bounds
        the scheduled priority of any plan.
    placements : dict of int to Placement
        Each facility's best plan found (escorts left out).

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="two families, one table")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1").add_detainee("D-2", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=1)
    >>> _ = b.add_visit_request("V-1", detainee="D-1", priority=1,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> _ = b.add_visit_request("V-2", detainee="D-2", priority=2,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> index = VisitIndex(b.build())
    >>> choices = [index.model_sessions(r) for r in range(2)]
    >>> caps, placements = relax_by_facility(index, choices, None)
    >>> caps, sorted(placements)
    ({'F-1': 2}, [1])
    """
    stop = None if seconds is None else time.perf_counter() + seconds
    models = FacilityModels(index, choices, scale) if models is None else models
    caps, placements, _ = _solve_facilities(models, stop, None, workers)
    return caps, placements


class FacilityModels:
    """Each facility's relaxed model (no escorts, no reciprocity), built once.

    The models are built in the calling thread, largest facility first;
    :func:`relax_by_facility` and :func:`reciprocity_bound` only change
    their objective, so they may share them.
    """

    def __init__(self, index: VisitIndex, choices: list[list[int]],
                 scale: tuple[int, bool]) -> None:
        groups = by_facility(index, choices)
        order = sorted(groups, key=lambda f: (-len(groups[f]), f))
        self.models: dict[str, VisitModel] = {}
        for fac in order:
            sub = only(choices, groups[fac])
            self.models[fac] = VisitModel(index, sub, scale=scale, escorts=False,
                                          reciprocity=False)
        #: Each facility's wall-time limit (:func:`facility_limit`).
        self.limits = {fac: facility_limit(vm) for fac, vm in self.models.items()}

    def seconds(self, workers: int) -> float:
        """What one pass over every facility may take, ``workers`` at a time, counting
        :data:`FACILITY_SECONDS_PER_VARIABLE` per variable (small facilities end in
        milliseconds, far below their limit's floor)."""
        size = sum(len(vm.all_vars()) for vm in self.models.values())
        return FACILITY_SECONDS_PER_VARIABLE * size / max(1, workers)


def _solve_facilities(models: FacilityModels, stop: float | None,
                      weights: dict[int, int] | None, workers: int,
                      ) -> tuple[dict[str, int], dict[int, Placement], bool]:
    """Maximise each facility's weighted priority alone (no escorts, no reciprocity).

    ``weights[r]`` replaces request ``r``'s priority when given. Up to
    ``workers`` facilities are solved at once (CP-SAT leaves Python's lock
    while it solves). Returns each solved facility's proven bound, the
    placements found, and whether every facility was solved before ``stop``.
    """
    for vm in models.models.values():
        if weights is None:
            vm.model.maximize(vm.priority())
        else:
            vm.model.maximize(cp_model.LinearExpr.weighted_sum(
                list(vm.x.values()), [weights[ri] for ri, _ in vm.x]))

    def solve(fac: str) -> tuple[str, cp_model.CpSolver | None, cp_model.CpSolverStatus]:
        vm = models.models[fac]
        left = None if stop is None else stop - time.perf_counter()
        if left is not None and left <= 0.01:
            return fac, None, cp_model.UNKNOWN
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        limit = models.limits[fac]
        if stop is None:  # (no time limit: the same answer whatever the machine's load)
            solver.parameters.max_deterministic_time = limit
        else:
            solver.parameters.max_time_in_seconds = min(limit, left or limit)
        return fac, solver, solver.solve(vm.model)

    order = list(models.models)
    if workers >= 2 and len(order) > 1:
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="parcelroute-facility") as pool:
            solved = list(pool.map(solve, order))
    else:
        solved = []
        for fac in order:
            solved.append(solve(fac))
            if solved[-1][2] not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                break
    caps: dict[str, int] = {}
    placements: dict[int, Placement] = {}
    complete = len(solved) == len(order)
    for fac, solver, status in sorted(solved, key=lambda t: t[0]):
        if solver is None or status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            complete = False
            continue
        if status != cp_model.OPTIMAL:
            logger.debug("visits at %s: relaxed bound %s not proven", fac,
                         solver.best_objective_bound)
        vm = models.models[fac]
        caps[fac] = int(solver.best_objective_bound + 1e-6)
        values = {v.index: int(solver.value(v)) for v in vm.all_vars()}
        placements.update(vm.placements(values))
    return caps, placements, complete


@dataclass(frozen=True)
class ReciprocityPrice:
    """The best bound :func:`reciprocity_search` proved, and the price that proved it.

    Each visit of side ``ahead`` is charged ``quarters / 4`` priority points, and each
    visit of the other side earns as much.
    """

    bound: int
    ahead: int
    quarters: int


def reciprocity_bound(index: VisitIndex, choices: list[list[int]], seconds: float | None,
                      placements: dict[int, Placement], *,
                      scale: tuple[int, bool] = (1, True), workers: int = 1,
                      models: FacilityModels | None = None) -> int | None:
    """The bound of :func:`reciprocity_search` (``None`` where it has none)."""
    found = reciprocity_search(index, choices, seconds, placements, scale=scale,
                               workers=workers, models=models)
    return None if found is None else found.bound


def reciprocity_search(index: VisitIndex, choices: list[list[int]], seconds: float | None,
                       placements: dict[int, Placement], *,
                       scale: tuple[int, bool] = (1, True), workers: int = 1,
                       models: FacilityModels | None = None,
                       pass_seconds: float | None = None) -> ReciprocityPrice | None:
    """A tighter bound when the relaxed plans break reciprocity: a Lagrangian one.

    Scheduling one more visit for the side ahead costs a price ``λ``: each
    facility maximises ``Σ (priority - λ) x`` for that side's visits and
    ``Σ (priority + λ) x`` for the other side's, and ``Σ facility optima +
    λ · max_difference`` bounds the scheduled priority of every plan that
    keeps the agreement, whatever the price. The first price (in quarters) is
    the lowest priority; when the side ahead still leads by too much there,
    higher prices are tried by bisection, otherwise that first bound stands.

    Parameters
    ----------
    placements
        The relaxed per-facility plans of :func:`relax_by_facility` (no price).
    workers, models
        As for :func:`relax_by_facility`.
    pass_seconds : float, optional
        How long one CP-SAT pass over every facility took (the relaxation's).
        When it is more than ``seconds``, the prices are tried on the
        facilities' linear relaxations instead (see
        :func:`_reciprocity_on_relaxations`).

    Returns
    -------
    ReciprocityPrice or None
        The best bound found and its price; ``None`` when reciprocity does not
        apply, the relaxed plans already keep it, or time ran out.
    """
    rec = index.scenario.reciprocity
    if index.sides is None or rec is None:
        return None
    diff = sum((1 if index.side(ri) == 0 else -1) for ri in placements
               if index.side(ri) is not None)
    if abs(diff) <= rec.max_difference:
        return None
    ahead = 0 if diff > 0 else 1
    stop = None if seconds is None else time.perf_counter() + seconds
    if seconds is not None and pass_seconds is not None and pass_seconds > seconds:
        # not even one more pass of CP-SAT fits: the facilities' linear relaxations instead
        models = FacilityModels(index, choices, scale) if models is None else models
        return _reciprocity_on_relaxations(index, models, ahead,
                                           _RelaxedPrices(index, models, 4, stop, workers))
    quarters = 4
    prios = [index.requests[ri].priority for ri, c in enumerate(choices) if c]
    top = quarters * max(prios, default=0)
    # The price usually settles near the lowest priority: a visit of the side ahead
    # that is worth no more than the price is no longer worth scheduling.
    price = first = quarters * min((p for p in prios if p > 0), default=1)
    lo, hi = 0, top + 1
    best: ReciprocityPrice | None = None
    models = FacilityModels(index, choices, scale) if models is None else models
    for _ in range(MAX_PRICES):
        weights = {}
        for ri, c in enumerate(choices):
            if c:
                side = index.side(ri)
                sign = 0 if side is None else (1 if side == ahead else -1)
                weights[ri] = quarters * index.requests[ri].priority - price * sign
        bounds, plans, complete = _solve_facilities(models, stop, weights, workers)
        if not complete:
            break
        value = (sum(bounds.values()) + price * rec.max_difference) // quarters
        if best is None or value < best.bound:
            best = ReciprocityPrice(value, ahead, price)
        lead = sum((1 if index.side(ri) == ahead else -1) for ri in plans
                   if index.side(ri) is not None)
        logger.debug("reciprocity price %s/%s: bound %s, lead %s", price, quarters, value, lead)
        if lead > rec.max_difference:
            lo = price
        elif price == first:
            # at the lowest priority the weakest visits of the side ahead are worth
            # nothing: the bound's kink is usually there, and lower prices gave 1 to 11
            # more on every generated month measured
            break
        else:
            hi = price
        if hi - lo <= 1:
            break
        price = (lo + hi) // 2
    return best


class _RelaxedPrices:
    """The reciprocity bound at a price, from every facility's linear relaxation.

    At a signed price ``p`` (in quarters of a point) each facility's LP
    maximises ``Σ (quarters · priority - p · sign) x``, ``sign`` 1 for a visit
    of the first side and -1 for one of the second: a positive price charges
    the first side, a negative one the second. Its optimum bounds the
    facility's integer optimum, which is integral, so the sum of their floors
    plus ``|p| · max_difference``, in quarters, bounds the scheduled priority
    of every plan that keeps the agreement, as in :func:`reciprocity_search`
    (at price 0: the facilities alone). The LPs are built on first use and
    each price starts from the last basis.
    """

    def __init__(self, index: VisitIndex, models: FacilityModels, quarters: int,
                 stop: float | None, workers: int = 1) -> None:
        self.quarters, self.stop, self.workers = quarters, stop, workers
        rec = index.scenario.reciprocity
        self.max_difference = 0 if rec is None else rec.max_difference
        self.names = list(models.models)
        self.parts: list[tuple[VisitModel, np.ndarray, np.ndarray, np.ndarray]] = []
        for vm in models.models.values():
            cols, worth, sign = [], [], []
            for (ri, _), var in vm.x.items():
                side = index.side(ri)
                cols.append(var.index)
                worth.append(quarters * index.requests[ri].priority)
                sign.append(0 if side is None else (1 if side == 0 else -1))
            self.parts.append((vm, np.array(cols, dtype=np.int32),
                               np.array(worth, dtype=float), np.array(sign, dtype=float)))
        self.lps: list[highspy.Highs | None] = [None] * len(self.parts)
        self.broken: set[int] = set()  # (no LP, or its run was left behind)
        self.solved: dict[tuple[int, int], int] = {}
        self.values: dict[int, int | None] = {}

    def _left(self) -> float:
        return float("inf") if self.stop is None else self.stop - time.perf_counter()

    def facility(self, k: int, price: int) -> int | None:
        """Facility ``k``'s LP bound at ``price``, or ``None`` when it is not solved to
        optimality in time."""
        if (k, price) in self.solved:
            return self.solved[(k, price)]
        if self._left() <= 0.01:
            return None
        vm, cols, worth, sign = self.parts[k]
        if k in self.broken:
            return None
        lp = self.lps[k]
        if lp is None:
            vm.model.maximize(vm.priority())  # (the costs of x are set per price)
            try:
                lp = self.lps[k] = linear_relaxation(vm.model)
            except ValueError:  # (a constraint HiGHS is not given: no LP bound)
                self.broken.add(k)
                return None
            lp.setOptionValue("threads", 1)
        left = self._left()
        if left <= 0.01:
            return None
        value = resolve_relaxation(lp, cols, -(worth - price * sign), left)
        if was_left_behind(lp):  # its worker may still be inside: never touch it again
            self.lps[k] = None
            self.broken.add(k)
        if value is None:
            return None
        # (stored as a minimum: the facility's LP maximum is its negation)
        self.solved[(k, price)] = floor_bound(-value)
        return self.solved[(k, price)]

    def bound(self, price: int) -> int | None:
        """The bound at ``price``, or ``None`` when some facility's LP is not solved to
        optimality in time."""
        if price not in self.values:
            ks = range(len(self.parts))
            if self.workers >= 2 and len(self.parts) > 1:  # (HiGHS leaves Python's lock)
                prepare_threads(1)
                with ThreadPoolExecutor(max_workers=self.workers,
                                        thread_name_prefix="parcelroute-lp") as pool:
                    got = list(pool.map(lambda k: self.facility(k, price), ks))
            else:
                got = []
                for k in ks:
                    got.append(self.facility(k, price))
                    if got[-1] is None:
                        break
            total = None if None in got else sum(v for v in got if v is not None)
            self.values[price] = None if total is None else \
                (total + abs(price) * self.max_difference) // self.quarters
        return self.values[price]


def relaxations_bound(index: VisitIndex, models: FacilityModels, caps: dict[str, int],
                      stop: float | None, workers: int = 1,
                      ) -> tuple[dict[str, int], ReciprocityPrice | None]:
    """Level 1's bound from the facilities' linear relaxations, where CP-SAT missed some.

    For a month whose CP-SAT pass over the facilities did not reach them all
    in time (those it missed count every request's priority): first each
    missed facility's LP bounds its priority alone (returned as caps, as
    many as are solved by ``stop``); then, where reciprocity applies and
    time is left, the agreement is priced on every facility's LP, either side
    ahead (:func:`_reciprocity_on_relaxations`).
    """
    quarters = 4
    prices = _RelaxedPrices(index, models, quarters, stop, workers)
    missed = [k for k, name in enumerate(prices.names) if name not in caps]
    if workers >= 2:
        prepare_threads(1)  # (on this thread, before HiGHS runs on the pool's)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="parcelroute-lp") as pool:
            got = list(pool.map(lambda k: prices.facility(k, 0), missed))
    else:
        got = [prices.facility(k, 0) for k in missed]
    lp_caps = {prices.names[k]: v // quarters for k, v in zip(missed, got, strict=True)
               if v is not None}
    found = None
    if index.sides is not None and index.scenario.reciprocity is not None and \
            len(lp_caps) + len(caps) == len(prices.names):
        found = _reciprocity_on_relaxations(index, models, None, prices)
    return lp_caps, found


def _reciprocity_on_relaxations(index: VisitIndex, models: FacilityModels, ahead: int | None,
                                prices: _RelaxedPrices) -> ReciprocityPrice | None:
    """:func:`reciprocity_search` on the facilities' linear relaxations.

    The bound is a convex function of the signed price (see
    :class:`_RelaxedPrices`), so the best price is found by bisection on its
    slope (the bound at ``p`` against ``p + 1``), over the prices charging
    side ``ahead`` or, without one, either side; at most
    :data:`MAX_LP_PRICES` prices, the best bound kept. ``None`` if no price
    charging a side bounds better than price 0, or none was solved in time.
    """
    quarters = prices.quarters
    prios = [index.requests[ri].priority for vm in models.models.values() for ri, _ in vm.x]
    top = quarters * max(prios, default=0)
    best: tuple[int, int, int] | None = None  # (bound, price charged, signed price)

    def tried(price: int) -> int | None:
        nonlocal best
        value = prices.bound(price)
        if value is not None and (best is None or (value, abs(price)) < best[:2]):
            best = (value, abs(price), price)
        return value

    lo, hi = (-top if ahead in (None, 1) else 0), (top if ahead in (None, 0) else 0)
    while hi > lo and len(prices.values) < MAX_LP_PRICES:
        mid = (lo + hi) // 2
        here, right = tried(mid), tried(mid + 1)
        if here is None or right is None:
            break
        if right < here:
            lo = mid + 1
        else:
            hi = mid
    if best is None or best[2] == 0:
        return None
    value, _, price = best
    logger.debug("reciprocity price %s/%s on side %s on the linear relaxations: bound %s "
                 "(%d prices)", abs(price), quarters, 0 if price > 0 else 1, value,
                 len(prices.values))
    return ReciprocityPrice(value, 0 if price > 0 else 1, abs(price))


def plan_from_relaxation(index: VisitIndex, choices: list[list[int]],
                         placements: dict[int, Placement]) -> PlanState:
    """A plan keeping every rule, built from the relaxed per-facility plans.

    Requests are added in decreasing priority, each at its relaxed session
    when an escort is free there, else at the best session that fits; then
    reciprocity is restored and what fits is added.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="two families, one table")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1").add_detainee("D-2", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=1)
    >>> _ = b.add_visit_request("V-1", detainee="D-1", priority=1,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> _ = b.add_visit_request("V-2", detainee="D-2", priority=2,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> index = VisitIndex(b.build())
    >>> choices = [index.model_sessions(r) for r in range(2)]
    >>> _, placements = relax_by_facility(index, choices, None)
    >>> plan_from_relaxation(index, choices, placements).priority()
    2
    """
    state = PlanState(index)
    for ri in sorted(placements, key=lambda r: (-index.requests[r].priority, r)):
        p = state.fit(ri, placements[ri].session, reciprocity=False)
        if p is None:
            p = next((q for si in choices[ri]
                      if (q := state.fit(ri, si, reciprocity=False)) is not None), None)
        if p is not None:
            state.add(ri, p)
    trim_reciprocity(state)
    fill(state, choices)
    return state


def improve_by_facility(state: PlanState, choices: list[list[int]], seconds: float, *,
                        seed: int = 0, scale: tuple[int, bool] = (1, True),
                        room_below: int | None = None, ahead: int | None = None,
                        spare: threading.Event | None = None,
                        deterministic: bool = False) -> int:
    """Re-solve the visits of each facility in turn while the time lasts.

    Each facility's visits are re-planned with everything else fixed,
    maximising its priority first and lowering its transport cost second, so
    the plan never gets worse on level 1, nor on level 2 at the same
    priority. While the plan's priority is below ``room_below`` and
    reciprocity binds (side ``ahead`` leads by ``max_difference``), room
    under the agreement comes between the two: at the same priority, more
    visits of the side behind and fewer of the side ahead, which a later
    re-plan of another facility turns into priority.
    When a sweep over single
    facilities finds nothing better, groups of two, then three facilities are
    tried (they can trade escorts and reciprocity room); the search stops when
    the largest groups find nothing better either, or the time is up.
    Once ``spare`` is set (a second core is free), a second worker re-plans
    other facilities of the same sweep beside the first; a re-plan that a
    change of the other's has made break an escort's day or the agreement is
    dropped.

    Parameters
    ----------
    state : PlanState
        A valid plan, improved in place.
    choices : list of list of int
        The sessions each request may take.
    seconds : float
        Wall-time budget, or with ``deterministic`` CP-SAT's deterministic time
        (its re-plans' limits too): for a solve without a time limit, whose plan
        must not depend on the machine's load (one worker only).
    seed : int
        Seed for the order of the facilities.
    scale : (int, bool)
        The cost scale of the scenario (see :func:`~parcelroute.visits.model.cost_scale`).
    room_below : int, optional
        A bound on the scheduled priority (level 1's): below it, room under
        reciprocity ranks before the transport cost (see above). ``None``:
        never.
    ahead : int, optional
        The side (0 or 1) that would have more visits without the agreement
        (:class:`ReciprocityPrice`); needed with ``room_below``.
    spare : threading.Event, optional
        Set when a second core is free for the rest of the budget (the
        order of the re-plans then depends on timing). Default: one worker.

    Returns
    -------
    int
        How many facilities were improved.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="two families, one table")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1").add_detainee("D-2", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=1)
    >>> _ = b.add_visit_request("V-1", detainee="D-1", priority=1,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> _ = b.add_visit_request("V-2", detainee="D-2", priority=2,
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> index = VisitIndex(b.build())
    >>> choices = [index.model_sessions(r) for r in range(2)]
    >>> state = PlanState(index)
    >>> state.add(0, state.fit(0, 0))
    >>> improve_by_facility(state, choices, 5.0), state.priority()
    (1, 2)
    """
    stop = math.inf if deterministic else time.perf_counter() + seconds
    limit = max(NEIGHBOURHOOD_LIMIT, NEIGHBOURHOOD_SHARE * seconds)
    requests_at = by_facility(state.index, choices)
    sweeps = _Sweeps(sorted(requests_at), seed)
    lock = threading.Lock()
    used: list[float] = []  # (with ``deterministic``: each re-plan's deterministic time)
    if deterministic:
        spare = None

    def work(main: bool) -> None:
        helper: threading.Thread | None = None
        failed: list[BaseException] = []

        def assist() -> None:
            try:
                work(False)
            except BaseException as exc:  # raised again by the first worker
                failed.append(exc)
                sweeps.end()

        try:
            while sum(used) < seconds and (group := sweeps.take(stop)) is not None:
                if main and helper is None and spare is not None and spare.is_set():
                    helper = threading.Thread(target=assist, name="visits-improve", daemon=True)
                    helper.start()
                better = False
                try:
                    requests = [ri for fac in group for ri in requests_at[fac]]
                    with lock:
                        below = room_below is not None and state.priority() < room_below
                    if deterministic:
                        better = _improve(state, choices, group, requests, limit, scale,
                                          ahead if below else None, lock, spent=used)
                    else:
                        left = stop - time.perf_counter()
                        better = _improve(state, choices, group, requests, min(left, limit),
                                          scale, ahead if below else None, lock, left=left)
                finally:
                    sweeps.give_back(better)
        finally:
            if helper is not None:
                sweeps.end()
                helper.join()
        if failed:
            raise failed[0]

    work(True)
    return sweeps.improved + sweeps.better


class _Sweeps:
    """The groups of facilities to re-plan, sweep after sweep, for one worker or two.

    A sweep re-plans every facility once, in groups of ``size`` in a random
    order; after a sweep without a gain the groups grow by one (up to
    :data:`MAX_FACILITIES`), after one with a gain they are single again. The
    groups of a sweep are disjoint, and a sweep starts once the one before is
    over, so two workers never re-plan one facility at the same time.
    """

    def __init__(self, facilities: list[str], seed: int) -> None:
        self.facilities = facilities
        self.rng = random.Random(seed)
        self.size = 1
        self.improved = 0  # gains of the sweeps over
        self.better = 0  # gains of the sweep under way
        self.running = 0
        self.over = False
        self.queue: list[list[str]] = []
        self.cond = threading.Condition()
        self._sweep()

    def _sweep(self) -> None:
        order = self.facilities[:]
        self.rng.shuffle(order)
        groups = [order[i:i + self.size] for i in range(0, len(order), self.size)]
        self.queue = groups[::-1]  # (taken from the end)

    def take(self, stop: float) -> list[str] | None:
        """The next group to re-plan, or ``None`` when the time is up or the search over."""
        with self.cond:
            while True:
                left = stop - time.perf_counter()
                if self.over or left <= 0.01:
                    return None
                if self.queue:
                    self.running += 1
                    return self.queue.pop()
                if self.running:  # the sweep's last groups are still being re-planned
                    self.cond.wait(left)
                    continue
                self.improved += self.better
                self.size = self.size + 1 if self.better == 0 else 1
                self.better = 0
                if self.size > min(MAX_FACILITIES, len(self.facilities)):
                    self.over = True
                    return None
                self._sweep()

    def give_back(self, better: bool) -> None:
        """A group taken is done (``better``: its re-plan was applied)."""
        with self.cond:
            self.running -= 1
            self.better += better
            self.cond.notify_all()

    def end(self) -> None:
        """Hand out no more groups."""
        with self.cond:
            self.over = True
            self.cond.notify_all()


def _room_signs(ix: VisitIndex, side_count: list[int], vm: VisitModel, ahead: int,
                ) -> dict[tuple[int, int], int]:
    """Each choice's share of the room under reciprocity: +1 for a visit of the side
    behind, -1 for one of side ``ahead``; none while that side leads by less than
    ``max_difference`` in ``side_count`` (the room is then worth nothing yet)."""
    rec = ix.scenario.reciprocity
    if ix.sides is None or rec is None:
        return {}
    if side_count[ahead] - side_count[1 - ahead] < rec.max_difference:
        return {}
    out = {}
    for key in vm.x:
        side = ix.side(key[0])
        if side is not None:
            out[key] = -1 if side == ahead else 1
    return out


def _objective_weights(priorities: int, costs: int, sided: int) -> tuple[int, int, int]:
    """The weights of priority, room and transport cost in a re-plan's objective.

    ``priorities`` is the sum of the priorities the re-plan may schedule,
    ``costs`` that of its transports' scaled costs, and ``sided`` how many of
    its requests have a side (the room's span; 0 without the room). Each term
    outranks everything after it: the room's weight is one more than the
    costs together, the priority's that times ``sided + 1``. Where the
    objective would not fit in :data:`MAX_OBJECTIVE`, the room goes first
    (weight 0), then the cost (the re-plan maximises priority alone).
    """
    weight = costs + 1
    top = weight * (sided + 1)
    if sided and top * priorities + weight * sided + costs <= MAX_OBJECTIVE:
        return top, weight, 1
    if weight * priorities + costs <= MAX_OBJECTIVE:  # without the room
        return weight, 0, 1
    return 1, 0, 0  # priority alone


def _improve(state: PlanState, choices: list[list[int]], facilities: list[str],
             requests: list[int], seconds: float, scale: tuple[int, bool],
             room: int | None, lock: AbstractContextManager[object] | None = None, *,
             left: float | None = None, spent: list[float] | None = None) -> bool:
    """Re-solve some facilities' visits; apply and return True when the plan gets better.

    Better: more priority; then, with ``room`` (the side ahead), more room
    under reciprocity (:func:`_room_signs`); then less transport cost. The objective weighs
    them so that each outranks everything after it. With a ``lock`` (another worker
    re-plans other facilities meanwhile) the plan is read and changed under it, and a
    re-plan the other's changes have made break a rule (:func:`_still_fits`) is dropped.
    CP-SAT gets ``seconds``, or :data:`FACILITY_SECONDS_PER_VARIABLE` per variable of
    the re-plan's model if more (large facilities), but never more than ``left``. With
    ``spent`` that limit is CP-SAT's deterministic time, and the time used is appended.
    """
    ix = state.index
    inside = set(facilities)
    mine = set(requests)
    held = nullcontext() if lock is None else lock
    with held:
        blocked: set[tuple[int, dt.date]] = set()
        for (ei, date), at in state.esc_at.items():
            if any(ix.sessions[si].facility not in inside for si in at):
                blocked.add((ei, date))
        # (the side difference of the visits kept: every scheduled one's less these
        # requests')
        side_count = list(state.side_count)
    offset = side_count[0] - side_count[1]
    for ri in mine:
        side = ix.side(ri)
        if state.placed[ri] is not None and side is not None:
            offset -= 1 if side == 0 else -1
    sub = only(choices, requests)
    vm = VisitModel(ix, sub, escort_ok=lambda ei, date: (ei, date) not in blocked,
                    side_offset=offset, scale=scale)
    costs = sum(scaled_cost(vm.costs[ti], vm.scale) for ti in vm.u)
    signs = {} if room is None else _room_signs(ix, side_count, vm, room)
    top, weight, per_cost = _objective_weights(
        sum(ix.requests[ri].priority for ri, _ in vm.x), costs,
        len({ri for ri, _ in signs}))
    if weight == 0:
        signs = {}
    spare = cp_model.LinearExpr.weighted_sum([vm.x[k] for k in signs], list(signs.values()))
    objective = top * vm.priority() + weight * spare - per_cost * vm.cost()
    vm.model.maximize(objective)
    vm.hint_plan(state)
    current = top * sum(ix.requests[ri].priority for ri in requests
                        if state.placed[ri] is not None)
    current += weight * sum(sign for (ri, si), sign in signs.items()
                            if (p := state.placed[ri]) is not None and p.session == si)
    rides = {p.transport for p in (state.placed[ri] for ri in requests)
             if p is not None and p.transport is not None}
    current -= per_cost * sum(scaled_cost(ix.transports[ti].cost, vm.scale) for ti in rides)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    limit = max(seconds, facility_limit(vm, 0.0))
    if spent is not None:
        solver.parameters.max_deterministic_time = limit
    else:
        solver.parameters.max_time_in_seconds = limit if left is None else min(limit, left)
    status = solver.solve(vm.model)
    if spent is not None:
        spent.append(solver.deterministic_time)
    # (the objective's exact value: CP-SAT's float one loses units above 2**53)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or solver.value(objective) <= current:
        return False
    values = {v.index: int(solver.value(v)) for v in vm.all_vars()}
    placements = vm.placements(values)
    with held:
        if lock is not None and not _still_fits(state, inside, requests, placements):
            logger.debug("visits at %s: a re-plan dropped (the other worker's changes)",
                         ", ".join(facilities))
            return False
        for ri in requests:
            if state.placed[ri] is not None:
                state.remove(ri)
        for ri, p in sorted(placements.items()):
            state.add(ri, p)
    logger.debug("visits at %s improved to %s", ", ".join(facilities), solver.objective_value)
    return True


def _still_fits(state: PlanState, inside: set[str], requests: list[int],
                placements: dict[int, Placement]) -> bool:
    """Whether the re-plan ``placements`` of ``requests`` (the visits of the facilities
    ``inside``) still keeps the escort and reciprocity rules in the plan of ``state``,
    which another worker may have changed since the re-plan read it.

    The facilities' own rules (sessions, detainees, transports) are theirs alone; what
    another worker can have changed is an escort's day (an escort works at one facility
    a date) and the count of each side's visits (a plan that breaks the agreement
    already may keep its difference).
    """
    ix = state.index
    for p in placements.values():
        if p.escort is None:
            continue
        at = state.esc_at.get((p.escort, ix.sessions[p.session].date))
        if at and any(ix.sessions[si].facility not in inside for si in at):
            return False
    rec = ix.scenario.reciprocity
    if rec is None or ix.sides is None:
        return True
    counts = list(state.side_count)
    for ri in requests:
        side = ix.side(ri)
        if side is not None:
            counts[side] += (ri in placements) - (state.placed[ri] is not None)
    now = abs(counts[0] - counts[1])
    return now <= rec.max_difference or now <= abs(state.side_count[0] - state.side_count[1])
