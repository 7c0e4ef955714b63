"""Offer a family the best sessions it could still take in a solved plan.

:func:`offer_slots` never re-solves the whole plan. For each session the
request could take it first checks whether the session fits as the plan
stands (a free table, room for the visitors, a free escort, a free seat).
When fewer than ``k`` sessions fit, it repairs the plan locally: a small
CP-SAT model over the sessions of that facility and date decides which visits
there stay, change session, move to another date (when a session elsewhere
takes them as the plan stands) or, last, are dropped, and which escorts and
transports everyone uses. Visits elsewhere that hold something the session
needs may be dropped too: those of an escort who works at another facility
that date (an escort works at one facility per date), the detainee's other
visits, and a few of each side's under reciprocity. Transports need nothing
more: a transport runs to one facility on one date, so all its riders are
local.

The local repair is fast but not complete, so when it finds no session at all,
a CP-SAT model of the whole plan (:class:`~parcelroute.visits.model.VisitModel`
with the request forced into one of its sessions) decides: it either gives the
best offer or proves that no change to the other visits lets the request in.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from ortools.sat.python import cp_model

from parcelroute.exceptions import ParcelrouteError
from parcelroute.model.scenario import Scenario
from parcelroute.result import Result
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.model import VisitModel, cost_scale, scaled_cost
from parcelroute.visits.plan import Placement, PlanState

__all__ = ["PlanMismatchError", "SlotOffer", "UnknownRequestError", "offer_slots"]

#: Wall-time budget in seconds for all local repairs of one call.
REPAIR_BUDGET = 0.6
#: Wall-time limit in seconds of one local repair model.
REPAIR_LIMIT = 0.15
#: Visits of each side outside the facility and date that may be dropped to keep
#: reciprocity.
RECIPROCITY_DROPS = 3
#: Wall-time limit in seconds of each level of the whole-plan model. When it stops
#: the first level before any solution, a search for any solution, without limit,
#: decides whether the request can be taken at all.
EXACT_LIMIT = 2.0


class UnknownRequestError(ParcelrouteError, KeyError):
    """A visit request id that the scenario does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PlanMismatchError(ParcelrouteError, ValueError):
    """A plan that lacks visit requests of the scenario, or refers to sessions, escorts or
    transports the scenario does not have."""


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """A session a family could be offered, and what it would change for the others.

    Attributes
    ----------
    session, date, facility, start, end
        The session offered.
    escort, transport : str or None
        The escort and transport the family would get.
    moved : tuple of (request id, from session, to session)
        Other visits that change session to make room.
    dropped : tuple of str
        Other visits that lose their session.
    priority_change : int
        Visit priority the other visits lose (the sum of the priorities of
        ``dropped``; 0 when nobody is dropped).
    transport_cost_change : float
        Change of the plan's total transport cost.
    reassigned : tuple of (request id, escort, transport)
        Other visits, moved or not, whose escort or transport changes, with the
        new ones.
    """

    session: str
    date: dt.date
    facility: str
    start: dt.time
    end: dt.time
    escort: str | None = None
    transport: str | None = None
    moved: tuple[tuple[str, str, str], ...] = ()
    dropped: tuple[str, ...] = ()
    priority_change: int = 0
    transport_cost_change: float = 0.0
    reassigned: tuple[tuple[str, str | None, str | None], ...] = ()

    @property
    def direct(self) -> bool:
        """Whether the session fits with nothing else changing."""
        return not (self.moved or self.dropped or self.reassigned)


def _rank(o: SlotOffer) -> tuple[int, int, int, int, float, dt.date, dt.time, str]:
    return (o.priority_change, len(o.dropped), len(o.moved), len(o.reassigned),
            o.transport_cost_change, o.date, o.start, o.session)


