"""Exact one-dimensional bin packing.

:func:`solve_bin_packing` packs items of integer sizes into as few bins of one
integer capacity as possible, and proves the count with a lower bound. It works in
phases and stops as soon as the packing uses as many bins as the bound:

1. Bounds: the total size (``L1``) and Martello and Toth's ``L2``. Packings:
   first-fit and best-fit decreasing; where the bound leaves almost no room (items
   cut from full bins), a search that fills one bin after the other exactly, the
   largest item left and the items that complete its bin, found by sorted sizes and
   look-ups rather than bitsets (so at any capacity), going back a bin when stuck;
   where there is no room at all and few enough items, an exact cover of the items
   by bins of one to three items that fill a bin exactly (restarted searches that
   place the size with the fewest candidate bins left first); and a randomised
   minimum-bin-slack construction (each bin filled as full as
   possible around the largest item left, by bitset subset sums).
2. A consistent neighbourhood search (after Buljubašić and Vasquez, 2016) that
   repacks everything into one bin fewer than the best packing: it keeps all but
   two bins feasible plus a set of unpacked items, and exchanges items between one
   bin and that set until the set fits into the two spare bins. The construction
   and this first search each take at most :data:`_FIRST_SEARCH_SHARE` of the time
   left (at large capacities their bitsets are slow).
3. The Gilmore-Gomory bound by column generation: the master LP on HiGHS over the
   distinct sizes, with dual-optimal inequalities and Wentges dual smoothing;
   patterns are priced exactly by dynamic programming over the capacity, on duals
   scaled to integers, so the Farley bound taken at every pricing is proven; where
   pricing is cheap, several disjoint patterns enter per round. The column
   generation runs in slices and resumes in later rounds if it has not settled.
   Where the pricing table (sizes by units of capacity) would be too large, it
   prices sizes rounded to a coarser unit: up for the columns (each still fits),
   down for the bound (which stays proven), then at a finer unit once no column
   prices out or the master's value tails off; at such capacities the bitset
   searches of the next phase wait for it in the first round.
4. Rounds with growing budgets of: the exact-fill search again, an exact
   bin-completion search (which also proves a bin count impossible when it
   exhausts its tree, settling instances whose LP bound is not tight), a dive in
   the LP solution that generates columns after each fixing and goes back a few
   times (a limited discrepancy search, in the first rounds, each going back more
   than the one before; it prices at the coarsest unit), then the master as a MIP
   over every pattern generated so far (price and branch), and the local search
   from a fresh construction or from the dive's patterns. The dive and the master
   MIP settle most of the hard28 instances, whose LP bound is the optimum but whose
   packings the searches end a bin above.
   Where the arc-flow graph is small enough (up to :data:`_MAX_ARCFLOW_ARCS`
   arcs), Valério de Carvalho's arc-flow model goes to HiGHS as a MIP: with two
   workers on a thread of its own beside the rounds, with one before the second
   round for part of the time left. It settles random instances of many sizes
   whose packings the searches end a bin above.

Every choice comes from random streams seeded by ``seed``: a run is reproducible
whenever the time limit is not reached. Sizes that share a factor are divided by
it. Above a few million units of capacity the bitset searches work on sizes rounded
up to a coarser unit (what they pack still fits), and above 16,384 units where the
LP prices coarser units; the exact search is skipped when its tables would not fit
in memory. Planted instances
whose perfect packing is (almost) unique, such as bins of a capacity of a million cut
at random points into more than three pieces, or bins cut into three at capacities
of 10,000 to 100,000 (where many triples fill a bin besides the planted ones), may
still end a bin or more above the bound.
"""

from __future__ import annotations

import logging
import math
import operator
import random
import threading
import time
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice

import highspy
import numpy as np
import numpy.typing as npt

from parcelroute._highs import leave_behind, new_highs

__all__ = ["PackingResult", "solve_bin_packing"]

logger = logging.getLogger("parcelroute")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Dual values are scaled to integers by this factor before pricing, so that the
#: knapsack is solved exactly and the Farley bound is computed in integers.
_SCALE = 1 << 30
_NEG = -(1 << 60)
#: The exact search recurses once per bin: it is used up to this many bins.
_MAX_EXACT_BINS = 600
#: Largest capacity (in bits) of the bitset-based packing searches.
_MAX_BITSET_CAPACITY = 1 << 22
#: Largest (number of sizes) x (capacity + 1) for the LP bound and the exact search.
_MAX_TABLE = 60_000_000
#: Largest capacity (in bits) of the bitset-based packing searches beyond that table, where
#: they are slow for the many sizes (on the family ``large`` of ``run_bpp_families.py``:
#: 2**14 proved 15 of 20 at 10 s, 2**16 14, 2**12 13, and 2**22 13).
_COARSE_BITSET_CAPACITY = 1 << 14
#: The table the column generation prices on beyond :data:`_MAX_TABLE`, with sizes
#: rounded to a coarser unit.
_COARSE_TABLE = 8_000_000
#: The share of the time left that the first construction, and then the first local
#: search, may take (at large capacities their bitsets are slow).
_FIRST_SEARCH_SHARE = 0.2
#: Master solves of the column generation per slice (it resumes in later rounds).
_CG_SLICE = 50
#: Where the LP prices a coarser unit, the next finer one takes over once the master's
#: value has fallen by less than this many bins over this many solves (a tailing off).
_TAIL_DROP = 0.01
_TAIL_SOLVES = 25
#: Largest (bins) x (number of sizes) x (capacity + 1) for the exact search (memory).
_MAX_EXACT_BITS = 2_400_000_000
#: Completions the first search for exactly filled bins may explore (more in later rounds),
#: and the share of the time left that each such search may take.
_FILL_NODES = 20_000
_FILL_SHARE = 0.3
#: Up to this capacity the local search goes on from the fullest bins a failed search filled
#: (beyond it, its bitsets make it too slow to be worth a round).
_FILL_REPAIR_CAPACITY = 100_000
#: Most candidate bins (one to three sizes that fill a bin exactly) the exact cover
#: search enumerates; beyond it the search is skipped.
_MAX_COVER_SETS = 300_000
#: Share of the time left for each round of exact cover searches, and the nodes per bin
#: of each search.
_COVER_SHARE = 0.1
_COVER_NODES_PER_BIN = 3
#: Without a time limit, the improvement loop gives up after this many rounds.
_ROUNDS_WITHOUT_LIMIT = 12
#: Largest arc-flow graph (arcs) whose MIP is solved (:class:`_ArcFlow`): a random
#: instance of 300 items of 40-100 into bins of 200 (61 sizes) has 5,772 arcs, and HiGHS
#: proves its 105 bins in about 2 s where the other phases end at 106 after 60 s.
_MAX_ARCFLOW_ARCS = 60_000
#: With one worker, the share of the time left that the arc-flow MIP gets.
_ARCFLOW_SHARE = 0.3
#: With one worker, the round before which the arc-flow MIP runs (with two it runs beside
#: the searches from the start of the rounds).
_ARCFLOW_ROUND = 2
#: HiGHS' sub-MIP heuristics left off in the arc-flow MIP. Its root reduced-cost sub-MIP
#: checks no interrupt: on Falkenauer_u250_12 it ran 3.7 s past a time limit of 2.8 s. Without
#: these three, HiGHS proved Falkenauer_u250_12 in 1.07 s instead of 7.53 s, a random instance
#: of 300 items in 1.29 s instead of 1.96 s, and three of Falkenauer's u500 in 2.1-2.6 s
#: instead of 6.4-9.2 s (a fourth, u500_01, in neither way within 20 s).
_ARCFLOW_HEURISTICS_OFF = ("mip_heuristic_run_root_reduced_cost", "mip_heuristic_run_rens",
                           "mip_heuristic_run_rins")
#: The first dive in the LP solution may go back this many times in all (a limited
#: discrepancy search), each later one once more. On hard28 at 10 s: 3 within 8 choices,
#: 22 of 28 proven in three rounds; one round going back 3 times anywhere, 19.
_DIVE_DISCREPANCIES = 3
#: The first dive goes back only within its first this many choices, each later one that
#: many more (0: anywhere).
_DIVE_DEPTH = 8
#: Rounds of the improvement loop that dive (from the first after the LP bound settles).
_DIVE_ROUNDS = 3
#: The round from which the dives (and at coarse units the bitset searches) start even
#: where the column generation has not settled (on instances of 600 items of 0.2-0.5 of
#: 500,000 it takes most of a 10 s limit, and the searches waited for it).
_UNSETTLED_DIVE_ROUND = 2
#: Share of the time left that each dive may take.
_DIVE_SHARE = 0.4
#: Share of the time left for the master MIP over the patterns generated, after the dive.
_MASTER_MIP_SHARE = 0.4
#: Seconds the engine waits at its end for the arc-flow MIP's result.
_ARCFLOW_GRACE_SECONDS = 0.5


@dataclass(frozen=True)
class PackingResult:
    """A packing and a proven lower bound on the number of bins.

    Attributes
    ----------
    bins : tuple of tuple of int
        The item indices (positions in the input) packed into each bin. Every item
        appears exactly once, and no bin holds more than the capacity.
    lower_bound : int
        No packing uses fewer bins than this.
    optimal : bool
        ``len(bins) == lower_bound``: the packing is proven optimal.
    seconds : float
        The wall-clock time spent.
    """

    bins: tuple[tuple[int, ...], ...]
    lower_bound: int
    optimal: bool
    seconds: float


class _Clock:
    def __init__(self, time_limit: float | None, stop: threading.Event | None = None) -> None:
        self.start = time.perf_counter()
        self.limited = time_limit is not None
        self.deadline = math.inf if time_limit is None else self.start + max(0.0, time_limit)
        self.stop = threading.Event() if stop is None else stop
        """Set when the search is over before its time (shared by every share of the clock)."""

    def expired(self) -> bool:
        return self.stop.is_set() or time.perf_counter() >= self.deadline

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def share(self, fraction: float) -> _Clock:
        """A clock that expires after ``fraction`` of the time this one has left."""
        if not self.limited:
            return self
        return _Clock(fraction * max(0.0, self.deadline - time.perf_counter()), self.stop)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# ---------------------------------------------------------------------------------
# Lower bounds
# ---------------------------------------------------------------------------------


