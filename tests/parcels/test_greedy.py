"""Greedy plans and load tracking: every move keeps every rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import parcelroute as pr
from parcelroute.generate import generate_scenario
from parcelroute.model.scenario import Scenario
from parcelroute.parcels.compat import Compatibility
from parcelroute.parcels.greedy import (
    Loads,
    empty_batches,
    fill_left_out,
    greedy_assign,
    operated,
    repack,
    round_fractional,
    swap_batches,
    trade_left_out,
)
from parcelroute.parcels.problem import ParcelProblem

DAY = dt.date(2026, 12, 1)


def problem(s: Scenario) -> ParcelProblem:
    return ParcelProblem(s, Compatibility(s))


def keeps_rules(prob: ParcelProblem, assign: np.ndarray) -> bool:
    """An independent check of the integer limits of a plan."""
    chosen = assign[assign >= 0]
    pp, pb = prob.pair_parcel[chosen], prob.pair_batch[chosen]
    if not np.array_equal(pp, np.flatnonzero(assign >= 0)):
        return False
    for dim in prob.dims:
        load = np.bincount(pb, weights=dim.per_parcel[pp], minlength=prob.num_batches)
        if np.any((dim.capacity >= 0) & (load > dim.capacity)):
            return False
    x = np.zeros(prob.num_pairs)
    x[chosen] = 1
    if any(x[es].sum() > cap for _, _, cap, es in prob.crossing_rows):
        return False
    for _r, n_max, w_max, members in prob.recipient_rows:
        got = members[assign[members] >= 0]
        if (n_max >= 0 and len(got) > n_max) or (w_max >= 0 and prob.weight[got].sum() > w_max):
            return False
    return True


@pytest.fixture(scope="module")
def month() -> ParcelProblem:
    return problem(generate_scenario(400, 0, 5))


def small() -> Scenario:
    b = pr.ScenarioBuilder(name="greedy")
    b.add_node("HUB", kind="hub").add_node("X", kind="crossing", daily_capacity=2)
    b.add_node("F-1").add_link("HUB", "X", hours=4).add_link("X", "F-1", hours=4)
    b.set_defaults(max_parcels_per_detainee=1)
    b.add_detainee("D-1", side="A", facility="F-1")
    for k, cost in enumerate((10, 20)):
        b.add_batch(f"B-{k}", origin="HUB", departs=DAY, stops=["X", "F-1"], cost=cost,
                    max_weight_kg=5)
    for k, (w, rec) in enumerate([(3, None), (3, None), (1, "D-1"), (1, "D-1")]):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=w, volume_l=1,
                     ready=DAY, due=DAY + dt.timedelta(days=2), priority=2 - k % 2,
                     recipient=rec)
    return b.build()


def test_loads_track_every_limit() -> None:
    prob = problem(small())
    loads = Loads(prob)
    first = int(prob.option_start[0])  # P-0 on B-0
    assert loads.fits(first)
    loads.add(first)
    assert loads.batch_count(0) == 1
    assert not loads.fits(int(prob.option_start[1]))  # 3 + 3 kg > 5 kg on B-0
    assert loads.fits(int(prob.option_start[1]) + 1)  # B-1 has room
    loads.add(int(prob.option_start[2]))  # P-2 to D-1
    assert not loads.fits(int(prob.option_start[3]))  # D-1 may receive one parcel
    assert not loads.fits(int(prob.option_start[1]) + 1)  # the crossing takes 2 a day
    loads.add(first, -1)
    assert loads.fits(int(prob.option_start[1]) + 1)


def test_greedy_keeps_every_rule_and_prefers_priority(month: ParcelProblem) -> None:
    loads = Loads(month)
    assign = greedy_assign(month, loads)
    assert keeps_rules(month, assign)
    prob = problem(small())
    assign = greedy_assign(prob, Loads(prob))
    assert keeps_rules(prob, assign)
    # the crossing lets two parcels through: the two of priority 2
    assert np.flatnonzero(assign >= 0).tolist() == [0, 2]


def test_round_fractional_follows_the_fractions(month: ParcelProblem) -> None:
    rng = np.random.default_rng(1)
    frac = rng.random(month.num_pairs)
    assign = round_fractional(month, frac)
    assert keeps_rules(month, assign)
    allowed = month.pair_batch % 2 == 0
    assign = round_fractional(month, frac, allowed=allowed, open_cost=False)
    assert keeps_rules(month, assign)
    assert np.all(allowed[assign[assign >= 0]])


def test_empty_batches_never_loses_a_parcel(month: ParcelProblem) -> None:
    assign = greedy_assign(month, Loads(month))
    emptied = empty_batches(month, assign)
    assert keeps_rules(month, emptied)
    assert np.array_equal(emptied >= 0, assign >= 0)
    cost = month.scaled_cost()
    assert cost[operated(month, emptied)].sum() <= cost[operated(month, assign)].sum()


def _vans(weights: list[int], costs: list[int]) -> ParcelProblem:
    """Vans B-0, B-1, ... of 10 kg (costs ``costs``) on one day; parcels of ``weights`` kg
    that may ride any of them."""
    b = pr.ScenarioBuilder(name="vans")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    for k, cost in enumerate(costs):
        b.add_batch(f"B-{k}", origin="HUB", departs=DAY, stops=["F-1"], max_weight_kg=10,
                    cost=cost)
    for k, w in enumerate(weights):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=w, volume_l=1,
                     ready=DAY, due=DAY + dt.timedelta(days=2))
    return problem(b.build())


def test_repack_moves_a_plan_off_a_dear_batch_emptying_cannot_leave() -> None:
    """Binds: both parcels on the dear van B-0 (100); emptying only moves parcels to vans
    already operated, so it keeps B-0, while placing them again puts both on B-1 (10)."""
    prob = _vans([5, 5], [100, 10, 10])
    plan = _plan(prob, [0, 0])
    assert _batches(prob, empty_batches(prob, plan)) == [0, 0]
    packed = repack(prob, plan)
    assert packed is not None and _batches(prob, packed) == [1, 1]


@pytest.mark.parametrize(("weights", "costs", "plan", "swapped"), [
    ([5, 5], [100, 10, 50], [0, 0], [1, 1]),  # binds: the cheapest idle van takes both
    ([5, 5], [100, 10, 50], [1, 1], [1, 1]),  # slack: already on the cheapest
    ([6, 6], [100, 10, 50], [0, 1], [2, 1]),  # B-0's parcel to idle B-2; B-1 stays
    ([5, 5], [100, 100, 150], [0, 0], [0, 0]),  # slack: no idle van costs less
    ([5, 5, 5], [100, 10, 10], [0, 0, 2], [1, 1, 2]),  # B-2 is operated: only idle B-1
    ([6, 6], [100, 10], [0, 1], [0, 1]),  # slack: the cheaper van is operated, not idle
    ([6, 6], [100, 10, 50], [0, 0], [0, 0]),  # (not a plan: 12 kg on B-0) nothing fits alone
])
def test_swap_moves_a_whole_batch_to_one_idle_cheaper_batch(
        weights: list[int], costs: list[int], plan: list[int], swapped: list[int]) -> None:
    """Every parcel of a dear batch moves to the cheapest idle batch where all fit, or
    none moves; the same parcels are delivered."""
    prob = _vans(weights, costs)
    start = _plan(prob, plan)
    out = swap_batches(prob, start)
    assert _batches(prob, out) == swapped
    assert np.array_equal(out >= 0, start >= 0)
    if keeps_rules(prob, start):
        assert keeps_rules(prob, out)


@pytest.mark.parametrize(("room", "swapped"), [(1, [0, 2]), (2, [2, 1])])
def test_swap_keeps_the_crossing_limits_of_the_new_route(room: int,
                                                         swapped: list[int]) -> None:
    """P-0 rides B-0 (100, no crossing), P-1 rides B-1 (20, through crossing X); B-2 (10)
    goes through X too. Binds with X at 1 a day: P-0 may not move to B-2 (X would take
    2), while P-1 may (X keeps 1). Slack with 2 a day: P-0, the dearer, moves to B-2."""
    b = pr.ScenarioBuilder(name="crossing")
    b.add_node("HUB", kind="hub").add_node("X", kind="crossing", daily_capacity=room)
    b.add_node("F-1").add_link("HUB", "F-1", hours=5).add_link("HUB", "X", hours=1)
    b.add_link("X", "F-1", hours=1)
    b.add_batch("B-0", origin="HUB", departs=DAY, stops=["F-1"], cost=100)
    b.add_batch("B-1", origin="HUB", departs=DAY, stops=["X", "F-1"], cost=20)
    b.add_batch("B-2", origin="HUB", departs=DAY, stops=["X", "F-1"], cost=10)
    for k in range(2):
        b.add_parcel(f"P-{k}", origin="HUB", destination="F-1", weight_kg=1, volume_l=1,
                     ready=DAY, due=DAY + dt.timedelta(days=2))
    prob = problem(b.build())
    out = swap_batches(prob, _plan(prob, [0, 1]))
    assert _batches(prob, out) == swapped
    assert keeps_rules(prob, out)


def test_swap_never_raises_the_cost_and_keeps_every_rule(month: ParcelProblem) -> None:
    """On a generated month's greedy plan: the same parcels, every rule, never dearer."""
    start = greedy_assign(month, Loads(month))
    out = swap_batches(month, start)
    assert keeps_rules(month, out)
    assert np.array_equal(out >= 0, start >= 0)
    assert month.cost[operated(month, out)].sum() <= month.cost[operated(month, start)].sum()


