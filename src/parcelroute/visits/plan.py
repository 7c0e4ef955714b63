"""A visit plan being built or examined: who is where, and what blocks a request.

:class:`PlanState` keeps the counters every visit rule needs (session tables
and visitors, each detainee's visits, each escort's sessions per date, each
transport's seats, each side's visits) so that checking whether a request fits
a session, or what stops it, takes a handful of look-ups. The greedy start,
the final touch-up of a solved plan, the reasons and the slot offers all use
it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from parcelroute.visits.index import Blocker, VisitIndex, day, overlaps

__all__ = ["Placement", "PlanState"]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one request is scheduled: a session, and its escort and transport if any."""

    session: int
    escort: int | None = None
    transport: int | None = None


class PlanState:
    """A mutable visit plan with the counters needed to check every rule quickly.

    Parameters
    ----------
    index : VisitIndex
        The static compatibility of the scenario.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="one table")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1")
    >>> _ = b.add_detainee("D-2", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=1)
    >>> for v, d in (("V-1", "D-1"), ("V-2", "D-2")):
    ...     _ = b.add_visit_request(v, detainee=d, available=[("2026-12-01", "2026-12-10")])
    >>> state = PlanState(VisitIndex(b.build()))
    >>> state.add(0, state.fit(0, 0))
    >>> [x.code for x in state.blockers(1, 0)]
    ['capacity']
    """

    def __init__(self, index: VisitIndex) -> None:
        self.index = index
        self.placed: list[Placement | None] = [None] * len(index.requests)
        self.sess_count = [0] * len(index.sessions)
        self.sess_people = [0] * len(index.sessions)
        self.sess_members: list[set[int]] = [set() for _ in index.sessions]
        self.det_visits: dict[str, set[int]] = defaultdict(set)
        self.det_day: dict[tuple[str, dt.date], set[int]] = defaultdict(set)
        self.fac_day: dict[tuple[str, dt.date], Counter[str]] = defaultdict(Counter)
        self.esc_at: dict[tuple[int, dt.date], Counter[int]] = defaultdict(Counter)
        #: Each facility-date's escorts and their visits there: an escort not in it that
        #: day either has no visit that day or is at another facility.
        self.esc_here: dict[tuple[str, dt.date], Counter[int]] = defaultdict(Counter)
        self.trans_people = [0] * len(index.transports)
        self.trans_members: list[set[int]] = [set() for _ in index.transports]
        self.side_count = [0, 0]

    # -- changes ---------------------------------------------------------------------
    def add(self, ri: int, p: Placement | None) -> None:
        """Schedule request ``ri`` as ``p`` (no rule is checked here)."""
        if p is None:
            raise ValueError(f"The placement of visit request {self.index.requests[ri].id!r} "
                             "must be a Placement; got None instead.")
        assert self.placed[ri] is None
        ix = self.index
        r = ix.requests[ri]
        s = ix.sessions[p.session]
        self.placed[ri] = p
        self.sess_count[p.session] += 1
        self.sess_people[p.session] += r.visitors
        self.sess_members[p.session].add(ri)
        self.det_visits[r.detainee].add(ri)
        self.det_day[(r.detainee, s.date)].add(ri)
        self.fac_day[(s.facility, s.date)][r.detainee] += 1
        if p.escort is not None:
            self.esc_at[(p.escort, s.date)][p.session] += 1
            self.esc_here[(s.facility, s.date)][p.escort] += 1
        if p.transport is not None:
            self.trans_people[p.transport] += r.visitors
            self.trans_members[p.transport].add(ri)
        side = ix.side(ri)
        if side is not None:
            self.side_count[side] += 1

    def remove(self, ri: int) -> Placement:
        """Unschedule request ``ri`` and return where it was."""
        p = self.placed[ri]
        assert p is not None
        ix = self.index
        r = ix.requests[ri]
        s = ix.sessions[p.session]
        self.placed[ri] = None
        self.sess_count[p.session] -= 1
        self.sess_people[p.session] -= r.visitors
        self.sess_members[p.session].discard(ri)
        self.det_visits[r.detainee].discard(ri)
        self.det_day[(r.detainee, s.date)].discard(ri)
        fd = self.fac_day[(s.facility, s.date)]
        fd[r.detainee] -= 1
        if fd[r.detainee] <= 0:
            del fd[r.detainee]
        if p.escort is not None:
            at = self.esc_at[(p.escort, s.date)]
            at[p.session] -= 1
            if at[p.session] <= 0:
                del at[p.session]
            here = self.esc_here[(s.facility, s.date)]
            here[p.escort] -= 1
            if here[p.escort] <= 0:
                del here[p.escort]
        if p.transport is not None:
            self.trans_people[p.transport] -= r.visitors
            self.trans_members[p.transport].discard(ri)
        side = ix.side(ri)
        if side is not None:
            self.side_count[side] -= 1
        return p

    # -- summaries -------------------------------------------------------------------
    def priority(self) -> int:
        """Sum of the priorities of scheduled requests."""
        reqs = self.index.requests
        return sum(reqs[ri].priority for ri, p in enumerate(self.placed) if p is not None)

    def used_transports(self) -> list[int]:
        """Transports that carry at least one family."""
        return [ti for ti, m in enumerate(self.trans_members) if m]

    def transport_cost(self) -> float:
        """Total cost of the used transports."""
        import math

        return math.fsum(self.index.transports[ti].cost for ti in self.used_transports())

    # -- escorts ---------------------------------------------------------------------
    def escort_busy(self, ei: int, si: int) -> str | None:
        """Why escort ``ei`` cannot serve one more visit at session ``si``, or ``None``."""
        ix = self.index
        e = ix.escorts[ei]
        s = ix.sessions[si]
        at = self.esc_at.get((ei, s.date))
        if not at:
            return None
        if e.max_visits_per_day is not None and sum(at.values()) >= e.max_visits_per_day:
            return f"{e.id} has the {e.max_visits_per_day} visit(s) allowed that day"
        if si in at:
            return None
        for other in sorted(at):
            o = ix.sessions[other]
            if o.facility != s.facility:
                return f"{e.id} is at {o.facility} that day"
            if overlaps(o, s):
                return f"{e.id} is at {o.id} at the same time"
        return None

    def escort_for(self, ri: int, si: int) -> int | None:
        """The best free escort for request ``ri`` at ``si``: one already at that session,
        else one already at its facility that day, else one free all day; the first of
        :meth:`~parcelroute.visits.index.VisitIndex.request_escorts` among equals.

        Only the escorts already at the facility that day are checked one by one
        (one with a visit elsewhere that day cannot come); a free one is the
        first with no visit that day.
        """
        ix = self.index
        s = ix.sessions[si]
        speakers = ix.request_escorts(ri, si)
        if not speakers:
            return None
        best: tuple[int, int] | None = None
        here = self.esc_here.get((s.facility, s.date))
        if here:
            able = ix.request_escort_set(ri, si)
            for ei in here:
                if ei not in able or self.escort_busy(ei, si) is not None:
                    continue
                rank = (0 if si in self.esc_at[(ei, s.date)] else 1, ei)
                if best is None or rank < best:
                    best = rank
        if best is not None:
            return best[1]
        esc_at = self.esc_at
        for ei in speakers:
            if not esc_at.get((ei, s.date)):
                return ei
        return None

    def has_free_escort(self, ri: int, si: int) -> bool:
        """Whether some escort could serve request ``ri`` at ``si``."""
        return self.escort_for(ri, si) is not None

    # -- transports ------------------------------------------------------------------
    def transport_for(self, ri: int, si: int, *, new: bool = True) -> int | None:
        """The best transport with room for request ``ri`` at ``si``: a used one first.

        With ``new`` false, only transports already used are considered.
        """
        ix = self.index
        need = ix.requests[ri].visitors
        best: tuple[float, int] | None = None
        for ti in ix.request_transports(ri, si):
            t = ix.transports[ti]
            if self.trans_people[ti] + need > t.seats:
                continue
            used = bool(self.trans_members[ti])
            if not used and not new:
                continue
            cost = 0.0 if used else t.cost
            if best is None or (cost, ti) < best:
                best = (cost, ti)
        return None if best is None else best[1]

    def added_cost(self, p: Placement) -> float:
        """Transport cost that scheduling with placement ``p`` adds."""
        if p.transport is None or self.trans_members[p.transport]:
            return 0.0
        return self.index.transports[p.transport].cost

    # -- checks ----------------------------------------------------------------------
    def reciprocity_excess(self, ri: int, delta: int = 1) -> int:
        """By how much the side difference would exceed the agreement after the change."""
        ix = self.index
        side = ix.side(ri)
        rec = ix.scenario.reciprocity
        if side is None or rec is None:
            return 0
        counts = list(self.side_count)
        counts[side] += delta
        return max(0, abs(counts[0] - counts[1]) - rec.max_difference)

    def fit(self, ri: int, si: int, *, reciprocity: bool = True, new_transport: bool = True,
            ) -> Placement | None:
        """A placement of unscheduled request ``ri`` at ``si`` that keeps every rule, or ``None``."""
        ix = self.index
        r = ix.requests[ri]
        s = ix.sessions[si]
        # (the checks that fail most often in a plan filling up, and cost least, first)
        if self.sess_count[si] >= s.capacity:
            return None
        if s.max_visitors is not None and self.sess_people[si] + r.visitors > s.max_visitors:
            return None
        if self.det_day.get((r.detainee, s.date)):
            return None
        if len(self.det_visits.get(r.detainee, ())) >= ix.detainee(ri).max_visits:
            return None
        if ix.static_blocker(ri, si) is not None:
            return None
        partners = ix.partners.get(r.detainee)
        if partners:
            fd = self.fac_day.get((s.facility, s.date))
            if fd and any(p in fd for p in partners):
                return None
        if reciprocity and self.reciprocity_excess(ri) > 0:
            return None
        escort = None
        if r.language is not None:
            escort = self.escort_for(ri, si)
            if escort is None:
                return None
        transport = None
        if r.transport_from is not None:
            transport = self.transport_for(ri, si, new=new_transport)
            if transport is None:
                return None
        return Placement(si, escort, transport)

    def blockers(self, ri: int, si: int) -> list[Blocker]:
        """Everything that stops unscheduled request ``ri`` from taking session ``si``."""
        ix = self.index
        r = ix.requests[ri]
        s = ix.sessions[si]
        det = ix.detainee(ri)
        static = ix.static_blocker(ri, si)
        if static is not None:
            return [static]
        out: list[Blocker] = []
        mine = self.det_visits.get(r.detainee, set())
        if len(mine) >= det.max_visits:
            names = ", ".join(sorted(ix.requests[o].id for o in mine))
            out.append(Blocker("detainee_limit", False,
                               f"the {det.max_visits} visit(s) allowed are taken ({names})"))
        else:
            same_day = self.det_day.get((r.detainee, s.date))
            if same_day:
                names = ", ".join(sorted(ix.requests[o].id for o in same_day))
                out.append(Blocker("detainee_limit", False,
                                   f"there is already a visit on {day(s.date)} ({names})"))
        partners = ix.partners.get(r.detainee)
        if partners:
            fd = self.fac_day.get((s.facility, s.date))
            hit = sorted(p for p in partners if fd and p in fd)
            if hit:
                out.append(Blocker("keep_apart", False,
                                   f"{' and '.join(hit)} is visited at {s.facility} on "
                                   f"{day(s.date)}"))
        if self.sess_count[si] >= s.capacity:
            out.append(Blocker("capacity", False,
                               f"{s.id} has {self.sess_count[si]} of {s.capacity} tables taken"))
        elif s.max_visitors is not None and self.sess_people[si] + r.visitors > s.max_visitors:
            room = s.max_visitors - self.sess_people[si]
            text = (f"{s.id} has no room for more visitors" if room <= 0 else
                    f"{s.id} has room for {room} more visitor(s) and the family is {r.visitors}")
            out.append(Blocker("capacity", False, text))
        if r.language is not None and not self.has_free_escort(ri, si):
            why = [self.escort_busy(ei, si) or "" for ei in ix.request_escorts(ri, si)]
            out.append(Blocker("no_escort", False,
                               f"on {day(s.date)} {', '.join(w for w in why if w)}"))
        if r.transport_from is not None and self.transport_for(ri, si) is None:
            full = [
                f"{ix.transports[ti].id} has {self.trans_people[ti]} of "
                f"{ix.transports[ti].seats} seats taken"
                for ti in ix.request_transports(ri, si)
            ]
            out.append(Blocker("no_seat", False,
                               f"on {day(s.date)} {', '.join(full)} and the family is "
                               f"{r.visitors}"))
        excess = self.reciprocity_excess(ri)
        if excess > 0 and ix.sides is not None and ix.scenario.reciprocity is not None:
            side = ix.side(ri)
            assert side is not None
            a, b = ix.sides[side], ix.sides[1 - side]
            lead = self.side_count[side] + 1 - self.side_count[1 - side]
            out.append(Blocker("reciprocity", False,
                               f"side {a} would have {lead} visit(s) more than side {b} and "
                               f"the agreement allows {ix.scenario.reciprocity.max_difference}"))
        return out

    @classmethod
    def from_assignments(cls, index: VisitIndex,
                         placements: dict[int, Placement]) -> PlanState:
        """A state holding the given placements."""
        state = cls(index)
        for ri in sorted(placements):
            state.add(ri, placements[ri])
        return state
