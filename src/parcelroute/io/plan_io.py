"""Reading and writing plan files (``parcelroute-plan/1``)."""

from __future__ import annotations

import datetime as dt
import json
import math
from os import PathLike
from pathlib import Path
from typing import Any

from parcelroute.exceptions import InvalidPlanError, Problem
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
    """Read a plan file; raise :class:`~parcelroute.InvalidPlanError` if it is malformed."""
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidPlanError(
            [Problem("$", f"The plan file '{path}' must be valid JSON; got a parse error: {exc}.")]
        ) from None
    return read_plan_dict(data)


def _opt_str(value: Any) -> bool:
    return value is None or (isinstance(value, str) and bool(value))


def read_plan_dict(data: Any) -> Result:
    """Build a :class:`~parcelroute.Result` from a parsed plan file."""
    problems: list[Problem] = []

    def bad(path: str, msg: str) -> None:
        problems.append(Problem(path, msg))

    if not isinstance(data, dict):
        raise InvalidPlanError([Problem("$", "A plan must be a JSON object.")])
    if data.get("format") != PLAN_FORMAT:
        raise InvalidPlanError([Problem(
            "format", f"The 'format' of the plan must be {PLAN_FORMAT!r}; "
            f"got {data.get('format')!r} instead.")])
    try:
        status = Status(str(data.get("status")))
    except ValueError:
        bad("status", f"The 'status' of the plan must be one of {[s.value for s in Status]}; "
                      f"got {data.get('status')!r} instead.")
        status = Status.UNKNOWN
    seconds = data.get("solve_seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        bad("solve_seconds", f"The 'solve_seconds' of the plan must be a number; got {seconds!r}.")
        seconds = 0.0
    levels: dict[str, dict[str, float]] = {}
    for key in ("objective", "bound"):
        raw = data.get(key, {})
        levels[key] = {}
        if not isinstance(raw, dict):
            bad(key, f"The '{key}' of the plan must be an object; got {raw!r}.")
            continue
        for name, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                bad(f"{key}.{name}", f"The '{name}' of the plan's {key} must be a number; "
                                     f"got {value!r} instead.")
            else:
                levels[key][name] = value

    def entries(key: str) -> list[tuple[str, dict[str, Any]]]:
        raw = data.get(key, [])
        if not isinstance(raw, list):
            bad(key, f"The '{key}' of the plan must be a list; got {type(raw).__name__}.")
            return []
        out = []
        for i, e in enumerate(raw):
            if not isinstance(e, dict) or not isinstance(e.get("id"), str):
                bad(f"{key}[{i}]", f"Each entry of '{key}' must be an object with a string 'id'.")
            else:
                out.append((f"{key}[{i}]", e))
        return out

    parcels = []
    for path, e in entries("parcels"):
        arrives = None
        if e.get("arrives") is not None:
            try:
                arrives = dt.date.fromisoformat(e["arrives"])
            except (TypeError, ValueError):
                bad(f"{path}.arrives", f"The 'arrives' of parcel {e['id']!r} must be a date "
                                       f"'YYYY-MM-DD'; got {e['arrives']!r} instead.")
        for k in ("batch", "reason", "detail"):
            if not _opt_str(e.get(k)):
                bad(f"{path}.{k}", f"The '{k}' of parcel {e['id']!r} must be a string or null; "
                                   f"got {e.get(k)!r} instead.")
        parcels.append(ParcelAssignment(e["id"], e.get("batch"), arrives, e.get("reason"),
                                        e.get("detail")))
    batches = []
    for path, e in entries("batches"):
        nums = {k: e.get(k, 0) for k in ("parcels", "weight_kg", "volume_l")}
        for k, v in nums.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                bad(f"{path}.{k}", f"The '{k}' of batch {e['id']!r} must be a number; got {v!r}.")
                nums[k] = 0
        batches.append(BatchLoad(e["id"], bool(e.get("operated", False)), int(nums["parcels"]),
                                 float(nums["weight_kg"]), float(nums["volume_l"])))
    visits = []
    for path, e in entries("visits"):
        for k in ("session", "escort", "transport", "reason", "detail"):
            if not _opt_str(e.get(k)):
                bad(f"{path}.{k}", f"The '{k}' of visit {e['id']!r} must be a string or null; "
                                   f"got {e.get(k)!r} instead.")
        visits.append(VisitAssignment(e["id"], e.get("session"), e.get("escort"),
                                      e.get("transport"), e.get("reason"), e.get("detail")))
    if problems:
        raise InvalidPlanError(problems)
    return Result(
        scenario=str(data.get("scenario", "")),
        status=status,
        solve_seconds=float(seconds),
        objective=levels["objective"],
        bound=levels["bound"],
        parcels=tuple(parcels),
        batches=tuple(batches),
        visits=tuple(visits),
    )