def state_from_plan(index: VisitIndex, plan: Result, new: str | None = None) -> PlanState:
    """The plan's visits as a :class:`PlanState`, checking that every id resolves.

    The plan must list every visit request of the scenario but ``new`` (a request
    made since the plan, which it may lack): a plan of another scenario, or of its
    parcels alone, would make every session look free.
    """
    listed = {v.id for v in plan.visits}
    missing = [r.id for r in index.scenario.visit_requests
               if r.id not in listed and r.id != new]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise PlanMismatchError(
            f"The plan must list every visit request of scenario {index.scenario.name!r}; "
            f"got a plan without {len(missing)} of them ({shown}{more}) instead: is it "
            "the plan of another scenario?")
    state = PlanState(index)
    for v in plan.visits:
        if v.session is None:
            continue
        ri = index.request_pos.get(v.id)
        si = index.session_pos.get(v.session)
        ei = index.escort_pos.get(v.escort) if v.escort is not None else None
        ti = index.transport_pos.get(v.transport) if v.transport is not None else None
        bad = [(name, value) for name, value, pos in (
            ("id", v.id, ri), ("session", v.session, si),
            ("escort", v.escort, ei if v.escort is not None else 0),
            ("transport", v.transport, ti if v.transport is not None else 0),
        ) if pos is None]
        if bad:
            name, value = bad[0]
            raise PlanMismatchError(
                f"The '{name}' of visit {v.id!r} in the plan must be one of the scenario's; "
                f"got {value!r} instead.")
        assert ri is not None and si is not None
        if state.placed[ri] is not None:
            raise PlanMismatchError(
                f"The visit {v.id!r} must appear once in the plan; got it twice instead.")
        state.add(ri, Placement(si, ei, ti))
    return state


def offer_slots(scenario: Scenario, plan: Result, request_id: str, k: int = 3) -> list[SlotOffer]:
    """The best ``k`` sessions a visit request could take in a solved plan, best first.

    Sessions that fit with nothing else changing come first; then those that
    need other visits to change escort or transport, to move (to another
    session they can take) or, last, to be dropped. Offers are ranked by the
    priority the others lose, then the number of visits dropped, moved and
    reassigned, then the transport cost added, then the date. For a request
    that the plan schedules, the offers are alternatives to its session.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan was made for.
    plan : Result
        A plan of the scenario (from :func:`parcelroute.solve` or a plan file).
    request_id : str
        The id of a visit request of the scenario.
    k : int, default 3
        How many offers at most.

    Returns
    -------
    list of SlotOffer
        At most ``k`` offers; empty only when no session can take the request
        whatever the other visits of the plan do (keep their session, take
        another, change escort or transport, or give up their visit). Offers
        never add a visit, so a request that reciprocity lets in only with a
        visit of the other side the plan lacks gets none.

    Raises
    ------
    UnknownRequestError
        If the scenario has no visit request ``request_id``.
    PlanMismatchError
        If the plan lacks some of the scenario's visit requests, or refers to
        sessions, escorts or transports the scenario lacks.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="one table a day")
    >>> _ = b.add_node("F-1")
    >>> for sid, day in (("S-1", "2026-12-05"), ("S-2", "2026-12-06")):
    ...     _ = b.add_session(sid, facility="F-1", date=day, start="10:00", end="12:00",
    ...                       capacity=1)
    >>> for vid, prio, last in (("V-1", 2, "2026-12-06"), ("V-2", 1, "2026-12-05"),
    ...                         ("V-3", 1, "2026-12-06")):
    ...     _ = b.add_detainee("D" + vid[1:], facility="F-1")
    ...     _ = b.add_visit_request(vid, detainee="D" + vid[1:], priority=prio,
    ...                             available=[("2026-12-05", last)])
    >>> scenario = b.build()
    >>> plan = pr.solve(scenario)
    >>> [(v.id, v.session) for v in plan.visits]
    [('V-1', 'S-2'), ('V-2', 'S-1'), ('V-3', None)]
    >>> [(o.session, o.dropped, o.priority_change) for o in pr.offer_slots(scenario, plan, "V-3")]
    [('S-1', ('V-2',), 1), ('S-2', ('V-1',), 2)]
    """
    if k < 1:
        return []
    index = VisitIndex(scenario)
    ri = index.request_pos.get(request_id)
    if ri is None:
        raise UnknownRequestError(
            f"The request id must be the id of a visit request of scenario "
            f"{scenario.name!r}; got {request_id!r} instead.")
    state = state_from_plan(index, plan, request_id)
    base_cost = state.transport_cost()
    current = state.placed[ri]
    if current is not None:
        state.remove(ri)
    free_cost = state.transport_cost()
    sessions = [si for si in index.model_sessions(ri)
                if current is None or si != current.session]
    offers: list[SlotOffer] = []
    blocked: list[int] = []
    for si in sessions:
        p = state.fit(ri, si)
        if p is None:
            blocked.append(si)
            continue
        offers.append(_offer(index, ri, p, free_cost + state.added_cost(p) - base_cost))
    if len(offers) < k and blocked:
        stop = time.perf_counter() + REPAIR_BUDGET
        repair = _Repair(state, ri, base_cost)
        for si in blocked:
            if time.perf_counter() > stop:
                break
            found = repair.solve(si)
            if found is not None:
                offers.append(found)
    if not offers and blocked:
        found = _whole_plan_offer(state, ri, blocked, base_cost)
        if found is not None:
            offers.append(found)
    offers.sort(key=_rank)
    return offers[:k]


