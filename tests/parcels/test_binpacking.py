"""Tests of the exact one-dimensional bin packing engine.

Small cases are checked by hand; larger ones are built so that the optimum is
known: bins of the capacity are cut into pieces (so every bin is exactly full and
the number of bins is both a lower bound and achievable), and the pieces are
shuffled. A few public BPPLIB instances are solved too when their folder
(``../shared/data/bpplib`` next to the repository) is present.
"""

from __future__ import annotations

import csv
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from parcelroute.bpplib import read_bpp_instance
from parcelroute.parcels import binpacking
from parcelroute.parcels.binpacking import (
    PackingResult,
    _ArcFlow,
    _BinCompletion,
    _Clock,
    _ColumnGeneration,
    _ExactCover,
    _FillSearch,
    _l2_bound,
    solve_bin_packing,
)

BPPLIB = Path(__file__).resolve().parents[3] / "shared" / "data" / "bpplib"


def check(result: PackingResult, sizes: Sequence[int], capacity: int) -> None:
    """The packing is valid and the reported bound is consistent with it."""
    packed = sorted(i for b in result.bins for i in b)
    assert packed == list(range(len(sizes))), "every item exactly once"
    for b in result.bins:
        assert b, "no empty bin"
        assert sum(sizes[i] for i in b) <= capacity
    assert result.lower_bound <= len(result.bins)
    assert result.optimal == (result.lower_bound == len(result.bins))
    assert result.seconds >= 0


def cut_bins(rng: random.Random, bins: int, capacity: int, pieces: Sequence[int]) -> list[int]:
    """Cut ``bins`` full bins into a random number (from ``pieces``) of positive sizes."""
    sizes: list[int] = []
    for _ in range(bins):
        k = rng.choice(pieces)
        cuts = sorted(rng.sample(range(1, capacity), k - 1))
        sizes += [b - a for a, b in zip([0, *cuts], [*cuts, capacity], strict=True)]
    rng.shuffle(sizes)
    return sizes


def falkenauer_triplets(rng: random.Random, bins: int, capacity: int) -> list[int]:
    """Falkenauer's triplets: three sizes between a quarter and a half that fill a bin."""
    sizes: list[int] = []
    for _ in range(bins):
        a = rng.randint(380 * capacity // 1000, 490 * capacity // 1000)
        b = rng.randint(capacity // 4, capacity - a - capacity // 4)
        sizes += [a, b, capacity - a - b]
    rng.shuffle(sizes)
    return sizes


# ---------------------------------------------------------------------------------
# Hand-checkable cases
# ---------------------------------------------------------------------------------


def test_no_items() -> None:
    res = solve_bin_packing([], 10)
    assert res.bins == ()
    assert res.lower_bound == 0
    assert res.optimal


def test_one_item() -> None:
    res = solve_bin_packing([7], 10)
    assert res.bins == ((0,),)
    assert (res.lower_bound, res.optimal) == (1, True)


def test_item_as_large_as_a_bin() -> None:
    res = solve_bin_packing([10, 10, 1], 10)
    check(res, [10, 10, 1], 10)
    assert (len(res.bins), res.lower_bound) == (3, 3)


def test_items_of_size_zero_go_anywhere() -> None:
    res = solve_bin_packing([0, 5, 0, 5], 10)
    check(res, [0, 5, 0, 5], 10)
    assert len(res.bins) == 1
    only_zeros = solve_bin_packing([0, 0, 0], 10)
    assert only_zeros.bins == ((0, 1, 2),)
    assert only_zeros.optimal
    zero_capacity = solve_bin_packing([0, 0], 0)
    assert (len(zero_capacity.bins), zero_capacity.optimal) == (1, True)


def test_items_that_fill_bins_exactly() -> None:
    sizes = [5, 3, 7, 2, 8, 5]  # 5+5, 3+7, 2+8
    res = solve_bin_packing(sizes, 10)
    check(res, sizes, 10)
    assert (len(res.bins), res.lower_bound) == (3, 3)
    assert sorted(sorted(sizes[i] for i in b) for b in res.bins) == [[2, 8], [3, 7], [5, 5]]


def test_l2_bound_above_the_continuous_bound() -> None:
    # L1 = ceil(18 / 10) = 2, but no two of these items share a bin.
    res = solve_bin_packing([6, 6, 6], 10)
    assert (len(res.bins), res.lower_bound, res.optimal) == (3, 3, True)
    # L1 = ceil(29 / 10) = 3; four items above half a bin need four bins (L2 = 4).
    sizes = [6, 6, 6, 6, 2, 3]
    res = solve_bin_packing(sizes, 10)
    check(res, sizes, 10)
    assert (len(res.bins), res.lower_bound) == (4, 4)


def test_lp_bound_above_l2() -> None:
    # Five 4s and three 3s, capacity 10: L1 = L2 = 3, but a bin holds at most
    # {4, 3, 3}, {3, 3, 3} or two 4s, so 4 bins are needed (the LP bound is 3.25).
    sizes = [4, 4, 4, 4, 4, 3, 3, 3]
    res = solve_bin_packing(sizes, 10)
    check(res, sizes, 10)
    assert (len(res.bins), res.lower_bound, res.optimal) == (4, 4, True)


def test_lp_bound_with_a_large_capacity() -> None:
    sizes = [s * 10_000 + 7 * i for i, s in enumerate([4, 4, 4, 4, 4, 3, 3, 3])]
    res = solve_bin_packing(sizes, 100_000)
    check(res, sizes, 100_000)
    assert (len(res.bins), res.lower_bound, res.optimal) == (4, 4, True)


def test_invalid_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="size of item 1"):
        solve_bin_packing([3, 11], 10)
    with pytest.raises(ValueError, match="size of item 0"):
        solve_bin_packing([-1], 10)
    with pytest.raises(ValueError, match="must be an integer"):
        solve_bin_packing([2.5], 10)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="capacity"):
        solve_bin_packing([1], -3)