def test_repack_places_the_same_parcels_and_keeps_every_rule(month: ParcelProblem) -> None:
    """On a generated month, from a plan spread with no thought of cost (a third of the
    parcels left out): the same parcels, every rule kept, and never dearer here."""
    assign = round_fractional(month, np.random.default_rng(2).random(month.num_pairs))
    assign[np.flatnonzero(assign >= 0)[::3]] = -1
    packed = repack(month, assign)
    assert packed is not None
    assert keeps_rules(month, packed)
    assert np.array_equal(packed >= 0, assign >= 0)
    cost = month.scaled_cost()
    assert cost[operated(month, packed)].sum() < cost[operated(month, assign)].sum()
    assert np.array_equal(repack(month, assign), packed)  # the same plan every time


def test_repack_gives_nothing_where_a_parcel_no_longer_fits() -> None:
    """Does not bind: 5+3+2 and 4+4+2 fill two vans exactly, but placed heaviest first
    (5, 4 | 4, 3, 2) the last parcel of 2 kg fits in neither: no plan."""
    prob = _vans([5, 3, 2, 4, 4, 2], [10, 10])
    plan = _plan(prob, [0, 0, 0, 1, 1, 1])
    assert keeps_rules(prob, plan)
    assert repack(prob, plan) is None


def test_fill_left_out_only_adds(month: ParcelProblem) -> None:
    assign = greedy_assign(month, Loads(month))
    dropped = assign.copy()
    dropped[np.flatnonzero(assign >= 0)[::3]] = -1
    filled = fill_left_out(month, dropped)
    assert keeps_rules(month, filled)
    assert np.all(filled[dropped >= 0] == dropped[dropped >= 0])
    assert (filled >= 0).sum() >= (dropped >= 0).sum()
    free = fill_left_out(month, dropped, free_only=True)
    assert np.all(operated(month, free) <= operated(month, dropped) | operated(month, free))
    assert not np.any(operated(month, free) & ~operated(month, dropped))


