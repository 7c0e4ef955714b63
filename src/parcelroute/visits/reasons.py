"""Why a visit request was refused: a reason code and a sentence, true to the plan.

The reason is found by examining, in the final plan, what blocks each session
the request could take. A request with no session at all gets ``no_session``.
When every session is excluded by a rule that does not depend on the other
visits (no escort speaks the language that day, no transport with enough
seats, a session too small for the family, a detainee allowed no visit), the
request could never be granted and that impossibility is the reason.
Otherwise the reason is the one that blocks most of the remaining sessions,
ties broken in the order of :data:`~parcelroute.visits.index.PRECEDENCE`.
"""

from __future__ import annotations

from collections import Counter

from parcelroute.result import Reason
from parcelroute.visits.index import PRECEDENCE, Blocker
from parcelroute.visits.plan import PlanState

__all__ = ["reason_for"]

#: How many blocked sessions a sentence names before summing up the rest.
SHOWN = 3


def _pick(codes: Counter[str]) -> str:
    """The most frequent code, ties broken by precedence."""
    return min(codes, key=lambda c: (-codes[c], PRECEDENCE.index(c)))


def _listing(details: list[str]) -> str:
    """Distinct details, the first few in full, then how many more."""
    seen: list[str] = []
    for d in details:
        if d not in seen:
            seen.append(d)
    text = "; ".join(seen[:SHOWN])
    if len(seen) > SHOWN:
        text += f"; and {len(seen) - SHOWN} more"
    return text


def _dates(state: PlanState, sessions: list[int]) -> str:
    """The distinct dates of some sessions, as readable text."""
    days = sorted({state.index.sessions[si].date for si in sessions})
    texts = [d.isoformat() for d in days]
    if len(texts) > SHOWN + 1:
        return ", ".join(texts[:SHOWN]) + f" and {len(texts) - SHOWN} more dates"
    if len(texts) > 1:
        return ", ".join(texts[:-1]) + " or " + texts[-1]
    return texts[0]


def _the_dates(state: PlanState, sessions: list[int]) -> str:
    """'the date' or 'the dates', as many as the sessions have."""
    many = len({state.index.sessions[si].date for si in sessions}) > 1
    return "the dates" if many else "the only date"


def _impossible(state: PlanState, ri: int, code: str, sessions: list[int],
                details: list[str]) -> str:
    """The opening sentence for a request that no session could ever take."""
    ix = state.index
    r = ix.requests[ri]
    det = ix.detainee(ri)
    if code == "no_escort":
        if not any(r.language in e.languages for e in ix.escorts):
            return f"No escort speaks {r.language!r}, the family's language"
        return (f"No escort who speaks {r.language!r} is available on {_dates(state, sessions)}, "
                f"{_the_dates(state, sessions)} the family could come")
    if code == "no_seat":
        seats = "1 seat" if r.visitors == 1 else f"{r.visitors} seats"
        return (f"No transport with at least {seats} runs from {r.transport_from} to "
                f"{ix.facility(ri)} on {_dates(state, sessions)}, "
                f"{_the_dates(state, sessions)} the family could come")
    if code == "detainee_limit":
        return f"{det.id} may receive no visit at all (its max_visits is {det.max_visits})"
    return f"No session the family could take admits it: {_listing(details)}"


def _lead(state: PlanState, ri: int, code: str) -> str:
    """The opening of the sentence for a reason that depends on the other visits."""
    ix = state.index
    r = ix.requests[ri]
    side = ix.side(ri)
    side_name = ix.sides[side] if ix.sides is not None and side is not None else ""
    return {
        "detainee_limit": f"{r.detainee} cannot receive this visit",
        "keep_apart": f"{r.detainee} must be kept apart from another detainee",
        "capacity": "The sessions the family could take are full",
        "no_escort": f"Every escort who speaks {r.language!r} is busy",
        "no_seat": f"The transports from {r.transport_from} have no seats left",
        "reciprocity": f"One more visit for side {side_name} would break the reciprocity "
                       "agreement",
    }[code]


def reason_for(state: PlanState, ri: int) -> tuple[str, str]:
    """The reason code and sentence for unscheduled request ``ri`` in the plan of ``state``.

    Examples
    --------
    >>> import parcelroute as pr
    >>> from parcelroute.visits.index import VisitIndex
    >>> b = pr.ScenarioBuilder(name="no session")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1")
    >>> _ = b.add_visit_request("V-1", detainee="D-1", available=[("2026-12-01", "2026-12-10")])
    >>> reason_for(PlanState(VisitIndex(b.build())), 0)
    ('no_session', 'F-1, where D-1 is held, offers no visit sessions.')
    """
    ix = state.index
    candidates = ix.candidates(ri)
    if not candidates:
        return "no_session", ix.no_session_detail(ri)
    blocked: list[tuple[int, list[Blocker]]] = [(si, state.blockers(ri, si)) for si in candidates]
    permanent = [(si, b[0]) for si, b in blocked if b and b[0].permanent]
    if len(permanent) == len(blocked):
        code = _pick(Counter(b.code for _, b in permanent))
        main = [b.detail for _, b in permanent if b.code == code]
        other = [b.detail for _, b in permanent if b.code != code]
        sessions = [si for si, b in permanent if b.code == code]
        text = _impossible(state, ri, code, sessions, main)
        if other:
            text += f" (and elsewhere: {_listing(other)})"
        return code, text + "."
    open_ = [(si, b) for si, b in blocked if not (b and b[0].permanent)]
    free = [si for si, b in open_ if not b]
    if free:
        return _free_reason(state, ri, free)
    codes: Counter[str] = Counter()
    for _, bs in open_:
        codes.update({b.code for b in bs})
    code = _pick(codes)
    main = [b.detail for _, bs in open_ for b in bs if b.code == code]
    rest = [bs[0].detail for _, bs in open_ if all(b.code != code for b in bs)]
    rest += [b.detail for _, b in permanent]
    text = f"{_lead(state, ri, code)}: {_listing(main)}"
    if rest:
        text += f" (and elsewhere: {_listing(rest)})"
    return code, text + "."


def _free_reason(state: PlanState, ri: int, free: list[int]) -> tuple[str, str]:
    """The reason for a request that some session could still take as the plan stands.

    The plan's touch-up adds every such request except one of priority 0
    whose family would need a transport not otherwise used: scheduling it
    would raise the transport cost for no priority.
    """
    ix = state.index
    r = ix.requests[ri]
    if r.priority == 0:
        fits = [p for p in (state.fit(ri, si) for si in free) if p is not None]
        costly = [p for p in fits if p.transport is not None and state.added_cost(p) > 0]
        if costly and len(costly) == len(fits):  # (else a session adds no cost: no excuse)
            transport = costly[0].transport
            assert transport is not None
            t = ix.transports[transport]
            return Reason.COST.value, (
                f"Only a transport not otherwise used ({t.id}, cost {t.cost:g}) could carry "
                f"the family, and a visit of priority {r.priority} does not justify its cost."
            )
    s = ix.sessions[free[0]]
    return Reason.TIME_LIMIT.value, (
        f"The solver stopped before it could place the request; {s.id} on "
        f"{s.date.isoformat()} could still take it."
    )
