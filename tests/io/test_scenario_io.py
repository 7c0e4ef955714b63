"""Reading, validating and writing scenario files."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

import parcelroute as pr
from parcelroute.io.scenario_io import MAX_PROBLEMS

DATA = Path(__file__).resolve().parent.parent / "data"


def base() -> dict[str, Any]:
    """A small valid scenario with every kind of item."""
    return {
        "format": "parcelroute-scenario/1",
        "name": "tiny",
        "start": "2026-12-01",
        "end": "2026-12-31",
        "network": {
            "nodes": [
                {"id": "HUB", "kind": "hub"},
                {"id": "X", "kind": "crossing", "daily_capacity": 5, "dwell_hours": 12},
                {"id": "F", "kind": "facility"},
                {"id": "CITY", "kind": "city"},
            ],
            "links": [
                {"from": "HUB", "to": "X", "hours": 9.5},
                {"from": "X", "to": "F", "hours": 20},
                {"from": "CITY", "to": "F", "hours": 3},
            ],
        },
        "defaults": {"max_parcels_per_detainee": 2, "max_weight_kg_per_detainee": 10},
        "detainees": [
            {"id": "D1", "side": "A", "facility": "F", "keep_apart": ["D2"]},
            {"id": "D2", "side": "B", "facility": "F"},
        ],
        "parcels": [
            {"id": "P1", "recipient": "D1", "origin": "HUB", "destination": "F",
             "weight_kg": 3.2, "volume_l": 12.5, "ready": "2026-12-02", "due": "2026-12-30",
             "priority": 2, "category": "food"},
        ],
        "batches": [
            {"id": "B1", "origin": "HUB", "departs": "2026-12-03", "stops": ["X", "F"],
             "max_weight_kg": 1500, "max_volume_l": 9000, "max_parcels": 400, "cost": 1200,
             "accepts": ["food"]},
        ],
        "sessions": [
            {"id": "S1", "facility": "F", "date": "2026-12-05", "start": "10:00", "end": "12:00",
             "capacity": 4, "max_visitors": 12},
        ],
        "visit_requests": [
            {"id": "V1", "detainee": "D1", "visitors": 2,
             "available": [{"from": "2026-12-03", "to": "2026-12-20"}], "language": "uk",
             "transport_from": "CITY"},
        ],
        "escorts": [{"id": "E1", "languages": ["uk"],
                     "available": [{"from": "2026-12-01", "to": "2026-12-31"}]}],
        "transports": [{"id": "T1", "origin": "CITY", "facility": "F", "date": "2026-12-05",
                        "seats": 40, "cost": 300}],
        "reciprocity": {"max_difference": 1},
    }


def problems_of(data: Any) -> list[pr.Problem]:
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    return list(info.value.problems)


def only_problem(data: Any) -> pr.Problem:
    found = problems_of(data)
    assert len(found) == 1, found
    return found[0]


def test_valid_scenario_reads_with_every_field() -> None:
    s = pr.read_scenario_dict(base())
    assert s.name == "tiny"
    assert s.parcels[0].weight_kg == 3.2 and s.parcels[0].category == "food"
    assert s.batches[0].accepts == frozenset({"food"})
    assert s.detainees[0].keep_apart == ("D2",)
    assert s.visit_requests[0].available[0].end.isoformat() == "2026-12-20"
    assert s.reciprocity is not None and s.reciprocity.max_difference == 1
    assert s.warnings == ()


def test_formats_example_reads() -> None:
    s = pr.read_scenario(DATA / "formats_example.json")
    assert [p.id for p in s.parcels] == ["P-000001"]
    # the example keeps D-4412 apart from a detainee it does not list: a warning, not an error
    assert any("D-5510" in w for w in s.warnings)


def test_defaults_apply_when_fields_are_missing() -> None:
    data = base()
    del data["network"]["nodes"][2]["kind"]
    for key in ("priority", "category"):
        del data["parcels"][0][key]
    del data["batches"][0]["cost"]
    del data["batches"][0]["accepts"]
    s = pr.read_scenario_dict(data)
    assert s.nodes[2].kind == "facility" and s.nodes[0].dwell_hours == 0
    assert s.parcels[0].priority == 1 and s.parcels[0].category == "standard"
    assert s.batches[0].cost == 0 and s.batches[0].accepts is None
    assert s.links[0].directed is False
    assert s.visit_requests[0].closed is False and s.sessions[0].closed is False
    assert s.detainees[0].max_visits == 1


def test_round_trip_through_dict() -> None:
    s = pr.read_scenario_dict(base())
    again = pr.read_scenario_dict(pr.scenario_to_dict(s))
    assert again == s


def test_write_and_read_file(tmp_path: Path) -> None:
    s = pr.read_scenario_dict(base())
    pr.write_scenario(s, tmp_path / "s.json")
    assert pr.read_scenario(tmp_path / "s.json") == s


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d.pop("format"), "format", ["'format'", "parcelroute-scenario/1"]),
        (lambda d: d.update(format="parcelroute-scenario/2"), "format", ["scenario/2"]),
        (lambda d: d["parcels"].append(dict(d["parcels"][0])), "parcels[1].id",
         ["unique", "P1", "parcels[0]"]),
        (lambda d: d["parcels"][0].update(destination="F-99"), "parcels[0].destination",
         ["parcel 'P1'", "F-99", "node"]),
        (lambda d: d["parcels"][0].update(recipient="D-9"), "parcels[0].recipient",
         ["parcel 'P1'", "D-9", "detainee"]),
        (lambda d: d["parcels"][0].update(weight_kg=-1), "parcels[0].weight_kg",
         ["parcel 'P1'", "-1", "between 0 and 1e9"]),
        (lambda d: d["parcels"][0].update(weight_kg="heavy"), "parcels[0].weight_kg",
         ["\"heavy\"", "number"]),
        (lambda d: d["parcels"][0].update(weight_kg=True), "parcels[0].weight_kg", ["true"]),
        (lambda d: d["parcels"][0].update(due="2026-12-01"), "parcels[0].due",
         ["on or after", "2026-12-02"]),
        (lambda d: d["parcels"][0].update(ready="2026-02-30"), "parcels[0].ready",
         ["2026-02-30", "YYYY-MM-DD"]),
        (lambda d: d["parcels"][0].update(ready="12/02/2026"), "parcels[0].ready", ["12/02/2026"]),
        (lambda d: d["parcels"][0].update(priority=1.5), "parcels[0].priority", ["whole number"]),
        (lambda d: d["parcels"][0].pop("weight_kg"), "parcels[0].weight_kg", ["missing"]),
        (lambda d: d["batches"][0].update(max_weight_kg=-5), "batches[0].max_weight_kg",
         ["batch 'B1'", "-5"]),
        (lambda d: d["batches"][0].update(max_parcels=2.5), "batches[0].max_parcels",
         ["whole number"]),
        (lambda d: d["batches"][0].update(stops=[]), "batches[0].stops", ["non-empty list"]),
        (lambda d: d["batches"][0].update(stops=["X", "NOWHERE"]), "batches[0].stops[1]",
         ["NOWHERE"]),
        (lambda d: d["batches"][0].update(accepts="food"), "batches[0].accepts", ["list"]),
        (lambda d: d["network"]["nodes"][1].update(daily_capacity=-1),
         "network.nodes[1].daily_capacity", ["node 'X'"]),
        (lambda d: d["network"]["nodes"][1].update(kind="port"), "network.nodes[1].kind",
         ["'hub'", "port"]),
        (lambda d: d["network"]["links"][0].update(to="Y"), "network.links[0].to", ["Y"]),
        (lambda d: d["network"]["links"][0].update(hours="9h"), "network.links[0].hours", ["9h"]),
        (lambda d: d.update(parcels={"id": "P1"}), "parcels", ["list"]),
        (lambda d: d["parcels"].__setitem__(0, "P1"), "parcels[0]", ["object"]),
        (lambda d: d["parcels"][0].update(id=""), "parcels[0].id", ["non-empty string"]),
        (lambda d: d["parcels"][0].update(id=17), "parcels[0].id", ["17"]),
        (lambda d: d.update(end="2026-11-01"), "end", ["on or after"]),
        (lambda d: d["sessions"][0].update(end="09:00"), "sessions[0].end", ["after", "10:00"]),
        (lambda d: d["sessions"][0].update(start="25:00"), "sessions[0].start", ["HH:MM"]),
        (lambda d: d["sessions"][0].update(capacity=-1), "sessions[0].capacity", ["session 'S1'"]),
        (lambda d: d["sessions"][0].update(facility="F-9"), "sessions[0].facility", ["F-9"]),
        (lambda d: d["visit_requests"][0].update(detainee="D-9"), "visit_requests[0].detainee",
         ["visit request 'V1'", "D-9"]),
        (lambda d: d["visit_requests"][0].update(available=[]), "visit_requests[0].available",
         ["non-empty"]),
        (lambda d: d["visit_requests"][0].update(
            available=[{"from": "2026-12-09", "to": "2026-12-03"}]),
         "visit_requests[0].available[0].to", ["on or after"]),
        (lambda d: d["visit_requests"][0].update(visitors=0), "visit_requests[0].visitors",
         ["between 1 and 1e9"]),
        (lambda d: d["visit_requests"][0].update(transport_from="NOWHERE"),
         "visit_requests[0].transport_from", ["NOWHERE"]),
        (lambda d: d["escorts"][0].update(languages="uk"), "escorts[0].languages", ["list"]),
        (lambda d: d["transports"][0].update(seats=-3), "transports[0].seats", ["transport 'T1'"]),
        (lambda d: d["detainees"][0].update(facility="F-9"), "detainees[0].facility", ["F-9"]),
        (lambda d: d["detainees"][0].update(unavailable=["soon"]), "detainees[0].unavailable",
         ["soon"]),
        (lambda d: d["reciprocity"].update(max_difference=-1), "reciprocity.max_difference",
         ["-1"]),
        (lambda d: d.update(defaults=[]), "defaults", ["object"]),
    ],
)
def test_each_malformed_field_is_named(mutate: Any, path: str, words: list[str]) -> None:
    data = copy.deepcopy(base())
    mutate(data)
    found = problems_of(data)
    match = [p for p in found if p.path == path]
    assert match, f"no problem at {path}: {found}"
    for word in words:
        assert word in match[0].message, (word, match[0].message)


def test_message_follows_the_expected_form() -> None:
    data = base()
    data["parcels"][0]["weight_kg"] = -2
    p = only_problem(data)
    assert p.message == (
        "The 'weight_kg' of parcel 'P1' must be a number between 0 and 1e9; got -2 instead."
    )
    assert str(p) == f"parcels[0].weight_kg: {p.message}"


def test_every_problem_is_listed_up_to_the_cap() -> None:
    data = base()
    data["parcels"] = [
        {"id": f"P{i}", "origin": "HUB", "destination": "F", "weight_kg": -1,
         "volume_l": 1, "ready": "2026-12-01", "due": "2026-12-02"}
        for i in range(MAX_PROBLEMS + 7)
    ]
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    assert len(info.value.problems) == MAX_PROBLEMS
    assert info.value.truncated == 7
    assert "7 more" in str(info.value)


def test_not_an_object() -> None:
    assert "JSON object" in only_problem([1, 2]).message


def test_empty_and_non_json_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(pr.InvalidScenarioError, match="empty file"):
        pr.read_scenario(empty)
    empty.write_text(" \n\t\n")  # (a file of blank space is not called empty)
    with pytest.raises(pr.InvalidScenarioError, match="got a file of blank space only instead"):
        pr.read_scenario(empty)
    broken = tmp_path / "broken.json"
    broken.write_text("{\"format\": ")
    with pytest.raises(pr.InvalidScenarioError, match="valid JSON"):
        pr.read_scenario(broken)
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps(base()).replace("3.2", "NaN"))
    with pytest.raises(pr.InvalidScenarioError, match="valid JSON"):
        pr.read_scenario(nan)


def test_invalid_scenario_error_is_a_value_error() -> None:
    assert issubclass(pr.InvalidScenarioError, ValueError)
    assert issubclass(pr.InvalidScenarioError, pr.ParcelrouteError)


def test_warnings_for_unknown_fields_and_unspoken_languages() -> None:
    data = base()
    data["parcels"][0]["wieght_kg"] = 3
    data["visit_requests"][0]["language"] = "ka"
    s = pr.read_scenario_dict(data)
    assert any("wieght_kg" in w for w in s.warnings)
    assert any("'ka'" in w for w in s.warnings)


def test_a_misspelt_field_gets_the_closest_name() -> None:
    """Binds: 'visit_request' at the top level (beside 'visit_requests') and 'wieght_kg' in
    a parcel name the field meant; a field like no other ('colour') gets no guess."""
    data = base()
    data["visit_request"] = copy.deepcopy(data["visit_requests"])
    data["parcels"][0]["wieght_kg"] = 3
    data["batches"][0]["colour"] = "red"
    warnings = pr.read_scenario_dict(data).warnings
    assert "$: unknown field(s) 'visit_request' (did you mean 'visit_requests'?) ignored." \
        in warnings
    assert "parcels[0]: unknown field(s) 'wieght_kg' (did you mean 'weight_kg'?) ignored." \
        in warnings
    assert "batches[0]: unknown field(s) 'colour' ignored." in warnings


@pytest.mark.parametrize("key", ["parcels", "visit_requests", "batches"])
def test_a_misspelt_list_the_scenario_lacks_is_refused(key: str) -> None:
    """Binds: 'parcel' holding the parcels, with no 'parcels', would leave every one out
    with a warning only; it is refused, naming the field meant. Slack: an empty one, or
    one beside the real list, is a warning (test_a_misspelt_field_gets_the_closest_name)."""
    data = base()
    misspelt = key[:-1]
    data[misspelt] = data.pop(key)
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    problems = [p for p in info.value.problems if p.path == misspelt]
    assert len(problems) == 1
    assert f"gives no {key!r} but an unknown field {misspelt!r}" in problems[0].message
    data[misspelt] = []
    assert any(repr(misspelt) in w for w in pr.read_scenario_dict(data).warnings)


def test_a_missing_field_names_the_misspelt_one_given_instead() -> None:
    """Binds: a parcel giving 'wieght_kg' and no 'weight_kg' is told which field to rename.
    Slack: a parcel giving neither is told the field is missing, and nothing more."""
    data = base()
    data["parcels"][0]["wieght_kg"] = data["parcels"][0].pop("weight_kg")
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    (problem,) = info.value.problems
    assert problem.path == "parcels[0].weight_kg"
    assert "got nothing (the field is missing, but 'wieght_kg' is given: name it " \
        "'weight_kg') instead." in problem.message
    del data["parcels"][0]["wieght_kg"]
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    (problem,) = info.value.problems
    assert problem.message.endswith("got nothing (the field is missing) instead.")


@pytest.mark.parametrize("key", ["nodes", "links"])
def test_a_misspelt_list_of_the_network_is_refused(key: str) -> None:
    """Binds: 'link' holding the links, with no 'links', is refused, naming the field meant
    (otherwise only the stops it leaves unreachable would be named). Slack: beside the
    real list it is a warning; the network as written has neither."""
    data = base()
    assert not pr.read_scenario_dict(data).warnings
    misspelt = key[:-1]
    data["network"][misspelt] = data["network"].pop(key)
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    problems = [p for p in info.value.problems if p.path == f"network.{misspelt}"]
    assert len(problems) == 1
    assert f"The 'network' of the scenario gives no {key!r} but an unknown field " \
        f"{misspelt!r} holding" in problems[0].message
    data["network"][key] = copy.deepcopy(data["network"][misspelt])
    assert f"network: unknown field(s) {misspelt!r} (did you mean {key!r}?) ignored." \
        in pr.read_scenario_dict(data).warnings


def test_unknown_fields_of_date_ranges_and_the_reciprocity_are_named() -> None:
    """Binds: a misspelt field of an availability range or of the reciprocity is named in a
    warning, not dropped unseen. Slack: the fields as written get none."""
    data = base()
    data["reciprocity"] = {"max_difference": 2}
    assert not pr.read_scenario_dict(data).warnings
    data["visit_requests"][0]["available"][0]["untill"] = "2026-12-31"
    data["reciprocity"]["max_diference"] = 0
    warnings = pr.read_scenario_dict(data).warnings
    assert "visit_requests[0].available[0]: unknown field(s) 'untill' ignored." in warnings
    assert "reciprocity: unknown field(s) 'max_diference' (did you mean 'max_difference'?) " \
        "ignored." in warnings


@pytest.mark.parametrize("network", [None, "missing"])
def test_parcels_without_a_network_say_so_first(network: str | None) -> None:
    """Binds: parcels and batches need the network; the first problem names it, before
    the node references it leaves unknown. Slack: without parcels and batches the places
    named are the nodes."""
    data = base()
    if network is None:
        data["network"] = None
    else:
        del data["network"]
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    first = info.value.problems[0]
    assert first.path == "network"
    assert "must give a 'network'; got" in first.message
    for key in ("parcels", "batches"):
        del data[key]
    assert pr.read_scenario_dict(data).visit_requests


@pytest.mark.parametrize(("key", "value", "said"), [
    ("defaults", [1, 2], "'defaults' must be an object; got a list ([1, 2]) instead."),
    ("reciprocity", "x", "'reciprocity' must be an object; got a string (\"x\") instead."),
    ("network", 5, "'network' must be an object; got a number (5) instead."),
    ("parcels", {"id": "P1"}, "'parcels' must be a list of objects; got an object "
                              "({\"id\": \"P1\"}) instead.")])
def test_a_part_of_the_wrong_type_shows_the_value_received(key: str, value: Any,
                                                           said: str) -> None:
    data = base()
    data[key] = value
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    assert said in [p.message for p in info.value.problems]


def test_a_visit_to_a_detainee_at_an_unknown_facility_says_why() -> None:
    """The detainee's 'facility' names no node: the request's problem points at it rather
    than saying the detainee has none."""
    data = base()
    data["detainees"][0]["facility"] = "F-99"
    found = problems_of(data)
    assert [p.path for p in found] == ["detainees[0].facility", "visit_requests[0].detainee"]
    assert "whose 'facility' is not valid (see detainees[0].facility)" in found[1].message
    assert "who has none" not in found[1].message


def test_a_visit_to_a_detainee_without_a_facility_says_so() -> None:
    """Without any 'facility' the request's problem says the detainee has none."""
    data = base()
    del data["detainees"][0]["facility"]
    problem = only_problem(data)
    assert problem.path == "visit_requests[0].detainee"
    assert "who has none" in problem.message


