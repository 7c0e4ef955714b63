"""Slot offers: sessions that fit directly, that need moves or reassignments, or drops."""

from __future__ import annotations

import time
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.exceptions import ParcelrouteError
from parcelroute.visits import PlanMismatchError, SlotOffer, UnknownRequestError, offer_slots
from parcelroute.visits import offer as offer_module

DAY1, DAY2, DAY3 = "2026-12-05", "2026-12-06", "2026-12-07"
WEEK = [("2026-12-01", "2026-12-10")]


def builder() -> pr.ScenarioBuilder:
    b = pr.ScenarioBuilder(name="offers")
    b.add_node("F-1").add_node("C-1", kind="city")
    for i in range(1, 10):
        b.add_detainee(f"D-{i}", facility="F-1")
    return b


def session(b: pr.ScenarioBuilder, sid: str, date: str = DAY1, **kw: Any) -> None:
    fields: dict[str, Any] = {"facility": "F-1", "date": date, "start": "10:00",
                              "end": "12:00", "capacity": 1}
    fields.update(kw)
    b.add_session(sid, **fields)


def plan(*visits: tuple[str, str | None] | tuple[str, str | None, str | None, str | None],
         ) -> pr.Result:
    """A hand-made plan: (request, session[, escort, transport]) per visit."""
    records = []
    for v in visits:
        vid, sid, *rest = v
        escort, transport = [*rest, None, None][:2]
        records.append(pr.VisitAssignment(vid, sid, escort, transport)
                       if sid else pr.VisitAssignment(vid, reason="capacity", detail="Full."))
    return pr.Result("offers", pr.Status.FEASIBLE, 0.0, {}, {}, visits=tuple(records))


def brief(offers: list[SlotOffer]) -> list[tuple[str, tuple[Any, ...], tuple[str, ...], int]]:
    return [(o.session, o.moved, o.dropped, o.priority_change) for o in offers]


def checked(scenario: pr.Scenario, current: pr.Result, vid: str, k: int = 3) -> list[SlotOffer]:
    """The offers, each checked to lead to a plan that keeps every visit rule."""
    offers = offer_slots(scenario, current, vid, k)
    for o in offers:
        check_offer(scenario, current, vid, o)
    return offers


def test_session_with_room_fits_directly() -> None:
    b = builder()
    session(b, "S-1", capacity=2)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    b.add_visit_request("V-9", detainee="D-9", available=WEEK)
    offers = offer_slots(b.build(), plan(("V-1", "S-1")), "V-9")
    assert len(offers) == 1
    o = offers[0]
    assert (o.session, o.date.isoformat(), o.facility, str(o.start), str(o.end)) == (
        "S-1", DAY1, "F-1", "10:00:00", "12:00:00")
    assert o.direct and o.priority_change == 0 and o.transport_cost_change == 0


def test_request_missing_from_the_plan_is_offered_sessions() -> None:
    b = builder()
    session(b, "S-1")
    b.add_visit_request("V-9", detainee="D-9", available=WEEK)
    offers = offer_slots(b.build(), plan(), "V-9")
    assert brief(offers) == [("S-1", (), (), 0)]


def test_direct_fit_with_escort_and_a_new_transport() -> None:
    b = builder()
    session(b, "S-1", capacity=2)
    b.add_escort("E-1", languages=["uk"], available=WEEK)
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=4, cost=250)
    b.add_visit_request("V-9", detainee="D-9", available=WEEK, language="uk",
                        transport_from="C-1", visitors=3)
    (o,) = offer_slots(b.build(), plan(), "V-9")
    assert (o.escort, o.transport, o.transport_cost_change) == ("E-1", "BUS-1", 250)


def test_used_transport_with_room_adds_no_cost() -> None:
    b = builder()
    session(b, "S-1", capacity=2)
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=4, cost=250)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, transport_from="C-1")
    b.add_visit_request("V-9", detainee="D-9", available=WEEK, transport_from="C-1")
    (o,) = offer_slots(b.build(), plan(("V-1", "S-1", None, "BUS-1")), "V-9")
    assert (o.transport, o.transport_cost_change, o.direct) == ("BUS-1", 0, True)


def test_full_session_offered_by_moving_a_visit_to_another_date() -> None:
    b = builder()
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK)
    b.add_visit_request("V-9", detainee="D-9", available=[(DAY1, DAY1)])
    offers = offer_slots(b.build(), plan(("V-1", "S-1"), ("V-2", None)), "V-9")
    assert brief(offers) == [("S-1", (("V-1", "S-1", "S-2"),), (), 0)]


