"""Slot offers: sessions that fit directly, that need moves or reassignments, or drops."""

from __future__ import annotations

import time
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.exceptions import ParcelrouteError
from parcelroute.visits import PlanMismatchError, SlotOffer, UnknownRequestError, offer_slots

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