def test_volume_may_be_left_out() -> None:
    data = base()
    del data["parcels"][0]["volume_l"]
    assert pr.read_scenario_dict(data).parcels[0].volume_l == 0


def test_halves_are_optional() -> None:
    data = base()
    for key in ("sessions", "visit_requests", "escorts", "transports", "reciprocity"):
        data.pop(key)
    assert pr.read_scenario_dict(data).visit_requests == ()
    data = base()
    for key in ("parcels", "batches"):
        data.pop(key)
    assert pr.read_scenario_dict(data).parcels == ()


def test_builder_validates_like_a_file() -> None:
    b = pr.ScenarioBuilder(name="built")
    b.add_node("HUB", kind="hub").add_node("F").add_link("HUB", "F", 5)
    b.add_parcel("P1", origin="HUB", destination="F", weight_kg=-1, volume_l=1,
                 ready="2026-12-01", due="2026-12-02")
    with pytest.raises(pr.InvalidScenarioError, match="weight_kg"):
        b.build()


@pytest.mark.parametrize(("add", "said"), [
    (lambda b: b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F"],
                           max_wieght_kg=1),
     "add_batch() got an unexpected keyword argument 'max_wieght_kg' (did you mean "
     "'max_weight_kg'?); expected the fields accepts, cost, departs, max_parcels, "
     "max_volume_l, max_weight_kg, origin, stops."),
    (lambda b: b.add_node("X", kind="crossing", capacity=5),
     "add_node() got an unexpected keyword argument 'capacity'; expected the fields "
     "daily_capacity, dwell_hours, kind."),
    (lambda b: b.set_defaults(max_parcels=2), "set_defaults() got an unexpected keyword "
     "argument 'max_parcels'; expected the fields max_parcels_per_detainee, "
     "max_weight_kg_per_detainee."),
    (lambda b: b.add_visit_request("V-1", detainee="D-1", avilable=[]),
     "'avilable' (did you mean 'available'?)"),
])
def test_a_builder_keyword_that_is_no_field_is_refused_at_once(add: Any, said: str) -> None:
    """Binds: a misspelt or foreign field (a misspelt limit would be no limit); slack:
    every field of the format, which the builder takes (the other tests)."""
    b = pr.ScenarioBuilder(name="built")
    b.add_node("HUB", kind="hub").add_node("F").add_link("HUB", "F", 5)
    with pytest.raises(TypeError) as err:
        add(b)
    assert said in str(err.value)