def test_exact_search_proves_a_bin_count_impossible() -> None:
    # The exact search alone, on the instance above: no packing into 3 bins exists.
    search = _BinCompletion([4, 3], [5, 3], 10, _Clock(None))
    assert search.search(3, 10_000) is None
    assert search.exhaustive
    bins = search.search(4, 10_000)
    assert bins is not None and len(bins) == 4
    sizes = (4, 3)
    assert all(sum(sizes[k] * m for k, m in b) <= 10 for b in bins)
    assert [sum(m for b in bins for k, m in b if k == t) for t in (0, 1)] == [5, 3]


def test_hint_is_used_and_checked() -> None:
    sizes = [6, 4, 5, 5, 7, 3]
    hint = [[0, 1], [2, 3], [4, 5]]
    res = solve_bin_packing(sizes, 10, time_limit=0.0, upper_bound_hint=hint)
    check(res, sizes, 10)
    assert (len(res.bins), res.optimal) == (3, True)
    with pytest.raises(ValueError, match="at most the capacity"):
        solve_bin_packing(sizes, 10, upper_bound_hint=[[0, 2], [1, 3], [4, 5]])
    with pytest.raises(ValueError, match="item 5 is missing"):
        solve_bin_packing(sizes, 10, upper_bound_hint=[[0, 1], [2, 3], [4]])
    with pytest.raises(ValueError, match="not used elsewhere"):
        solve_bin_packing(sizes, 10, upper_bound_hint=[[0, 1], [1, 3], [2, 4, 5]])


def test_time_limit_zero_still_gives_a_valid_packing() -> None:
    sizes = falkenauer_triplets(random.Random(5), 40, 1000)
    res = solve_bin_packing(sizes, 1000, time_limit=0.0)
    check(res, sizes, 1000)
    assert res.lower_bound == 40  # the continuous bound, computed even without time


# ---------------------------------------------------------------------------------
# Instances with an optimum known by construction
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "bins"), [(0, 20), (1, 40), (2, 100), (3, 167), (4, 333)])
def test_falkenauer_triplets(seed: int, bins: int) -> None:
    sizes = falkenauer_triplets(random.Random(seed), bins, 1000)
    res = solve_bin_packing(sizes, 1000, time_limit=30)
    check(res, sizes, 1000)
    assert (len(res.bins), res.lower_bound) == (bins, bins)


