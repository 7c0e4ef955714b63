"""The plan state's escort search against its definition, on plans built at random."""

from __future__ import annotations

import random

import pytest

from parcelroute.generate import generate_scenario
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.plan import Placement, PlanState


def escort_by_definition(state: PlanState, ri: int, si: int) -> int | None:
    """Of the escorts who can serve ``ri`` at ``si`` and are not busy, the one of lowest
    rank (0: already at that session, 1: already somewhere that day, 2: free all day),
    the first listed among equals."""
    date = state.index.sessions[si].date
    best: tuple[int, int] | None = None
    for ei in state.index.request_escorts(ri, si):
        if state.escort_busy(ei, si) is not None:
            continue
        at = state.esc_at.get((ei, date))
        rank = 0 if at and si in at else (1 if at else 2)
        if best is None or rank < best[0]:
            best = (rank, ei)
    return None if best is None else best[1]


def check_every_pair(state: PlanState, rng: random.Random, pairs: int) -> int:
    """Compare the search with the definition on random (request, session) pairs."""
    ix = state.index
    found = 0
    for _ in range(pairs):
        ri = rng.randrange(len(ix.requests))
        sessions = ix.candidates(ri)
        if not sessions or ix.requests[ri].language is None:
            continue
        si = rng.choice(sessions)
        expected = escort_by_definition(state, ri, si)
        assert state.escort_for(ri, si) == expected, (ix.requests[ri].id, ix.sessions[si].id)
        assert state.has_free_escort(ri, si) == (expected is not None)
        found += expected is not None
    return found


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_the_escort_search_matches_its_definition(seed: int) -> None:
    """Plans grown and shrunk at random, some with escorts put where the rules would not
    put them (two facilities a day, past their daily limit): the search picks the same
    escort as the definition, or none when it does."""
    ix = VisitIndex(generate_scenario(0, 400, seed))
    state = PlanState(ix)
    rng = random.Random(seed)
    with_language = [ri for ri, r in enumerate(ix.requests)
                     if r.language is not None and ix.candidates(ri)]
    assert len(with_language) > 50
    found = forced = 0
    for step in range(600):
        placed = [ri for ri, p in enumerate(state.placed) if p is not None]
        if placed and rng.random() < 0.25:
            state.remove(rng.choice(placed))
        else:
            ri = rng.choice(with_language)
            if state.placed[ri] is not None:
                continue
            si = rng.choice(ix.candidates(ri))
            p = state.fit(ri, si, reciprocity=False)
            if p is None and rng.random() < 0.2 and ix.request_escorts(ri, si):
                # an escort where the rules would not put it
                p = Placement(si, rng.choice(ix.request_escorts(ri, si)))
                forced += 1
            if p is not None:
                state.add(ri, p)
        if step % 20 == 0:
            found += check_every_pair(state, rng, 60)
    assert found > 0 and forced > 0