def test_every_field_of_the_format_is_a_builder_keyword() -> None:
    b = pr.ScenarioBuilder(name="built", start="2026-12-01", end="2026-12-31")
    b.add_node("HUB", kind="hub").add_node("X", kind="crossing", daily_capacity=5,
                                           dwell_hours=2).add_node("F")
    b.add_link("HUB", "X", 5).add_link("X", "F", 5)
    b.set_defaults(max_parcels_per_detainee=2, max_weight_kg_per_detainee=10)
    b.add_detainee("D-1", side="A", facility="F", max_parcels=1, max_weight_kg=5,
                   max_visits=2, unavailable=["2026-12-12"], keep_apart=["D-2"])
    b.add_detainee("D-2", side="B", facility="F")
    b.add_parcel("P-1", recipient="D-1", origin="HUB", destination="F", weight_kg=1,
                 volume_l=1, ready="2026-12-01", due="2026-12-05", priority=2,
                 category="food")
    b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["X", "F"], max_weight_kg=9,
                max_volume_l=9, max_parcels=9, cost=10, accepts=["food"])
    b.add_session("S-1", facility="F", date="2026-12-05", start="10:00", end="12:00",
                  capacity=2, max_visitors=4, closed=False)
    b.add_visit_request("V-1", detainee="D-2", visitors=2, available=[("2026-12-01",
                        "2026-12-09")], priority=1, language="uk", transport_from="HUB",
                        closed=False)
    b.add_escort("E-1", languages=["uk"], available=[("2026-12-01", "2026-12-31")],
                 max_visits_per_day=3)
    b.add_transport("T-1", origin="HUB", facility="F", date="2026-12-05", seats=8, cost=5)
    s = b.build()
    assert (len(s.parcels), len(s.batches), len(s.visit_requests), s.warnings) == (1, 1, 1, ())