@pytest.mark.parametrize(("seed", "bins", "capacity"), [(0, 100, 1000), (1, 333, 1000), (2, 250, 150)])
def test_bins_cut_into_three(seed: int, bins: int, capacity: int) -> None:
    sizes = cut_bins(random.Random(seed), bins, capacity, [3])
    res = solve_bin_packing(sizes, capacity, time_limit=30)
    check(res, sizes, capacity)
    assert (len(res.bins), res.lower_bound) == (bins, bins)


@pytest.mark.parametrize(("seed", "bins", "capacity"), [(0, 60, 1000), (1, 250, 1000), (2, 300, 100)])
def test_bins_cut_into_two_to_five(seed: int, bins: int, capacity: int) -> None:
    sizes = cut_bins(random.Random(seed), bins, capacity, [2, 3, 4, 5])
    res = solve_bin_packing(sizes, capacity, time_limit=30)
    check(res, sizes, capacity)
    assert (len(res.bins), res.lower_bound) == (bins, bins)


def test_large_capacity() -> None:
    # Like Scholl's third set: 200 items of 20,000-35,000 and capacity 100,000; the
    # LP bound is needed to prove the optimum.
    rng = random.Random(4)
    sizes = [rng.randint(20_000, 35_000) for _ in range(200)]
    res = solve_bin_packing(sizes, 100_000, time_limit=30)
    check(res, sizes, 100_000)
    assert res.optimal
    assert len(res.bins) == 55


@pytest.mark.parametrize("seed", [0, 1])
def test_large_capacity_cut_bins(seed: int) -> None:
    sizes = [500 * s for s in cut_bins(random.Random(seed), 100, 200, [3, 4])]
    res = solve_bin_packing(sizes, 100_000, time_limit=30)
    check(res, sizes, 100_000)
    assert (len(res.bins), res.lower_bound) == (100, 100)


def test_many_small_items() -> None:
    rng = random.Random(11)
    sizes = [rng.randint(1, 40) for _ in range(1000)]
    res = solve_bin_packing(sizes, 1000, time_limit=30)
    check(res, sizes, 1000)
    assert res.optimal
    assert len(res.bins) == -(-sum(sizes) // 1000)


def test_same_seed_same_packing() -> None:
    sizes = [*cut_bins(random.Random(3), 80, 1000, [2, 3, 4, 5]), 999, 998, 2]
    first = solve_bin_packing(sizes, 1000, time_limit=None, seed=4)
    second = solve_bin_packing(sizes, 1000, time_limit=None, seed=4)
    check(first, sizes, 1000)
    assert first.bins == second.bins
    assert first.lower_bound == second.lower_bound


# ---------------------------------------------------------------------------------
# BPPLIB (read in place, never copied)
# ---------------------------------------------------------------------------------

BPPLIB_SAMPLE = [
    ("falkenauer_u", "Falkenauer_u120_00"),
    ("falkenauer_u", "Falkenauer_u120_03"),
    ("falkenauer_t", "Falkenauer_t60_00"),
    ("falkenauer_t", "Falkenauer_t60_01"),
    ("scholl_1", "N1C1W1_A"),
    ("scholl_1", "N3C3W4_C"),
    ("scholl_2", "N1W1B1R0"),
    ("scholl_2", "N2W1B1R1"),
    ("scholl_3", "HARD3"),
    ("scholl_3", "HARD9"),
]


@pytest.mark.skipif(not BPPLIB.is_dir(), reason="the BPPLIB instances are not available")
@pytest.mark.parametrize(("folder", "name"), BPPLIB_SAMPLE)
def test_bpplib_instance(folder: str, name: str) -> None:
    with (BPPLIB / folder / "optima.csv").open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["instance"] == name)
    values = [int(tok) for tok in (BPPLIB / folder / row["file"]).read_text().split()]
    n, capacity = values[0], values[1]
    sizes = values[2 : 2 + n]
    res = solve_bin_packing(sizes, capacity, time_limit=30)
    check(res, sizes, capacity)
    assert len(res.bins) == int(row["optimum"])
    assert res.optimal


# ---------------------------------------------------------------------------------
# Bins filled exactly, one after the other
# ---------------------------------------------------------------------------------


def _types(sizes: Sequence[int]) -> tuple[list[int], list[int]]:
    kinds = sorted(set(sizes), reverse=True)
    return kinds, [sizes.count(s) for s in kinds]


