"""Check a plan against every rule of the problem, without trusting the solver.

:func:`verify` re-derives everything it needs from the scenario alone: the
shortest travel times (its own Dijkstra over exact fractions of hours), the
arrival dates of every batch, the loads of batches, crossings and detainees,
the session, escort and transport usage of visits, and the objective values.
Weights, volumes and costs are added as exact decimals (``0.1 + 0.2`` is
exactly ``0.3``), so a plan that overfills a batch by a gram is caught and a
plan that fills it exactly is kept.

Rule codes of the reported :class:`Violation` objects
------------------------------------------------------
Coverage
    ``missing_parcel``, ``duplicate_parcel``, ``unknown_parcel``,
    ``missing_visit``, ``duplicate_visit``, ``unknown_visit``,
    ``duplicate_batch``, ``unknown_batch``, ``missing_batch``, ``batch_record``,
    ``plan_order`` (parcels and visits keep the scenario's order).
Parcels
    ``parcel_batch`` (no such batch), ``parcel_origin``, ``parcel_destination``,
    ``parcel_ready``, ``parcel_due``, ``parcel_arrives``, ``parcel_category``,
    ``capacity_weight``, ``capacity_volume``, ``capacity_parcels``,
    ``crossing_capacity``, ``recipient_parcels``, ``recipient_weight``.
Visits
    ``visit_session`` (no such session), ``visit_facility``, ``visit_available``,
    ``visit_unavailable``, ``visit_closed``, ``session_capacity``,
    ``session_visitors``, ``detainee_per_date``, ``detainee_max_visits``,
    ``keep_apart``, ``escort_missing``, ``escort_unknown``, ``escort_language``,
    ``escort_available``, ``escort_overlap``, ``escort_facility``,
    ``escort_per_day``, ``transport_missing``, ``transport_unknown``,
    ``transport_route``, ``transport_date``, ``transport_unexpected``,
    ``transport_seats``, ``reciprocity``.
Explanations
    ``reason_missing``, ``detail_missing``, ``reason_unknown``, ``reason_false``
    (a code that cannot apply to the item: ``no_compatible_batch`` or
    ``no_session`` where one could carry it, ``recipient_limit`` for a parcel
    without a recipient, ``no_escort`` for a request without a language,
    ``no_seat`` without ``transport_from``, ``keep_apart`` for a detainee kept
    apart from no one, ``reciprocity`` where no agreement counts the detainee,
    ``cost`` at a priority above 0; or a code the plan as it stands belies: a
    parcel that a batch has room for, ``capacity`` where only a parcel's
    recipient stops it, a room code for a parcel no batch could ever carry, a
    request that a session could take, a code that blocks none of a request's
    sessions), ``left_out_assigned`` (a record left out that still names an
    arrival date, escort or transport).
Objective
    ``objective_value``, ``objective_bound`` (also a bound on the delivered or
    scheduled priority that one more fitting parcel or request would beat),
    ``objective_gap``, ``status`` (also any ``infeasible``:
    a plan that leaves everything out keeps every rule),
    ``solve_seconds`` (a plan file that does not state the time spent).
"""

from __future__ import annotations

import datetime as dt
import heapq
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Underflow,
)
from fractions import Fraction
from functools import cached_property
from os import PathLike
from typing import Any

from parcelroute.exceptions import InvalidPlanError, Problem
from parcelroute.io.plan_io import load_plan_file, read_plan_dict
from parcelroute.io.scenario_io import read_scenario
from parcelroute.model.scenario import (
    Batch,
    DateRange,
    Escort,
    Parcel,
    Scenario,
    Session,
    Transport,
    VisitRequest,
)
from parcelroute.result import LEVELS, ParcelAssignment, Result, Status, VisitAssignment

__all__ = ["Violation", "verify", "verify_files"]

#: Relative tolerance for reported totals, objective values and bounds.
TOLERANCE = 1e-6

# Additions in this context are exact: any inexact result raises instead of rounding.
_EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[Inexact, Rounded, Overflow, Underflow, InvalidOperation],
)
_ZERO = Decimal(0)
_STATUSES = frozenset(s.value for s in Status)
#: The reason codes of a left-out parcel and of a left-out visit request.
_PARCEL_REASONS = ("no_compatible_batch", "recipient_limit", "capacity", "crossing_capacity",
                   "cost", "time_limit")
_VISIT_REASONS = ("no_session", "detainee_limit", "keep_apart", "no_escort", "no_seat",
                  "reciprocity", "capacity", "cost", "time_limit")


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule a plan breaks.

    Attributes
    ----------
    rule : str
        A short code such as ``"capacity_weight"`` or ``"keep_apart"`` (the
        module documentation lists them all).
    item : str
        The id of the parcel, batch, node, detainee, session, escort,
        transport or visit request concerned; ``""`` for the plan as a whole.
    message : str
        A full sentence for a coordinator.

    Examples
    --------
    >>> import parcelroute as pr
    >>> v = pr.Violation("capacity_weight", "B-1", "Batch 'B-1' carries 12 kg, over its 10 kg.")
    >>> str(v)
    "capacity_weight [B-1]: Batch 'B-1' carries 12 kg, over its 10 kg."
    """

    rule: str
    item: str
    message: str

    def __str__(self) -> str:
        if self.item:
            return f"{self.rule} [{self.item}]: {self.message}"
        return f"{self.rule}: {self.message}"


# -- exact numbers -----------------------------------------------------------------
def _dec(value: float | int) -> Decimal:
    """The exact decimal value of a JSON number (``0.1`` is exactly one tenth)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _frac(value: float | int) -> Fraction:
    return Fraction(_dec(value))


def _show(value: Decimal | float | int) -> str:
    """A number as a coordinator writes it: ``3``, ``0.3``, ``1500.001``; beyond a trillion
    in scientific notation (``1E+308``, not 309 digits)."""
    d = value if isinstance(value, Decimal) else _dec(value)
    d = d.normalize(_EXACT)
    text = format(d, "f" if abs(d) < _LARGE else "E")
    return "0" if text in ("-0", "") else text


_LARGE = Decimal(10) ** 12
#: How far a plan file's stated gap may be from the one its value and bound give (plans
#: are written with gaps rounded to 9 decimals).
GAP_TOLERANCE = 1e-6


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def _in_ranges(day: dt.date, ranges: Iterable[DateRange]) -> bool:
    return any(r.start <= day <= r.end for r in ranges)


def _on_dates(sessions: Sequence[Session], dates: Sequence[dt.date],
              ranges: Iterable[DateRange]) -> list[Session]:
    """The ``sessions`` (sorted by date, ``dates`` theirs) on a date in one of ``ranges``,
    by date, each once."""
    picked: dict[int, None] = {}
    for r in ranges:
        for k in range(bisect_left(dates, r.start), bisect_right(dates, r.end)):
            picked[k] = None
    return [sessions[k] for k in sorted(picked)]


def _ranges_text(ranges: Iterable[DateRange]) -> str:
    return ", ".join(f"{r.start.isoformat()} to {r.end.isoformat()}" for r in ranges)