def test_warnings_of_a_valid_scenario_go_to_the_log_once(
        caplog: pytest.LogCaptureFixture) -> None:
    """Binds: an unknown field is logged as a warning; slack: a scenario without one logs
    nothing."""
    data = base()
    with caplog.at_level(logging.WARNING, logger="parcelroute"):
        pr.read_scenario_dict(data)
    assert caplog.records == []
    data["parcels"][0]["colour"] = "red"
    with caplog.at_level(logging.WARNING, logger="parcelroute"):
        s = pr.read_scenario_dict(data)
    assert [r.getMessage() for r in caplog.records] == list(s.warnings)
    assert "'colour' ignored" in s.warnings[0]


# -- limits: numbers that would overflow the solver are refused -----------------------
@pytest.mark.parametrize(
    ("mutate", "path", "expected", "shown"),
    [
        (lambda d: d["parcels"][0].update(weight_kg=1e300), "parcels[0].weight_kg",
         "a number between 0 and 1e9", "1e+300"),
        (lambda d: d["parcels"][0].update(volume_l=10**30), "parcels[0].volume_l",
         "a number between 0 and 1e9", "1000000000000000000000000000000"),
        (lambda d: d["parcels"][0].update(priority=2**63), "parcels[0].priority",
         "a whole number between 0 and 1e9", "9223372036854775808"),
        (lambda d: d["batches"][0].update(max_weight_kg=1e30), "batches[0].max_weight_kg",
         "a number between 0 and 1e9", "1e+30"),
        (lambda d: d["batches"][0].update(max_parcels=10**30), "batches[0].max_parcels",
         "a whole number between 0 and 1e9", "1000000000000000000000000000000"),
        (lambda d: d["batches"][0].update(cost=1e30), "batches[0].cost",
         "a number between 0 and 1e12", "1e+30"),
        (lambda d: d["transports"][0].update(cost=10**4400), "transports[0].cost",
         "a number between 0 and 1e12", "a whole number of thousands of digits"),
        (lambda d: d["network"]["nodes"][1].update(dwell_hours=1e8), "network.nodes[1].dwell_hours",
         "a number between 0 and 1e5", "100000000.0"),
        (lambda d: d["network"]["links"][0].update(hours=100001), "network.links[0].hours",
         "a number between 0 and 1e5", "100001"),
        (lambda d: d["visit_requests"][0].update(priority=10**30), "visit_requests[0].priority",
         "a whole number between 0 and 1e9", "1000000000000000000000000000000"),
        (lambda d: d["visit_requests"][0].update(visitors=10**10), "visit_requests[0].visitors",
         "a whole number between 1 and 1e9", "10000000000"),
        (lambda d: d["defaults"].update(max_weight_kg_per_detainee=1e10),
         "defaults.max_weight_kg_per_detainee", "a number between 0 and 1e9", "10000000000.0"),
        (lambda d: d["reciprocity"].update(max_difference=10**30), "reciprocity.max_difference",
         "a whole number between 0 and 1e9", "1000000000000000000000000000000"),
        (lambda d: d["transports"][0].update(seats=2e9), "transports[0].seats",
         "a whole number between 0 and 1e9", "2000000000.0"),
    ],
)
def test_numbers_beyond_their_limit_are_refused(mutate: Any, path: str, expected: str,
                                                shown: str) -> None:
    data = copy.deepcopy(base())
    mutate(data)
    match = [p for p in problems_of(data) if p.path == path]
    assert match, path
    assert f"must be {expected}; got {shown} instead." in match[0].message