def test_fill_search_closes_bins_with_one_or_two_items_and_keeps_the_room_left() -> None:
    # capacity 10, one unit of room in all: {6, 4} full, then {5, 4} with the unit of room
    kinds, demand = _types([6, 5, 4, 4])
    fill = _FillSearch(kinds, demand, 10, random.Random(0), _Clock(None))
    found = fill.search(2, 1000)
    assert found is not None
    assert sorted(sorted(kinds[k] for k in b) for b in found) == [[4, 5], [4, 6]]
    # one bin fewer than the room allows: nothing, and nothing claimed
    assert fill.search(1, 1000) is None


def test_fill_search_finds_a_packing_of_bins_cut_into_four_to_eight() -> None:
    sizes = cut_bins(random.Random(5), 40, 150_000, [4, 5, 6, 7, 8])
    kinds, demand = _types(sizes)
    fill = _FillSearch(kinds, demand, 150_000, random.Random(0), _Clock(None))
    found = fill.search(40, 2_000_000)
    assert found is not None and len(found) == 40
    assert all(sum(kinds[k] for k in b) == 150_000 for b in found)
    assert sorted(k for b in found for k in b) == sorted(k for k, d in enumerate(demand) for _ in range(d))


@pytest.mark.parametrize(("seed", "bins", "capacity", "pieces"),
                         [(0, 400, 10_000, [2, 3, 4, 5]), (1, 400, 150_000, [4, 5, 6, 7, 8])])
def test_many_bins_of_a_large_capacity_cut_at_random(seed: int, bins: int, capacity: int,
                                                      pieces: list[int]) -> None:
    # items cut from full bins at random points: every bin must be filled exactly, which
    # the bitset searches did not reach within the time limit (one bin above the bound)
    sizes = cut_bins(random.Random(seed), bins, capacity, pieces)
    res = solve_bin_packing(sizes, capacity, time_limit=30)
    check(res, sizes, capacity)
    assert (len(res.bins), res.lower_bound) == (bins, bins)


def test_exact_cover_fills_bins_with_one_two_or_three_items_of_repeated_sizes() -> None:
    # capacity 1000: {1000}, {600, 400}, {333, 333, 334} twice (a size used twice in a bin)
    kinds, demand = _types([1000, 600, 400, 333, 333, 333, 333, 334, 334])
    cover = _ExactCover(kinds, demand, 1000, random.Random(0), _Clock(None))
    found = cover.search(4, 1000)
    assert found is not None
    assert sorted(sorted(kinds[k] for k in b) for b in found) == [
        [333, 333, 334], [333, 333, 334], [400, 600], [1000]]
    # three bins cannot hold them: the search says so and claims nothing
    assert cover.search(3, 1000) is None


def test_exact_cover_does_not_consider_bins_of_four_items() -> None:
    # four quarters fill the only bin, but a bin of four items is not a candidate
    kinds, demand = _types([250, 250, 250, 250])
    cover = _ExactCover(kinds, demand, 1000, random.Random(0), _Clock(None))
    assert cover.search(1, 1000) is None


@pytest.mark.parametrize(("seed", "bins"), [(0, 400), (1, 150)])
def test_bins_of_a_million_and_a_half_cut_into_three_are_proven(seed: int, bins: int) -> None:
    # planted triplets at a capacity of 1.5 million: the bin-by-bin fill search ended a
    # bin or more above the bound; the exact cover places the rare sizes first
    capacity = 1_500_000
    rng = random.Random(seed)
    sizes: list[int] = []
    for _ in range(bins):
        while True:
            cuts = sorted(rng.sample(range(1, capacity), 2))
            parts = [cuts[0], cuts[1] - cuts[0], capacity - cuts[1]]
            if min(parts) >= capacity // 5:
                break
        sizes += parts
    rng.shuffle(sizes)
    res = solve_bin_packing(sizes, capacity, time_limit=30)
    check(res, sizes, capacity)
    assert (len(res.bins), res.lower_bound) == (bins, bins)


def test_arc_flow_packs_and_proves_a_small_instance() -> None:
    # sizes 6, 5, 4, 3, 2 (one each) into bins of 10: {6, 4} and {5, 3, 2}
    flow = _ArcFlow([6, 5, 4, 3, 2], [1, 1, 1, 1, 1], 10)
    assert not flow.too_large
    patterns, proven = flow.solve(_Clock(10.0))
    assert proven == 2
    assert patterns is not None and len(patterns) == 2
    assert sorted(p.tolist() for p in patterns) == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 0]]