def _seats(parcels: list[tuple[str, int, int, int, str | None]], *, days: int = 2,
           max_per_detainee: int | None = None) -> ParcelProblem:
    """One-seat batches B-0, B-1, ... on days 0, 1, ...; parcels (id, ready day, due day,
    priority, recipient)."""
    b = pr.ScenarioBuilder(name="seats")
    b.add_node("HUB", kind="hub").add_node("F-1").add_link("HUB", "F-1", hours=5)
    if max_per_detainee is not None:
        b.set_defaults(max_parcels_per_detainee=max_per_detainee)
        b.add_detainee("D-1", side="A", facility="F-1")
    for k in range(days):
        b.add_batch(f"B-{k}", origin="HUB", departs=DAY + dt.timedelta(days=k),
                    stops=["F-1"], max_parcels=1, cost=10)
    for pid, ready, due, prio, rec in parcels:
        b.add_parcel(pid, origin="HUB", destination="F-1", weight_kg=1, priority=prio,
                     ready=DAY + dt.timedelta(days=ready), due=DAY + dt.timedelta(days=due),
                     recipient=rec)
    return problem(b.build())


def _plan(prob: ParcelProblem, batches: list[int | None]) -> np.ndarray:
    """The plan putting parcel k on batch ``batches[k]`` (None: left out)."""
    out = np.full(prob.num_parcels, -1, np.int64)
    for k, bk in enumerate(batches):
        if bk is not None:
            opts = np.flatnonzero((prob.pair_parcel == k) & (prob.pair_batch == bk))
            out[k] = int(opts[0])
    return out


def _batches(prob: ParcelProblem, assign: np.ndarray) -> list[int | None]:
    return [int(prob.pair_batch[e]) if e >= 0 else None for e in assign.tolist()]


@pytest.mark.parametrize(("a_due", "expected"), [(1, [1, 0]), (0, [0, None])])
def test_a_trade_moves_a_planned_parcel_to_make_room(a_due: int, expected: list[int | None],
                                                    ) -> None:
    """Binds: A rides B-0 and may ride B-1; F may ride B-0 only: A moves, F goes. Does not
    bind where A may ride B-0 only (and is worth as much as F)."""
    prob = _seats([("A", 0, a_due, 1, None), ("F", 0, 0, 1, None)])
    start = _plan(prob, [0, None])
    out = trade_left_out(prob, start)
    assert keeps_rules(prob, out)
    assert _batches(prob, out) == expected