# -- the arrival rule --------------------------------------------------------------
class _Routes:
    """Shortest travel times in exact hours and the arrival dates of batches."""

    def __init__(self, scenario: Scenario) -> None:
        adj: dict[str, dict[str, Fraction]] = {n.id: {} for n in scenario.nodes}
        for link in scenario.links:
            hours = _frac(link.hours)
            pairs = [(link.source, link.target)]
            if not link.directed:
                pairs.append((link.target, link.source))
            for u, v in pairs:
                out = adj.setdefault(u, {})
                adj.setdefault(v, {})
                old = out.get(v)
                if old is None or hours < old:
                    out[v] = hours
        self._adj = adj
        self._dwell = {n.id: _frac(n.dwell_hours) for n in scenario.nodes}
        self._from: dict[str, dict[str, Fraction]] = {}

    def _dijkstra(self, source: str) -> dict[str, Fraction]:
        dist: dict[str, Fraction] = {}
        if source not in self._adj:
            return dist
        heap: list[tuple[Fraction, str]] = [(Fraction(0), source)]
        while heap:
            d, u = heapq.heappop(heap)
            if u in dist:
                continue
            dist[u] = d
            for v, h in self._adj[u].items():
                if v not in dist:
                    heapq.heappush(heap, (d + h, v))
        return dist

    def hours(self, source: str, target: str) -> Fraction | None:
        """Shortest travel time from ``source`` to ``target``; ``None`` if unreachable."""
        dist = self._from.get(source)
        if dist is None:
            dist = self._from[source] = self._dijkstra(source)
        return dist.get(target)

    def arrivals(self, batch: Batch) -> list[dt.date | None]:
        """Arrival date at each stop; ``None`` from the first unreachable stop on."""
        out: list[dt.date | None] = []
        here, elapsed = batch.origin, Fraction(0)
        for stop in batch.stops:
            leg = self.hours(here, stop)
            if leg is None:
                out.extend([None] * (len(batch.stops) - len(out)))
                break
            elapsed += leg
            out.append(batch.departs + dt.timedelta(days=elapsed // 24))
            elapsed += self._dwell.get(stop, Fraction(0))
            here = stop
        return out


@dataclass
class _BatchInfo:
    batch: Batch
    arrivals: list[dt.date | None]
    first: dict[str, int]  # first position of each stop

    def arrival_at(self, node: str) -> tuple[int | None, dt.date | None]:
        pos = self.first.get(node)
        return pos, (None if pos is None else self.arrivals[pos])


def _batch_infos(scenario: Scenario, routes: _Routes) -> dict[str, _BatchInfo]:
    infos: dict[str, _BatchInfo] = {}
    for b in scenario.batches:
        first: dict[str, int] = {}
        for k, stop in enumerate(b.stops):
            first.setdefault(stop, k)
        infos[b.id] = _BatchInfo(b, routes.arrivals(b), first)
    return infos


def _accepts(batch: Batch, parcel: Parcel) -> bool:
    return batch.accepts is None or parcel.category in batch.accepts


def _may_carry(info: _BatchInfo, pos: int, p: Parcel) -> bool:
    """Whether batch ``info``, reaching ``p``'s destination at stop ``pos``, may ever carry
    ``p``: ready by its departure, there by its due date, its category accepted."""
    b, arrives = info.batch, info.arrivals[pos]
    return arrives is not None and p.ready <= b.departs and arrives <= p.due and _accepts(b, p)


@dataclass
class _Room:
    """A plan's loads: per batch, per limited crossing and date, per recipient."""

    count: Mapping[str, int]
    weight: Mapping[str, Decimal]
    volume: Mapping[str, Decimal]
    crossing: Mapping[tuple[str, dt.date], int]
    rec_count: Mapping[str, int]
    rec_weight: Mapping[str, Decimal]

    def recipient_allows(self, s: Scenario, p: Parcel) -> bool:
        """Whether the parcel's recipient may receive it on top of the plan's parcels."""
        if p.recipient is None:
            return True
        n_max, w_max = s.parcel_limits(p.recipient)
        if n_max is not None and self.rec_count.get(p.recipient, 0) + 1 > n_max:
            return False
        return w_max is None or _EXACT.add(self.rec_weight.get(p.recipient, _ZERO),
                                           _dec(p.weight_kg)) <= _dec(w_max)

    def fits(self, info: _BatchInfo, pos: int, p: Parcel, limited: Mapping[str, int]) -> bool:
        """Whether batch ``info`` (reaching ``p``'s destination at stop ``pos``) may carry
        ``p`` on top of the plan's parcels: the batch rules, its capacities and crossings."""
        if not _may_carry(info, pos, p):
            return False
        b = info.batch
        bid = b.id
        if b.max_parcels is not None and self.count.get(bid, 0) + 1 > b.max_parcels:
            return False
        for cap, load, size in ((b.max_weight_kg, self.weight, p.weight_kg),
                                (b.max_volume_l, self.volume, p.volume_l)):
            if cap is not None and _EXACT.add(load.get(bid, _ZERO), _dec(size)) > _dec(cap):
                return False
        added: dict[tuple[str, dt.date], int] = defaultdict(int)
        for k in range(pos):
            stop, day = b.stops[k], info.arrivals[k]
            if stop in limited and day is not None:
                added[(stop, day)] += 1
        return all(self.crossing.get(key, 0) + n <= limited[key[0]] for key, n in added.items())


def _overlap(a: Session, b: Session) -> bool:
    """Whether two sessions on one date overlap in time (touching ends do not)."""
    return a.date == b.date and a.start < b.end and b.start < a.end


class _VisitRoom:
    """A plan's visits as they stand: what one more request would have to share."""

    def __init__(self, s: Scenario, session_visits: Mapping[str, int],
                 session_people: Mapping[str, int], per_date: Mapping[tuple[str, dt.date], int],
                 total: Mapping[str, int], at_facility: Mapping[tuple[str, dt.date], list[str]],
                 escort_days: Mapping[tuple[str, dt.date], list[Session]],
                 seats_used: Mapping[str, int], apart: Mapping[str, set[str]],
                 side_counts: Mapping[str, int] | None) -> None:
        self.s = s
        self.session_visits = session_visits
        self.session_people = session_people
        self.per_date = per_date
        self.total = total
        self.at_facility = at_facility
        self.escort_days = escort_days
        self.seats_used = seats_used
        self.apart = apart
        #: Scheduled visits per side, when the agreement counts two sides.
        self.side_counts = side_counts
        self.speakers: dict[str, list[Escort]] = defaultdict(list)
        for e in s.escorts:
            for language in dict.fromkeys(e.languages):
                self.speakers[language].append(e)
        self.routes: dict[tuple[str, str, dt.date], list[Transport]] = defaultdict(list)
        for t in s.transports:
            self.routes[(t.origin, t.facility, t.date)].append(t)
        #: Whether an escort who speaks a language is free for one more visit at a session
        #: (the plan does not change while it is asked).
        self._escort_at: dict[tuple[str, str], bool] = {}

    def blockers(self, req: VisitRequest, x: Session) -> dict[str, str]:
        """Each rule that stops ``req`` from taking session ``x`` on top of the plan's
        visits, by reason code, with what blocks it; empty when ``x`` could take it."""
        out: dict[str, str] = {}
        did, day = req.detainee, x.date
        det = self.s.detainee_by_id[did]
        taken = self.session_visits.get(x.id, 0)
        people = self.session_people.get(x.id, 0)
        if taken >= x.capacity:
            out["capacity"] = f"{x.id} has {taken} of {x.capacity} visit(s)"
        elif x.max_visitors is not None and people + req.visitors > x.max_visitors:
            out["capacity"] = (f"{x.id} has {people} of {x.max_visitors} visitor(s) and the "
                               f"family is {req.visitors}")
        if self.total.get(did, 0) >= det.max_visits:
            out["detainee_limit"] = (f"{did} has {self.total.get(did, 0)} of its "
                                     f"{det.max_visits} visit(s)")
        elif self.per_date.get((did, day), 0) > 0:
            out["detainee_limit"] = f"{did} is visited on {day.isoformat()}"
        visited = self.at_facility.get((x.facility, day), ())
        near = sorted(o for o in self.apart.get(did, ()) if o in visited)
        if near:
            out["keep_apart"] = f"{near[0]} is visited at {x.facility} on {day.isoformat()}"
        if req.language is not None and not self._has_escort(req.language, x):
            out["no_escort"] = (f"no escort who speaks {req.language!r} is free for {x.id} on "
                                f"{day.isoformat()}")
        if req.transport_from is not None and self.transport(req, x) is None:
            out["no_seat"] = (f"no transport from {req.transport_from} to {x.facility} on "
                              f"{day.isoformat()} has {req.visitors} free seat(s)")
        counts, mine = self.side_counts, det.side
        if counts is not None and mine is not None and mine in counts:
            theirs = next(side for side in counts if side != mine)
            assert self.s.reciprocity is not None
            if counts[mine] + 1 - counts[theirs] > self.s.reciprocity.max_difference:
                out["reciprocity"] = (f"side {mine} would have {counts[mine] + 1} visit(s) "
                                      f"against {counts[theirs]}")
        return out

    def _has_escort(self, language: str, x: Session) -> bool:
        """Whether some escort who speaks ``language`` could serve one more visit at ``x``."""
        key = (language, x.id)
        free = self._escort_at.get(key)
        if free is None:
            free = self._escort_at[key] = any(
                self._escort_free(e, x) for e in self.speakers.get(language, ()))
        return free

    def _escort_free(self, e: Escort, x: Session) -> bool:
        """Whether escort ``e`` (who speaks the language) could serve one more visit at
        ``x``: available that date, under its daily limit, and every other session of
        its day at the same facility and not overlapping ``x``."""
        if not _in_ranges(x.date, e.available):
            return False
        day = self.escort_days.get((e.id, x.date), [])
        if e.max_visits_per_day is not None and len(day) + 1 > e.max_visits_per_day:
            return False
        return all(o.facility == x.facility and (o.id == x.id or not _overlap(o, x))
                   for o in day)

    def transport(self, req: VisitRequest, x: Session) -> Transport | None:
        """The transport adding least cost that could carry ``req``'s family to ``x`` as
        the plan stands (one already used adds nothing), or ``None``."""
        best: tuple[Decimal, Transport] | None = None
        assert req.transport_from is not None
        for t in self.routes.get((req.transport_from, x.facility, x.date), ()):
            if self.seats_used.get(t.id, 0) + req.visitors > t.seats:
                continue
            added = _ZERO if t.id in self.seats_used else _dec(t.cost)
            if best is None or added < best[0]:
                best = (added, t)
        return None if best is None else best[1]

    def added_cost(self, req: VisitRequest, x: Session) -> Decimal:
        """The transport cost that scheduling ``req`` at ``x`` would add (``x`` must fit)."""
        if req.transport_from is None:
            return _ZERO
        t = self.transport(req, x)
        return _ZERO if t is None or t.id in self.seats_used else _dec(t.cost)


# -- the checker -------------------------------------------------------------------
class _Checker:
    def __init__(self, scenario: Scenario, plan: Result) -> None:
        self.s = scenario
        self.plan = plan
        self.out: list[Violation] = []
        self.routes = _Routes(scenario)
        self.batches = _batch_infos(scenario, self.routes)
        self.computed: dict[str, Decimal] = {name: _ZERO for name, _ in LEVELS}
        self.scheduled_by_detainee: dict[str, int] = defaultdict(int)
        #: The left-out parcel of most priority that fits as the plan stands (priority, id,
        #: batch): the plan's delivered priority plus its own is possible.
        self._one_more: tuple[int, str, str] | None = None
        #: The left-out visit request of most priority that some session could take as the
        #: plan stands (priority, id, session).
        self._one_more_visit: tuple[int, str, str] | None = None

    def add(self, rule: str, item: str, message: str) -> None:
        self.out.append(Violation(rule, item, message))

    # -- parcels -----------------------------------------------------------------
    def check_parcels(self) -> None:
        s, add = self.s, self.add
        parcel_by_id = {p.id: p for p in s.parcels}
        batches = self.batches
        seen: set[str] = set()
        left_out: list[tuple[ParcelAssignment, Parcel]] = []
        count: dict[str, int] = defaultdict(int)
        weight: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        volume: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        at_position: dict[tuple[str, int], int] = defaultdict(int)
        rec_count: dict[str, int] = defaultdict(int)
        rec_weight: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        priority = 0
        plus = _EXACT.add

        for rec in self.plan.parcels:
            pid = rec.id
            p = parcel_by_id.get(pid)
            if p is None:
                add("unknown_parcel", pid,
                    f"The plan lists parcel {pid!r}, which is not a parcel of the scenario.")
                continue
            if pid in seen:
                add("duplicate_parcel", pid,
                    f"Parcel {pid!r} appears more than once in the plan; it must appear "
                    "exactly once.")
                continue
            seen.add(pid)
            if rec.batch is None:
                left_out.append((rec, p))
                continue
            priority += p.priority
            w = _dec(p.weight_kg)
            if p.recipient is not None:
                rec_count[p.recipient] += 1
                rec_weight[p.recipient] = plus(rec_weight[p.recipient], w)
            bid = rec.batch
            info = batches.get(bid)
            if info is None:
                add("parcel_batch", pid,
                    f"Parcel {pid!r} is assigned to batch {bid!r}, which is not a batch of "
                    "the scenario.")
                continue
            b = info.batch
            count[bid] += 1
            weight[bid] = plus(weight[bid], w)
            volume[bid] = plus(volume[bid], _dec(p.volume_l))
            if p.origin != b.origin:
                add("parcel_origin", pid,
                    f"Parcel {pid!r} waits at {p.origin!r}, but batch {bid!r} leaves from "
                    f"{b.origin!r}.")
            if p.ready > b.departs:
                add("parcel_ready", pid,
                    f"Parcel {pid!r} is ready on {p.ready.isoformat()}, after batch {bid!r} "
                    f"departs on {b.departs.isoformat()}.")
            if not _accepts(b, p):
                add("parcel_category", pid,
                    f"Batch {bid!r} does not accept category {p.category!r} of parcel {pid!r}.")
            pos, arrives = info.arrival_at(p.destination)
            if pos is None:
                add("parcel_destination", pid,
                    f"Batch {bid!r} does not stop at {p.destination!r}, the destination of "
                    f"parcel {pid!r}.")
                continue
            at_position[(bid, pos)] += 1
            if arrives is None:
                add("parcel_destination", pid,
                    f"Batch {bid!r} cannot reach {p.destination!r}, the destination of parcel "
                    f"{pid!r}, through the network.")
                continue
            if arrives > p.due:
                add("parcel_due", pid,
                    f"Batch {bid!r} reaches {p.destination!r} on {arrives.isoformat()}, after "
                    f"parcel {pid!r} is due on {p.due.isoformat()}.")
            if rec.arrives != arrives:
                written = rec.arrives.isoformat() if rec.arrives else "no date"
                add("parcel_arrives", pid,
                    f"The plan says parcel {pid!r} arrives on {written}, but batch {bid!r} "
                    f"reaches {p.destination!r} on {arrives.isoformat()}.")

        for p in s.parcels:
            if p.id not in seen:
                add("missing_parcel", p.id,
                    f"Parcel {p.id!r} of the scenario is missing from the plan; every parcel "
                    "must appear once, delivered or left out with a reason.")
        self._check_order("parcel", [rec.id for rec in self.plan.parcels],
                          [p.id for p in s.parcels])

        self._check_batch_records(count, weight, volume)
        self._check_capacities(count, weight, volume)
        crossing = self._check_crossings(at_position)
        self._check_recipients(rec_count, rec_weight)
        self._check_left_out_parcels(left_out, _Room(count, weight, volume, crossing,
                                                     rec_count, rec_weight))

        self.computed["delivered_priority"] = Decimal(priority)
        cost = _ZERO
        for b in s.batches:
            if count.get(b.id, 0) > 0:
                cost = plus(cost, _dec(b.cost))
        self.computed["batch_cost"] = cost

    def _check_order(self, kind: str, listed: Sequence[str], scenario_ids: Sequence[str]) -> None:
        """The first item the plan lists after one that comes later in the scenario."""
        order = {item: k for k, item in enumerate(scenario_ids)}
        last, last_id = -1, ""
        for item in listed:
            k = order.get(item)
            if k is None:
                continue
            if k < last:
                self.add("plan_order", item,
                         f"{kind.capitalize()} {item!r} comes after {kind} {last_id!r} in the "
                         "plan but before it in the scenario; a plan must keep the scenario's "
                         "order.")
                return
            last, last_id = k, item

    def _check_batch_records(
        self, count: Mapping[str, int], weight: Mapping[str, Decimal],
        volume: Mapping[str, Decimal],
    ) -> None:
        add = self.add
        seen: set[str] = set()
        for rec in self.plan.batches:
            bid = rec.id
            if bid not in self.batches:
                add("unknown_batch", bid,
                    f"The plan lists batch {bid!r}, which is not a batch of the scenario.")
                continue
            if bid in seen:
                add("duplicate_batch", bid,
                    f"Batch {bid!r} appears more than once in the plan's batches.")
                continue
            seen.add(bid)
            n = count.get(bid, 0)
            if bool(rec.operated) != (n > 0):
                add("batch_record", bid,
                    f"The plan says batch {bid!r} is {'' if rec.operated else 'not '}operated, "
                    f"but {n} parcel(s) are assigned to it.")
            if rec.parcels != n:
                add("batch_record", bid,
                    f"The plan says batch {bid!r} carries {rec.parcels} parcel(s), but {n} are "
                    "assigned to it.")
            for what, unit, stated, actual in (
                ("weight", "kg", rec.weight_kg, weight.get(bid, _ZERO)),
                ("volume", "l", rec.volume_l, volume.get(bid, _ZERO)),
            ):
                if not _close(float(stated), float(actual)):
                    add("batch_record", bid,
                        f"The plan says batch {bid!r} carries {_show(stated)} {unit} of {what}, "
                        f"but its parcels add up to {_show(actual)} {unit}.")
        for b in self.s.batches:
            if b.id not in seen and count.get(b.id, 0) > 0:
                add("missing_batch", b.id,
                    f"Batch {b.id!r} carries {count[b.id]} parcel(s) but has no record in the "
                    "plan's batches.")

    def _check_capacities(
        self, count: Mapping[str, int], weight: Mapping[str, Decimal],
        volume: Mapping[str, Decimal],
    ) -> None:
        add = self.add
        for b in self.s.batches:
            n = count.get(b.id, 0)
            if n == 0:
                continue
            if b.max_weight_kg is not None and weight[b.id] > _dec(b.max_weight_kg):
                add("capacity_weight", b.id,
                    f"Batch {b.id!r} carries {_show(weight[b.id])} kg, more than its limit of "
                    f"{_show(b.max_weight_kg)} kg.")
            if b.max_volume_l is not None and volume[b.id] > _dec(b.max_volume_l):
                add("capacity_volume", b.id,
                    f"Batch {b.id!r} carries {_show(volume[b.id])} l, more than its limit of "
                    f"{_show(b.max_volume_l)} l.")
            if b.max_parcels is not None and n > b.max_parcels:
                add("capacity_parcels", b.id,
                    f"Batch {b.id!r} carries {n} parcels, more than its limit of "
                    f"{b.max_parcels}.")

    def _check_crossings(self, at_position: Mapping[tuple[str, int], int]
                         ) -> dict[tuple[str, dt.date], int]:
        """Report the crossings over their daily capacity; return every limited crossing's
        load by date."""
        limited = {n.id: n.daily_capacity for n in self.s.nodes if n.daily_capacity is not None}
        load: dict[tuple[str, dt.date], int] = defaultdict(int)
        if not limited:
            return load
        by_batch: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (bid, pos), n in at_position.items():
            by_batch[bid].append((pos, n))
        for b in self.s.batches:
            carried = by_batch.get(b.id)
            if not carried:
                continue
            info = self.batches[b.id]
            for k, stop in enumerate(b.stops):
                day = info.arrivals[k]
                if stop not in limited or day is None:
                    continue
                brought = sum(n for pos, n in carried if pos > k)
                if brought:
                    load[(stop, day)] += brought
        order = {n.id: i for i, n in enumerate(self.s.nodes)}
        for (node, day), n in sorted(load.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
            if n > limited[node]:
                self.add("crossing_capacity", node,
                         f"Crossing {node!r} receives {n} parcels on {day.isoformat()}, more "
                         f"than its daily capacity of {limited[node]}.")
        return load

    def _check_recipients(
        self, rec_count: Mapping[str, int], rec_weight: Mapping[str, Decimal]
    ) -> None:
        order = [d.id for d in self.s.detainees]
        order += sorted(set(rec_count) - set(order))
        for did in order:
            n = rec_count.get(did, 0)
            if n == 0:
                continue
            max_parcels, max_weight = self.s.parcel_limits(did)
            if max_parcels is not None and n > max_parcels:
                self.add("recipient_parcels", did,
                         f"Detainee {did!r} receives {n} parcels, more than the limit of "
                         f"{max_parcels}.")
            if max_weight is not None and rec_weight[did] > _dec(max_weight):
                self.add("recipient_weight", did,
                         f"Detainee {did!r} receives {_show(rec_weight[did])} kg, more than "
                         f"the limit of {_show(max_weight)} kg.")

    def _check_left_out_parcels(self, left_out: Sequence[tuple[ParcelAssignment, Parcel]],
                                room: _Room) -> None:
        limited = {n.id: n.daily_capacity for n in self.s.nodes if n.daily_capacity is not None}
        by_route: dict[tuple[str, str], list[tuple[_BatchInfo, int]]] = defaultdict(list)
        for info in self.batches.values():
            for stop, pos in info.first.items():
                if info.arrivals[pos] is not None:
                    by_route[(info.batch.origin, stop)].append((info, pos))
        for rec, p in left_out:
            self._check_explained("parcel", p.id, rec.reason, rec.detail, _PARCEL_REASONS,
                                  p.priority)
            batches = by_route.get((p.origin, p.destination), [])
            self._check_room(rec, p, room, batches, limited)
            if rec.arrives is not None:
                self.add("left_out_assigned", p.id,
                         f"Parcel {p.id!r} is left out, yet the plan gives it an arrival "
                         f"date ({rec.arrives.isoformat()}).")
            if rec.reason == "recipient_limit" and p.recipient is None:
                self.add("reason_false", p.id,
                         f"Parcel {p.id!r} is left out as 'recipient_limit', but it has no "
                         "recipient, so no recipient limit applies to it.")
            if rec.reason != "no_compatible_batch":
                continue
            for info, pos in batches:
                if _may_carry(info, pos, p):
                    b, arrives = info.batch, info.arrivals[pos]
                    assert arrives is not None
                    self.add("reason_false", p.id,
                             f"Parcel {p.id!r} is left out as 'no_compatible_batch', but batch "
                             f"{b.id!r} could carry it (departs {b.departs.isoformat()}, "
                             f"reaches {p.destination!r} on {arrives.isoformat()}).")
                    break

    def _check_room(self, rec: ParcelAssignment, p: Parcel, room: _Room,
                    batches: Sequence[tuple[_BatchInfo, int]], limited: Mapping[str, int]
                    ) -> None:
        """A reason that says the parcel does not fit, checked against the plan as it stands.

        ``capacity`` (or ``crossing_capacity``) is false when a batch that may carry
        the parcel has room for it, its crossings too, and its recipient may receive
        it, and also when every such batch has room and only the recipient's limit
        stops it; ``recipient_limit`` when the recipient may receive it; ``cost`` when
        an operated batch has room for it; any of the three when no batch may ever
        carry it (its code is ``no_compatible_batch``). A parcel of positive priority
        that fits somewhere also proves that the plan's delivered priority could be
        higher (kept for :meth:`check_objective`).
        """
        # ('cost' at a positive priority is false already: one reason_false is enough)
        reason = None if rec.reason == "cost" and p.priority > 0 else rec.reason
        carriers = [(info, pos) for info, pos in batches if _may_carry(info, pos, p)]
        if reason in ("capacity", "crossing_capacity", "cost") and not carriers:
            self.add("reason_false", p.id,
                     f"Parcel {p.id!r} is left out as {rec.reason!r}, but no batch could ever "
                     "carry it (its code would be 'no_compatible_batch').")
            return
        recipient_ok = room.recipient_allows(self.s, p)
        if reason in ("capacity", "crossing_capacity") and not recipient_ok and all(
            room.fits(info, pos, p, limited) for info, pos in carriers
        ):
            self.add("reason_false", p.id,
                     f"Parcel {p.id!r} is left out as {rec.reason!r}, but no batch that could "
                     "carry it is full as the plan stands, nor a crossing on its way: the limits "
                     f"of detainee {p.recipient!r} are what stop it (its code would be "
                     "'recipient_limit').")
        if reason == "recipient_limit" and p.recipient is not None and recipient_ok:
            n_max, w_max = self.s.parcel_limits(p.recipient)
            self.add("reason_false", p.id,
                     f"Parcel {p.id!r} is left out as 'recipient_limit', but detainee "
                     f"{p.recipient!r} receives {room.rec_count.get(p.recipient, 0)} "
                     f"parcel(s) and {_show(room.rec_weight.get(p.recipient, _ZERO))} kg in "
                     f"the plan, so it may receive this one too (limits: "
                     f"{'none' if n_max is None else n_max} parcel(s), "
                     f"{'none' if w_max is None else _show(w_max)} kg).")
        checked = reason in ("capacity", "crossing_capacity", "cost")
        if not recipient_ok or (not checked and p.priority <= 0):
            return
        fits = [info.batch.id for info, pos in carriers if room.fits(info, pos, p, limited)]
        if not fits:
            return
        if reason in ("capacity", "crossing_capacity"):
            self.add("reason_false", p.id,
                     f"Parcel {p.id!r} is left out as {rec.reason!r}, but batch {fits[0]!r} "
                     "has room for it as the plan stands (its capacities, the crossings on its "
                     "way and the parcel's recipient allow it).")
        operated = [bid for bid in fits if room.count.get(bid, 0) > 0]
        if reason == "cost" and operated:
            self.add("reason_false", p.id,
                     f"Parcel {p.id!r} is left out as 'cost', but batch {operated[0]!r}, "
                     "already operated, has room for it: delivering it costs nothing.")
        if p.priority > 0 and (self._one_more is None or p.priority > self._one_more[0]):
            self._one_more = (p.priority, p.id, fits[0])

    def _check_explained(self, kind: str, item: str, reason: str | None,
                         detail: str | None, known: Sequence[str], priority: int) -> None:
        if not (isinstance(reason, str) and reason.strip()):
            self.add("reason_missing", item,
                     f"The {kind} {item!r} is left out without a reason code.")
        elif reason not in known:
            self.add("reason_unknown", item,
                     f"The reason code of the {kind} {item!r} must be one of "
                     f"{', '.join(repr(k) for k in known)}; got {reason!r} instead.")
        elif reason == "cost" and priority > 0:
            self.add("reason_false", item,
                     f"The {kind} {item!r} is left out as 'cost', but its priority is "
                     f"{priority}: cost comes after priority, so it never justifies leaving "
                     "out an item of positive priority.")
        if not (isinstance(detail, str) and detail.strip()):
            self.add("detail_missing", item,
                     f"The {kind} {item!r} is left out without a sentence explaining why.")

    # -- visits --------------------------------------------------------------------
    def check_visits(self) -> None:
        s, add = self.s, self.add
        request_by_id = {r.id: r for r in s.visit_requests}
        session_by_id = {x.id: x for x in s.sessions}
        escort_by_id = {e.id: e for e in s.escorts}
        transport_by_id = {t.id: t for t in s.transports}
        detainees = s.detainee_by_id
        seen: set[str] = set()
        left_out: list[tuple[VisitAssignment, VisitRequest]] = []
        session_visits: dict[str, int] = defaultdict(int)
        session_people: dict[str, int] = defaultdict(int)
        per_date: dict[tuple[str, dt.date], int] = defaultdict(int)
        total: dict[str, int] = defaultdict(int)
        at_facility: dict[tuple[str, dt.date], list[str]] = defaultdict(list)
        escort_days: dict[tuple[str, dt.date], list[Session]] = defaultdict(list)
        seats_used: dict[str, int] = defaultdict(int)
        priority = 0

        for rec in self.plan.visits:
            vid = rec.id
            req = request_by_id.get(vid)
            if req is None:
                add("unknown_visit", vid,
                    f"The plan lists visit request {vid!r}, which is not a request of the "
                    "scenario.")
                continue
            if vid in seen:
                add("duplicate_visit", vid,
                    f"Visit request {vid!r} appears more than once in the plan; it must appear "
                    "exactly once.")
                continue
            seen.add(vid)
            if rec.session is None:
                left_out.append((rec, req))
                continue
            priority += req.priority
            total[req.detainee] += 1
            det = detainees.get(req.detainee)
            facility = det.facility if det is not None else None
            session = session_by_id.get(rec.session)
            if session is None:
                add("visit_session", vid,
                    f"Visit request {vid!r} is given session {rec.session!r}, which is not a "
                    "session of the scenario.")
            else:
                self._check_session_fit(req, session, facility)
                session_visits[session.id] += 1
                session_people[session.id] += req.visitors
                per_date[(req.detainee, session.date)] += 1
                if req.detainee not in at_facility[(session.facility, session.date)]:
                    at_facility[(session.facility, session.date)].append(req.detainee)

            # escort
            if rec.escort is None:
                if req.language is not None:
                    add("escort_missing", vid,
                        f"Visit request {vid!r} needs an escort who speaks {req.language!r}, "
                        "but none is given.")
            else:
                escort = escort_by_id.get(rec.escort)
                if escort is None:
                    add("escort_unknown", vid,
                        f"Visit request {vid!r} is given escort {rec.escort!r}, who is not an "
                        "escort of the scenario.")
                else:
                    self._check_escort_fit(req, escort, session)
                    if session is not None:
                        escort_days[(escort.id, session.date)].append(session)

            # transport
            if rec.transport is None:
                if req.transport_from is not None:
                    add("transport_missing", vid,
                        f"Visit request {vid!r} travels from {req.transport_from!r} and needs "
                        "seats on a transport, but none is given.")
            else:
                transport = transport_by_id.get(rec.transport)
                if transport is None:
                    add("transport_unknown", vid,
                        f"Visit request {vid!r} is given transport {rec.transport!r}, which is "
                        "not a transport of the scenario.")
                else:
                    seats_used[transport.id] += req.visitors
                    self._check_transport_fit(req, transport, session, facility)

        for r in s.visit_requests:
            if r.id not in seen:
                add("missing_visit", r.id,
                    f"Visit request {r.id!r} of the scenario is missing from the plan; every "
                    "request must appear once, scheduled or left out with a reason.")
        self._check_order("visit request", [rec.id for rec in self.plan.visits],
                          [r.id for r in s.visit_requests])

        for x in s.sessions:
            n = session_visits.get(x.id, 0)
            if n > x.capacity:
                add("session_capacity", x.id,
                    f"Session {x.id!r} has {n} visits, more than its capacity of "
                    f"{x.capacity}.")
            people = session_people.get(x.id, 0)
            if x.max_visitors is not None and people > x.max_visitors:
                add("session_visitors", x.id,
                    f"Session {x.id!r} has {people} visitors, more than its limit of "
                    f"{x.max_visitors}.")

        for (did, day), n in sorted(per_date.items()):
            if n > 1:
                add("detainee_per_date", did,
                    f"Detainee {did!r} has {n} visits on {day.isoformat()}; at most one per "
                    "date is allowed.")
        for did, n in sorted(total.items()):
            det = detainees.get(did)
            limit = det.max_visits if det is not None else 1
            if n > limit:
                add("detainee_max_visits", did,
                    f"Detainee {did!r} has {n} visits, more than the limit of {limit}.")

        self._check_keep_apart(at_facility)
        self._check_escort_days(escort_days, escort_by_id)

        for t in s.transports:
            used = seats_used.get(t.id, 0)
            if used > t.seats:
                add("transport_seats", t.id,
                    f"Transport {t.id!r} carries {used} visitors, more than its {t.seats} "
                    "seats.")

        side_counts = self._side_counts(total)
        self._check_reciprocity(side_counts)
        room = _VisitRoom(s, session_visits, session_people, per_date, total, at_facility,
                          escort_days, seats_used, self._apart, side_counts)
        self._check_left_out_visits(left_out, room)

        self.computed["visit_priority"] = Decimal(priority)
        cost = _ZERO
        for t in s.transports:
            if t.id in seats_used:
                cost = _EXACT.add(cost, _dec(t.cost))
        self.computed["transport_cost"] = cost

    def _check_session_fit(self, req: VisitRequest, session: Session,
                           facility: str | None) -> None:
        vid, sid, day = req.id, session.id, session.date
        if session.facility != facility:
            self.add("visit_facility", vid,
                     f"Visit request {vid!r} is given session {sid!r} at {session.facility!r}, "
                     f"but detainee {req.detainee!r} is held at {facility!r}.")
        if not _in_ranges(day, req.available):
            self.add("visit_available", vid,
                     f"Visit request {vid!r} is given session {sid!r} on {day.isoformat()}, "
                     f"outside the family's available dates ({_ranges_text(req.available)}).")
        det = self.s.detainee_by_id.get(req.detainee)
        if det is not None and day in det.unavailable:
            self.add("visit_unavailable", vid,
                     f"Visit request {vid!r} is given session {sid!r} on {day.isoformat()}, "
                     f"when detainee {req.detainee!r} is unavailable.")
        if req.closed and not session.closed:
            self.add("visit_closed", vid,
                     f"Visit request {vid!r} needs a closed session, but session {sid!r} is "
                     "not closed.")

    def _check_escort_fit(self, req: VisitRequest, escort: Escort,
                          session: Session | None) -> None:
        if req.language is not None and req.language not in escort.languages:
            self.add("escort_language", req.id,
                     f"Visit request {req.id!r} needs an escort who speaks {req.language!r}, "
                     f"but escort {escort.id!r} does not.")
        if session is not None and not _in_ranges(session.date, escort.available):
            self.add("escort_available", req.id,
                     f"Escort {escort.id!r} of visit request {req.id!r} is not available on "
                     f"{session.date.isoformat()}.")

    def _check_transport_fit(self, req: VisitRequest, transport: Transport,
                             session: Session | None, facility: str | None) -> None:
        vid, tid = req.id, transport.id
        if req.transport_from is None:
            self.add("transport_unexpected", vid,
                     f"Visit request {vid!r} does not travel by organised transport, but is "
                     f"given transport {tid!r}.")
            return
        if transport.origin != req.transport_from or transport.facility != facility:
            self.add("transport_route", vid,
                     f"Visit request {vid!r} needs a transport from {req.transport_from!r} to "
                     f"{facility!r}, but transport {tid!r} goes from {transport.origin!r} to "
                     f"{transport.facility!r}.")
        if session is not None and transport.date != session.date:
            self.add("transport_date", vid,
                     f"Visit request {vid!r} has its session on {session.date.isoformat()}, "
                     f"but transport {tid!r} travels on {transport.date.isoformat()}.")

    @cached_property
    def _apart(self) -> dict[str, set[str]]:
        """Each detainee's keep-apart partners of the scenario (either listing is enough; an
        id that is no detainee of the scenario is none)."""
        known = self.s.detainee_by_id
        apart: dict[str, set[str]] = defaultdict(set)
        for d in self.s.detainees:
            for other in d.keep_apart:
                if other != d.id and other in known:
                    apart[d.id].add(other)
                    apart[other].add(d.id)
        return dict(apart)

    def _check_keep_apart(self, at_facility: Mapping[tuple[str, dt.date], list[str]]) -> None:
        apart = self._apart
        if not apart:
            return
        for (facility, day), visited in sorted(at_facility.items()):
            present = set(visited)
            for did in sorted(present):
                for other in sorted(apart.get(did, ())):
                    if did < other and other in present:
                        self.add("keep_apart", did,
                                 f"Detainees {did!r} and {other!r} must be kept apart, but both "
                                 f"are visited at {facility!r} on {day.isoformat()}.")

    def _check_escort_days(
        self, escort_days: Mapping[tuple[str, dt.date], list[Session]],
        escort_by_id: Mapping[str, Escort],
    ) -> None:
        for (eid, day), sessions in sorted(escort_days.items(), key=lambda kv: kv[0]):
            escort = escort_by_id[eid]
            distinct: list[Session] = []
            for x in sessions:
                if all(x.id != y.id for y in distinct):
                    distinct.append(x)
            for i, a in enumerate(distinct):
                for b in distinct[i + 1:]:
                    if _overlap(a, b):
                        self.add("escort_overlap", eid,
                                 f"Escort {eid!r} is at sessions {a.id!r} and {b.id!r} on "
                                 f"{day.isoformat()}, which overlap in time.")
            facilities = sorted({x.facility for x in distinct})
            if len(facilities) > 1:
                self.add("escort_facility", eid,
                         f"Escort {eid!r} works at {len(facilities)} facilities on "
                         f"{day.isoformat()} ({', '.join(facilities)}); at most one is allowed.")
            if escort.max_visits_per_day is not None and len(sessions) > escort.max_visits_per_day:
                self.add("escort_per_day", eid,
                         f"Escort {eid!r} has {len(sessions)} visits on {day.isoformat()}, more "
                         f"than the limit of {escort.max_visits_per_day}.")

    @cached_property
    def _sides(self) -> list[str]:
        """The scenario's sides, sorted (the agreement counts them only when there are two)."""
        return sorted({d.side for d in self.s.detainees if d.side is not None})

    def _side_counts(self, total: Mapping[str, int]) -> dict[str, int] | None:
        """Scheduled visits per side, when an agreement counts exactly two sides."""
        sides = self._sides
        if self.s.reciprocity is None or len(sides) != 2:
            return None
        counts = dict.fromkeys(sides, 0)
        for did, n in total.items():
            det = self.s.detainee_by_id.get(did)
            if det is not None and det.side is not None:
                counts[det.side] += n
        return counts

    def _check_reciprocity(self, counts: Mapping[str, int] | None) -> None:
        rec = self.s.reciprocity
        if counts is None or rec is None:
            return
        a, b = self._sides
        if abs(counts[a] - counts[b]) > rec.max_difference:
            self.add("reciprocity", "",
                     f"Side {a!r} has {counts[a]} scheduled visit(s) and side {b!r} has "
                     f"{counts[b]}; the agreement allows a difference of at most "
                     f"{rec.max_difference}.")

    def _check_left_out_visits(
        self, left_out: Sequence[tuple[VisitAssignment, VisitRequest]], room: _VisitRoom
    ) -> None:
        by_facility: dict[str, list[Session]] = defaultdict(list)
        for x in sorted(self.s.sessions, key=lambda x: x.date):  # (stable: the scenario's order
            by_facility[x.facility].append(x)                   # within a date)
        dates = {f: [x.date for x in xs] for f, xs in by_facility.items()}
        for rec, req in left_out:
            self._check_explained("visit request", req.id, rec.reason, rec.detail,
                                  _VISIT_REASONS, req.priority)
            named = [f"{what} {name!r}" for what, name in (("escort", rec.escort),
                                                         ("transport", rec.transport)) if name]
            if named:
                self.add("left_out_assigned", req.id,
                         f"Visit request {req.id!r} is left out, yet the plan gives it "
                         f"{' and '.join(named)}.")
            det = self.s.detainee_by_id.get(req.detainee)
            sessions = [] if det is None or det.facility is None else [
                x for x in _on_dates(by_facility.get(det.facility, []),
                                     dates.get(det.facility, []), req.available)
                if x.date not in det.unavailable and (x.closed or not req.closed)]
            why_not = self._reason_cannot_apply(req, rec.reason)
            if why_not is not None:
                self.add("reason_false", req.id,
                         f"Visit request {req.id!r} is left out as {rec.reason!r}, but "
                         f"{why_not}.")
            elif rec.reason == "no_session" and sessions:
                x = sessions[0]
                self.add("reason_false", req.id,
                         f"Visit request {req.id!r} is left out as 'no_session', but "
                         f"session {x.id!r} on {x.date.isoformat()} fits it.")
            self._check_visit_room(rec, req, sessions, room, checked=why_not is None)

    def _check_visit_room(self, rec: VisitAssignment, req: VisitRequest,
                          sessions: Sequence[Session], room: _VisitRoom, *, checked: bool
                          ) -> None:
        """A reason that says the request does not fit, checked against the plan as it stands.

        Of the sessions the request may take (at its detainee's facility, on a date
        the family and the detainee are available, closed if it asks so), one with
        room for it (its tables and visitors, the detainee's limits, keep-apart, a
        free escort who speaks the language, free seats, the agreement) makes every
        code but ``time_limit`` false, and ``cost`` too when it adds no transport
        cost; a code that blocks none of them is false. A request of positive
        priority with such room also proves that the plan's scheduled priority
        could be higher (kept for :meth:`check_objective`).
        """
        blocked = [(x, room.blockers(req, x)) for x in sessions]
        free = [x for x, why in blocked if not why]
        if free and req.priority > 0 and (
            self._one_more_visit is None or req.priority > self._one_more_visit[0]
        ):
            self._one_more_visit = (req.priority, req.id, free[0].id)
        reason = rec.reason
        if (not checked or reason in ("no_session", "time_limit") or reason not in _VISIT_REASONS
                or (reason == "cost" and req.priority > 0)):
            return
        lead = f"Visit request {req.id!r} is left out as {reason!r}, but"
        if reason == "cost":
            cheap = [x for x in free if room.added_cost(req, x) == 0]
            if cheap:
                x = cheap[0]
                self.add("reason_false", req.id,
                         f"{lead} session {x.id!r} on {x.date.isoformat()} could take it as "
                         "the plan stands at no added transport cost.")
        elif free:
            x = free[0]
            self.add("reason_false", req.id,
                     f"{lead} session {x.id!r} on {x.date.isoformat()} could take it as the "
                     "plan stands: it has room, and the detainee's limits, keep-apart, the "
                     "escorts, the seats and the agreement allow it.")
        elif not sessions:
            self.add("reason_false", req.id,
                     f"{lead} no session could ever take it (its code would be "
                     "'no_session').")
        elif all(reason not in why for _, why in blocked):
            shown = "; ".join(f"{x.id}: {', '.join(why.values())}" for x, why in blocked[:3])
            more = f"; and {len(blocked) - 3} more" if len(blocked) > 3 else ""
            self.add("reason_false", req.id,
                     f"{lead} {reason!r} blocks none of the {len(blocked)} session(s) it "
                     f"could take as the plan stands ({shown}{more}).")

    def _reason_cannot_apply(self, req: VisitRequest, reason: str | None) -> str | None:
        """Why a refusal code cannot apply to the request at all (``None`` if it can)."""
        s = self.s
        if reason == "no_escort" and req.language is None:
            return "it needs no escort (it names no language)"
        if reason == "no_seat" and req.transport_from is None:
            return "it needs no seat (it names no 'transport_from')"
        if reason == "keep_apart" and not self._apart.get(req.detainee):
            return f"detainee {req.detainee!r} is kept apart from no one"
        if reason == "reciprocity":
            det = s.detainee_by_id.get(req.detainee)
            if s.reciprocity is None:
                return "the scenario has no reciprocity agreement"
            if len(self._sides) != 2 or det is None or det.side is None:
                return f"the agreement does not count detainee {req.detainee!r}"
        return None

    # -- objective, bound and status -------------------------------------------------
    def check_objective(self, status: str) -> None:
        has = {
            "delivered_priority": bool(self.s.parcels),
            "batch_cost": bool(self.s.parcels),
            "visit_priority": bool(self.s.visit_requests),
            "transport_cost": bool(self.s.visit_requests),
        }
        words = {
            "delivered_priority": "delivered priority",
            "batch_cost": "cost of operated batches",
            "visit_priority": "scheduled visit priority",
            "transport_cost": "cost of used transports",
        }
        objective, bound = self.plan.objective, self.plan.bound
        if status not in _STATUSES:
            self.add("status", "",
                     f"The plan's status must be one of {', '.join(sorted(_STATUSES))}; got "
                     f"{status!r} instead.")
        if status == Status.INFEASIBLE.value:
            self.add("status", "",
                     "The plan says its scenario is infeasible, but a plan that leaves every "
                     "parcel and visit request out keeps every rule, so no scenario is.")
        for name, sense in LEVELS:
            actual = float(self.computed[name])
            shown = _show(self.computed[name])
            stated = objective.get(name)
            if stated is None:
                if has[name]:
                    self.add("objective_value", name,
                             f"The plan does not state its {words[name]} ('{name}'); it is "
                             f"{shown}.")
            elif not _close(float(stated), actual):
                self.add("objective_value", name,
                         f"The plan states a {words[name]} of {_show(stated)}, but its "
                         f"assignments add up to {shown}.")
            level_bound = bound.get(name)
            if level_bound is None:
                if has[name]:
                    self.add("objective_bound", name,
                             f"The plan does not state a bound for its {words[name]} "
                             f"('{name}').")
                continue
            lb = float(level_bound)
            if sense == "max" and actual > lb and not _close(actual, lb):
                self.add("objective_bound", name,
                         f"The plan's {words[name]} is {shown}, above its stated upper bound "
                         f"of {_show(level_bound)}.")
            if sense == "min" and actual < lb and not _close(actual, lb):
                self.add("objective_bound", name,
                         f"The plan's {words[name]} is {shown}, below its stated lower bound "
                         f"of {_show(level_bound)}.")
            if status == Status.OPTIMAL.value and not _close(actual, lb):
                self.add("status", name,
                         f"The plan says it is optimal, but its {words[name]} of {shown} "
                         f"differs from the bound {_show(level_bound)}.")
            one_more, kind, fits, gives = {
                "delivered_priority": (self._one_more, "parcel", "fits on batch", "delivers"),
                "visit_priority": (self._one_more_visit, "visit request", "fits in session",
                                   "schedules"),
            }.get(name, (None, "", "", ""))
            if one_more is not None:
                priority, item_id, host = one_more
                could = actual + priority
                if lb < could and not _close(lb, could):
                    self.add("objective_bound", name,
                             f"The plan's bound of {_show(level_bound)} on its {words[name]} "
                             f"is no bound: {kind} {item_id!r} (priority {priority}) {fits} "
                             f"{host!r} as the plan stands, which {gives} {_show(could)}.")

    def check_gaps(self, stated: Mapping[str, Any]) -> None:
        """Each gap a plan file states agrees with its stated value and bound."""
        for name, _ in LEVELS:
            gap = stated.get(name)
            if name not in self.plan.objective or name not in self.plan.bound or gap is None:
                continue
            expected = self.plan.gap(name)
            if abs(float(gap) - expected) > GAP_TOLERANCE * max(1.0, expected):
                self.add("objective_gap", name,
                         f"The plan states a gap of {_show(gap)} for '{name}', but its "
                         f"stated value {_show(self.plan.objective[name])} and bound "
                         f"{_show(self.plan.bound[name])} give {expected:.9f} "
                         "(|value - bound| / max(|value|, |bound|), 0 when proven).")


# -- public functions --------------------------------------------------------------
def verify(scenario: Scenario, plan: Result | Mapping[str, Any]) -> list[Violation]:
    """Check a plan against every rule of the problem, without trusting the solver.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan is for.
    plan : Result or mapping
        A :class:`~parcelroute.Result`, or a parsed ``parcelroute-plan/1``
        file (a dict, as loaded by :func:`json.load`).

    Returns
    -------
    list of Violation
        Every rule the plan breaks, in a stable order (parcels, batches,
        crossings and recipients first, then visits, then the objective,
        bounds and status); empty when the plan keeps every rule.

    Raises
    ------
    InvalidPlanError
        If ``plan`` is a mapping that is not a readable plan (wrong format,
        wrong types). A status outside the four known values is reported as a
        ``status`` violation instead.

    Examples
    --------
    >>> import parcelroute as pr
    >>> b = pr.ScenarioBuilder(name="demo")
    >>> _ = b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=10)
    >>> _ = b.add_batch("B-1", origin="HUB", departs="2026-12-01", stops=["F-1"],
    ...                 max_weight_kg=2)
    >>> _ = b.add_parcel("P-1", origin="HUB", destination="F-1", weight_kg=2.5,
    ...                  volume_l=4, ready="2026-12-01", due="2026-12-02")
    >>> plan = {"format": "parcelroute-plan/1", "status": "feasible", "solve_seconds": 0.1,
    ...         "objective": {"delivered_priority": 1, "batch_cost": 0},
    ...         "bound": {"delivered_priority": 1, "batch_cost": 0},
    ...         "parcels": [{"id": "P-1", "batch": "B-1", "arrives": "2026-12-01"}],
    ...         "batches": [{"id": "B-1", "operated": True, "parcels": 1,
    ...                      "weight_kg": 2.5, "volume_l": 4}]}
    >>> [v.rule for v in pr.verify(b.build(), plan)]
    ['capacity_weight']
    """
    status_value: str
    if isinstance(plan, Result):
        result = plan
        status_value = str(getattr(plan.status, "value", plan.status))
    else:
        data = dict(plan)
        timed = "solve_seconds" in data
        raw = data.get("status")
        status_value = raw if isinstance(raw, str) else repr(raw)
        if status_value not in _STATUSES:
            data["status"] = Status.UNKNOWN.value
        result = read_plan_dict(data)
    checker = _Checker(scenario, result)
    checker.check_parcels()
    checker.check_visits()
    checker.check_objective(status_value)
    if not isinstance(plan, Result) and isinstance(data.get("gap"), Mapping):
        checker.check_gaps(data["gap"])
    if not isinstance(plan, Result) and not timed:
        checker.add("solve_seconds", "",
                    "The plan does not state the time spent ('solve_seconds').")
    return checker.out


def verify_files(
    scenario_path: str | PathLike[str], plan_path: str | PathLike[str]
) -> list[Violation]:
    """Read a scenario file and a plan file and check the plan with :func:`verify`.

    Parameters
    ----------
    scenario_path : path
        A ``parcelroute-scenario/1`` JSON file.
    plan_path : path
        A ``parcelroute-plan/1`` JSON file.

    Returns
    -------
    list of Violation
        Every rule the plan breaks; empty when it keeps every rule.

    Raises
    ------
    InvalidScenarioError
        If the scenario file is invalid.
    InvalidPlanError
        If the plan file is not JSON or not a readable plan.

    Examples
    --------
    >>> from parcelroute.verify import verify_files
    >>> violations = verify_files("scenario.json", "plan.json")  # doctest: +SKIP
    >>> for v in violations:  # doctest: +SKIP
    ...     print(v)
    """
    scenario = read_scenario(scenario_path)
    data = load_plan_file(plan_path)
    if not isinstance(data, dict):
        raise InvalidPlanError([Problem("$", "A plan must be a JSON object.")])
    return verify(scenario, data)
