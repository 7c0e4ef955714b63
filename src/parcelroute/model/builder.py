"""Build a scenario in code, with the same validation as a scenario file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from parcelroute.model.scenario import SCENARIO_FORMAT, Scenario

__all__ = ["ScenarioBuilder"]


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_iso(v) for v in value]
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    return value


#: The ``add_*`` method that adds each kind of item.
_METHOD = {"nodes": "add_node", "defaults": "set_defaults", "detainees": "add_detainee",
           "parcels": "add_parcel", "batches": "add_batch", "sessions": "add_session",
           "visit_requests": "add_visit_request", "escorts": "add_escort",
           "transports": "add_transport"}


def _check_fields(kind: str, fields: dict[str, Any]) -> None:
    """Refuse a keyword that is no field of ``kind`` (a misspelt limit would be no limit)."""
    from parcelroute.io.scenario_io import FIELDS, _closest

    allowed = FIELDS[kind] - {"id"}
    for key in fields:
        if key not in FIELDS[kind]:
            close = _closest(key, allowed)
            guess = f" (did you mean {close!r}?)" if close else ""
            raise TypeError(f"{_METHOD[kind]}() got an unexpected keyword argument "
                            f"{key!r}{guess}; expected the fields "
                            f"{', '.join(sorted(allowed))}.")


class ScenarioBuilder:
    """Collects nodes, parcels, batches, sessions and requests, then validates them.

    Every ``add_*`` method takes the fields of the scenario file format as
    keyword arguments (dates may be :class:`datetime.date` or ISO strings) and
    returns the builder, so calls can be chained; a keyword that is no field
    of the item raises :class:`TypeError` at once. :meth:`build` validates the
    whole scenario at once and raises :class:`~parcelroute.InvalidScenarioError`
    listing every problem.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="two parcels")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=30)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_parcels=1, cost=100)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=1,
    ...                  volume_l=1, ready="2026-12-01", due="2026-12-02")
    >>> b.build().batches[0].stops
    ('F-1',)
    """

    def __init__(self, name: str = "", start: Any = None, end: Any = None) -> None:
        self.name = name
        self._data: dict[str, Any] = {"format": SCENARIO_FORMAT, "name": name}
        if start is not None:
            self._data["start"] = _iso(start)
        if end is not None:
            self._data["end"] = _iso(end)
        self._data["network"] = {"nodes": [], "links": []}

    def __repr__(self) -> str:
        return f"ScenarioBuilder(name={self.name!r})"

    def _add(self, key: str, fields: dict[str, Any]) -> ScenarioBuilder:
        _check_fields(key, fields)
        self._data.setdefault(key, []).append(
            {k: _iso(v) for k, v in fields.items() if v is not None}
        )
        return self

    def add_node(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add a node (``kind``, ``daily_capacity``, ``dwell_hours``)."""
        _check_fields("nodes", fields)
        self._data["network"]["nodes"].append({"id": id, **_iso(fields)})
        return self

    def add_link(self, source: str, target: str, hours: float, directed: bool = False) -> ScenarioBuilder:
        """Add a link taking ``hours``; undirected unless ``directed``."""
        link: dict[str, Any] = {"from": source, "to": target, "hours": hours}
        if directed:
            link["directed"] = True
        self._data["network"]["links"].append(link)
        return self

    def set_defaults(self, **fields: Any) -> ScenarioBuilder:
        """Set ``max_parcels_per_detainee`` and ``max_weight_kg_per_detainee``."""
        _check_fields("defaults", fields)
        self._data["defaults"] = fields
        return self

    def set_reciprocity(self, max_difference: int) -> ScenarioBuilder:
        """Require both sides' visit counts to differ by at most ``max_difference``."""
        self._data["reciprocity"] = {"max_difference": max_difference}
        return self

    def add_detainee(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add a detainee (``side``, ``facility``, limits, ``unavailable``, ``keep_apart``)."""
        return self._add("detainees", {"id": id, **fields})

    def add_parcel(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add a parcel (``origin``, ``destination``, ``weight_kg``, ``volume_l``, ...)."""
        return self._add("parcels", {"id": id, **fields})

    def add_batch(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add a transport batch (``origin``, ``departs``, ``stops``, capacities, ``cost``)."""
        return self._add("batches", {"id": id, **fields})

    def add_session(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add a visit session (``facility``, ``date``, ``start``, ``end``, ``capacity``)."""
        return self._add("sessions", {"id": id, **fields})

    def add_visit_request(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add a visit request (``detainee``, ``available``, ``visitors``, ...).

        ``available`` may be a list of ``(from, to)`` pairs or of
        ``{"from": ..., "to": ...}`` dicts.
        """
        avail = fields.get("available")
        if avail is not None:
            fields["available"] = [
                r if isinstance(r, dict) else {"from": r[0], "to": r[1]} for r in avail
            ]
        return self._add("visit_requests", {"id": id, **fields})

    def add_escort(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add an escort (``languages``, ``available``, ``max_visits_per_day``)."""
        avail = fields.get("available")
        if avail is not None:
            fields["available"] = [
                r if isinstance(r, dict) else {"from": r[0], "to": r[1]} for r in avail
            ]
        return self._add("escorts", {"id": id, **fields})

    def add_transport(self, id: str, **fields: Any) -> ScenarioBuilder:
        """Add an organised transport (``origin``, ``facility``, ``date``, ``seats``)."""
        return self._add("transports", {"id": id, **fields})

    def to_dict(self) -> dict[str, Any]:
        """The scenario so far, in the file format (not yet validated)."""
        return self._data

    def build(self) -> Scenario:
        """Validate everything added and return the immutable :class:`Scenario`."""
        from parcelroute.io.scenario_io import read_scenario_dict

        return read_scenario_dict(self._data)
