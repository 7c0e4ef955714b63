"""Properties of the visit solver on random small scenarios.

Every plan the solver returns must pass :func:`parcelroute.verify.verify`
with no violation, a plan proven optimal must have its objective equal to its
bound, and every offer made from a plan must lead to a plan that keeps every
visit rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
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
@given(visit_scenarios(), st.sampled_from([1e-9, 0.001, 0.005, 0.02, 0.1]))
def test_plans_under_a_very_short_limit_keep_every_rule_and_their_bounds_hold(
        scenario: pr.Scenario, limit: float) -> None:
    """Limits that end the solve anywhere (before the first plan, in either level): every
    request once, every rule kept, and neither level's bound past the proven optimum."""
    short = pr.solve(scenario, time_limit=limit)
    assert pr.verify(scenario, short) == []
    assert [v.id for v in short.visits] == [r.id for r in scenario.visit_requests]
    exact = pr.solve(scenario)
    assert exact.status is pr.Status.OPTIMAL
    best = exact.objective["visit_priority"]
    assert short.objective["visit_priority"] <= best <= short.bound["visit_priority"]
    if short.objective["visit_priority"] == best:
        assert short.bound["transport_cost"] <= exact.objective["transport_cost"] + 1e-9


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
@given(visit_scenarios(), st.integers(0, 3), st.booleans())
def test_facility_steps_keep_every_rule_and_bound_the_optimum(scenario: pr.Scenario,
                                                              seed: int, two: bool) -> None:
    """The start plan and its improvement (by one worker, or ``two`` at once) keep every
    rule, never lose, and stay below the optimum and the relaxation's bound."""
    import threading

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
    spare = threading.Event() if two else None
    if spare is not None:
        spare.set()
    improve_by_facility(state, choices, 5.0, seed=seed, spare=spare)
    assert (state.priority(), -state.transport_cost()) >= start
    assert [x for x in pr.verify(scenario, plan_of(scenario, state)) if x.rule not in SKIP] == []
    best = pr.solve(scenario).objective["visit_priority"]
    assert state.priority() <= best <= sum(caps.values())