def _l2_bound(sizes: Sequence[int], capacity: int) -> int:
    """Martello and Toth's bound L2 (at least the continuous bound L1)."""
    n = len(sizes)
    if n == 0:
        return 0
    asc = sorted(sizes)
    prefix = [0]
    for s in asc:
        prefix.append(prefix[-1] + s)
    best = _ceil_div(prefix[-1], capacity)
    j2 = bisect_left(asc, capacity // 2 + 1)  # first size above C/2
    # For a threshold k <= C/2: sizes above C - k need a bin each, sizes in (C/2, C - k]
    # need a bin each with room for sizes in [k, C/2], and the rest of those must go
    # into further bins.
    for k in sorted({0, *asc[:j2]}):
        j1 = bisect_left(asc, capacity - k + 1)
        n2 = j1 - j2
        room = n2 * capacity - (prefix[j1] - prefix[j2])
        small = prefix[j2] - prefix[bisect_left(asc, k)]
        best = max(best, (n - j1) + n2 + max(0, _ceil_div(small - room, capacity)))
    return best


# ---------------------------------------------------------------------------------
# Constructive packings. Items are 0..n-1 with sizes in non-increasing order.
# ---------------------------------------------------------------------------------


def _first_fit_decreasing(sz: Sequence[int], capacity: int) -> list[list[int]]:
    """First fit in the given (non-increasing) order, with a tree of the largest slack."""
    size = 1
    while size < max(1, len(sz)):
        size *= 2
    tree = [capacity] * (2 * size)  # leaves: slack of bin j (unopened bins are empty)
    bins: list[list[int]] = []
    for i, s in enumerate(sz):
        node = 1
        while node < size:  # descend to the leftmost leaf with room
            node = 2 * node if tree[2 * node] >= s else 2 * node + 1
        j = node - size
        if j == len(bins):
            bins.append([])
        bins[j].append(i)
        tree[node] -= s
        node //= 2
        while node:
            tree[node] = max(tree[2 * node], tree[2 * node + 1])
            node //= 2
    return bins


def _best_fit_decreasing(sz: Sequence[int], capacity: int) -> list[list[int]]:
    keyed: list[tuple[int, int]] = []  # (slack, bin), sorted
    bins: list[list[int]] = []
    for i, s in enumerate(sz):
        pos = bisect_left(keyed, (s, -1))
        if pos < len(keyed):
            free, b = keyed.pop(pos)
            bins[b].append(i)
            insort(keyed, (free - s, b))
        else:
            bins.append([i])
            insort(keyed, (capacity - s, len(bins) - 1))
    return bins


def _subset_sums(items: Sequence[int], sz: Sequence[int], capacity: int) -> list[int]:
    """Prefix bitsets of reachable sums: bit ``s`` of ``pref[k]`` is set when some
    subset of ``items[:k]`` sums to ``s`` (sums above ``capacity`` are dropped)."""
    mask = (1 << (capacity + 1)) - 1
    r = 1
    pref = [r]
    for i in items:
        r = (r | (r << sz[i])) & mask
        pref.append(r)
    return pref


def _pick_subset(items: Sequence[int], sz: Sequence[int], pref: Sequence[int], total: int) -> list[int]:
    """Items summing to ``total`` (a reachable sum of ``pref``), preferring later items."""
    chosen: list[int] = []
    for k in range(len(items) - 1, -1, -1):
        if total == 0:
            break
        s = sz[items[k]]
        if s <= total and (pref[k] >> (total - s)) & 1:
            chosen.append(items[k])
            total -= s
    return chosen


def _fits_in_bins(items: Sequence[int], sz: Sequence[int], capacity: int, count: int) -> list[list[int]] | None:
    """A packing of ``items`` into ``count`` <= 2 bins, or None when there is none."""
    total = sum(sz[i] for i in items)
    if total > count * capacity:
        return None
    if not items:
        return []
    if count == 1:
        return [list(items)]
    order = sorted(items, key=lambda i: sz[i])
    pref = _subset_sums(order, sz, capacity)
    window = pref[-1] >> max(0, total - capacity)
    if window == 0:
        return None
    first = _pick_subset(order, sz, pref, max(0, total - capacity) + (window & -window).bit_length() - 1)
    taken = set(first)
    return [first, [i for i in items if i not in taken]]


def _min_bin_slack(sz: Sequence[int], capacity: int, rng: random.Random, clock: _Clock) -> list[list[int]] | None:
    """Fill one bin after the other as full as possible around the largest item left.

    A randomised minimum-bin-slack construction (Gupta and Ho; Fleszar and Hindi's
    MBS'): each bin holds the largest remaining item and a subset of the others of
    greatest total size, found with bitset subset sums; ties are broken at random.
    """
    remaining = list(range(len(sz)))
    bins: list[list[int]] = []
    while remaining:
        if clock.expired():
            return None
        first = remaining[0]
        room = capacity - sz[first]
        cand = [i for i in remaining[1:] if sz[i] <= room]
        rng.shuffle(cand)
        mask = (1 << (room + 1)) - 1
        r = 1
        pref = [r]
        for i in cand:
            r = (r | (r << sz[i])) & mask
            pref.append(r)
            if (r >> room) & 1:
                break
        chosen = _pick_subset(cand[: len(pref) - 1], sz, pref, r.bit_length() - 1)
        bins.append([first, *chosen])
        taken = set(chosen)
        taken.add(first)
        remaining = [i for i in remaining if i not in taken]
    return bins


# ---------------------------------------------------------------------------------
# Consistent neighbourhood search
# ---------------------------------------------------------------------------------


class _Repair:
    """Pack every item into a target number of bins by repairing a partial packing.

    A partial packing keeps ``target - 2`` bins within capacity and a set ``S`` of
    unpacked items. A tabu search exchanges at most two items of one bin with at
    most two items of ``S`` (the move that lowers the weight of ``S`` most, then
    the one that leaves more items in ``S``; equal-weight exchanges are allowed and
    items of a size just moved are tabu for a few moves), and a descent refills
    each bin as much as possible from its items and ``S`` (exact subset sums). The
    search ends when ``S`` fits into the two spare bins. ``S`` never holds more
    than two items larger than half a bin.
    """

    def __init__(self, sz: Sequence[int], capacity: int, seed: int) -> None:
        self.sz = list(sz)
        self.cap = capacity
        self.n = len(self.sz)
        self.sz_arr = np.array([*self.sz, 0], dtype=np.int64)
        self.big = np.array([2 * s > capacity for s in self.sz] + [False], dtype=np.int64)
        self.rng = np.random.default_rng(seed)
        # Items of one size share their tabu status.
        first: dict[int, int] = {}
        self.key = np.array([first.setdefault(s, i) for i, s in enumerate(self.sz)] + [self.n])
        self.iterations = 0
        self.clock = _Clock(None)
        self.spare = 2
        self.tenure = (3, 10)
        self.descent_every = 50
        # State of the current partial packing.
        self.bins: list[list[int]] = []
        self.load: list[int] = []
        self.S: list[int] = []
        self.s_weight = 0
        self.s_big = 0
        self.tabu = np.zeros(self.n + 1, dtype=np.int64)
        self.width = 0
        self.M = np.zeros((0, 1), dtype=np.int64)
        self.count = np.zeros(0, dtype=np.int64)
        self.J1 = np.zeros(0, dtype=np.int64)
        self.J2 = np.zeros(0, dtype=np.int64)

    def _rebuild(self, width: int) -> None:
        """Item matrix (one row per bin, padded with the dummy item ``n``) and the
        positions (J1, J2) of every set of at most two items of a bin, ordered so
        that a bin of k items has exactly the first 1 + k + k(k-1)/2 of them."""
        none = self.n
        self.width = width
        self.M = np.full((len(self.bins), width + 1), none, dtype=np.int64)
        for b, items in enumerate(self.bins):
            self.M[b, : len(items)] = items
        self.count = np.array([len(b) for b in self.bins], dtype=np.int64)
        j1 = [width]
        j2 = [width]
        for c in range(width):
            j1.append(c)
            j2.append(width)
            for a in range(c):
                j1.append(a)
                j2.append(c)
        self.J1 = np.array(j1, dtype=np.int64)
        self.J2 = np.array(j2, dtype=np.int64)

    def _set_row(self, b: int) -> None:
        items = self.bins[b]
        if len(items) > self.width:
            self._rebuild(max(len(items) + 2, 2 * self.width))
            return
        row = self.M[b]
        row[:] = self.n
        row[: len(items)] = items
        self.count[b] = len(items)

    def _descent(self) -> None:
        """Refill every bin as much as possible from its own items and S."""
        sz = self.sz
        cap = self.cap
        mask = (1 << (cap + 1)) - 1
        s_bits = _subset_sums(self.S, sz, cap)[-1]
        for step, b in enumerate(self.rng.permutation(len(self.bins)).tolist()):
            if not self.S or (step & 15 == 15 and self.clock.expired()):
                return
            items = self.bins[b]
            load = self.load[b]
            if len(items) <= 12:
                # Quick test: a kept part of the bin (sum a) and a subset of S that
                # together exceed the load and fit.
                kept = 1
                for i in items:
                    kept |= (kept << sz[i]) & mask
                found = False
                while kept:
                    low = kept & -kept
                    a = low.bit_length() - 1
                    kept ^= low
                    lo = load - a + 1
                    if lo <= cap - a and (s_bits >> max(lo, 0)) & ((1 << (cap - a - max(lo, 0) + 1)) - 1):
                        found = True
                        break
                if not found:
                    continue
            pool = sorted(items + self.S, key=lambda i: sz[i])
            pref = _subset_sums(pool, sz, cap)
            best = pref[-1].bit_length() - 1
            if best <= load:
                continue
            chosen = _pick_subset(pool, sz, pref, best)
            taken = set(chosen)
            rest = [i for i in pool if i not in taken]
            rest_big = int(sum(self.big[i] for i in rest))
            if rest_big > max(self.spare, self.s_big):
                continue
            self.bins[b] = chosen
            self.load[b] = best
            self.S = rest
            self.s_big = rest_big
            self.s_weight = sum(sz[i] for i in rest)
            self._set_row(b)
            s_bits = _subset_sums(self.S, sz, cap)[-1]

    def _tabu_move(self, it: int) -> bool:
        """Apply the best exchange of at most two items between a bin and S."""
        sz_arr = self.sz_arr
        key = self.key
        free = [i for i in self.S if self.tabu[key[i]] <= it]
        if not free:
            return False
        s_items = np.array(free, dtype=np.int64)
        m = len(s_items)
        a, c = np.triu_indices(m, 1)
        in_a = s_items[np.concatenate([np.arange(m), a])]
        in_b = np.concatenate([np.full(m, self.n), s_items[c]])  # n: no second item
        in_sum = sz_arr[in_a] + sz_arr[in_b]
        in_big = self.big[in_a] + self.big[in_b]
        in_cnt = 1 + (in_b != self.n)
        k = self.count
        per_bin = 1 + k + k * (k - 1) // 2
        rows = np.repeat(np.arange(len(k)), per_bin)
        slots = np.arange(len(rows)) - np.repeat(np.cumsum(per_bin) - per_bin, per_bin)
        out1 = self.M[rows, self.J1[slots]]
        out2 = self.M[rows, self.J2[slots]]
        allowed = (self.tabu[key[out1]] <= it) & (self.tabu[key[out2]] <= it)
        out_sum = sz_arr[out1] + sz_arr[out2]
        out_big = self.big[out1] + self.big[out2]
        out_cnt = (out1 != self.n).astype(np.int64) + (out2 != self.n)
        room = (self.cap - np.array(self.load, dtype=np.int64))[rows] + out_sum
        limit = max(self.spare, self.s_big)
        noise = self.rng.random(len(rows))
        best_score = np.full(len(rows), -np.inf)
        best_in = np.zeros(len(rows), dtype=np.int64)
        for g in range(3):  # in-sets by their number of items above half a bin
            sel = np.flatnonzero(in_big == g)
            if len(sel) == 0:
                continue
            # By total size, and a single item after pairs of the same total.
            sel = sel[np.lexsort((-in_cnt[sel], in_sum[sel]))]
            sums = in_sum[sel]
            pos = np.searchsorted(sums, room, side="right") - 1
            pos0 = np.maximum(pos, 0)
            gain = sums[pos0] - out_sum
            cnt = in_cnt[sel][pos0]
            valid = allowed & (pos >= 0) & (self.s_big + out_big - g <= limit)
            # Swapping one item for another of the same size changes nothing.
            valid &= (gain != 0) | (out_cnt != 1) | (cnt != 1)
            score = np.where(valid, gain * 32.0 + (out_cnt - cnt) * 4.0 + noise, -np.inf)
            better = score > best_score
            best_score = np.where(better, score, best_score)
            best_in = np.where(better, sel[pos0], best_in)
        flat = int(np.argmax(best_score))
        if best_score[flat] == -np.inf:
            return False
        b = int(rows[flat])
        p = int(best_in[flat])
        outs = [int(x) for x in (out1[flat], out2[flat]) if x != self.n]
        ins = [int(x) for x in (in_a[p], in_b[p]) if x != self.n]
        sz = self.sz
        delta = sum(sz[i] for i in ins) - sum(sz[i] for i in outs)
        self.bins[b] = [i for i in self.bins[b] if i not in outs] + ins
        self.load[b] += delta
        self.S = [i for i in self.S if i not in ins] + outs
        self.s_weight -= delta
        self.s_big += int(sum(self.big[i] for i in outs) - sum(self.big[i] for i in ins))
        lo, hi = self.tenure
        for i in outs + ins:
            self.tabu[key[i]] = it + int(self.rng.integers(lo, hi + 1))
        self._set_row(b)
        return True

    def _start(self, complete: Sequence[Sequence[int]], keep: int) -> None:
        """Keep the ``keep`` fullest bins; the items of the others form S, with at
        most ``spare`` items above half a bin where the choice allows it."""
        sz = self.sz
        loads = [sum(sz[i] for i in b) for b in complete]
        order = sorted(range(len(complete)), key=lambda b: loads[b])
        quota = len(complete) - keep
        drop: list[int] = []
        big = 0
        for b in order:
            nb = sum(int(self.big[i]) for i in complete[b])
            if len(drop) < quota and big + nb <= self.spare:
                drop.append(b)
                big += nb
        for b in order:
            if len(drop) < quota and b not in drop:
                drop.append(b)
        dropped = set(drop)
        self.bins = [list(complete[b]) for b in range(len(complete)) if b not in dropped]
        self.load = [loads[b] for b in range(len(complete)) if b not in dropped]
        self.S = [i for b in drop for i in complete[b]]
        self.s_weight = sum(sz[i] for i in self.S)
        self.s_big = int(sum(self.big[i] for i in self.S))
        self.tabu[:] = 0
        self._rebuild(max([len(b) for b in self.bins] + [1]) + 2)

    def run(
        self, complete: Sequence[Sequence[int]], target: int, max_iters: int, clock: _Clock
    ) -> list[list[int]] | None:
        """A packing into ``target`` bins found from ``complete``, or None."""
        if target <= 0:
            return None
        self.clock = clock
        r = min(2, target)
        self.spare = r
        self._start(complete, target - r)
        last_gain = 0
        best_w = self.s_weight
        moved = True
        for it in range(max_iters):
            if self.s_weight <= r * self.cap:
                rest = _fits_in_bins(self.S, self.sz, self.cap, r)
                if rest is not None:
                    self.iterations += it
                    return [b for b in self.bins if b] + [b for b in rest if b]
            if it % 32 == 0 and clock.expired():
                self.iterations += it
                return None
            if it - last_gain >= self.descent_every:
                self._descent()
                last_gain = it
                moved = False
            if self._tabu_move(it):
                moved = True
            elif moved:  # stuck while every move is tabu: refill the bins once
                self._descent()
                moved = False
            if self.s_weight < best_w:
                best_w = self.s_weight
                last_gain = it
        self.iterations += max_iters
        return None


# ---------------------------------------------------------------------------------
# Column generation
# ---------------------------------------------------------------------------------


def _price(
    w: IntArray,
    values: IntArray,
    caps: IntArray,
    capacity: int,
    threshold: int,
    max_columns: int,
) -> tuple[int, list[IntArray]]:
    """Bounded knapsack by dynamic programming over the capacity.

    Returns the greatest total value of a pattern (count per size, at most
    ``caps``, total size at most ``capacity``) and up to ``max_columns`` patterns of
    value above ``threshold``, best first, each of a different total size.
    """
    num_types = len(w)
    chunk_type: list[int] = []
    chunk_count: list[int] = []
    for k in range(num_types):
        if values[k] <= 0 or caps[k] <= 0 or w[k] > capacity:
            continue
        m = min(int(caps[k]), capacity // int(w[k]))
        p = 1
        while m > 0:  # binary splitting of the copies of one size
            q = min(p, m)
            chunk_type.append(k)
            chunk_count.append(q)
            m -= q
            p <<= 1
    if not chunk_type:
        return 0, []
    ct = np.array(chunk_type, dtype=np.int64)
    cc = np.array(chunk_count, dtype=np.int64)
    cw = cc * w[ct]
    cv = cc * values[ct]
    top = int(min(capacity, int(cw.sum())))
    dp = np.full(top + 1, _NEG, dtype=np.int64)
    dp[0] = 0
    take = np.zeros((len(ct), top + 1), dtype=np.bool_)
    for k in range(len(ct)):
        wk = int(cw[k])
        cand = dp[: top + 1 - wk] + cv[k]
        seg = dp[wk:]
        take[k, wk:] = cand > seg
        np.maximum(seg, cand, out=seg)
    best = int(dp.max())
    good = np.flatnonzero(dp > threshold)
    if len(good) == 0:
        return best, []
    if len(good) > max_columns:
        good = good[np.argsort(-dp[good], kind="stable")[:max_columns]]
    cur = good.copy()
    counts = np.zeros((len(good), num_types), dtype=np.int64)
    for k in range(len(ct) - 1, -1, -1):
        t = take[k, cur]
        if t.any():
            counts[:, ct[k]] += t * cc[k]
            cur -= t * cw[k]
    return best, [counts[i] for i in range(len(good))]


def _price_bound(w: IntArray, values: IntArray, caps: IntArray, capacity: int,
                 threshold: int, max_columns: int) -> tuple[int, list[IntArray]]:
    """:func:`_price` where sizes may be 0: those take no room, and the greatest
    value counts all their copies (the patterns returned leave them out)."""
    free = (w == 0) & (values > 0)
    fixed = int((caps[free] * values[free]).sum())
    rest = np.where(w > 0, w, capacity + 1)
    best, patterns = _price(rest, values, caps, capacity, threshold, max_columns)
    return fixed + best, patterns


class _ColumnGeneration:
    """The Gilmore-Gomory master LP over distinct sizes.

    Rows: for each distinct size, the patterns cover its demand. Columns: patterns
    (cost 1), and the dual-optimal exchanges "a slot of a size may hold the next
    smaller size" (cost 0) while the bound is computed.

    With ``units`` (capacities too large to price at one unit), patterns are
    priced on sizes rounded up to multiples of the first unit and the capacity
    rounded down, so every column fits; the Farley bound takes the best pattern of
    sizes rounded down, which every pattern that fits also fits, so it stays proven
    (the patterns of that pricing that fit at the true sizes are columns too). Once
    no column prices out at a unit, the next (finer) one takes over.
    """

    def __init__(self, type_sizes: Sequence[int], demand: Sequence[int], capacity: int,
                 units: Sequence[int] = (1,)) -> None:
        self.w = np.array(type_sizes, dtype=np.int64)
        self.demand = np.array(demand, dtype=np.int64)
        self.capacity = capacity
        self.units = list(units)
        self.coarse_unit = self.units[0]
        """The unit the dives price on (their columns need not be the LP's exact ones)."""
        self._set_unit(self.units.pop(0))
        t = len(type_sizes)
        self.num_types = t
        self.h = new_highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("threads", 1)
        self.h.setOptionValue("random_seed", 0)
        self.h.addRows(
            t,
            self.demand.astype(np.float64),
            np.full(t, np.inf),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        for k in range(t - 1):
            self.h.addCol(0.0, 0.0, np.inf, 2, np.array([k, k + 1], dtype=np.int32), np.array([-1.0, 1.0]))
        self.num_aux = max(0, t - 1)
        self.columns: list[IntArray] = []
        self.keys: set[bytes] = set()
        for k in range(t):
            col = np.zeros(t, dtype=np.int64)
            col[k] = max(1, min(int(self.demand[k]), capacity // int(self.w[k])))
            self.add_column(col)
        self.settled = False
        self.center: FloatArray | None = None
        self.center_value = -1.0
        # Disjoint pricing rounds per master solve where a pricing is cheap.
        self.rounds = max(1, min(8, 4_000_000 // max(1, t * self.price_cap)))

    def _set_unit(self, unit: int) -> None:
        self._values: list[float] = []
        """The master's value after each solve at this unit."""
        self._price_at(unit)

    def _price_at(self, unit: int) -> None:
        self.unit = unit
        self.price_w = -(-self.w // unit)
        """Sizes as priced for columns (rounded up to units)."""
        self.bound_w = self.w // unit
        """Sizes as priced for the bound (rounded down to units)."""
        self.price_cap = self.capacity // unit

    def add_column(self, col: IntArray) -> bool:
        key = col.tobytes()
        if key in self.keys:
            return False
        self.keys.add(key)
        self.columns.append(col)
        idx = np.flatnonzero(col).astype(np.int32)
        self.h.addCol(1.0, 0.0, np.inf, len(idx), idx, col[idx].astype(np.float64))
        return True

    def add_columns(self, cols: Sequence[IntArray]) -> int:
        return sum(self.add_column(c) for c in cols)

    def add_packing(self, bins: Sequence[Sequence[int]], type_of: Sequence[int]) -> None:
        for b in bins:
            col = np.zeros(self.num_types, dtype=np.int64)
            for i in b:
                col[type_of[i]] += 1
            self.add_column(col)

    def solve_master(self) -> tuple[float, FloatArray, FloatArray] | None:
        """(value, duals, pattern values) of the master LP, or None if HiGHS failed."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            logger.warning("bin packing: the master LP was not solved (%s)", self.h.getModelStatus())
            return None
        sol = self.h.getSolution()
        z = float(self.h.getInfo().objective_function_value)
        duals = np.maximum(np.array(sol.row_dual, dtype=np.float64), 0.0)
        x = np.array(sol.col_value, dtype=np.float64)[self.num_aux :]
        return z, duals, x

    def _columns(self, pi: FloatArray, duals: FloatArray, caps: IntArray,
                 with_bound: bool = True) -> tuple[int, IntArray, list[IntArray]]:
        """Price at ``pi``: (best pattern value, integer item values, the patterns
        found that have a negative reduced cost for the master's ``duals``).

        Where pricing is cheap, it is repeated on the items the best pattern left,
        which gives the master several disjoint columns at once.
        """
        values = np.floor(pi * _SCALE).astype(np.int64)
        best, pats = _price(self.price_w, values, caps, self.price_cap, _SCALE, 20)
        found = list(pats)
        if self.unit > 1 and with_bound:
            # the bound's patterns that fit at the true sizes are columns too
            best, more = _price_bound(self.bound_w, values, caps, self.price_cap, _SCALE, 20)
            found += [p for p in more if int(p @ self.w) <= self.capacity]
        left = caps
        for _ in range(self.rounds - 1):
            if not pats:
                break
            left = np.maximum(left - pats[0], 0)
            _, pats = _price(self.price_w, values, left, self.price_cap, _SCALE, 5)
            found += pats
        good = [p for p in found if float(p @ duals) > 1 + 1e-9]
        return best, values, good

    def bound(self, clock: _Clock, target: int, lower: int, max_iters: int) -> int:
        """Raise ``lower`` towards the LP bound for at most ``max_iters`` master
        solves; stop early once it reaches ``target``.

        Sets ``settled`` once the master is optimal or cannot raise ``lower`` any
        more. Duals are smoothed towards the best Farley point (Wentges); when that
        finds no column, the smoothing is halved until the master duals are used.
        """
        d = self.demand
        for _ in range(max_iters):
            if clock.expired() or self.settled:
                break
            master = self.solve_master()
            if master is None:
                self.settled = True
                break
            z, duals, _ = master
            alpha = 0.8 if self.center is not None else 0.0
            while True:
                pi = duals if self.center is None else alpha * self.center + (1 - alpha) * duals
                best, values, good = self._columns(pi, duals, d)
                if best > 0:
                    # Farley: a bin holds value at most `best`, the items sum(d * values).
                    total = int((d * values).sum())
                    lower = max(lower, _ceil_div(total, best))
                    if total / best > self.center_value:
                        self.center_value = total / best
                        self.center = pi.copy()
                if lower >= target:
                    return lower
                if good or alpha == 0.0:
                    break
                alpha = 0.0 if alpha < 0.1 else alpha / 2
            self._values.append(z)
            tail = len(self._values) > _TAIL_SOLVES and \
                self._values[-1 - _TAIL_SOLVES] - z < _TAIL_DROP
            if math.ceil(z - 1e-6) <= lower:
                self.settled = True
            elif not good or self.add_columns(good) == 0 or (tail and self.units):
                if not self.units:
                    self.settled = True
                else:  # a finer unit: more columns fit, the bound is closer
                    self._set_unit(self.units.pop(0))
        return lower

    def _reoptimise(self, caps: IntArray, clock: _Clock, max_rounds: int) -> tuple[float, FloatArray] | None:
        for _ in range(max_rounds):
            if clock.expired():
                return None
            master = self.solve_master()
            if master is None:
                return None
            z, duals, x = master
            _, _, good = self._columns(duals, duals, caps, with_bound=False)
            if not good or self.add_columns(good) == 0:
                return z, x
        master = self.solve_master()
        return None if master is None else (master[0], master[2])

    def dive(self, target: int, clock: _Clock, max_rounds: int = 10,
             discrepancies: int = 0, depth: int = 0) -> tuple[list[IntArray], IntArray]:
        """Fix patterns of the LP solution, solving the LP again (with new columns) after
        each fixing, until every item is packed in at most ``target`` bins.

        Patterns the LP takes whole are fixed together; otherwise the one it takes
        most. Where the LP then says ``target`` bins cannot be reached, the dive goes
        back (a limited discrepancy search: in all, at most ``discrepancies`` times
        the pattern taken ``k``-th most instead of the first, each counting ``k``).

        Returns the fixed patterns and the demand left over: none left when a
        packing into ``target`` bins was found, otherwise those of the first dive
        (every fixing the LP's first choice).
        """
        t = self.num_types
        rows = np.arange(t, dtype=np.int32)
        if self.num_aux:  # patterns only: a fixed pattern then stays a valid bin
            aux = np.arange(self.num_aux, dtype=np.int32)
            self.h.changeColsBounds(self.num_aux, aux, np.zeros(self.num_aux), np.zeros(self.num_aux))
        first: tuple[list[IntArray], IntArray] | None = None
        unit = self.unit
        self._price_at(self.coarse_unit)
        # depth-first: (demand left, fixed patterns, discrepancies left, choices made)
        stack: list[tuple[IntArray, list[IntArray], int, int]] = [
            (self.demand.copy(), [], discrepancies, 0)]
        try:
            while stack and not clock.expired():
                d, fixed, budget, level = stack.pop()
                if d.sum() == 0:
                    return fixed, d
                self.h.changeRowsBounds(  # type: ignore[attr-defined]
                    t, rows, d.astype(np.float64), np.full(t, np.inf)
                )
                res = self._reoptimise(d, clock, max_rounds)
                if res is None:
                    break
                z, x = res
                if math.ceil(z - 1e-6) + len(fixed) > target:
                    if first is None:
                        first = (fixed, d)
                    continue
                order = np.argsort(-x, kind="stable")
                whole = [(int(j), math.floor(x[j] + 1e-6)) for j in order if x[j] >= 1 - 1e-6]
                if whole:
                    children = [(whole, budget, level)]
                else:
                    width = budget + 1 if depth <= 0 or level < depth else 1
                    taken = [int(j) for j in order[:width] if x[j] > 1e-6] or [int(order[0])]
                    children = [([(j, 1)], budget - k, level + 1) for k, j in enumerate(taken)]
                for chosen, left, deeper in reversed(children):
                    nd, nf = d.copy(), list(fixed)
                    for j, copies in chosen:
                        for _ in range(copies):
                            p = np.minimum(self.columns[j], nd)
                            if p.sum() == 0:
                                break
                            nf.append(p)
                            nd = nd - p
                    stack.append((nd, nf, left, deeper))
        finally:
            self._price_at(unit)
            self.h.changeRowsBounds(  # type: ignore[attr-defined]
                t, rows, self.demand.astype(np.float64), np.full(t, np.inf)
            )
            if self.num_aux:
                aux = np.arange(self.num_aux, dtype=np.int32)
                self.h.changeColsBounds(self.num_aux, aux, np.zeros(self.num_aux), np.full(self.num_aux, np.inf))
        return first if first is not None else ([], self.demand.copy())

    def restricted_mip(self, target: int, clock: _Clock) -> list[IntArray] | None:
        """A packing into at most ``target`` bins made of the patterns generated so far
        (the master as a MIP over its columns, on HiGHS, within ``clock``), or None if
        none is found. Only under a time limit: without one, None at once."""
        if not clock.limited or clock.expired() or not self.columns:
            return None
        cols = np.array(self.columns, dtype=np.int64)
        n = len(cols)
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("time_limit", max(0.0, clock.deadline - time.perf_counter()))
        h.setOptionValue("objective_bound", target + 0.5)
        h.addVars(n, np.zeros(n), np.full(n, float(target)))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.ones(n))
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                np.full(n, highspy.HighsVarType.kInteger))
        a = cols.T
        nz = np.flatnonzero(a)
        row, col = np.divmod(nz, n)
        starts = np.searchsorted(row, np.arange(self.num_types + 1))
        h.addRows(self.num_types, self.demand.astype(np.float64), np.full(self.num_types, np.inf),
                  len(nz), starts.astype(np.int32), col.astype(np.int32),
                  a.ravel()[nz].astype(np.float64))
        h.run()
        if h.getInfo().primal_solution_status != 2:
            return None
        counts = np.rint(np.array(h.getSolution().col_value)).astype(np.int64)
        if counts.sum() > target:
            return None
        return [cols[j] for j in np.flatnonzero(counts > 0) for _ in range(int(counts[j]))]


# ---------------------------------------------------------------------------------
# Exact search: bin completion
# ---------------------------------------------------------------------------------


class _OutOfBudgetError(Exception):
    """The exact search ran out of nodes or time."""


class _BinCompletion:
    """Decide whether the items fit into a given number of bins (Korf's bin completion).

    The search fills one bin at a time: it picks the item with the fewest ways to
    complete its bin (counted by dynamic programming; the largest item when the
    capacity is large), and tries the sets of other items that complete that bin,
    least waste first. Completions that leave room for an unused item, or in which
    some two or more items could be swapped for one unused item of at least their
    size that still fits (Martello and Toth's dominance), are skipped. A node is cut
    when the waste left cannot absorb it, when some item has no completion at all,
    or when the same items and bin count failed before. Exhausting the tree proves
    that the items need more bins.
    """

    _MAX_COMPLETIONS = 5000
    _MAX_MEMO = 300000
    _COUNTING_CAPACITY = 20000

    def __init__(self, type_sizes: Sequence[int], demand: Sequence[int], capacity: int, clock: _Clock) -> None:
        self.w = list(type_sizes)
        self.demand = list(demand)
        self.cap = capacity
        self.clock = clock
        self.mask = (1 << (capacity + 1)) - 1
        self.failed: dict[int, set[bytes]] = {}
        self.memo_size = 0
        self.nodes = 0
        self.limit = 0
        self.exhaustive = True
        self.path: list[list[tuple[int, int]]] = []
        self.wide = max(demand, default=0) > 255

    def search(self, bins: int, node_limit: int) -> list[list[tuple[int, int]]] | None:
        """Bins as lists of (size index, count), or None when the items need more bins.

        Raises _OutOfBudgetError when the node limit or the time limit is reached first.
        """
        total = sum(c * w for c, w in zip(self.demand, self.w, strict=True))
        if total > bins * self.cap:
            return None
        self.nodes = 0
        self.limit = node_limit
        self.path = []
        cnt = list(self.demand)
        if self._node(cnt, bins, bins * self.cap - total):
            return [list(b) for b in self.path]
        return None

    def _key(self, cnt: list[int]) -> bytes:
        if self.wide:
            return np.array(cnt, dtype=np.int64).tobytes()
        return bytes(cnt)

    def _reach(self, cnt: list[int], start: int, limit: int) -> list[int]:
        """reach[k]: bitset of the sums of sub-multisets of the sizes k.. (each at most limit)."""
        w, mask = self.w, self.mask
        reach = [0] * (len(w) + 1)
        r = 1
        reach[len(w)] = r
        for k in range(len(w) - 1, start - 1, -1):
            c = cnt[k]
            if c and w[k] <= limit:
                p = 1
                while c > 0:
                    q = min(p, c)
                    r |= (r << (q * w[k])) & mask
                    c -= q
                    p <<= 1
            reach[k] = r
        return reach

    def _pick(self, cnt: list[int], start: int, waste: int) -> int:
        """The size index whose items have the fewest completions."""
        cap, w = self.cap, self.w
        if cap > self._COUNTING_CAPACITY:
            return start
        ways = np.zeros(cap + 1)
        ways[0] = 1.0
        for k in range(start, len(w)):
            c = cnt[k]
            if not c:
                continue
            acc = ways.copy()
            for j in range(1, c + 1):
                shift = j * w[k]
                if shift > cap:
                    break
                acc[shift:] += ways[: cap + 1 - shift]
            ways = np.minimum(acc, 1e15)
        best = start
        best_ways = math.inf
        for k in range(start, len(w)):
            if cnt[k]:
                hi = cap - w[k]
                v = float(ways[max(0, hi - waste) : hi + 1].sum())
                if v < best_ways:
                    best, best_ways = k, v
        return best

    def _completions(
        self, cnt: list[int], start: int, target: int, reach: list[int]
    ) -> Iterator[list[tuple[int, int]]]:
        """Sub-multisets (size index, count) of the remaining sizes from ``start`` on
        that sum to exactly ``target``, more of the larger sizes first."""
        w = self.w
        num = len(w)
        produced = 0
        stack: list[list[int]] = []  # frames [size index, amount before, count taken]
        pos, rest = start, target
        while True:
            if rest == 0:
                yield [(f[0], f[2]) for f in stack if f[2] > 0]
                produced += 1
                if produced & 63 == 0 and self.clock.expired():
                    raise _OutOfBudgetError
                if produced >= self._MAX_COMPLETIONS:
                    self.exhaustive = False
                    return
            else:
                while pos < num and (cnt[pos] == 0 or w[pos] > rest):
                    pos += 1
                if pos < num:
                    m = min(cnt[pos], rest // w[pos])
                    nxt = reach[pos + 1]
                    while m >= 0 and not (nxt >> (rest - m * w[pos])) & 1:
                        m -= 1
                    if m >= 0:
                        stack.append([pos, rest, m])
                        pos, rest = pos + 1, rest - m * w[pos]
                        continue
            # Next sibling of the deepest frame that has one.
            while stack:
                f = stack[-1]
                k, before, m = f
                nxt = reach[k + 1]
                m -= 1
                while m >= 0 and not (nxt >> (before - m * w[k])) & 1:
                    m -= 1
                if m >= 0:
                    f[2] = m
                    pos, rest = k + 1, before - m * w[k]
                    break
                stack.pop()
            else:
                return

    def _dominated(self, comp: list[tuple[int, int]], cnt: list[int], waste: int) -> bool:
        """Could two or more items of the completion give way to one unused item?"""
        sizes = [self.w[k] for k, m in comp for _ in range(m)]
        if len(sizes) < 2 or len(sizes) > 12:
            return False
        avail = 0
        for k, c in enumerate(cnt):
            if c:
                avail |= 1 << self.w[k]
        if not avail:
            return False
        window = (1 << (waste + 1)) - 1
        sums = [(0, 0)]
        for x in sizes:
            sums += [(s + x, c + 1) for s, c in sums]
        return any(c >= 2 and (avail >> s) & window for s, c in sums)

    def _node(self, cnt: list[int], bins: int, waste: int) -> bool:
        self.nodes += 1
        if self.nodes > self.limit or (self.nodes & 255 == 0 and self.clock.expired()):
            raise _OutOfBudgetError
        w, cap = self.w, self.cap
        num = len(w)
        start = 0
        while start < num and not cnt[start]:
            start += 1
        if start == num:
            return True
        if bins <= 0:
            return False
        big = 0
        for k in range(start, num):
            if 2 * w[k] <= cap:
                break
            big += cnt[k]
        if big > bins:
            return False
        key = self._key(cnt)
        seen = self.failed.get(bins)
        if seen is not None and key in seen:
            return False
        # Every item needs some completion among the others.
        full = self._reach(cnt, start, cap)[start]
        for k in range(start, num):
            if cnt[k]:
                hi = cap - w[k]
                lo = max(0, hi - waste)
                if not (full >> lo) & ((1 << (hi - lo + 1)) - 1):
                    self._fail(bins, key)
                    return False
        x = self._pick(cnt, start, waste)
        cnt[x] -= 1
        room = cap - w[x]
        reach = self._reach(cnt, start, room)
        found = False
        for loss in range(min(waste, room) + 1):
            if not (reach[start] >> (room - loss)) & 1:
                continue
            for comp in self._completions(cnt, start, room - loss, reach):
                for k, m in comp:
                    cnt[k] -= m
                smallest = next((w[k] for k in range(num - 1, start - 1, -1) if cnt[k]), None)
                ok = not (loss and smallest is not None and smallest <= loss)
                if ok and not self._dominated(comp, cnt, loss):
                    self.path.append([(x, 1), *comp])
                    found = self._node(cnt, bins - 1, waste - loss)
                    if not found:
                        self.path.pop()
                for k, m in comp:
                    cnt[k] += m
                if found:
                    break
            if found:
                break
        cnt[x] += 1
        if not found:
            self._fail(bins, key)
        return found

    def _fail(self, bins: int, key: bytes) -> None:
        if self.memo_size < self._MAX_MEMO:
            self.failed.setdefault(bins, set()).add(key)
            self.memo_size += 1


# ---------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------


class _FillSearch:
    """Fill a given number of bins one after the other, wasting at most the room left.

    Meant for packings with little or no room to spare, such as items cut from full
    bins, where every bin must be filled exactly: the bitset searches above keep a bit
    per unit of capacity, this one only the sorted sizes and a table of them. Each
    bin holds the largest item left and a completion, tried in this order: one item
    that closes the bin, two items that close it (the second found by looking up the
    size still missing), then one more item and a completion of the rest of the same
    kind. When a bin has no completion left the search goes back to the bin before.
    The first pairs are tried in a random order, so that repeated searches differ.
    The search is not exhaustive (with room to spare, a pair is looked up once), so
    failing proves nothing.
    """

    def __init__(self, type_sizes: Sequence[int], demand: Sequence[int], capacity: int,
                 rng: random.Random, clock: _Clock) -> None:
        self.w = list(type_sizes)  # non-increasing and distinct
        self.neg = [-s for s in self.w]
        self.of_size = {s: k for k, s in enumerate(self.w)}
        self.demand = list(demand)
        self.cap = capacity
        self.rng = rng
        self.clock = clock
        self.cnt: list[int] = []
        self.nodes = 0
        self.limit = 0
        #: The most bins filled by the last search (size indices), for a fresh start.
        self.partial: list[list[int]] = []

    def search(self, bins: int, node_limit: int) -> list[list[int]] | None:
        """Bins as lists of size indices (with repeats), or None when none was found
        within ``node_limit`` nodes (or the time limit)."""
        total = sum(c * w for c, w in zip(self.demand, self.w, strict=True))
        slack = bins * self.cap - total
        self.partial = []
        if slack < 0:
            return None
        self.cnt = list(self.demand)
        self.nodes, self.limit = 0, node_limit
        heads: list[int] = []
        comps: list[list[int]] = []
        gens: list[tuple[Iterator[list[int]], int]] = []  # a bin's completions, room before it
        try:
            while True:
                head = self._largest()
                if head is None:
                    return [[h, *c] for h, c in zip(heads, comps, strict=True)]
                if len(heads) < bins:
                    self.cnt[head] -= 1
                    heads.append(head)
                    gens.append((self._bin(head, slack), slack))
                # the next completion of the last bin, going back while there is none
                while True:
                    if not gens:
                        return None
                    gen, before = gens[-1]
                    if len(comps) == len(gens):
                        for k in comps.pop():
                            self.cnt[k] += 1
                    comp = next(gen, None)
                    if comp is not None:
                        for k in comp:
                            self.cnt[k] -= 1
                        comps.append(comp)
                        waste = self.cap - self.w[heads[-1]] - sum(self.w[k] for k in comp)
                        slack = before - waste
                        if len(comps) > len(self.partial):
                            self.partial = [[h, *c] for h, c in zip(heads, comps, strict=True)]
                        break
                    gens.pop()
                    self.cnt[heads.pop()] += 1
        except _OutOfBudgetError:
            return None

    def _largest(self) -> int | None:
        for k, c in enumerate(self.cnt):
            if c:
                return k
        return None

    def _tick(self) -> None:
        self.nodes += 1
        if self.nodes > self.limit or (self.nodes & 1023 == 0 and self.clock.expired()):
            raise _OutOfBudgetError

    def _bin(self, head: int, slack: int) -> Iterator[list[int]]:
        # suffix[k]: total size of the items left of size index k or later
        suffix = [0] * (len(self.w) + 1)
        for k in range(len(self.w) - 1, -1, -1):
            suffix[k] = suffix[k + 1] + self.cnt[k] * self.w[k]
        return self._completions(self.cap - self.w[head], slack, head, 0, 0, suffix)

    def _pairs(self, room: int, least: int, first: int, left: Callable[[int], int]
               ) -> Iterator[list[int]]:
        """Pairs of size indices ``k <= j`` (from ``first``) of total in [least, room]."""
        w = self.w
        exact = least == room
        k = first
        while k < len(w) and 2 * w[k] >= least:
            if left(k) > 0:
                high, low = room - w[k], least - w[k]
                j = self.of_size.get(high, -1) if exact else bisect_left(self.neg, -high, k)
                while k <= j < len(w) and w[j] >= low:
                    if left(j) > (1 if j == k else 0):
                        yield [k, j]
                        break
                    if exact:
                        break
                    j += 1
            k += 1

    def _completions(self, room: int, slack: int, start: int, taken: int, more: int,
                     suffix: list[int]) -> Iterator[list[int]]:
        """Multisets of size indices >= ``start``, in non-decreasing order, of total in
        [room - slack, room] and with at least ``more`` items; ``taken`` items of index
        ``start`` are already in the bin."""
        self._tick()
        w, cnt = self.w, self.cnt
        least = room - slack

        def left(k: int) -> int:
            return cnt[k] - (taken if k == start else 0)

        first = bisect_left(self.neg, -room, start)  # the first size index that fits
        if more == 0:  # one item closes the bin
            k = first
            while k < len(w) and w[k] >= least:
                if left(k) > 0:
                    yield [k]
                k += 1
        # two items close it: the larger one, then the largest one that fits after it
        # (the first few such pairs in a random order, the others as they come)
        pairs = self._pairs(room, least, first, left)
        head = list(islice(pairs, 4))
        self.rng.shuffle(head)
        yield from head
        yield from pairs
        # three items or more: one more item, then at least two after it
        k = first
        while k < len(w) and suffix[k] >= least:
            if left(k) > 0 and w[k] < room:
                for rest in self._completions(room - w[k], slack, k, 1 + (taken if k == start else 0),
                                              2, suffix):
                    yield [k, *rest]
            k += 1
        if more == 0 and least <= 0:
            yield []


class _ExactCover:
    """Fill every bin exactly with one, two or three items: an exact cover of the items.

    For packings with no room to spare at all (items cut from full bins into a few
    pieces). Every set of at most three sizes that fills a bin exactly is a candidate
    bin, and a depth-first search picks, at every node, the size left with the fewest
    candidate bins still possible (Knuth's minimum-remaining-values rule, as in his
    exact-cover algorithm X), trying those bins in a random order. A size with a single
    candidate bin left is placed at once, so planted instances whose perfect packing is
    (almost) unique, which defeat the bin-by-bin fill search, are settled with little
    or no backtracking. Bins of four items or more are not candidates: failing proves
    nothing.
    """

    def __init__(self, type_sizes: Sequence[int], demand: Sequence[int], capacity: int,
                 rng: random.Random, clock: _Clock) -> None:
        self.rng = rng
        self.clock = clock
        self.demand = list(demand)
        num = len(type_sizes)
        w = np.asarray(type_sizes, dtype=np.int64)  # non-increasing and distinct
        asc = w[::-1]
        dem = np.asarray(demand, dtype=np.int64)

        def index_of(sizes: IntArray) -> IntArray:
            """The size index of each size, or -1 where no item has that size."""
            at = np.minimum(np.searchsorted(asc, sizes), num - 1)
            return np.where(asc[at] == sizes, num - 1 - at, -1)

        rows: list[IntArray] = []
        singles = np.flatnonzero(w == capacity)
        rows.append(np.stack([singles, np.full(len(singles), -1), np.full(len(singles), -1)], axis=1))
        ks = np.arange(num)
        js = index_of(capacity - w)
        ok = (js >= ks) & ((js > ks) | (dem >= 2))
        rows.append(np.stack([ks[ok], js[ok], np.full(int(ok.sum()), -1)], axis=1))
        count = sum(len(r) for r in rows)
        for a in range(num):
            bs = np.arange(a, num)
            cs = index_of(capacity - w[a] - w[bs])
            ok = cs >= bs
            if not ok.any():
                continue
            trip = np.stack([np.full(int(ok.sum()), a), bs[ok], cs[ok]], axis=1)
            # enough items of a size that appears more than once in the bin
            need = (trip[:, :, None] == trip[:, None, :]).sum(axis=2)
            trip = trip[np.all(need <= dem[trip], axis=1)]
            rows.append(trip)
            count += len(trip)
            if count > _MAX_COVER_SETS:
                break
        self.too_many = count > _MAX_COVER_SETS
        sets = np.concatenate(rows) if rows else np.zeros((0, 3), dtype=np.int64)
        # each set as (size index, how many) pairs; a missing slot points at a sentinel
        # size index ``num`` that always has enough items left
        self.num = num
        counts = (sets[:, :, None] == sets[:, None, :]).sum(axis=2)
        first = np.ones(sets.shape, dtype=bool)  # a size's first slot in its set
        first[:, 1] = sets[:, 1] != sets[:, 0]
        first[:, 2] = (sets[:, 2] != sets[:, 0]) & (sets[:, 2] != sets[:, 1])
        keep = first & (sets >= 0)
        self.types = np.where(keep, sets, num)
        self.needs = np.where(keep, counts, 0)
        self.nodes = 0

    def search(self, bins: int, node_limit: int) -> list[list[int]] | None:
        """``bins`` bins as lists of size indices (with repeats), or None when none was
        found within ``node_limit`` nodes (or the time limit), or there are too many
        candidate bins to enumerate."""
        if self.too_many:
            return None
        rem = np.array([*self.demand, 1 << 40], dtype=np.int64)
        types, needs = self.types, self.needs
        chosen: list[int] = []
        stack: list[tuple[list[int], int]] = []
        self.nodes = 0
        while True:
            if not rem[:-1].any():
                if len(chosen) != bins:
                    return None
                return [[int(t) for t, n in zip(types[r], needs[r], strict=True) if t < self.num
                         for _ in range(int(n))] for r in chosen]
            self.nodes += 1
            if self.nodes > node_limit or (self.nodes & 63 == 0 and self.clock.expired()):
                return None
            options: list[int] = []
            if len(chosen) < bins:
                live = np.all(rem[types] >= needs, axis=1)
                per = np.bincount(types[live].ravel(), minlength=self.num + 1)[:-1]
                left = rem[:-1] > 0
                if not np.any(left & (per == 0)):
                    t = int(np.flatnonzero(left)[np.argmin(per[left])])
                    options = np.flatnonzero(live & np.any(types == t, axis=1)).tolist()
                    self.rng.shuffle(options)
            stack.append((options, 0))
            # the next option of the deepest node that has one, going back as needed
            while True:
                opts, at = stack[-1]
                if at > 0:  # undo the option tried last at this node
                    r = chosen.pop()
                    rem[types[r]] += needs[r]
                if at < len(opts):
                    r = opts[at]
                    stack[-1] = (opts, at + 1)
                    rem[types[r]] -= needs[r]
                    chosen.append(r)
                    break
                stack.pop()
                if not stack:
                    return None


class _ArcFlow:
    """Valério de Carvalho's arc-flow model of bin packing, as a MIP for HiGHS.

    A bin is a path from 0 to the capacity through the loads a bin can reach: an arc
    ``(v, v + w)`` per item of size ``w`` put in it, then a loss arc to the
    capacity. The number of paths is minimised subject to each size's demand. Its LP
    relaxation is the Gilmore-Gomory bound; HiGHS' branch and bound settles instances
    where neither the searches nor that bound do. (Arcs of every size from every
    load, not only in non-increasing order of size: on a random instance of 300
    items of 40-100 into bins of 200, HiGHS proved 105 bins in 2.0 s, against 16.5-32 s
    with three random seeds on the graph of non-increasing order.)
    """

    def __init__(self, sizes: Sequence[int], demand: Sequence[int], capacity: int,
                 max_arcs: int | None = None) -> None:
        self.sizes, self.demand, self.cap = list(sizes), list(demand), capacity
        self.highs: highspy.Highs | None = None
        """The HiGHS instance of :meth:`solve`, once made."""
        if max_arcs is None:
            max_arcs = _MAX_ARCFLOW_ARCS
        self.too_large = capacity * len(self.sizes) > 50 * max_arcs
        if self.too_large:
            return
        reach = np.zeros(capacity + 1, bool)
        reach[0] = True
        for w in self.sizes:  # loads of any number of items of these sizes
            for v in range(w, capacity + 1):
                if reach[v - w]:
                    reach[v] = True
        loads = np.flatnonzero(reach)
        tails: list[IntArray] = []
        kinds: list[IntArray] = []
        count = 0
        for t, w in enumerate(self.sizes):
            froms = loads[loads + w <= capacity]
            froms = froms[reach[froms + w]]
            tails.append(froms)
            kinds.append(np.full(len(froms), t, np.int64))
            count += len(froms)
            if count > max_arcs:
                self.too_large = True
                return
        size = np.array(self.sizes, np.int64)
        nodes = np.union1d(loads, [capacity])
        lossy = nodes[(nodes > 0) & (nodes < capacity)]
        tail = np.concatenate([*tails, lossy])
        kind = np.concatenate([*kinds, np.full(len(lossy), -1, np.int64)])
        self.nodes = nodes.tolist()
        self.tail = tail
        self.kind = kind
        self.head = np.where(kind >= 0, tail + size[np.maximum(kind, 0)], capacity)

    def _model(self) -> highspy.Highs:
        """The MIP: column 0 counts the bins, one integer column per arc."""
        n_arcs = len(self.tail)
        nodes = np.array(self.nodes, np.int64)
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        for heuristic in _ARCFLOW_HEURISTICS_OFF:
            h.setOptionValue(heuristic, False)
        inf = highspy.kHighsInf
        ncol = n_arcs + 1
        h.addVars(ncol, np.zeros(ncol), np.full(ncol, inf))
        cost = np.zeros(ncol)
        cost[0] = 1.0
        h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), cost)
        h.changeColsIntegrality(ncol, np.arange(ncol, dtype=np.int32),
                                np.full(ncol, highspy.HighsVarType.kInteger))
        # flow conservation: out - in = z at 0, -z at the capacity, 0 elsewhere
        cols = np.arange(1, ncol)
        row = np.searchsorted(nodes, np.concatenate([self.tail, self.head, [0, self.cap]]))
        col = np.concatenate([cols, cols, [0, 0]])
        val = np.concatenate([np.ones(n_arcs), -np.ones(n_arcs), [-1.0, 1.0]])
        order = np.lexsort((col, row))
        starts = np.searchsorted(row[order], np.arange(len(self.nodes) + 1))
        zero = np.zeros(len(self.nodes))
        h.addRows(len(self.nodes), zero, zero, len(order), starts.astype(np.int32),
                  col[order].astype(np.int32), val[order])
        # each size's demand
        items = np.flatnonzero(self.kind >= 0)
        by = items[np.argsort(self.kind[items], kind="stable")]
        starts = np.searchsorted(self.kind[by], np.arange(len(self.sizes) + 1))
        h.addRows(len(self.sizes), np.array(self.demand, np.float64),
                  np.full(len(self.sizes), inf), len(by), starts.astype(np.int32),
                  (by + 1).astype(np.int32), np.ones(len(by)))
        return h

    def solve(self, clock: _Clock,
              cancel: threading.Event | None = None) -> tuple[list[IntArray] | None, int]:
        """Patterns (a count per size) of the best packing HiGHS finds, and its proven bound.

        HiGHS gets no start: the best packing as one made it slower (a random instance
        of 300 items into bins of 200: 18.9 s from a first-fit decreasing start of 113
        bins, 2.0 s without).
        """
        h = self._model()
        if clock.limited:
            h.setOptionValue("time_limit", max(0.0, clock.deadline - time.perf_counter()))
        if cancel is not None:

            def _cancelled(event: object) -> None:
                if cancel.is_set():
                    event.data_in.user_interrupt = True  # type: ignore[attr-defined]

            for hook in (h.cbSimplexInterrupt, h.cbMipInterrupt):
                hook.subscribe(_cancelled)
        self.highs = h
        if cancel is not None and cancel.is_set():
            return None, 0
        h.run()
        info = h.getInfo()
        bound = info.mip_dual_bound
        proven = math.ceil(bound - 1e-6) if math.isfinite(bound) else 0
        if info.primal_solution_status != 2:  # no feasible solution
            return None, proven
        flow = np.rint(np.array(h.getSolution().col_value)[1:]).astype(np.int64)
        return self._paths(flow), proven

    def _paths(self, flow: IntArray) -> list[IntArray]:
        """Decompose an integral flow into bins, each a count per size."""
        out: dict[int, list[int]] = {}
        for k in np.flatnonzero(flow > 0).tolist():
            out.setdefault(int(self.tail[k]), []).append(k)
        left = flow.copy()
        patterns: list[IntArray] = []
        while True:
            v, pattern = 0, np.zeros(len(self.sizes), np.int64)
            while v != self.cap:
                arcs = [k for k in out.get(v, ()) if left[k] > 0]
                if not arcs:
                    break
                k = arcs[0]
                left[k] -= 1
                if self.kind[k] >= 0:
                    pattern[self.kind[k]] += 1
                v = int(self.head[k])
            if v == 0:
                return patterns
            patterns.append(pattern)


class _Engine:
    """Bounds and packings for sizes in non-increasing order (all positive)."""

    def __init__(self, sz: list[int], capacity: int, seed: int, clock: _Clock,
                 workers: int = 1, on_progress: Callable[[int, int], None] | None = None) -> None:
        self.sz = sz
        self.workers = workers
        self.on_progress = on_progress
        self._reported = (0, 0)
        self._flow: Future[tuple[list[IntArray] | None, int]] | None = None
        self._flow_model: _ArcFlow | None = None
        self._flow_cancel = threading.Event()
        self._flow_arcs = 0
        self.cap = capacity
        self.clock = clock
        self.rng = random.Random(seed)
        self.type_sizes: list[int] = []
        self.type_start: list[int] = []
        self.type_of: list[int] = []
        for i, s in enumerate(sz):
            if not self.type_sizes or self.type_sizes[-1] != s:
                self.type_sizes.append(s)
                self.type_start.append(i)
            self.type_of.append(len(self.type_sizes) - 1)
        self.demand = [b - a for a, b in zip(self.type_start, [*self.type_start[1:], len(sz)], strict=True)]
        # Pricing keeps one bit per size and unit of capacity; beyond a budget the exact
        # search (which keeps as many bitsets) is skipped.
        chunks = sum(min(d, capacity // w).bit_length()
                     for w, d in zip(self.type_sizes, self.demand, strict=True))
        self.table = chunks * (capacity + 1)
        # The bitset searches (minimum bin slack, local search) keep one bit per unit
        # of capacity; above a limit they work on sizes rounded up to a coarser unit
        # and the capacity rounded down, so what they pack still fits.
        bits = _MAX_BITSET_CAPACITY if self.table <= _MAX_TABLE else _COARSE_BITSET_CAPACITY
        unit = max(1, _ceil_div(capacity, bits))
        self.hcap = capacity // unit
        self.hz = [min(_ceil_div(s, unit), self.hcap) for s in sz]  # a clamped item is alone
        self.repair = _Repair(self.hz, self.hcap, seed)
        self.best: list[list[int]] = []
        self.lower = 0
        #: The patterns of the first dive in the LP solution and the demand they leave.
        self._dive_start: tuple[list[IntArray], IntArray] = ([], np.array(self.demand, np.int64))

    def offer(self, bins: list[list[int]]) -> None:
        if not self.best or len(bins) < len(self.best):
            self.best = bins
            self.report()

    def done(self) -> bool:
        self.report()
        return len(self.best) <= self.lower or self.clock.expired()

    def report(self) -> None:
        """Tell ``on_progress`` the best packing's bins and the bound, when either moved."""
        now = (len(self.best), self.lower)
        if self.on_progress is not None and self.best and now != self._reported:
            self._reported = now
            self.on_progress(*now)

    def improve(self, start: list[list[int]], max_iters: int, clock: _Clock | None = None) -> None:
        """Local search from ``start`` down to the lower bound, one bin at a time
        (within ``clock``, by default the engine's)."""
        clock = self.clock if clock is None else clock
        sol = start
        self.offer(sol)
        while len(sol) > self.lower and not clock.expired():
            new = self.repair.run(sol, len(sol) - 1, max_iters, clock)
            if new is None:
                return
            sol = new
            self.offer(sol)

    def from_patterns(self, patterns: Sequence[IntArray], rest: IntArray) -> list[list[int]]:
        """Item bins for fixed patterns; the leftover demand packed first-fit decreasing."""
        nxt = list(self.type_start)
        bins: list[list[int]] = []
        for p in patterns:
            b: list[int] = []
            for k in np.flatnonzero(p).tolist():
                for _ in range(int(p[k])):
                    b.append(nxt[k])
                    nxt[k] += 1
            bins.append(b)
        left = [i for k in range(len(self.type_sizes)) for i in range(nxt[k], nxt[k] + int(rest[k]))]
        slack = [self.cap - sum(self.sz[i] for i in b) for b in bins]
        for i in left:
            s = self.sz[i]
            for j, free in enumerate(slack):
                if free >= s:
                    slack[j] -= s
                    bins[j].append(i)
                    break
            else:
                bins.append([i])
                slack.append(self.cap - s)
        return bins

    def offer_patterns(self, patterns: Sequence[IntArray]) -> None:
        """Offer the packing of ``patterns`` (a count per size, for each bin), which may
        cover a size more often than it is demanded; any demand left goes first-fit."""
        left = np.array(self.demand, dtype=np.int64)
        kept: list[IntArray] = []
        for p in patterns:
            q = np.minimum(p, left)
            left -= q
            if q.any():
                kept.append(q)
        self.offer(self.from_patterns(kept, left))

    def solve(self, hint: list[list[int]] | None) -> None:
        """Fill ``best`` and ``lower`` (see the module docstring for the phases)."""
        try:
            self._solve(hint)
        finally:
            self._end_arcflow()

    def _solve(self, hint: list[list[int]] | None) -> None:
        sz, cap, clock = self.sz, self.cap, self.clock
        self.lower = max(1, _l2_bound(sz, cap))
        self.offer(_first_fit_decreasing(sz, cap))
        self.offer(_best_fit_decreasing(sz, cap))
        if hint is not None:
            self.offer(hint)
        if self.done():
            return
        # Bins filled (nearly) exactly, one after the other, where the bound leaves almost
        # no room (less than a twentieth of a bin in all): items cut from full bins.
        fill = None
        cover = None
        if 20 * (self.lower * cap - sum(sz)) < cap:
            fill = _FillSearch(self.type_sizes, self.demand, cap, self.rng, clock)
            # first a short try, about what a packing found without going back takes
            if self.fill_round(fill, 4 * self.lower + 1000, share=0.1):
                return
            # no room at all, and few enough items for bins of at most three
            if self.lower * cap == sum(sz) and len(sz) <= 3 * self.lower:
                cover = _ExactCover(self.type_sizes, self.demand, cap, self.rng, clock)
                if self.cover_round(cover, share=_COVER_SHARE):
                    return
        start = _min_bin_slack(self.hz, self.hcap, self.rng, clock.share(_FIRST_SEARCH_SHARE))
        if start is not None:
            self.offer(start)
        if self.done():
            return
        # A short search against L2 first: it settles most instances without any LP.
        self.improve(self.best, 1000, clock.share(_FIRST_SEARCH_SHARE))
        if self.done():
            return
        table = self.table
        # Beyond its budget the LP prices sizes rounded to a coarser unit (the bound stays proven).
        units = [1] if table <= _MAX_TABLE else [_ceil_div(table, _COARSE_TABLE), _ceil_div(table, _MAX_TABLE)]
        cg = _ColumnGeneration(self.type_sizes, self.demand, cap, units)
        if units[0] > 1:
            logger.debug("bin packing: capacity %d priced in units of %s", cap, units)
        cg.add_packing(self.best, self.type_of)
        self.lower = cg.bound(clock, len(self.best), self.lower, _CG_SLICE)
        logger.debug("bin packing: bound %d after %.2f s", self.lower, clock.elapsed())
        if self.done():
            return
        if self.workers >= 2:
            self._start_arcflow()
        exact = _BinCompletion(self.type_sizes, self.demand, cap, clock)
        rounds = 0
        dives = 0
        while not self.done():
            if not clock.limited and rounds >= _ROUNDS_WITHOUT_LIMIT:
                break
            rounds += 1
            if self.workers < 2 and rounds == _ARCFLOW_ROUND and \
                    self.arcflow_round(_ARCFLOW_SHARE):
                return
            if not cg.settled:
                self.lower = cg.bound(clock, len(self.best), self.lower, _CG_SLICE * rounds)
                if self.done():
                    return
            if fill is not None and self.fill_round(fill, _FILL_NODES << min(rounds, 6)):
                return
            if cover is not None and self.cover_round(cover, share=_COVER_SHARE):
                return
            if table <= _MAX_TABLE and (self.exact_round(exact, 500 << min(rounds - 1, 10)) or self.done()):
                return
            if (cg.settled or rounds >= _UNSETTLED_DIVE_ROUND) and dives < _DIVE_ROUNDS:
                dives += 1
                if self.dive_round(cg, dives):
                    return
                fixed, rest = self._dive_start
                start = self.from_patterns(fixed, rest)
            elif fill is not None and table > _MAX_TABLE:
                continue  # (the fill search's own restarts serve better than the bitset ones)
            elif cg.unit > 1 and not cg.settled and rounds < _UNSETTLED_DIVE_ROUND:
                continue  # (at such capacities the bitset searches are slow: the dives first)
            else:
                start = _min_bin_slack(self.hz, self.hcap, self.rng, clock)
            if start is not None:
                self.improve(start, 1000 << min(rounds - 1, 6))

    def dive_round(self, cg: _ColumnGeneration, k: int = 1) -> bool:
        """The ``k``-th limited discrepancy dive in the LP solution
        (:meth:`_ColumnGeneration.dive`; each one may go back once more, and deeper, than
        the one before), then the master as a MIP over every pattern generated; True when
        that proves the best packing optimal. The first dive's patterns are kept as a
        start."""
        target = len(self.best) - 1
        fixed, rest = cg.dive(target, self.clock.share(_DIVE_SHARE),
                              discrepancies=_DIVE_DISCREPANCIES + k - 1, depth=_DIVE_DEPTH * k)
        logger.debug("bin packing: dive %d to %d bins: %d fixed, %d items left after %.2f s",
                     k, target, len(fixed), int(rest.sum()), self.clock.elapsed())
        self._dive_start = (fixed, rest)
        if not rest.any() and len(fixed) <= target:
            self.offer(self.from_patterns(fixed, rest))
            logger.debug("bin packing: dive found %d bins after %.2f s", len(fixed),
                         self.clock.elapsed())
            return self.done()
        found = cg.restricted_mip(target, self.clock.share(_MASTER_MIP_SHARE))
        if found is not None:
            self.offer_patterns(found)
        logger.debug("bin packing: master MIP over %d patterns: %s after %.2f s",
                     len(cg.columns), "none" if found is None else f"{len(found)} bins",
                     self.clock.elapsed())
        return self.done()

    def arcflow_round(self, share: float) -> bool:
        """The arc-flow MIP, in ``share`` of the time left; True when the best packing is
        then proven optimal (one worker: the searches wait for it)."""
        flow = self._arcflow_model()
        if flow is None:
            return False
        self._take_flow(*flow.solve(self.clock.share(share)))
        return self.done()

    def _arcflow_model(self) -> _ArcFlow | None:
        """The arc-flow model of the items (kept for :meth:`_end_arcflow`); None when too large."""
        flow = _ArcFlow(self.type_sizes, self.demand, self.cap)
        if flow.too_large:
            return None
        self._flow_arcs = len(flow.tail)
        self._flow_model = flow
        return flow

    def _start_arcflow(self) -> None:
        """The arc-flow MIP on a thread of its own, beside the searches (HiGHS on the other
        worker). A packing it proves optimal stops the searches through the clock."""
        flow = self._arcflow_model()
        if flow is None:
            return
        job: Future[tuple[list[IntArray] | None, int]] = Future()
        clock, cancel = self.clock, self._flow_cancel

        def run() -> None:
            try:
                patterns, proven = flow.solve(clock, cancel)
            except BaseException as exc:  # handed to the engine's thread
                job.set_exception(exc)
                return
            job.set_result((patterns, proven))
            if (patterns is not None and len(patterns) <= max(proven, self.lower)) or \
                    proven >= len(self.best):
                clock.stop.set()  # the searches can stop: the result is proven

        self._flow = job
        threading.Thread(target=run, name="parcelroute-arc-flow", daemon=True).start()

    def _end_arcflow(self) -> None:
        """Take the arc-flow MIP's result if it ends within a moment; cancel it otherwise."""
        job = self._flow
        if job is None:
            return
        self._flow = None
        if not job.done() and self.best and len(self.best) <= self.lower:
            self._flow_cancel.set()  # the searches proved the packing: no need for it
        try:
            patterns, proven = job.result(timeout=_ARCFLOW_GRACE_SECONDS)
        except TimeoutError:
            # HiGHS sees the interrupt only between its phases (seconds, at times): its run
            # goes on unused, and the process's end waits for it (see parcelroute._highs)
            self._flow_cancel.set()
            model = self._flow_model
            if model is not None and model.highs is not None:
                leave_behind(model.highs)
            logger.debug("bin packing: the arc-flow MIP did not end in time; left behind")
            return
        except Exception:  # the MIP is optional: the searches' packing and bound stand
            logger.exception("bin packing: the arc-flow MIP failed")
            return
        self._take_flow(patterns, proven)

    def _take_flow(self, patterns: list[IntArray] | None, proven: int) -> None:
        """Keep the arc-flow MIP's bound and packing (a count per size, for each bin)."""
        self.lower = max(self.lower, proven)
        if patterns is not None:
            self.offer_patterns(patterns)
        logger.debug("bin packing: arc flow of %d arcs: %d bins, bound %d after %.2f s",
                     self._flow_arcs, len(self.best), self.lower, self.clock.elapsed())

    def fill_round(self, fill: _FillSearch, nodes: int, share: float = _FILL_SHARE) -> bool:
        """Fill the bins of the lower bound (within ``nodes``); True when that proves the
        best packing optimal. A search that gives up leaves its fullest bins, with the
        rest packed first-fit decreasing, as a start for the local search."""
        fill.clock = self.clock.share(share)
        found = fill.search(self.lower, nodes)
        num = len(self.type_sizes)
        if found is None:
            if fill.partial and self.cap <= _FILL_REPAIR_CAPACITY:
                patterns = [np.bincount(b, minlength=num) for b in fill.partial]
                rest = np.array(self.demand, dtype=np.int64) - np.sum(patterns, axis=0)
                self.improve(self.from_patterns(patterns, rest), 1000)
            return self.done()
        self.offer(self.from_patterns([np.bincount(b, minlength=num) for b in found],
                                      np.zeros(num, dtype=np.int64)))
        return self.done()

    def cover_round(self, cover: _ExactCover, share: float) -> bool:
        """Fill every bin of the lower bound exactly with at most three items each (an
        exact cover, within ``share`` of the time left); True when that proves the best
        packing optimal."""
        clock = cover.clock = self.clock.share(share)
        found = None
        tries = 0
        # short searches, each in its own random order: a wrong early choice is not
        # undone by going back, a fresh start undoes it
        while found is None and not clock.expired() and not cover.too_many:
            tries += 1
            found = cover.search(self.lower, _COVER_NODES_PER_BIN * self.lower)
            if not clock.limited and tries >= _ROUNDS_WITHOUT_LIMIT:
                break
        logger.debug("bin packing: exact cover %s after %d searches",
                     "found" if found is not None else "not found", tries)
        if found is not None:
            num = len(self.type_sizes)
            self.offer(self.from_patterns([np.bincount(b, minlength=num) for b in found],
                                          np.zeros(num, dtype=np.int64)))
        return self.done()

    def exact_round(self, exact: _BinCompletion, nodes: int) -> bool:
        """Search exactly for a packing into one bin fewer than the best; True when
        the search proves there is none (the best packing is then optimal)."""
        target = len(self.best) - 1
        # Each level of the search keeps a bitset of the capacity per size.
        if target > _MAX_EXACT_BINS or target * len(self.type_sizes) * (self.cap + 1) > _MAX_EXACT_BITS:
            return False
        try:
            found = exact.search(target, nodes)
        except (_OutOfBudgetError, RecursionError):
            return False
        if found is None:
            if exact.exhaustive:
                self.lower = len(self.best)
                return True
            return False
        num = len(self.type_sizes)
        patterns = [np.bincount([k for k, m in b for _ in range(m)], minlength=num) for b in found]
        self.offer(self.from_patterns(patterns, np.zeros(num, dtype=np.int64)))
        return False


def _as_int(value: object, what: str) -> int:
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"The {what} must be an integer; got {value!r} instead.") from None


def solve_bin_packing(
    sizes: Sequence[int],
    capacity: int,
    *,
    time_limit: float | None = 10.0,
    seed: int = 0,
    upper_bound_hint: Sequence[Sequence[int]] | None = None,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> PackingResult:
    """Pack items into as few bins of one capacity as possible, with a proof.

    Parameters
    ----------
    sizes : sequence of int
        The item sizes, each between 0 and ``capacity``. Items of size 0 go into
        any bin.
    capacity : int
        The capacity of every bin (non-negative).
    time_limit : float or None, default 10.0
        Seconds to spend at most (the result is the best found by then). ``None``
        runs until the packing is proven optimal or the search gives up.
    seed : int, default 0
        Seed of the random choices: a fixed seed gives the same packing whenever
        the time limit is not reached.
    upper_bound_hint : sequence of sequences of int, optional
        A known packing (item indices per bin) to start from.
    workers : int, default 1
        With 2 or more, the arc-flow MIP runs on a thread of its own beside the
        searches (HiGHS releases Python's lock while it solves); with 1 it runs
        between two rounds of the searches.
    on_progress : callable, optional
        Called as ``on_progress(bins, lower_bound)`` from the calling thread
        whenever the best packing or the bound improves (the last call may come
        before the final result, which can still improve once more).

    Returns
    -------
    PackingResult
        The bins (item indices per bin), a proven lower bound on their number, and
        whether the packing is proven optimal.

    Raises
    ------
    ValueError
        If a size or the capacity is not a non-negative integer, a size exceeds the
        capacity, or the hint is not a packing of the items.

    Examples
    --------
    >>> res = solve_bin_packing([6, 5, 4, 3, 2], 10)
    >>> len(res.bins), res.lower_bound, res.optimal
    (2, 2, True)
    >>> sorted(sorted(b) for b in res.bins)
    [[0, 2], [1, 3, 4]]
    """
    clock = _Clock(time_limit)
    cap = _as_int(capacity, "capacity")
    if cap < 0:
        raise ValueError(f"The capacity must be non-negative; got {cap} instead.")
    w = [_as_int(s, f"size of item {i}") for i, s in enumerate(sizes)]
    for i, s in enumerate(w):
        if s < 0 or s > cap:
            raise ValueError(f"The size of item {i} must be between 0 and the capacity {cap}; got {s} instead.")
    n = len(w)
    order = sorted((i for i in range(n) if w[i] > 0), key=lambda i: (-w[i], i))
    zeros = [i for i in range(n) if w[i] == 0]
    hint = _check_hint(upper_bound_hint, w, cap) if upper_bound_hint is not None else None
    if not order:
        bins: list[list[int]] = [zeros] if zeros else []
        return PackingResult(tuple(tuple(b) for b in bins), len(bins), True, clock.elapsed())
    rank = {i: k for k, i in enumerate(order)}
    # Sizes that share a factor: the capacity rounds down to a multiple of it.
    g = math.gcd(*(w[i] for i in order))
    engine = _Engine([w[i] // g for i in order], cap // g, seed, clock, workers, on_progress)
    internal_hint = None
    if hint is not None:
        internal_hint = [[rank[i] for i in b if w[i] > 0] for b in hint]
        internal_hint = [b for b in internal_hint if b]
    engine.solve(internal_hint)
    best = engine.best
    if not _is_packing(best, engine.sz, engine.cap):  # never expected: fall back to first fit
        logger.error("bin packing: an invalid packing was found and dropped")
        best = _first_fit_decreasing(engine.sz, engine.cap)
    out = [[order[k] for k in b] for b in best]
    out[0].extend(zeros)
    lower = engine.lower
    return PackingResult(tuple(tuple(b) for b in out), lower, len(out) == lower, clock.elapsed())


def _is_packing(bins: Sequence[Sequence[int]], sz: Sequence[int], cap: int) -> bool:
    seen = sorted(i for b in bins for i in b)
    return seen == list(range(len(sz))) and all(b and sum(sz[i] for i in b) <= cap for b in bins)


def _check_hint(hint: Sequence[Sequence[int]], w: Sequence[int], cap: int) -> list[list[int]]:
    seen = [False] * len(w)
    bins: list[list[int]] = []
    for k, b in enumerate(hint):
        items = [_as_int(i, f"item of hinted bin {k}") for i in b]
        for i in items:
            if not 0 <= i < len(w) or seen[i]:
                raise ValueError(
                    f"The hinted bin {k} must hold items 0..{len(w) - 1} not used elsewhere; got item {i} instead."
                )
            seen[i] = True
        load = sum(w[i] for i in items)
        if load > cap:
            raise ValueError(f"The hinted bin {k} must hold at most the capacity {cap}; got {load} instead.")
        bins.append(items)
    if not all(seen):
        missing = seen.index(False)
        raise ValueError(f"The hint must pack every item; item {missing} is missing.")
    return bins