def test_arc_flow_proves_a_bound_above_the_total_size() -> None:
    # three items of 6 into bins of 10: the total size says 2 bins, no two share a bin
    flow = _ArcFlow([6], [3], 10)
    patterns, proven = flow.solve(_Clock(10.0))
    assert proven == 3
    assert patterns is not None and [p.tolist() for p in patterns] == [[1], [1], [1]]


def test_arc_flow_declines_a_graph_beyond_its_limit() -> None:
    assert _ArcFlow([6, 5, 4, 3, 2], [1, 1, 1, 1, 1], 10, max_arcs=3).too_large
    assert not _ArcFlow([6, 5, 4, 3, 2], [1, 1, 1, 1, 1], 10, max_arcs=100).too_large


# 28 items into bins of 100: the LP bound, 15 bins, is the optimum; the dive that always
# fixes the pattern the LP takes most fails, going back once finds a packing
DIVE_SIZES = [59, 69, 73, 76, 68, 70, 5, 39, 22, 27, 49, 51, 68, 43, 14, 54, 46, 18, 75, 10, 7,
              40, 70, 42, 55, 40, 42, 47]


def settled_master(sizes: Sequence[int], capacity: int) -> tuple[_ColumnGeneration, int]:
    """The column generation of ``sizes``, run to its end, and its bound."""
    types = sorted(set(sizes), reverse=True)
    cg = _ColumnGeneration(types, [sizes.count(t) for t in types], capacity)
    return cg, cg.bound(_Clock(None), 10**9, 0, 10**6)


def test_dive_goes_back_where_the_first_dive_fails() -> None:
    cg, lower = settled_master(DIVE_SIZES, 100)
    assert lower == 15
    fixed, rest = cg.dive(lower, _Clock(None))
    assert rest.any()  # the first dive: 14 patterns, then the LP needs a 16th bin
    cg, _ = settled_master(DIVE_SIZES, 100)
    fixed, rest = cg.dive(lower, _Clock(None), discrepancies=1, depth=8)
    assert not rest.any() and len(fixed) == 15
    assert (np.sum(fixed, axis=0) == cg.demand).all()
    assert all(int(p @ cg.w) <= 100 for p in fixed)


def test_dive_without_room_to_go_back_keeps_the_first_dive() -> None:
    cg, lower = settled_master(DIVE_SIZES, 100)
    first, first_rest = cg.dive(lower, _Clock(None))
    cg, _ = settled_master(DIVE_SIZES, 100)
    again, again_rest = cg.dive(lower, _Clock(None), discrepancies=0, depth=8)
    assert [p.tolist() for p in again] == [p.tolist() for p in first]
    assert again_rest.tolist() == first_rest.tolist()


def test_master_mip_packs_with_the_patterns_generated_and_no_fewer_bins() -> None:
    cg, lower = settled_master(DIVE_SIZES, 100)
    assert cg.restricted_mip(lower, _Clock(10.0)) is None  # the LP's own patterns: no 15
    cg.dive(lower, _Clock(None), discrepancies=1, depth=8)  # (its patterns join the master)
    found = cg.restricted_mip(lower, _Clock(10.0))
    assert found is not None and len(found) == 15
    assert (np.sum(found, axis=0) >= cg.demand).all()
    assert all(int(p @ cg.w) <= 100 for p in found)
    assert cg.restricted_mip(lower - 1, _Clock(10.0)) is None
    assert cg.restricted_mip(lower, _Clock(None)) is None  # (only with a time limit)


# 39 items into bins of 100 that first-fit, best-fit and the minimum-slack construction
# pack into 15 bins; the LP bound and the optimum are 14
DIVE_ROUND_SIZES = [13, 4, 34, 13, 15, 32, 70, 43, 31, 23, 64, 54, 17, 47, 8, 13, 21, 17, 15, 51,
                    64, 51, 24, 42, 65, 5, 70, 26, 41, 44, 32, 23, 51, 66, 39, 36, 15, 51, 68]


