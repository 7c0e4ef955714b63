"""Synthetic scenarios: a realistic month of parcels from home and family visits.

:func:`generate_scenario_dict` draws a whole month of the operation described
in the domain notes: a network of hubs, crossing points, detention facilities
and cities; fixed multi-stop batch routes sized to the demand (so that
capacity binds on the busy days before a holiday and the cheapest plan leaves
some batches unused); parcels of every category with realistic weights,
volumes, ready and due dates; detainees with parcel limits; and, for the
visits half, sessions, visit requests, escorts, buses and the reciprocity
rule. A few percent of the parcels cannot be sent at all (handed in too late,
or addressed to a facility no route from their hub serves), and demand for
visits exceeds what the facilities offer, so every reason a plan can give is
exercised.

The same arguments always give the same scenario, byte for byte once written
as JSON.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from parcelroute.io.scenario_io import read_scenario_dict
from parcelroute.model.network import Network
from parcelroute.model.scenario import SCENARIO_FORMAT, Link, Node, Scenario

__all__ = ["generate_scenario", "generate_scenario_dict"]

#: Parcel categories and their share of the parcels handed in.
CATEGORY_SHARES: tuple[tuple[str, float], ...] = (
    ("letters", 0.28),
    ("drawings", 0.10),
    ("food", 0.26),
    ("clothes", 0.18),
    ("hygiene", 0.15),
    ("medicine", 0.03),
)

#: Languages visiting families may need an escort for, with their share.
LANGUAGE_SHARES: tuple[tuple[str, float], ...] = (
    ("uk", 0.34),
    ("ru", 0.30),
    ("en", 0.12),
    ("ro", 0.08),
    ("hu", 0.08),
    ("ka", 0.05),
    ("crh", 0.03),
)

_HUB_CODES = ("N", "S", "E", "W", "C", "NE", "NW", "SE", "SW")
_CITY_CODES = "KLMPRTVZBDGH"
_SPEED_KMH = 55.0
_DAY = dt.timedelta(days=1)


# -- small helpers -----------------------------------------------------------------
def _num(x: float) -> float | int:
    """``x`` as an int when it is whole, so the JSON reads ``12`` not ``12.0``."""
    return int(x) if float(x).is_integer() else x


def _ceil_to(x: float, step: int) -> int:
    """``x`` rounded up to a multiple of ``step``."""
    return math.ceil(x / step - 1e-9) * step


def _half_hours(km: float) -> float | int:
    """Travel hours for ``km`` kilometres, to the half hour (at least one hour)."""
    return _num(max(1.0, round((km / _SPEED_KMH + 0.5) * 2) / 2))


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    """Index drawn from cumulative weights ``cum``."""
    return bisect_right(cum, rng.random() * cum[-1]) if cum[-1] > 0 else 0


def _cum(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


@dataclass
class _Place:
    """A node of the generated network with its map position (km)."""

    id: str
    kind: str
    x: float
    y: float
    far: bool
    weight: float = 1.0
    dwell: float = 0.0
    capacity: int | None = None

    def km(self, other: _Place) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


@dataclass
class _Route:
    """A fixed route run on fixed weekdays: hub -> crossing -> facilities."""

    code: str
    hub: int
    stops: list[str]
    weekdays: tuple[int, ...]
    kind: str  # "van", "truck", "mail", "fridge"
    accepts: list[str] | None = None
    offsets: list[int] = field(default_factory=list)  # days to reach each stop
    hours: float = 0.0
    departures: list[int] = field(default_factory=list)  # day indexes
    demand: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # n, kg, l


@dataclass
class _Detainee:
    side: str
    facility: str
    extra: dict[str, Any] = field(default_factory=dict)
    unavailable: list[int] = field(default_factory=list)
    keep_apart: list[int] = field(default_factory=list)


class _Generator:
    """Draws one scenario; each part of it has its own random stream."""

    def __init__(self, parcels: int, visits: int, seed: int, start: dt.date, days: int) -> None:
        self.n_parcels = parcels
        self.n_visits = visits
        self.seed = seed
        self.start = start
        self.days = days
        self.last = days - 1  # index of the horizon's last day
        self.dates = [start + i * _DAY for i in range(days)]
        self.iso = [d.isoformat() for d in self.dates]
        self.code_fmt = "%m%d" if days <= 366 else "%y%m%d"
        self.holiday = self._holiday()
        self.detainees: list[_Detainee] = []
        self.routes: list[_Route] = []

    def rng(self, part: str) -> random.Random:
        return random.Random(f"parcelroute-generate/{part}/{self.seed}")

    def _holiday(self) -> int:
        """Day index of the holiday the greetings are due for (24 December if in range)."""
        for year in (self.start.year, self.start.year + 1):
            idx = (dt.date(year, 12, 24) - self.start).days
            if 0 <= idx <= self.last:
                return idx
        return (3 * self.last) // 4

    def day_code(self, idx: int) -> str:
        return self.dates[idx].strftime(self.code_fmt)

    # -- network ------------------------------------------------------------------
    def build_network(self) -> None:
        rng = self.rng("network")
        p, v = self.n_parcels, self.n_visits
        volume = p + 6 * v
        n_far = round(12 + 4 * math.log2(max(volume, 1) / 250)) + rng.randint(-2, 2)
        n_far = max(4, min(90, n_far))
        n_hubs = max(2, min(14, round(math.log2(max(p, 500) / 500)) + rng.randint(0, 1)))
        n_cross = 2 + rng.randint(0, 1) + (1 if volume >= 50_000 else 0)
        self.visits_b = v - round(0.55 * v) if v else 0
        n_home = 0
        if v:
            n_home = max(1, min(max(2, n_far // 2), round(self.visits_b / 45)))
        n_home_cities = 2 + rng.randint(0, 1) + (1 if volume >= 20_000 else 0)
        n_far_cities = 2 + rng.randint(0, 1)

        self.hubs: list[_Place] = []
        for i in range(n_hubs):
            code = _HUB_CODES[i] if i < len(_HUB_CODES) else f"H{i + 1:02d}"
            hub = _Place(f"HUB-{code}", "hub", rng.uniform(-380, -120), rng.uniform(20, 580), False,
                         1.0 if i == 0 else rng.uniform(0.4, 0.9))
            self.hubs.append(hub)
        self.hub_codes = [h.id[4:] for h in self.hubs]
        self.crossings: list[_Place] = []
        for i in range(n_cross):
            y = 600 * (i + 0.5) / n_cross + rng.uniform(-30, 30)
            dwell = rng.choice([6, 8, 9.5, 10, 12, 14])
            self.crossings.append(_Place(f"X-{i + 1}", "crossing", 0.0, y, False, dwell=dwell))
        width = max(2, len(str(n_far + n_home)))
        self.far: list[_Place] = []
        for i in range(n_far):
            f = _Place(f"F-{i + 1:0{width}d}", "facility", rng.uniform(60, 520),
                       rng.uniform(0, 600), True, weight=rng.uniform(0.3, 1.0) ** 1.5 * 3,
                       dwell=rng.choice([0, 0, 0, 1, 1.5, 2]))
            self.far.append(f)
        # The newest facility: small, and served by the first hub's routes only.
        self.new_facility = self.far[-1]
        self.new_facility.weight = min(f.weight for f in self.far)
        self.home: list[_Place] = []
        for i in range(n_home):
            self.home.append(_Place(f"F-{n_far + i + 1:0{width}d}", "facility",
                                    rng.uniform(-520, -150), rng.uniform(0, 600), False,
                                    weight=rng.uniform(0.5, 1.0)))
        letters = iter(_CITY_CODES)
        self.home_cities = [
            _Place(f"CITY-{next(letters)}", "city", rng.uniform(-450, -80), rng.uniform(0, 600),
                   False, weight=rng.uniform(0.3, 1.0)) for _ in range(n_home_cities)
        ]
        self.far_cities = [
            _Place(f"CITY-{next(letters)}", "city", rng.uniform(80, 480), rng.uniform(0, 600),
                   True, weight=rng.uniform(0.3, 1.0)) for _ in range(n_far_cities)
        ]

        links: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()

        def link(a: _Place, b: _Place, *, directed: bool = False, slower: float = 1.0) -> None:
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if key in seen:
                return
            seen.add(key)
            out: dict[str, Any] = {"from": a.id, "to": b.id, "hours": _half_hours(a.km(b) * slower)}
            if directed:
                out["directed"] = True
            links.append(out)

        def nearest(place: _Place, among: Sequence[_Place], k: int = 1) -> list[_Place]:
            others = [q for q in among if q is not place]
            return sorted(others, key=lambda q: (place.km(q), q.id))[:k]

        for hub in self.hubs:
            for x in self.crossings:
                link(hub, x, slower=rng.uniform(1.0, 1.3))
        for hub in self.hubs:
            for other in nearest(hub, self.hubs):
                link(hub, other)
        for f in self.far:
            for x in nearest(f, self.crossings):
                link(x, f)
            for other in nearest(f, self.far, 2):
                link(f, other, slower=rng.uniform(1.0, 1.2))
        # One-way hand-over corridors from a crossing to a facility it does not serve.
        for f in rng.sample(self.far, min(2, len(self.far))):
            far_x = [x for x in self.crossings if x is not nearest(f, self.crossings)[0]]
            if far_x:
                link(far_x[0], f, directed=True, slower=1.15)
        for f in self.home:
            link(f, nearest(f, self.hubs)[0])
            for c in nearest(f, self.home_cities):
                link(f, c)
        for c in self.home_cities:
            link(c, nearest(c, self.hubs)[0])
        for c in self.far_cities:
            for f in nearest(c, self.far, 2):
                link(c, f)
        self.links = links
        self.places: list[_Place] = [
            *self.hubs, *self.crossings, *self.far, *self.home, *self.home_cities, *self.far_cities,
        ]
        self.place_by_id = {q.id: q for q in self.places}
        self.network = Network(
            [Node(q.id, q.kind, None, q.dwell) for q in self.places],
            [Link(x["from"], x["to"], x["hours"], bool(x.get("directed"))) for x in links],
        )

    # -- routes -------------------------------------------------------------------
    def build_routes(self) -> None:
        rng = self.rng("routes")
        p = self.n_parcels
        if p == 0:
            return
        if p <= 5_000:
            patterns: list[tuple[int, ...]] = [(0, 3), (1, 4), (2, 5), (0, 2, 4), (1, 3, 5), (2,)]
            pattern_cum = _cum([0.25, 0.25, 0.2, 0.12, 0.08, 0.1])
        else:
            patterns = [(0, 3), (1, 4), (2, 5), (0, 2, 4), (1, 3, 5)]
            pattern_cum = _cum([0.15, 0.15, 0.1, 0.3, 0.3])
        by_y = sorted(self.far, key=lambda f: (f.y, f.id))
        for hi in range(len(self.hubs)):
            code = self.hub_codes[hi]
            facs = by_y if hi == 0 else [f for f in by_y if f is not self.new_facility]
            chunks: list[list[_Place]] = []
            i = 0
            while i < len(facs):
                rest = len(facs) - i
                if rest <= 5:
                    size = rest
                else:
                    size = [2, 3, 4, 5][_pick(rng, _cum([0.08, 0.22, 0.38, 0.32]))]
                    if rest - size == 1:
                        size = size + 1 if size < 5 else size - 1
                chunks.append(facs[i:i + size])
                i += size
            for r, chunk in enumerate(chunks, start=1):
                weekdays = patterns[_pick(rng, pattern_cum)]
                self.routes.append(_Route(f"{code}{r}", hi, self._stops(chunk), weekdays, "van"))
            big = sorted(facs, key=lambda f: (-f.weight, f.id))
            mail = sorted(big[:min(5, len(big))], key=lambda f: (f.y, f.id))
            self.routes.append(_Route(f"{code}M", hi, self._stops(mail), (0, 2, 4), "mail",
                                      accepts=["drawings", "letters"]))
            if hi == 0 or (hi == 1 and len(self.hubs) >= 4):
                fridge = sorted(big[:min(rng.randint(3, 4), len(big))], key=lambda f: (f.y, f.id))
                days = (1,) if p <= 20_000 else (1, 4)
                self.routes.append(_Route(f"{code}R", hi, self._stops(fridge), days, "fridge",
                                          accepts=["food"]))
        for route in self.routes:
            hours = self.network.stop_hours(self.hubs[route.hub].id, route.stops)
            route.offsets = [int(h // 24) for h in hours if h is not None]
            last = hours[-1]
            route.hours = float(last) if last is not None else 0.0
            skip = self.holiday + 1
            for d in range(self.days):
                if self.dates[d].weekday() not in route.weekdays or d == skip:
                    continue
                if d + route.offsets[1 if len(route.offsets) > 1 else 0] > self.last:
                    continue  # could reach no facility within the horizon
                route.departures.append(d)

    def _stops(self, chunk: Sequence[_Place]) -> list[str]:
        """Crossing nearest to the chunk, then its facilities in nearest-neighbour order."""
        mid_y = sum(f.y for f in chunk) / len(chunk)
        cross = min(self.crossings, key=lambda x: (abs(x.y - mid_y), x.id))
        order: list[_Place] = []
        here: _Place = cross
        left = list(chunk)
        while left:
            nxt = min(left, key=lambda f: (here.km(f), f.id))
            order.append(nxt)
            left.remove(nxt)
            here = nxt
        return [cross.id, *(f.id for f in order)]

    # -- detainees and parcels ----------------------------------------------------
    def build_parcels(self) -> None:
        rng = self.rng("parcels")
        p = self.n_parcels
        self.parcel_rows: list[tuple[Any, ...]] = []
        if p == 0:
            return
        limit = rng.choice([2, 3, 3])
        wlimit = rng.choice([10, 12, 15])
        self.defaults = {"max_parcels_per_detainee": limit, "max_weight_kg_per_detainee": wlimit}
        count_cum = _cum([0.22, 0.48, 0.30] if limit == 2 else [0.24, 0.40, 0.24, 0.12])
        fac_cum = _cum([f.weight for f in self.far])
        hub_cum = _cum([h.weight for h in self.hubs])
        cat_names = [c for c, _ in CATEGORY_SHARES]
        cat_cum = _cum([s for _, s in CATEGORY_SHARES])
        last, hol = self.last, self.holiday
        peak_lo, peak_hi = max(0, hol - 10), max(0, hol - 2)
        base_hi = max(0, last - 3)
        late_lo = max(0, last - 2)
        rand, randint, uniform = rng.random, rng.randint, rng.uniform
        rows = self.parcel_rows
        n_far = len(self.far)
        made = 0
        while made < p:
            fi = bisect_right(fac_cum, rand() * fac_cum[-1])
            fi = min(fi, n_far - 1)
            facility = self.far[fi].id
            hub = min(bisect_right(hub_cum, rand() * hub_cum[-1]), len(self.hubs) - 1)
            det = _Detainee("A", facility)
            if rand() < 0.03:
                variant = randint(0, 3)
                if variant == 0:
                    det.extra["max_parcels"] = 1
                elif variant == 1:
                    det.extra["max_parcels"] = limit + 2
                elif variant == 2:
                    det.extra["max_weight_kg"] = 5
                else:
                    det.extra["max_parcels"] = limit + 1
                    det.extra["max_weight_kg"] = wlimit + 10
            di = len(self.detainees)
            self.detainees.append(det)
            if rand() < 0.03:
                count = limit + (1, 1, 2, 3)[randint(0, 3)]
            else:
                count = bisect_right(count_cum, rand() * count_cum[-1])
            count = min(count, p - made)
            for _ in range(count):
                c = bisect_right(cat_cum, rand() * cat_cum[-1])
                cat = cat_names[min(c, len(cat_names) - 1)]
                r = rand()
                if r < 0.02:
                    ready = randint(late_lo, last)
                elif r < 0.33:
                    ready = randint(peak_lo, peak_hi)
                else:
                    ready = randint(0, base_hi)
                due = last
                priority = 1
                if cat == "letters" or cat == "drawings":
                    if cat == "letters":
                        w = round(uniform(0.02, 0.2), 2)
                        vol = round(uniform(0.1, 0.5), 1)
                    else:
                        w = round(uniform(0.05, 0.3), 2)
                        vol = round(uniform(0.2, 1.5), 1)
                    if ready < hol and rand() < 0.45:
                        due = hol
                        priority = 3 if rand() < 0.6 else 2
                    elif cat == "drawings" and rand() < 0.3:
                        priority = 2
                elif cat == "food":
                    w = round(uniform(1.0, 8.0), 1)
                    vol = round(w * uniform(1.2, 2.0), 1)
                    due = min(last, ready + randint(7, 12))
                    priority = 2 if rand() < 0.5 else 1
                elif cat == "clothes":
                    w = round(uniform(1.0, 5.0), 1)
                    vol = round(w * uniform(3.0, 6.0), 1)
                    if ready <= last // 2 and rand() < 0.3:
                        priority = 2
                elif cat == "hygiene":
                    w = round(uniform(0.5, 4.0), 1)
                    vol = round(w * uniform(1.5, 2.5), 1)
                else:  # medicine
                    w = round(uniform(0.1, 1.5), 2)
                    vol = round(uniform(0.3, 3.0), 1)
                    due = min(last, ready + randint(5, 10))
                    priority = 3
                rows.append((ready, rand(), di, hub, fi, cat, w, vol, due, priority))
            made += count
        rows.sort(key=lambda row: (row[0], row[1]))

    def allocate_demand(self) -> None:
        """Spread each parcel's expected load over the routes that could carry it."""
        regular: dict[tuple[int, str], list[_Route]] = {}
        special: dict[tuple[int, str, str], _Route] = {}
        for route in self.routes:
            for stop in route.stops[1:]:
                if route.accepts is None:
                    regular.setdefault((route.hub, stop), []).append(route)
                else:
                    for cat in route.accepts:
                        special[(route.hub, stop, cat)] = route
        far_ids = [f.id for f in self.far]
        for row in self.parcel_rows:
            hub, fi, cat, w, vol = row[3], row[4], row[5], row[6], row[7]
            dest = far_ids[fi]
            regs = regular.get((hub, dest), [])
            spec = special.get((hub, dest, cat))
            targets: list[tuple[_Route, float]] = []
            if spec is not None:
                targets.append((spec, 0.6 if regs else 1.0))
            if regs:
                share = (0.4 if spec is not None else 1.0) / len(regs)
                targets.extend((route, share) for route in regs)
            for route, share in targets:
                dem = route.demand
                dem[0] += share
                dem[1] += share * w
                dem[2] += share * vol

    # -- batches ------------------------------------------------------------------
    def build_batches(self) -> list[dict[str, Any]]:
        rng = self.rng("batches")
        batches: list[dict[str, Any]] = []
        regular = [r for r in self.routes if r.accepts is None]
        ranked = sorted(regular, key=lambda r: (-r.demand[1], r.code))
        for route in ranked[: max(1, round(0.35 * len(ranked)))]:
            route.kind = "truck"
        # kind: (load factor range, vehicle limits (n, kg, l), base cost, cost per hour)
        kinds: dict[str, tuple[tuple[float, float], tuple[int, int, int], int, int]] = {
            "van": ((1.2, 1.6), (400, 2_500, 12_000), 250, 9),
            "truck": ((1.35, 1.75), (1_500, 12_000, 60_000), 700, 22),
            "mail": ((1.3, 1.7), (800, 400, 3_000), 100, 4),
            "fridge": ((1.3, 1.7), (300, 2_000, 8_000), 450, 14),
        }
        self.crossing_load: dict[tuple[str, int], float] = {}
        ids: set[str] = set()
        for route in self.routes:
            if not route.departures:
                continue
            (lo, hi), (vn, vw, vv), base, per_hour = kinds[route.kind]
            n_dep = len(route.departures)
            n_bar, w_bar, v_bar = (x / n_dep for x in route.demand)
            cap_n = max(8.0, n_bar * rng.uniform(lo, hi))
            cap_w = max(40.0, w_bar * rng.uniform(lo, hi))
            cap_v = max(150.0, v_bar * rng.uniform(lo, hi))
            vehicles = max(1, math.ceil(max(cap_n / vn, cap_w / vw, cap_v / vv)))
            max_n = _ceil_to(cap_n / vehicles, 5)
            max_w = _ceil_to(cap_w / vehicles, 10)
            max_v = _ceil_to(cap_v / vehicles, 50)
            cost = _ceil_to(base + per_hour * route.hours, 10)
            origin = self.hubs[route.hub].id
            cross = route.stops[0]
            for d in route.departures:
                day_cost = _ceil_to(cost * 1.2, 10) if self.dates[d].weekday() == 5 else cost
                for k in range(vehicles):
                    bid = f"B-{route.code}-{self.day_code(d)}"
                    if vehicles > 1:
                        bid += f"-{k + 1}"
                    if bid in ids:  # pragma: no cover - codes are unique by construction
                        raise RuntimeError(f"duplicate batch id {bid!r}")
                    ids.add(bid)
                    batch: dict[str, Any] = {
                        "id": bid, "origin": origin, "departs": self.iso[d],
                        "stops": list(route.stops), "max_weight_kg": max_w,
                    }
                    if route.kind != "mail":
                        batch["max_volume_l"] = max_v
                    batch["max_parcels"] = max_n
                    batch["cost"] = day_cost
                    if route.accepts is not None:
                        batch["accepts"] = list(route.accepts)
                    batches.append(batch)
                key = (cross, d + route.offsets[0])
                self.crossing_load[key] = self.crossing_load.get(key, 0.0) + n_bar
        batches.sort(key=lambda b: (b["departs"], b["id"]))
        for x in self.crossings:
            peak = max((load for (cid, _), load in self.crossing_load.items() if cid == x.id),
                       default=0.0)
            x.capacity = max(10, _ceil_to(peak * rng.uniform(0.9, 1.1), 10))
        return batches

    def parcel_dicts(self, det_ids: Sequence[str]) -> list[dict[str, Any]]:
        width = max(6, len(str(self.n_parcels)))
        far_ids = [f.id for f in self.far]
        hub_ids = [h.id for h in self.hubs]
        iso = self.iso
        out = []
        for i, (ready, _, di, hub, fi, cat, w, vol, due, priority) in enumerate(self.parcel_rows):
            out.append({
                "id": f"P-{i + 1:0{width}d}", "recipient": det_ids[di], "origin": hub_ids[hub],
                "destination": far_ids[fi], "weight_kg": w, "volume_l": vol,
                "ready": iso[ready], "due": iso[due], "priority": priority, "category": cat,
            })
        return out

    # -- visits -------------------------------------------------------------------
    def build_visits(self) -> None:
        rng = self.rng("visits")
        v = self.n_visits
        self.sessions: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.escorts: list[dict[str, Any]] = []
        self.transports: list[dict[str, Any]] = []
        if v == 0:
            return
        v_b = self.visits_b
        v_a = v - v_b
        n_far_visit = max(1, min(len(self.far), round(v_a / 45)))
        pool = [f for f in self.far if f is not self.new_facility] or list(self.far)
        rng.shuffle(pool)
        facilities: list[_Place] = sorted(pool[:n_far_visit], key=lambda f: f.id)
        facilities += self.home if v_b else []
        side_of = {f.id: ("A" if f.far else "B") for f in facilities}
        # Requests per facility: the families choose, weighted by the facility's size.
        a_cum = _cum([f.weight for f in facilities if f.far])
        b_cum = _cum([f.weight for f in facilities if not f.far])
        fa = [f for f in facilities if f.far]
        fb = [f for f in facilities if not f.far]
        wanted: list[_Place] = []
        for i in range(v):
            if i < v_a:
                wanted.append(fa[min(_pick(rng, a_cum), len(fa) - 1)])
            else:
                wanted.append(fb[min(_pick(rng, b_cum), len(fb) - 1)])
        rng.shuffle(wanted)
        per_facility = {f.id: 0 for f in facilities}
        for f in wanted:
            per_facility[f.id] += 1

        # Sessions: offered on fixed weekdays, sized so that demand exceeds them a little.
        options = [(2, 1), (3, 1), (2, 2), (3, 2)]
        self.session_days: dict[str, list[int]] = {}
        for f in facilities:
            weekday_pool = [1, 2, 3, 5, 6]
            rng.shuffle(weekday_pool)
            target = 0.8 * per_facility[f.id]
            chosen = options[-1]
            for k, s in options:
                n = sum(1 for d in self.dates if d.weekday() in weekday_pool[:k]) * s
                if n and target / n <= 8:
                    chosen = (k, s)
                    break
            k, s = chosen
            weekdays = weekday_pool[:k]
            n = max(1, sum(1 for d in self.dates if d.weekday() in weekdays) * s)
            cap = max(3, min(8, round(target / n)))
            has_closed = rng.random() < 0.5
            am = rng.choice([("09:00", "11:00"), ("09:30", "11:30"), ("10:00", "12:00")])
            pm = rng.choice([("13:30", "15:30"), ("14:00", "16:00"), ("14:30", "16:00")])
            days_here: list[int] = []
            fcode = f.id.replace("-", "")
            for d, date in enumerate(self.dates):
                if date.weekday() not in weekdays:
                    continue
                days_here.append(d)
                for label, (t0, t1) in (("AM", am), ("PM", pm))[:s]:
                    c = max(3, min(8, cap + rng.choice([-1, 0, 0, 1])))
                    closed = has_closed and rng.random() < 0.25
                    if closed:
                        c = min(c, rng.randint(2, 4))
                    self.sessions.append({
                        "id": f"S-{fcode}-{self.day_code(d)}-{label}", "facility": f.id,
                        "date": self.iso[d], "start": t0, "end": t1, "capacity": c,
                        "max_visitors": max(c + 1, round(c * rng.uniform(1.6, 2.4))),
                        "closed": closed,
                    })
            self.session_days[f.id] = days_here

        # Detainees to visit: those already known at the facility first, then new ones.
        known: dict[str, list[int]] = {f.id: [] for f in facilities}
        for di, det in enumerate(self.detainees):
            if det.facility in known:
                known[det.facility].append(di)
        for lst in known.values():
            rng.shuffle(lst)
        visited: dict[str, list[int]] = {f.id: [] for f in facilities}
        requested: list[int] = []
        for f in wanted:
            again = visited[f.id]
            if again and rng.random() < 0.1:
                di = again[rng.randrange(len(again))]
            else:
                fresh = known[f.id]
                if fresh:
                    di = fresh.pop()
                else:
                    di = len(self.detainees)
                    self.detainees.append(_Detainee(side_of[f.id], f.id))
                again.append(di)
            requested.append(di)

        for f in facilities:
            for di in visited[f.id]:
                det = self.detainees[di]
                if rng.random() < 0.15:
                    det.extra["max_visits"] = 2
                days_here = self.session_days[f.id]
                if days_here and rng.random() < 0.08:
                    k = min(len(days_here), rng.randint(1, 3))
                    det.unavailable = sorted(rng.sample(days_here, k))
        n_pairs = max(1, round(v / 40)) if v >= 10 else 0
        candidates = [f for f in facilities if len(visited[f.id]) >= 2]
        for _ in range(n_pairs if candidates else 0):
            f = candidates[rng.randrange(len(candidates))]
            a, b = rng.sample(visited[f.id], 2)
            da, db = self.detainees[a], self.detainees[b]
            if b in da.keep_apart or a in db.keep_apart:
                continue
            da.keep_apart.append(b)
            if rng.random() < 0.5:
                db.keep_apart.append(a)

        # Requests.
        lang_names = [name for name, _ in LANGUAGE_SHARES]
        lang_cum = _cum([s for _, s in LANGUAGE_SHARES])
        home_city_cum = _cum([c.weight for c in self.home_cities])
        far_city_cum = _cum([c.weight for c in self.far_cities])
        visitors_cum = _cum([0.30, 0.35, 0.22, 0.13])
        prio_cum = _cum([0.50, 0.35, 0.15])
        width = max(4, len(str(v)))
        last, hol, mid = self.last, self.holiday, self.last // 2
        bus_demand: dict[tuple[str, str], list[tuple[int, list[tuple[int, int]]]]] = {}

        def span(lo: int, hi: int) -> tuple[int, int]:
            length = rng.randint(4, 14)
            if rng.random() < 0.3 and lo <= hol <= hi:
                s = max(lo, hol - rng.randint(0, 7))
            else:
                s = rng.randint(lo, max(lo, hi - 2))
            return s, min(hi, s + length - 1)

        for i, (f, di) in enumerate(zip(wanted, requested, strict=True)):
            visitors = _pick(rng, visitors_cum) + 1
            if rng.random() < 0.3 and mid >= 1:
                available = [span(0, mid - 1), span(mid + 1, last)]
            else:
                available = [span(0, last)]
            req: dict[str, Any] = {
                "id": f"V-{i + 1:0{width}d}", "detainee": str(di), "visitors": min(4, visitors),
                "available": [{"from": self.iso[a], "to": self.iso[b]} for a, b in available],
                "priority": _pick(rng, prio_cum) + 1,
            }
            if rng.random() < 0.25:
                req["language"] = lang_names[min(_pick(rng, lang_cum), len(lang_names) - 1)]
            if rng.random() < 0.33:
                cities, cum = ((self.home_cities, home_city_cum) if f.far
                               else (self.far_cities, far_city_cum))
                city = cities[min(_pick(rng, cum), len(cities) - 1)]
                req["transport_from"] = city.id
                bus_demand.setdefault((city.id, f.id), []).append((req["visitors"], available))
            if rng.random() < 0.05:
                req["closed"] = True
            self.requests.append(req)

        # Escorts: enough for most language requests, not for all.
        langs_needed: list[str] = []
        for req in self.requests:
            lang = req.get("language")
            if lang is not None and lang not in langs_needed:
                langs_needed.append(lang)
        n_lang = sum(1 for req in self.requests if "language" in req)
        n_esc = max(1, round(n_lang / 14))
        for e in range(n_esc):
            langs: list[str] = []
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                lang = lang_names[min(_pick(rng, lang_cum), len(lang_names) - 1)]
                if lang not in langs:
                    langs.append(lang)
            self.escorts.append({
                "id": f"E-{e + 1:02d}", "languages": langs, "available": self._escort_days(rng),
                "max_visits_per_day": rng.randint(2, 4),
            })
        for lang in langs_needed:
            if any(lang in esc["languages"] for esc in self.escorts):
                continue
            esc = self.escorts[rng.randrange(len(self.escorts))]
            if len(esc["languages"]) < 3:
                esc["languages"].append(lang)
            else:
                self.escorts.append({
                    "id": f"E-{len(self.escorts) + 1:02d}", "languages": [lang],
                    "available": self._escort_days(rng), "max_visits_per_day": 2,
                })
        for esc in self.escorts:
            esc["languages"].sort()

        # Buses from the families' cities on the session dates most of them can travel;
        # seats a little short of the demand.
        seat_sizes = [8, 12, 16, 20, 30, 45]
        for (city_id, fid), families in bus_demand.items():
            days_here = self.session_days[fid]
            if not days_here:
                continue
            n_bus = max(1, min(len(days_here), round(len(families) / 2.5)))
            can_come = {d: 0.0 for d in days_here}
            for _, spans in families:
                for d in days_here:
                    if any(a <= d <= b for a, b in spans):
                        can_come[d] += 1
            ranked = sorted(days_here, key=lambda d: (-can_come[d] - rng.random(), d))
            picks = sorted(ranked[:n_bus])
            per_bus = sum(n for n, _ in families) * rng.uniform(0.7, 1.1) / n_bus
            seats = next((s for s in seat_sizes if s >= per_bus), seat_sizes[-1])
            hours = self.network.hours(city_id, fid)
            h = float(hours) if hours is not None else 10.0
            cost = _ceil_to(100 + 4 * h * (seats / 20 + 0.5), 10)
            for d in picks:
                self.transports.append({
                    "id": f"BUS-{city_id[5:]}-{fid.replace('-', '')}-{self.day_code(d)}",
                    "origin": city_id, "facility": fid, "date": self.iso[d], "seats": seats,
                    "cost": cost,
                })
        self.transports.sort(key=lambda t: (t["date"], t["id"]))

    def _escort_days(self, rng: random.Random) -> list[dict[str, str]]:
        last = self.last
        if last < 8 or rng.random() < 0.4:
            a = rng.randint(0, min(5, last))
            b = max(a, last - rng.randint(0, min(5, last)))
            return [{"from": self.iso[a], "to": self.iso[b]}]
        a = rng.randint(0, 3)
        b = rng.randint(a + 2, max(a + 2, last // 2))
        c = min(last, b + rng.randint(2, 6))
        d = max(c, last - rng.randint(0, 3))
        return [{"from": self.iso[a], "to": self.iso[b]}, {"from": self.iso[c], "to": self.iso[d]}]

    # -- assembling ---------------------------------------------------------------
    def detainee_dicts(self) -> tuple[list[str], list[dict[str, Any]]]:
        width = max(4, len(str(len(self.detainees))))
        ids = [f"D-{i + 1:0{width}d}" for i in range(len(self.detainees))]
        out = []
        for did, det in zip(ids, self.detainees, strict=True):
            d: dict[str, Any] = {"id": did, "side": det.side, "facility": det.facility}
            for key in ("max_parcels", "max_weight_kg", "max_visits"):
                if key in det.extra:
                    d[key] = det.extra[key]
            if det.unavailable:
                d["unavailable"] = [self.iso[x] for x in det.unavailable]
            if det.keep_apart:
                d["keep_apart"] = [ids[x] for x in det.keep_apart]
            out.append(d)
        return ids, out

    def node_dicts(self) -> list[dict[str, Any]]:
        out = []
        for q in self.places:
            node: dict[str, Any] = {"id": q.id, "kind": q.kind}
            if q.kind == "crossing" and self.n_parcels and q.capacity is not None:
                node["daily_capacity"] = q.capacity
            if q.dwell:
                node["dwell_hours"] = _num(q.dwell)
            out.append(node)
        return out


def _check(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(
            f"The '{name}' of a generated scenario must be a whole number greater than or equal "
            f"to {minimum}; got {value!r} instead."
        )


def generate_scenario_dict(
    parcels: int,
    visits: int = 0,
    seed: int = 0,
    *,
    name: str | None = None,
    start: dt.date = dt.date(2026, 12, 1),
    days: int = 31,
) -> dict[str, Any]:
    """Draw a realistic synthetic month as a ``parcelroute-scenario/1`` dict.

    The network has a few hubs on one side, two to four crossing points with
    a daily inspection capacity and a dwell time, tens of detention
    facilities on the other side and a few cities. Batches run fixed routes
    (hub, crossing, two to five facilities) on fixed weekdays, with
    capacities sized to the demand so that they bind on the busy days before
    the holiday (24 December when the horizon has it). A few percent of the
    parcels cannot be sent by any batch. The visits half has sessions at
    some facilities, requests from families, escorts, buses and the
    reciprocity rule, with demand a little above supply.

    Parameters
    ----------
    parcels : int
        Number of parcels (0: no parcel half, no batches).
    visits : int, default 0
        Number of visit requests (0: no visit half).
    seed : int, default 0
        Random seed. The same arguments give the same dict (and the same
        JSON text, byte for byte).
    name : str, optional
        Scenario name; by default e.g. ``"Synthetic month, 2000 parcels, seed 7"``.
    start : datetime.date, default 2026-12-01
        First day of the horizon.
    days : int, default 31
        Length of the horizon in days.

    Returns
    -------
    dict
        A JSON-ready scenario; :func:`parcelroute.read_scenario_dict` accepts it.

    Raises
    ------
    ValueError
        If ``parcels`` or ``visits`` is negative or ``days`` is below 1.

    Examples
    --------
    >>> from parcelroute.generate import generate_scenario_dict
    >>> data = generate_scenario_dict(parcels=50, visits=10, seed=7)
    >>> data["format"], data["name"]
    ('parcelroute-scenario/1', 'Synthetic month, 50 parcels, 10 visit requests, seed 7')
    >>> len(data["parcels"]), len(data["visit_requests"])
    (50, 10)
    >>> data == generate_scenario_dict(parcels=50, visits=10, seed=7)
    True
    """
    _check("parcels", parcels, 0)
    _check("visits", visits, 0)
    _check("days", days, 1)
    if not isinstance(start, dt.date):
        raise ValueError(
            f"The 'start' of a generated scenario must be a datetime.date; got {start!r} instead."
        )
    if name is None:
        parts = []
        if parcels or not visits:
            parts.append(f"{parcels} parcels")
        if visits:
            parts.append(f"{visits} visit requests")
        name = f"Synthetic month, {', '.join(parts)}, seed {seed}"
    gen = _Generator(parcels, visits, seed, start, days)
    gen.build_network()
    gen.build_routes()
    gen.build_parcels()
    gen.allocate_demand()
    batches = gen.build_batches() if parcels else []
    gen.build_visits()
    det_ids, detainees = gen.detainee_dicts()

    out: dict[str, Any] = {
        "format": SCENARIO_FORMAT,
        "name": name,
        "start": gen.iso[0],
        "end": gen.iso[-1],
        "network": {"nodes": gen.node_dicts(), "links": gen.links},
    }
    if parcels:
        out["defaults"] = gen.defaults
    out["detainees"] = detainees
    if parcels:
        out["parcels"] = gen.parcel_dicts(det_ids)
        out["batches"] = batches
    if visits:
        for req in gen.requests:
            req["detainee"] = det_ids[int(req["detainee"])]
        out["sessions"] = gen.sessions
        out["visit_requests"] = gen.requests
        out["escorts"] = gen.escorts
        out["transports"] = gen.transports
        if gen.visits_b:  # detainees on both sides
            out["reciprocity"] = {"max_difference": max(1, round(0.05 * visits))}
    return out


def generate_scenario(
    parcels: int,
    visits: int = 0,
    seed: int = 0,
    *,
    name: str | None = None,
    start: dt.date = dt.date(2026, 12, 1),
    days: int = 31,
) -> Scenario:
    """Draw a realistic synthetic month and validate it into a :class:`Scenario`.

    Takes the same arguments as :func:`generate_scenario_dict` and passes its
    result through :func:`parcelroute.read_scenario_dict`.

    Parameters
    ----------
    parcels : int
        Number of parcels.
    visits : int, default 0
        Number of visit requests.
    seed : int, default 0
        Random seed.
    name : str, optional
        Scenario name.
    start : datetime.date, default 2026-12-01
        First day of the horizon.
    days : int, default 31
        Length of the horizon in days.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> from parcelroute.generate import generate_scenario
    >>> s = generate_scenario(parcels=40, seed=1)
    >>> len(s.parcels), len(s.batches) > 0, s.visit_requests
    (40, True, ())
    """
    return read_scenario_dict(
        generate_scenario_dict(parcels, visits, seed, name=name, start=start, days=days)
    )