def _plain_visit_levels(scenario: pr.Scenario) -> tuple[int, float]:
    """Both visit levels by a plain CP-SAT model written from the rules alone.

    One boolean per (request, session), per (request, session, escort) and
    per (request, session, transport); nothing of the solver's own index,
    bounds or model is used. Returns the best priority and, among plans of
    that priority, the least transport cost.
    """
    from ortools.sat.python import cp_model

    s = scenario
    det = {d.id: d for d in s.detainees}
    sides = sorted({d.side for d in s.detainees if d.side is not None})

    def build() -> tuple[cp_model.CpModel, Any, Any]:
        m = cp_model.CpModel()
        x: dict[tuple[int, int], Any] = {}
        for ri, r in enumerate(s.visit_requests):
            d = det[r.detainee]
            for si, ses in enumerate(s.sessions):
                if ses.facility == d.facility and any(ses.date in a for a in r.available) \
                        and ses.date not in d.unavailable and (ses.closed or not r.closed):
                    x[ri, si] = m.new_bool_var(f"x{ri}_{si}")
        for ri in range(len(s.visit_requests)):
            m.add(sum(v for (r2, _), v in x.items() if r2 == ri) <= 1)
        for si, ses in enumerate(s.sessions):
            m.add(sum(v for (_, s2), v in x.items() if s2 == si) <= ses.capacity)
            if ses.max_visitors is not None:
                m.add(sum(s.visit_requests[r2].visitors * v for (r2, s2), v in x.items()
                          if s2 == si) <= ses.max_visitors)

        def on(did: str, day: dt.date) -> list[Any]:
            return [v for (r2, s2), v in x.items()
                    if s.visit_requests[r2].detainee == did and s.sessions[s2].date == day]

        days = sorted({ses.date for ses in s.sessions})
        for d in s.detainees:
            for day in days:
                m.add(sum(on(d.id, day)) <= 1)
            m.add(sum(v for (r2, _), v in x.items()
                      if s.visit_requests[r2].detainee == d.id) <= d.max_visits)
        for d in s.detainees:
            for other in s.detainees:
                apart = other.id in d.keep_apart or d.id in other.keep_apart
                if d.id < other.id and apart and d.facility == other.facility:
                    for day in days:
                        m.add(sum(on(d.id, day)) + sum(on(other.id, day)) <= 1)
        # escorts
        present: dict[tuple[int, int], Any] = {}
        served: dict[tuple[int, dt.date], list[Any]] = {}
        for (ri, si), v in x.items():
            r, ses = s.visit_requests[ri], s.sessions[si]
            if r.language is None:
                continue
            es = []
            for ei, e in enumerate(s.escorts):
                if r.language in e.languages and any(ses.date in a for a in e.available):
                    b = m.new_bool_var(f"e{ri}_{si}_{ei}")
                    es.append(b)
                    if (ei, si) not in present:
                        present[ei, si] = m.new_bool_var(f"p{ei}_{si}")
                    m.add_implication(b, present[ei, si])
                    served.setdefault((ei, ses.date), []).append(b)
            m.add(sum(es) == v)
        for (e1, s1), p1 in present.items():
            for (e2, s2), p2 in present.items():
                a, b = s.sessions[s1], s.sessions[s2]
                if e1 != e2 or s1 >= s2 or a.date != b.date:
                    continue
                if a.facility != b.facility or (a.start < b.end and b.start < a.end):
                    m.add(p1 + p2 <= 1)
        for (ei, _day), bs in served.items():
            limit = s.escorts[ei].max_visits_per_day
            if limit is not None:
                m.add(sum(bs) <= limit)
        # organised transport (costs in tenths: the strategy's costs are multiples of 0.1)
        used = {ti: m.new_bool_var(f"u{ti}") for ti in range(len(s.transports))}
        seats: dict[int, list[Any]] = {}
        for (ri, si), v in x.items():
            r, ses = s.visit_requests[ri], s.sessions[si]
            if r.transport_from is None:
                continue
            rides = []
            for ti, t in enumerate(s.transports):
                if t.origin == r.transport_from and t.facility == ses.facility \
                        and t.date == ses.date:
                    b = m.new_bool_var(f"t{ri}_{si}_{ti}")
                    rides.append(b)
                    m.add_implication(b, used[ti])
                    seats.setdefault(ti, []).append(r.visitors * b)
            m.add(sum(rides) == v)
        for ti, load in seats.items():
            m.add(sum(load) <= s.transports[ti].seats)
        if s.reciprocity is not None and len(sides) == 2:
            diff = sum((1 if det[s.visit_requests[r2].detainee].side == sides[0] else -1) * v
                       for (r2, _), v in x.items()
                       if det[s.visit_requests[r2].detainee].side is not None)
            m.add(diff <= s.reciprocity.max_difference)
            m.add(diff >= -s.reciprocity.max_difference)
        priority = sum(s.visit_requests[r2].priority * v for (r2, _), v in x.items())
        cost = sum(round(10 * t.cost) * used[ti] for ti, t in enumerate(s.transports))
        return m, priority, cost

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    m, priority, _ = build()
    m.maximize(priority)
    assert solver.solve(m) == cp_model.OPTIMAL
    best = round(solver.objective_value)
    m, priority, cost = build()
    m.add(priority >= best)
    m.minimize(cost)
    assert solver.solve(m) == cp_model.OPTIMAL
    return best, solver.objective_value / 10


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_scenarios())
def test_optimal_values_are_those_of_a_plain_model(scenario: pr.Scenario) -> None:
    result = pr.solve(scenario)
    assert result.status is pr.Status.OPTIMAL
    priority, cost = _plain_visit_levels(scenario)
    assert result.objective["visit_priority"] == priority
    assert abs(result.objective["transport_cost"] - cost) <= 1e-6


#: Rules about what a plan says of itself, not about the visits it schedules.
EXPLAINING = ("reason_missing", "detail_missing", "reason_unknown", "reason_false",
              "left_out_assigned", "objective_value", "objective_bound", "objective_gap",
              "status", "solve_seconds")


def _with(result: pr.Result, visits: dict[str, pr.VisitAssignment]) -> pr.Result:
    return pr.Result(result.scenario, pr.Status.FEASIBLE, 0.0, {}, {},
                     visits=tuple(visits[v.id] for v in result.visits))


def _keeps_the_rules(scenario: pr.Scenario, plan: pr.Result) -> bool:
    return not [x for x in pr.verify(scenario, plan) if x.rule not in EXPLAINING]


def _taken_out(scenario: pr.Scenario, data: st.DataObject, *, at_least: int,
               ) -> tuple[pr.Result, dict[str, pr.VisitAssignment]]:
    """The solver's plan and its visits with some of them taken out (as 'time_limit', a
    code verify never questions), when what is left keeps every rule."""
    result = pr.solve(scenario)
    scheduled = [v.id for v in result.visits if v.scheduled]
    drop = data.draw(st.sets(st.sampled_from(scheduled), min_size=at_least)) \
        if scheduled else set()
    visits = {v.id: (pr.VisitAssignment(v.id, reason="time_limit", detail="Taken out.")
                     if v.id in drop else v) for v in result.visits}
    assume(_keeps_the_rules(scenario, _with(result, visits)))
    return result, visits