def test_numbers_at_their_limits_are_accepted() -> None:
    data = base()
    data["parcels"][0].update(weight_kg=1e9, volume_l=1e9, priority=10**9)
    data["batches"][0].update(max_weight_kg=1e9, max_volume_l=1e9, max_parcels=10**9, cost=1e12)
    data["network"]["nodes"][1].update(dwell_hours=1e5, daily_capacity=10**9)
    data["network"]["links"][0].update(hours=1e5)
    data["transports"][0].update(cost=1e12, seats=10**9)
    data["reciprocity"]["max_difference"] = 10**9
    s = pr.read_scenario_dict(data)
    assert s.batches[0].cost == 1e12 and s.links[0].hours == 1e5


def test_a_batch_must_reach_its_stops_by_the_last_date_there_is() -> None:
    data = base()
    data["batches"][0]["departs"] = "9999-12-31"  # X is 9.5 h away: still 9999-12-31
    data["network"]["links"][1]["hours"] = 14  # F after 9.5 + 12 (dwell at X) + 14 h: 10000-01-01
    problem = only_problem(data)
    assert problem.path == "batches[0].stops[1]"
    assert problem.message == (
        "The 'stops' of batch 'B1' must all be reached by 9999-12-31, the last date there is; "
        "got 'F', reached 1 day after the departure on 9999-12-31, instead.")
    data["network"]["nodes"][1]["dwell_hours"] = 0
    data["network"]["links"][1]["hours"] = 13.5  # F after 23 h: on 9999-12-31
    data["parcels"][0].update(ready="9999-12-30", due="9999-12-31")
    assert pr.read_scenario_dict(data).batches[0].departs.year == 9999