def _offer(index: VisitIndex, ri: int, p: Placement, cost_change: float, *,
           moved: tuple[tuple[str, str, str], ...] = (), dropped: tuple[str, ...] = (),
           lost: int = 0,
           reassigned: tuple[tuple[str, str | None, str | None], ...] = ()) -> SlotOffer:
    s = index.sessions[p.session]
    return SlotOffer(
        session=s.id, date=s.date, facility=s.facility, start=s.start, end=s.end,
        escort=index.escorts[p.escort].id if p.escort is not None else None,
        transport=index.transports[p.transport].id if p.transport is not None else None,
        moved=moved, dropped=dropped, priority_change=lost,
        transport_cost_change=cost_change + 0.0, reassigned=reassigned,
    )


class _Repair:
    """Local repairs of one plan for one request, one facility and date at a time."""

    def __init__(self, state: PlanState, ri: int, base_cost: float) -> None:
        self.state = state
        self.index = state.index
        self.ri = ri
        self.base_cost = base_cost
        self._elsewhere: dict[int, bool] = {}

    # -- helpers -----------------------------------------------------------------------
    def _local_sessions(self, si: int) -> list[int]:
        s = self.index.sessions[si]
        return [sj for sj in self.index.sessions_at.get(s.facility, [])
                if self.index.sessions[sj].date == s.date]

    def _can_go_elsewhere(self, v: int, local: set[int]) -> bool:
        """Whether visit ``v`` fits a session off this facility and date as the plan stands."""
        got = self._elsewhere.get(v)
        if got is None:
            p = self.state.remove(v)
            got = any(self.state.fit(v, sj) is not None
                      for sj in self.index.model_sessions(v) if sj not in local)
            self.state.add(v, p)
            self._elsewhere[v] = got
        return got

    def _held_elsewhere(self, ei: int, date: dt.date, facility: str) -> list[int]:
        """The visits escort ``ei`` serves on ``date`` at a facility other than ``facility``."""
        ix, st = self.index, self.state
        out: list[int] = []
        for sj in st.esc_at.get((ei, date), {}):
            if ix.sessions[sj].facility != facility:
                out.extend(v for v in st.sess_members[sj]
                           if (p := st.placed[v]) is not None and p.escort == ei)
        return sorted(out)

    def _extra_drops(self, si: int, local_visits: list[int]) -> list[int]:
        """Visits elsewhere whose dropping may be needed.

        The detainee's other visits when it has no visit left; the visits of
        every escort who could serve a language needed here but works at
        another facility that date; under reciprocity, the
        :data:`RECIPROCITY_DROPS` lowest priority visits of each side.
        """
        ix, st, ri = self.index, self.state, self.ri
        r = ix.requests[ri]
        s = ix.sessions[si]
        det = ix.detainee(ri)
        inside = set(local_visits)
        out: list[int] = []
        mine = sorted(st.det_visits.get(r.detainee, set()) - inside)
        if len(mine) + 1 > det.max_visits:
            out.extend(mine)
        languages = sorted({lang for v in [ri, *local_visits]
                            if (lang := ix.requests[v].language) is not None})
        escorts = sorted({ei for lang in languages for ei in ix.escorts_for(lang, s.date)})
        for ei in escorts:
            out.extend(w for w in self._held_elsewhere(ei, s.date, s.facility) if w not in out)
        if ix.side(ri) is not None and ix.scenario.reciprocity is not None:
            taken = inside | set(out)
            for side in (0, 1):
                cheapest = sorted(
                    (v for v, p in enumerate(st.placed)
                     if p is not None and v not in taken and ix.side(v) == side),
                    key=lambda v: (ix.requests[v].priority, v),
                )
                out.extend(cheapest[:RECIPROCITY_DROPS])
        return out

    # -- the local model ---------------------------------------------------------------
    def solve(self, si: int) -> SlotOffer | None:
        """The best local repair that gives request ``ri`` session ``si``, or ``None``."""
        ix, st, ri = self.index, self.state, self.ri
        local = self._local_sessions(si)
        local_set = set(local)
        visits = sorted(v for sj in local for v in st.sess_members[sj])
        extra = self._extra_drops(si, visits)
        m = cp_model.CpModel()
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        away: dict[int, cp_model.IntVar] = {}
        drop: dict[int, cp_model.IntVar] = {}
        moves: list[cp_model.IntVar] = []
        for v in visits:
            cur = st.placed[v]
            assert cur is not None
            rid = ix.requests[v].id
            opts = [sj for sj in ix.model_sessions(v) if sj in local_set]
            for sj in opts:
                x[(v, sj)] = m.new_bool_var(f"x[{rid},{ix.sessions[sj].id}]")
                if sj != cur.session:
                    moves.append(x[(v, sj)])
            drop[v] = m.new_bool_var(f"drop[{rid}]")
            choice = [x[(v, sj)] for sj in opts] + [drop[v]]
            if self._can_go_elsewhere(v, local_set):
                away[v] = m.new_bool_var(f"away[{rid}]")
                moves.append(away[v])
                choice.append(away[v])
            m.add_exactly_one(choice)
        for w in extra:
            drop[w] = m.new_bool_var(f"drop[{ix.requests[w].id}]")
        everyone = [*visits, ri]
        stays = {v: [x[(v, sj)] for sj in local if (v, sj) in x] for v in visits}
        stays[ri] = [m.new_constant(1)]
        at: dict[int, list[tuple[int, cp_model.LinearExprT]]] = defaultdict(list)
        for (v, sj), var in x.items():
            at[sj].append((v, var))
        at[si].append((ri, 1))
        self._sessions(m, local, at)
        self._detainees(m, everyone, stays, away, drop, extra)
        escort_vars = self._escorts(m, local, at, drop)
        if escort_vars is None:
            return None
        rides, used, cost_terms = self._transports(m, everyone, local, x, si)
        self._reciprocity(m, drop)
        lost = sum(ix.requests[v].priority * d for v, d in drop.items())
        big_cost = sum(c for c, _ in cost_terms) + 1
        big_moves = big_cost * (len(visits) + 1)
        big_drops = big_moves * (len(visits) + 1)
        big_lost = big_drops * (len(drop) + 1)
        m.minimize(big_lost * lost + big_drops * sum(drop.values()) + big_moves * sum(moves)
                   + sum(c * u for c, u in cost_terms))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.max_time_in_seconds = REPAIR_LIMIT
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return self._apply(solver, si, visits, extra, x, away, drop, escort_vars, rides, used)

    def _sessions(self, m: cp_model.CpModel, local: list[int],
                  at: dict[int, list[tuple[int, cp_model.LinearExprT]]]) -> None:
        """Session tables and visitors."""
        ix = self.index
        for sj in local:
            s = ix.sessions[sj]
            members = at.get(sj, [])
            if not members:
                continue
            m.add(sum(var for _, var in members) <= s.capacity)
            if s.max_visitors is not None:
                m.add(sum(ix.requests[v].visitors * var for v, var in members) <= s.max_visitors)

    def _detainees(self, m: cp_model.CpModel, everyone: list[int],
                   stays: dict[int, list[cp_model.IntVar]], away: dict[int, cp_model.IntVar],
                   drop: dict[int, cp_model.IntVar], extra: list[int]) -> None:
        """One visit per detainee on the date, max_visits, keep-apart pairs."""
        ix, st, ri = self.index, self.state, self.ri
        by_det: dict[str, list[int]] = defaultdict(list)
        for v in everyone:
            by_det[ix.requests[v].detainee].append(v)
        for vs in by_det.values():
            m.add(sum(var for v in vs for var in stays[v]) <= 1)
        det_id = ix.requests[ri].detainee
        det = ix.detainee(ri)
        outside = st.det_visits.get(det_id, set()) - set(everyone)
        kept = [1 - drop[w] if w in drop else 1 for w in outside]
        inside = [var for v in by_det[det_id] if v != ri for var in stays[v]]
        inside += [away[v] for v in by_det[det_id] if v in away]
        m.add(sum(kept) + sum(inside) + 1 <= det.max_visits)
        del extra
        for d1, vs1 in by_det.items():
            for d2 in ix.partners.get(d1, ()):
                if d2 > d1 and d2 in by_det:
                    m.add(sum(var for v in vs1 for var in stays[v])
                          + sum(var for v in by_det[d2] for var in stays[v]) <= 1)

    def _escorts(self, m: cp_model.CpModel, local: list[int],
                 at: dict[int, list[tuple[int, cp_model.LinearExprT]]],
                 drop: dict[int, cp_model.IntVar],
                 ) -> dict[tuple[int, int, str], cp_model.IntVar] | None:
        """Escorts for every visit with a language, within their own limits.

        An escort who works at another facility that date comes here only if
        every visit they serve there is dropped.
        """
        ix = self.index
        date = ix.sessions[local[0]].date
        facility = ix.sessions[local[0]].facility
        counts: dict[tuple[int, int, str], cp_model.IntVar] = {}
        present: dict[tuple[int, int], cp_model.IntVar] = {}
        per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        demand: dict[tuple[int, str], list[cp_model.LinearExprT]] = defaultdict(list)
        for sj, members in at.items():
            for v, var in members:
                lang = ix.requests[v].language
                if lang is not None:
                    demand[(sj, lang)].append(var)
        for (sj, lang), lits in sorted(demand.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            terms = []
            for ei in ix.escorts_for(lang, date):
                held = self._held_elsewhere(ei, date, facility)
                if any(w not in drop for w in held):
                    continue
                e = ix.escorts[ei]
                if (ei, sj) not in present:
                    present[(ei, sj)] = m.new_bool_var(f"a[{e.id},{ix.sessions[sj].id}]")
                    for w in held:
                        m.add_implication(present[(ei, sj)], drop[w])
                cnt = m.new_int_var(0, len(lits), f"n[{e.id},{ix.sessions[sj].id},{lang}]")
                m.add(cnt <= len(lits) * present[(ei, sj)])
                counts[(ei, sj, lang)] = cnt
                per_day[ei].append(cnt)
                terms.append(cnt)
            if not terms:
                if any(isinstance(lit, int) for lit in lits):
                    return None
                for lit in lits:
                    m.add(lit == 0)
                continue
            m.add(sum(terms) == sum(lits))
        for ei, cnts in per_day.items():
            limit = ix.escorts[ei].max_visits_per_day
            if limit is not None:
                m.add(sum(cnts) <= limit)
        by_escort: dict[int, list[int]] = defaultdict(list)
        for ei, sj in present:
            by_escort[ei].append(sj)
        for ei, sjs in by_escort.items():
            for a_i, sa in enumerate(sjs):
                for sb in sjs[a_i + 1:]:
                    if _overlap(ix, sa, sb):
                        m.add(present[(ei, sa)] + present[(ei, sb)] <= 1)
        return counts

    def _transports(self, m: cp_model.CpModel, everyone: list[int], local: list[int],
                    x: dict[tuple[int, int], cp_model.IntVar], si: int,
                    ) -> tuple[dict[tuple[int, int], cp_model.IntVar], dict[int, cp_model.IntVar],
                               list[tuple[int, cp_model.IntVar]]]:
        """A seat for every family that needs transport; the cost of used transports."""
        ix, ri = self.index, self.ri
        rides: dict[tuple[int, int], cp_model.IntVar] = {}
        used: dict[int, cp_model.IntVar] = {}
        load: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for v in everyone:
            r = ix.requests[v]
            if r.transport_from is None:
                continue
            here = [1] if v == ri else [x[(v, sj)] for sj in local if (v, sj) in x]
            if not here:
                continue
            options = []
            for ti in ix.request_transports(v, si):
                if ti not in used:
                    used[ti] = m.new_bool_var(f"u[{ix.transports[ti].id}]")
                ride = m.new_bool_var(f"z[{r.id},{ix.transports[ti].id}]")
                m.add_implication(ride, used[ti])
                rides[(v, ti)] = ride
                load[ti].append((r.visitors, ride))
                options.append(ride)
            m.add(sum(options) == sum(here))
        for ti, riders in load.items():
            m.add(sum(n * z for n, z in riders) <= ix.transports[ti].seats)
        scale, _ = cost_scale([ix.transports[ti].cost for ti in used])
        cost_terms = [(scaled_cost(ix.transports[ti].cost, scale), u) for ti, u in used.items()]
        return rides, used, cost_terms

    def _reciprocity(self, m: cp_model.CpModel, drop: dict[int, cp_model.IntVar]) -> None:
        """The sides stay within the agreed difference."""
        ix, st, ri = self.index, self.state, self.ri
        rec = ix.scenario.reciprocity
        if ix.sides is None or rec is None:
            return
        base = st.side_count[0] - st.side_count[1]
        side = ix.side(ri)
        if side is not None:
            base += 1 if side == 0 else -1
        terms = [(-d if ix.side(v) == 0 else d) for v, d in drop.items() if ix.side(v) is not None]
        diff = base + sum(terms)
        m.add(diff <= rec.max_difference)
        m.add(diff >= -rec.max_difference)

    # -- reading the repair back -------------------------------------------------------
    def _apply(self, solver: cp_model.CpSolver, si: int, visits: list[int], extra: list[int],
               x: dict[tuple[int, int], cp_model.IntVar], away: dict[int, cp_model.IntVar],
               drop: dict[int, cp_model.IntVar],
               counts: dict[tuple[int, int, str], cp_model.IntVar],
               rides: dict[tuple[int, int], cp_model.IntVar],
               used: dict[int, cp_model.IntVar]) -> SlotOffer | None:
        """Apply the repair to the plan, measure it, and undo it.

        Only the local visits and the dropped ``extra`` visits leave the plan
        while it is measured; the other ``extra`` visits keep their place.
        """
        ix, st, ri = self.index, self.state, self.ri
        del used
        dropped = [v for v, d in drop.items() if solver.value(d)]
        gone = set(dropped)
        removed = [*visits, *(w for w in extra if w in gone)]
        before = {v: st.placed[v] for v in removed}
        session_of: dict[int, int] = {ri: si}
        for (v, sj), var in x.items():
            if solver.value(var):
                session_of[v] = sj
        ride_of = {v: ti for (v, ti), var in rides.items() if solver.value(var)}
        escort_of = self._escort_assignment(solver, counts, session_of, before)
        leaving = [v for v, a in away.items() if solver.value(a)]
        for v in removed:
            st.remove(v)
        added: list[int] = []
        ok = True
        for v in sorted(session_of):
            st.add(v, Placement(session_of[v], escort_of.get(v), ride_of.get(v)))
            added.append(v)
        moved_away: list[tuple[int, Placement]] = []
        for v in leaving:
            p = self._best_elsewhere(v, set(self._local_sessions(si)))
            if p is None:
                dropped.append(v)
                continue
            st.add(v, p)
            added.append(v)
            moved_away.append((v, p))
        cost = st.transport_cost()
        rec = ix.scenario.reciprocity
        if ix.sides is not None and rec is not None:
            ok = abs(st.side_count[0] - st.side_count[1]) <= rec.max_difference
        for v in added:
            st.remove(v)
        for v in removed:
            st.add(v, before[v])
        if not ok:
            return None
        moved: list[tuple[str, str, str]] = []
        reassigned: list[tuple[str, str | None, str | None]] = []
        after = {v: Placement(sj, escort_of.get(v), ride_of.get(v))
                 for v, sj in session_of.items() if v != ri}
        after.update(moved_away)
        for v, new in sorted(after.items()):
            old = before[v]
            assert old is not None
            _note_change(ix, v, old, new, moved, reassigned)
        p = Placement(si, escort_of.get(ri), ride_of.get(ri))
        return _offer(ix, ri, p, cost - self.base_cost,
                      moved=tuple(sorted(moved)),
                      dropped=tuple(sorted(ix.requests[v].id for v in dropped)),
                      lost=sum(ix.requests[v].priority for v in dropped),
                      reassigned=tuple(sorted(reassigned)))

    def _escort_assignment(self, solver: cp_model.CpSolver,
                           counts: dict[tuple[int, int, str], cp_model.IntVar],
                           session_of: dict[int, int],
                           before: dict[int, Placement | None]) -> dict[int, int]:
        """Escorts per visit from the counts, keeping each visit's own escort when possible."""
        ix = self.index
        left = {key: int(solver.value(var)) for key, var in counts.items()}
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for v, sj in sorted(session_of.items()):
            lang = ix.requests[v].language
            if lang is not None:
                groups[(sj, lang)].append(v)

        def own(v: int) -> int | None:
            old = before.get(v)
            return None if old is None else old.escort

        return _hand_out_escorts(
            groups, left, own,
            lambda sj, lang: [ei for ei, sk, lk in sorted(left) if sk == sj and lk == lang])

    def _best_elsewhere(self, v: int, local: set[int]) -> Placement | None:
        """The fitting session off this facility and date adding least cost, or ``None``."""
        best: tuple[float, int] | None = None
        choice: Placement | None = None
        for sj in self.index.model_sessions(v):
            if sj in local:
                continue
            p = self.state.fit(v, sj)
            if p is None:
                continue
            key = (self.state.added_cost(p), sj)
            if best is None or key < best:
                best, choice = key, p
        return choice


def _whole_plan_offer(state: PlanState, ri: int, sessions: list[int],
                      base_cost: float) -> SlotOffer | None:
    """The best offer of one of ``sessions`` from a model of the whole plan, or ``None``.

    A :class:`~parcelroute.visits.model.VisitModel` over every scheduled visit
    of ``state``: each may keep its session, take another it could take, with
    any escort and transport, or be dropped; unscheduled visits stay out;
    request ``ri`` takes one of ``sessions``. The first level minimises the
    priority lost, then the visits dropped, then the visits moved; the second
    the transport cost. ``None`` only when the model is infeasible, that is
    when no change to the other visits lets the request into any of the
    sessions.

    Parameters
    ----------
    state : PlanState
        The plan, without request ``ri``.
    ri : int
        The request.
    sessions : list of int
        Sessions the request may take.
    base_cost : float
        The transport cost of the plan as given.

    Returns
    -------
    SlotOffer or None
        The offer, or ``None`` when no session of ``sessions`` can take the request.
    """
    ix = state.index
    others = [v for v, p in enumerate(state.placed) if p is not None]
    choices: list[list[int]] = [[] for _ in ix.requests]
    for v in others:
        choices[v] = ix.model_sessions(v)
    choices[ri] = sorted(sessions)
    vm = VisitModel(ix, choices)
    m = vm.model
    m.add_exactly_one(vm.requests_of(ri))
    # Minimising (n + 1)**2 * priority lost + (n + 1) * visits dropped + visits moved
    # ranks by priority lost, then drops, then moves (n other visits at most). It is
    # maximising, over the visits kept, (n + 1)**2 * priority + n, plus 1 for each
    # visit that keeps its session.
    n = len(others)
    terms = [(vm.x[(v, sj)], (n + 1) ** 2 * ix.requests[v].priority + n
              + (sj == _placement(state, v).session))
             for v in others for sj in choices[v]]
    kept = cp_model.LinearExpr.weighted_sum([t for t, _ in terms], [w for _, w in terms])
    m.maximize(kept)
    vm.hint_plan(state)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # The full linear relaxation proves the first level optimal on a month of 600
    # requests in about a second; without it, the time limit stops far from it.
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = EXACT_LIMIT
    status = solver.solve(m)
    proven = status == cp_model.OPTIMAL
    if status == cp_model.UNKNOWN:
        # Stopped before any solution: settle whether there is one, without limit.
        plain = m.clone()
        plain.clear_objective()  # type: ignore[no-untyped-call]
        solver.parameters.max_time_in_seconds = float("inf")
        status = solver.solve(plain)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = {var.index: int(solver.value(var)) for var in vm.all_vars()}
    if proven and vm.has_costs():
        m.add(kept >= int(solver.value(kept)))
        m.minimize(vm.cost())
        vm.hint_values(values)
        if solver.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = {var.index: int(solver.value(var)) for var in vm.all_vars()}
    return _read_offer(state, ri, vm, values, base_cost)


def _placement(state: PlanState, v: int) -> Placement:
    """Where scheduled visit ``v`` is."""
    p = state.placed[v]
    assert p is not None
    return p


def _read_offer(state: PlanState, ri: int, vm: VisitModel, values: dict[int, int],
                base_cost: float) -> SlotOffer:
    """The offer a solution of the whole-plan model makes.

    Visits of one language in one escort group are interchangeable in the
    model, so each keeps its escort whenever the escort's count allows.
    """
    ix = state.index
    chosen = {v: sj for (v, sj), var in vm.x.items() if values[var.index]}
    ride_of = {v: ti for (v, ti), var in vm.z.items() if values[var.index]}
    left = {key: values[var.index] for key, var in vm.n.items()}
    groups: dict[tuple[tuple[object, ...], str], list[int]] = defaultdict(list)
    for v, sj in sorted(chosen.items()):
        lang = ix.requests[v].language
        if lang is not None:
            groups[(vm.group_of(sj), lang)].append(v)

    def own(v: int) -> int | None:
        old = state.placed[v]
        return None if old is None else old.escort

    escort_of = _hand_out_escorts(groups, left, own,
                                  lambda group, lang: ix.escorts_for(lang, vm.where(group)[1]))
    after = {v: Placement(sj, escort_of.get(v), ride_of.get(v)) for v, sj in chosen.items()}
    cost = PlanState.from_assignments(ix, after).transport_cost()
    moved: list[tuple[str, str, str]] = []
    reassigned: list[tuple[str, str | None, str | None]] = []
    dropped: list[int] = []
    for v, old in enumerate(state.placed):
        if old is None:
            continue
        new = after.get(v)
        if new is None:
            dropped.append(v)
            continue
        _note_change(ix, v, old, new, moved, reassigned)
    return _offer(ix, ri, after[ri], cost - base_cost,
                  moved=tuple(sorted(moved)),
                  dropped=tuple(sorted(ix.requests[v].id for v in dropped)),
                  lost=sum(ix.requests[v].priority for v in dropped),
                  reassigned=tuple(sorted(reassigned)))


def _note_change(ix: VisitIndex, v: int, old: Placement, new: Placement,
                 moved: list[tuple[str, str, str]],
                 reassigned: list[tuple[str, str | None, str | None]]) -> None:
    """Record visit ``v`` in ``moved`` (other session) and ``reassigned`` (other escort
    or transport) as it goes from ``old`` to ``new``."""
    rid = ix.requests[v].id
    if new.session != old.session:
        moved.append((rid, ix.sessions[old.session].id, ix.sessions[new.session].id))
    if (new.escort, new.transport) != (old.escort, old.transport):
        reassigned.append((
            rid,
            ix.escorts[new.escort].id if new.escort is not None else None,
            ix.transports[new.transport].id if new.transport is not None else None,
        ))


_P = TypeVar("_P")


def _hand_out_escorts(groups: Mapping[tuple[_P, str], list[int]], left: dict[tuple[int, _P, str], int],
                      own: Callable[[int], int | None],
                      candidates: Callable[[_P, str], Iterable[int]]) -> dict[int, int]:
    """An escort for each visit of every (place, language) group, within the counts ``left``
    of (escort, place, language): each visit keeps its ``own`` escort while the count
    allows, the others take the first of the ``candidates`` with a count left."""
    out: dict[int, int] = {}
    for (place, lang), visits in groups.items():
        waiting = []
        for v in visits:
            ei = own(v)
            if ei is not None and left.get((ei, place, lang), 0) > 0:
                left[(ei, place, lang)] -= 1
                out[v] = ei
            else:
                waiting.append(v)
        for v in waiting:
            for ei in candidates(place, lang):
                if left.get((ei, place, lang), 0) > 0:
                    left[(ei, place, lang)] -= 1
                    out[v] = ei
                    break
    return out


def _overlap(index: VisitIndex, a: int, b: int) -> bool:
    sa, sb = index.sessions[a], index.sessions[b]
    return sa.date == sb.date and sa.start < sb.end and sb.start < sa.end
