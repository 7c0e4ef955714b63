"""The CP-SAT model of the visit rules, one function per family of constraints.

* ``x[r,s]``: request ``r`` takes session ``s`` (only sessions no permanent
  rule excludes, see :class:`~parcelroute.visits.index.VisitIndex`);
* ``n[e,g,l]``: how many visits in language ``l`` escort ``e`` serves in
  group ``g`` (all sessions of one facility and date when none of them
  overlap, else one session), ``a[e,s]``: whether ``e`` is at an overlapping
  session ``s``, and ``f[e,d,F]``: whether ``e`` works at facility ``F`` on
  date ``d``. Visits of one language in one group are interchangeable for
  every escort rule, so counting them is exact and much smaller than one
  variable per visit and escort;
* ``z[r,t]``: request ``r``'s family rides transport ``t``, and ``u[t]``:
  transport ``t`` is used.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ortools.sat.python import cp_model

from parcelroute._integral import ceil_bound, floor_bound
from parcelroute.options import Deadline, Progress, SolveOptions
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.plan import Placement, PlanState
from parcelroute.visits.race import LevelRace

__all__ = ["Level", "VisitModel", "cost_scale", "scaled_cost"]

logger = logging.getLogger("parcelroute")

#: Largest factor used to turn costs into integers.
MAX_SCALE_DIGITS = 6
#: Keep scaled cost sums well inside CP-SAT's 64-bit integers.
MAX_SCALED_TOTAL = 10**15
#: The leaning transport-cost objective (:meth:`VisitModel.leaning_cost`) is used only
#: while its priority term stays below this magnitude, well inside the range where HiGHS'
#: tolerances are small against one cost step.
MAX_LEANING_MAGNITUDE = 10**9
#: An escort group: ``("day", facility, date)`` or ``("session", session index)``.
_Group = tuple[Any, ...]


def cost_scale(costs: list[float]) -> tuple[int, bool]:
    """The factor that turns every cost into an integer, and whether it is exact.

    The smallest power of ten up to ``10**6`` that makes every cost integral
    (read from its shortest decimal form). When there is none, the factor is
    ``10**6`` and the model floors the scaled costs, which keeps its bound a
    valid lower bound; the reported cost is always the exact sum.

    Examples
    --------
    >>> cost_scale([300.0, 12.5, 0.25])
    (100, True)
    >>> cost_scale([1 / 3])
    (1000000, False)
    """
    decimals = [Decimal(repr(float(c))) for c in costs]
    scale, exact = 10**MAX_SCALE_DIGITS, False
    for digits in range(MAX_SCALE_DIGITS + 1):
        factor = 10**digits
        if all((d * factor) == (d * factor).to_integral_value() for d in decimals):
            scale, exact = factor, True
            break
    total = sum(decimals) * scale
    while scale > 1 and total > MAX_SCALED_TOTAL:
        scale //= 10
        total /= 10
        exact = exact and all((d * scale) == (d * scale).to_integral_value() for d in decimals)
    return scale, exact


def scaled_cost(cost: float, scale: int) -> int:
    """A cost times ``scale``, floored (exact when the scale is).

    Examples
    --------
    >>> scaled_cost(120.5, 10), scaled_cost(1 / 3, 100)
    (1205, 33)
    """
    return math.floor(Decimal(repr(float(cost))) * scale)


@dataclass
class Level:
    """What solving one objective level gave.

    ``bound`` is CP-SAT's best proven bound (``None`` if it proved nothing);
    ``values`` maps variable indices to the best solution's values (empty
    when ``solved`` is false).
    """

    solved: bool
    value: int = 0
    bound: float | None = None
    seconds: float = 0.0
    values: dict[int, int] = field(default_factory=dict)


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each better incumbent or bound of the level being solved.

    Values are divided by ``scale``; ``known`` is a bound proven before this
    solve and ``incumbent`` the value of the best plan in hand, so the reports
    only ever show the best incumbent and bound so far.
    """

    def __init__(self, options: SolveOptions, deadline: Deadline, phase: str,
                 scale: float, maximise: bool, known: float | None,
                 race: LevelRace | None = None, incumbent: float | None = None) -> None:
        super().__init__()
        self.race = race
        self.options = options
        self.deadline = deadline
        self.phase = phase
        self.scale = scale
        self.sign = 1.0 if maximise else -1.0
        self.best: float | None = incumbent
        self.bound = known
        #: The best bound CP-SAT reported during its search, in the objective's own units.
        self.proven: float | None = None

    def _better(self, new: float, old: float | None, *, incumbent: bool) -> bool:
        if old is None:
            return True
        return (new - old) * self.sign > 0 if incumbent else (old - new) * self.sign > 0

    def on_solution_callback(self) -> None:
        """Send a better incumbent (and the bound); in a race, share it instead."""
        if self.race is not None:
            self.race.offer_value(round(self.objective_value), "cp-sat")
            if self.race.stopped.is_set():
                self.stop_search()
            return
        value = self.objective_value / self.scale
        if self._better(value, self.best, incumbent=True):
            self.best = value
            self.on_bound(self.best_objective_bound, force=True)

    def on_bound(self, bound: float, force: bool = False) -> None:
        """Send a better bound (and the incumbent); in a race, share it instead."""
        if math.isfinite(bound) and (self.proven is None
                                     or (self.proven - bound) * self.sign > 0):
            self.proven = bound
        if self.race is not None:
            if math.isfinite(bound):
                whole = floor_bound(bound) if self.sign > 0 else ceil_bound(bound)
                self.race.offer_bound(whole, "cp-sat")
            return
        value = bound / self.scale
        better = self._better(value, self.bound, incumbent=False)
        if better:
            self.bound = value
        if better or force:
            self.options.report(Progress(self.phase, self.deadline.elapsed(), self.best,
                                         self.bound))