def test_file_errors_say_where(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    text = json.dumps(base(), indent=1)
    path.write_text(text.replace('"weight_kg": 3.2', '"weight_kg": Infinity'))
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario(path)
    (problem,) = info.value.problems
    line, column = next((n, t.index("Infinity") + 1)
                        for n, t in enumerate(path.read_text().splitlines(), 1) if "Infinity" in t)
    assert problem.path == "parcels[0].weight_kg"
    assert (f"Infinity, which is not a JSON number (line {line}, column {column}, "
            "at parcels[0].weight_kg)") in problem.message
    path.write_text('{"format": ' + "[" * 50_000 + "]" * 50_000 + "}")
    with pytest.raises(pr.InvalidScenarioError, match="nested 50001 levels deep"):
        pr.read_scenario(path)
    path.write_text('{"format": "parcelroute-scenario/1", "name": ' + "9" * 4400 + "}")
    with pytest.raises(pr.InvalidScenarioError, match="more than 4300 digits"):
        pr.read_scenario(path)


@pytest.mark.parametrize("hidden", ["NaN", "Infinity"])
def test_a_literal_hidden_under_a_repeated_key_names_that_key(tmp_path: Path, hidden: str) -> None:
    """Binds: a NaN given before the same key's good value is gone from what was read; the
    repeated key is named where it stands, not the whole file. Slack: a NaN under a key
    given once is named at its own path."""
    path = tmp_path / "s.json"
    text = json.dumps(base(), indent=1)
    path.write_text(text.replace('"weight_kg": 3.2', f'"weight_kg": {hidden}, "weight_kg": 3.2'))
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario(path)
    (problem,) = info.value.problems
    assert problem.path == "parcels[0]"
    assert '"weight_kg" more than once in the object at parcels[0]' in problem.message
    path.write_text(text.replace('"weight_kg": 3.2', f'"weight_kg": {hidden}'))
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario(path)
    (problem,) = info.value.problems
    assert problem.path == "parcels[0].weight_kg"
    assert f"got {hidden}, which is not a JSON number" in problem.message


def test_a_key_given_twice_in_one_object_is_refused(tmp_path: Path) -> None:
    # JSON leaves a repeated key undefined, and Python keeps the last value: a bad weight
    # hidden before a good one would pass unseen
    path = tmp_path / "s.json"
    text = json.dumps(base(), indent=1)
    path.write_text(text.replace('"weight_kg": 3.2', '"weight_kg": -5, "weight_kg": 3.2'))
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario(path)
    (problem,) = info.value.problems
    assert problem.path == "parcels[0]"
    assert '"weight_kg" more than once in the object at parcels[0]' in problem.message
    path.write_text(text)  # the same file without the repeat reads
    assert pr.read_scenario(path).parcels[0].weight_kg == 3.2


def test_half_of_a_surrogate_pair_is_refused_where_it_is(tmp_path: Path) -> None:
    """Binds: JSON can escape half of a UTF-16 surrogate pair alone (no character, so no
    plan or message could be written with it); the error names the field. A whole pair is
    one character and reads (slack)."""
    path = tmp_path / "s.json"
    text = json.dumps(base(), indent=1)
    path.write_text(text.replace('"P1"', '"P-\\ud800"', 1))
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario(path)
    (problem,) = info.value.problems
    assert problem.path == "parcels[0].id"
    assert "the escape \\ud800 at parcels[0].id, half of a surrogate pair" in problem.message
    path.write_text(text.replace('"P1"', '"P-\\ud83d\\ude00"', 1))
    assert pr.read_scenario(path).parcels[0].id == "P-\U0001f600"


def test_half_of_a_surrogate_pair_in_a_dictionary_is_refused() -> None:
    """A dictionary built in code can hold one too: the id is refused like a missing one."""
    data = base()
    data["parcels"][0]["id"] = "P-\udc00"
    with pytest.raises(pr.InvalidScenarioError) as info:
        pr.read_scenario_dict(data)
    assert [p.path for p in info.value.problems] == ["parcels[0].id"]


def test_a_plan_with_half_of_a_surrogate_pair_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"format": "parcelroute-plan/1", "status": "optimal\\udbff"}')
    with pytest.raises(pr.InvalidPlanError, match="escape \\\\udbff at status"):
        pr.read_plan(path)


