"""Properties of the visit solver on random small scenarios.

Every plan the solver returns must pass :func:`parcelroute.verify.verify`
with no violation, a plan proven optimal must have its objective equal to its
bound, and every offer made from a plan must lead to a plan that keeps every
visit rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parcelroute as pr
from parcelroute.visits import offer_slots

DAYS = [dt.date(2026, 12, 1) + dt.timedelta(days=i) for i in range(3)]
FACILITIES = ["F-1", "F-2"]
CITIES = ["C-1", "C-2"]
LANGUAGES = ["uk", "ru"]


@st.composite
def date_range(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    a = draw(st.sampled_from(DAYS))
    b = draw(st.sampled_from([d for d in DAYS if d >= a]))
    return a, b


@st.composite
def visit_scenarios(draw: st.DrawFn) -> pr.Scenario:
    """A random scenario of up to 5 detainees, 4 sessions and 7 visit requests."""
    b = pr.ScenarioBuilder(name="random visits")
    for f in FACILITIES:
        b.add_node(f)
    for c in CITIES:
        b.add_node(c, kind="city")
    n_det = draw(st.integers(1, 5))
    dets = [f"D-{i}" for i in range(n_det)]
    for d in dets:
        others = [o for o in dets if o != d]
        b.add_detainee(
            d,
            facility=draw(st.sampled_from(FACILITIES)),
            side=draw(st.sampled_from(["A", "B", None])),
            max_visits=draw(st.sampled_from([None, 0, 1, 2])),
            unavailable=draw(st.lists(st.sampled_from(DAYS), max_size=1)),
            keep_apart=draw(st.lists(st.sampled_from(others), max_size=1)) if others else [],
        )
    for i in range(draw(st.integers(1, 4))):
        start = draw(st.integers(9, 13))
        b.add_session(
            f"S-{i}", facility=draw(st.sampled_from(FACILITIES)), date=draw(st.sampled_from(DAYS)),
            start=f"{start:02d}:00", end=f"{start + draw(st.integers(1, 3)):02d}:00",
            capacity=draw(st.integers(0, 3)),
            max_visitors=draw(st.sampled_from([None, 1, 3, 6])),
            closed=draw(st.booleans()),
        )
    for i in range(draw(st.integers(1, 7))):
        b.add_visit_request(
            f"V-{i}", detainee=draw(st.sampled_from(dets)),
            available=draw(st.lists(date_range(), min_size=1, max_size=2)),
            visitors=draw(st.integers(1, 3)), priority=draw(st.integers(0, 3)),
            language=draw(st.sampled_from([None, None, *LANGUAGES])),
            transport_from=draw(st.sampled_from([None, None, *CITIES])),
            closed=draw(st.booleans()),
        )
    for i in range(draw(st.integers(0, 2))):
        b.add_escort(f"E-{i}", languages=draw(st.lists(st.sampled_from(LANGUAGES), min_size=1,
                                                         max_size=2, unique=True)),
                     available=[draw(date_range())],
                     max_visits_per_day=draw(st.sampled_from([None, 0, 1, 2])))
    for i in range(draw(st.integers(0, 3))):
        b.add_transport(f"BUS-{i}", origin=draw(st.sampled_from(CITIES)),
                        facility=draw(st.sampled_from(FACILITIES)),
                        date=draw(st.sampled_from(DAYS)), seats=draw(st.integers(0, 4)),
                        cost=draw(st.sampled_from([0, 50, 120.5, 0.1])))
    k = draw(st.sampled_from([None, 0, 1, 2]))
    if k is not None:
        b.set_reciprocity(k)
    return b.build()


def apply_offer(result: pr.Result, vid: str, offer: Any) -> pr.Result:
    """The plan with an offer applied."""
    visits = {v.id: v for v in result.visits}
    visits[vid] = pr.VisitAssignment(vid, offer.session, offer.escort, offer.transport)
    for rid, _, to in offer.moved:
        visits[rid] = pr.VisitAssignment(rid, to, visits[rid].escort, visits[rid].transport)
    for rid, escort, transport in offer.reassigned:
        visits[rid] = pr.VisitAssignment(rid, visits[rid].session, escort, transport)
    for rid in offer.dropped:
        visits[rid] = pr.VisitAssignment(rid, reason="capacity", detail="Given up.")
    return pr.Result(result.scenario, pr.Status.FEASIBLE, 0.0, {}, {},
                     visits=tuple(visits[v.id] for v in result.visits))


SKIP = ("objective_value", "objective_bound", "status", "reason_false")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_scenarios())
def test_every_plan_keeps_every_rule(scenario: pr.Scenario) -> None:
    result = pr.solve(scenario)
    assert pr.verify(scenario, result) == []
    assert result.status is pr.Status.OPTIMAL
    for level in ("visit_priority", "transport_cost"):
        assert abs(result.objective[level] - result.bound[level]) <= 1e-9
    assert [v.id for v in result.visits] == [r.id for r in scenario.visit_requests]
    for v in result.visits:
        assert v.scheduled or (v.reason and v.detail)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_scenarios())
def test_every_offer_leads_to_a_valid_plan(scenario: pr.Scenario) -> None:
    result = pr.solve(scenario)
    base = result.objective["visit_priority"]
    for v in result.visits:
        for offer in offer_slots(scenario, result, v.id, k=3):
            changed = apply_offer(result, v.id, offer)
            violations = [x for x in pr.verify(scenario, changed) if x.rule not in SKIP]
            assert violations == [], (v.id, offer, violations)
            gained = 0 if v.scheduled else scenario.visit_requests[
                [r.id for r in scenario.visit_requests].index(v.id)].priority
            lost = sum(r.priority for r in scenario.visit_requests if r.id in offer.dropped)
            assert lost == offer.priority_change
            # an optimal plan cannot be improved by any offer
            assert base + gained - lost <= result.bound["visit_priority"]


def plan_of(scenario: pr.Scenario, state: Any) -> pr.Result:
    """A plan holding the visits of a PlanState (refused ones with a placeholder reason)."""
    ix = state.index
    visits = []
    for ri, r in enumerate(scenario.visit_requests):
        p = state.placed[ri]
        if p is None:
            visits.append(pr.VisitAssignment(r.id, reason="capacity", detail="Not placed."))
        else:
            visits.append(pr.VisitAssignment(
                r.id, ix.sessions[p.session].id,
                ix.escorts[p.escort].id if p.escort is not None else None,
                ix.transports[p.transport].id if p.transport is not None else None))
    return pr.Result(scenario.name, pr.Status.FEASIBLE, 0.0, {}, {}, visits=tuple(visits))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_scenarios(), st.integers(0, 3))
def test_facility_steps_keep_every_rule_and_bound_the_optimum(scenario: pr.Scenario,
                                                              seed: int) -> None:
    from parcelroute.visits.index import VisitIndex
    from parcelroute.visits.lns import (
        improve_by_facility,
        plan_from_relaxation,
        relax_by_facility,
    )

    index = VisitIndex(scenario)
    choices = [index.model_sessions(ri) for ri in range(len(index.requests))]
    caps, relaxed = relax_by_facility(index, choices, None)
    state = plan_from_relaxation(index, choices, relaxed)
    start = (state.priority(), -state.transport_cost())
    assert [x for x in pr.verify(scenario, plan_of(scenario, state)) if x.rule not in SKIP] == []
    improve_by_facility(state, choices, 5.0, seed=seed)
    assert (state.priority(), -state.transport_cost()) >= start
    assert [x for x in pr.verify(scenario, plan_of(scenario, state)) if x.rule not in SKIP] == []
    best = pr.solve(scenario).objective["visit_priority"]
    assert state.priority() <= best <= sum(caps.values())