def test_full_session_offered_by_moving_a_visit_within_the_day() -> None:
    b = builder()
    session(b, "S-AM", closed=True)
    session(b, "S-PM", start="13:00", end="15:00")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    b.add_visit_request("V-9", detainee="D-9", available=WEEK, closed=True)
    offers = offer_slots(b.build(), plan(("V-1", "S-AM")), "V-9")
    assert brief(offers) == [("S-AM", (("V-1", "S-AM", "S-PM"),), (), 0)]


def test_drop_is_offered_last_with_the_priority_lost() -> None:
    b = builder()
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    session(b, "S-3", DAY3)
    b.add_visit_request("V-1", detainee="D-1", available=[(DAY1, DAY1)], priority=3)
    b.add_visit_request("V-2", detainee="D-2", available=[(DAY2, DAY3)])
    b.add_visit_request("V-3", detainee="D-3", available=[(DAY3, DAY3)])
    b.add_visit_request("V-9", detainee="D-9", available=WEEK)
    current = plan(("V-1", "S-1"), ("V-2", "S-2"), ("V-3", None))
    offers = offer_slots(b.build(), current, "V-9")
    # Each offer is an alternative to the others: S-3 fits as is; S-2 fits once V-2
    # moves to S-3; S-1 only if V-1 (priority 3), who can come on no other date, gives
    # up its visit.
    assert brief(offers) == [
        ("S-3", (), (), 0),
        ("S-2", (("V-2", "S-2", "S-3"),), (), 0),
        ("S-1", (), ("V-1",), 3),
    ]
    assert offers[0].direct and not offers[1].direct


def test_moves_rank_before_drops_and_direct_fits_first() -> None:
    b = builder()
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    session(b, "S-3", DAY3)
    session(b, "S-4", "2026-12-08")
    b.add_visit_request("V-1", detainee="D-1", available=[(DAY1, DAY1)])
    b.add_visit_request("V-2", detainee="D-2", available=[(DAY2, "2026-12-08")])
    b.add_visit_request("V-9", detainee="D-9", available=[(DAY1, DAY3)])
    offers = offer_slots(b.build(), plan(("V-1", "S-1"), ("V-2", "S-2")), "V-9", k=5)
    assert brief(offers) == [
        ("S-3", (), (), 0),
        ("S-2", (("V-2", "S-2", "S-3"),), (), 0),
        ("S-1", (), ("V-1",), 1),
    ]


def test_k_limits_the_offers_and_the_earlier_date_wins_a_tie() -> None:
    b = builder()
    for sid, day in (("S-3", DAY3), ("S-1", DAY1), ("S-2", DAY2)):
        session(b, sid, day)
    b.add_visit_request("V-9", detainee="D-9", available=WEEK)
    scenario = b.build()
    assert [o.session for o in offer_slots(scenario, plan(), "V-9", k=2)] == ["S-1", "S-2"]
    assert offer_slots(scenario, plan(), "V-9", k=0) == []


def test_cheaper_transport_ranks_first() -> None:
    b = builder()
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=4, cost=300)
    b.add_transport("BUS-2", origin="C-1", facility="F-1", date=DAY2, seats=4, cost=100)
    b.add_visit_request("V-9", detainee="D-9", available=WEEK, transport_from="C-1")
    offers = offer_slots(b.build(), plan(), "V-9")
    assert [(o.session, o.transport, o.transport_cost_change) for o in offers] == [
        ("S-2", "BUS-2", 100), ("S-1", "BUS-1", 300)]


def test_escort_reassignment_frees_the_only_escort_who_speaks_the_language() -> None:
    b = builder()
    session(b, "S-1", capacity=2)
    b.add_escort("E-1", languages=["ru", "uk"], available=WEEK, max_visits_per_day=1)
    b.add_escort("E-2", languages=["uk"], available=WEEK, max_visits_per_day=1)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, language="uk")
    b.add_visit_request("V-9", detainee="D-9", available=WEEK, language="ru")
    (o,) = offer_slots(b.build(), plan(("V-1", "S-1", "E-1", None)), "V-9")
    assert (o.session, o.escort, o.moved, o.dropped) == ("S-1", "E-1", (), ())
    assert o.reassigned == (("V-1", "E-2", None),)
    assert not o.direct