@pytest.mark.parametrize(("with_mate", "expected"), [(True, [None, 1, 0]), (False, [0, None])])
def test_a_trade_delivers_another_parcel_of_the_same_detainee(with_mate: bool,
                                                              expected: list[int | None]) -> None:
    """Binds: D-1 may receive one parcel; A (day 0 only) has B-0's seat, which F (day 0
    only) needs; M (day 1 only) goes to D-1 in A's place, and F gets the seat: two
    parcels where there was one. Does not bind without M: F is worth no more than A."""
    parcels = [("A", 0, 0, 1, "D-1"), ("F", 0, 0, 1, None)]
    if with_mate:
        parcels.insert(1, ("M", 1, 1, 1, "D-1"))
    prob = _seats(parcels, max_per_detainee=1)
    start = _plan(prob, [0, None, None] if with_mate else [0, None])
    out = trade_left_out(prob, start)
    assert keeps_rules(prob, out)
    assert _batches(prob, out) == expected


@pytest.mark.parametrize(("f_priority", "expected"), [(3, [None, 0]), (1, [0, None])])
def test_a_trade_leaves_out_a_parcel_worth_less(f_priority: int,
                                                expected: list[int | None]) -> None:
    """Binds: F (priority 3) takes the one seat of A (priority 1). Does not bind at equal
    priorities."""
    prob = _seats([("A", 0, 0, 1, None), ("F", 0, 0, f_priority, None)], days=1)
    out = trade_left_out(prob, _plan(prob, [0, None]))
    assert keeps_rules(prob, out)
    assert _batches(prob, out) == expected


def test_trades_keep_every_rule_and_only_raise_the_priority(month: ParcelProblem) -> None:
    """From a plan with a third of its parcels dropped and filled again, the trades keep
    every limit (batches, crossings, detainees) and deliver more priority."""
    assign = greedy_assign(month, Loads(month))
    dropped = assign.copy()
    dropped[np.flatnonzero(assign >= 0)[::3]] = -1
    filled = fill_left_out(month, dropped)
    traded = trade_left_out(month, filled)
    assert keeps_rules(month, traded)
    prio = month.priority
    assert prio[traded >= 0].sum() > prio[filled >= 0].sum()
    assert np.array_equal(trade_left_out(month, filled), traded)  # no time limit: the same
    assert np.array_equal(trade_left_out(month, filled, time_limit=0.0), filled)


def _min_key_fit(prob: ParcelProblem, loads: Loads, options: list[int],
                 pref: list[float] | None) -> int:
    """The option a greedy step must take: of those that fit, the least key."""
    count = loads.count
    fit = [e for e in options if loads.fits(e)]
    if not fit:
        return -1

    def key(e: int) -> tuple[float | bool | int, ...]:
        b = int(prob.pair_batch[e])
        head = () if pref is None else (-pref[e],)
        return (*head, bool(count[b] == 0), float(prob.cost[b]), b)

    return min(fit, key=key)


@pytest.mark.parametrize("seed", [None, 0, 1])
def test_each_greedy_step_takes_the_least_key_that_fits(month: ParcelProblem,
                                                        seed: int | None) -> None:
    """Replayed step by step, every parcel of the greedy plan took, of its options that
    fit at its turn, the one of least key (batches operated first, then the cheapest; with
    a preference, the most preferred first): the keys are compared before the fits are
    tested, and that must choose as testing every fit would."""
    pref = None if seed is None else np.random.default_rng(seed).random(month.num_pairs)
    plan = greedy_assign(month, Loads(month), pref)
    order_of = {}
    replay = Loads(month)
    # the order the plan was made in: priority, then (without a preference) fewest options
    starts = month.option_start
    opts = [list(range(int(starts[i]), int(starts[i + 1]))) for i in range(month.num_parcels)]
    prio, weight = month.priority, month.weight
    pl = None if pref is None else pref.tolist()
    for i in range(month.num_parcels):
        if opts[i]:
            top = 0.0 if pl is None else max(pl[e] for e in opts[i])
            order_of[i] = (-int(prio[i]), -top, len(opts[i]), -float(weight[i]), i)
    taken = 0
    for i in sorted(order_of, key=order_of.__getitem__):
        expected = _min_key_fit(month, replay, opts[i], pl)
        assert plan[i] == expected
        if expected >= 0:
            replay.add(expected)
            taken += 1
    assert taken > 0 and taken < len(order_of)  # some parcels are left out: fits bind