@pytest.fixture
def without_searches(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The engine without its local search, exact search and arc-flow MIP."""
    monkeypatch.setattr(binpacking._Engine, "improve", lambda self, start, iters, clock=None: self.offer(start))
    monkeypatch.setattr(binpacking._Engine, "exact_round", lambda self, exact, nodes: False)
    monkeypatch.setattr(binpacking, "_MAX_ARCFLOW_ARCS", 0)
    return monkeypatch


def test_the_dive_round_packs_what_the_constructions_leave_a_bin_above(
        without_searches: pytest.MonkeyPatch) -> None:
    res = solve_bin_packing(DIVE_ROUND_SIZES, 100, time_limit=5)
    check(res, DIVE_ROUND_SIZES, 100)
    assert (len(res.bins), res.lower_bound) == (14, 14)


def test_without_the_dive_round_the_constructions_stay_a_bin_above(
        without_searches: pytest.MonkeyPatch) -> None:
    without_searches.setattr(binpacking._Engine, "dive_round", lambda self, cg, k=1: False)
    res = solve_bin_packing(DIVE_ROUND_SIZES, 100, time_limit=1)
    check(res, DIVE_ROUND_SIZES, 100)
    assert (len(res.bins), res.lower_bound) == (15, 14)


RANDOM_300 = Path(__file__).resolve().parents[1] / "data" / "bins_random_300_of_200.txt"


@pytest.mark.parametrize("workers", [1, 2])
def test_the_arc_flow_mip_proves_a_random_instance_the_searches_leave_a_bin_above(
        workers: int) -> None:
    # 300 items of 40-100 into bins of 200 (a random class of BPPLIB's kind): the searches
    # and the LP bound end at 106 against 105 even after 60 s; the arc-flow MIP finds 105
    # (with two workers beside the searches, with one between two of their rounds)
    capacity, sizes = read_bpp_instance(RANDOM_300)
    res = solve_bin_packing(sizes, capacity, time_limit=10, workers=workers)
    check(res, sizes, capacity)
    assert (len(res.bins), res.lower_bound) == (105, 105)


def test_without_the_arc_flow_mip_and_the_dives_the_random_instance_stays_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    capacity, sizes = read_bpp_instance(RANDOM_300)
    monkeypatch.setattr(binpacking, "_MAX_ARCFLOW_ARCS", 0)
    monkeypatch.setattr(binpacking, "_DIVE_ROUNDS", 0)
    res = solve_bin_packing(sizes, capacity, time_limit=3, workers=2)
    check(res, sizes, capacity)
    assert res.lower_bound == 105 and len(res.bins) >= 106  # (106 or 107 bins)


def test_the_dives_pack_the_random_instance_without_the_arc_flow_mip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    capacity, sizes = read_bpp_instance(RANDOM_300)
    monkeypatch.setattr(binpacking, "_MAX_ARCFLOW_ARCS", 0)
    res = solve_bin_packing(sizes, capacity, time_limit=10, workers=2)
    check(res, sizes, capacity)
    assert (len(res.bins), res.lower_bound) == (105, 105)


def test_progress_reports_each_better_packing_and_bound() -> None:
    # Falkenauer-like triplets: first-fit decreasing is above the bound, the searches close it
    rng = random.Random(3)
    sizes = falkenauer_triplets(rng, 40, 1000)
    reports: list[tuple[int, int]] = []
    res = solve_bin_packing(sizes, 1000, time_limit=10, on_progress=lambda b, lb: reports.append((b, lb)))
    check(res, sizes, 1000)
    assert reports[-1] == (len(res.bins), res.lower_bound)
    assert len(reports) >= 2 and reports[0][0] > reports[-1][0]  # (47 bins first, then 40)
    assert len(set(reports)) == len(reports)  # a report only when something moved
    bins = [b for b, _ in reports]
    bounds = [lb for _, lb in reports]
    assert bins == sorted(bins, reverse=True) and bounds == sorted(bounds)


# 12 items into bins of 10,000: the LP bound is 6 bins and L2 5; priced on sizes rounded
# to units of 100 the column generation settles with a Farley bound of 5
REFINE_SIZES = [2095, 6270, 2296, 3294, 3957, 2138, 2450, 7581, 3206, 7691, 5008, 3963]


def coarse_master(sizes: Sequence[int], capacity: int,
                  units: Sequence[int]) -> tuple[_ColumnGeneration, int]:
    """:func:`settled_master` priced at ``units``."""
    types = sorted(set(sizes), reverse=True)
    cg = _ColumnGeneration(types, [sizes.count(t) for t in types], capacity, units)
    return cg, cg.bound(_Clock(None), 10**9, 0, 10**6)


def test_coarse_pricing_keeps_the_bound_proven_and_every_column_fits() -> None:
    _, exact = coarse_master(REFINE_SIZES, 10_000, [1])
    assert exact == 6
    cg, coarse = coarse_master(REFINE_SIZES, 10_000, [100])
    assert coarse == 5  # below the LP bound, never above it
    assert all(int(p @ cg.w) <= 10_000 for p in cg.columns)


def test_a_finer_unit_takes_over_once_no_column_prices_out() -> None:
    cg, refined = coarse_master(REFINE_SIZES, 10_000, [100, 1])
    assert refined == 6 > _l2_bound(sorted(REFINE_SIZES, reverse=True), 10_000)
    assert cg.unit == 1 and cg.settled
    # where the coarse unit already reaches the LP bound, the finer one changes nothing
    _, coarse = coarse_master(DIVE_SIZES, 100, [3])
    _, refined = coarse_master(DIVE_SIZES, 100, [3, 1])
    assert coarse == refined == 15


@pytest.mark.parametrize("seed", range(30))
def test_coarse_bound_never_exceeds_the_lp_bound(seed: int) -> None:
    rng = random.Random(seed)
    capacity = rng.choice([997, 10_000])
    sizes = [rng.randint(capacity // 10, 4 * capacity // 5) for _ in range(rng.choice([10, 20]))]
    _, exact = coarse_master(sizes, capacity, [1])
    for units in ([rng.choice([7, 50, 300])], [300, rng.choice([1, 3])]):
        cg, lower = coarse_master(sizes, capacity, units)
        assert lower <= exact
        assert all(int(p @ cg.w) <= capacity for p in cg.columns)


def test_large_capacity_is_proven_by_the_coarse_lp() -> None:
    """24 distinct sizes between a third and a half of 10,000,000: two per bin, so 12
    bins, while L2 gives 11; the pricing table is over its limit, and the LP priced on
    coarser units proves the 12."""
    capacity = 10_000_000
    sizes = random.Random(3).sample(range(capacity // 3 + 1, capacity // 2), 24)
    assert len(sizes) * (capacity + 1) > binpacking._MAX_TABLE
    assert _l2_bound(sorted(sizes, reverse=True), capacity) == 11
    result = solve_bin_packing(sizes, capacity)
    check(result, sizes, capacity)
    assert len(result.bins) == result.lower_bound == 12 and result.optimal


def test_the_first_local_search_takes_at_most_its_share_of_the_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []
    real = binpacking._Engine.improve

    def improve(self: binpacking._Engine, start: list[list[int]], iters: int,
                clock: _Clock | None = None) -> None:
        seen.append(math.inf if clock is None or not clock.limited else
                    clock.deadline - time.perf_counter())
        real(self, start, iters, clock)

    monkeypatch.setattr(binpacking._Engine, "improve", improve)
    capacity, sizes = read_bpp_instance(RANDOM_300)  # the constructions end above L2
    solve_bin_packing(sizes, capacity, time_limit=1)
    assert seen and seen[0] <= binpacking._FIRST_SEARCH_SHARE * 1
    seen.clear()
    solve_bin_packing(sizes[:40], capacity, time_limit=None)  # no limit: no share to keep
    assert seen and seen[0] == math.inf


def test_the_bitset_searches_work_on_coarser_units_where_the_lp_does() -> None:
    """Binds: at 10,000,000 with 24 sizes (beyond the pricing table's limit) the bitsets
    keep at most 2**14 units, and what the construction packs there fits at the true
    sizes. Slack: at a capacity of 10,000 (12 sizes) they keep every unit."""
    capacity = 10_000_000
    sizes = sorted(random.Random(3).sample(range(capacity // 3 + 1, capacity // 2), 24),
                   reverse=True)
    engine = binpacking._Engine(sizes, capacity, 0, _Clock(None))
    assert engine.table > binpacking._MAX_TABLE
    assert engine.hcap <= binpacking._COARSE_BITSET_CAPACITY
    bins = binpacking._min_bin_slack(engine.hz, engine.hcap, random.Random(0), _Clock(None))
    assert bins is not None and sorted(i for b in bins for i in b) == list(range(24))
    assert all(sum(sizes[i] for i in b) <= capacity for b in bins)
    small = binpacking._Engine(sorted(REFINE_SIZES, reverse=True), 10_000, 0, _Clock(None))
    assert small.table <= binpacking._MAX_TABLE and small.hcap == 10_000


def test_a_finer_unit_takes_over_once_the_coarse_master_tails_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: where the master's value falls by less than the tail's drop over its solves
    (every fall, with the drop set at 100 bins), the finer unit takes over before the
    coarse columns run out. Slack: with no drop counted as tailing off, the same solves
    stay at the coarse unit."""
    rng = random.Random(5)
    sizes = [rng.randint(2_000, 5_000) for _ in range(60)]  # 21 coarse solves, 23 in all
    monkeypatch.setattr(binpacking, "_TAIL_SOLVES", 5)
    solves = 8
    monkeypatch.setattr(binpacking, "_TAIL_DROP", 100.0)
    cg, _ = settled_master_at(sizes, 10_000, [100, 1], solves)
    assert cg.unit == 1
    monkeypatch.setattr(binpacking, "_TAIL_DROP", -1.0)
    cg, _ = settled_master_at(sizes, 10_000, [100, 1], solves)
    assert cg.unit == 100 and not cg.settled


def settled_master_at(sizes: Sequence[int], capacity: int, units: Sequence[int],
                      solves: int) -> tuple[_ColumnGeneration, int]:
    """The column generation of ``sizes`` priced at ``units``, after ``solves`` master solves."""
    types = sorted(set(sizes), reverse=True)
    cg = _ColumnGeneration(types, [sizes.count(t) for t in types], capacity, units)
    return cg, cg.bound(_Clock(None), 10**9, 0, solves)


def test_a_dive_prices_at_the_coarse_unit_and_leaves_the_master_at_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Binds: once the finer unit has taken over, a dive's pricing still works at the coarse
    one (faster; its patterns still fit), and the master is left at the finer unit."""
    cg, lower = coarse_master(REFINE_SIZES, 10_000, [100, 1])
    assert cg.unit == 1 and lower == 6
    caps: list[int] = []
    price = binpacking._price

    def recorded(w: np.ndarray, values: np.ndarray, counts: np.ndarray, capacity: int,
                 threshold: int, max_columns: int) -> tuple[int, list[np.ndarray]]:
        caps.append(capacity)
        return price(w, values, counts, capacity, threshold, max_columns)

    monkeypatch.setattr(binpacking, "_price", recorded)
    fixed, rest = cg.dive(lower, _Clock(None), discrepancies=2, depth=8)
    assert caps and set(caps) == {10_000 // 100}
    assert cg.unit == 1 and cg.price_cap == 10_000
    assert all(int(p @ cg.w) <= 10_000 for p in fixed)
    assert ((np.sum(fixed, axis=0) if fixed else 0) + rest == cg.demand).all()


@pytest.mark.parametrize(("round_", "dives"), [(2, True), (99, False)])
def test_an_unsettled_lp_lets_the_dives_run_from_the_second_round(
        monkeypatch: pytest.MonkeyPatch, round_: int, dives: bool) -> None:
    """Binds: a column generation that does not settle (here: never) no longer keeps the
    dives and the bitset searches waiting past the first round. Slack: with the round
    set beyond the time limit's reach, no dive starts."""
    monkeypatch.setattr(binpacking, "_UNSETTLED_DIVE_ROUND", round_)
    monkeypatch.setattr(binpacking._ColumnGeneration, "bound",
                        lambda self, clock, target, lower, max_iters: lower)
    started: list[int] = []
    monkeypatch.setattr(binpacking._Engine, "dive_round",
                        lambda self, cg, k=1: started.append(k) or False)
    monkeypatch.setattr(binpacking, "_MAX_ARCFLOW_ARCS", 0)
    capacity, sizes = read_bpp_instance(RANDOM_300)  # the constructions end above L2
    res = solve_bin_packing(sizes, capacity, time_limit=2)
    check(res, sizes, capacity)
    assert bool(started) is dives