def test_scheduled_request_gets_alternatives() -> None:
    b = builder()
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=4, cost=300)
    b.add_transport("BUS-2", origin="C-1", facility="F-1", date=DAY2, seats=4, cost=100)
    b.add_visit_request("V-9", detainee="D-9", available=WEEK, transport_from="C-1")
    offers = offer_slots(b.build(), plan(("V-9", "S-1", None, "BUS-1")), "V-9")
    assert [(o.session, o.transport_cost_change) for o in offers] == [("S-2", -200)]


def test_request_with_no_possible_session_gets_no_offer() -> None:
    b = builder()
    session(b, "S-1", DAY1)
    b.add_visit_request("V-9", detainee="D-9", available=[(DAY3, DAY3)])
    assert offer_slots(b.build(), plan(), "V-9") == []


def test_unknown_request_raises() -> None:
    b = builder()
    session(b, "S-1")
    with pytest.raises(UnknownRequestError, match="'V-404'") as info:
        offer_slots(b.build(), plan(), "V-404")
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ParcelrouteError)


def test_plan_of_another_scenario_raises() -> None:
    b = builder()
    session(b, "S-1")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    with pytest.raises(PlanMismatchError, match="'S-404'"):
        offer_slots(b.build(), plan(("V-1", "S-404")), "V-1")


def test_a_plan_without_other_requests_of_the_scenario_raises() -> None:
    """Binds: the plan lacks V-1 and V-2 besides the request asked about (a plan of
    another scenario); slack: it lacks only the request asked about (a new one)."""
    b = builder()
    session(b, "S-1", capacity=3)
    for vid in ("V-1", "V-2", "V-9"):
        b.add_visit_request(vid, detainee=f"D-{vid[2:]}", available=WEEK)
    with pytest.raises(PlanMismatchError, match=r"every visit request of scenario 'offers'; "
                                                r"got a plan without 2 of them \('V-1', 'V-2'\)"):
        offer_slots(b.build(), plan(), "V-9")
    assert brief(offer_slots(b.build(), plan(("V-1", "S-1"), ("V-2", "S-1")), "V-9")) == [
        ("S-1", (), (), 0)]


def test_offers_on_a_solved_month_are_quick_and_true() -> None:
    from parcelroute.generate import generate_scenario

    scenario = generate_scenario(0, visits=600, seed=5)
    result = pr.solve(scenario, time_limit=4)
    refused = [v.id for v in result.visits if not v.scheduled][:8]
    scheduled = [v.id for v in result.visits if v.scheduled][:4]
    for vid in refused + scheduled:
        start = time.perf_counter()
        offers = offer_slots(scenario, result, vid)
        assert time.perf_counter() - start < 1.0
        for o in offers:
            _check_offer(scenario, result, vid, o)


def _check_offer(scenario: pr.Scenario, result: pr.Result, vid: str, o: SlotOffer) -> None:
    """Apply an offer to the plan and check the new plan keeps every rule."""
    check_offer(scenario, result, vid, o)


def check_offer(scenario: pr.Scenario, result: pr.Result, vid: str, o: SlotOffer) -> None:
    """Apply an offer to a plan and check that the new plan keeps every visit rule."""
    visits = {v.id: v for v in result.visits}
    visits[vid] = pr.VisitAssignment(vid, o.session, o.escort, o.transport)
    for rid, _, to in o.moved:
        old = visits[rid]
        visits[rid] = pr.VisitAssignment(rid, to, old.escort, old.transport)
    for rid, esc, tr in o.reassigned:
        visits[rid] = pr.VisitAssignment(rid, visits[rid].session, esc, tr)
    for rid in o.dropped:
        visits[rid] = pr.VisitAssignment(rid, reason="capacity", detail="Given up.")
    new = pr.Result(result.scenario, pr.Status.FEASIBLE, 0.0, {}, {},
                    visits=tuple(visits[v.id] for v in result.visits))
    rules = [x for x in pr.verify(scenario, new)
             if x.rule not in ("objective_value", "objective_bound", "status", "reason_false")]
    assert rules == [], (o, rules)
    priority = {r.id: r.priority for r in scenario.visit_requests}
    assert o.priority_change == sum(priority[rid] for rid in o.dropped), o
    assert o.transport_cost_change == pytest.approx(
        transport_cost(scenario, new) - transport_cost(scenario, result)), o


def transport_cost(scenario: pr.Scenario, result: pr.Result) -> float:
    """The cost of the transports a plan uses."""
    used = {v.transport for v in result.visits if v.session is not None}
    return sum(t.cost for t in scenario.transports if t.id in used)


# -- regressions: visits elsewhere that hold what the request needs ---------------------


