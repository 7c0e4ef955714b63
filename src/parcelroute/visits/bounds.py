"""A proven lower bound on the transport cost, facility by facility (a Lagrangian one).

Transports run to one facility, so the transport cost of a plan is the sum
of its facilities' costs. Without the escort and reciprocity rules (and
dropping rules only lowers the cost) the facilities meet only through the
scheduled priority the plan must reach. Pricing that priority at ``λ`` per
point splits the problem: for any plan of priority at least ``P``,

    cost = Σ_F cost_F ≥ Σ_F (L_F(λ) + λ · priority_F) ≥ Σ_F L_F(λ) + λ · P,

where ``L_F(λ)`` is any proven lower bound on ``min (cost_F - λ · priority_F)``
over the plans of facility ``F`` alone (CP-SAT's bound, so a facility left
unproven in time still counts). Every price gives a valid bound; a few
prices are tried by bisection on whether the facilities' own plans reach
the priority aimed at. :class:`CostBound` keeps the sums, so the bound can
be read for the priority finally reached.

Reciprocity can be priced too. Every plan that keeps the agreement has
``ahead - other ≤ k`` (the visits of the two sides, ``k`` its
``max_difference``), so with ``μ ≥ 0`` per visit of the side ``ahead``,

    cost ≥ Σ_F min (cost_F - λ · priority_F + μ · (ahead_F - other_F)) + λ · P - μ · k.

When the facilities alone would schedule far more visits for one side than
the agreement allows, this bound is much the stronger: without it they drop
their dearest visits freely, which the agreement does not let a plan do.
The price ``μ`` is ``λ`` times the reciprocity price that bounded the
scheduled priority (:func:`~parcelroute.visits.lns.reciprocity_search`).

Each facility's ``L_F(λ)`` is CP-SAT's proven bound, or, where CP-SAT finds
no plan in its time, the optimum of the facility's linear relaxation (also a
lower bound, weaker). The linear relaxations come first: solved again from
their last basis at each price they are cheap, and the price where their
bound is best is where CP-SAT's search starts. At national scale (20,000
requests and more) a CP-SAT pass over every facility would take longer than
the time there is; the time of a pass is shared among the facilities still
to price, and those left without a plan take their relaxation's bound.

It only needs the facilities' models, so it can run on the second core
while the start plan is improved (:func:`cost_bound_in_background`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
from ortools.sat.python import cp_model

from parcelroute._highs import was_left_behind
from parcelroute._integral import ceil_bound
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.lns import ReciprocityPrice, by_facility, facility_limit, only
from parcelroute.visits.mip import linear_relaxation, resolve_relaxation
from parcelroute.visits.model import VisitModel, scaled_cost

__all__ = ["CostBound", "CostBoundJob", "cost_bound_in_background", "lagrangian_cost_bound"]

logger = logging.getLogger("parcelroute")

#: Wall-time limit in seconds of one facility's priced model (its bound stays valid), or
#: more for a large facility (:func:`~parcelroute.visits.lns.facility_limit`).
FACILITY_SECONDS = 0.5
#: Most prices tried with CP-SAT; once the linear relaxations have aimed the price, only
#: that price: more passes added under 1 % to the bound of the generated months of 5,000
#: and 10,000 requests, and slowed the improvement running beside them by as much.
MAX_PRICES = 8
AIMED_PRICES = 1
#: Most prices tried on the facilities' linear relaxations, and the share of the time left
#: once the facilities' models are built that they may take (the first price may take all).
MAX_LP_PRICES = 8
LP_SHARE = 0.5
#: The share of the time left that a CP-SAT pass over the facilities plans to use (the rest
#: is for the linear relaxations of the facilities left without a plan), and the least
#: time a facility gets when that share is small.
PASS_SHARE = 0.8
SHARE_FLOOR = 0.05
#: The reciprocity price is in quarters of a priority point (as in
#: :func:`~parcelroute.visits.lns.reciprocity_search`).
QUARTERS = 4


@dataclass
class CostBound:
    """The prices tried and, for each, the sum of the facilities' proven bounds.

    Costs are in the model's scaled integers; ``sums[λ]`` is ``Σ_F L_F(λ)``.

    Examples
    --------
    >>> cb = CostBound(sums={0: 0, 10: -150, 20: -320})
    >>> cb.bound(16), cb.bound(10)
    (10, 0)
    """

    sums: dict[int, float] = field(default_factory=dict)

    def bound(self, priority: int) -> int:
        """The best proven lower bound on the scaled cost of plans of at least ``priority``."""
        best = 0
        for price, total in self.sums.items():
            best = max(best, ceil_bound(total + price * priority))
        return best


def _facility_models(index: VisitIndex, choices: list[list[int]], scale: tuple[int, bool],
                     ) -> list[VisitModel]:
    """One model per facility with a request in the model, without escorts and
    reciprocity (as :class:`~parcelroute.visits.lns.FacilityModels` builds them)."""
    models = []
    for _, requests in sorted(by_facility(index, choices).items()):
        models.append(VisitModel(index, only(choices, requests), scale=scale, escorts=False,
                                 reciprocity=False))
    return models


def _worth_weights(vm: VisitModel, reciprocity: ReciprocityPrice | None) -> list[int]:
    """The priced worth of each session choice of ``vm`` (in the order of ``vm.x``), in
    quarters of a priority point with ``reciprocity``, in points without."""
    quarters = 1 if reciprocity is None else QUARTERS
    weights = []
    for ri, _ in vm.x:
        side = vm.index.side(ri)
        sign = 0 if side is None or reciprocity is None else (
            1 if side == reciprocity.ahead else -1)
        weights.append(quarters * vm.index.requests[ri].priority
                       - (0 if reciprocity is None else reciprocity.quarters * sign))
    return weights


def _priced(vm: VisitModel, price: int, seconds: float,
            reciprocity: ReciprocityPrice | None = None) -> tuple[float, float] | None:
    """``L_F(λ)`` (a proven lower bound) and the priced priority of the plan found
    (the priority itself without ``reciprocity``), or ``None``.

    With ``reciprocity`` the visits of its side ``ahead`` are worth its price
    less and the other side's as much more; the objective is then in quarters
    of the cost (both values are returned in the cost's and priority's own units).
    """
    quarters = 1 if reciprocity is None else QUARTERS
    weights = _worth_weights(vm, reciprocity)
    worth = cp_model.LinearExpr.weighted_sum(list(vm.x.values()), weights)
    vm.model.minimize(quarters * vm.cost() - price * worth)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    status = solver.solve(vm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return solver.best_objective_bound / quarters, solver.value(worth) / quarters


class _FacilityLp:
    """The linear relaxation of one facility's priced model, solved again at each price.

    Its optimum at a price ``λ`` is a lower bound on ``min (cost_F - λ · worth_F)`` like
    CP-SAT's, weaker but found in a fraction of the time; the LP is built on first use
    and each later price starts from the last basis.
    """

    def __init__(self, vm: VisitModel, reciprocity: ReciprocityPrice | None) -> None:
        self.vm = vm
        self.quarters = 1 if reciprocity is None else QUARTERS
        self.weights = _worth_weights(vm, reciprocity)
        self.cols = [var.index for var in vm.x.values()]
        #: ``L_F(λ)`` and the priced priority of the LP's plan at each price solved.
        self.found: dict[int, tuple[float, float]] = {}
        self._lp: highspy.Highs | None = None
        self._broken = False  # not translatable, or a run was left behind

    def _built(self) -> highspy.Highs | None:
        if self._lp is None and not self._broken:
            vm = self.vm
            vm.model.minimize(self.quarters * vm.cost())  # the worth's costs are set per price
            try:
                self._lp = linear_relaxation(vm.model)
            except ValueError:  # (a constraint HiGHS is not given: the facility has no LP)
                self._broken = True
                return None
            self._lp.setOptionValue("threads", 1)
        return self._lp

    def solve(self, price: int, deadline: float | None) -> tuple[float, float] | None:
        """The LP's ``L_F(λ)`` and the priced priority of its (fractional) plan, as
        :func:`_priced` gives them, or ``None`` if not solved to optimality by ``deadline``
        (a ``time.perf_counter()`` instant)."""
        if price in self.found:
            return self.found[price]
        lp = self._built()
        left = math.inf if deadline is None else deadline - time.perf_counter()
        if lp is None or left <= 0.01:  # (building it may have taken the time)
            return None
        n = len(self.cols)
        value = resolve_relaxation(lp, np.array(self.cols, dtype=np.int32),
                                   np.array([-price * w for w in self.weights], dtype=float),
                                   left)
        if was_left_behind(lp):  # its worker may still be inside: never touch it again
            self._lp, self._broken = None, True
        if value is None:
            return None
        col = np.asarray(lp.getSolution().col_value)[self.cols]
        worth = float(np.dot(col, self.weights)) if n else 0.0
        # (the priced objective is integral in its own units: round the LP's bound up)
        bound = ceil_bound(value)
        self.found[price] = (bound / self.quarters, worth / self.quarters)
        return self.found[price]


def _top_price(index: VisitIndex, choices: list[list[int]], scale: int,
               reciprocity: ReciprocityPrice | None = None) -> int:
    """A price at which every request is worth its dearest transport alone (priced as
    :func:`_priced` prices it; a request priced at nothing or less is never worth it)."""
    top = 1
    quarters = 1 if reciprocity is None else QUARTERS
    for ri, sessions in enumerate(choices):
        r = index.requests[ri]
        if not sessions or r.transport_from is None:
            continue
        side = index.side(ri)
        worth = quarters * r.priority
        if reciprocity is not None and side is not None:
            worth -= reciprocity.quarters * (1 if side == reciprocity.ahead else -1)
        if worth <= 0:
            continue
        dearest = max((scaled_cost(index.transports[ti].cost, scale)
                       for si in sessions for ti in index.request_transports(ri, si)),
                      default=0)
        top = max(top, -(-quarters * dearest // worth))
    return top


def lagrangian_cost_bound(index: VisitIndex, choices: list[list[int]], target: int,
                          seconds: float | None, *, scale: tuple[int, bool] = (1, True),
                          stop: threading.Event | None = None,
                          reciprocity: ReciprocityPrice | None = None,
                          models: list[VisitModel] | None = None) -> CostBound:
    """Price the priority, facility by facility, aiming at plans of ``target`` priority.

    Parameters
    ----------
    index, choices
        The requests and their model sessions.
    target : int
        The priority the final plan is expected to reach (the price is
        bisected on whether the facilities' plans reach it); the bound is
        valid for any priority, read with :meth:`CostBound.bound`.
    seconds : float or None
        Wall-time limit; prices not finished in time are left out.
    stop : threading.Event, optional
        Set to end early (the prices done so far still count).
    reciprocity : ReciprocityPrice, optional
        Price reciprocity as well, at each price ``λ`` of the priority ``λ`` times
        this price (see the module's description). Only a price of the side
        that the facilities alone favour raises the bound.
    models : list of VisitModel, optional
        The facilities' models, if already built (without escorts and
        reciprocity, one per facility with a request; only their objective is
        changed here). Default: built here.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="one bus")
    >>> _ = b.add_node("F-1").add_node("C").add_detainee("D-1", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=2)
    >>> _ = b.add_transport("T-1", origin="C", facility="F-1", date="2026-12-05",
    ...                     seats=4, cost=30)
    >>> _ = b.add_visit_request("V-1", detainee="D-1", priority=3, transport_from="C",
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> index = VisitIndex(b.build())
    >>> found = lagrangian_cost_bound(index, [index.model_sessions(0)], 3, None)
    >>> found.bound(3), found.bound(0)
    (30, 0)
    """
    deadline = None if seconds is None else time.perf_counter() + seconds
    if models is None:
        models = _facility_models(index, choices, scale)
    rec = index.scenario.reciprocity
    slack = 0.0  # the charge μ · k of the agreement's room, per unit of λ
    if rec is None or index.sides is None:
        reciprocity = None
    elif reciprocity is not None:
        slack = reciprocity.quarters * rec.max_difference / QUARTERS
    out = CostBound()
    top = _top_price(index, choices, scale[0], reciprocity)
    lps = [_FacilityLp(vm, reciprocity) for vm in models]
    # 1. the linear relaxations: a first bound, and the price where it is best (the first
    # price may take all the time: at national scale a bound at all comes first)
    lp_end = None if deadline is None else (
        time.perf_counter() + LP_SHARE * (deadline - time.perf_counter()))

    def relaxed(price: int) -> tuple[float, float] | None:
        return _relaxed_all(lps, price, lp_end if out.sums else deadline, stop)

    lp_tried = _bisect(relaxed, out, max(1, top // 2), top, target, slack, MAX_LP_PRICES,
                       "LP")
    start = max(lp_tried, key=lambda price: out.sums[price] + price * target,
                default=max(1, math.isqrt(top)))
    # 2. CP-SAT's bounds at that price (and from there on if the relaxations found none)
    _bisect(lambda price: _price_all(models, lps, price, deadline, stop, reciprocity), out,
            start, top, target, slack, AIMED_PRICES if lp_tried else MAX_PRICES, "CP-SAT")
    return out


def _bisect(price_all: Callable[[int], tuple[float, float] | None], out: CostBound,
            price: int, top: int, target: int, slack: float, tries: int, what: str,
            ) -> list[int]:
    """Bisect on the price from ``price``, keeping each price's sum in ``out`` (the better
    one where ``out`` has the price already); return the prices tried in full."""
    tried: list[int] = []
    low, high = 0, top
    for _ in range(tries):
        found = price_all(price)
        if found is None:
            return tried
        tried.append(price)
        _keep(out, price, found[0] - price * slack)
        logger.debug("cost bound (%s) at price %s: %s for priority %s (reached %s)", what,
                     price, out.bound(target), target, found[1])
        # the bound rises with the price while the facilities' priced priority (less
        # the agreement's room) falls short of the target
        if found[1] >= target - slack:
            high = price
        else:
            low = price
        if high - low <= max(1, high // 32):
            break
        price = math.isqrt(low * high) if low and high > 4 * low else (low + high) // 2
    else:
        return tried
    if len(tried) < tries and high not in tried:  # the top price itself, never tried
        last = price_all(high)
        if last is not None:
            tried.append(high)
            _keep(out, high, last[0] - high * slack)
    return tried


def _keep(out: CostBound, price: int, total: float) -> None:
    """Keep ``total`` as the sum at ``price`` unless ``out`` has a better one."""
    out.sums[price] = max(total, out.sums.get(price, total))


def _relaxed_all(lps: list[_FacilityLp], price: int, deadline: float | None,
                 stop: threading.Event | None) -> tuple[float, float] | None:
    """``Σ_F L_F(λ)`` of the facilities' linear relaxations and the priced priority of their
    plans; ``None`` if cut short."""
    total, reached = 0.0, 0.0
    for lp in lps:
        left = None if deadline is None else deadline - time.perf_counter()
        if (left is not None and left <= 0.01) or (stop is not None and stop.is_set()):
            return None
        found = lp.solve(price, deadline)
        if found is None:
            return None
        total += found[0]
        reached += found[1]
    return total, reached


def _price_all(models: list[VisitModel], lps: list[_FacilityLp], price: int,
               deadline: float | None, stop: threading.Event | None,
               reciprocity: ReciprocityPrice | None = None) -> tuple[float, float] | None:
    """``Σ_F L_F(λ)`` and the priced priority the facilities' plans reach; ``None`` if
    cut short.

    With a deadline each facility gets at most its share of :data:`PASS_SHARE` of the time
    left; one CP-SAT finds no plan for in that time takes its linear relaxation's bound.
    """
    total, reached = 0.0, 0.0
    for k, vm in enumerate(models):
        left = None if deadline is None else deadline - time.perf_counter()
        if (left is not None and left <= 0.01) or (stop is not None and stop.is_set()):
            return None
        limit = facility_limit(vm, FACILITY_SECONDS)
        if left is not None:
            share = max(SHARE_FLOOR, PASS_SHARE * left / (len(models) - k))
            limit = min(limit, share, left)
        found = _priced(vm, price, limit, reciprocity)
        if found is None:
            found = lps[k].solve(price, deadline)
            if found is None:
                return None
        # (the relaxation's bound at this price, if it was solved, may be the better one)
        total += max(found[0], lps[k].found.get(price, found)[0])
        reached += found[1]
    return total, reached


class CostBoundJob:
    """:func:`lagrangian_cost_bound` running in a thread; :meth:`result` stops and joins it."""

    def __init__(self, index: VisitIndex, choices: list[list[int]], target: int,
                 seconds: float | None, scale: tuple[int, bool],
                 reciprocity: ReciprocityPrice | None = None,
                 models: list[VisitModel] | None = None) -> None:
        self._stop = threading.Event()
        self._out = CostBound()
        #: Set once the pricing is over (its core is free).
        self.done = threading.Event()

        def run() -> None:
            try:
                self._out = lagrangian_cost_bound(index, choices, target, seconds, scale=scale,
                                                  stop=self._stop, reciprocity=reciprocity,
                                                  models=models)
            except Exception:  # the bound is optional: the solve goes on without it
                logger.exception("visits: the transport cost bound failed")
            finally:
                self.done.set()

        self._thread = threading.Thread(target=run, name="visits-cost-bound", daemon=True)
        self._thread.start()

    def result(self, wait: bool = False) -> CostBound:
        """The prices done; unless ``wait``, the pricing is stopped first."""
        if not wait:
            self._stop.set()
        self._thread.join()
        return self._out


def cost_bound_in_background(index: VisitIndex, choices: list[list[int]], target: int,
                             seconds: float | None, *, scale: tuple[int, bool] = (1, True),
                             reciprocity: ReciprocityPrice | None = None,
                             models: list[VisitModel] | None = None) -> CostBoundJob:
    """Start :func:`lagrangian_cost_bound` on another core (CP-SAT releases the GIL).

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="nothing to price")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1")
    >>> index = VisitIndex(b.build())
    >>> cost_bound_in_background(index, [], 0, None).result(wait=True).sums
    {1: 0.0}
    """
    return CostBoundJob(index, choices, target, seconds, scale, reciprocity, models)
