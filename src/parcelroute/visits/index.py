"""Which sessions, escorts and transports each visit request could ever use.

This is the part of the visit rules of DOMAIN.md that does not depend on the
other requests: the session must be at the detainee's facility, on a date the
family can travel and the detainee is available, closed when the request asks
for a closed visit; an escort must speak the request's language and be
available that date; a transport must run from the family's city to the
facility on that date with enough seats. The solver, the reasons and the slot
offers all work from this index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from parcelroute.model.scenario import Detainee, Scenario, Session, VisitRequest

__all__ = ["Blocker", "VisitIndex"]

#: Reason codes, in the order used to break ties when choosing the most telling one.
PRECEDENCE: tuple[str, ...] = (
    "detainee_limit",
    "keep_apart",
    "capacity",
    "no_escort",
    "no_seat",
    "reciprocity",
)


@dataclass(frozen=True, slots=True)
class Blocker:
    """Something that stops a request from taking one session.

    Attributes
    ----------
    code : str
        A visit reason code (``capacity``, ``no_escort``, ...).
    permanent : bool
        True when the session could never take the request, whatever the
        other visits do.
    detail : str
        A short phrase a coordinator understands, naming what blocks.
    """

    code: str
    permanent: bool
    detail: str


def day(d: dt.date) -> str:
    """A date as ISO text."""
    return d.isoformat()


def overlaps(a: Session, b: Session) -> bool:
    """Whether two sessions share a date and overlap in time (touching ends do not)."""
    return a.date == b.date and a.start < b.end and b.start < a.end


class VisitIndex:
    """Static compatibility of visit requests with sessions, escorts and transports.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="one visit")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1")
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=2)
    >>> _ = b.add_visit_request("V-1", detainee="D-1",
    ...                         available=[("2026-12-01", "2026-12-10")])
    >>> index = VisitIndex(b.build())
    >>> [index.sessions[s].id for s in index.candidates(0)]
    ['S-1']
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.requests: tuple[VisitRequest, ...] = scenario.visit_requests
        self.sessions: tuple[Session, ...] = scenario.sessions
        self.escorts = scenario.escorts
        self.transports = scenario.transports
        self.detainees: dict[str, Detainee] = scenario.detainee_by_id
        self.request_pos = {r.id: i for i, r in enumerate(self.requests)}
        self.session_pos = {s.id: i for i, s in enumerate(self.sessions)}
        self.escort_pos = {e.id: i for i, e in enumerate(self.escorts)}
        self.transport_pos = {t.id: i for i, t in enumerate(self.transports)}
        by_facility: dict[str, list[int]] = defaultdict(list)
        for si, s in enumerate(self.sessions):
            by_facility[s.facility].append(si)
        for lst in by_facility.values():
            lst.sort(key=lambda si: (self.sessions[si].date, self.sessions[si].start, si))
        self.sessions_at: dict[str, list[int]] = dict(by_facility)
        by_date: dict[dt.date, list[int]] = defaultdict(list)
        for si, s in enumerate(self.sessions):
            by_date[s.date].append(si)
        self.sessions_on: dict[dt.date, list[int]] = dict(by_date)
        routes: dict[tuple[str, str, dt.date], list[int]] = defaultdict(list)
        for ti, t in enumerate(self.transports):
            routes[(t.origin, t.facility, t.date)].append(ti)
        self.routes: dict[tuple[str, str, dt.date], list[int]] = dict(routes)
        self._candidates: dict[int, list[int]] = {}
        self._escorts_for: dict[tuple[str, dt.date], list[int]] = {}
        self._escort_sets: dict[tuple[str, dt.date], frozenset[int]] = {}

    # -- requests and detainees ------------------------------------------------------
    def detainee(self, ri: int) -> Detainee:
        """The detainee a request visits."""
        return self.detainees[self.requests[ri].detainee]

    def facility(self, ri: int) -> str:
        """The facility where a request's detainee is held."""
        fac = self.detainee(ri).facility
        assert fac is not None  # validated: a visited detainee has a facility
        return fac

    @cached_property
    def partners(self) -> dict[str, frozenset[str]]:
        """Keep-apart partners of each detainee (either listing counts), same facility only."""
        out: dict[str, set[str]] = defaultdict(set)
        for d in self.scenario.detainees:
            for other in d.keep_apart:
                o = self.detainees.get(other)
                if o is None or o.id == d.id or o.facility is None or o.facility != d.facility:
                    continue
                out[d.id].add(o.id)
                out[o.id].add(d.id)
        return {k: frozenset(v) for k, v in out.items()}

    @cached_property
    def overlapping(self) -> frozenset[tuple[str, dt.date]]:
        """Facility-dates where two sessions overlap in time."""
        out: set[tuple[str, dt.date]] = set()
        for fac, sis in self.sessions_at.items():
            by_date: dict[dt.date, list[int]] = defaultdict(list)
            for si in sis:
                by_date[self.sessions[si].date].append(si)
            for date, group in by_date.items():
                if any(overlaps(self.sessions[a], self.sessions[b])
                       for i, a in enumerate(group) for b in group[i + 1:]):
                    out.add((fac, date))
        return frozenset(out)

    @cached_property
    def sides(self) -> tuple[str, str] | None:
        """The two sides when the reciprocity rule applies, else ``None``."""
        if self.scenario.reciprocity is None:
            return None
        names = sorted({d.side for d in self.scenario.detainees if d.side is not None})
        if len(names) != 2:
            return None
        return names[0], names[1]

    def side(self, ri: int) -> int | None:
        """0 or 1 for the side of a request's detainee under reciprocity, else ``None``."""
        sides = self.sides
        if sides is None:
            return None
        s = self.detainee(ri).side
        if s is None:
            return None
        return sides.index(s)

    # -- sessions --------------------------------------------------------------------
    def candidates(self, ri: int) -> list[int]:
        """Sessions the request may take by the session rules alone.

        At the detainee's facility, on a date in one of the request's
        available ranges, when the detainee is not unavailable, and closed
        when the request asks for a closed visit.
        """
        got = self._candidates.get(ri)
        if got is None:
            r = self.requests[ri]
            det = self.detainee(ri)
            got = [
                si for si in self.sessions_at.get(self.facility(ri), [])
                if self._session_rule_ok(r, det, self.sessions[si])
            ]
            self._candidates[ri] = got
        return got

    @staticmethod
    def _session_rule_ok(r: VisitRequest, det: Detainee, s: Session) -> bool:
        return (
            any(s.date in rng for rng in r.available)
            and s.date not in det.unavailable
            and (s.closed or not r.closed)
        )

    # -- escorts and transports ------------------------------------------------------
    def escorts_for(self, language: str, date: dt.date) -> list[int]:
        """Escorts who speak ``language``, are available on ``date`` and may serve a visit."""
        key = (language, date)
        got = self._escorts_for.get(key)
        if got is None:
            got = [
                ei for ei, e in enumerate(self.escorts)
                if language in e.languages
                and any(date in rng for rng in e.available)
                and (e.max_visits_per_day is None or e.max_visits_per_day >= 1)
            ]
            self._escorts_for[key] = got
        return got

    def request_escorts(self, ri: int, si: int) -> list[int]:
        """Escorts that could serve request ``ri`` at session ``si`` (empty without language)."""
        lang = self.requests[ri].language
        if lang is None:
            return []
        return self.escorts_for(lang, self.sessions[si].date)

    def request_escort_set(self, ri: int, si: int) -> frozenset[int]:
        """:meth:`request_escorts` as a set."""
        lang = self.requests[ri].language
        if lang is None:
            return frozenset()
        key = (lang, self.sessions[si].date)
        got = self._escort_sets.get(key)
        if got is None:
            got = self._escort_sets[key] = frozenset(self.escorts_for(*key))
        return got

    def request_transports(self, ri: int, si: int) -> list[int]:
        """Transports that could carry request ``ri``'s visitors to session ``si``.

        From the request's ``transport_from`` to the session's facility on its
        date, with at least as many seats as the request has visitors.
        """
        r = self.requests[ri]
        if r.transport_from is None:
            return []
        s = self.sessions[si]
        return [
            ti for ti in self.routes.get((r.transport_from, s.facility, s.date), [])
            if self.transports[ti].seats >= r.visitors
        ]

    def static_blocker(self, ri: int, si: int) -> Blocker | None:
        """Why a candidate session could never take the request, or ``None``.

        Only rules that hold whatever the other visits do: an empty session
        too small for the family, no escort who speaks the language on that
        date, no transport with enough seats, a detainee allowed no visit.
        """
        r = self.requests[ri]
        s = self.sessions[si]
        det = self.detainee(ri)
        if det.max_visits < 1:
            return Blocker("detainee_limit", True, f"{det.id} may receive no visit at all")
        if s.capacity < 1:
            return Blocker("capacity", True, f"{s.id} has no table")
        if s.max_visitors is not None and s.max_visitors < r.visitors:
            return Blocker(
                "capacity", True,
                f"{s.id} admits {s.max_visitors} visitor(s) and the family is {r.visitors}",
            )
        if r.language is not None and not self.request_escorts(ri, si):
            return Blocker(
                "no_escort", True,
                f"no escort who speaks {r.language!r} is available on {day(s.date)}",
            )
        if r.transport_from is not None and not self.request_transports(ri, si):
            route = self.routes.get((r.transport_from, s.facility, s.date), [])
            if route:
                most = max(self.transports[t].seats for t in route)
                text = (f"no transport from {r.transport_from} to {s.facility} on "
                        f"{day(s.date)} has {r.visitors} seats (the largest has {most})")
            else:
                text = (f"no transport runs from {r.transport_from} to {s.facility} "
                        f"on {day(s.date)}")
            return Blocker("no_seat", True, text)
        return None

    def model_sessions(self, ri: int) -> list[int]:
        """Candidate sessions that no permanent rule excludes: the solver's choices."""
        return [si for si in self.candidates(ri) if self.static_blocker(ri, si) is None]

    def no_session_detail(self, ri: int) -> str:
        """A sentence explaining why a request has no candidate session at all."""
        r = self.requests[ri]
        det = self.detainee(ri)
        fac = self.facility(ri)
        at_fac = [self.sessions[si] for si in self.sessions_at.get(fac, [])]
        ranges = ", ".join(
            day(x.start) if x.start == x.end else f"{day(x.start)} to {day(x.end)}"
            for x in r.available
        )
        if not at_fac:
            return f"{fac}, where {det.id} is held, offers no visit sessions."
        in_range = [s for s in at_fac if any(s.date in x for x in r.available)]
        if not in_range:
            return (f"None of the {len(at_fac)} session(s) at {fac} falls on a date the family "
                    f"can travel on ({ranges}).")
        free = [s for s in in_range if s.date not in det.unavailable]
        if not free:
            dates = ", ".join(sorted({day(s.date) for s in in_range}))
            return (f"{det.id} is unavailable on every date with a session at {fac} that the "
                    f"family can travel on ({dates}).")
        return (f"The request asks for a closed visit and none of the {len(free)} session(s) "
                f"at {fac} on the family's dates ({ranges}) is closed.")