def two_facilities() -> pr.ScenarioBuilder:
    """F-1 and F-2, one ``ru`` escort for both, D-1 held at F-1 and D-2 at F-2."""
    b = pr.ScenarioBuilder(name="offers at two facilities")
    b.add_node("F-1").add_node("F-2")
    b.add_detainee("D-1", facility="F-1").add_detainee("D-2", facility="F-2")
    session(b, "S-1", start="08:00", end="09:00")
    session(b, "S-2", facility="F-2", start="15:00", end="16:00")
    b.add_escort("E-1", languages=["ru"], available=WEEK)
    b.add_visit_request("V-1", detainee="D-1", available=[(DAY1, DAY1)], language="ru",
                        priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=[(DAY1, DAY1)], language="ru")
    return b


def test_escort_busy_at_another_facility_is_freed_by_dropping_the_visit_there() -> None:
    # E-1 is the only escort who speaks ru and works at one facility per date. The plan
    # has them at F-1 with V-1, so V-2 cannot take S-2 at F-2 as the plan stands; it can
    # if V-1 (priority 2), who can come on no other date, gives up its visit and E-1
    # goes to F-2. The answer used to be "no session" because the repair only looked at
    # F-2's visits.
    scenario = two_facilities().build()
    current = plan(("V-1", "S-1", "E-1", None), ("V-2", None))
    offers = checked(scenario, current, "V-2")
    assert brief(offers) == [("S-2", (), ("V-1",), 2)]
    assert offers[0].escort == "E-1"


def test_escort_busy_elsewhere_is_not_freed_when_another_one_is_free() -> None:
    # A second ru escort is free: S-2 fits as the plan stands, nobody is dropped.
    b = two_facilities()
    b.add_escort("E-2", languages=["ru"], available=WEEK)
    offers = checked(b.build(), plan(("V-1", "S-1", "E-1", None), ("V-2", None)), "V-2")
    assert [(o.session, o.escort, o.direct) for o in offers] == [("S-2", "E-2", True)]


def test_whole_plan_model_answers_when_the_local_repairs_do_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # With no time for any local repair, the whole-plan model must still find the offer
    # of the escort test above rather than claim that no session can take V-2.
    monkeypatch.setattr(offer_module, "REPAIR_BUDGET", -1.0)
    scenario = two_facilities().build()
    current = plan(("V-1", "S-1", "E-1", None), ("V-2", None))
    offers = checked(scenario, current, "V-2")
    assert brief(offers) == [("S-2", (), ("V-1",), 2)]
    assert offers[0].escort == "E-1"


def sided(b: pr.ScenarioBuilder, sides: str, max_difference: int) -> None:
    """Detainees D-A1, D-B1, ... held at F-1, one per letter of ``sides``."""
    for n, side in enumerate(sides, 1):
        b.add_detainee(f"D-{side}{n}", facility="F-1", side=side)
    b.set_reciprocity(max_difference)


def test_whole_plan_model_drops_as_many_visits_as_reciprocity_needs() -> None:
    # max_difference 0. E-1, the only ru escort, serves B1, B2 and B3 at F-2 on DAY1;
    # B4 and A5..A8 come on DAY2 at F-1: 4 visits a side. V-9 (side A, ru) can only
    # take S-1 at F-1 on DAY1, so B1..B3 must give up their visits to free E-1, which
    # leaves side B with B4 alone: side A may keep V-9 alone, so A5..A8 are dropped
    # too. No cheaper change exists; it takes more drops of one side than the local
    # repair considers, so the whole-plan model answers.
    b = pr.ScenarioBuilder(name="offers, reciprocity")
    b.add_node("F-1").add_node("F-2")
    for n in (1, 2, 3):
        b.add_detainee(f"D-B{n}", facility="F-2", side="B")
    b.add_detainee("D-B4", facility="F-1", side="B")
    for n in (5, 6, 7, 8, 9):
        b.add_detainee(f"D-A{n}", facility="F-1", side="A")
    b.set_reciprocity(0)
    session(b, "S-1")
    session(b, "S-2", facility="F-2", capacity=3)
    session(b, "S-3", DAY2, capacity=5)
    b.add_escort("E-1", languages=["ru"], available=WEEK)
    for n in (1, 2, 3):
        b.add_visit_request(f"B{n}", detainee=f"D-B{n}", available=[(DAY1, DAY1)],
                            language="ru")
    b.add_visit_request("B4", detainee="D-B4", available=[(DAY2, DAY2)])
    for n in (5, 6, 7, 8):
        b.add_visit_request(f"A{n}", detainee=f"D-A{n}", available=[(DAY2, DAY2)])
    b.add_visit_request("V-9", detainee="D-A9", available=[(DAY1, DAY1)], language="ru")
    current = plan(("B1", "S-2", "E-1", None), ("B2", "S-2", "E-1", None),
                   ("B3", "S-2", "E-1", None), ("B4", "S-3"), ("A5", "S-3"), ("A6", "S-3"),
                   ("A7", "S-3"), ("A8", "S-3"), ("V-9", None))
    offers = checked(b.build(), current, "V-9")
    assert brief(offers) == [("S-1", (), ("A5", "A6", "A7", "A8", "B1", "B2", "B3"), 7)]