class VisitModel:
    """The CP-SAT model of the visit requests that can take at least one session.

    Parameters
    ----------
    index : VisitIndex
        Static compatibility of the scenario.
    choices : list of list of int
        ``choices[r]``: the sessions request ``r`` may take in the model
        (empty: the request stays out of the model).
    escort_ok : callable, optional
        ``escort_ok(e, date)`` false keeps escort ``e`` out of the model on
        that date (it works elsewhere in a plan kept fixed around the model).
    side_offset : int
        Visits of side 0 minus visits of side 1 outside the model.
    scale : (int, bool), optional
        The cost scale and whether it is exact (default: computed).
    escorts, reciprocity : bool
        Whether to model the escort and reciprocity rules (without them the
        model is a relaxation, whose optimum bounds the true one).
    caps : dict of str to int, optional
        Upper bounds on the priority each facility's visits can reach (from
        :func:`~parcelroute.visits.lns.relax_by_facility`); valid cuts that
        tighten the linear relaxation.

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
    >>> vm = VisitModel(index, choices)
    >>> vm.model.maximize(vm.priority())
    >>> from parcelroute.options import Deadline, SolveOptions
    >>> level = vm.solve(SolveOptions(), Deadline(None), "visits", None)
    >>> level.value, level.bound, vm.placements(level.values)
    (2, 2.0, {1: Placement(session=0, escort=None, transport=None)})
    """

    def __init__(self, index: VisitIndex, choices: list[list[int]], *,
                 escort_ok: Callable[[int, dt.date], bool] | None = None,
                 side_offset: int = 0, scale: tuple[int, bool] | None = None,
                 escorts: bool = True, reciprocity: bool = True,
                 caps: dict[str, int] | None = None) -> None:
        self.index = index
        self.choices = choices
        #: The requests with a session choice, in order (a facility's model of a national
        #: month has few among many: its loops go over these alone).
        self.active = [ri for ri, sessions in enumerate(choices) if sessions]
        self.escort_ok = escort_ok
        self.side_offset = side_offset
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.a: dict[tuple[int, int], cp_model.IntVar] = {}
        self.n: dict[tuple[int, _Group, str], cp_model.IntVar] = {}
        self.f: dict[tuple[int, dt.date, str], cp_model.IntVar] = {}
        self.z: dict[tuple[int, int], cp_model.IntVar] = {}
        self.u: dict[int, cp_model.IntVar] = {}
        self.top: dict[int, int] = {}
        self.costs = [t.cost for t in index.transports]
        self.scale, self.exact = scale if scale is not None else cost_scale(self.costs)
        self.create_session_choices()
        self.add_one_session_per_request()
        self.add_session_limits()
        self.add_detainee_limits()
        self.add_keep_apart()
        if escorts:
            self.add_escorts()
        self.add_transports()
        if reciprocity:
            self.add_reciprocity()
        if caps:
            self.add_facility_caps(caps)

    # -- variables -------------------------------------------------------------------
    def create_session_choices(self) -> None:
        """x[r,s]: request r takes session s."""
        ix = self.index
        for ri in self.active:
            rid = ix.requests[ri].id
            for si in self.choices[ri]:
                self.x[(ri, si)] = self.model.new_bool_var(f"x[{rid},{ix.sessions[si].id}]")

    def requests_of(self, ri: int) -> list[cp_model.IntVar]:
        """The session choices of one request."""
        return [self.x[(ri, si)] for si in self.choices[ri]]

    # -- constraints -----------------------------------------------------------------
    def add_one_session_per_request(self) -> None:
        """A request takes at most one session."""
        for ri in self.active:
            if len(self.choices[ri]) > 1:
                self.model.add_at_most_one(self.requests_of(ri))

    def add_session_limits(self) -> None:
        """At most capacity visits and max_visitors people per session."""
        ix = self.index
        members: dict[int, list[int]] = defaultdict(list)
        for ri, si in self.x:
            members[si].append(ri)
        for si, reqs in members.items():
            s = ix.sessions[si]
            if len(reqs) > s.capacity:
                self.model.add(sum(self.x[(ri, si)] for ri in reqs) <= s.capacity)
            people = sum(ix.requests[ri].visitors for ri in reqs)
            if s.max_visitors is not None and people > s.max_visitors:
                self.model.add(
                    sum(ix.requests[ri].visitors * self.x[(ri, si)] for ri in reqs)
                    <= s.max_visitors
                )

    def add_detainee_limits(self) -> None:
        """At most one visit per detainee and date, and max_visits over the horizon."""
        ix = self.index
        by_det: dict[str, list[int]] = defaultdict(list)
        for ri in self.active:
            by_det[ix.requests[ri].detainee].append(ri)
        for det_id, reqs in by_det.items():
            if len(reqs) < 2:
                if ix.detainees[det_id].max_visits < 1:
                    for var in self.requests_of(reqs[0]):
                        self.model.add(var == 0)
                continue
            by_date: dict[dt.date, list[cp_model.IntVar]] = defaultdict(list)
            for ri in reqs:
                for si in self.choices[ri]:
                    by_date[ix.sessions[si].date].append(self.x[(ri, si)])
            for lits in by_date.values():
                if len(lits) > 1:
                    self.model.add_at_most_one(lits)
            limit = ix.detainees[det_id].max_visits
            if len(reqs) > limit:
                self.model.add(sum(v for ri in reqs for v in self.requests_of(ri)) <= limit)

    def add_keep_apart(self) -> None:
        """Two detainees kept apart are never both visited at one facility on one date."""
        ix = self.index
        on_date: dict[str, dict[dt.date, list[cp_model.IntVar]]] = defaultdict(
            lambda: defaultdict(list))
        for (ri, si), var in self.x.items():
            on_date[ix.requests[ri].detainee][ix.sessions[si].date].append(var)
        for d1, partners in ix.partners.items():
            for d2 in partners:
                if d2 <= d1 or d1 not in on_date or d2 not in on_date:
                    continue
                for date, lits in on_date[d1].items():
                    other = on_date[d2].get(date)
                    if other:
                        self.model.add_at_most_one(lits + other)

    def add_escorts(self) -> None:
        """Each visit with a language has an escort; escorts keep their own limits.

        Visits are counted per escort, language and *group*: all the sessions
        of one facility and date when none of them overlap (an escort there
        can serve any of them), else each session on its own, with the
        escort's presence ``a[e,s]`` kept out of overlapping sessions.
        """
        ix = self.index
        demand: dict[tuple[_Group, str], list[cp_model.IntVar]] = defaultdict(list)
        for (ri, si), var in sorted(self.x.items()):
            lang = ix.requests[ri].language
            if lang is not None:
                demand[(self.group_of(si), lang)].append(var)
        load: dict[tuple[int, dt.date], list[cp_model.IntVar]] = defaultdict(list)
        share: dict[tuple[int, _Group], list[cp_model.IntVar]] = defaultdict(list)
        for (group, lang), lits in sorted(demand.items(), key=lambda kv: (repr(kv[0][0]),
                                                                           kv[0][1])):
            date = self.where(group)[1]
            room = min(len(lits), self.group_capacity(group))
            counts = []
            for ei in ix.escorts_for(lang, date):
                if self.escort_ok is not None and not self.escort_ok(ei, date):
                    continue
                e = ix.escorts[ei]
                top = min(room, e.max_visits_per_day or len(lits))
                cnt = self.model.new_int_var(0, top, f"n[{e.id},{_name(group)},{lang}]")
                self.n[(ei, group, lang)] = cnt
                self.top[cnt.index] = top
                counts.append(cnt)
                load[(ei, date)].append(cnt)
                share[(ei, group)].append(cnt)
            self.model.add(sum(counts) == sum(lits))
        for (ei, _), cnts in sorted(load.items()):
            per_day = ix.escorts[ei].max_visits_per_day
            if per_day is not None and sum(self.top[c.index] for c in cnts) > per_day:
                self.model.add(sum(cnts) <= per_day)
        self._add_escort_presence(share)

    def _add_escort_presence(self, share: dict[tuple[int, _Group], list[cp_model.IntVar]],
                             ) -> None:
        """An escort is at no two overlapping sessions and at one facility per date."""
        ix = self.index
        groups_of: dict[tuple[int, dt.date], list[_Group]] = defaultdict(list)
        for ei, group in share:
            groups_of[(ei, self.where(group)[1])].append(group)
        for (ei, date), groups in sorted(groups_of.items(), key=lambda kv: kv[0]):
            e = ix.escorts[ei]
            facilities = sorted({self.where(g)[0] for g in groups})
            if len(facilities) > 1:
                for fac in facilities:
                    self.f[(ei, date, fac)] = self.model.new_bool_var(
                        f"f[{e.id},{date.isoformat()},{fac}]")
                self.model.add_at_most_one(self.f[(ei, date, fac)] for fac in facilities)
            sessions = []
            for g in groups:
                cnts = share[(ei, g)]
                fac = self.where(g)[0]
                top = sum(self.top[c.index] for c in cnts)
                if e.max_visits_per_day is not None:
                    top = min(top, e.max_visits_per_day)
                if g[0] == "session":
                    here = self.model.new_bool_var(f"a[{e.id},{ix.sessions[g[1]].id}]")
                    self.a[(ei, g[1])] = here
                    sessions.append(g[1])
                    self.model.add(sum(cnts) <= top * here)
                    if (ei, date, fac) in self.f:
                        self.model.add_implication(here, self.f[(ei, date, fac)])
                elif (ei, date, fac) in self.f:
                    self.model.add(sum(cnts) <= top * self.f[(ei, date, fac)])
            for clique in _overlap_cliques(ix, sessions):
                self.model.add_at_most_one(self.a[(ei, si)] for si in clique)

    def group_of(self, si: int) -> _Group:
        """The escort group of a session: its facility and date, or itself if it overlaps."""
        s = self.index.sessions[si]
        if (s.facility, s.date) in self.overlapping:
            return ("session", si)
        return ("day", s.facility, s.date)

    def where(self, group: _Group) -> tuple[str, dt.date]:
        """The facility and date of an escort group."""
        if group[0] == "session":
            s = self.index.sessions[group[1]]
            return s.facility, s.date
        return group[1], group[2]

    def group_capacity(self, group: _Group) -> int:
        """How many visits the sessions of an escort group hold together."""
        if group[0] == "session":
            return self.index.sessions[group[1]].capacity
        return sum(self.index.sessions[si].capacity
                   for si in self.index.sessions_at.get(group[1], [])
                   if self.index.sessions[si].date == group[2])

    @property
    def overlapping(self) -> frozenset[tuple[str, dt.date]]:
        """Facility-dates where two sessions overlap in time (the index's, found once)."""
        return self.index.overlapping

    def add_transports(self) -> None:
        """A family that needs transport rides one with seats, on the session's date."""
        ix = self.index
        riders: dict[int, list[int]] = defaultdict(list)
        for ri in self.active:
            r, sessions = ix.requests[ri], self.choices[ri]
            if r.transport_from is None:
                continue
            by_date: dict[dt.date, list[int]] = defaultdict(list)
            for si in sessions:
                by_date[ix.sessions[si].date].append(si)
            for sis in by_date.values():
                rides = []
                for ti in ix.request_transports(ri, sis[0]):
                    if ti not in self.u:
                        self.u[ti] = self.model.new_bool_var(f"u[{ix.transports[ti].id}]")
                    ride = self.model.new_bool_var(f"z[{r.id},{ix.transports[ti].id}]")
                    self.z[(ri, ti)] = ride
                    self.model.add_implication(ride, self.u[ti])
                    riders[ti].append(ri)
                    rides.append(ride)
                self.model.add(sum(rides) == sum(self.x[(ri, si)] for si in sis))
        for ti, reqs in riders.items():
            seats = min(ix.transports[ti].seats, sum(ix.requests[ri].visitors for ri in reqs))
            self.model.add(
                sum(ix.requests[ri].visitors * self.z[(ri, ti)] for ri in reqs)
                <= seats * self.u[ti]
            )

    def add_reciprocity(self) -> None:
        """The two sides' numbers of scheduled visits differ by at most max_difference."""
        ix = self.index
        rec = ix.scenario.reciprocity
        if ix.sides is None or rec is None:
            return
        terms: list[cp_model.LinearExprT] = []
        for (ri, _), var in self.x.items():
            side = ix.side(ri)
            if side is not None:
                terms.append(var if side == 0 else -var)
        if terms:
            diff = sum(terms) + self.side_offset
            self.model.add(diff <= rec.max_difference)
            self.model.add(diff >= -rec.max_difference)

    def add_facility_caps(self, caps: dict[str, int]) -> None:
        """A facility's scheduled priority is at most what it reaches on its own (a cut)."""
        ix = self.index
        terms: dict[str, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
        for (ri, _), var in self.x.items():
            terms[ix.facility(ri)].append((var, ix.requests[ri].priority))
        for fac, items in sorted(terms.items()):
            cap = caps.get(fac)
            if cap is not None and sum(p for _, p in items) > cap:
                self.model.add(cp_model.LinearExpr.weighted_sum(
                    [v for v, _ in items], [p for _, p in items]) <= cap)

    # -- objectives ------------------------------------------------------------------
    def priority(self) -> cp_model.LinearExpr:
        """Level 1: the sum of the priorities of scheduled requests."""
        reqs = self.index.requests
        return cp_model.LinearExpr.weighted_sum(
            list(self.x.values()), [reqs[ri].priority for ri, _ in self.x])

    def cost(self) -> cp_model.LinearExpr:
        """Level 2: the total cost of used transports, scaled to integers."""
        return cp_model.LinearExpr.weighted_sum(
            list(self.u.values()), [scaled_cost(self.costs[ti], self.scale) for ti in self.u])

    def leaning_weight(self) -> int | None:
        """The weight of the priority in :meth:`leaning_cost`, or ``None`` when too large.

        One more than the cost of every transport together, rounded up to a
        multiple of the costs' greatest common divisor (so that the
        objective keeps their step); ``None`` when the priority term could
        pass :data:`MAX_LEANING_MAGNITUDE`.
        """
        costs = [scaled_cost(self.costs[ti], self.scale) for ti in self.u]
        step = max(1, math.gcd(*costs)) if costs else 1
        weight = step * ((sum(costs) + 1 + step - 1) // step)
        top = sum(self.index.requests[ri].priority for ri, _ in self.x)
        return weight if weight * max(1, top) <= MAX_LEANING_MAGNITUDE else None

    def leaning_cost(self, priority: int, weight: int) -> cp_model.LinearExpr:
        """Level 2 at a proven best priority, leaning to priority in its relaxation.

        The transport cost minus ``weight`` times the scheduled priority above
        ``priority``. When no plan schedules more than ``priority`` (level 1
        proved it) and the model requires at least that much, every plan
        schedules exactly ``priority``: this is then the transport cost on
        every plan, and its bounds are the cost's. Its linear relaxation,
        though, prefers the most priority first, and HiGHS' search on it is
        fast on other months than on the plain cost (measured in
        ``benchmarks/HISTORY.md``).
        """
        return self.cost() - weight * (self.priority() - priority)

    def has_costs(self) -> bool:
        """Whether level 2 has anything to minimise."""
        return any(scaled_cost(self.costs[ti], self.scale) > 0 for ti in self.u)

    # -- hints and solutions ---------------------------------------------------------
    def all_vars(self) -> list[cp_model.IntVar]:
        """Every variable of the model."""
        return [*self.x.values(), *self.a.values(), *self.n.values(), *self.f.values(),
                *self.z.values(), *self.u.values()]

    def hint_plan(self, state: PlanState) -> None:
        """Give CP-SAT the plan of ``state`` as a complete hint."""
        self.hint_values(self.plan_values(state))

    def plan_values(self, state: PlanState) -> dict[int, int]:
        """The value of every variable in the plan of ``state`` (variable index to value)."""
        ix = self.index
        values: dict[int, int] = {v.index: 0 for v in self.all_vars()}
        for ri, p in enumerate(state.placed):
            if p is None or (ri, p.session) not in self.x:
                continue
            s = ix.sessions[p.session]
            values[self.x[(ri, p.session)].index] = 1
            lang = ix.requests[ri].language
            count = None
            if p.escort is not None and lang is not None:
                count = self.n.get((p.escort, self.group_of(p.session), lang))
            if p.escort is not None and count is not None:
                values[count.index] += 1
                here = self.a.get((p.escort, p.session))
                if here is not None:
                    values[here.index] = 1
                fac = self.f.get((p.escort, s.date, s.facility))
                if fac is not None:
                    values[fac.index] = 1
            ride = self.z.get((ri, p.transport)) if p.transport is not None else None
            if ride is not None and p.transport is not None:
                values[ride.index] = 1
                values[self.u[p.transport].index] = 1
        return values

    def hint_values(self, values: dict[int, int]) -> None:
        """Replace the hints by the given values (variable index to value)."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for var in self.all_vars():
            self.model.add_hint(var, values.get(var.index, 0))

    def placements(self, values: dict[int, int]) -> dict[int, Placement]:
        """The plan of a solution: a session, escort and transport per scheduled request."""
        ix = self.index
        chosen: dict[int, int] = {ri: si for (ri, si), v in self.x.items() if values[v.index]}
        rides = {ri: ti for (ri, ti), v in self.z.items() if values[v.index]}
        by_lang: dict[tuple[_Group, str], list[int]] = defaultdict(list)
        for ri, si in sorted(chosen.items()):
            lang = ix.requests[ri].language
            if lang is not None:
                by_lang[(self.group_of(si), lang)].append(ri)
        escort_of: dict[int, int] = {}
        for (group, lang), reqs in by_lang.items():
            queue = list(reqs)
            for ei in ix.escorts_for(lang, self.where(group)[1]):
                cnt = self.n.get((ei, group, lang))
                for _ in range(values[cnt.index] if cnt is not None else 0):
                    escort_of[queue.pop(0)] = ei
        return {
            ri: Placement(si, escort_of.get(ri), rides.get(ri)) for ri, si in chosen.items()
        }

    # -- solving ---------------------------------------------------------------------
    def solve(self, options: SolveOptions, deadline: Deadline, phase: str, seconds: float | None,
              *, scale: float = 1.0, maximise: bool = True, known: float | None = None,
              race: LevelRace | None = None, workers: int | None = None,
              incumbent: float | None = None) -> Level:
        """Solve the current objective and return the solution values and the bound.

        ``scale`` divides the reported values; ``known`` is a bound already
        proven and ``incumbent`` the value (divided by ``scale``) of a plan
        already in hand, so progress reports never show a worse one. With a ``race``,
        incumbents and bounds go to it (it reports them) and the search stops
        when it ends; ``workers`` replaces ``options.workers``.
        """
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers or options.workers
        solver.parameters.random_seed = options.seed
        solver.parameters.relative_gap_limit = options.relative_gap
        # The full linear relaxation (at-most-one rows included) gives much better bounds
        # here than the default one; small portfolios would not run it otherwise.
        solver.parameters.extra_subsolvers.append("max_lp")
        if seconds is not None:
            solver.parameters.max_time_in_seconds = max(0.01, seconds)
        reporter = _Reporter(options, deadline, phase, scale, maximise, known, race, incumbent)
        solver.best_bound_callback = reporter.on_bound
        if race is not None:
            race.add_stopper(solver.stop_search)
        start = time.perf_counter()
        status = solver.solve(self.model, reporter)
        seconds_used = time.perf_counter() - start
        logger.debug("%s: %s in %.2f s", phase, solver.status_name(status), seconds_used)
        solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if race is not None and solved:  # the last bound and solution may come without a
            reporter.on_bound(solver.best_objective_bound)  # callback
            race.offer_value(round(solver.objective_value), "cp-sat")
        if not solved:
            # Stopped without a solution, CP-SAT's final bound is no bound (it reports 0,
            # which for the priority would claim any plan optimal): only the bounds its
            # search reported count.
            return Level(False, bound=reporter.proven, seconds=seconds_used)
        values = {v.index: int(solver.value(v)) for v in self.all_vars()}
        return Level(True, round(solver.objective_value), solver.best_objective_bound,
                      seconds_used, values)


def _name(group: _Group) -> str:
    """A readable name for an escort group."""
    if group[0] == "session":
        return f"session {group[1]}"
    return f"{group[1]} {group[2].isoformat()}"


def _overlap_cliques(index: VisitIndex, sessions: list[int]) -> list[list[int]]:
    """Maximal groups of sessions of one date that all overlap in time."""
    items = sorted(sessions, key=lambda si: (index.sessions[si].start, si))
    cliques: list[list[int]] = []
    for si in items:
        t = index.sessions[si].start
        group = [sj for sj in items
                 if index.sessions[sj].start <= t < index.sessions[sj].end]
        if len(group) > 1 and not any(set(group) <= set(c) for c in cliques):
            cliques = [c for c in cliques if not set(c) <= set(group)]
            cliques.append(group)
    return cliques
