"""Reading and writing plan files (``parcelroute-plan/1``)."""

from __future__ import annotations

import json
import math
from os import PathLike
from pathlib import Path
from typing import Any

from parcelroute.exceptions import InvalidPlanError
from parcelroute.io.scenario_io import _MISSING, _date, _Reader, _received, _show, load_json
from parcelroute.result import (
    LEVELS,
    BatchLoad,
    ParcelAssignment,
    Result,
    Status,
    VisitAssignment,
)

__all__ = ["PLAN_FORMAT", "plan_to_dict", "read_plan", "read_plan_dict", "write_plan"]

PLAN_FORMAT = "parcelroute-plan/1"


def _json_number(x: float) -> float | int:
    """Whole numbers as JSON integers, others rounded to 6 decimals for readability."""
    if float(x).is_integer():
        return int(x)
    return round(float(x), 6)


def plan_to_dict(result: Result) -> dict[str, Any]:
    """The result as a JSON-ready dict in the ``parcelroute-plan/1`` format."""
    levels = [name for name, _ in LEVELS if name in result.objective]
    out: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "scenario": result.scenario,
        "status": result.status.value,
        "solve_seconds": round(result.solve_seconds, 3),
        "objective": {k: _json_number(result.objective[k]) for k in levels},
        "bound": {k: _json_number(result.bound[k]) for k in levels},
        "gap": {k: round(result.gap(k), 9) for k in levels},
    }
    parcels = []
    for p in result.parcels:
        if p.batch is not None:
            parcels.append({"id": p.id, "batch": p.batch,
                            "arrives": p.arrives.isoformat() if p.arrives else None})
        else:
            parcels.append({"id": p.id, "batch": None, "reason": p.reason, "detail": p.detail})
    out["parcels"] = parcels
    out["batches"] = [
        {"id": b.id, "operated": b.operated, "parcels": b.parcels,
         "weight_kg": _json_number(b.weight_kg), "volume_l": _json_number(b.volume_l)}
        for b in result.batches
    ]
    visits = []
    for v in result.visits:
        if v.session is not None:
            visits.append({"id": v.id, "session": v.session, "escort": v.escort,
                           "transport": v.transport})
        else:
            visits.append({"id": v.id, "session": None, "reason": v.reason, "detail": v.detail})
    out["visits"] = visits
    return out


