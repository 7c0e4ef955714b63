"""Reasons for refused visit requests: each code where it is true, with a readable sentence."""

from __future__ import annotations

from typing import Any

import parcelroute as pr
from parcelroute.visits.index import VisitIndex
from parcelroute.visits.plan import Placement, PlanState
from parcelroute.visits.reasons import reason_for

DAY1, DAY2 = "2026-12-05", "2026-12-06"
WEEK = [("2026-12-01", "2026-12-10")]


def builder() -> pr.ScenarioBuilder:
    b = pr.ScenarioBuilder(name="reasons")
    b.add_node("F-1").add_node("F-2").add_node("C-1", kind="city")
    return b


def session(b: pr.ScenarioBuilder, sid: str, date: str = DAY1, **kw: Any) -> None:
    fields: dict[str, Any] = {"facility": "F-1", "date": date, "start": "10:00",
                              "end": "12:00", "capacity": 4}
    fields.update(kw)
    b.add_session(sid, **fields)


def refused(b: pr.ScenarioBuilder, vid: str) -> pr.VisitAssignment:
    """Solve and return the record of request ``vid``, which must be refused."""
    scenario = b.build()
    result = pr.solve(scenario)
    assert pr.verify(scenario, result) == []
    record = result.visit_by_id[vid]
    assert record.session is None
    assert record.reason is not None and record.detail
    assert record.detail.endswith(".")
    return record


def test_no_session_when_the_facility_has_none() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-2", facility="F-2")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    rec = refused(b, "V-1")
    assert rec.reason == "no_session"
    assert rec.detail == "F-1, where D-1 is held, offers no visit sessions."


def test_no_session_names_the_closed_rule() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, closed=True)
    rec = refused(b, "V-1")
    assert rec.reason == "no_session"
    assert "closed" in (rec.detail or "")


def test_full_session_is_capacity_not_no_session() -> None:
    b = builder()
    for d in ("D-1", "D-2"):
        b.add_detainee(d, facility="F-1")
    session(b, "S-1", capacity=1)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK)
    rec = refused(b, "V-2")
    assert rec.reason == "capacity"
    assert "S-1 has 1 of 1 tables taken" in (rec.detail or "")


def test_no_escort_speaks_the_language() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1")
    b.add_escort("E-1", languages=["ru"], available=WEEK)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, language="uk")
    rec = refused(b, "V-1")
    assert (rec.reason, rec.detail) == ("no_escort", "No escort speaks 'uk', the family's language.")


def test_no_escort_available_on_the_dates() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    b.add_escort("E-1", languages=["uk"], available=[("2026-12-20", "2026-12-31")])
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, language="uk")
    rec = refused(b, "V-1")
    assert rec.reason == "no_escort"
    assert "2026-12-05 or 2026-12-06" in (rec.detail or "")


def test_every_escort_busy() -> None:
    b = builder()
    for d in ("D-1", "D-2"):
        b.add_detainee(d, facility="F-1")
    session(b, "S-1")
    b.add_escort("E-1", languages=["uk"], available=WEEK, max_visits_per_day=1)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, language="uk", priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK, language="uk")
    rec = refused(b, "V-2")
    assert rec.reason == "no_escort"
    assert "E-1 has the 1 visit(s) allowed that day" in (rec.detail or "")


def test_escort_at_another_facility() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    b.add_detainee("D-2", facility="F-2")
    session(b, "S-1")
    session(b, "S-2", facility="F-2", start="14:00", end="15:00")
    b.add_escort("E-1", languages=["uk"], available=WEEK)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, language="uk", priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK, language="uk")
    rec = refused(b, "V-2")
    assert rec.reason == "no_escort"
    assert "E-1 is at F-1 that day" in (rec.detail or "")


def test_no_transport_on_the_dates() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1")
    b.add_transport("BUS-1", origin="C-1", facility="F-2", date=DAY1, seats=9)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, transport_from="C-1")
    rec = refused(b, "V-1")
    assert rec.reason == "no_seat"
    assert rec.detail == ("No transport with at least 1 seat runs from C-1 to F-1 on 2026-12-05, "
                          "the only date the family could come.")


def test_transport_full() -> None:
    b = builder()
    for d in ("D-1", "D-2"):
        b.add_detainee(d, facility="F-1")
    session(b, "S-1")
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=3)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, transport_from="C-1",
                        visitors=2, priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK, transport_from="C-1",
                        visitors=2)
    rec = refused(b, "V-2")
    assert rec.reason == "no_seat"
    assert "BUS-1 has 2 of 3 seats taken" in (rec.detail or "")


def test_priority_zero_visit_does_not_justify_an_unused_transport() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1")
    b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=3, cost=80)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, transport_from="C-1",
                        priority=0)
    rec = refused(b, "V-1")
    assert rec.reason == "cost"  # (the bus has seats: 'no_seat' would not be true)
    assert "priority 0" in (rec.detail or "")


def test_priority_zero_visit_is_scheduled_when_free() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, priority=0)
    result = pr.solve(b.build())
    assert result.visits[0].session == "S-1"


def test_detainee_limit_max_visits() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2)
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, priority=2)
    b.add_visit_request("V-2", detainee="D-1", available=WEEK)
    rec = refused(b, "V-2")
    assert rec.reason == "detainee_limit"
    assert "the 1 visit(s) allowed are taken (V-1)" in (rec.detail or "")


