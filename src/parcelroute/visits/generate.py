"""Random but plausible visit scenarios, for benchmarks and tests.

A month of sessions at a few facilities (two or three a day on weekdays, one
closed), families from a few cities with travel windows of a few days, some
needing an interpreter or a seat on an organised bus, a few keep-apart pairs,
and a reciprocity agreement. The table supply is set a little below the demand
so that the plan has real choices to make.
"""

from __future__ import annotations

import datetime as dt
import random

from parcelroute.model.builder import ScenarioBuilder
from parcelroute.model.scenario import Scenario

__all__ = ["random_visit_scenario"]

LANGUAGES = ("uk", "ru", "en", "ka")


def random_visit_scenario(
    requests: int = 500,
    *,
    seed: int = 0,
    facilities: int | None = None,
    days: int = 30,
    supply: float = 0.85,
    reciprocity: int | None = 5,
    start: dt.date = dt.date(2026, 12, 1),
) -> Scenario:
    """A random visit scenario with about ``requests`` visit requests.

    Parameters
    ----------
    requests : int
        Number of visit requests.
    seed : int
        Random seed: the same arguments give the same scenario.
    facilities : int, optional
        Number of facilities (default: one per 250 requests, at least two).
    days : int
        Length of the horizon in days.
    supply : float
        Tables offered over the horizon, as a share of the requests.
    reciprocity : int or None
        The agreed ``max_difference`` between the two sides, or no agreement.
    start : date
        First day of the horizon.

    Returns
    -------
    Scenario
        A validated scenario with only the visit half.

    Examples
    --------
    >>> s = random_visit_scenario(40, seed=1)
    >>> len(s.visit_requests)
    40
    """
    rng = random.Random(seed)
    n_fac = facilities if facilities is not None else max(2, requests // 250)
    end = start + dt.timedelta(days=days - 1)
    b = ScenarioBuilder(name=f"random visits {requests}/{seed}", start=start, end=end)
    facs = [f"F-{i + 1:02d}" for i in range(n_fac)]
    cities = [f"CITY-{c}" for c in "ABCD"]
    for f in facs:
        b.add_node(f, kind="facility")
    for c in cities:
        b.add_node(c, kind="city")
    open_days = [start + dt.timedelta(days=i) for i in range(days)
                 if (start + dt.timedelta(days=i)).weekday() < 5]
    slots = [("AM", "10:00", "12:00"), ("PM", "13:00", "15:00")]
    per_day_tables = max(1.0, supply * requests / max(1, len(open_days) * n_fac * len(slots)))
    session_dates: list[tuple[str, dt.date]] = []
    for f in facs:
        for d in open_days:
            session_dates.append((f, d))
            for name, t0, t1 in slots:
                cap = max(1, round(rng.uniform(0.6, 1.4) * per_day_tables))
                b.add_session(f"S-{f[2:]}-{d:%m%d}-{name}", facility=f, date=d, start=t0,
                              end=t1, capacity=cap, max_visitors=cap * 3,
                              closed=rng.random() < 0.15)
            if rng.random() < 0.2:
                b.add_session(f"S-{f[2:]}-{d:%m%d}-X", facility=f, date=d, start="11:00",
                              end="14:00", capacity=max(1, round(per_day_tables / 2)),
                              closed=True)
    n_det = max(2, int(requests * 0.8))
    dets = [f"D-{i + 1:05d}" for i in range(n_det)]
    det_fac = {d: rng.choice(facs) for d in dets}
    for d in dets:
        apart = []
        if rng.random() < 0.02:
            same = [o for o in dets if det_fac[o] == det_fac[d] and o != d]
            if same:
                apart = [rng.choice(same)]
        unavailable = [start + dt.timedelta(days=rng.randrange(days))
                       for _ in range(rng.choice((0, 0, 0, 1, 2)))]
        b.add_detainee(d, facility=det_fac[d], side=rng.choice("AB"),
                       max_visits=2 if rng.random() < 0.1 else 1,
                       unavailable=sorted(set(unavailable)), keep_apart=apart)
    for i in range(requests):
        det = dets[i] if i < n_det else rng.choice(dets)
        first = rng.randrange(days)
        length = rng.randint(2, 10)
        windows = [(start + dt.timedelta(days=first),
                    start + dt.timedelta(days=min(days - 1, first + length)))]
        if rng.random() < 0.2:
            other = rng.randrange(days)
            windows.append((start + dt.timedelta(days=other),
                            start + dt.timedelta(days=min(days - 1, other + 2))))
        b.add_visit_request(
            f"V-{i + 1:05d}", detainee=det, available=windows,
            visitors=rng.choice((1, 1, 2, 2, 3, 4)), priority=rng.choice((1, 1, 2, 3, 5)),
            language=rng.choice(LANGUAGES[:3]) if rng.random() < 0.3 else None,
            transport_from=rng.choice(cities) if rng.random() < 0.4 else None,
            closed=rng.random() < 0.05,
        )
    for j in range(max(3, 3 * n_fac)):
        langs = sorted(set(rng.sample(LANGUAGES, rng.randint(1, 2))))
        a = rng.randrange(days // 2)
        b.add_escort(f"E-{j + 1:02d}", languages=langs,
                     available=[(start + dt.timedelta(days=a),
                                 start + dt.timedelta(days=min(days - 1, a + days // 2 + 5)))],
                     max_visits_per_day=rng.randint(3, 6))
    k = 0
    for f, d in session_dates:
        for c in cities:
            if rng.random() < 0.6:
                k += 1
                b.add_transport(f"BUS-{k:04d}", origin=c, facility=f, date=d,
                                seats=rng.choice((8, 12, 20, 40)),
                                cost=rng.choice((150, 220.5, 300, 480)))
    if reciprocity is not None:
        b.set_reciprocity(reciprocity)
    return b.build()
