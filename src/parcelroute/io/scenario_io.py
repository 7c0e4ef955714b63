"""Reading, validating and writing scenario files (``parcelroute-scenario/1``).

Validation collects every problem it finds (up to :data:`MAX_PROBLEMS`) before
raising one :class:`~parcelroute.InvalidScenarioError`, so a coordinator can
fix a spreadsheet export in one pass. Each problem names the item, the field
(as a JSON path such as ``parcels[17].due``), the value received and what was
expected. Numbers have upper limits (:data:`MAX_AMOUNT`, :data:`MAX_COUNT`,
:data:`MAX_COST`, :data:`MAX_HOURS`) that keep the solvers' integers and dates in
range; :func:`load_json` parses strictly and is shared with the plan reader.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from parcelroute._gc import paused
from parcelroute.exceptions import InvalidScenarioError, Problem
from parcelroute.model.network import Network
from parcelroute.model.scenario import (
    SCENARIO_FORMAT,
    Batch,
    DateRange,
    Defaults,
    Detainee,
    Escort,
    Link,
    Node,
    Parcel,
    Reciprocity,
    Scenario,
    Session,
    Transport,
    VisitRequest,
)

logger = logging.getLogger("parcelroute")

__all__ = [
    "MAX_AMOUNT",
    "MAX_COST",
    "MAX_COUNT",
    "MAX_HOURS",
    "MAX_PROBLEMS",
    "NODE_KINDS",
    "read_scenario",
    "read_scenario_dict",
    "scenario_to_dict",
    "write_scenario",
]

MAX_PROBLEMS = 50
#: A warning that many items share names this many of them, then how many more.
WARNING_IDS = 5
NODE_KINDS = ("hub", "crossing", "facility", "city")

# Upper limits of the numbers in a scenario (docs/formats.md). They are far beyond any
# real month, and keep every quantity the solvers derive from them (scaled to integers,
# summed over a month) inside 64-bit integers and dates inside the calendar.
#: Weights (kg), volumes (l) and their limits.
MAX_AMOUNT = 1e9
#: Priorities, counts, capacities and other whole-number limits.
MAX_COUNT = 10**9
#: Batch and transport costs.
MAX_COST = 1e12
#: Link ``hours`` and node ``dwell_hours``.
MAX_HOURS = 1e5

T = TypeVar("T")
_MISSING: Any = object()
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_RE = re.compile(r"[0-9]{2}:[0-9]{2}")


def _show(value: Any) -> str:
    """A short JSON-like rendering of a received value for error messages."""
    if value is _MISSING:
        return "nothing (the field is missing)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**57:
        try:
            return f"a whole number of {len(str(abs(value)))} digits"
        except ValueError:  # beyond Python's limit on converting integers to text
            return "a whole number of thousands of digits"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = _type_name(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _received(value: Any) -> str:
    """A received value of the wrong JSON type, for error messages: its type and the value
    (``a list ([1, 2])``; null and booleans as themselves)."""
    if value is None or isinstance(value, bool):
        return _show(value)
    return f"{_type_name(value)} ({_show(value)})"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Reader:
    """Collects problems while converting parsed JSON into scenario objects."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.extra = 0
        self.warnings: list[str] = []
        # unknown fields: the items of each collection with the same unknown fields share one
        # warning (its place in ``warnings``, and the items' paths)
        self._unknown: dict[tuple[str, tuple[str, ...]], tuple[int, list[str]]] = {}

    # -- reporting -------------------------------------------------------
    def problem(self, path: str, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.extra += 1
            return
        self.problems.append(Problem(path, message))

    def bad(self, path: str, item: str, key: str, value: Any, expected: str) -> None:
        """Record "The 'key' of <item> must be <expected>; got <value> instead."."""
        self.problem(path, f"The '{key}' of {item} must be {expected}; got {_show(value)} instead.")

    # -- typed getters ----------------------------------------------------
    def field(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        item: str,
        convert: Callable[[Any], T | None],
        expected: str,
        *,
        default: Any = _MISSING,
    ) -> T | None:
        """Convert ``obj[key]``; record a problem and return None when it fails."""
        value = obj.get(key, _MISSING)
        if value is _MISSING or (value is None and default is not _MISSING):
            if default is _MISSING:
                close = _closest(key, [k for k in obj if isinstance(k, str) and k != key])
                if value is _MISSING and close is not None:  # a misspelt name, most likely
                    self.problem(f"{path}.{key}", f"The '{key}' of {item} must be {expected}; "
                                 f"got nothing (the field is missing, but {close!r} is given: "
                                 f"name it {key!r}) instead.")
                else:
                    self.bad(f"{path}.{key}", item, key, _MISSING, expected)
                return None
            return default  # type: ignore[no-any-return]
        out = convert(value)
        if out is None:
            self.bad(f"{path}.{key}", item, key, value, expected)
        return out

    def id_of(self, obj: Mapping[str, Any], path: str, kind: str, seen: dict[str, str]) -> str | None:
        received = obj.get("id", _MISSING)
        value = _string(received)
        if value is None:
            self.bad(f"{path}.id", f"{kind} {path}", "id", received, "a non-empty string")
            return None
        if value in seen:
            self.problem(
                f"{path}.id",
                f"The 'id' of {kind} {path} must be unique; got {_show(value)} instead, "
                f"which {seen[value]} already uses.",
            )
            return None
        seen[value] = path
        return value

    def objects(self, data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        """The list ``data[key]`` of JSON objects, each with its path."""
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"'{path}' must be a list of objects; got {_received(value)} instead.")
            return []
        out = []
        for i, obj in enumerate(value):
            if isinstance(obj, dict):
                out.append((f"{path}[{i}]", obj))
            else:
                self.problem(
                    f"{path}[{i}]",
                    f"Each entry of '{path}' must be an object; got {_show(obj)} instead.",
                )
        return out

    def check_unknown_keys(self, obj: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        unknown = tuple(sorted(set(obj) - set(allowed)))
        if not unknown:
            return
        key = (path.split("[", 1)[0], unknown)
        if key not in self._unknown:
            self._unknown[key] = (len(self.warnings), [])
            self.warnings.append("")
        at, paths = self._unknown[key]
        paths.append(path)
        self.warnings[at] = (f"{_first_few(paths)}: unknown field(s) "
                             f"{', '.join(_with_guess(k, allowed) for k in unknown)} ignored.")


def _closest(key: str, allowed: Iterable[str]) -> str | None:
    """The allowed field closest to ``key``, when one is close (a misspelt name)."""
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.75)
    return close[0] if close else None


def _with_guess(key: str, allowed: Iterable[str]) -> str:
    """``'key'``, with the closest allowed field when one is close (a misspelt name)."""
    close = _closest(key, allowed)
    return f"{key!r} (did you mean {close!r}?)" if close else repr(key)


def _first_few(names: list[str]) -> str:
    """The first :data:`WARNING_IDS` names, then how many more (for a shared warning)."""
    more = f" and {len(names) - WARNING_IDS} more" if len(names) > WARNING_IDS else ""
    return f"{', '.join(names[:WARNING_IDS])}{more}"


# -- value converters (return None when the value is not acceptable) ------------
def _string(value: Any) -> str | None:
    """A non-empty string of characters (half of a surrogate pair, which a dictionary built
    in code can hold, is none: no file could hold the plan)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value if value.isascii() or _SURROGATE_RE.search(value) is None else None


def _number(minimum: float = 0.0, maximum: float = MAX_AMOUNT) -> Callable[[Any], float | None]:
    """A finite JSON number between ``minimum`` and ``maximum``."""

    def convert(value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value if minimum <= value <= maximum else None  # exact, even for huge integers

    return convert


def _integer(minimum: int = 0, maximum: int = MAX_COUNT) -> Callable[[Any], int | None]:
    """A whole JSON number (``3`` or ``3.0``) between ``minimum`` and ``maximum``."""

    def convert(value: Any) -> int | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
            return None
        return int(value) if minimum <= value <= maximum else None

    return convert


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _time(value: Any) -> dt.time | None:
    if not isinstance(value, str) or not _TIME_RE.fullmatch(value):
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return None


def _string_list(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(_string(v) is not None for v in value):
        return None
    return tuple(value)


def _date_list(value: Any) -> tuple[dt.date, ...] | None:
    if not isinstance(value, list):
        return None
    out = [_date(v) for v in value]
    return None if any(d is None for d in out) else tuple(d for d in out if d is not None)


# What the limits above allow, as the messages say it.
_AMOUNT = "a number between 0 and 1e9"
_COST = "a number between 0 and 1e12"
_HOURS = "a number between 0 and 1e5"
_NON_NEG_INT = "a whole number between 0 and 1e9"
_POS_INT = "a whole number between 1 and 1e9"
_DATE = "a date 'YYYY-MM-DD'"
_TIME = "a time 'HH:MM' (24 h)"
_BOOL = "true or false"
_STR = "a non-empty string"
_STRS = "a list of non-empty strings"


def read_scenario(path: str | PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        A JSON file in the ``parcelroute-scenario/1`` format.

    Returns
    -------
    Scenario
        The validated, immutable scenario. What it reads but doubts (unknown
        fields, a language no escort speaks, dates outside the horizon) is in
        its ``warnings`` and goes to the ``parcelroute`` logger as warnings.

    Raises
    ------
    InvalidScenarioError
        If the file is empty, is not strict JSON (see :func:`load_json`), or
        breaks the format (numbers beyond their limits included); the error
        lists every problem found.
    FileNotFoundError, IsADirectoryError, UnicodeDecodeError
        If the file cannot be read as UTF-8 text.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    with paused():  # (hundreds of thousands of objects on a national month, no garbage)
        data = load_json(text, f"The scenario file '{path}'", InvalidScenarioError)
        return read_scenario_dict(data)


# -- parsing JSON text -------------------------------------------------------------
# The tokens that matter to locate an error: strings (skipped), NaN and Infinity
# literals, numbers, and brackets.
_TOKEN_RE = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"'
    r"|(?P<const>-?Infinity|NaN)"
    r"|(?P<num>-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<open>[\[{])|(?P<close>[\]}])"
)
#: Python refuses to convert integers of more digits than this from text.
_MAX_INT_DIGITS = 4300
#: A ``\uXXXX`` escape of half of a UTF-16 surrogate pair (D800-DFFF). JSON decodes a pair
#: of them to one character; half of a pair alone decodes to no character at all, and no
#: file can hold it.
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class _Rejected:
    """Stands for a NaN, an Infinity or a number too large for a float while parsing,
    so that the path to the first one can be found once the text is parsed."""


def _is_rejected(m: re.Match[str]) -> bool:
    num = m.group("num")
    if num is None:
        return m.group("const") is not None
    if any(c in num for c in ".eE"):
        return not math.isfinite(float(num))
    return len(num.lstrip("-")) > _MAX_INT_DIGITS


def _line_column(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"line {line}, column {column}"


def _where(text: str, test: Callable[[re.Match[str]], bool]) -> tuple[str, str]:
    """The first token of ``text`` that passes ``test`` (shortened), and its line and column."""
    for m in _TOKEN_RE.finditer(text):
        if test(m):
            token = m.group()
            token = token if len(token) <= 20 else token[:17] + "..."
            return token, _line_column(text, m.start())
    return "", "position unknown"


class _Duplicated(dict[str, Any]):
    """An object whose text gives some keys (:attr:`twice`) more than once."""

    twice: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A parsed object, marked when its text repeats a key (the last value would win)."""
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    marked = _Duplicated(out)
    seen: set[str] = set()
    marked.twice = []
    for key, _ in pairs:
        if key in seen and key not in marked.twice:
            marked.twice.append(key)
        seen.add(key)
    return marked


def _find_first(data: Any, kind: type) -> tuple[str, Any]:
    """JSON path and value of the first ``kind`` in ``data`` (searched without recursion)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, kind):
            return path or "$", value
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return "$", None


def _lone_surrogate(data: Any) -> tuple[str, str] | None:
    """JSON path and escape of the first half of a surrogate pair left alone in a key or a
    string of ``data`` (searched without recursion); ``None`` if there is none."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            m = _SURROGATE_RE.search(value)
            if m is not None:
                return path or "$", f"\\u{ord(m.group()):04x}"
        elif isinstance(value, dict):
            for key in value:
                m = _SURROGATE_RE.search(key)
                if m is not None:
                    return f"{path}.{key}" if path else key, f"\\u{ord(m.group()):04x}"
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return None


def _deepest(text: str) -> tuple[int, str]:
    """The deepest nesting of arrays and objects in ``text``, and where it is first reached."""
    depth = best = where = 0
    for m in _TOKEN_RE.finditer(text):
        if m.group("open"):
            depth += 1
            if depth > best:
                best, where = depth, m.start()
        elif m.group("close"):
            depth -= 1
    return best, _line_column(text, where)


def load_json(text: str, what: str, error: Callable[[list[Problem]], Exception]) -> Any:
    """Parse the JSON ``text`` of a file strictly.

    ``what`` names the file in messages ("The plan file 'p.json'"). Raises
    ``error([problem])`` when the text is empty or not strict JSON: a parse
    error, a ``NaN`` or ``Infinity`` literal, a number too large for a float
    (``1e309``), an integer of more than 4300 digits, or arrays and objects
    nested too deeply to read, an object that gives a key twice (JSON leaves that
    undefined; Python would keep the last value silently), or a ``\\uXXXX`` escape of half
    of a surrogate pair alone (no character: no plan or message could be written with it).
    Each message says where (line and column, and the JSON path when the rest of the text
    could be read).
    """

    def fail(message: str, path: str = "$", expected: str = "valid JSON") -> NoReturn:
        raise error([Problem(path, f"{what} must be {expected}; got {message} instead.")])

    if not text.strip():
        got = "an empty file" if not text else "a file of blank space only"
        raise error([Problem("$", f"{what} must hold a JSON object; got {got} instead.")])
    rejected: list[str] = []

    def reject(token: str) -> _Rejected:
        rejected.append(token)
        return _Rejected()

    repeated: list[_Duplicated] = []

    def make_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = _object(pairs)
        if isinstance(out, _Duplicated):
            repeated.append(out)
        return out

    def number(token: str) -> float | _Rejected:
        value = float(token)
        return value if math.isfinite(value) else reject(token)

    try:
        data = json.loads(text, parse_constant=reject, parse_float=number, object_pairs_hook=make_object)
    except json.JSONDecodeError as exc:
        fail(f"a parse error: {exc}")
    except RecursionError:
        depth, where = _deepest(text)
        fail(f"arrays and objects nested {depth} levels deep (deepest at {where}), "
             "deeper than parcelroute can read,")
    except ValueError:  # an integer beyond Python's limit on converting text to integers
        token, where = _where(text, _is_rejected)
        fail(f"a whole number of more than {_MAX_INT_DIGITS} digits, {token} ({where})")
    path, found = _find_first(data, _Rejected) if rejected else ("$", None)
    # (a value given under a key that the object gives again is gone: the key is named)
    if rejected and (found is not None or not repeated):
        token, where = _where(text, _is_rejected)
        if rejected[0] in ("NaN", "Infinity", "-Infinity"):
            fail(f"{rejected[0]}, which is not a JSON number ({where}, at {path})", path)
        fail(f"{token} ({where}, at {path})", path, "JSON with numbers below about 1e308")
    if repeated:
        path, obj = _find_first(data, _Duplicated)
        keys = ", ".join(_show(k) for k in (obj or repeated[0]).twice)
        fail(f"{keys} more than once in the object at {path}", path,
             "JSON whose objects give each key once")
    if _SURROGATE_ESCAPE_RE.search(text):  # (a pair is one character: then nothing is found)
        lone = _lone_surrogate(data)
        if lone is not None:
            path, escape = lone
            fail(f"the escape {escape} at {path}, half of a surrogate pair with no other half "
                 "(no character)", path, "JSON text of Unicode characters")
    return data


def read_scenario_dict(data: Any) -> Scenario:
    """Validate parsed JSON and build a :class:`Scenario` from it.

    Parameters
    ----------
    data : dict
        The parsed content of a scenario file.

    Returns
    -------
    Scenario
        The validated, immutable scenario; its ``warnings`` (also logged) as
        :func:`read_scenario` says.

    Raises
    ------
    InvalidScenarioError
        Listing every problem found, each with its JSON path.

    Examples
    --------
    >>> import parcelroute as pr
    >>> s = pr.read_scenario_dict({"format": "parcelroute-scenario/1", "name": "empty"})
    >>> s.name, len(s.parcels)
    ('empty', 0)
    """
    reader = _Reader()
    scenario = _build(reader, data)
    if reader.problems or scenario is None:
        raise InvalidScenarioError(reader.problems, truncated=reader.extra,
                                   warnings=reader.warnings)
    for warning in scenario.warnings:  # (also kept in ``scenario.warnings``)
        logger.warning("%s", warning)
    return scenario


_TOP_KEYS = {
    "format", "name", "start", "end", "network", "defaults", "detainees", "parcels",
    "batches", "sessions", "visit_requests", "escorts", "transports", "reciprocity",
    "categories",
}  # fmt: skip
_NETWORK_KEYS = {"nodes", "links"}
#: The fields of each kind of item of a scenario file (any other is ignored, with a warning).
FIELDS: dict[str, frozenset[str]] = {
    "nodes": frozenset({"id", "kind", "daily_capacity", "dwell_hours"}),
    "links": frozenset({"from", "to", "hours", "directed"}),
    "defaults": frozenset({"max_parcels_per_detainee", "max_weight_kg_per_detainee"}),
    "detainees": frozenset({"id", "side", "facility", "max_parcels", "max_weight_kg",
                            "max_visits", "unavailable", "keep_apart"}),
    "parcels": frozenset({"id", "recipient", "origin", "destination", "weight_kg", "volume_l",
                          "ready", "due", "priority", "category"}),
    "batches": frozenset({"id", "origin", "departs", "stops", "max_weight_kg", "max_volume_l",
                          "max_parcels", "cost", "accepts"}),
    "sessions": frozenset({"id", "facility", "date", "start", "end", "capacity",
                           "max_visitors", "closed"}),
    "visit_requests": frozenset({"id", "detainee", "visitors", "available", "priority",
                                 "language", "transport_from", "closed"}),
    "escorts": frozenset({"id", "languages", "available", "max_visits_per_day"}),
    "transports": frozenset({"id", "origin", "facility", "date", "seats", "cost"}),
}


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _check_calendar(r: _Reader, path: str, item: str, departs: dt.date, stops: tuple[str, ...],
                    hours: list[Fraction | None]) -> None:
    """A batch must reach each of its stops by the last date there is (9999-12-31)."""
    room = dt.date.max.toordinal() - departs.toordinal()
    for j, h in enumerate(hours):
        if h is not None and h // 24 > room:
            r.problem(
                f"{path}.stops[{j}]",
                f"The 'stops' of {item} must all be reached by {dt.date.max.isoformat()}, the "
                f"last date there is; got {stops[j]!r}, reached {_days(h // 24)} after the "
                f"departure on {departs.isoformat()}, instead.",
            )
            return


def _check_misspelt_halves(r: _Reader, data: Mapping[str, Any], allowed: set[str],
                           path: str = "$") -> None:
    """An unknown field holding items, close to a list or object that ``data`` (the scenario,
    or its object at ``path``) does not give ('parcel' without 'parcels'), is refused:
    ignored, with a warning only, its items would be left out of the plan unseen."""
    for key in sorted(set(data) - allowed):
        value = data[key]
        if not isinstance(value, (list, dict)) or not value:
            continue
        close = _closest(key, allowed)
        if close is not None and data.get(close) is None:
            what = f"{len(value)} item(s)" if isinstance(value, list) else "an object"
            where = "The scenario" if path == "$" else f"The {path!r} of the scenario"
            r.problem(key if path == "$" else f"{path}.{key}",
                      f"{where} gives no {close!r} but an unknown field {key!r} "
                      f"holding {what}, which would be ignored; name it {close!r} "
                      "(or remove it).")


def _build(r: _Reader, data: Any) -> Scenario | None:
    if not isinstance(data, dict):
        r.problem("$", f"A scenario must be a JSON object; got {_received(data)} instead.")
        return None
    fmt = data.get("format", _MISSING)
    if fmt != SCENARIO_FORMAT:
        r.problem(
            "format",
            f"The 'format' of the scenario must be {SCENARIO_FORMAT!r}; got {_show(fmt)} instead.",
        )
        return None
    r.check_unknown_keys(data, _TOP_KEYS, "$")
    _check_misspelt_halves(r, data, _TOP_KEYS)
    top = "the scenario"
    name = r.field(data, "name", "$", top, _string, _STR, default="") or ""
    start = r.field(data, "start", "$", top, _date, _DATE, default=None)
    end = r.field(data, "end", "$", top, _date, _DATE, default=None)
    if start and end and end < start:
        r.bad("end", top, "end", data["end"], f"on or after its 'start' {start.isoformat()}")

    categories: frozenset[str] | None = None
    if data.get("categories") is not None:
        cats = r.field(data, "categories", "$", top, _string_list, _STRS)
        categories = frozenset(cats) if cats is not None else None

    # -- network ------------------------------------------------------------
    network = data.get("network", {})
    if network is None:
        network = {}
    if not isinstance(network, dict):
        r.problem("network", f"'network' must be an object; got {_received(network)} instead.")
        network = {}
    r.check_unknown_keys(network, _NETWORK_KEYS, "network")
    _check_misspelt_halves(r, network, _NETWORK_KEYS, "network")
    nodes: list[Node] = []
    node_ids: dict[str, str] = {}
    for path, obj in r.objects(network, "nodes", "network.nodes"):
        r.check_unknown_keys(obj, FIELDS["nodes"], path)
        nid = r.id_of(obj, path, "node", node_ids)
        item = f"node {nid!r}" if nid else f"node {path}"
        kind = r.field(obj, "kind", path, item, lambda v: v if v in NODE_KINDS else None,
                       "one of " + ", ".join(repr(k) for k in NODE_KINDS), default="facility")
        cap = r.field(obj, "daily_capacity", path, item, _integer(0), _NON_NEG_INT, default=None)
        dwell = r.field(obj, "dwell_hours", path, item, _number(0, MAX_HOURS), _HOURS, default=0.0)
        if nid is not None:
            nodes.append(Node(nid, kind or "facility", cap, dwell if dwell is not None else 0.0))
    known_nodes = set(node_ids)
    # a visits-only file may leave the network out (the visit rules need no paths): the
    # places its items name are then its nodes, facilities and (transport origins) cities
    implicit = data.get("network") is None and not data.get("parcels") and not data.get("batches")
    if data.get("network") is None and not implicit:
        # (said first: otherwise only the node references it leaves unknown would be listed)
        r.problem("network", "The scenario has parcels or batches, which travel through the "
                             f"network, so it must give a 'network'; got "
                             f"{_show(data.get('network', _MISSING))} instead.")
    implied: dict[str, str] = {}

    def node_ref(obj: Mapping[str, Any], key: str, path: str, item: str, *, required: bool = True) -> str | None:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                r.bad(f"{path}.{key}", item, key, value, "the id of a node of the network")
            return None
        if implicit and isinstance(value, str) and value.strip():
            implied.setdefault(value, "facility" if key == "facility" else "city")
            return value
        if not isinstance(value, str) or value not in known_nodes:
            r.bad(f"{path}.{key}", item, key, value, "the id of a node of the network")
            return None
        return value

    links: list[Link] = []
    for path, obj in r.objects(network, "links", "network.links"):
        r.check_unknown_keys(obj, FIELDS["links"], path)
        item = f"link {path}"
        u = node_ref(obj, "from", path, item)
        v = node_ref(obj, "to", path, item)
        hours = r.field(obj, "hours", path, item, _number(0, MAX_HOURS), _HOURS)
        directed = r.field(obj, "directed", path, item, _boolean, _BOOL, default=False)
        if u and v and hours is not None:
            links.append(Link(u, v, hours, bool(directed)))
    net = Network(nodes, links)

    # -- defaults -----------------------------------------------------------
    dflt = data.get("defaults", {})
    if dflt is None:
        dflt = {}
    if not isinstance(dflt, dict):
        r.problem("defaults", f"'defaults' must be an object; got {_received(dflt)} instead.")
        dflt = {}
    r.check_unknown_keys(dflt, FIELDS["defaults"], "defaults")
    defaults = Defaults(
        r.field(dflt, "max_parcels_per_detainee", "defaults", "the defaults", _integer(0),
                _NON_NEG_INT, default=None),
        r.field(dflt, "max_weight_kg_per_detainee", "defaults", "the defaults", _number(),
                _AMOUNT, default=None),
    )

    # -- detainees ----------------------------------------------------------
    detainees: list[Detainee] = []
    det_ids: dict[str, str] = {}
    det_raw: list[tuple[str, str, dict[str, Any]]] = []
    for path, obj in r.objects(data, "detainees", "detainees"):
        did = r.id_of(obj, path, "detainee", det_ids)
        if did is not None:
            det_raw.append((did, path, obj))
    bad_facility: dict[str, str] = {}  # detainees whose 'facility' is given but not valid
    for did, path, obj in det_raw:
        r.check_unknown_keys(obj, FIELDS["detainees"], path)
        item = f"detainee {did!r}"
        side = r.field(obj, "side", path, item, _string, _STR, default=None)
        facility = node_ref(obj, "facility", path, item, required=False)
        if facility is None and obj.get("facility") is not None:
            bad_facility[did] = path
        max_parcels = r.field(obj, "max_parcels", path, item, _integer(0), _NON_NEG_INT, default=None)
        max_weight = r.field(obj, "max_weight_kg", path, item, _number(), _AMOUNT, default=None)
        max_visits = r.field(obj, "max_visits", path, item, _integer(0), _NON_NEG_INT, default=1)
        unavailable = r.field(obj, "unavailable", path, item, _date_list,
                              "a list of dates 'YYYY-MM-DD'", default=())
        apart = r.field(obj, "keep_apart", path, item, _string_list,
                        "a list of detainee ids", default=()) or ()
        for j, other in enumerate(apart):
            if other not in det_ids:
                r.warnings.append(
                    f"{path}.keep_apart[{j}]: detainee {did!r} is kept apart from {other!r}, "
                    "who is not in the scenario; the pair is ignored."
                )
            elif other == did:
                r.bad(f"{path}.keep_apart[{j}]", item, "keep_apart", other,
                      "the id of another detainee, not the detainee itself")
        detainees.append(Detainee(
            did, side, facility, max_parcels, max_weight,
            max_visits if max_visits is not None else 1,
            frozenset(unavailable or ()), tuple(a for a in apart if a in det_ids and a != did),
        ))

    # -- parcels ------------------------------------------------------------
    parcels: list[Parcel] = []
    parcel_ids: dict[str, str] = {}
    for path, obj in r.objects(data, "parcels", "parcels"):
        r.check_unknown_keys(obj, FIELDS["parcels"], path)
        pid = r.id_of(obj, path, "parcel", parcel_ids)
        item = f"parcel {pid!r}" if pid else f"parcel {path}"
        recipient = obj.get("recipient")
        if recipient is not None and (not isinstance(recipient, str) or recipient not in det_ids):
            r.bad(f"{path}.recipient", item, "recipient", recipient,
                  "the id of a detainee of the scenario")
            recipient = None
        origin = node_ref(obj, "origin", path, item)
        destination = node_ref(obj, "destination", path, item)
        weight = r.field(obj, "weight_kg", path, item, _number(), _AMOUNT)
        volume = r.field(obj, "volume_l", path, item, _number(), _AMOUNT, default=0.0)
        ready = r.field(obj, "ready", path, item, _date, _DATE)
        due = r.field(obj, "due", path, item, _date, _DATE)
        if ready and due and due < ready:
            r.bad(f"{path}.due", item, "due", obj["due"],
                  f"on or after its 'ready' date {ready.isoformat()}")
        priority = r.field(obj, "priority", path, item, _integer(0), _NON_NEG_INT, default=1)
        category = r.field(obj, "category", path, item, _string, _STR, default="standard")
        if categories is not None and category is not None and category not in categories:
            r.bad(f"{path}.category", item, "category", category,
                  "one of the scenario's 'categories'")
        if None in (pid, origin, destination, weight, volume, ready, due, priority, category):
            continue
        parcels.append(Parcel(
            pid, origin, destination, weight, volume, ready, due,  # type: ignore[arg-type]
            recipient, priority, category,  # type: ignore[arg-type]
        ))

    # -- batches ------------------------------------------------------------
    batches: list[Batch] = []
    batch_ids: dict[str, str] = {}
    for path, obj in r.objects(data, "batches", "batches"):
        r.check_unknown_keys(obj, FIELDS["batches"], path)
        bid = r.id_of(obj, path, "batch", batch_ids)
        item = f"batch {bid!r}" if bid else f"batch {path}"
        origin = node_ref(obj, "origin", path, item)
        departs = r.field(obj, "departs", path, item, _date, _DATE)
        stops_raw = obj.get("stops", _MISSING)
        stops: tuple[str, ...] | None = None
        if not isinstance(stops_raw, list) or not stops_raw:
            r.bad(f"{path}.stops", item, "stops", stops_raw, "a non-empty list of node ids")
        else:
            ok = True
            for j, stop in enumerate(stops_raw):
                if not isinstance(stop, str) or stop not in known_nodes:
                    r.bad(f"{path}.stops[{j}]", item, "stops", stop, "the id of a node of the network")
                    ok = False
            stops = tuple(stops_raw) if ok else None
        if origin and stops:
            here = origin
            reachable = True
            for j, stop in enumerate(stops):
                if net.hours(here, stop) is None:
                    r.problem(
                        f"{path}.stops[{j}]",
                        f"The 'stops' of {item} must be reachable in order through the network; "
                        f"got {stop!r}, which cannot be reached from {here!r} instead.",
                    )
                    reachable = False
                    break
                here = stop
            if reachable and departs is not None:
                _check_calendar(r, path, item, departs, stops, net.stop_hours(origin, stops))
        max_w = r.field(obj, "max_weight_kg", path, item, _number(), _AMOUNT, default=None)
        max_v = r.field(obj, "max_volume_l", path, item, _number(), _AMOUNT, default=None)
        max_n = r.field(obj, "max_parcels", path, item, _integer(0), _NON_NEG_INT, default=None)
        cost = r.field(obj, "cost", path, item, _number(0, MAX_COST), _COST, default=0.0)
        accepts = r.field(obj, "accepts", path, item, _string_list, _STRS, default=None)
        if categories is not None and accepts:
            for j, cat in enumerate(accepts):
                if cat not in categories:
                    r.bad(f"{path}.accepts[{j}]", item, "accepts", cat,
                          "one of the scenario's 'categories'")
        if None in (bid, origin, departs, stops, cost):
            continue
        batches.append(Batch(
            bid, origin, departs, stops, max_w, max_v, max_n, cost,  # type: ignore[arg-type]
            frozenset(accepts) if accepts is not None else None,
        ))

    # -- sessions -----------------------------------------------------------
    sessions: list[Session] = []
    session_ids: dict[str, str] = {}
    for path, obj in r.objects(data, "sessions", "sessions"):
        r.check_unknown_keys(obj, FIELDS["sessions"], path)
        sid = r.id_of(obj, path, "session", session_ids)
        item = f"session {sid!r}" if sid else f"session {path}"
        facility = node_ref(obj, "facility", path, item)
        day = r.field(obj, "date", path, item, _date, _DATE)
        t0 = r.field(obj, "start", path, item, _time, _TIME)
        t1 = r.field(obj, "end", path, item, _time, _TIME)
        if t0 and t1 and t1 <= t0:
            r.bad(f"{path}.end", item, "end", obj["end"], f"a time after its 'start' {obj['start']}")
        capacity = r.field(obj, "capacity", path, item, _integer(0), _NON_NEG_INT)
        max_visitors = r.field(obj, "max_visitors", path, item, _integer(0), _NON_NEG_INT, default=None)
        closed = r.field(obj, "closed", path, item, _boolean, _BOOL, default=False)
        if None in (sid, facility, day, t0, t1, capacity, closed) or (t0 and t1 and t1 <= t0):
            continue
        sessions.append(Session(sid, facility, day, t0, t1, capacity,  # type: ignore[arg-type]
                                max_visitors, bool(closed)))

    # -- visit requests -----------------------------------------------------
    det_by_id = {d.id: d for d in detainees}

    def ranges(obj: Mapping[str, Any], path: str, item: str) -> tuple[DateRange, ...] | None:
        value = obj.get("available", _MISSING)
        if not isinstance(value, list) or not value:
            r.bad(f"{path}.available", item, "available", value,
                  "a non-empty list of date ranges {\"from\": date, \"to\": date}")
            return None
        out: list[DateRange] = []
        for j, rng in enumerate(value):
            rpath = f"{path}.available[{j}]"
            if not isinstance(rng, dict):
                r.bad(rpath, item, "available", rng, "a date range {\"from\": date, \"to\": date}")
                continue
            r.check_unknown_keys(rng, ("from", "to"), rpath)
            a = r.field(rng, "from", rpath, item, _date, _DATE)
            b = r.field(rng, "to", rpath, item, _date, _DATE)
            if a and b:
                if b < a:
                    r.bad(f"{rpath}.to", item, "to", rng["to"], f"on or after its 'from' {a.isoformat()}")
                else:
                    out.append(DateRange(a, b))
        return tuple(out) if len(out) == len(value) else None

    requests: list[VisitRequest] = []
    request_ids: dict[str, str] = {}
    for path, obj in r.objects(data, "visit_requests", "visit_requests"):
        r.check_unknown_keys(obj, FIELDS["visit_requests"], path)
        vid = r.id_of(obj, path, "visit request", request_ids)
        item = f"visit request {vid!r}" if vid else f"visit request {path}"
        det = obj.get("detainee", _MISSING)
        if not isinstance(det, str) or det not in det_by_id:
            r.bad(f"{path}.detainee", item, "detainee", det, "the id of a detainee of the scenario")
            det = None
        elif det in bad_facility:
            r.problem(f"{path}.detainee",
                      f"The 'detainee' of {item} must be at a valid facility to be visited; "
                      f"got detainee {det!r}, whose 'facility' is not valid (see "
                      f"{bad_facility[det]}.facility), instead.")
            det = None
        elif det_by_id[det].facility is None:
            r.problem(f"{path}.detainee",
                      f"The 'detainee' of {item} must have a 'facility' to be visited; "
                      f"got detainee {det!r}, who has none, instead.")
            det = None
        visitors = r.field(obj, "visitors", path, item, _integer(1), _POS_INT, default=1)
        available = ranges(obj, path, item)
        priority = r.field(obj, "priority", path, item, _integer(0), _NON_NEG_INT, default=1)
        language = r.field(obj, "language", path, item, _string, _STR, default=None)
        transport_from = node_ref(obj, "transport_from", path, item, required=False)
        closed = r.field(obj, "closed", path, item, _boolean, _BOOL, default=False)
        if None in (vid, det, visitors, available, priority, closed):
            continue
        requests.append(VisitRequest(vid, det, available, visitors, priority,  # type: ignore[arg-type]
                                     language, transport_from, bool(closed)))

    # -- escorts ------------------------------------------------------------
    escorts: list[Escort] = []
    escort_ids: dict[str, str] = {}
    for path, obj in r.objects(data, "escorts", "escorts"):
        r.check_unknown_keys(obj, FIELDS["escorts"], path)
        eid = r.id_of(obj, path, "escort", escort_ids)
        item = f"escort {eid!r}" if eid else f"escort {path}"
        langs = r.field(obj, "languages", path, item, _string_list, _STRS)
        available = ranges(obj, path, item)
        per_day = r.field(obj, "max_visits_per_day", path, item, _integer(0), _NON_NEG_INT, default=None)
        if None in (eid, langs, available):
            continue
        escorts.append(Escort(eid, frozenset(langs or ()), available, per_day))  # type: ignore[arg-type]

    # -- transports ---------------------------------------------------------
    transports: list[Transport] = []
    transport_ids: dict[str, str] = {}
    for path, obj in r.objects(data, "transports", "transports"):
        r.check_unknown_keys(obj, FIELDS["transports"], path)
        tid = r.id_of(obj, path, "transport", transport_ids)
        item = f"transport {tid!r}" if tid else f"transport {path}"
        origin = node_ref(obj, "origin", path, item)
        facility = node_ref(obj, "facility", path, item)
        day = r.field(obj, "date", path, item, _date, _DATE)
        seats = r.field(obj, "seats", path, item, _integer(0), _NON_NEG_INT)
        cost = r.field(obj, "cost", path, item, _number(0, MAX_COST), _COST, default=0.0)
        if None in (tid, origin, facility, day, seats, cost):
            continue
        transports.append(Transport(tid, origin, facility, day, seats, cost))  # type: ignore[arg-type]

    # -- reciprocity --------------------------------------------------------
    reciprocity: Reciprocity | None = None
    rec = data.get("reciprocity")
    if rec is not None:
        if not isinstance(rec, dict):
            r.problem("reciprocity", f"'reciprocity' must be an object; got {_received(rec)} instead.")
        else:
            r.check_unknown_keys(rec, ("max_difference",), "reciprocity")
            k = r.field(rec, "max_difference", "reciprocity", "the reciprocity", _integer(0), _NON_NEG_INT)
            if k is not None:
                reciprocity = Reciprocity(k)

    # -- warnings -------------------------------------------------------------
    spoken = set().union(*(e.languages for e in escorts)) if escorts else set()
    unspoken: dict[str, list[str]] = {}
    for req in requests:
        if req.language is not None and req.language not in spoken:
            unspoken.setdefault(req.language, []).append(req.id)
    for language, ids in unspoken.items():  # one warning per language, however many ask
        named = _first_few([repr(i) for i in ids])
        which = f"visit request {named}" if len(ids) == 1 else \
            f"{len(ids)} visit requests ({named})"
        r.warnings.append(f"no escort speaks {language!r}: {which} cannot be granted.")
    _warn_routes(r, batches)
    if start is not None and end is not None:
        for kind, dated in (("session", sessions), ("transport", transports)):
            outside = [repr(x.id) for x in dated if not start <= x.date <= end]
            if outside:
                r.warnings.append(
                    f"{len(outside)} {kind}(s) ({_first_few(outside)}) lie outside the "
                    f"scenario's horizon {start.isoformat()} to {end.isoformat()}; they are "
                    "planned like the others.")
    if reciprocity is not None:
        sides = {d.side for d in detainees if d.side is not None}
        if len(sides) != 2:
            r.warnings.append(
                f"reciprocity: the detainees are on {len(sides)} side(s), not exactly two; "
                "the reciprocity rule does not apply."
            )
    if r.problems:
        return None
    nodes.extend(Node(nid, kind, None, 0.0) for nid, kind in implied.items())
    return Scenario(
        name=name, start=start, end=end, nodes=tuple(nodes), links=tuple(links),
        defaults=defaults, detainees=tuple(detainees), parcels=tuple(parcels),
        batches=tuple(batches), sessions=tuple(sessions), visit_requests=tuple(requests),
        escorts=tuple(escorts), transports=tuple(transports), reciprocity=reciprocity,
        categories=categories, warnings=tuple(r.warnings),
    )


def _warn_routes(r: _Reader, batches: list[Batch]) -> None:
    """Warn of batch routes that call at their own origin, or at one stop twice."""
    at_origin = [repr(b.id) for b in batches if b.origin in b.stops]
    if at_origin:
        r.warnings.append(
            f"{len(at_origin)} batch(es) ({_first_few(at_origin)}) list their own origin among "
            "their stops, as a call on the way; check that the route is meant to return there.")
    twice = [repr(b.id) for b in batches if len(set(b.stops)) < len(b.stops)]
    if twice:
        r.warnings.append(
            f"{len(twice)} batch(es) ({_first_few(twice)}) call at a stop more than once; a "
            "parcel for that stop arrives at the first call.")


# -- writing ---------------------------------------------------------------------
def _ranges(rs: Iterable[DateRange]) -> list[dict[str, str]]:
    return [{"from": x.start.isoformat(), "to": x.end.isoformat()} for x in rs]


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as a JSON-ready dict in the ``parcelroute-scenario/1`` format."""
    out: dict[str, Any] = {"format": SCENARIO_FORMAT, "name": s.name}
    if s.start:
        out["start"] = s.start.isoformat()
    if s.end:
        out["end"] = s.end.isoformat()
    if s.categories is not None:
        out["categories"] = sorted(s.categories)
    out["network"] = {
        "nodes": [_drop_none({"id": n.id, "kind": n.kind, "daily_capacity": n.daily_capacity,
                              "dwell_hours": n.dwell_hours or None}) for n in s.nodes],
        "links": [{"from": x.source, "to": x.target, "hours": x.hours,
                   **({"directed": True} if x.directed else {})} for x in s.links],
    }
    out["defaults"] = _drop_none({
        "max_parcels_per_detainee": s.defaults.max_parcels_per_detainee,
        "max_weight_kg_per_detainee": s.defaults.max_weight_kg_per_detainee,
    })
    out["detainees"] = [_drop_none({
        "id": d.id, "side": d.side, "facility": d.facility, "max_parcels": d.max_parcels,
        "max_weight_kg": d.max_weight_kg, "max_visits": d.max_visits,
        "unavailable": sorted(x.isoformat() for x in d.unavailable) or None,
        "keep_apart": list(d.keep_apart) or None,
    }) for d in s.detainees]
    out["parcels"] = [_drop_none({
        "id": p.id, "recipient": p.recipient, "origin": p.origin, "destination": p.destination,
        "weight_kg": p.weight_kg, "volume_l": p.volume_l, "ready": p.ready.isoformat(),
        "due": p.due.isoformat(), "priority": p.priority, "category": p.category,
    }) for p in s.parcels]
    out["batches"] = [_drop_none({
        "id": b.id, "origin": b.origin, "departs": b.departs.isoformat(), "stops": list(b.stops),
        "max_weight_kg": b.max_weight_kg, "max_volume_l": b.max_volume_l,
        "max_parcels": b.max_parcels, "cost": b.cost,
        "accepts": sorted(b.accepts) if b.accepts is not None else None,
    }) for b in s.batches]
    out["sessions"] = [_drop_none({
        "id": x.id, "facility": x.facility, "date": x.date.isoformat(),
        "start": x.start.strftime("%H:%M"), "end": x.end.strftime("%H:%M"),
        "capacity": x.capacity, "max_visitors": x.max_visitors, "closed": x.closed,
    }) for x in s.sessions]
    out["visit_requests"] = [_drop_none({
        "id": v.id, "detainee": v.detainee, "visitors": v.visitors,
        "available": _ranges(v.available), "priority": v.priority, "language": v.language,
        "transport_from": v.transport_from, "closed": v.closed,
    }) for v in s.visit_requests]
    out["escorts"] = [_drop_none({
        "id": e.id, "languages": sorted(e.languages), "available": _ranges(e.available),
        "max_visits_per_day": e.max_visits_per_day,
    }) for e in s.escorts]
    out["transports"] = [{
        "id": t.id, "origin": t.origin, "facility": t.facility, "date": t.date.isoformat(),
        "seats": t.seats, "cost": t.cost,
    } for t in s.transports]
    if s.reciprocity is not None:
        out["reciprocity"] = {"max_difference": s.reciprocity.max_difference}
    return out


def write_scenario(scenario: Scenario, path: str | PathLike[str]) -> None:
    """Write ``scenario`` as a ``parcelroute-scenario/1`` JSON file."""
    Path(path).write_text(
        json.dumps(scenario_to_dict(scenario), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