def _broken(scenario: pr.Scenario, result: pr.Result, visits: dict[str, pr.VisitAssignment],
            rid: str) -> dict[str, list[set[str]]]:
    """For each session, the rules broken with ``rid`` added there, for every escort and
    transport given to it (none of either first)."""
    escorts = [None, *(e.id for e in scenario.escorts)]
    transports = [None, *(t.id for t in scenario.transports)]
    return {s.id: [
        {x.rule for x in pr.verify(scenario, _with(result, {
            **visits, rid: pr.VisitAssignment(rid, s.id, e, t)})) if x.rule not in EXPLAINING}
        for e in escorts for t in transports] for s in scenario.sessions}


def _said_false(scenario: pr.Scenario, result: pr.Result,
                visits: dict[str, pr.VisitAssignment], rid: str, code: str) -> list[str]:
    """What verify says is false of ``rid`` left out as ``code``."""
    claimed = _with(result, {**visits, rid: pr.VisitAssignment(rid, reason=code, detail="No.")})
    return [x.message for x in pr.verify(scenario, claimed)
            if x.item == rid and x.rule == "reason_false"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_scenarios(), st.data())
def test_verify_finds_room_for_a_request_exactly_where_adding_it_keeps_every_rule(
        scenario: pr.Scenario, data: st.DataObject) -> None:
    """``verify``'s room check against brute force, on the solver's plan with some visits
    taken out: a request left out as 'capacity' is said to fit a session as the plan
    stands exactly when some session, escort and transport given to it keep every rule."""
    result, visits = _taken_out(scenario, data, at_least=1)
    for r in scenario.visit_requests:
        if visits[r.id].scheduled:
            continue
        broken = _broken(scenario, result, visits, r.id)
        fits = any(not rules for tries in broken.values() for rules in tries)
        said = _said_false(scenario, result, visits, r.id, "capacity")
        event(f"a left-out request {'fits' if fits else 'fits nowhere'}")
        assert any("could take it as the plan stands" in m for m in said) == fits, (r.id, said)


#: The rules each refusal code stands for.
CODE_RULES = {
    "capacity": {"session_capacity", "session_visitors"},
    "detainee_limit": {"detainee_per_date", "detainee_max_visits"},
    "keep_apart": {"keep_apart"},
    "no_escort": {"escort_missing", "escort_language", "escort_available", "escort_overlap",
                  "escort_facility", "escort_per_day"},
    "no_seat": {"transport_missing", "transport_route", "transport_date", "transport_seats"},
    "reciprocity": {"reciprocity"},
}
SESSION_RULES = {"visit_facility", "visit_available", "visit_unavailable", "visit_closed"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visit_scenarios(), st.data())
def test_verify_says_a_code_blocks_none_of_the_sessions_exactly_where_it_blocks_none(
        scenario: pr.Scenario, data: st.DataObject) -> None:
    """``verify`` against brute force, where no session has room for a left-out request:
    a code is said to block none of its sessions exactly when, of the sessions the
    request may take, none breaks one of the code's rules with every escort and transport
    given to it."""
    result, visits = _taken_out(scenario, data, at_least=0)
    for r in scenario.visit_requests:
        if visits[r.id].scheduled:
            continue
        broken = _broken(scenario, result, visits, r.id)
        if any(not rules for tries in broken.values() for rules in tries):
            continue  # a session has room: the test above
        # the sessions it may take: none of the session rules broken (without escort or seat)
        mine = [sid for sid, tries in broken.items() if not tries[0] & SESSION_RULES]
        for code, rules in CODE_RULES.items():
            blocks = [sid for sid in mine if all(t & rules for t in broken[sid])]
            said = _said_false(scenario, result, visits, r.id, code)
            if any("it needs no" in m or "kept apart from no one" in m
                   or "does not count" in m or "no reciprocity" in m for m in said):
                continue  # the code cannot apply at all: its own check
            event(f"a code {'blocks some' if blocks else 'blocks none'} of {len(mine)} sessions")
            if not mine:
                assert any("no session could ever take it" in m for m in said), (r.id, code, said)
            else:
                assert any("blocks none" in m for m in said) == (not blocks), (r.id, code, said)
