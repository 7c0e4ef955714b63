"""A quick feasible visit plan, and the touch-up that fills a plan's free room.

The greedy plan gives the solver a good first solution (as hints); the fill
step adds to any plan the requests that still fit without moving anyone.
"""

from __future__ import annotations

from parcelroute.visits.index import VisitIndex
from parcelroute.visits.plan import Placement, PlanState

__all__ = ["fill", "greedy_plan", "trim_reciprocity"]


def _best_fit(state: PlanState, ri: int, sessions: list[int], *, reciprocity: bool,
              ) -> Placement | None:
    """The fitting session that adds least cost, emptiest first, then earliest."""
    best: tuple[float, float, int] | None = None
    choice: Placement | None = None
    ix = state.index
    for si in sessions:
        p = state.fit(ri, si, reciprocity=reciprocity)
        if p is None:
            continue
        s = ix.sessions[si]
        key = (state.added_cost(p), state.sess_count[si] / max(1, s.capacity), si)
        if best is None or key < best:
            best, choice = key, p
            if key[0] == 0 and key[1] == 0:
                break
    return choice


def greedy_plan(index: VisitIndex, model_sessions: list[list[int]]) -> PlanState:
    """A feasible plan: highest priority first, each to the fitting session adding least cost.

    Reciprocity is restored at the end by removing the lowest-priority visits
    of the side ahead, then :func:`fill` adds what fits again.

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
    >>> state = greedy_plan(index, choices)
    >>> [index.requests[r].id for r, p in enumerate(state.placed) if p is not None]
    ['V-2']
    """
    state = PlanState(index)
    order = sorted(
        (ri for ri in range(len(index.requests)) if model_sessions[ri]),
        key=lambda ri: (-index.requests[ri].priority, len(model_sessions[ri]), ri),
    )
    for ri in order:
        p = _best_fit(state, ri, model_sessions[ri], reciprocity=False)
        if p is not None:
            state.add(ri, p)
    trim_reciprocity(state)
    fill(state, model_sessions)
    return state


def trim_reciprocity(state: PlanState) -> None:
    """Remove the lowest-priority visits of the side ahead until the sides are balanced.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="one side only")
    >>> _ = b.add_node("F-1").add_detainee("D-1", facility="F-1", side="A")
    >>> _ = b.add_detainee("D-2", facility="F-1", side="B").set_reciprocity(0)
    >>> _ = b.add_session("S-1", facility="F-1", date="2026-12-05", start="10:00",
    ...                   end="12:00", capacity=1)
    >>> _ = b.add_visit_request("V-1", detainee="D-1", available=[("2026-12-05", "2026-12-05")])
    >>> state = PlanState(VisitIndex(b.build()))
    >>> state.add(0, state.fit(0, 0, reciprocity=False))
    >>> trim_reciprocity(state)
    >>> state.placed
    [None]
    """
    index = state.index
    rec = index.scenario.reciprocity
    if index.sides is None or rec is None:
        return
    lead = state.side_count[0] - state.side_count[1]
    if abs(lead) <= rec.max_difference:
        return
    # (each removal lowers the lead by one, so the side ahead stays ahead until the end:
    # its visits are dropped in one sorted pass, not one search of the plan per visit)
    ahead = 0 if lead > 0 else 1
    order = sorted((ri for ri, p in enumerate(state.placed)
                    if p is not None and index.side(ri) == ahead),
                   key=lambda ri: (index.requests[ri].priority, -ri))
    for drop in order:
        if abs(state.side_count[0] - state.side_count[1]) <= rec.max_difference:
            break
        state.remove(drop)


def fill(state: PlanState, model_sessions: list[list[int]]) -> int:
    """Add every unscheduled request that fits as the plan stands; return how many.

    A request of priority 0 is only added when it needs no transport not
    already used, so the transport cost never rises for nothing. Under
    reciprocity, pairs of requests from the two sides are also tried.

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
    >>> fill(state, choices), state.priority()
    (1, 2)
    """
    ix = state.index
    added = 0
    order = sorted(
        (ri for ri in range(len(ix.requests)) if model_sessions[ri]),
        key=lambda ri: (-ix.requests[ri].priority, ri),
    )
    changed = True
    while changed:
        changed = False
        for ri in order:
            if state.placed[ri] is not None:
                continue
            p = _best_fit(state, ri, model_sessions[ri], reciprocity=True)
            if p is None:
                continue
            if ix.requests[ri].priority == 0 and state.added_cost(p) > 0:
                continue
            state.add(ri, p)
            added += 1
            changed = True
        if not changed and ix.sides is not None:
            changed = _fill_pairs(state, order, model_sessions)
            added += 2 * changed
    return added


def _fill_pairs(state: PlanState, order: list[int], model_sessions: list[list[int]]) -> bool:
    """Add one pair of requests, one per side, that fit together; return whether one was."""
    ix = state.index
    fitting: list[list[int]] = [[], []]
    for ri in order:
        side = ix.side(ri)
        if state.placed[ri] is None and side is not None and _best_fit(
            state, ri, model_sessions[ri], reciprocity=False
        ) is not None:
            fitting[side].append(ri)
    for ri in fitting[0]:
        p = _best_fit(state, ri, model_sessions[ri], reciprocity=False)
        if p is None:
            continue
        cost_p = state.added_cost(p)
        state.add(ri, p)
        for rj in fitting[1]:
            q = _best_fit(state, rj, model_sessions[rj], reciprocity=True)
            if q is None:
                continue
            free = ix.requests[ri].priority + ix.requests[rj].priority == 0
            if free and cost_p + state.added_cost(q) > 0:
                continue
            state.add(rj, q)
            return True
        state.remove(ri)
    return False