def test_a_plan_that_gives_a_key_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"format": "parcelroute-plan/1", "status": "optimal", "status": "feasible"}')
    with pytest.raises(pr.InvalidPlanError, match='"status" more than once in the object at \\$'):
        pr.read_plan(path)


def test_items_that_share_a_warning_share_one_line() -> None:
    """Binds: 40 parcels with the same unknown field and 30 requests in a language no escort
    speaks give one warning each, naming five items and how many more; an item alone
    keeps a warning of its own."""
    data = base()
    first = data["parcels"][0]
    data["parcels"] = [dict(first, id=f"P-{k}", notes="fragile") for k in range(40)]
    data["batches"][0]["colour"] = "red"
    request = data["visit_requests"][0]
    data["visit_requests"] = [dict(request, id=f"VR-{k}", language="ka") for k in range(30)]
    s = pr.read_scenario_dict(data)
    notes = [w for w in s.warnings if "'notes'" in w]
    assert notes == ["parcels[0], parcels[1], parcels[2], parcels[3], parcels[4] and 35 more: "
                     "unknown field(s) 'notes' ignored."]
    assert [w for w in s.warnings if "'colour'" in w] == [
        "batches[0]: unknown field(s) 'colour' ignored."]
    languages = [w for w in s.warnings if "'ka'" in w]
    assert languages == ["no escort speaks 'ka': 30 visit requests ('VR-0', 'VR-1', 'VR-2', "
                         "'VR-3', 'VR-4' and 25 more) cannot be granted."]