def test_request_alone_under_max_difference_0_gets_no_offer() -> None:
    # Side A's only request cannot be scheduled without a visit of side B, and no side
    # B visit is in the plan: no change to the plan's visits lets it in.
    b = builder()
    b.add_detainee("D-A1", facility="F-1", side="A").add_detainee("D-B2", facility="F-1",
                                                                  side="B")
    b.set_reciprocity(0)
    session(b, "S-1")
    b.add_visit_request("V-9", detainee="D-A1", available=WEEK)
    assert offer_slots(b.build(), plan(), "V-9") == []


def test_reciprocity_keeps_the_visits_that_are_not_dropped() -> None:
    # max_difference 0; side A has V-1 and V-4, side B V-2 and V-5. V-9 (side A) can
    # only take S-1, which is free, but one side A visit must give up its own: V-4
    # (priority 2) rather than V-1 (priority 5). That leaves A: V-1, V-9 and B: V-2,
    # V-5. The offer used to be withheld: V-1, considered for dropping but kept, was
    # left out of the plan when reciprocity was checked again.
    b = pr.ScenarioBuilder(name="offers, reciprocity")
    b.add_node("F-1")
    sided(b, "ABAAB", 0)
    session(b, "S-1")
    session(b, "S-2", DAY2, capacity=5)
    session(b, "S-3", DAY3, capacity=5)
    b.add_visit_request("V-1", detainee="D-A1", available=[(DAY2, DAY2)], priority=5)
    b.add_visit_request("V-2", detainee="D-B2", available=[(DAY2, DAY2)], priority=5)
    b.add_visit_request("V-4", detainee="D-A4", available=[(DAY3, DAY3)], priority=2)
    b.add_visit_request("V-5", detainee="D-B5", available=[(DAY3, DAY3)], priority=5)
    b.add_visit_request("V-9", detainee="D-A3", available=[(DAY1, DAY1)])
    current = plan(("V-1", "S-2"), ("V-2", "S-2"), ("V-4", "S-3"), ("V-5", "S-3"),
                   ("V-9", None))
    offers = checked(b.build(), current, "V-9")
    assert brief(offers) == [("S-1", (), ("V-4",), 2)]


def test_reciprocity_drop_frees_only_the_dropped_visits_transport() -> None:
    # max_difference 1; side A has V-1 (on BUS-1, cost 7) and V-4 (on BUS-2, cost 10),
    # side B V-2. V-9 (side A) takes the free S-1 if V-4 (priority 2, not V-1 with 5)
    # gives up its visit. Only BUS-2 is freed, so the cost changes by -10; it used to
    # say -17 as if V-1, kept, had left BUS-1 too.
    b = pr.ScenarioBuilder(name="offers, reciprocity")
    b.add_node("F-1").add_node("C-1", kind="city")
    sided(b, "ABAA", 1)
    session(b, "S-1")
    session(b, "S-2", DAY2, capacity=5)
    session(b, "S-3", DAY3, capacity=5)
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY2, seats=4, cost=7)
    b.add_transport("BUS-2", origin="C-1", facility="F-1", date=DAY3, seats=4, cost=10)
    b.add_visit_request("V-1", detainee="D-A1", available=[(DAY2, DAY2)], priority=5,
                        transport_from="C-1")
    b.add_visit_request("V-2", detainee="D-B2", available=[(DAY2, DAY2)], priority=5)
    b.add_visit_request("V-4", detainee="D-A4", available=[(DAY3, DAY3)], priority=2,
                        transport_from="C-1")
    b.add_visit_request("V-9", detainee="D-A3", available=[(DAY1, DAY1)])
    current = plan(("V-1", "S-2", None, "BUS-1"), ("V-2", "S-2"),
                   ("V-4", "S-3", None, "BUS-2"), ("V-9", None))
    offers = checked(b.build(), current, "V-9")
    assert brief(offers) == [("S-1", (), ("V-4",), 2)]
    assert offers[0].transport_cost_change == -10
