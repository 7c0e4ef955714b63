"""Tests of the synthetic month generator and the shipped example scenarios."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from parcelroute import Scenario, read_scenario, read_scenario_dict
from parcelroute.generate import generate_scenario, generate_scenario_dict

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
VISIT_KEYS = ("sessions", "visit_requests", "escorts", "transports", "reciprocity")
PARCEL_KEYS = ("defaults", "parcels", "batches")


def text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


@pytest.fixture(scope="module")
def both() -> dict[str, Any]:
    return generate_scenario_dict(parcels=2000, visits=300, seed=7)


@pytest.fixture(scope="module")
def both_scenario(both: dict[str, Any]) -> Scenario:
    return read_scenario_dict(both)


# -- determinism ------------------------------------------------------------------
def test_same_seed_gives_byte_identical_json() -> None:
    first = text(generate_scenario_dict(parcels=500, visits=80, seed=11))
    second = text(generate_scenario_dict(parcels=500, visits=80, seed=11))
    assert first == second


def test_different_seeds_differ() -> None:
    a = generate_scenario_dict(parcels=500, visits=80, seed=1)
    b = generate_scenario_dict(parcels=500, visits=80, seed=2)
    assert a["parcels"] != b["parcels"]
    assert a["visit_requests"] != b["visit_requests"]
    assert a["name"] != b["name"]


def test_generate_scenario_validates_the_same_data() -> None:
    scenario = generate_scenario(parcels=300, visits=40, seed=3, name="check")
    data = generate_scenario_dict(parcels=300, visits=40, seed=3, name="check")
    assert scenario == read_scenario_dict(data)
    assert scenario.name == "check"


# -- validity and counts ------------------------------------------------------------
@pytest.mark.parametrize(
    ("parcels", "visits"), [(2000, 300), (2000, 0), (0, 300), (1, 1), (37, 5), (0, 0)]
)
def test_output_validates_and_counts_are_as_asked(parcels: int, visits: int) -> None:
    data = generate_scenario_dict(parcels=parcels, visits=visits, seed=5)
    scenario = read_scenario_dict(data)  # raises InvalidScenarioError on any problem
    assert len(scenario.parcels) == parcels
    assert len(scenario.visit_requests) == visits
    assert scenario.warnings == ()
    assert data["format"] == "parcelroute-scenario/1"
    assert (scenario.start, scenario.end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_default_name() -> None:
    assert generate_scenario_dict(2000, seed=7)["name"] == "Synthetic month, 2000 parcels, seed 7"
    assert (generate_scenario_dict(0, 30, seed=7)["name"]
            == "Synthetic month, 30 visit requests, seed 7")
    assert (generate_scenario_dict(20, 30, seed=7)["name"]
            == "Synthetic month, 20 parcels, 30 visit requests, seed 7")


def test_parcels_only_file_has_no_visit_half() -> None:
    data = generate_scenario_dict(parcels=400, visits=0, seed=2)
    for key in VISIT_KEYS:
        assert key not in data
    assert data["parcels"] and data["batches"]
    assert {d["side"] for d in data["detainees"]} == {"A"}


def test_visits_only_file_has_no_parcel_half() -> None:
    data = generate_scenario_dict(parcels=0, visits=200, seed=2)
    for key in PARCEL_KEYS:
        assert key not in data
    assert all("daily_capacity" not in n for n in data["network"]["nodes"])
    assert data["sessions"] and data["visit_requests"] and data["escorts"] and data["transports"]
    assert {d["side"] for d in data["detainees"]} == {"A", "B"}


def test_other_horizon() -> None:
    data = generate_scenario_dict(parcels=300, visits=50, seed=4, start=dt.date(2027, 3, 1),
                                  days=14)
    scenario = read_scenario_dict(data)
    first, last = dt.date(2027, 3, 1), dt.date(2027, 3, 14)
    assert (scenario.start, scenario.end) == (first, last)
    assert all(first <= p.ready <= p.due <= last for p in scenario.parcels)
    assert all(first <= b.departs <= last for b in scenario.batches)
    assert all(first <= s.date <= last for s in scenario.sessions)
    assert all(first <= r.start <= r.end <= last
               for req in scenario.visit_requests for r in req.available)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"parcels": -1}, "parcels"), ({"parcels": 5, "visits": -2}, "visits"),
     ({"parcels": 5, "days": 0}, "days"), ({"parcels": 2.5}, "parcels")],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"The '{field}' of a generated scenario must be"):
        generate_scenario_dict(**kwargs)


# -- references ---------------------------------------------------------------------
def test_every_reference_resolves(both: dict[str, Any]) -> None:
    kind = {n["id"]: n["kind"] for n in both["network"]["nodes"]}
    for link in both["network"]["links"]:
        assert link["from"] in kind and link["to"] in kind
    detainees = {d["id"]: d for d in both["detainees"]}
    for d in detainees.values():
        assert kind[d["facility"]] == "facility"
        assert d["side"] in ("A", "B")
        for other in d.get("keep_apart", []):
            assert other != d["id"]
            assert detainees[other]["facility"] == d["facility"]
    for p in both["parcels"]:
        assert kind[p["origin"]] == "hub"
        assert p["destination"] == detainees[p["recipient"]]["facility"]
    for b in both["batches"]:
        assert kind[b["origin"]] == "hub"
        assert kind[b["stops"][0]] == "crossing"
        assert 2 <= len(b["stops"]) - 1 <= 5
        assert all(kind[s] == "facility" for s in b["stops"][1:])
    session_dates = {(s["facility"], s["date"]) for s in both["sessions"]}
    for s in both["sessions"]:
        assert kind[s["facility"]] == "facility"
    for r in both["visit_requests"]:
        facility = detainees[r["detainee"]]["facility"]
        assert any(f == facility for f, _ in session_dates)
        if "transport_from" in r:
            assert kind[r["transport_from"]] == "city"
    for t in both["transports"]:
        assert kind[t["origin"]] == "city"
        assert (t["facility"], t["date"]) in session_dates
    spoken = {lang for e in both["escorts"] for lang in e["languages"]}
    assert {r["language"] for r in both["visit_requests"] if "language" in r} <= spoken


# -- the parcel half looks like the operation ------------------------------------------
def compatible_batches(scenario: Scenario) -> list[int]:
    """Per parcel, how many batches could carry it (the rules of DOMAIN.md, recomputed)."""
    arrivals = {b.id: scenario.network.arrival_dates(b) for b in scenario.batches}
    by_origin: dict[str, list[Any]] = {}
    for b in scenario.batches:
        by_origin.setdefault(b.origin, []).append(b)
    counts = []
    for p in scenario.parcels:
        n = 0
        for b in by_origin.get(p.origin, []):
            if p.destination not in b.stops or b.departs < p.ready:
                continue
            if b.accepts is not None and p.category not in b.accepts:
                continue
            arrives = arrivals[b.id][b.stops.index(p.destination)]
            if arrives is not None and arrives <= p.due:
                n += 1
        counts.append(n)
    return counts


def test_a_few_percent_of_parcels_have_no_compatible_batch(both_scenario: Scenario) -> None:
    counts = compatible_batches(both_scenario)
    stuck = sum(1 for n in counts if n == 0)
    assert 0.005 * len(counts) <= stuck <= 0.08 * len(counts)
    # Both kinds of impossibility occur: handed in too late, and no route from the hub.
    routes = {(b.origin, s) for b in both_scenario.batches for s in b.stops}
    unserved = [p for p in both_scenario.parcels if (p.origin, p.destination) not in routes]
    assert unserved
    assert any(n == 0 and (p.origin, p.destination) in routes
               for p, n in zip(both_scenario.parcels, counts, strict=True))


def test_network_shape_at_reference_volume(both: dict[str, Any]) -> None:
    nodes = both["network"]["nodes"]
    kinds = Counter(n["kind"] for n in nodes)
    assert 2 <= kinds["hub"] <= 3
    assert 2 <= kinds["crossing"] <= 3
    assert 20 <= kinds["facility"] <= 45  # the far side, plus the visited home-side facilities
    assert kinds["city"] >= 3
    for n in nodes:
        if n["kind"] == "crossing":
            assert n["daily_capacity"] > 0
            assert 6 <= n["dwell_hours"] <= 14
    hours = [link["hours"] for link in both["network"]["links"]]
    assert any(h != int(h) for h in hours)
    assert any(link.get("directed") for link in both["network"]["links"])
    assert sum(1 for link in both["network"]["links"] if not link.get("directed")) > len(hours) / 2


def test_batches_look_like_a_fleet(both: dict[str, Any]) -> None:
    batches = both["batches"]
    assert 60 <= len(batches) <= 400
    assert any(b.get("accepts") == ["food"] for b in batches)
    assert any(b.get("accepts") == ["drawings", "letters"] for b in batches)
    assert len({b["cost"] for b in batches}) > 3
    for b in batches:
        assert b["max_parcels"] > 0 and b["max_weight_kg"] > 0 and b["cost"] > 0
    # Each route departs on fixed weekdays, several times over the month.
    weekdays: dict[str, set[int]] = {}
    for b in batches:
        route = b["id"].rsplit("-", 1)[0]
        weekdays.setdefault(route, set()).add(dt.date.fromisoformat(b["departs"]).weekday())
    assert all(len(days) <= 3 for days in weekdays.values())
    # Total capacity exceeds the demand, so the cheapest plan leaves batches unused.
    assert sum(b["max_parcels"] for b in batches) > 1.2 * len(both["parcels"])


def test_parcels_look_like_a_december(both: dict[str, Any]) -> None:
    parcels = both["parcels"]
    cats = Counter(p["category"] for p in parcels)
    assert set(cats) == {"letters", "drawings", "food", "clothes", "hygiene", "medicine"}
    assert cats["medicine"] < cats["food"]
    end = dt.date(2026, 12, 31)
    for p in parcels:
        ready, due = dt.date.fromisoformat(p["ready"]), dt.date.fromisoformat(p["due"])
        assert ready <= due <= end
        assert p["priority"] in (1, 2, 3)
        assert p["weight_kg"] > 0 and p["volume_l"] > 0
        assert round(p["weight_kg"], 2) == p["weight_kg"]
        if p["category"] == "letters":
            assert 0.02 <= p["weight_kg"] <= 0.2
        elif p["category"] == "food":
            assert 1 <= p["weight_kg"] <= 8
            assert (due - ready).days in range(7, 13) or due == end
        elif p["category"] == "clothes":
            assert 1 <= p["weight_kg"] <= 5
    assert any(p["due"] == "2026-12-24" and p["priority"] >= 2 for p in parcels)
    # A peak before the holiday: the week before 24 December is busier than the first week.
    ready = Counter(p["ready"] for p in parcels)
    peak = sum(ready[f"2026-12-{d:02d}"] for d in range(14, 23))
    early = sum(ready[f"2026-12-{d:02d}"] for d in range(1, 10))
    assert peak > 1.5 * early


def test_detainees_and_recipient_limits(both: dict[str, Any]) -> None:
    parcels = both["parcels"]
    recipients = Counter(p["recipient"] for p in parcels)
    side_a = [d for d in both["detainees"] if d["side"] == "A"]
    assert len(parcels) / 2 <= len(side_a) <= len(parcels)
    limit = both["defaults"]["max_parcels_per_detainee"]
    assert limit in (2, 3)
    assert 10 <= both["defaults"]["max_weight_kg_per_detainee"] <= 15
    assert any(n > limit for n in recipients.values())
    assert any("max_parcels" in d or "max_weight_kg" in d for d in both["detainees"])


# -- the visit half -----------------------------------------------------------------
def test_visit_half_has_every_feature(both: dict[str, Any]) -> None:
    sessions, requests = both["sessions"], both["visit_requests"]
    assert any(s["closed"] for s in sessions)
    assert all(3 <= s["capacity"] <= 8 or s["closed"] for s in sessions)
    assert all(s["start"] < s["end"] for s in sessions)
    # Demand exceeds supply somewhat.
    assert sum(s["capacity"] for s in sessions) < len(requests)
    n = len(requests)
    assert 0.15 * n <= sum("language" in r for r in requests) <= 0.35 * n
    assert 0.2 * n <= sum("transport_from" in r for r in requests) <= 0.45 * n
    assert 0 < sum(r.get("closed", False) for r in requests) <= 0.1 * n
    assert all(1 <= r["visitors"] <= 4 and r["priority"] in (1, 2, 3) for r in requests)
    assert {len(r["available"]) for r in requests} == {1, 2}
    visited = {r["detainee"] for r in requests}
    detainees = [d for d in both["detainees"] if d["id"] in visited]
    assert any(d.get("max_visits") == 2 for d in detainees)
    assert any(d.get("unavailable") for d in detainees)
    assert any(d.get("keep_apart") for d in detainees)
    assert all(1 <= len(e["languages"]) <= 3 for e in both["escorts"])
    assert both["reciprocity"]["max_difference"] == 15


# -- examples -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "kwargs"),
    [
        ("december_2026.json", {"parcels": 2000, "seed": 2026, "name": "December 2026"}),
        ("family_visits_2026.json",
         {"parcels": 0, "visits": 300, "seed": 2026, "name": "December 2026 visits"}),
    ],
)
def test_shipped_examples_are_current(filename: str, kwargs: dict[str, Any]) -> None:
    path = EXAMPLES / filename
    shipped = path.read_text(encoding="utf-8")
    assert len(shipped.encode("utf-8")) < 2_000_000
    assert shipped == text(generate_scenario_dict(**kwargs)) + "\n"
    assert read_scenario(path).name == kwargs["name"]