def test_detainee_allowed_no_visit_is_an_impossibility() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1", max_visits=0)
    session(b, "S-1")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    rec = refused(b, "V-1")
    assert rec.reason == "detainee_limit"
    assert "may receive no visit" in (rec.detail or "")


def test_keep_apart() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1")
    b.add_detainee("D-2", facility="F-1", keep_apart=["D-1"])
    session(b, "S-1")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK, priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK)
    rec = refused(b, "V-2")
    assert rec.reason == "keep_apart"
    assert "D-1 is visited at F-1 on 2026-12-05" in (rec.detail or "")


def test_reciprocity() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1", side="A")
    b.add_detainee("D-2", facility="F-1", side="B")
    session(b, "S-1")
    b.add_visit_request("V-1", detainee="D-1", available=WEEK)
    b.set_reciprocity(0)
    rec = refused(b, "V-1")
    assert rec.reason == "reciprocity"
    assert "side A would have 1 visit(s) more than side B" in (rec.detail or "")


def test_impossible_session_does_not_hide_a_full_one() -> None:
    # On 12-05 no escort is available (impossible), on 12-06 the only table is taken:
    # the request could be granted if the table were free, so the reason is capacity.
    b = builder()
    for d in ("D-1", "D-2"):
        b.add_detainee(d, facility="F-1")
    session(b, "S-1", DAY1)
    session(b, "S-2", DAY2, capacity=1)
    b.add_escort("E-1", languages=["uk"], available=[(DAY2, DAY2)])
    b.add_visit_request("V-1", detainee="D-1", available=[(DAY2, DAY2)], priority=2)
    b.add_visit_request("V-2", detainee="D-2", available=WEEK, language="uk")
    rec = refused(b, "V-2")
    assert rec.reason == "capacity"
    assert "no escort who speaks 'uk' is available on 2026-12-05" in (rec.detail or "")


def test_most_common_blocker_is_chosen() -> None:
    # Three sessions: two are full, one is blocked by the detainee's other visit.
    b = builder()
    b.add_detainee("D-1", facility="F-1", max_visits=2)
    b.add_detainee("D-2", facility="F-1")
    b.add_detainee("D-3", facility="F-1")
    session(b, "S-1", DAY1, capacity=1)
    session(b, "S-2", DAY2, capacity=1)
    session(b, "S-3", "2026-12-07", capacity=2)
    b.add_visit_request("V-1", detainee="D-2", available=[(DAY1, DAY1)], priority=3)
    b.add_visit_request("V-2", detainee="D-3", available=[(DAY2, DAY2)], priority=3)
    b.add_visit_request("V-3", detainee="D-1", available=[("2026-12-07", "2026-12-07")],
                        priority=3)
    b.add_visit_request("V-4", detainee="D-1", available=WEEK)
    rec = refused(b, "V-4")
    assert rec.reason == "capacity"


def test_reason_for_an_empty_plan_names_the_blocker() -> None:
    b = builder()
    b.add_detainee("D-1", facility="F-1", unavailable=[DAY1])
    session(b, "S-1", DAY1)
    b.add_visit_request("V-1", detainee="D-1", available=[(DAY1, DAY1)])
    state = PlanState(VisitIndex(b.build()))
    code, detail = reason_for(state, 0)
    assert code == "no_session"
    assert "unavailable" in detail


def test_a_placeable_visit_needing_an_unused_transport_is_cost_only_at_priority_zero() -> None:
    """Binds: priority 0 gives 'cost'; slack: priority 1 in the same empty plan gives
    'time_limit' (only a search stopped early leaves such a request out)."""
    for priority, code in ((0, "cost"), (1, "time_limit")):
        b = builder()
        b.add_detainee("D-1", facility="F-1")
        session(b, "S-1")
        b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=3, cost=80)
        b.add_visit_request("V-1", detainee="D-1", available=WEEK, transport_from="C-1",
                            priority=priority)
        got, detail = reason_for(PlanState(VisitIndex(b.build())), 0)
        assert got == code
        assert ("S-1 on 2026-12-05 could still take it" in detail) == (code == "time_limit")


def test_cost_only_when_every_free_session_needs_an_unused_transport() -> None:
    """Binds: V-1 (priority 0) could take S-1 only with BUS-1, used by no one: 'cost';
    slack: S-2 on another date could take it on BUS-2, which V-2 already uses, at no
    added cost: 'time_limit' (a search stopped early), whichever session comes first."""
    for shared, code in ((False, "cost"), (True, "time_limit")):
        b = builder()
        b.add_detainee("D-1", facility="F-1").add_detainee("D-2", facility="F-1")
        session(b, "S-1")
        session(b, "S-2", date=DAY2)
        b.add_transport("BUS-1", origin="C-1", facility="F-1", date=DAY1, seats=3, cost=80)
        b.add_transport("BUS-2", origin="C-1", facility="F-1", date=DAY2, seats=3, cost=80)
        b.add_visit_request("V-1", detainee="D-1", available=WEEK if shared else
                            [(DAY1, DAY1)], transport_from="C-1", priority=0)
        b.add_visit_request("V-2", detainee="D-2", available=[(DAY2, DAY2)],
                            transport_from="C-1")
        state = PlanState(VisitIndex(b.build()))
        state.add(1, Placement(1, None, 1))  # V-2 in S-2 on BUS-2
        got, _ = reason_for(state, 0)
        assert got == code