def write_plan(result: Result, path: str | PathLike[str]) -> None:
    """Write ``result`` as a ``parcelroute-plan/1`` JSON file."""
    Path(path).write_text(
        json.dumps(plan_to_dict(result), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def read_plan(path: str | PathLike[str]) -> Result:
    """Read a plan file.

    Raises
    ------
    InvalidPlanError
        If the file is empty, is not strict JSON (``NaN`` and ``Infinity`` are not
        JSON numbers) or breaks the format; the error lists every problem found
        (up to :data:`~parcelroute.io.scenario_io.MAX_PROBLEMS`).
    FileNotFoundError, IsADirectoryError, UnicodeDecodeError
        If the file cannot be read as UTF-8 text.
    """
    return read_plan_dict(load_plan_file(path))


def load_plan_file(path: str | PathLike[str]) -> Any:
    """The parsed JSON of a plan file, not yet checked against the format.

    Raises
    ------
    InvalidPlanError
        If the file is empty or is not strict JSON.
    FileNotFoundError, IsADirectoryError, UnicodeDecodeError
        If the file cannot be read as UTF-8 text.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    return load_json(text, f"The plan file '{path}'", InvalidPlanError)


_LEVEL_NAMES = tuple(name for name, _ in LEVELS)
_NAMES_TEXT = ", ".join(repr(name) for name in _LEVEL_NAMES)
_OPT_STR = "a non-empty string or null"
_NON_NEG = "a finite number greater than or equal to 0"


def _finite(value: Any, minimum: float = -math.inf) -> float | None:
    """A finite JSON number not below ``minimum`` (``None`` otherwise, booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the floating-point range
        return None
    return number if math.isfinite(number) and number >= minimum else None


def _whole(value: Any) -> int | None:
    """A whole JSON number greater than or equal to 0 (``3`` or ``3.0``)."""
    number = _finite(value, 0.0)
    if number is None or not number.is_integer():
        return None
    return value if isinstance(value, int) else int(number)


def read_plan_dict(data: Any) -> Result:
    """Build a :class:`~parcelroute.Result` from a parsed plan file.

    Raises
    ------
    InvalidPlanError
        Listing every problem found (up to a cap), each with its JSON path, the
        item, the field, the value received and what was expected.
    """
    r = _Reader()

    def done() -> InvalidPlanError:
        return InvalidPlanError(r.problems, truncated=r.extra)

    if not isinstance(data, dict):
        r.problem("$", f"A plan must be a JSON object; got {_received(data)} instead.")
        raise done()
    fmt = data.get("format", _MISSING)
    if fmt != PLAN_FORMAT:
        r.bad("format", "the plan", "format", fmt, repr(PLAN_FORMAT))
        raise done()
    top = "the plan"
    name = data.get("scenario", "")
    if not isinstance(name, str):
        r.bad("scenario", top, "scenario", name, "a string (the scenario's name)")
        name = ""
    raw_status = data.get("status", _MISSING)
    status = Status.UNKNOWN
    if isinstance(raw_status, str) and raw_status in {s.value for s in Status}:
        status = Status(raw_status)
    else:
        r.bad("status", top, "status", raw_status,
              "one of " + ", ".join(repr(s.value) for s in Status))
    seconds = _finite(data.get("solve_seconds", 0.0), 0.0)
    if seconds is None:
        r.bad("solve_seconds", top, "solve_seconds", data["solve_seconds"], _NON_NEG)
        seconds = 0.0

    levels: dict[str, dict[str, float]] = {}
    for key, minimum in (("objective", -math.inf), ("bound", -math.inf), ("gap", 0.0)):
        raw = data.get(key, {})
        levels[key] = {}
        if not isinstance(raw, dict):
            r.bad(key, top, key, raw, "an object with a number for each objective level")
            continue
        for level, value in raw.items():
            number = _finite(value, minimum)
            if level not in _LEVEL_NAMES:
                r.problem(f"{key}.{level}", f"The '{key}' of the plan must name objective "
                                            f"levels, {_NAMES_TEXT}; got {_show(level)} instead.")
            elif number is None:
                r.bad(f"{key}.{level}", f"the plan's {key}", level, value,
                      _NON_NEG if minimum == 0 else "a finite number")
            else:
                levels[key][level] = value

    def entries(key: str, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(path, item, entry) of each entry of ``data[key]`` with a usable id."""
        raw = data.get(key, [])
        if not isinstance(raw, list):
            r.bad(key, top, key, raw, "a list of objects")
            return []
        out = []
        for i, e in enumerate(raw):
            path = f"{key}[{i}]"
            if not isinstance(e, dict):
                r.problem(path, f"Each entry of the plan's '{key}' must be an object with an "
                                f"'id'; got {_show(e)} instead.")
            elif not isinstance(e.get("id"), str) or not e["id"]:
                r.bad(f"{path}.id", f"{kind} {path}", "id", e.get("id", _MISSING),
                      "a non-empty string")
            else:
                out.append((path, f"{kind} {e['id']!r}", e))
        return out

    def opt_str(e: dict[str, Any], k: str, path: str, item: str) -> str | None:
        value = e.get(k)
        if value is None or (isinstance(value, str) and value):
            return value
        r.bad(f"{path}.{k}", item, k, value, _OPT_STR)
        return None

    parcels = []
    for path, item, e in entries("parcels", "parcel"):
        arrives = None
        if e.get("arrives") is not None:
            arrives = _date(e["arrives"])
            if arrives is None:
                r.bad(f"{path}.arrives", item, "arrives", e["arrives"], "a date 'YYYY-MM-DD' or null")
        batch, reason, detail = (opt_str(e, k, path, item) for k in ("batch", "reason", "detail"))
        parcels.append(ParcelAssignment(e["id"], batch, arrives, reason, detail))
    batches = []
    for path, item, e in entries("batches", "batch"):
        operated = e.get("operated", False)
        if not isinstance(operated, bool):
            r.bad(f"{path}.operated", item, "operated", operated, "true or false")
            operated = False
        count = _whole(e.get("parcels", 0))
        if count is None:
            r.bad(f"{path}.parcels", item, "parcels", e["parcels"],
                  "a whole number greater than or equal to 0")
        weight, volume = (_finite(e.get(k, 0), 0.0) for k in ("weight_kg", "volume_l"))
        for k, v in (("weight_kg", weight), ("volume_l", volume)):
            if v is None:
                r.bad(f"{path}.{k}", item, k, e[k], _NON_NEG)
        batches.append(BatchLoad(e["id"], operated, count or 0, weight or 0.0, volume or 0.0))
    visits = []
    for path, item, e in entries("visits", "visit"):
        fields = [opt_str(e, k, path, item)
                  for k in ("session", "escort", "transport", "reason", "detail")]
        visits.append(VisitAssignment(e["id"], *fields))
    if r.problems:
        raise done()
    return Result(
        scenario=name,
        status=status,
        solve_seconds=seconds,
        objective=levels["objective"],
        bound=levels["bound"],
        parcels=tuple(parcels),
        batches=tuple(batches),
        visits=tuple(visits),
    )