def _visits_only() -> dict[str, Any]:
    return json.loads((DATA / "visits_small.json").read_text())


def test_a_visits_only_file_may_leave_the_network_out() -> None:
    """Binds: without a network the places the visit items name are its nodes (facilities,
    and cities for transport origins), and the month solves as with the network."""
    with_network = pr.read_scenario_dict(_visits_only())
    data = _visits_only()
    del data["network"]
    s = pr.read_scenario_dict(data)
    assert {(n.id, n.kind) for n in s.nodes} == {("F-07", "facility"), ("CITY-K", "city")}
    assert pr.solve(s).objective == pr.solve(with_network).objective


def test_a_visits_only_file_with_a_network_must_name_its_nodes() -> None:
    """Does not bind: with a network, a session at a place it lacks is refused."""
    data = _visits_only()
    data["sessions"][0]["facility"] = "F-99"
    with pytest.raises(pr.InvalidScenarioError, match=r"sessions\[0\]\.facility"):
        pr.read_scenario_dict(data)


def test_a_file_with_parcels_needs_its_network() -> None:
    """Does not bind: parcels need the network's paths, so without one their nodes are unknown."""
    data = base()
    del data["network"]
    with pytest.raises(pr.InvalidScenarioError, match="must be the id of a node of the network"):
        pr.read_scenario_dict(data)


def test_items_outside_the_horizon_and_odd_routes_are_warned_of() -> None:
    """Binds: a session and a transport dated after the scenario's end, a batch calling at
    its origin and one calling at a stop twice each get a warning naming them; the
    scenario still reads and keeps them."""
    data = base()
    data["sessions"].append({"id": "S-JAN", "facility": "F", "date": "2027-01-04",
                             "start": "10:00", "end": "12:00", "capacity": 2})
    data["transports"][0]["date"] = "2027-01-04"
    data["batches"].append({"id": "B-BACK", "origin": "HUB", "departs": "2026-12-04",
                            "stops": ["X", "HUB"], "cost": 10})
    data["batches"].append({"id": "B-TWICE", "origin": "HUB", "departs": "2026-12-04",
                            "stops": ["X", "F", "X"], "cost": 10})
    s = pr.read_scenario_dict(data)
    assert "1 session(s) ('S-JAN') lie outside the scenario's horizon 2026-12-01 to " \
        "2026-12-31; they are planned like the others." in s.warnings
    assert any(w.startswith("1 transport(s) (") and "outside" in w for w in s.warnings)
    assert any(w.startswith("1 batch(es) ('B-BACK') list their own origin") for w in s.warnings)
    assert "1 batch(es) ('B-TWICE') call at a stop more than once; a parcel for that stop " \
        "arrives at the first call." in s.warnings
    assert [x.id for x in s.sessions][-1] == "S-JAN" and len(s.batches) == 3


def test_items_inside_the_horizon_and_plain_routes_get_no_warning() -> None:
    """Does not bind: the same kinds of items, on dates within the horizon and on routes
    that call at each stop once, away from their origin."""
    data = base()
    data["sessions"].append({"id": "S-LAST", "facility": "F", "date": "2026-12-31",
                             "start": "10:00", "end": "12:00", "capacity": 2})
    data["batches"].append({"id": "B-2", "origin": "HUB", "departs": "2026-12-04",
                            "stops": ["X", "F"], "cost": 10})
    assert pr.read_scenario_dict(data).warnings == ()
